import Foundation
import ToolboxCore

/// The k-sample Anderson–Darling test, as `scipy.stats.anderson_ksamp` with its default
/// midrank statistic (Scholz and Stephens' A²akN, which allows ties), standardized; the p-value
/// interpolates Scholz and Stephens' critical values (a quadratic in the statistic fitted to the
/// logs of the significance levels), capped to [0.001, 0.25] as scipy caps it
/// (``AndersonDarlingResult/pValueCapped`` says when).
public enum AndersonDarling {
    /// The test of whether the samples come from one distribution.
    /// - Throws: `ToolboxError/Code/invalidData` for fewer than two samples, an empty sample, a
    ///   NaN or infinite value, or a single distinct value across all samples.
    public static func test(_ samples: [[Double]]) throws -> AndersonDarlingResult {
        guard samples.count >= 2 else {
            throw ToolboxError(.invalidData, "the Anderson-Darling test needs at least two samples", context: ErrorContext(parameter: "samples"))
        }
        for (index, sample) in samples.enumerated() { try validateSample(sample, name: "samples[\(index)]") }
        let pooled = samples.flatMap { $0 }.sorted()
        let n = pooled.count
        var distinct: [Double] = [], multiplicity: [Int] = []
        for value in pooled {
            if value == distinct.last { multiplicity[multiplicity.count - 1] += 1 } else { distinct.append(value); multiplicity.append(1) }
        }
        guard distinct.count >= 2 else {
            throw ToolboxError(.invalidData, "the samples hold a single distinct value; the Anderson-Darling test needs two",
                               context: ErrorContext(parameter: "samples"))
        }
        guard n >= 4 else {
            throw ToolboxError(.invalidData, "the Anderson-Darling test needs at least 4 values in all, got \(n)", context: ErrorContext(parameter: "samples"))
        }
        let N = Double(n), k = samples.count
        // B_j: the number of pooled values below z_j plus half of those equal to it.
        var below = 0
        var b = [Double](repeating: 0, count: distinct.count)
        for (j, count) in multiplicity.enumerated() {
            b[j] = Double(below) + Double(count) / 2
            below += count
        }
        var a2 = 0.0
        for sample in samples {
            let sorted = sample.sorted()
            let ni = Double(sorted.count)
            var position = 0, inner = 0.0
            for (j, value) in distinct.enumerated() {
                let start = position
                while position < sorted.count && sorted[position] == value { position += 1 }
                let equal = Double(position - start)
                let m = Double(position) - equal / 2
                let l = Double(multiplicity[j])
                let numerator = N * m - b[j] * ni
                inner += l / N * numerator * numerator / (b[j] * (N - b[j]) - N * l / 4)
            }
            a2 += inner / ni
        }
        a2 *= (N - 1) / N
        // Standardize with the variance of Scholz and Stephens' eq. 4.
        let h = samples.reduce(0) { $0 + 1 / Double($1.count) }
        var partial = [Double](), running = 0.0
        if n >= 3 {
            for i in stride(from: n - 1, to: 1, by: -1) { running += 1 / Double(i); partial.append(running) }
        }
        let hh = (partial.last ?? 0) + 1
        var g = 0.0
        for (index, value) in partial.enumerated() { g += value / Double(index + 2) }
        let kd = Double(k)
        let coefficientA = (4 * g - 6) * (kd - 1) + (10 - 6 * g) * h
        let coefficientB = (2 * g - 4) * kd * kd + 8 * hh * kd + (2 * g - 14 * hh - 4) * h - 8 * hh + 4 * g - 6
        let coefficientC = (6 * hh + 2 * g - 2) * kd * kd + (4 * hh - 4 * g + 6) * kd + (2 * hh - 6) * h + 4 * hh
        let coefficientD = (2 * hh + 6) * kd * kd - 4 * hh * kd
        let variance = (coefficientA * N * N * N + coefficientB * N * N + coefficientC * N + coefficientD) / ((N - 1) * (N - 2) * (N - 3))
        let m = kd - 1
        let statistic = (a2 - m) / variance.squareRoot()
        let b0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085]
        let b1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615]
        let b2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154]
        let critical = (0..<7).map { b0[$0] + b1[$0] / m.squareRoot() + b2[$0] / m }
        let levels = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001]
        if statistic < critical.min()! { return AndersonDarlingResult(statistic: statistic, pValue: 0.25, criticalValues: critical, pValueCapped: true) }
        if statistic > critical.max()! { return AndersonDarlingResult(statistic: statistic, pValue: 0.001, criticalValues: critical, pValueCapped: true) }
        let fit = quadraticFit(critical, levels.map { log($0) })
        let p = exp((fit[0] * statistic + fit[1]) * statistic + fit[2])
        return AndersonDarlingResult(statistic: statistic, pValue: p, criticalValues: critical, pValueCapped: false)
    }

    /// Least-squares coefficients [c₂, c₁, c₀] of y ≈ c₂x² + c₁x + c₀ (NumPy's `polyfit(x, y, 2)`),
    /// by Householder QR of the column-scaled Vandermonde matrix.
    static func quadraticFit(_ x: [Double], _ y: [Double]) -> [Double] {
        let rows = x.count
        var a = x.map { [$0 * $0, $0, 1.0] }
        var scale = [Double](repeating: 0, count: 3)
        for j in 0..<3 {
            scale[j] = (a.reduce(0) { $0 + $1[j] * $1[j] }).squareRoot()
            for i in 0..<rows { a[i][j] /= scale[j] }
        }
        var rhs = y
        for j in 0..<3 {
            var norm = 0.0
            for i in j..<rows { norm += a[i][j] * a[i][j] }
            norm = norm.squareRoot()
            let alpha = a[j][j] > 0 ? -norm : norm
            var v = [Double](repeating: 0, count: rows)
            v[j] = a[j][j] - alpha
            for i in (j + 1)..<rows { v[i] = a[i][j] }
            let vv = v.reduce(0) { $0 + $1 * $1 }
            guard vv > 0 else { continue }
            for column in j..<3 {
                var dot = 0.0
                for i in j..<rows { dot += v[i] * a[i][column] }
                for i in j..<rows { a[i][column] -= 2 * dot / vv * v[i] }
            }
            var dot = 0.0
            for i in j..<rows { dot += v[i] * rhs[i] }
            for i in j..<rows { rhs[i] -= 2 * dot / vv * v[i] }
        }
        var coefficients = [Double](repeating: 0, count: 3)
        for j in stride(from: 2, through: 0, by: -1) {
            var value = rhs[j]
            for l in (j + 1)..<3 { value -= a[j][l] * coefficients[l] }
            coefficients[j] = value / a[j][j]
        }
        return (0..<3).map { coefficients[$0] / scale[$0] }
    }
}

