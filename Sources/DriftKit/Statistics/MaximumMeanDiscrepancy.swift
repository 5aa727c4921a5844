import Foundation
public import ToolboxCore

/// The maximum mean discrepancy test with a Gaussian kernel and a permutation p-value, as
/// alibi-detect's `MMDDrift`:
/// - the statistic is the unbiased MMD² of the two samples under
///   k(x, y) = exp(−‖x − y‖²/(2σ²));
/// - σ is alibi-detect's median heuristic unless given: √(½ · the median of the squared
///   distances between reference and current points);
/// - the p-value is the share of `permutations` random relabellings of the pooled points whose
///   MMD² is at least the observed one (seeded, so the same inputs give the same p-value).
///
/// The kernel matrix is quadratic in the points, so each sample is first subsampled (seeded,
/// without replacement) to at most `maximumSamples` points.
public enum MaximumMeanDiscrepancy {
    /// The result: MMD², the p-value and the kernel width used.
    public struct Result: Sendable, Hashable, Codable {
        /// The unbiased estimate of the squared MMD.
        public var statistic: Double
        /// The share of permutations whose statistic is at least the observed one (NaN with no
        /// permutations).
        public var pValue: Double
        /// The Gaussian kernel's width.
        public var sigma: Double
    }

    /// The test for one-dimensional samples.
    public static func test(_ reference: [Double], _ current: [Double], sigma: Double? = nil, permutations: Int = 100,
                            maximumSamples: Int = 1_000, seed: UInt64 = 0) throws -> Result {
        try validateSample(reference, name: "reference", minimumCount: 2)
        try validateSample(current, name: "current", minimumCount: 2)
        return try test(Matrix(rows: reference.count, columns: 1, values: reference), Matrix(rows: current.count, columns: 1, values: current),
                        sigma: sigma, permutations: permutations, maximumSamples: maximumSamples, seed: seed)
    }

    /// The test for samples of points, one per row.
    /// - Throws: `ToolboxError/Code/shapeMismatch` when the widths differ,
    ///   `ToolboxError/Code/invalidData` for fewer than two points or a NaN or infinite value,
    ///   `ToolboxError/Code/invalidParameter` for a non-positive σ, a negative number of
    ///   permutations or fewer than two samples allowed.
    public static func test(_ reference: Matrix<Double>, _ current: Matrix<Double>, sigma: Double? = nil, permutations: Int = 100,
                            maximumSamples: Int = 1_000, seed: UInt64 = 0) throws -> Result {
        guard reference.columns == current.columns else {
            throw ToolboxError(.shapeMismatch, "reference has \(reference.columns) columns, current \(current.columns)",
                               context: ErrorContext(parameter: "current"))
        }
        guard reference.rows >= 2, current.rows >= 2 else {
            throw ToolboxError(.invalidData, "MMD needs at least two points in each sample", context: ErrorContext(parameter: reference.rows < 2 ? "reference" : "current"))
        }
        try reference.validateFinite(name: "reference")
        try current.validateFinite(name: "current")
        guard permutations >= 0, maximumSamples >= 2 else {
            throw ToolboxError(.invalidParameter, "permutations must be at least 0 and maximumSamples at least 2",
                               context: ErrorContext(parameter: permutations < 0 ? "permutations" : "maximumSamples"))
        }
        if let sigma, !(sigma > 0 && sigma.isFinite) {
            throw ToolboxError(.invalidParameter, "sigma must be positive, got \(sigma)", context: ErrorContext(parameter: "sigma"))
        }
        var generator = SeededGenerator(seed: seed)
        let x = subsample(reference, maximumSamples, &generator), y = subsample(current, maximumSamples, &generator)
        let (n, m, d) = (x.count, y.count, reference.columns)
        let points = x + y
        let total = n + m
        var squared = [Double](repeating: 0, count: total * total)
        for i in 0..<total {
            for j in (i + 1)..<max(i + 1, total) {
                var s = 0.0
                for c in 0..<d { let diff = points[i][c] - points[j][c]; s += diff * diff }
                squared[i * total + j] = s
                squared[j * total + i] = s
            }
        }
        let width = sigma ?? medianSigma(squared, total: total, n: n, m: m, same: x == y)
        let scale = -1 / (2 * width * width)
        var kernel = squared.map { exp($0 * scale) }
        for i in 0..<total { kernel[i * total + i] = 0 }
        let observed = mmd2(kernel, total: total, n: n, order: Array(0..<total))
        var atLeast = 0
        var order = Array(0..<total)
        for _ in 0..<permutations {
            order.shuffle(using: &generator)
            if observed <= mmd2(kernel, total: total, n: n, order: order) { atLeast += 1 }
        }
        let p = permutations == 0 ? Double.nan : Double(atLeast) / Double(permutations)
        return Result(statistic: observed, pValue: p, sigma: width)
    }

    static func subsample(_ matrix: Matrix<Double>, _ limit: Int, _ generator: inout SeededGenerator) -> [[Double]] {
        var rows = Array(0..<matrix.rows)
        if rows.count > limit {
            rows.shuffle(using: &generator)
            rows = Array(rows.prefix(limit)).sorted()
        }
        return rows.map { Array(matrix.row($0)) }
    }

    /// alibi-detect's `sigma_median` over the reference × current block of squared distances.
    static func medianSigma(_ squared: [Double], total: Int, n: Int, m: Int, same: Bool) -> Double {
        var cross: [Double] = []
        cross.reserveCapacity(n * m)
        for i in 0..<n { for j in 0..<m { cross.append(squared[i * total + n + j]) } }
        cross.sort()
        let shared = same ? min(n, m) : 0
        let index = shared + (cross.count - shared) / 2 - 1
        let sigma = (0.5 * cross[max(index, 0)]).squareRoot()
        return sigma > 0 ? sigma : 1
    }

    /// Unbiased MMD² of the first `n` points of `order` against the rest (zero diagonal).
    static func mmd2(_ kernel: [Double], total: Int, n: Int, order: [Int]) -> Double {
        let m = total - n
        var xx = 0.0, yy = 0.0, xy = 0.0
        for a in 0..<total {
            let row = order[a] * total
            for b in 0..<total {
                let k = kernel[row + order[b]]
                if a < n { if b < n { xx += k } else { xy += k } } else if b >= n { yy += k }
            }
        }
        return xx / Double(n * (n - 1)) + yy / Double(m * (m - 1)) - 2 * xy / Double(n * m)
    }
}
