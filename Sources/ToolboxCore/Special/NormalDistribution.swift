import Foundation

/// The standard normal distribution's functions as scipy computes them (`scipy.special.ndtr`,
/// `log_ndtr`, `ndtri`, `erfcx`; `scipy.stats.norm.pdf`, `logpdf`), for the kits that sample and
/// test with them (TuneKit's Parzen estimators, DriftKit's z-tests). Accurate to a few units in
/// the last place across the whole range, tails included, where the naive forms underflow.
package enum NormalDistribution {
    static let sqrtHalf = 0.70710678118654752440
    static let logSqrtTwoPi = 0.91893853320467274178

    /// The density at `x`.
    package static func pdf(_ x: Double) -> Double { exp(-0.5 * x * x) / 2.5066282746310005024 }

    /// The log-density at `x`.
    package static func logPDF(_ x: Double) -> Double { -0.5 * x * x - logSqrtTwoPi }

    /// Φ(x), the probability below `x` (cephes' `ndtr`: erf near 0, erfc in the tails).
    package static func cdf(_ x: Double) -> Double {
        guard !x.isNaN else { return .nan }
        let t = x * sqrtHalf
        if abs(t) < sqrtHalf { return 0.5 + 0.5 * erf(t) }
        let tail = 0.5 * erfc(abs(t))
        return t > 0 ? 1 - tail : tail
    }

    /// log Φ(x), accurate where Φ(x) underflows (x below −38) and where it rounds to 1.
    package static func logCDF(_ x: Double) -> Double {
        guard x.isFinite else { return x.isNaN ? .nan : (x < 0 ? -.infinity : 0) }
        let t = x * sqrtHalf
        if x < -1 {
            // Φ(x) = erfc(−t)/2 = erfcx(−t)·e^{−t²}/2, so log Φ = log(erfcx(−t)/2) − t².
            return log(scaledComplementaryError(-t) / 2) - t * t
        }
        return log1p(-erfc(t) / 2)
    }

    /// erfcx(x) = e^{x²}·erfc(x), for x ≥ 0 without overflow or underflow: erfc directly where
    /// its product with e^{x²} stays finite, a continued fraction beyond (Lentz's method).
    package static func scaledComplementaryError(_ x: Double) -> Double {
        if x < 26 { return exp(x * x) * erfc(x) }
        // erfc(x)·e^{x²}·√π = 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))).
        var f = x, c = x, d = 0.0
        for k in 1...60 {
            let a = Double(k) / 2
            d = x + a * d
            d = d == 0 ? 1e-300 : 1 / d
            c = x + a / c
            if c == 0 { c = 1e-300 }
            let delta = c * d
            f *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return 1 / (f * 1.7724538509055160273)
    }

    /// Φ⁻¹(p), the quantile (cephes' `ndtri`): −∞ at 0, +∞ at 1, NaN outside [0, 1].
    ///
    /// Acklam's rational approximation (relative error below 1.2e-9), then two Halley steps
    /// against ``cdf(_:)`` (or, in the lower tail, against ``logCDF(_:)``), to full precision.
    package static func quantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        // The upper half by symmetry: 1 − p is exact there, Φ(x) near 1 is not.
        if p > 0.5 { return -quantile(1 - p) }
        var x = acklam(p)
        for _ in 0..<2 {
            if x < -5 {
                // Newton on log Φ: robust where Φ(x) is tiny.
                let logPhi = logCDF(x)
                let ratio = exp(logPDF(x) - logPhi)
                x -= (logPhi - log(p)) / ratio
            } else {
                let e = cdf(x) - p
                let u = e / pdf(x)
                x -= u / (1 + x * u / 2)
            }
        }
        return x
    }

    /// Acklam's inverse normal approximation.
    private static func acklam(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low {
            let q = (-2 * log1p(-p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}

extension NormalDistribution {
    /// Φ⁻¹(e^y), the quantile of a log-probability (scipy's `ndtri_exp`), accurate where e^y
    /// underflows and where it rounds to 1.
    package static func quantile(logProbability y: Double) -> Double {
        guard y <= 0 else { return .nan }
        if y == 0 { return .infinity }
        if y == -.infinity { return -.infinity }
        // Near 1, through the complement, which expm1 keeps exact.
        if y > log1p(-exp(-2.0)) { return -quantile(-expm1(y)) }
        if y > -2 { return quantile(exp(y)) }
        // The lower tail: a start from the asymptote log Φ(x) ≈ −x²/2 − log(−x√(2π)), then
        // Newton on log Φ, whose derivative is φ/Φ.
        var x = exp(y) > 1e-290 ? quantile(exp(y)) : -(-2 * y - log(-2 * y) - log(2 * Double.pi)).squareRoot()
        for _ in 0..<6 {
            let logPhi = logCDF(x)
            let step = (logPhi - y) / exp(logPDF(x) - logPhi)
            x -= step
            if abs(step) <= 1e-15 * max(1, abs(x)) { break }
        }
        return x
    }
}

/// The standard normal truncated to [a, b] (scipy's `truncnorm` with `loc` 0 and `scale` 1), in
/// log space where the mass between the bounds is tiny, for TuneKit's Parzen estimators.
package enum TruncatedNormal {
    /// log(Φ(b) − Φ(a)) for a < b, without cancellation in either tail.
    package static func logMass(_ a: Double, _ b: Double) -> Double {
        if a >= 0 { return logMass(-b, -a) }                 // the right tail, by symmetry
        if b <= 0 {
            let (logA, logB) = (NormalDistribution.logCDF(a), NormalDistribution.logCDF(b))
            return logB + log1p(-exp(logA - logB))
        }
        return log1p(-NormalDistribution.cdf(a) - NormalDistribution.cdf(-b))   // the middle
    }

    /// The log-density at `x`: −∞ outside [a, b].
    package static func logPDF(_ x: Double, a: Double, b: Double) -> Double {
        guard x >= a, x <= b else { return -.infinity }
        return NormalDistribution.logPDF(x) - logMass(a, b)
    }

    /// The density at `x`.
    package static func pdf(_ x: Double, a: Double, b: Double) -> Double { exp(logPDF(x, a: a, b: b)) }

    /// The probability below `x`.
    package static func cdf(_ x: Double, a: Double, b: Double) -> Double {
        if x <= a { return 0 }
        if x >= b { return 1 }
        return exp(logMass(a, x) - logMass(a, b))
    }

    /// The `q`-quantile, in [a, b].
    package static func quantile(_ q: Double, a: Double, b: Double) -> Double {
        guard q >= 0, q <= 1 else { return .nan }
        if q == 0 { return a }
        if q == 1 { return b }
        if a >= 0 { return -quantile(1 - q, a: -b, b: -a) }   // the right tail, by symmetry
        // log Φ(x) = log(Φ(a) + q·(Φ(b) − Φ(a))), summed in log space.
        let first = NormalDistribution.logCDF(a), second = log(q) + logMass(a, b)
        let high = max(first, second), low = min(first, second)
        let logP = high == -.infinity ? -.infinity : high + log1p(exp(low - high))
        return min(max(NormalDistribution.quantile(logProbability: logP), a), b)
    }
}
