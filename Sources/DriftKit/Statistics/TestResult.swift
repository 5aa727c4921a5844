import ToolboxCore

/// Which way a one-sided test looks, as scipy names it.
public enum Alternative: String, Sendable, Hashable, Codable, CaseIterable {
    /// The distributions differ.
    case twoSided = "two-sided"
    /// For Kolmogorov–Smirnov: the reference's CDF lies below the current one somewhere (scipy's
    /// `less`); for Fisher's exact test: the odds ratio is below 1.
    case less
    /// The opposite of ``less``.
    case greater
}

/// A two-sample test's statistic and p-value.
public struct TestResult: Sendable, Hashable, Codable {
    /// The test statistic, in scipy's definition for the test.
    public var statistic: Double
    /// The probability under the null hypothesis of a statistic at least this extreme.
    public var pValue: Double

    /// A result of the given statistic and p-value.
    public init(statistic: Double, pValue: Double) {
        self.statistic = statistic
        self.pValue = pValue
    }
}

/// Checks a sample: not empty, no NaN (missing values are dropped before a test, by the caller
/// or by the drift report), no infinity.
func validateSample(_ values: [Double], name: String, minimumCount: Int = 1) throws {
    guard values.count >= minimumCount else {
        throw ToolboxError(.invalidData, "the \(name) sample has \(values.count) values; the test needs at least \(minimumCount)",
                           context: ErrorContext(parameter: name))
    }
    if let index = values.firstIndex(where: { !$0.isFinite }) {
        throw ToolboxError(.invalidData, "the \(name) sample holds \(values[index]) at index \(index); drop missing values first",
                           context: ErrorContext(row: index, parameter: name))
    }
}

/// The samples sorted, both at once.
func sortedPair(_ a: [Double], _ b: [Double]) throws -> ([Double], [Double]) {
    let sorted = try Parallel.map(indices: 2, threads: a.count + b.count > 100_000 ? 2 : 1) { index in
        RadixSort.sorted(index == 0 ? a : b)
    }
    return (sorted[0], sorted[1])
}
