import Foundation
import ToolboxCore

/// Category counts of a sample: how often each category occurs (missing values left out).
public struct CategoryCounts: Sendable, Hashable, Codable {
    /// Count by category.
    public var counts: [String: Int]

    /// Counts given by category.
    public init(_ counts: [String: Int]) { self.counts = counts }

    /// Counts the values; `nil` (missing) is not counted.
    public init(_ values: [String?]) {
        var counts: [String: Int] = [:]
        for case let value? in values { counts[value, default: 0] += 1 }
        self.counts = counts
    }

    /// The number of counted values (saturating at Int.max rather than overflowing).
    public var total: Int {
        var sum = 0
        for value in counts.values {
            let (next, overflow) = sum.addingReportingOverflow(value)
            if overflow { return Int.max }
            sum = next
        }
        return sum
    }

    /// The categories of both, sorted: the union the categorical tests compare over.
    static func union(_ a: CategoryCounts, _ b: CategoryCounts) -> [String] {
        Array(Set(a.counts.keys).union(b.counts.keys)).sorted()
    }
}

/// Chi-square tests on categories, as Evidently and scipy compute them.
public enum ChiSquare {
    /// Evidently's goodness-of-fit form: over the union of categories, the current counts are
    /// the observed frequencies and the reference counts scaled to the current total the expected
    /// ones; `scipy.stats.chisquare` on those, with k − 1 degrees of freedom.
    ///
    /// A category the reference never had makes the statistic infinite and the p-value 0: the
    /// current data holds something the reference says is impossible.
    /// - Throws: `ToolboxError/Code/invalidData` when either sample is empty.
    public static func goodnessOfFit(reference: CategoryCounts, current: CategoryCounts) throws -> TestResult {
        let (referenceTotal, currentTotal) = (reference.total, current.total)
        try requireCounts(referenceTotal, currentTotal)
        let keys = CategoryCounts.union(reference, current)
        let scale = Double(currentTotal) / Double(referenceTotal)
        var statistic = 0.0
        for key in keys {
            let observed = Double(current.counts[key] ?? 0)
            let expected = Double(reference.counts[key] ?? 0) * scale
            if expected == 0 {
                if observed > 0 { statistic = .infinity }
                continue
            }
            statistic += (observed - expected) * (observed - expected) / expected
        }
        guard keys.count > 1 else { return TestResult(statistic: 0, pValue: 1) }
        let p = statistic.isInfinite ? 0 : Special.chiSquareSF(statistic, degreesOfFreedom: Double(keys.count - 1))
        return TestResult(statistic: statistic, pValue: p)
    }

    /// `scipy.stats.chi2_contingency` on the 2 × k table of reference and current counts over
    /// the union of categories, with Yates' correction when there is one degree of freedom.
    /// A single category has nothing to test: statistic 0, p-value 1.
    /// - Throws: `ToolboxError/Code/invalidData` when either sample is empty.
    public static func contingency(reference: CategoryCounts, current: CategoryCounts, correction: Bool = true) throws -> TestResult {
        let (referenceTotal, currentTotal) = (reference.total, current.total)
        try requireCounts(referenceTotal, currentTotal)
        let keys = CategoryCounts.union(reference, current)
        guard keys.count > 1 else { return TestResult(statistic: 0, pValue: 1) }
        let total = Double(referenceTotal + currentTotal)
        let rows = [Double(referenceTotal), Double(currentTotal)]
        let degrees = keys.count - 1
        var statistic = 0.0
        for key in keys {
            let observedColumn = [Double(reference.counts[key] ?? 0), Double(current.counts[key] ?? 0)]
            let columnTotal = observedColumn[0] + observedColumn[1]
            for r in 0..<2 {
                let expected = rows[r] * columnTotal / total
                var observed = observedColumn[r]
                if degrees == 1 && correction {
                    let difference = expected - observed
                    let direction: Double = difference > 0 ? 1 : (difference < 0 ? -1 : 0)
                    observed += min(0.5, abs(difference)) * direction
                }
                statistic += (observed - expected) * (observed - expected) / expected
            }
        }
        return TestResult(statistic: statistic, pValue: Special.chiSquareSF(statistic, degreesOfFreedom: Double(degrees)))
    }

