import CToolboxSupport
import Foundation
import ToolboxCore

/// The settings a tree is grown with (scikit-learn's `TreeGrower` arguments).
struct GrowerSettings {
    var maxLeafNodes: Int?
    var maxDepth: Int?
    var minSamplesLeaf: Int
    var minHessianToSplit: Double = 1e-3
    var l2Regularization: Double
    /// LightGBM's `lambda_l1`: gradient sums shrink toward zero by it before a leaf's value.
    var l1Regularization: Double = 0
    var shrinkage: Double
    var minGainToSplit: Double = 0
    var threads: Int
    /// The fraction of features each split considers, drawn anew per node (1: all).
    var featureFraction: Double = 1
    /// Per feature, +1 (the output may only increase with it), −1 (only decrease) or 0; empty: none.
    var monotonic: [Int8] = []
    /// Per feature, whether its bins are categories, split many-vs-many; empty: none.
    var categorical: [Bool] = []
    /// Interaction constraints: groups of features that may interact; empty: none.
    var interactionGroups: [PythonIntSet] = []
    /// The root's candidates under interaction constraints, in scan order (every group's
    /// features, found once per fit with ``TreeGrower/allowedFeatures(_:_:)``).
    var interactionRoot: [Int] = []
}

/// The generator `max_features` draws from, shared by every tree of a fit (scikit-learn's
/// `_feature_subsample_rng`: NumPy's `default_rng` of the second seed `random_state` gives).
final class FeatureDraws: @unchecked Sendable {
    var generator: NumPyGenerator
    init(seed: UInt64) { generator = NumPyGenerator(seed: seed) }
}

/// The best split found for a node.
struct SplitInfo {
    var gain: Double = -1
    var feature: Int = 0
    var bin: Int = 0
    var missingGoesLeft = false
    var gradientLeft: Double = 0, hessianLeft: Double = 0, countLeft: Int = 0
    var gradientRight: Double = 0, hessianRight: Double = 0, countRight: Int = 0
    var valueLeft: Double = 0, valueRight: Double = 0
    /// A categorical split: the bins that go left (the missing-value bin among them when
    /// missing values go left).
    var categorical = false
    var leftBins = BinSet()
}

/// A tree being grown leaf-wise on binned data, as LightGBM and scikit-learn's
/// `HistGradientBoosting` grow them: the leaf whose best split gains most is split next, until
/// `maxLeafNodes` leaves; each split computes the smaller child's histogram from its samples
/// and the larger child's as the parent's minus the smaller's (the subtraction trick).
///
/// Histograms are built in parallel over features; every sum runs over samples in the same
/// order whatever the thread count, so a fixed seed gives the same trees on any machine.
struct TreeGrower {
    /// The training bins twice: row-major for histograms (a row's features in one cache line)
    /// and column-major for partitioning (a feature's bins for ascending samples stream).
    let binnedRows: UnsafeBufferPointer<UInt8>
    let binned: UnsafeBufferPointer<UInt8>
    let featureCount: Int
    let binCounts: [Int]            // non-missing bins per feature
    let hasMissing: [Bool]
    let missingBin: Int
    /// Sample `i`'s gradient at `gradients[i * gradientStride]`, its hessian at
    /// `hessians[i * gradientStride]` (interleaved, stride 2, so one cache line brings both).
    let gradients: UnsafeBufferPointer<Float>
    let hessians: UnsafeBufferPointer<Float>
    let gradientStride: Int
    let constantHessian: Bool
    let settings: GrowerSettings
    /// Where histogram buffers come from and go back to.
    let pool: HistogramPool
    /// Draws the features each node's split considers when ``GrowerSettings/featureFraction`` < 1
    /// (one generator for every tree of a fit, as scikit-learn's).
    let featureDraws: FeatureDraws?
    let binStride: Int
    /// Training rows: the bins are column-major, feature `f`'s at `binned[f * rowCount ..< (f + 1) * rowCount]`.
    let rowCount: Int
    /// The root's sample count per feature and bin, when known before the tree grows (the same
    /// rows every tree: ``rootCounts(binned:rows:features:stride:threads:)``); the root's
    /// histogram then sums only gradients and hessians.
    let rootCounts: [UInt32]?

