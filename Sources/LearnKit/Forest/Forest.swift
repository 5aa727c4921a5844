import Foundation
import ToolboxCore

/// Hyperparameters shared by the forests (scikit-learn's names in camel case).
public struct ForestParameters: Sendable, Hashable, Codable {
    public var treeCount: Int
    public var tree: TreeParameters
    /// Fit each tree on a bootstrap sample (random forests) or on all rows (extra trees).
    public var bootstrap: Bool
    /// Rows drawn per bootstrap sample: a count, or `nil` for all.
    public var maxSamples: Int?
    /// Compute the out-of-bag score (needs `bootstrap`).
    public var oobScore: Bool
    /// Used as scikit-learn uses `random_state`: the same seed grows the same forest.
    public var seed: UInt64
    /// Threads for fitting and predicting (`nil`: all cores). Results do not depend on it.
    public var threads: Int?

    public init(treeCount: Int = 100, tree: TreeParameters = TreeParameters(), bootstrap: Bool = true, maxSamples: Int? = nil,
                oobScore: Bool = false, seed: UInt64 = 0, threads: Int? = nil) {
        self.treeCount = treeCount
        self.tree = tree
        self.bootstrap = bootstrap
        self.maxSamples = maxSamples
        self.oobScore = oobScore
        self.seed = seed
        self.threads = threads
    }

    func validate(rows: Int) throws {
        guard treeCount >= 1 else {
            throw ToolboxError(.invalidParameter, "treeCount must be at least 1, got \(treeCount)", context: ErrorContext(parameter: "treeCount"))
        }
        if let maxSamples, maxSamples < 1 || maxSamples > rows {
            throw ToolboxError(.invalidParameter, "maxSamples must be in 1...\(rows), got \(maxSamples)", context: ErrorContext(parameter: "maxSamples"))
        }
        if oobScore && !bootstrap {
            throw ToolboxError(.invalidParameter, "the out-of-bag score needs bootstrap samples", context: ErrorContext(parameter: "oobScore"))
        }
        try tree.validate()
    }
}

/// One tree's seeds and bootstrap counts, drawn as scikit-learn draws them: a tree seed per
/// tree from the forest's `RandomState`, then the bootstrap indices from a fresh `RandomState`
/// of the tree seed.
struct ForestPlan {
    var treeSeeds: [UInt64]

    init(parameters: ForestParameters) {
        var random = NumPyRandomState(seed: UInt32(truncatingIfNeeded: parameters.seed))
        treeSeeds = (0..<parameters.treeCount).map { _ in UInt64(random.randint(0, NumPyRandomState.maxInt)) }
    }

    /// How often each row is drawn into tree `t`'s bootstrap sample.
    static func bootstrapCounts(seed: UInt64, rows: Int, draws: Int) -> [Double] {
        var random = NumPyRandomState(seed: UInt32(truncatingIfNeeded: seed))
        var counts = [Double](repeating: 0, count: rows)
        for _ in 0..<draws { counts[random.randint(0, rows)] += 1 }
        return counts
    }
}

/// Grows the trees of a forest in parallel; the result does not depend on the thread count.
func growForest(x: Matrix<Double>, classLabels: [Int], targets: [Double], classCount: Int, weights: [Double],
                criterion: SplitCriterion, parameters: ForestParameters, bestSplits: Bool) throws -> (trees: [Tree], inBag: [[Double]]) {
    try parameters.validate(rows: x.rows)
    let settings = try parameters.tree.settings(criterion: criterion, features: x.columns, bestSplits: bestSplits)
    let plan = ForestPlan(parameters: parameters)
    let draws = parameters.maxSamples ?? x.rows
    let grown = try Parallel.map(indices: parameters.treeCount, threads: parameters.threads) { t -> (Tree, [Double]) in
        var treeWeights = weights
        var counts: [Double] = []
        if parameters.bootstrap {
            counts = ForestPlan.bootstrapCounts(seed: plan.treeSeeds[t], rows: x.rows, draws: draws)
            for i in treeWeights.indices { treeWeights[i] *= counts[i] }
        }
        var builder = TreeBuilder(x: x, classLabels: classLabels, targets: targets, classCount: classCount, weights: treeWeights,
                                  settings: settings, seed: NumPyRandomState.splitterState(seed: plan.treeSeeds[t]))
        var tree = builder.build()
        if parameters.tree.ccpAlpha > 0 { tree = tree.pruned(alpha: parameters.tree.ccpAlpha) }
        return (tree, counts)
    }
    return (grown.map(\.0), grown.map(\.1))
}

/// Sums each tree's per-row output (normalized class probabilities, or the value) in tree
/// order, over all cores by blocks of rows.
func forestSum(_ trees: [Tree], _ x: Matrix<Double>, outputs: Int, normalize: Bool, threads: Int?,
               include: ((Int, Int) -> Bool)? = nil) throws -> (sums: [Double], counts: [Double]) {
    let blocks = try Parallel.map(count: x.rows, grain: 4_096, threads: threads) { range -> ([Double], [Double]) in
        let block = x.rows(range)
        var sums = [Double](repeating: 0, count: range.count * outputs)
        var counts = [Double](repeating: 0, count: range.count)
        for (t, tree) in trees.enumerated() {
            let leaves = tree.leaves(block)
            for (r, leaf) in leaves.enumerated() {
                if let include, !include(t, range.lowerBound + r) { continue }
                counts[r] += 1
                let base = leaf * outputs
                var total = 1.0
                if normalize {
                    total = 0
                    for k in 0..<outputs { total += tree.values[base + k] }
                }
                for k in 0..<outputs { sums[r * outputs + k] += total > 0 ? tree.values[base + k] / total : 1 / Double(outputs) }
            }
        }
        return (sums, counts)
    }
    return (blocks.flatMap(\.0), blocks.flatMap(\.1))
}
