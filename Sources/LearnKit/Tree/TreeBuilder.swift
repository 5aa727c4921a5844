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

    private var samples: [Int32] = []
    /// Feature order carried from node to node; known-constant features at the front.
    private var features: [Int]
    private var constantFeatures: [Int]
    private var sortBuffer: [Float] = []
    private var tree: Tree
    private var totalWeight = 0.0

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

    private mutating func buildDepthFirst() {
        // (start, end, depth, parent, isLeft, features known to be constant, impurity from the parent's split)
        var stack: [(Int, Int, Int, Int, Bool, Int, Double?)] = [(0, samples.count, 0, -1, false, 0, nil)]
        while let (start, end, depth, parent, isLeft, constants, inherited) = stack.popLast() {
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

    private struct Candidate {
        var node: Int, start: Int, end: Int, depth: Int, split: SplitRecord?, stats: NodeStats, constants: Int, gain: Double
    }

    private mutating func buildBestFirst(maxLeaves: Int) {
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

    private func isLeafBeforeSplit(count: Int, depth: Int, impurity: Double) -> Bool {
        if let maxDepth = settings.maxDepth, depth >= maxDepth { return true }
        return count < settings.minSamplesSplit || count < 2 * settings.minSamplesLeaf || impurity <= Self.epsilon
    }

    private func weightedImprovement(_ split: SplitRecord, stats: NodeStats) -> Double {
        // (w_node / W) · (impurity − wL/w·iL − wR/w·iR)
        (stats.weight / totalWeight) * (stats.impurity - (split.leftWeight * split.leftImpurity + split.rightWeight * split.rightImpurity) / stats.weight)
    }

    private func accept(_ split: SplitRecord, stats: NodeStats, count: Int) -> Bool {
        split.feature >= 0 && weightedImprovement(split, stats: stats) + Self.epsilon >= settings.minImpurityDecrease
    }

    private mutating func addNode(parent: Int, isLeft: Bool, start: Int, end: Int, stats: NodeStats) -> Int {
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

    private mutating func setSplit(_ node: Int, _ split: SplitRecord) {
        tree.feature[node] = Int32(split.feature)
        tree.threshold[node] = split.threshold
        tree.missingGoesLeft[node] = split.missingLeft
    }

    // MARK: Node statistics

    private func nodeStats(_ start: Int, _ end: Int) -> NodeStats {
        var weight = 0.0
        if settings.criterion.isClassification {
            var counts = [Double](repeating: 0, count: classCount)
            for k in start..<end {
                let i = Int(samples[k])
                counts[classLabels[i]] += weights[i]
                weight += weights[i]
            }
            let impurity = counts.withUnsafeBufferPointer {
                SplitCriterion.classImpurity($0.baseAddress!, classes: classCount, total: weight, entropy: settings.criterion == .entropy)
            }
            return NodeStats(weight: weight, impurity: impurity, values: counts)
        }
        if settings.criterion == .absoluteError {
            var sorted = WeightedSortedValues()
            for k in start..<end {
                let i = Int(samples[k])
                sorted.insert(targets[i], weight: weights[i])
            }
            return NodeStats(weight: sorted.total, impurity: sorted.meanAbsoluteDeviation, values: [sorted.median])
        }
        var sum = 0.0, squares = 0.0
        for k in start..<end {
            let i = Int(samples[k])
            weight += weights[i]
            sum += weights[i] * targets[i]
            squares += weights[i] * targets[i] * targets[i]
        }
        let mean = sum / weight
        return NodeStats(weight: weight, impurity: max(0, squares / weight - mean * mean), values: [mean])
    }

    // MARK: Split search

    /// The best split of `start..<end` and the number of features known to be constant for the
    /// children. Features are drawn exactly as scikit-learn's `BestSplitter.node_split` draws
    /// them (same generator, same bookkeeping of constant features), so with the same seed the
    /// same features are tried in the same order and ties resolve the same way.
    private mutating func findSplit(_ start: Int, _ end: Int, impurity: Double, constantFeatures knownConstants: Int) -> (SplitRecord?, Int) {
        var best = SplitRecord()
        var fi = p
        var foundConstants = 0, drawnConstants = 0, totalConstants = knownConstants
        var visited = 0
        while fi > totalConstants && (visited < settings.maxFeatures || visited <= foundConstants + drawnConstants) {
            visited += 1
            var fj = randomInt(drawnConstants, fi - foundConstants)
            if fj < knownConstants {
                features.swapAt(drawnConstants, fj)
                drawnConstants += 1
                continue
            }
            fj += foundConstants
            let feature = features[fj]
            let span = end - start
            // Gather values; NaN samples go to the end of the span.
            var missing = 0
            var k = start, last = end - 1
            while k <= last {
                let v = columns[feature * n + Int(samples[k])]
                if v.isNaN {
                    samples.swapAt(k, last)
                    last -= 1
                    missing += 1
                } else {
                    sortBuffer[k] = v
                    k += 1
                }
            }
            let present = span - missing
            if present > 1 { sortSpan(start, start + present) }
            if present == 0 || (missing == 0 && sortBuffer[start + present - 1] <= sortBuffer[start] + Self.featureThreshold) {
                // Constant here, so constant in every descendant.
                features.swapAt(fj, totalConstants)
                foundConstants += 1
                totalConstants += 1
                continue
            }
            fi -= 1
            features.swapAt(fi, fj)
            if settings.bestSplits {
                for missingLeft in (missing > 0 ? [false, true] : [false]) {
                    scanSplits(feature: feature, start: start, present: present, missing: missing, missingLeft: missingLeft, best: &best)
                }
            } else {
                randomSplit(feature: feature, start: start, present: present, missing: missing, best: &best)
            }
        }
        // Keep the known constants' order for siblings and children; record the new ones.
        for k in 0..<knownConstants { features[k] = constantFeatures[k] }
        for k in knownConstants..<(knownConstants + foundConstants) { constantFeatures[k] = features[k] }
        guard best.feature >= 0 else { return (nil, totalConstants) }
        best.position = partition(start, end, best)
        return (best, totalConstants)
    }

    /// Evaluates every threshold between distinct sorted values of `feature` (samples sorted in
    /// `samples[start..<start + present]`, NaN after them).
    private func scanSplits(feature: Int, start: Int, present: Int, missing: Int, missingLeft: Bool, best: inout SplitRecord) {
        let end = start + present + missing
        let minLeaf = settings.minSamplesLeaf
        let missingRange = (start + present)..<end
        switch settings.criterion {
        case .gini, .entropy:
            var left = [Double](repeating: 0, count: classCount), total = [Double](repeating: 0, count: classCount)
            var leftWeight = 0.0, totalWeight = 0.0
            for k in start..<end {
                let i = Int(samples[k])
                total[classLabels[i]] += weights[i]
                totalWeight += weights[i]
            }
            if missingLeft {
                for k in missingRange {
                    let i = Int(samples[k])
                    left[classLabels[i]] += weights[i]
                    leftWeight += weights[i]
                }
            }
            var right = total
            let entropy = settings.criterion == .entropy
            for k in start..<(start + present - 1) {
                let i = Int(samples[k])
                left[classLabels[i]] += weights[i]
                leftWeight += weights[i]
                guard sortBuffer[k + 1] > sortBuffer[k] + Self.featureThreshold else { continue }
                let leftCount = k + 1 - start + (missingLeft ? missing : 0)
                let rightCount = (end - start) - leftCount
                guard leftCount >= minLeaf, rightCount >= minLeaf else { continue }
                for c in 0..<classCount { right[c] = total[c] - left[c] }
                let rightWeight = totalWeight - leftWeight
                let (il, ir) = left.withUnsafeBufferPointer { l in
                    right.withUnsafeBufferPointer { r in
                        (SplitCriterion.classImpurity(l.baseAddress!, classes: classCount, total: leftWeight, entropy: entropy),
                         SplitCriterion.classImpurity(r.baseAddress!, classes: classCount, total: rightWeight, entropy: entropy))
                    }
                }
                consider(-(leftWeight * il + rightWeight * ir), il, ir, weights: leftWeight, rightWeight, feature: feature, k: k, missingLeft: missingLeft, best: &best)
            }
        case .squaredError:
            var sumL = 0.0, sqL = 0.0, wL = 0.0, sum = 0.0, sq = 0.0, w = 0.0
            for k in start..<end {
                let i = Int(samples[k])
                sum += weights[i] * targets[i]
                sq += weights[i] * targets[i] * targets[i]
                w += weights[i]
            }
            if missingLeft {
                for k in missingRange {
                    let i = Int(samples[k])
                    sumL += weights[i] * targets[i]
                    sqL += weights[i] * targets[i] * targets[i]
                    wL += weights[i]
                }
            }
            for k in start..<(start + present - 1) {
                let i = Int(samples[k])
                sumL += weights[i] * targets[i]
                sqL += weights[i] * targets[i] * targets[i]
                wL += weights[i]
                guard sortBuffer[k + 1] > sortBuffer[k] + Self.featureThreshold else { continue }
                let leftCount = k + 1 - start + (missingLeft ? missing : 0)
                guard leftCount >= minLeaf, (end - start) - leftCount >= minLeaf else { continue }
                let wR = w - wL
                let sumR = sum - sumL
                let il = sqL / wL - (sumL / wL) * (sumL / wL)
                let ir = (sq - sqL) / wR - (sumR / wR) * (sumR / wR)
                // scikit-learn's proxy for squared error, Σ²/w per side: the same ordering of
                // candidate splits, and the same rounding when two are nearly tied.
                consider(sumL * sumL / wL + sumR * sumR / wR, il, ir, weights: wL, wR, feature: feature, k: k, missingLeft: missingLeft, best: &best)
            }
        case .absoluteError:
            var left = WeightedSortedValues(), right = WeightedSortedValues()
            for k in start..<end {
                let i = Int(samples[k])
                if missingLeft && missingRange.contains(k) { left.insert(targets[i], weight: weights[i]) } else { right.insert(targets[i], weight: weights[i]) }
            }
            for k in start..<(start + present - 1) {
                let i = Int(samples[k])
                left.insert(targets[i], weight: weights[i])
                right.remove(targets[i], weight: weights[i])
                guard sortBuffer[k + 1] > sortBuffer[k] + Self.featureThreshold else { continue }
                let leftCount = k + 1 - start + (missingLeft ? missing : 0)
                guard leftCount >= minLeaf, (end - start) - leftCount >= minLeaf else { continue }
                let il = left.meanAbsoluteDeviation, ir = right.meanAbsoluteDeviation
                consider(-(left.total * il + right.total * ir), il, ir, weights: left.total, right.total, feature: feature, k: k, missingLeft: missingLeft, best: &best)
            }
        }
    }

    @inline(__always)
    private func consider(_ proxy: Double, _ il: Double, _ ir: Double, weights wl: Double, _ wr: Double, feature: Int, k: Int,
                          missingLeft: Bool, best: inout SplitRecord) {
        guard proxy > best.improvement else { return }
        var threshold = Double(sortBuffer[k]) / 2 + Double(sortBuffer[k + 1]) / 2
        if threshold == Double(sortBuffer[k + 1]) || !threshold.isFinite { threshold = Double(sortBuffer[k]) }
        best = SplitRecord(feature: feature, position: 0, threshold: threshold, missingLeft: missingLeft,
                           improvement: proxy, leftImpurity: il, rightImpurity: ir, leftWeight: wl, rightWeight: wr)
    }

    /// One random threshold drawn uniformly between the feature's minimum and maximum (extra trees);
    /// missing values go to a side drawn at random.
    private mutating func randomSplit(feature: Int, start: Int, present: Int, missing: Int, best: inout SplitRecord) {
        let low = Double(sortBuffer[start]), high = Double(sortBuffer[start + present - 1])
        var threshold = randomUniform(low, high)
        if threshold == high { threshold = low }
        // The split position in the sorted values: the last index with value <= threshold.
        var k = start
        while k + 1 < start + present && Double(sortBuffer[k + 1]) <= threshold { k += 1 }
        let leftPresent = k + 1 - start
        // Missing values all go one way, drawn at random (scikit-learn's RandomSplitter).
        let missingLeft = missing > 0 && randomInt(0, 2) == 1
        let leftCount = leftPresent + (missingLeft ? missing : 0)
        guard leftCount >= settings.minSamplesLeaf, present + missing - leftCount >= settings.minSamplesLeaf else { return }
        let end = start + present + missing
        let isLeft: (Int) -> Bool = { position in position < start + present ? position <= k : missingLeft }
        var weightL = 0.0, weightR = 0.0
        let il: Double, ir: Double
        var squaredSums = (left: 0.0, right: 0.0)
        if settings.criterion.isClassification {
            var left = [Double](repeating: 0, count: classCount), right = left
            for position in start..<end {
                let i = Int(samples[position])
                if isLeft(position) { left[classLabels[i]] += weights[i]; weightL += weights[i] } else { right[classLabels[i]] += weights[i]; weightR += weights[i] }
            }
            let entropy = settings.criterion == .entropy
            il = left.withUnsafeBufferPointer { SplitCriterion.classImpurity($0.baseAddress!, classes: classCount, total: weightL, entropy: entropy) }
            ir = right.withUnsafeBufferPointer { SplitCriterion.classImpurity($0.baseAddress!, classes: classCount, total: weightR, entropy: entropy) }
        } else {
            var left = WeightedSortedValues(), right = WeightedSortedValues()
            var sums = (0.0, 0.0, 0.0, 0.0)
            for position in start..<end {
                let i = Int(samples[position])
                if isLeft(position) {
                    weightL += weights[i]; sums.0 += weights[i] * targets[i]; sums.1 += weights[i] * targets[i] * targets[i]
                    if settings.criterion == .absoluteError { left.insert(targets[i], weight: weights[i]) }
                } else {
                    weightR += weights[i]; sums.2 += weights[i] * targets[i]; sums.3 += weights[i] * targets[i] * targets[i]
                    if settings.criterion == .absoluteError { right.insert(targets[i], weight: weights[i]) }
                }
            }
            if settings.criterion == .absoluteError {
                il = left.meanAbsoluteDeviation
                ir = right.meanAbsoluteDeviation
            } else {
                il = sums.1 / weightL - (sums.0 / weightL) * (sums.0 / weightL)
                ir = sums.3 / weightR - (sums.2 / weightR) * (sums.2 / weightR)
                squaredSums = (sums.0 * sums.0, sums.2 * sums.2)
            }
        }
        // The same proxy scale as the best splitter uses for each criterion.
        let proxy = settings.criterion == .squaredError ? squaredSums.left / weightL + squaredSums.right / weightR
                                                         : -(weightL * il + weightR * ir)
        if proxy > best.improvement {
            best = SplitRecord(feature: feature, position: 0, threshold: threshold, missingLeft: missingLeft,
                               improvement: proxy, leftImpurity: il, rightImpurity: ir, leftWeight: weightL, rightWeight: weightR)
        }
    }

    /// Reorders `samples[start..<end]` with the split's left side first; returns where the right side starts.
    private mutating func partition(_ start: Int, _ end: Int, _ split: SplitRecord) -> Int {
        var k = start, last = end - 1
        while k <= last {
            let v = columns[split.feature * n + Int(samples[k])]
            let goesLeft = v.isNaN ? split.missingLeft : Double(v) <= split.threshold
            if goesLeft {
                k += 1
            } else {
                samples.swapAt(k, last)
                last -= 1
            }
        }
        return k
    }

    /// Sorts `sortBuffer[lo..<hi]` ascending, moving `samples` with it. Short spans use
    /// insertion sort; longer ones pack (order-preserving key bits, sample) into 64-bit words and
    /// radix-sort the key bytes, O(n) per node and feature, skipping bytes that do not vary.
    private mutating func sortSpan(_ lo: Int, _ hi: Int) {
        let count = hi - lo
        if count <= 48 {
            sortBuffer.withUnsafeMutableBufferPointer { keys in
                samples.withUnsafeMutableBufferPointer { items in
                    for i in (lo + 1)..<hi {
                        let key = keys[i], item = items[i]
                        var j = i - 1
                        while j >= lo && keys[j] > key {
                            keys[j + 1] = keys[j]
                            items[j + 1] = items[j]
                            j -= 1
                        }
                        keys[j + 1] = key
                        items[j + 1] = item
                    }
                }
            }
            return
        }
        if packed.count < count {
            packed = [UInt64](repeating: 0, count: count)
            scratch = [UInt64](repeating: 0, count: count)
        }
        sortBuffer.withUnsafeMutableBufferPointer { keys in
            samples.withUnsafeMutableBufferPointer { items in
                packed.withUnsafeMutableBufferPointer { a in
                    scratch.withUnsafeMutableBufferPointer { b in
                        var source = a.baseAddress!, target = b.baseAddress!
                        for k in 0..<count {
                            let bits = keys[lo + k].bitPattern
                            // Flip so unsigned order is float order (negative values reversed).
                            let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
                            source[k] = UInt64(ordered) << 32 | UInt64(UInt32(bitPattern: items[lo + k]))
                        }
                        var histogram = [Int](repeating: 0, count: 256)
                        for shift in stride(from: UInt64(32), to: 64, by: 8) {
                            for v in 0..<256 { histogram[v] = 0 }
                            for k in 0..<count { histogram[Int((source[k] >> shift) & 0xFF)] += 1 }
                            if histogram.contains(count) { continue }     // every key shares this byte
                            var offset = 0
                            for v in 0..<256 {
                                let size = histogram[v]
                                histogram[v] = offset
                                offset += size
                            }
                            for k in 0..<count {
                                let bucket = Int((source[k] >> shift) & 0xFF)
                                target[histogram[bucket]] = source[k]
                                histogram[bucket] += 1
                            }
                            swap(&source, &target)
                        }
                        for k in 0..<count {
                            let word = source[k]
                            let ordered = UInt32(truncatingIfNeeded: word >> 32)
                            let bits = ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered
                            keys[lo + k] = Float(bitPattern: bits)
                            items[lo + k] = Int32(bitPattern: UInt32(truncatingIfNeeded: word))
                        }
                    }
                }
            }
        }
    }

    private var packed: [UInt64] = []
    private var scratch: [UInt64] = []
}
