import Foundation

/// The distributions of the one-sample Kolmogorov–Smirnov statistics, which the two-sample
/// test's asymptotic p-values use: D⁺ₙ (Smirnov) and Dₙ (two-sided), as scipy computes them
/// (Simard and L'Ecuyer's choice of method by n and n·x²: the Durbin matrix in Marsaglia, Tsang
/// and Wang's form, Pomeranz's recursion, Pelz and Good's expansion, and Smirnov's exact sum).
enum KolmogorovDistribution {
    private static let scale = 0x1p128
    private static let scaleExponent = 128

    /// P(D⁺ₙ ≥ x): Smirnov's (Birnbaum and Tingey's) exact sum
    /// x · Σ_{j=0}^{⌊n(1−x)⌋} C(n, j) (x + j/n)^{j−1} (1 − x − j/n)^{n−j}, term by term in logs.
    /// All terms are positive; for large n only the terms within e⁻⁵⁰ of the largest are summed.
    static func smirnovSF(n: Int, x: Double) -> Double {
        guard n > 0, x.isFinite else { return .nan }
        if x <= 0 { return 1 }
        if x >= 1 { return 0 }
        let nd = Double(n)
        let last = Int((nd * (1 - x)).rounded(.down))
        let logN1 = Special.logGamma(nd + 1)
        func logTerm(_ j: Int) -> Double? {
            let jd = Double(j)
            let rest = 1 - x - jd / nd
            guard rest > 0 || j == n else { return nil }
            let power = j == n ? 0 : (nd - jd) * log(rest)
            return logN1 - Special.logGamma(jd + 1) - Special.logGamma(nd - jd + 1) + (jd - 1) * log(x + jd / nd) + power
        }
        var sum = Special.CompensatedSum()
        if last <= 4_000 {
            for j in 0...last { if let t = logTerm(j) { sum.add(exp(t)) } }
            return min(1, sum.value * x)
        }
        // Ternary search for the largest term (the log-terms are unimodal in j), then outwards.
        var (low, high) = (0, last)
        while high - low > 2 {
            let a = low + (high - low) / 3, b = high - (high - low) / 3
            if (logTerm(a) ?? -.infinity) < (logTerm(b) ?? -.infinity) { low = a + 1 } else { high = b - 1 }
        }
        let peak = (low...high).max { (logTerm($0) ?? -.infinity) < (logTerm($1) ?? -.infinity) } ?? low
        guard let top = logTerm(peak) else { return 0 }
        sum.add(exp(top))
        var j = peak - 1
        while j >= 0, let t = logTerm(j), t > top - 50 { sum.add(exp(t)); j -= 1 }
        j = peak + 1
        while j <= last, let t = logTerm(j), t > top - 50 { sum.add(exp(t)); j += 1 }
        return min(1, sum.value * x)
    }

