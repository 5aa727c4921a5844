import Foundation

/// The special functions the tests' p-values need, accurate to about 1e-13 relative where the
/// result is above 1e-300.
enum Special {
    /// ln Γ(x) for x > 0 (glibc's `lgamma_r`, which does not touch the global `signgam`).
    static func logGamma(_ x: Double) -> Double {
        var sign: Int32 = 0
        return lgamma_r(x, &sign)
    }

    /// ln C(n, k) for 0 ≤ k ≤ n.
    static func logBinomial(_ n: Double, _ k: Double) -> Double {
        logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1)
    }

    /// C(n, k) as a Double: exact products for small k, through ln Γ otherwise; +Inf past the
    /// largest Double.
    static func binomial(_ n: Int, _ k: Int) -> Double {
        guard k >= 0, k <= n else { return 0 }
        let k = min(k, n - k)
        if k < 30 {
            var value = 1.0
            for i in 0..<k { value = value * Double(n - i) / Double(i + 1) }
            return value.rounded()
        }
        return exp(logBinomial(Double(n), Double(k)))
    }

    /// P(Z > z) for a standard normal Z, without cancellation in either tail.
    static func normalSF(_ z: Double) -> Double {
        0.5 * erfc(z / 2.0.squareRoot())
    }

    /// P(χ²_df > x).
    static func chiSquareSF(_ x: Double, degreesOfFreedom df: Double) -> Double {
        guard x > 0 else { return 1 }
        return gammaQ(df / 2, x / 2)
    }

    /// The regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a): a power series
    /// for P = 1 − Q when x < a + 1, Lentz's continued fraction for Q otherwise.
    static func gammaQ(_ a: Double, _ x: Double) -> Double {
        guard x > 0 else { return 1 }
        guard x.isFinite else { return 0 }
        let logPrefactor = a * log(x) - x - logGamma(a)
        if x < a + 1 {
            // P(a, x) = x^a e^-x / Γ(a + 1) · Σ x^k / ((a + 1)…(a + k))
            var term = 1.0 / a, sum = term, denominator = a
            for _ in 0..<100_000 {
                denominator += 1
                term *= x / denominator
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return max(0, 1 - exp(logPrefactor) * sum)
        }
        // Q(a, x) = x^a e^-x / Γ(a) · 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − …))
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...100_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(logPrefactor) * h
    }

    /// e^x · K_ν(x), the exponentially scaled modified Bessel function of the second kind, from
    /// K_ν(x) = ∫₀^∞ e^{−x cosh t} cosh(νt) dt by the trapezoid rule, which converges
    /// geometrically for this doubly exponentially decaying integrand.
    static func scaledBesselK(_ nu: Double, _ x: Double) -> Double {
        precondition(x > 0)
        // e^x K = ∫ e^{−x (cosh t − 1)} cosh(νt) dt; stop where the integrand is below 1e-300.
        let step = 0.05
        var sum = 0.5, t = step
        while true {
            let exponent = -x * (cosh(t) - 1)
            if exponent < -700 { break }
            sum += exp(exponent) * cosh(nu * t)
            t += step
        }
        return sum * step
    }

    /// ln of the hypergeometric probability of x successes in `draws` draws from `total` items
    /// of which `successes` are successes, by Loader's saddle-point expansion (as R's `dhyper`):
    /// accurate to about 1e-15 relative even for counts in the millions, where differences of
    /// ln Γ lose digits.
    static func logHypergeometric(_ x: Double, successes r: Double, failures b: Double, draws n: Double) -> Double {
        let p = n / (r + b), q = (r + b - n) / (r + b)
        return logBinomialProbability(x, r, p, q) + logBinomialProbability(n - x, b, p, q) - logBinomialProbability(n, r + b, p, q)
    }

    /// ln P(X = x) for X ~ Binomial(n, p), q = 1 − p (Loader's `dbinom_raw`).
    static func logBinomialProbability(_ x: Double, _ n: Double, _ p: Double, _ q: Double) -> Double {
        if p == 0 { return x == 0 ? 0 : -.infinity }
        if q == 0 { return x == n ? 0 : -.infinity }
        if x == 0 {
            if n == 0 { return 0 }
            return p < 0.1 ? -deviance(n, n * q) - n * p : n * log(q)
        }
        if x == n { return q < 0.1 ? -deviance(n, n * p) - n * q : n * log(p) }
        if x < 0 || x > n { return -.infinity }
        let lc = stirlingError(n) - stirlingError(x) - stirlingError(n - x) - deviance(x, n * p) - deviance(n - x, n * q)
        let lf = log(2 * Double.pi) + log(x) + log1p(-x / n)
        return lc - 0.5 * lf
    }

    /// ln(n!) − ln(√(2πn) (n/e)ⁿ).
    static func stirlingError(_ n: Double) -> Double {
        if n <= 15 { return logGamma(n + 1) - (n + 0.5) * log(n) + n - 0.5 * log(2 * Double.pi) }
        let (s0, s1, s2, s3, s4) = (1.0 / 12, 1.0 / 360, 1.0 / 1260, 1.0 / 1680, 1.0 / 1188)
        let nn = n * n
        if n > 500 { return (s0 - s1 / nn) / n }
        if n > 80 { return (s0 - (s1 - s2 / nn) / nn) / n }
        if n > 35 { return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n }
        return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n
    }

    /// x·ln(x/m) + m − x without cancellation when x is near m (Loader's `bd0`).
    static func deviance(_ x: Double, _ m: Double) -> Double {
        if abs(x - m) < 0.1 * (x + m) {
            var v = (x - m) / (x + m)
            var s = (x - m) * v
            var ej = 2 * x * v
            v *= v
            for j in 1..<1_000 {
                ej *= v
                let next = s + ej / Double(2 * j + 1)
                if next == s { return next }
                s = next
            }
            return s
        }
        return x * log(x / m) + m - x
    }

    /// Kahan–Babuška compensated sum: the total of many small positive terms to full precision.
    struct CompensatedSum {
        private(set) var sum = 0.0
        private var compensation = 0.0

        mutating func add(_ value: Double) {
            let t = sum + value
            if abs(sum) >= abs(value) { compensation += (sum - t) + value } else { compensation += (value - t) + sum }
            sum = t
        }

        var value: Double { sum + compensation }
    }
}