    static func requireCounts(_ reference: Int, _ current: Int) throws {
        guard reference > 0 else {
            throw ToolboxError(.invalidData, "the reference sample has no values", context: ErrorContext(parameter: "reference"))
        }
        guard current > 0 else {
            throw ToolboxError(.invalidData, "the current sample has no values", context: ErrorContext(parameter: "current"))
        }
    }
}

/// Evidently's Z-test for a difference of two proportions (the categorical test it picks for
/// two categories): z = (p_ref − p_cur)/√(P(1 − P)(1/n_ref + 1/n_cur)) with the pooled
/// proportion P; the two-sided p-value 2·P(Z > |z|) is computed without cancellation (Evidently
/// writes 2·(1 − Φ(|z|)), which rounds to 0 beyond |z| ≈ 8.3).
public enum ZTest {
    /// The test for the share of `category` in each sample (the first category in sorted order
    /// when `nil`; the two-sided result is the same for either category of two).
    /// A pooled share of 0 or 1 (one category in both samples) has nothing to test: z 0, p 1.
    /// - Throws: `ToolboxError/Code/invalidData` when either sample is empty.
    public static func proportions(reference: CategoryCounts, current: CategoryCounts, category: String? = nil) throws -> TestResult {
        let (n1, n2) = (reference.total, current.total)
        try ChiSquare.requireCounts(n1, n2)
        guard let target = category ?? CategoryCounts.union(reference, current).first else { return TestResult(statistic: 0, pValue: 1) }
        return proportions(referenceSuccesses: reference.counts[target] ?? 0, referenceCount: n1,
                           currentSuccesses: current.counts[target] ?? 0, currentCount: n2)
    }

    /// The test for x₁ of n₁ against x₂ of n₂.
    public static func proportions(referenceSuccesses x1: Int, referenceCount n1: Int, currentSuccesses x2: Int, currentCount n2: Int) -> TestResult {
        let p1 = Double(x1) / Double(n1), p2 = Double(x2) / Double(n2)
        let pooled = (p1 * Double(n1) + p2 * Double(n2)) / Double(n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))
        guard variance > 0 else { return TestResult(statistic: 0, pValue: 1) }
        let z = (p1 - p2) / variance.squareRoot()
        return TestResult(statistic: z, pValue: min(1, 2 * Special.normalSF(abs(z))))
    }
}

