import Foundation
import ToolboxCore

/// Settings the builder needs, taken from a tree estimator.
struct TreeSettings {
    var criterion: SplitCriterion
    var maxDepth: Int?
    var minSamplesSplit: Int
    var minSamplesLeaf: Int
    var minImpurityDecrease: Double
    var maxFeatures: Int
    var maxLeafNodes: Int?
    /// `true`: the best threshold of each feature; `false`: one uniform random threshold per
    /// feature (extremely randomized trees).
    var bestSplits: Bool
}

/// Grows one CART tree the way scikit-learn's `BestSplitter` / `RandomSplitter` with the
/// depth-first or best-first builder do: features visited in random order until `maxFeatures`
/// non-constant ones are seen, samples sorted per node and feature, thresholds at midpoints,
/// NaN sent to whichever side gives the larger improvement.
///
/// Feature values are rounded to Float, as scikit-learn's trees store them, so thresholds and
/// therefore predictions agree with scikit-learn's exactly; thresholds are Doubles halfway
/// between two Float values.
struct TreeBuilder {
    let columns: [Float]           // column-major features: feature f of sample i at f * n + i
    let n: Int
    let p: Int
    let classLabels: [Int]         // classification targets as codes
    let targets: [Double]          // regression targets
    let classCount: Int
    let weights: [Double]
    let settings: TreeSettings
    /// scikit-learn's tree generator: a 32-bit xorshift (`our_rand_r`) reduced to 31 bits.
    var randomState: UInt32

    static let featureThreshold: Float = 1e-7
    static let randomMaximum: UInt32 = 0x7FFF_FFFF

    /// The next draw of scikit-learn's `our_rand_r`.
    mutating func nextRandom() -> UInt32 {
        randomState ^= randomState << 13
        randomState ^= randomState >> 17
        randomState ^= randomState << 5
        return randomState % (Self.randomMaximum &+ 1)
    }

    /// A uniform integer in `low..<high` (scikit-learn's `rand_int`).
    mutating func randomInt(_ low: Int, _ high: Int) -> Int {
        low + Int(nextRandom() % UInt32(high - low))
    }

    /// A uniform double in [low, high] (scikit-learn's `rand_uniform`).
    mutating func randomUniform(_ low: Double, _ high: Double) -> Double {
        (high - low) * Double(nextRandom()) / Double(Self.randomMaximum) + low
    }
    static let epsilon = Double.ulpOfOne

    var samples: [Int32] = []
    /// Feature order carried from node to node; known-constant features at the front.
    var features: [Int]
    var constantFeatures: [Int]
    var sortBuffer: [Float] = []
    var tree: Tree
    var totalWeight = 0.0
    /// Asked between nodes: `true` ends the growth (a cancelled fit; the caller throws).
    var stop: (@Sendable () -> Bool)?

    init(x: Matrix<Double>, classLabels: [Int], targets: [Double], classCount: Int, weights: [Double],
         settings: TreeSettings, seed: UInt64) {
        columns = x.transposed().values.map { Float($0) }
        n = x.rows
        p = x.columns
        self.classLabels = classLabels
        self.targets = targets
        self.classCount = classCount
        self.weights = weights
        self.settings = settings
        let state = UInt32(truncatingIfNeeded: seed)
        randomState = state == 0 ? 0x9E37_79B9 : state
        features = Array(0..<x.columns)
        constantFeatures = Array(0..<x.columns)
        let outputs = settings.criterion.isClassification ? classCount : 1
        tree = Tree(left: [], right: [], feature: [], threshold: [], missingGoesLeft: [], impurity: [], sampleCount: [],
                    weightedSampleCount: [], values: [], outputs: outputs)
    }

    struct SplitRecord {
        var feature = -1
        var position = 0            // first sample index of the right child in the partitioned span
        var threshold = 0.0
        var missingLeft = false
        var improvement = -Double.infinity   // proxy: −(wL·iL + wR·iR)
        var leftImpurity = 0.0
        var rightImpurity = 0.0
        var leftWeight = 0.0
        var rightWeight = 0.0
    }

    struct NodeStats {
        var weight: Double
        var impurity: Double
        var values: [Double]
    }

    /// Builds the tree over the samples with positive weight.
    mutating func build() -> Tree {
        samples = (0..<n).filter { weights[$0] > 0 }.map(Int32.init)
        totalWeight = samples.reduce(0) { $0 + weights[Int($1)] }
        sortBuffer = [Float](repeating: 0, count: samples.count)
        if let maxLeaves = settings.maxLeafNodes {
            buildBestFirst(maxLeaves: maxLeaves)
        } else {
            buildDepthFirst()
        }
        return tree
    }

    // MARK: Builders