    /// P(Dₙ > x), the survival function of the two-sided one-sample statistic (scipy's
    /// `kstwo.sf`).
    static func sf(n: Int, x: Double) -> Double {
        guard n > 0, !x.isNaN else { return .nan }
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nd = Double(n)
        let t = nd * x
        if t <= 1 {
            // Ruben and Gambino: P(Dₙ ≤ x) = n!/nⁿ (2t − 1)ⁿ for 1/(2n) ≤ x ≤ 1/n.
            if t <= 0.5 { return 1 }
            let cdf: Double
            if n <= 140 {
                var product = 1.0
                for i in 1...n { product *= Double(i) * (1 / nd) * (2 * t - 1) }
                cdf = product
            } else {
                cdf = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
            }
            return clip(1 - cdf)
        }
        if t >= nd - 1 { return clip(2 * pow(1 - x, nd)) }
        if x >= 0.5 { return clip(2 * smirnovSF(n: n, x: x)) }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbin(n: n, x: x)) }
            if nxSquared <= 4 { return clip(1 - pomeranz(n: n, x: x)) }
            return clip(2 * smirnovSF(n: n, x: x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * smirnovSF(n: n, x: x)) }
        let cdf = n <= 100_000 && nd * pow(x, 1.5) <= 1.4 ? durbin(n: n, x: x) : pelzGood(n: n, x: x)
        return clip(1 - cdf)
    }

    static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

    /// ln(n!/nⁿ) by Stirling's series with the n·ln n removed up front.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let coefficients = [-2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
                            8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
                            -2.7777777777777777778e-3, 8.3333333333333333333e-2]
        let nd = Double(n), r = 1 / nd, r2 = r / nd
        let series = coefficients.reduce(0) { $0 * r2 + $1 }
        return log(nd) / 2 - nd + log(2 * Double.pi) / 2 + r * series
    }

    /// P(Dₙ ≤ x) by the Durbin matrix: the k-th diagonal entry of (n!/nⁿ) Hⁿ for the
    /// (2k−1)×(2k−1) matrix H with k = ⌈nx⌉, scaled by powers of 2¹²⁸ along the way.
    static func durbin(n: Int, x: Double) -> Double {
        if x >= 1 { return 1 }
        let nd = Double(n) * x
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = (1...m).map { 1 - pow(h, Double($0)) }
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] *= factorial
        }
        let tt = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
        v[m - 1] = (1 + tt) * factorial
        var matrix = [Double](repeating: 0, count: m * m)
        for i in 1..<m {
            for row in (i - 1)..<m { matrix[row * m + i] = w[row - (i - 1)] }
        }
        for row in 0..<m { matrix[row * m] = v[row] }
        for column in 0..<m { matrix[(m - 1) * m + column] = v[m - 1 - column] }
        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var remaining = n, exponent = 0, matrixExponent = 0
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = multiply(power, matrix, m)
                exponent += matrixExponent
            }
            matrix = multiply(matrix, matrix, m)
            matrixExponent *= 2
            if abs(matrix[(k - 1) * m + k - 1]) > scale {
                for index in matrix.indices { matrix[index] /= scale }
                matrixExponent += scaleExponent
            }
            remaining /= 2
        }
        var p = power[(k - 1) * m + k - 1]
        let nn = Double(n)
        for i in 1...n {
            p = Double(i) * p / nn
            if abs(p) < 1 / scale {
                p *= scale
                exponent -= scaleExponent
            }
        }
        if exponent != 0 { p = scalbn(p, exponent) }
        return clip(p)
    }

    private static func multiply(_ a: [Double], _ b: [Double], _ m: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for l in 0..<m {
                let value = a[i * m + l]
                if value == 0 { continue }
                for j in 0..<m { c[i * m + j] += value * b[l * m + j] }
            }
        }
        return c
    }

    /// P(Dₙ ≤ x) by Pomeranz's recursion: 2n + 1 convolutions of a short band of the previous
    /// row with truncated Poisson weights, then n!.
    static func pomeranz(n: Int, x: Double) -> Double {
        let t = Double(n) * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilf = f > 0 ? 1 : 0, roundf = f > 0.5 ? 1 : 0
        let count = 2 * (ll + 1)
        var gPower = [Double](repeating: 1, count: count), twoGPower = gPower, oneMinusTwoGPower = gPower
        let nd = Double(n)
        for m in 1..<count {
            gPower[m] = gPower[m - 1] * (g / nd) / Double(m)
            twoGPower[m] = twoGPower[m - 1] * (2 * g / nd) / Double(m)
            oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * ((1 - 2 * g) / nd) / Double(m)
        }
        func bounds(_ i: Int) -> (Int, Int) {
            var j1: Int, j2: Int
            if i == 0 {
                (j1, j2) = (-ll - ceilf - 1, ll + ceilf - 1)
            } else {
                let (half, odd) = ((i + 1) / 2, (i + 1) % 2)
                if odd == 0 {
                    if half == n + 1 {
                        (j1, j2) = (n - ll - ceilf - 1, n + ll + ceilf - 1)
                    } else {
                        (j1, j2) = (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
                    }
                } else {
                    (j1, j2) = (half - 1 - ll - 1, half + ll + roundf - 1)
                }
            }
            return (max(j1 + 2, 0), min(j2, n))
        }
        var v0 = [Double](repeating: 0, count: count), v1 = v0
        v1[0] = 1
        var (v0Start, v1Start) = (0, 0)
        var exponent = 0
        var (j1, _) = bounds(0)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0Start, &v1Start)
            for index in v1.indices { v1[index] = 0 }
            let (newJ1, j2) = bounds(i)
            j1 = newJ1
            let powers = (i == 1 || i == 2 * n + 1) ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
            let length = j2 - k1 + 1
            guard length > 0 else { continue }
            let sourceStart = k1 - v0Start
            let source = Array(v0[max(sourceStart, 0)..<min(sourceStart + length, count)])
            let weights = Array(powers[0..<min(length, count)])
            let convolutionStart = j1 - k1, convolutionLength = j2 - j1 + 1
            for index in 0..<convolutionLength {
                // Entry (convolutionStart + index) of the full convolution of source and weights.
                let position = convolutionStart + index
                var value = 0.0
                let (first, last) = (max(0, position - weights.count + 1), min(position, source.count - 1))
                if first <= last {
                    for s in first...last { value += source[s] * weights[position - s] }
                }
                v1[index] = value
            }
            if let largest = v1.max(), largest > 0, largest < 1 / scale {
                for index in v1.indices { v1[index] *= scale }
                exponent -= scaleExponent
            }
            v1Start = v0Start + j1 - k1
        }
        var answer = v1[n - v1Start]
        for m in 1...n {
            if abs(answer) > scale {
                answer /= scale
                exponent += scaleExponent
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = scalbn(answer, exponent) }
        return clip(answer)
    }

    /// P(Dₙ ≤ x) by Pelz and Good's expansion of Li-Chien's and Korolyuk's asymptotic series
    /// in powers of n^(−1/2), each term a Jacobi theta series suited to small √n·x.
    static func pelzGood(n: Int, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let nd = Double(n)
        let z = nd.squareRoot() * x
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let qLog = -pi2 / 8 / z2
        if qLog < -708 { return 0 }
        var q = exp(qLog)
        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * pow(z, 8)
        var terms = [0.0, 0.0, 0.0, 0.0]
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        if maxK >= 1 {
            for k in stride(from: maxK, through: 1, by: -1) {
                let m = Double(2 * k - 1)
                let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
                let qPower = pow(q, 8 * Double(k))
                let coefficients = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
                for index in 0..<4 { terms[index] = terms[index] * qPower + coefficients[index] }
            }
        }
        let sqrt2Pi = (2 * Double.pi).squareRoot()
        let divisors = [z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)]
        for index in 0..<4 { terms[index] = terms[index] * q * sqrt2Pi / divisors[index] }
        q = exp(-pi2 / 2 / z2)
        var k2Extra = 0.0, k3Extra = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        if maxK >= 1 {
            for k in stride(from: maxK, through: 1, by: -1) {
                let kd = Double(k), k2 = kd * kd
                let qPower = pow(q, k2)
                k2Extra += k2 * qPower
                let kPi = Double.pi * kd
                k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qPower
            }
        }
        terms[2] += k2Extra * pi2 * sqrt2Pi / (-36 * z3)
        terms[3] += k3Extra * pi2 * sqrt2Pi / (216 * z6)
        for index in 0..<4 { terms[index] /= pow(nd, Double(index) / 2) }
        return terms.reduce(0, +)
    }
}
