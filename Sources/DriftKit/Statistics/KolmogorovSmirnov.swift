import ToolboxCore
import Foundation

/// The two-sample Kolmogorov–Smirnov test, as `scipy.stats.ks_2samp`.
///
/// The statistic is the largest gap between the two empirical CDFs (two-sided), or the largest
/// gap in one direction: `greater` is max(F_ref − F_cur), `less` is max(F_cur − F_ref). P-values:
/// - `exact` (what `auto` picks when both samples have at most 10,000 values): the proportion
///   of lattice paths that leave the band (Hodges' treatment of Drion, Gnedenko and Korolyuk,
///   with Viehmann's stable recursion for the two-sided case);
/// - `asymptotic`: the two-sided one-sample distribution at n = round(m·n/(m+n))
///   (Simard and L'Ecuyer's choice of exact and approximate methods, as scipy's `kstwo`), or for one side exp(−2z² − 2z(m+2n)/(3√(mn(m+n)))).
///
/// When an exact computation overflows, the asymptotic one is used, as scipy does (its warning
/// becomes ``KolmogorovSmirnovResult/method``).
///
/// ```swift
/// let result = try KolmogorovSmirnov.test(reference, current)
/// result.statistic, result.pValue
/// ```
public enum KolmogorovSmirnov {
    /// How the p-value is computed.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        case auto, exact, asymptotic
    }

    /// The samples above which `auto` uses the asymptotic distribution (scipy's `MAX_AUTO_N`).
    public static let exactLimit = 10_000

    /// Tests whether `reference` and `current` come from the same continuous distribution.
    /// - Throws: `ToolboxError/Code/invalidData` for an empty sample or a NaN or infinite
    ///   value (naming the sample and index).
    /// - Complexity: O((n + m) log(n + m)) for the statistic; the exact p-value costs up to
    ///   O(n·m) for unequal sizes.
    public static func test(_ reference: [Double], _ current: [Double], alternative: Alternative = .twoSided,
                            method: Method = .auto) throws -> KolmogorovSmirnovResult {
        try validateSample(reference, name: "reference")
        try validateSample(current, name: "current")
        let (a, b) = try sortedPair(reference, current)
        return testSorted(a, b, alternative: alternative, method: method)
    }

    /// ``test(_:_:alternative:method:)`` for samples already sorted ascending and checked.
    static func testSorted(_ a: [Double], _ b: [Double], alternative: Alternative, method: Method) -> KolmogorovSmirnovResult {
        let (n1, n2) = (a.count, b.count)
        let gaps = cdfGaps(a, b)
        let minS = min(max(-gaps.minimum.value, 0), 1)
        let maxS = gaps.maximum.value
        var d: Double, location: Double, sign: Int
        if alternative == .less || (alternative == .twoSided && minS > maxS) {
            (d, location, sign) = (minS, gaps.minimum.location, -1)
        } else {
            (d, location, sign) = (maxS, gaps.maximum.location, 1)
        }
        let g = gcd(n1, n2)
        var mode = method
        if mode == .auto { mode = max(n1, n2) <= exactLimit ? .exact : .asymptotic }
        if mode == .exact, n1 / g >= Int(Int32.max) / (n2 / g) { mode = .asymptotic }
        var probability = Double.nan
        if mode == .exact {
            let exact = exactProbability(n1, n2, g: g, d: d, alternative: alternative)
            // The statistic stays on the lattice (h/lcm) even when the exact p-value fails.
            d = exact.d
            if let p = exact.probability { probability = p } else { mode = .asymptotic }
        }
        if mode == .asymptotic {
            let (m, n) = (Double(max(n1, n2)), Double(min(n1, n2)))
            let en = m * n / (m + n)
            if alternative == .twoSided {
                probability = KolmogorovDistribution.sf(n: Int(en.rounded(.toNearestOrEven)), x: d)
            } else {
                let z = en.squareRoot() * d
                let exponent = -2 * z * z - 2 * z * (m + 2 * n) / (m * n * (m + n)).squareRoot() / 3
                probability = exp(exponent)
            }
        }
        return KolmogorovSmirnovResult(statistic: d, pValue: min(max(probability, 0), 1), location: location, sign: sign, method: mode)
    }

    /// The largest and smallest F_a − F_b over the pooled values, and where: among values
    /// reaching the extreme, the smallest one in `a`, else the smallest in `b` (scipy's argmax
    /// over the concatenation of the sorted samples).
    static func cdfGaps(_ a: [Double], _ b: [Double]) -> (maximum: (value: Double, location: Double), minimum: (value: Double, location: Double)) {
        let (n1, n2) = (Double(a.count), Double(b.count))
        var i = 0, j = 0
        var maxA = (value: -Double.infinity, location: Double.nan), maxB = maxA
        var minA = (value: Double.infinity, location: Double.nan), minB = minA
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                while i < a.count || j < b.count {
                    let v = j >= b.count || (i < a.count && a[i] <= b[j]) ? a[i] : b[j]
                    let startI = i, startJ = j
                    while i < a.count && a[i] == v { i += 1 }
                    while j < b.count && b[j] == v { j += 1 }
                    let gap = Double(i) / n1 - Double(j) / n2
                    if i > startI {
                        if gap > maxA.value { maxA = (gap, v) }
                        if gap < minA.value { minA = (gap, v) }
                    }
                    if j > startJ {
                        if gap > maxB.value { maxB = (gap, v) }
                        if gap < minB.value { minB = (gap, v) }
                    }
                }
            }
        }
        let maximum = maxA.value >= maxB.value ? maxA : maxB
        let minimum = minA.value <= minB.value ? minA : minB
        return (maximum, minimum)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// The statistic rounded to the lattice (h/lcm) and the exact p-value, `nil` when the
    /// computation overflows or leaves [0, 1].
    static func exactProbability(_ n1: Int, _ n2: Int, g: Int, d: Double, alternative: Alternative) -> (d: Double, probability: Double?) {
        let lcm = (n1 / g) * n2
        let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
        let d = Double(h) / Double(lcm)
        if h == 0 { return (d, 1) }
        var probability: Double
        if alternative == .twoSided {
            probability = n1 == n2 ? probabilityOutsideSquare(n1, h) : outerProbabilityInside(n1, n2, g: g, h: h)
        } else if n1 == n2 {
            probability = 1
            for j in 0..<h { probability *= Double(n1 - j) / (Double(n1 + j) + 1) }
        } else {
            let paths = pathsOutside(n1, n2, g: g, h: h)
            let total = Special.binomial(n1 + n2, n1)
            guard paths.isFinite, total.isFinite, paths <= total else { return (d, nil) }
            probability = paths / total
        }
        guard probability.isFinite, probability >= 0, probability <= 1 else { return (d, nil) }
        return (d, probability)
    }

    /// P(D_{n,n} ≥ h/n) = 2·(C(2n, n−h) − C(2n, n−2h) + …)/C(2n, n), in a nested form free of
    /// cancellation.
    static func probabilityOutsideSquare(_ n: Int, _ h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var factor = 1.0
            for j in 0..<h { factor = Double(n - k * h - j) * factor / Double(n + k * h + j + 1) }
            p = factor * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// 1 − (the proportion of lattice paths from (0, 0) to (m, n) that stay strictly inside
    /// |x/m − y/n| < h/lcm), by Viehmann's recursion for the complement over a sliding window.
    static func outerProbabilityInside(_ m: Int, _ n: Int, g: Int, h: Int) -> Double {
        let (m, n) = m < n ? (n, m) : (m, n)
        let mg = m / g, ng = n / g
        var minJ = 0
        var maxJ = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
        var currentLength = maxJ - minJ
        let length = min(2 * maxJ + 2, n + 1)
        var column = [Double](repeating: 1, count: length)
        for index in minJ..<min(maxJ, length) { column[index] = 0 }
        for i in 1...m {
            let lastMinJ = minJ, lastLength = currentLength
            minJ = min(max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0), n)
            maxJ = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
            if maxJ <= minJ { return 1 }
            var value = minJ == 0 ? 0.0 : 1.0
            for jj in 0..<(maxJ - minJ) {
                let j = jj + minJ
                value = (column[jj + minJ - lastMinJ] * Double(i) + value * Double(j)) / Double(i + j)
                column[jj] = value
            }
            currentLength = maxJ - minJ
            if lastLength > currentLength {
                let (first, end) = (maxJ - minJ, min(maxJ - minJ + lastLength - currentLength, length))
                if first < end { for index in first..<end { column[index] = 1 } }
            }
        }
        return column[maxJ - minJ - 1]
    }

    /// The number of lattice paths from (0, 0) to (m, n) that reach m·y ≤ n·x − h·g somewhere
    /// (Hodges), in floating point (infinite when it overflows).
    static func pathsOutside(_ m: Int, _ n: Int, g: Int, h: Int) -> Double {
        let (m, n) = m < n ? (n, m) : (m, n)
        let mg = m / g, ng = n / g
        let count = n + (mg - h) / mg
        guard count > 0 else { return Special.binomial(m + n, n) }
        let xs = (0..<count).map { j in (h + mg * j + ng - 1) / ng }
        var b = [Double](repeating: 0, count: count)
        b[0] = 1
        for j in 1..<max(count, 1) {
            var value = Special.binomial(xs[j] + j, j)
            for i in 0..<j { value -= Special.binomial(xs[j] - xs[i] + j - i, j - i) * b[i] }
            b[j] = value
        }
        var paths = 0.0
        for j in 0..<count { paths += b[j] * Special.binomial((m - xs[j]) + (n - j), n - j) }
        return paths
    }
}

/// The result of ``KolmogorovSmirnov/test(_:_:alternative:method:)``.
public struct KolmogorovSmirnovResult: Sendable, Hashable, Codable {
    /// The largest CDF gap (in the tested direction).
    public var statistic: Double
    /// The probability under the null hypothesis of a gap at least this large.
    public var pValue: Double
    /// The value where the gap is largest (scipy's `statistic_location`).
    public var location: Double
    /// +1 when the reference's CDF is above the current one there, −1 when below (scipy's
    /// `statistic_sign`).
    public var sign: Int
    /// How the p-value was computed (``KolmogorovSmirnov/Method/exact`` or
    /// ``KolmogorovSmirnov/Method/asymptotic``).
    public var method: KolmogorovSmirnov.Method
}
