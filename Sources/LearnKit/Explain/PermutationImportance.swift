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
    /// Per feature, the population standard deviation of the drops.
    public var importancesStandardDeviation: [Double]

    /// Scores `model` on `x`, then on `x` with each feature shuffled, `repeats` times, as
    /// scikit-learn's `permutation_importance(random_state=seed)` does: NumPy's `RandomState`
    /// gives one seed; every feature restarts a `RandomState` from it and shuffles a row order
    /// in place once per repeat, each repeat permuting the previous repeat's column. The same
    /// seed gives scikit-learn's importances. Features run in parallel; results do not depend on
    /// threads. Seeds above 2³² − 1, which NumPy refuses, draw from `SeededGenerator`.
    public static func compute(_ model: any FittedModel, x: Matrix<Double>, y: [Double], scorer: Scorer, repeats: Int = 5, seed: UInt64 = 0,
                               threads: Int? = nil) throws -> PermutationImportance {
        guard repeats >= 1 else {
            throw ToolboxError(.invalidParameter, "repeats must be at least 1, got \(repeats)", context: ErrorContext(parameter: "n_repeats"))
        }
        guard y.count == x.rows, x.rows >= 2 else {
            throw ToolboxError(.shapeMismatch, "x has \(x.rows) rows and y \(y.count) values; permutation needs at least 2 matching rows", context: ErrorContext(parameter: "y"))
        }
        let baseline = try scorer.score(model, x, y)
        let featureSeed: UInt32?
        if seed <= UInt64(UInt32.max) {
            var state = NumPyRandomState(seed: UInt32(seed))
            featureSeed = UInt32(state.randint(0, Int(Int32.max) + 1))
        } else {
            featureSeed = nil
        }
        let root = SeededGenerator(seed: seed)
        let drops = try Parallel.map(indices: x.columns, threads: threads) { feature -> [Double] in
            var shuffled = x
            var column = (0..<x.rows).map { x[$0, feature] }
            var numpy = featureSeed.map { NumPyRandomState(seed: $0) }
            var generator = root.derived(stream: UInt64(feature))
            var order = Array(0..<x.rows)
            return try (0..<repeats).map { _ in
                if numpy != nil { numpy!.shuffle(&order) } else { generator.shuffle(&order) }
                column = order.map { column[$0] }
                for row in 0..<x.rows { shuffled[row, feature] = column[row] }
                return baseline - (try scorer.score(model, shuffled, y))
            }
        }
        // NumPy's mean and standard deviation (pairwise sums) over the repeats.
        let count = Double(repeats)
        let means = drops.map { values in NumPySum.pairwise(count: values.count) { values[$0] } / count }
        let deviations = zip(drops, means).map { values, mean in
            (NumPySum.pairwise(count: values.count) { (values[$0] - mean) * (values[$0] - mean) } / count).squareRoot()
        }
        return PermutationImportance(baselineScore: baseline, importances: drops, importancesMean: means, importancesStandardDeviation: deviations)
    }
}