    struct Node {
        var start: Int, end: Int
        var depth: Int
        var gradient: Double, hessian: Double
        var value: Double
        var split: SplitInfo?
        var histogram: Histogram?
        /// Bounds on the values of this node's children (monotonic constraints).
        var lower = -Double.infinity, upper = Double.infinity
        /// The interaction groups still allowed here (indices into the settings' groups), and
        /// their features in scikit-learn's scan order (a Python set's).
        var groups: [Int] = []
        var allowed: [Int] = []
        var left = -1, right = -1
        var isLeaf = false
        var count: Int { end - start }
    }

    /// The order features are scanned in: categorical ones first, as scikit-learn orders them.
    let scanOrder: [Int]

    var nodes: [Node] = []
    /// Each grown node's index in the flattened tree.
    var flatIndex: [Int] = []
    /// Sample indices, partitioned so that each node's samples are contiguous.
    var partition: [Int32]
    /// Room for partitioning a node's samples (reused across splits).
    var scratch: [Int32] = []

    init(binnedRows: UnsafeBufferPointer<UInt8>, binned: UnsafeBufferPointer<UInt8>, featureCount: Int, binCounts: [Int], hasMissing: [Bool], missingBin: Int,
         gradients: UnsafeBufferPointer<Float>, hessians: UnsafeBufferPointer<Float>, gradientStride: Int = 1, constantHessian: Bool,
         samples: [Int32], rowCount: Int? = nil, rootCounts: [UInt32]? = nil, settings: GrowerSettings, featureDraws: FeatureDraws? = nil, pool: HistogramPool) {
        self.pool = pool
        self.binnedRows = binnedRows
        self.binned = binned
        self.featureCount = featureCount
        self.binCounts = binCounts
        self.hasMissing = hasMissing
        self.missingBin = missingBin
        self.gradients = gradients
        self.hessians = hessians
        self.gradientStride = gradientStride
        self.constantHessian = constantHessian
        self.settings = settings
        self.featureDraws = featureDraws
        self.partition = samples
        binStride = missingBin + 1
        self.rowCount = rowCount ?? samples.count
        self.rootCounts = rootCounts
        let categorical = settings.categorical
        scanOrder = categorical.contains(true)
            ? (0..<featureCount).filter { categorical[$0] } + (0..<featureCount).filter { !categorical[$0] }
            : Array(0..<featureCount)
    }

