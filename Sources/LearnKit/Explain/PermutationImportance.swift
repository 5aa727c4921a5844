import Foundation
public import ToolboxCore

/// Permutation feature importance (Breiman 2001; scikit-learn's `permutation_importance`): how
/// much a score drops when one feature's values are shuffled across rows, breaking its link to
/// the target, repeated `repeats` times per feature. Works for any fitted model and scorer.
public struct PermutationImportance: Sendable, Hashable {
    /// The score on the data as given.
    public var baselineScore: Double
    /// Per feature, the drop in score for each repeat.
    public var importances: [[Double]]
    /// Per feature, the mean and standard deviation (population, as NumPy's `std`) of the drops.
    public var importancesMean: [Double]
    public var importancesStandardDeviation: [Double]

    /// Scores `model` on `x`, then on `x` with each feature shuffled, `repeats` times; features
    /// run in parallel, each from its own seeded stream, so results do not depend on threads.
    public static func compute(_ model: any FittedModel, x: Matrix<Double>, y: [Double], scorer: Scorer, repeats: Int = 5, seed: UInt64 = 0,
                               threads: Int? = nil) throws -> PermutationImportance {
        guard repeats >= 1 else {
            throw ToolboxError(.invalidParameter, "repeats must be at least 1, got \(repeats)", context: ErrorContext(parameter: "n_repeats"))
        }
        guard y.count == x.rows, x.rows >= 2 else {
            throw ToolboxError(.shapeMismatch, "x has \(x.rows) rows and y \(y.count) values; permutation needs at least 2 matching rows", context: ErrorContext(parameter: "y"))
        }
        let baseline = try scorer.score(model, x, y)
        let root = SeededGenerator(seed: seed)
        let drops = try Parallel.map(indices: x.columns, threads: threads) { feature -> [Double] in
            var generator = root.derived(stream: UInt64(feature))
            var shuffled = x
            let column = (0..<x.rows).map { x[$0, feature] }
            return try (0..<repeats).map { _ in
                let order = generator.permutation(x.rows)
                for row in 0..<x.rows { shuffled[row, feature] = column[order[row]] }
                return baseline - (try scorer.score(model, shuffled, y))
            }
        }
        let means = drops.map { $0.reduce(0, +) / Double(repeats) }
        let deviations = zip(drops, means).map { values, mean in (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(repeats)).squareRoot() }
        return PermutationImportance(baselineScore: baseline, importances: drops, importancesMean: means, importancesStandardDeviation: deviations)
    }
}
