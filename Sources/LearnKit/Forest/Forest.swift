import Foundation
import ToolboxCore

/// Hyperparameters shared by the forests (scikit-learn's, named in camel case here and in
/// snake case in YAML/JSON).
public struct ForestParameters: Sendable, Hashable, Codable {
    /// `n_estimators` (Int ≥ 1, default 100): the number of trees.
    public var treeCount: Int
    /// Each tree's growth limits (`max_depth`, `min_samples_leaf`, `max_features`, ...).
    public var tree: TreeParameters
    /// `bootstrap` (Bool, default `true` for random forests, `false` for extra trees): fit each
    /// tree on a bootstrap sample rather than on all rows.
    public var bootstrap: Bool
    /// `max_samples` (Int ≥ 1 or `null`, default `null`): rows drawn per bootstrap sample; `null` draws n.
    public var maxSamples: Int?
    /// `oob_score` (Bool, default `false`): compute the out-of-bag score (needs `bootstrap`).
    public var oobScore: Bool
    /// `random_state` (0...2³²−1, default 0): used as scikit-learn uses `random_state`, so the
    /// same seed grows the same forest; larger seeds are rejected, as NumPy rejects them.
    public var seed: UInt64
    /// `n_jobs` (Int ≥ 1 or `null`, default `null`): threads for fitting and predicting; `null`
    /// uses every core. Results do not depend on it.
    public var threads: Int?

    /// The forest hyperparameters, as scikit-learn names them (the tree ones included).
    static let hyperparameterSchema: [Hyperparameter<ForestParameters>] =
        [.integer("n_estimators", \.treeCount, minimum: 1, "number of trees").hinted(.integer(50, 500, log: true))]
        + TreeParameters.hyperparameterSchema.map { $0.lifted(\.tree) }
        + [
            .bool("bootstrap", \.bootstrap, "fit each tree on a bootstrap sample"),
            .optionalInteger("max_samples", \.maxSamples, minimum: 1, "rows drawn per bootstrap sample (null: all)"),
            .bool("oob_score", \.oobScore, "compute the out-of-bag score (needs bootstrap)"),
            .seed("random_state", \.seed, "seed of the bootstrap and feature draws (NumPy RandomState)"),
            .optionalInteger("n_jobs", \.threads, minimum: 1, "threads (null: every core); results do not depend on it"),
        ]

    /// Forest parameters with scikit-learn's defaults: 100 trees, bootstrap samples of every row, no out-of-bag score.
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
        _ = try NumPyRandomState.validatedSeed(seed)
        if let threads, threads < 1 {
            throw ToolboxError(.invalidParameter, "n_jobs must be at least 1 or null, got \(threads)", context: ErrorContext(parameter: "n_jobs"))
        }
        guard treeCount >= 1 else {
            throw ToolboxError(.invalidParameter, "n_estimators must be at least 1, got \(treeCount)", context: ErrorContext(parameter: "n_estimators"))
        }
        if let maxSamples, maxSamples < 1 || maxSamples > rows {
            throw ToolboxError(.invalidParameter, "max_samples must be in 1...\(rows), got \(maxSamples)", context: ErrorContext(parameter: "max_samples"))
        }
        if oobScore && !bootstrap {
            throw ToolboxError(.invalidParameter, "the out-of-bag score needs bootstrap samples", context: ErrorContext(parameter: "oob_score"))
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
        // Validated by ForestParameters.validate before any plan is made.
        var random = NumPyRandomState(seed: UInt32(clamping: parameters.seed))
        treeSeeds = (0..<parameters.treeCount).map { _ in UInt64(random.randint(0, NumPyRandomState.maxInt)) }
    }

    /// How often each row is drawn into tree `t`'s bootstrap sample.
    static func bootstrapCounts(seed: UInt64, rows: Int, draws: Int) -> [Double] {
        // Tree seeds are drawn below 2³¹.
        var random = NumPyRandomState(seed: UInt32(clamping: seed))
        var counts = [Double](repeating: 0, count: rows)
        for _ in 0..<draws { counts[random.randint(0, rows)] += 1 }
        return counts
    }
}

/// Grows the trees of a forest in parallel; the result does not depend on the thread count.
func growForest(x: Matrix<Double>, classLabels: [Int], targets: [Double], classCount: Int, weights: [Double],
                criterion: SplitCriterion, parameters: ForestParameters, bestSplits: Bool,
                context: FitContext = FitContext()) throws -> (trees: [Tree], inBag: [[Double]]) {
    try parameters.validate(rows: x.rows)
    let settings = try parameters.tree.settings(criterion: criterion, features: x.columns, bestSplits: bestSplits)
    let plan = ForestPlan(parameters: parameters)
    let draws = parameters.maxSamples ?? x.rows
    let grown = try Parallel.map(indices: parameters.treeCount, threads: parameters.threads) { t -> (Tree, [Double]) in
        // A cancelled fit grows no more trees (each tree is a short unit of work).
        try context.checkCancellation()
        var treeWeights = weights
        var counts: [Double] = []
        if parameters.bootstrap {
            counts = ForestPlan.bootstrapCounts(seed: plan.treeSeeds[t], rows: x.rows, draws: draws)
            for i in treeWeights.indices { treeWeights[i] *= counts[i] }
        }
        var builder = TreeBuilder(x: x, classLabels: classLabels, targets: targets, classCount: classCount, weights: treeWeights,
                                  settings: settings, seed: NumPyRandomState.splitterState(seed: UInt32(clamping: plan.treeSeeds[t])))
        if let flag = context.cancellation { builder.stop = { flag.isCancelled } }
        var tree = builder.build()
        try context.checkCancellation()
        if parameters.tree.ccpAlpha > 0 { tree = tree.pruned(alpha: parameters.tree.ccpAlpha) }
        return (tree, counts)
    }
    return (grown.map(\.0), grown.map(\.1))
}