/// The result of ``AndersonDarling/test(_:)``.
public struct AndersonDarlingResult: Sendable, Hashable, Codable {
    /// The standardized statistic.
    public var statistic: Double
    /// The p-value from a quadratic fit of the log levels to the critical values, capped to
    /// [0.001, 0.25] as scipy caps it.
    public var pValue: Double
    /// The statistic's critical values at 25%, 10%, 5%, 2.5%, 1%, 0.5% and 0.1%.
    public var criticalValues: [Double]
    /// Whether the p-value is one of the table's ends (the true value is beyond it).
    public var pValueCapped: Bool
}

/// The two-sample Cramér–von Mises test, as `scipy.stats.cramervonmises_2samp`: Anderson's T
/// from the midranks of the pooled sample; the p-value is exact (the distribution of U over all
/// arrangements, by Xiao, Gordon and Yakovlev's recursion) when both samples have at most 20
/// values and `method` is `auto`, otherwise the limiting distribution of the standardized
/// statistic, summed (as scipy sums it) until a term is below 1e-7.
public enum CramerVonMises {
    /// How the p-value is computed.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        case auto, exact, asymptotic
    }

    /// The test of whether `reference` and `current` come from one distribution.
    /// - Throws: `ToolboxError/Code/invalidData` for a sample with fewer than two values or a
    ///   NaN or infinite value; `ToolboxError/Code/invalidParameter` for an exact p-value of
    ///   samples larger than 50 (the recursion's tables grow too large).
    public static func test(_ reference: [Double], _ current: [Double], method: Method = .auto) throws -> TestResult {
        try validateSample(reference, name: "reference", minimumCount: 2)
        try validateSample(current, name: "current", minimumCount: 2)
        let (nx, ny) = (reference.count, current.count)
        var mode = method
        if mode == .auto { mode = max(nx, ny) > 20 ? .asymptotic : .exact }
        if mode == .exact && max(nx, ny) > 50 {
            throw ToolboxError(.invalidParameter, "an exact Cramér-von Mises p-value is computed for samples of at most 50 values",
                               context: ErrorContext(parameter: "method"))
        }
        let (x, y) = try sortedPair(reference, current)
        let ranks = midranks(x + y)
        var sumX = 0.0, sumY = 0.0
        for i in 0..<nx { let d = ranks[i] - Double(i + 1); sumX += d * d }
        for j in 0..<ny { let d = ranks[nx + j] - Double(j + 1); sumY += d * d }
        let u = Double(nx) * sumX + Double(ny) * sumY
        let k = Double(nx * ny), n = Double(nx + ny)
        let t = u / (k * n) - (4 * k - 1) / (6 * n)
        let p = mode == .exact ? exactPValue(u, nx, ny) : asymptoticPValue(t, n: n, nx: Double(nx), ny: Double(ny), k: k)
        return TestResult(statistic: t, pValue: p)
    }

    /// The average ranks (1-based) of `values`, ties sharing the mean of their positions.
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end + 2) / 2
            for position in start...end { ranks[order[position]] = rank }
            start = end + 1
        }
        return ranks
    }

    /// P(U ≥ u) over all C(m+n, m) arrangements: for each lattice point (u, v) the frequencies
    /// of Σ (a·v − b·u)² along the paths reaching it, a = lcm/m, b = lcm/n.
    static func exactPValue(_ s: Double, _ m: Int, _ n: Int) -> Double {
        let lcm = m / KolmogorovSmirnov.gcd(m, n) * n
        let a = lcm / m, b = lcm / n
        let mn = Double(m * n)
        let zeta = (Double(lcm * lcm) * Double(m + n) * (6 * s - mn * (4 * mn - 1)) / (6 * mn * mn)).rounded(.down)
        // frequencies[v]: value → number of paths, for the points (u, v) of the current u.
        var frequencies = [[Int: Double]](repeating: [:], count: m + 1)
        frequencies[0] = [0: 1]
        for u in 0...n {
            var next = [[Int: Double]](repeating: [:], count: m + 1)
            var carried: [Int: Double] = [:]
            for v in 0...m {
                var merged = carried
                for (value, count) in frequencies[v] { merged[value, default: 0] += count }
                let step = (a * v - b * u) * (a * v - b * u)
                var shifted: [Int: Double] = [:]
                for (value, count) in merged { shifted[value + step] = count }
                next[v] = shifted
                carried = shifted
            }
            frequencies = next
        }
        let combinations = Special.binomial(m + n, m)
        var tail = 0.0
        for (value, count) in frequencies[m] where Double(value) >= zeta { tail += count }
        return tail / combinations
    }

    /// The p-value from the limiting distribution of the statistic standardized by its exact
    /// mean and variance (Anderson's eq. 11, 14 and 15; Csörgő and Faraway's series).
    static func asymptoticPValue(_ t: Double, n: Double, nx: Double, ny: Double, k: Double) -> Double {
        let expected = (1 + 1 / n) / 6
        var variance = (n + 1) * (4 * k * n - 3 * (nx * nx + ny * ny) - 2 * k)
        variance /= 45 * n * n * 4 * k
        let tn = 1.0 / 6 + (t - expected) / (45 * variance).squareRoot()
        guard tn >= 0.003 else { return 1 }
        return max(1 - limitingCDF(tn), 0)
    }

    /// The CDF of the one-sample statistic for an infinite sample (Csörgő and Faraway, eq. 1.2),
    /// summed until a term is below 1e-7 in magnitude.
    static func limitingCDF(_ x: Double) -> Double {
        var total = 0.0, k = 0
        while true {
            let kd = Double(k)
            let u = exp(Special.logGamma(kd + 0.5) - Special.logGamma(kd + 1)) / (pow(Double.pi, 1.5) * x.squareRoot())
            let y = 4 * kd + 1
            let q = y * y / (16 * x)
            // e^{−q} K_{1/4}(q) = e^{−2q} · (e^q K_{1/4}(q))
            let term = u * y.squareRoot() * exp(-2 * q) * Special.scaledBesselK(0.25, q)
            total += term
            k += 1
            if abs(term) < 1e-7 || k > 10_000 { break }
        }
        return total
    }
}