/// Fisher's exact test on a 2 × 2 table, as `scipy.stats.fisher_exact`: the statistic is the
/// sample odds ratio (a·d)/(b·c), the p-value sums hypergeometric probabilities (two-sided:
/// every table no more likely than the observed one, with scipy's relative tolerance 1e-14).
public enum FisherExact {
    /// The test of [[a, b], [c, d]].
    /// - Throws: `ToolboxError/Code/invalidData` for a negative count.
    public static func test(_ table: [[Int]], alternative: Alternative = .twoSided) throws -> TestResult {
        guard table.count == 2, table.allSatisfy({ $0.count == 2 }) else {
            throw ToolboxError(.shapeMismatch, "Fisher's exact test takes a 2 x 2 table", context: ErrorContext(parameter: "table"))
        }
        let (a, b, c, d) = (table[0][0], table[0][1], table[1][0], table[1][1])
        guard min(a, b, c, d) >= 0 else {
            throw ToolboxError(.invalidData, "table counts must not be negative", context: ErrorContext(parameter: "table"))
        }
        if a + c == 0 || b + d == 0 || a + b == 0 || c + d == 0 { return TestResult(statistic: .nan, pValue: 1) }
        let oddsRatio = c > 0 && b > 0 ? Double(a) * Double(d) / (Double(c) * Double(b)) : .infinity
        let n1 = a + b, n2 = c + d, n = a + c
        let distribution = Hypergeometric(total: n1 + n2, successes: n1, draws: n)
        var p: Double
        switch alternative {
        case .less:
            p = distribution.cdf(a)
        case .greater:
            p = Hypergeometric(total: n1 + n2, successes: n1, draws: b + d).cdf(b)
        case .twoSided:
            let mode = Int(Double((n + 1) * (n1 + 1)) / Double(n1 + n2 + 2))
            let exact = distribution.pmf(a), atMode = distribution.pmf(mode)
            let epsilon = 1e-14, gamma = 1 + epsilon
            if abs(exact - atMode) / max(exact, atMode) <= epsilon { return TestResult(statistic: oddsRatio, pValue: 1) }
            if a < mode {
                let lower = distribution.cdf(a)
                if distribution.pmf(n) > exact * gamma { return TestResult(statistic: oddsRatio, pValue: lower) }
                let guess = binarySearch({ -distribution.pmf($0) }, -exact * gamma, mode, n)
                p = lower + distribution.sf(guess)
            } else {
                let upper = distribution.sf(a - 1)
                if distribution.pmf(0) > exact * gamma { return TestResult(statistic: oddsRatio, pValue: upper) }
                let guess = binarySearch(distribution.pmf, exact * gamma, 0, mode)
                p = upper + distribution.cdf(guess)
            }
        }
        return TestResult(statistic: oddsRatio, pValue: min(p, 1))
    }

    /// The index i in low...high with f(i) ≤ target < f(i + 1), for f ascending there.
    static func binarySearch(_ f: (Int) -> Double, _ target: Double, _ low: Int, _ high: Int) -> Int {
        var (low, high) = (low, high)
        while low < high {
            let middle = low + (high - low) / 2
            let value = f(middle)
            if value < target { low = middle + 1 } else if value > target { high = middle - 1 } else { return middle }
        }
        return f(low) <= target ? low : low - 1
    }
}

/// The hypergeometric distribution of the successes in `draws` draws without replacement from
/// `total` items of which `successes` are successes.
struct Hypergeometric {
    let total: Int, successes: Int, draws: Int

    var support: ClosedRange<Int> { max(0, draws - (total - successes))...min(successes, draws) }

    func pmf(_ k: Int) -> Double {
        guard support.contains(k) else { return 0 }
        return exp(Special.logHypergeometric(Double(k), successes: Double(successes), failures: Double(total - successes), draws: Double(draws)))
    }

    /// The most likely count.
    var mode: Int { min(max(Int(Double(draws + 1) * Double(successes + 1) / Double(total + 2)), support.lowerBound), support.upperBound) }

    /// P(X ≤ k): summed from k away from the mode (terms shrink that way), stopping when they no
    /// longer change the sum; from the other tail when k is past the mode.
    func cdf(_ k: Int) -> Double {
        if k < support.lowerBound { return 0 }
        if k >= support.upperBound { return 1 }
        if k >= mode { return max(0, 1 - sf(k)) }
        return tail(from: k, step: -1, limit: support.lowerBound)
    }

    /// P(X > k).
    func sf(_ k: Int) -> Double {
        if k >= support.upperBound { return 0 }
        if k < support.lowerBound { return 1 }
        if k + 1 <= mode { return max(0, 1 - cdf(k)) }
        return tail(from: k + 1, step: 1, limit: support.upperBound)
    }

    private func tail(from start: Int, step: Int, limit: Int) -> Double {
        var sum = Special.CompensatedSum()
        var i = start
        while true {
            let term = pmf(i)
            sum.add(term)
            if i == limit || term <= sum.value * 1e-18 { break }
            i += step
        }
        return min(1, sum.value)
    }
}