/// A tree packed for fast prediction: 16-byte nodes (four to a cache line) and the leaves'
/// outputs in one compact array, normalized to probabilities for classifiers.
///
/// A split's Double threshold lies between two adjacent Float feature values, so comparing a
/// Float value with the largest Float not above the threshold decides exactly as before.
struct PackedTree {
    struct Node {
        /// Left child, or −1 for a leaf.
        var left: Int32
        /// Right child; for a leaf, the leaf's row in `outputs`.
        var right: Int32
        /// The feature, with the sign bit set when missing values go left.
        var feature: UInt32
        var threshold: Float
    }
    var nodes: [Node]
    var outputs: [Double]

    init(_ tree: Tree, normalize: Bool) {
        let k = tree.outputs
        var outputs: [Double] = []
        nodes = (0..<tree.nodeCount).map { i in
            if tree.left[i] == Tree.leaf {
                let leafRow = Int32(outputs.count / k)
                let values = tree.values[(i * k)..<(i * k + k)]
                let total = normalize ? values.reduce(0, +) : 1
                outputs += values.map { total > 0 ? $0 / total : 1 / Double(k) }
                return Node(left: Tree.leaf, right: leafRow, feature: 0, threshold: 0)
            }
            var threshold = Float(tree.threshold[i])
            if Double(threshold) > tree.threshold[i] { threshold = threshold.nextDown }
            let flag: UInt32 = tree.missingGoesLeft[i] ? 0x8000_0000 : 0
            return Node(left: tree.left[i], right: tree.right[i], feature: UInt32(tree.feature[i]) | flag, threshold: threshold)
        }
        self.outputs = outputs
    }
}

/// Sums each tree's per-row output (normalized class probabilities, or the value) in tree
/// order, over all cores by blocks of rows. `include(tree, row)` can leave pairs out (out-of-bag).
func forestSum(_ packed: [PackedTree], _ x: Matrix<Double>, outputs: Int, threads: Int?,
               include: ((Int, Int) -> Bool)? = nil) throws -> (sums: [Double], counts: [Double]) {
    let p = x.columns
    // Large row blocks, each pushed through one tree at a time: a deep tree (hundreds of
    // kilobytes) then stays in the core's cache for 16k rows instead of the whole forest
    // streaming from memory once per small block (2x faster on 100 full-depth trees).
    let grain = 16_384
    let blocks = try Parallel.map(count: x.rows, grain: grain, threads: threads) { range -> ([Double], [Double]) in
        // Features as Float, the precision trees compare at.
        let block: [Float] = x.withUnsafeBufferPointer { values in
            (range.lowerBound * p..<range.upperBound * p).map { Float(values[$0]) }
        }
        var sums = [Double](repeating: 0, count: range.count * outputs)
        var counts = [Double](repeating: 0, count: range.count)
        block.withUnsafeBufferPointer { rows in
            sums.withUnsafeMutableBufferPointer { sums in
                counts.withUnsafeMutableBufferPointer { counts in
                    for (t, tree) in packed.enumerated() {
                        let accept = include.map { include in { (r: Int) in include(t, range.lowerBound + r) } }
                        tree.accumulate(rows: rows.baseAddress!, features: p, count: range.count, outputs: outputs,
                                        sums: sums.baseAddress!, counts: counts.baseAddress!, include: accept)
                    }
                }
            }
        }
        return (sums, counts)
    }
    return (blocks.flatMap(\.0), blocks.flatMap(\.1))
}

extension PackedTree {
    static let lanes = 16

    /// Adds this tree's output for each of `count` rows (row-major Float features) to `sums`
    /// and counts it, skipping rows `include` rejects.
    ///
    /// Sixteen rows descend the tree at once, so sixteen node fetches are in flight instead of
    /// one (the traversal is bound by memory latency, not arithmetic); a lane that reaches a
    /// leaf takes the next row at once, so no lane waits for the deepest one.
    func accumulate(rows: UnsafePointer<Float>, features p: Int, count: Int, outputs k: Int,
                    sums: UnsafeMutablePointer<Double>, counts: UnsafeMutablePointer<Double>, include: ((Int) -> Bool)?) {
        nodes.withUnsafeBufferPointer { nodes in
            self.outputs.withUnsafeBufferPointer { values in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * Self.lanes) { scratch in
                    let position = scratch.baseAddress!, row = scratch.baseAddress! + Self.lanes
                    var next = 0, busy = 0
                    for lane in 0..<Self.lanes {
                        position[lane] = 0
                        row[lane] = next < count ? next : -1
                        if next < count { next += 1; busy += 1 }
                    }
                    while busy > 0 {
                        for lane in 0..<Self.lanes where row[lane] >= 0 {
                            let n = nodes[position[lane]]
                            if n.left != Tree.leaf {
                                let v = rows[row[lane] * p + Int(n.feature & 0x7FFF_FFFF)]
                                let goLeft = v.isNaN ? n.feature & 0x8000_0000 != 0 : v <= n.threshold
                                position[lane] = Int(goLeft ? n.left : n.right)
                                continue
                            }
                            let r = row[lane]
                            if include?(r) ?? true {
                                counts[r] += 1
                                for j in 0..<k { sums[r * k + j] += values[Int(n.right) * k + j] }
                            }
                            position[lane] = 0
                            if next < count {
                                row[lane] = next
                                next += 1
                            } else {
                                row[lane] = -1
                                busy -= 1
                            }
                        }
                    }
                }
            }
        }
    }
}