    mutating func buildDepthFirst() {
        // (start, end, depth, parent, isLeft, features known to be constant, impurity from the parent's split)
        var stack: [(Int, Int, Int, Int, Bool, Int, Double?)] = [(0, samples.count, 0, -1, false, 0, nil)]
        while let (start, end, depth, parent, isLeft, constants, inherited) = stack.popLast() {
            if let stop, tree.nodeCount % 64 == 0, stop() { return }
            var stats = nodeStats(start, end)
            // A child keeps the impurity its parent's split computed (right = total − left), as
            // scikit-learn does: rounding there decides whether a nearly pure node splits.
            if let inherited { stats.impurity = inherited }
            let node = addNode(parent: parent, isLeft: isLeft, start: start, end: end, stats: stats)
            var split: SplitRecord?
            var childConstants = constants
            if !isLeafBeforeSplit(count: end - start, depth: depth, impurity: stats.impurity) {
                (split, childConstants) = findSplit(start, end, impurity: stats.impurity, constantFeatures: constants)
            }
            if let split, accept(split, stats: stats, count: end - start) {
                setSplit(node, split)
                stack.append((split.position, end, depth + 1, node, false, childConstants, split.rightImpurity))
                stack.append((start, split.position, depth + 1, node, true, childConstants, split.leftImpurity))
            }
        }
    }

    struct Candidate {
        var node: Int, start: Int, end: Int, depth: Int, split: SplitRecord?, stats: NodeStats, constants: Int, gain: Double
    }

    mutating func buildBestFirst(maxLeaves: Int) {
        var frontier: [Candidate] = []
        func candidate(_ builder: inout TreeBuilder, start: Int, end: Int, depth: Int, parent: Int, isLeft: Bool, constants: Int,
                       inherited: Double? = nil) -> Candidate {
            var stats = builder.nodeStats(start, end)
            if let inherited { stats.impurity = inherited }
            let node = builder.addNode(parent: parent, isLeft: isLeft, start: start, end: end, stats: stats)
            var split: SplitRecord?
            var childConstants = constants
            if !builder.isLeafBeforeSplit(count: end - start, depth: depth, impurity: stats.impurity) {
                (split, childConstants) = builder.findSplit(start, end, impurity: stats.impurity, constantFeatures: constants)
                if let s = split, !builder.accept(s, stats: stats, count: end - start) { split = nil }
            }
            let gain = split.map { builder.weightedImprovement($0, stats: stats) } ?? -.infinity
            return Candidate(node: node, start: start, end: end, depth: depth, split: split, stats: stats, constants: childConstants, gain: gain)
        }
        frontier.append(candidate(&self, start: 0, end: samples.count, depth: 0, parent: -1, isLeft: false, constants: 0))
        var leaves = 1
        while leaves < maxLeaves {
            if let stop, leaves % 64 == 0, stop() { return }
            // The splittable frontier node with the largest improvement (first added on ties).
            guard let best = frontier.indices.filter({ frontier[$0].split != nil })
                .max(by: { frontier[$0].gain < frontier[$1].gain || (frontier[$0].gain == frontier[$1].gain && frontier[$0].node > frontier[$1].node) })
            else { break }
            let c = frontier.remove(at: best)
            let split = c.split!
            setSplit(c.node, split)
            frontier.append(candidate(&self, start: c.start, end: split.position, depth: c.depth + 1, parent: c.node, isLeft: true,
                                      constants: c.constants, inherited: split.leftImpurity))
            frontier.append(candidate(&self, start: split.position, end: c.end, depth: c.depth + 1, parent: c.node, isLeft: false,
                                      constants: c.constants, inherited: split.rightImpurity))
            leaves += 1
        }
    }

    func isLeafBeforeSplit(count: Int, depth: Int, impurity: Double) -> Bool {
        if let maxDepth = settings.maxDepth, depth >= maxDepth { return true }
        return count < settings.minSamplesSplit || count < 2 * settings.minSamplesLeaf || impurity <= Self.epsilon
    }

    func weightedImprovement(_ split: SplitRecord, stats: NodeStats) -> Double {
        // (w_node / W) · (impurity − wL/w·iL − wR/w·iR)
        (stats.weight / totalWeight) * (stats.impurity - (split.leftWeight * split.leftImpurity + split.rightWeight * split.rightImpurity) / stats.weight)
    }

    func accept(_ split: SplitRecord, stats: NodeStats, count: Int) -> Bool {
        split.feature >= 0 && weightedImprovement(split, stats: stats) + Self.epsilon >= settings.minImpurityDecrease
    }

    mutating func addNode(parent: Int, isLeft: Bool, start: Int, end: Int, stats: NodeStats) -> Int {
        let id = tree.left.count
        tree.left.append(Tree.leaf)
        tree.right.append(Tree.leaf)
        tree.feature.append(-2)
        tree.threshold.append(-2)
        tree.missingGoesLeft.append(false)
        tree.impurity.append(stats.impurity)
        tree.sampleCount.append(Int32(end - start))
        tree.weightedSampleCount.append(stats.weight)
        tree.values.append(contentsOf: stats.values)
        if parent >= 0 {
            if isLeft { tree.left[parent] = Int32(id) } else { tree.right[parent] = Int32(id) }
        }
        return id
    }

    mutating func setSplit(_ node: Int, _ split: SplitRecord) {
        tree.feature[node] = Int32(split.feature)
        tree.threshold[node] = split.threshold
        tree.missingGoesLeft[node] = split.missingLeft
    }

    // Scratch for the radix sort (TreeBuilder+Sorting.swift).
    var packed: [UInt64] = []
    var scratch: [UInt64] = []
}