    /// Splits `partition[node.start..<node.end]` stably: left samples first, in order. Blocks
    /// of samples are sorted in parallel and put back in block order, so the result is the
    /// same on any number of threads.
    mutating func apply(_ split: SplitInfo, start: Int, end: Int) -> Int {
        let feature = split.feature, threshold = split.bin, missingBin = self.missingBin
        let missingLeft = split.missingGoesLeft
        let categorical = split.categorical, leftBins = split.leftBins
        let count = end - start
        // Each block writes its left samples to the front of its slice of `scratch` and its
        // right samples to the back (reversed), then the blocks are put back in order. Every
        // sample is written to both ends and the matching cursor moves: no unpredictable branch.
        if scratch.count < count { scratch = [Int32](repeating: 0, count: max(count, rowCount)) }
        let lefts = partition.withUnsafeBufferPointer { samples in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                let samples = UnsafeSendable(samples), out = UnsafeSendable(scratchBuffer)
                return WorkerPool.map(count: count, grain: 12_288, threads: settings.threads) { chunk -> Int in
                    let column = binned.baseAddress! + feature * rowCount, idx = samples.value.baseAddress! + start
                    let dst = out.value.baseAddress!
                    var left = chunk.lowerBound, right = chunk.upperBound - 1
                    let last = chunk.upperBound - 1
                    let missing = UInt8(truncatingIfNeeded: missingBin), cut = UInt8(truncatingIfNeeded: threshold)
                    let missingValue = missingLeft ? 1 : 0
                    for s in chunk {
                        toolbox_prefetch(column + Int(idx[min(s + 24, last)]))
                        let i = idx[s]
                        let bin = column[Int(i)]
                        let numeric = bin <= cut ? 1 : 0
                        var goes = bin == missing ? missingValue : numeric
                        if categorical && bin != missing { goes = leftBins.contains(Int(bin)) ? 1 : 0 }
                        dst[left] = i
                        dst[right] = i
                        left += goes
                        right -= 1 - goes
                    }
                    return left - chunk.lowerBound
                }
            }
        }
        let chunks = Parallel.chunks(count: count, grain: 12_288)
        var write = start
        partition.withUnsafeMutableBufferPointer { target in
            scratch.withUnsafeBufferPointer { source in
                let to = target.baseAddress!, from = source.baseAddress!
                for (chunk, leftCount) in zip(chunks, lefts) {
                    (to + write).update(from: from + chunk.lowerBound, count: leftCount)
                    write += leftCount
                }
                for (chunk, leftCount) in zip(chunks, lefts) {
                    var k = chunk.upperBound - 1
                    let stop = chunk.lowerBound + leftCount
                    while k >= stop { to[write] = from[k]; write += 1; k -= 1 }
                }
            }
        }
        let middle = start + lefts.reduce(0, +)
        return middle
    }

    /// Grows the tree; returns it with values shrunk.
    mutating func grow() -> BoostedTree {
        // The totals from the bins of one feature (every feature's bins hold every sample), as
        // scikit-learn sums them: NumPy's pairwise sum over the first allowed feature's bins.
        let constrained = !settings.interactionGroups.isEmpty
        let first = constrained ? settings.interactionRoot.first ?? 0 : 0
        // A root too small to split is a leaf: only the first feature's bins are summed (the
        // same sums), not every feature's (3 rows of 100,000 features took 0.2 s a tree).
        let rootIsLeaf = partition.count < 2 * settings.minSamplesLeaf
        let root = rootIsLeaf ? nil : histogram(0..<partition.count)
        let firstBins = root.map { Array($0.bins[(first * binStride)..<((first + 1) * binStride)]) } ?? binsOfOneFeature(first)
        let gradient = NumPySum.pairwise(count: binStride) { firstBins[$0].gradient }
        let summedHessian = NumPySum.pairwise(count: binStride) { firstBins[$0].hessian }
        let hessian = constantHessian ? Double(hessians.first ?? 1) * Double(partition.count) : summedHessian
        nodes = [Node(start: 0, end: partition.count, depth: 0, gradient: gradient, hessian: hessian, value: 0)]
        if constrained {
            nodes[0].groups = Array(settings.interactionGroups.indices)
            nodes[0].allowed = settings.interactionRoot
        }
        var splittable: [Int] = []     // node indices, kept as a max-heap on gain
        var leaves = 1

        func push(_ index: Int, _ heap: inout [Int]) {
            heap.append(index)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard nodes[heap[child]].split!.gain > nodes[heap[parent]].split!.gain else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }
        func pop(_ heap: inout [Int]) -> Int {
            let top = heap[0]
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var largest = parent
                    if left < heap.count && nodes[heap[left]].split!.gain > nodes[heap[largest]].split!.gain { largest = left }
                    if right < heap.count && nodes[heap[right]].split!.gain > nodes[heap[largest]].split!.gain { largest = right }
                    if largest == parent { break }
                    heap.swapAt(parent, largest)
                    parent = largest
                }
            }
            return top
        }
        // scikit-learn puts categorical features first (its column transformer's order):
        // features are scanned, drawn and tie-broken in that order.
        // With interaction constraints, a node's candidates are the features of its groups
        // (in scan order), and `max_features` draws from those.
        func drawFeatures(_ node: Int) -> [Int] {
            var features = constrained ? nodes[node].allowed : scanOrder
            if settings.featureFraction < 1, !features.isEmpty, let featureDraws {
                // scikit-learn's: a mask of `take` trues, shuffled by NumPy's Generator.
                let take = max(1, Int((settings.featureFraction * Double(features.count)).rounded(.up)))
                var mask = [Bool](repeating: false, count: features.count)
                for i in 0..<min(take, mask.count) { mask[i] = true }
                featureDraws.generator.shuffle(&mask)
                features = features.indices.filter { mask[$0] }.map { features[$0] }
            }
            return features
        }
        func finish(_ index: Int, split: SplitInfo, histogram: Histogram, _ heap: inout [Int]) {
            if split.gain <= 0 {
                nodes[index].isLeaf = true
                pool.give(histogram)
            } else {
                nodes[index].split = split
                nodes[index].histogram = histogram
                push(index, &heap)
            }
        }
        func consider(_ index: Int, histogram: Histogram, _ heap: inout [Int]) {
            let node = nodes[index]
            let split = bestSplit(histogram, count: node.count, gradient: node.gradient, hessian: node.hessian, value: node.value, features: drawFeatures(index),
                                  lower: node.lower, upper: node.upper)
            finish(index, split: split, histogram: histogram, &heap)
        }

        if let root, nodes[0].count >= 2 * settings.minSamplesLeaf, hessian >= settings.minHessianToSplit {
            consider(0, histogram: root, &splittable)
        } else {
            nodes[0].isLeaf = true
        }

        while !splittable.isEmpty {
            let index = pop(&splittable)
            var split = nodes[index].split!
            var parentHistogram = nodes[index].histogram.take()!
            let (start, end, depth) = (nodes[index].start, nodes[index].end, nodes[index].depth + 1)
            let middle = apply(split, start: start, end: end)
            if !hasMissing[split.feature] {
                // No missing values in training: at prediction they follow the larger child.
                split.missingGoesLeft = middle - start > end - middle
                nodes[index].split = split
            }
            let leftIndex = nodes.count, rightIndex = nodes.count + 1
            nodes.append(Node(start: start, end: middle, depth: depth, gradient: split.gradientLeft, hessian: split.hessianLeft, value: split.valueLeft))
            nodes.append(Node(start: middle, end: end, depth: depth, gradient: split.gradientRight, hessian: split.hessianRight, value: split.valueRight))
            nodes[index].left = leftIndex
            nodes[index].right = rightIndex
            leaves += 1
            if constrained {
                // Below a split on f, only the groups that hold f.
                let kept = nodes[index].groups.filter { settings.interactionGroups[$0].contains(split.feature) }
                let allowed = Self.allowedFeatures(settings.interactionGroups, kept)
                (nodes[leftIndex].groups, nodes[leftIndex].allowed) = (kept, allowed)
                (nodes[rightIndex].groups, nodes[rightIndex].allowed) = (kept, allowed)
            }
            if !settings.monotonic.isEmpty {
                // scikit-learn's bounds: across a constrained split, the children's subtrees
                // stay on their side of the midpoint of the children's values.
                let (lower, upper) = (nodes[index].lower, nodes[index].upper)
                let constraint = settings.monotonic[split.feature]
                let middle = (split.valueLeft + split.valueRight) / 2
                switch constraint {
                case 1:
                    (nodes[leftIndex].lower, nodes[leftIndex].upper) = (lower, middle)
                    (nodes[rightIndex].lower, nodes[rightIndex].upper) = (middle, upper)
                case -1:
                    (nodes[leftIndex].lower, nodes[leftIndex].upper) = (middle, upper)
                    (nodes[rightIndex].lower, nodes[rightIndex].upper) = (lower, middle)
                default:
                    (nodes[leftIndex].lower, nodes[leftIndex].upper) = (lower, upper)
                    (nodes[rightIndex].lower, nodes[rightIndex].upper) = (lower, upper)
                }
            }

            if let maxLeaves = settings.maxLeafNodes, leaves == maxLeaves {
                nodes[leftIndex].isLeaf = true
                nodes[rightIndex].isLeaf = true
                pool.give(parentHistogram)
                for remaining in splittable {
                    nodes[remaining].isLeaf = true
                    if let buffer = nodes[remaining].histogram.take() { pool.give(buffer) }
                    nodes[remaining].split = nil
                }
                splittable.removeAll()
                break
            }
            if let maxDepth = settings.maxDepth, depth == maxDepth {
                nodes[leftIndex].isLeaf = true
                nodes[rightIndex].isLeaf = true
                pool.give(parentHistogram)
                continue
            }
            if nodes[leftIndex].count < 2 * settings.minSamplesLeaf { nodes[leftIndex].isLeaf = true }
            if nodes[rightIndex].count < 2 * settings.minSamplesLeaf { nodes[rightIndex].isLeaf = true }
            let splitLeft = !nodes[leftIndex].isLeaf, splitRight = !nodes[rightIndex].isLeaf
            guard splitLeft || splitRight else { pool.give(parentHistogram); continue }
            // The smaller child from its samples, the larger as the parent minus the smaller
            // (in the parent's buffer).
            let leftIsSmaller = nodes[leftIndex].count < nodes[rightIndex].count
            let small = leftIsSmaller ? leftIndex : rightIndex
            // The smaller child's histogram from its samples; the threads then turn the parent's
            // into the larger child's (parent minus smaller) and search both children's splits.
            var evaluations: [Evaluation] = [], evaluated: [Int] = [], featureLists: [[Int]] = []
            for child in [leftIndex, rightIndex] where !nodes[child].isLeaf {
                let features = drawFeatures(child)
                var allowed = [Bool](repeating: false, count: featureCount)
                for feature in features { allowed[feature] = true }
                let node = nodes[child]
                evaluations.append(Evaluation(count: node.count, gradient: node.gradient, hessian: node.hessian,
                                              lossCurrent: currentLoss(node.gradient, node.hessian, value: node.value, lower: node.lower, upper: node.upper),
                                              lower: node.lower, upper: node.upper, small: child == small, allowed: allowed))
                evaluated.append(child)
                featureLists.append(features)
            }
            var parent: Histogram? = parentHistogram
            parentHistogram = Histogram(bins: [], counts: [])
            let (smallHistogram, splits) = histogram(nodes[small].start..<nodes[small].end, subtractingFrom: &parent, evaluations: evaluations)
            let largeHistogram = parent!
            parent = nil
            for (child, childHistogram) in [(leftIndex, leftIsSmaller ? smallHistogram : largeHistogram),
                                            (rightIndex, leftIsSmaller ? largeHistogram : smallHistogram)] {
                guard let e = evaluated.firstIndex(of: child) else { pool.give(childHistogram); continue }
                var best = SplitInfo()
                for feature in featureLists[e] where splits[e * featureCount + feature].gain > best.gain { best = splits[e * featureCount + feature] }
                finish(child, split: best, histogram: childHistogram, &splittable)
            }
        }
        let (tree, order) = flatten()
        flatIndex = order
        return tree
    }

    /// The features of `groups`, in the order scikit-learn scans them: a Python set updated
    /// with each group in turn, iterated.
    static func allowedFeatures(_ sets: [PythonIntSet], _ groups: [Int]) -> [Int] {
        var union = PythonIntSet()
        for group in groups { union.merge(sets[group]) }
        return union.elements
    }

    /// The grown tree as arrays, leaves valued `shrinkage · −G/(H + λ)`.
    func flatten() -> (BoostedTree, [Int]) {
        var tree = BoostedTree()
        var order: [Int: Int32] = [:]
        // Depth-first, left before right, as scikit-learn's predictor arrays.
        var stack = [0]
        var visit: [Int] = []
        while let index = stack.popLast() {
            visit.append(index)
            let node = nodes[index]
            if node.left >= 0 { stack.append(node.right); stack.append(node.left) }
        }
        for (position, index) in visit.enumerated() { order[index] = Int32(position) }
        for index in visit {
            let node = nodes[index]
            if node.left >= 0, let split = node.split {
                tree.feature.append(Int32(split.feature))
                tree.bin.append(UInt8(split.bin))
                if split.categorical {
                    // Codes past the training categories (unseen ones) go where missing values go.
                    var bins = split.leftBins
                    if split.missingGoesLeft { for code in binCounts[split.feature]..<256 { bins.insert(code) } }
                    tree.categorySet.append(Int32(tree.categoryBits.count / 4))
                    tree.categoryBits += bins.array
                } else {
                    tree.categorySet.append(-1)
                }
                tree.missingGoesLeft.append(split.missingGoesLeft)
                tree.left.append(order[node.left]!)
                tree.right.append(order[node.right]!)
                tree.value.append(node.value * settings.shrinkage)
                tree.gain.append(split.gain)
            } else {
                tree.feature.append(-1)
                tree.bin.append(0)
                tree.categorySet.append(-1)
                tree.missingGoesLeft.append(false)
                tree.left.append(-1)
                tree.right.append(-1)
                tree.value.append(node.value * settings.shrinkage)
                tree.gain.append(0)
            }
            tree.cover.append(node.hessian)
            tree.count.append(Int32(node.count))
        }
        return (tree, nodes.indices.map { Int(order[$0] ?? -1) })
    }

    /// The leaves (their index in the flattened tree) and their sample ranges in ``partition``,
    /// for updating training predictions.
    var leafRanges: [(node: Int, range: Range<Int>)] {
        nodes.indices.filter { nodes[$0].left < 0 }.map { (flatIndex[$0], nodes[$0].start..<nodes[$0].end) }
    }
}
