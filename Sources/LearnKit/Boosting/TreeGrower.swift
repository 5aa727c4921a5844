import CToolboxSupport
import Foundation
import ToolboxCore

/// One bin of a node's histogram: the sums of the gradients and hessians of the node's samples
/// whose feature value falls in the bin, and their count.
struct HistogramBin {
    var gradient: Double = 0
    var hessian: Double = 0
    var count: Int = 0
}

/// Histogram buffers kept between nodes and trees: a node's histogram is several hundred
/// kilobytes, and allocating each afresh costs page faults and zeroing by the kernel.
final class HistogramPool {
    private var free: [[HistogramBin]] = []
    let size: Int

    init(size: Int) { self.size = size }

    /// A zeroed buffer.
    func take() -> [HistogramBin] {
        guard var buffer = free.popLast() else { return [HistogramBin](repeating: HistogramBin(), count: size) }
        buffer.withUnsafeMutableBufferPointer { $0.update(repeating: HistogramBin()) }
        return buffer
    }

    func give(_ buffer: consuming [HistogramBin]) {
        if free.count < 64 { free.append(buffer) }
    }
}

/// The settings a tree is grown with (scikit-learn's `TreeGrower` arguments).
struct GrowerSettings {
    var maxLeafNodes: Int?
    var maxDepth: Int?
    var minSamplesLeaf: Int
    var minHessianToSplit: Double = 1e-3
    var l2Regularization: Double
    var shrinkage: Double
    var minGainToSplit: Double = 0
    var threads: Int
    /// The fraction of features each split considers, drawn anew per node (1: all).
    var featureFraction: Double = 1
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
    let gradients: UnsafeBufferPointer<Float>
    let hessians: UnsafeBufferPointer<Float>
    let constantHessian: Bool
    let settings: GrowerSettings
    /// Where histogram buffers come from and go back to.
    let pool: HistogramPool
    /// Draws the features each node's split considers when ``GrowerSettings/featureFraction`` < 1.
    var generator: SeededGenerator
    let binStride: Int
    /// Training rows: the bins are column-major, feature `f`'s at `binned[f * rowCount ..< (f + 1) * rowCount]`.
    let rowCount: Int

    struct Node {
        var start: Int, end: Int
        var depth: Int
        var gradient: Double, hessian: Double
        var value: Double
        var split: SplitInfo?
        var histogram: [HistogramBin]?
        var left = -1, right = -1
        var isLeaf = false
        var count: Int { end - start }
    }

    var nodes: [Node] = []
    /// Each grown node's index in the flattened tree.
    var flatIndex: [Int] = []
    /// Sample indices, partitioned so that each node's samples are contiguous.
    var partition: [Int32]

    init(binnedRows: UnsafeBufferPointer<UInt8>, binned: UnsafeBufferPointer<UInt8>, featureCount: Int, binCounts: [Int], hasMissing: [Bool], missingBin: Int,
         gradients: UnsafeBufferPointer<Float>, hessians: UnsafeBufferPointer<Float>, constantHessian: Bool,
         samples: [Int32], settings: GrowerSettings, generator: SeededGenerator, pool: HistogramPool) {
        self.pool = pool
        self.binnedRows = binnedRows
        self.binned = binned
        self.featureCount = featureCount
        self.binCounts = binCounts
        self.hasMissing = hasMissing
        self.missingBin = missingBin
        self.gradients = gradients
        self.hessians = hessians
        self.constantHessian = constantHessian
        self.settings = settings
        self.generator = generator
        self.partition = samples
        binStride = missingBin + 1
        rowCount = samples.count
    }

    /// The histogram of the samples `partition[range]`, for the allowed features: rows are
    /// read once per thread, each thread summing a contiguous block of features (so its part of
    /// the histogram stays in cache). Every bin sums its samples in partition order, whatever
    /// the thread count.
    func histogram(_ range: Range<Int>) -> [HistogramBin] {
        var histogram = pool.take()
        let work = range.count * featureCount
        let groups = work < 200_000 ? 1 : max(1, min(featureCount, settings.threads))
        let perGroup = (featureCount + groups - 1) / groups
        histogram.withUnsafeMutableBufferPointer { output in
            let out = UnsafeSendable(output)
            partition.withUnsafeBufferPointer { samples in
                let samples = UnsafeSendable(samples)
                try? Parallel.forEach(count: featureCount, grain: perGroup, threads: settings.threads) { features in
                    let bins = binnedRows.baseAddress!, g = gradients.baseAddress!, h = hessians.baseAddress!
                    let idx = samples.value.baseAddress!
                    let p = featureCount, stride = binStride
                    do {
                    let f0 = features.lowerBound, f1 = features.upperBound
                    let hist = out.value.baseAddress! + f0 * stride
                    // Rows of a child node are scattered: ask for them a few samples ahead.
                    let ahead = 12, last = range.upperBound - 1
                    let gather = range.count < partition.count
                    if constantHessian {
                        for s in range {
                            if gather {
                                let next = Int(idx[min(s + ahead, last)])
                                toolbox_prefetch(bins + next * p + f0)
                                toolbox_prefetch(g + next)
                            }
                            let i = Int(idx[s])
                            let row = bins + i * p
                            let gradient = Double(g[i])
                            var slot = hist
                            for f in f0..<f1 {
                                let entry = slot + Int(row[f])
                                entry.pointee.gradient += gradient
                                entry.pointee.count += 1
                                slot += stride
                            }
                        }
                    } else {
                        for s in range {
                            if gather {
                                let next = Int(idx[min(s + ahead, last)])
                                toolbox_prefetch(bins + next * p + f0)
                                toolbox_prefetch(g + next)
                                toolbox_prefetch(h + next)
                            }
                            let i = Int(idx[s])
                            let row = bins + i * p
                            let gradient = Double(g[i]), hessian = Double(h[i])
                            var slot = hist
                            for f in f0..<f1 {
                                let entry = slot + Int(row[f])
                                entry.pointee.gradient += gradient
                                entry.pointee.hessian += hessian
                                entry.pointee.count += 1
                                slot += stride
                            }
                        }
                    }
                    }
                }
            }
        }
        return histogram
    }

    @inline(__always)
    func nodeValue(_ gradient: Double, _ hessian: Double) -> Double {
        -gradient / (hessian + settings.l2Regularization + 1e-15)
    }

    /// The best split of a node, scanning each feature's bins left to right (missing values
    /// right) and, when the feature had missing values in training, right to left (missing
    /// values left); the first feature wins ties.
    func bestSplit(_ histogram: [HistogramBin], count: Int, gradient: Double, hessian: Double, value: Double, features: [Int]) -> SplitInfo {
        // Each block of features finds its best; the first block's best wins ties, as one scan would.
        // Threads pay off only for many features; waking them costs about what 50 features do.
        let grain = features.count >= 200 && settings.threads > 1 ? (features.count + 1) / 2 : max(1, features.count)
        let bests = (try? Parallel.map(count: features.count, grain: grain, threads: settings.threads) { block in
            bestSplit(histogram, count: count, gradient: gradient, hessian: hessian, value: value, features: features[block])
        }) ?? []
        var best = SplitInfo()
        for candidate in bests where candidate.gain > best.gain { best = candidate }
        return best
    }

    func bestSplit(_ histogram: [HistogramBin], count: Int, gradient: Double, hessian: Double, value: Double, features: ArraySlice<Int>) -> SplitInfo {
        let lossCurrent = gradient * value
        let minSamples = settings.minSamplesLeaf, minHessian = settings.minHessianToSplit
        var best = SplitInfo()
        histogram.withUnsafeBufferPointer { hist in
            for feature in features {
                let base = feature * binStride
                var candidate = SplitInfo()
                candidate.feature = feature
                var found = false, bestGain = -1.0, bestBin = 0, bestGradientLeft = 0.0, bestHessianLeft = 0.0, bestCountLeft = 0
                var bestMissingLeft = false
                let missing = hasMissing[feature]
                let end = binCounts[feature] - 1 + (missing ? 1 : 0)
                var gradientLeft = 0.0, hessianLeft = 0.0, countLeft = 0
                for bin in 0..<max(0, end) {
                    let entry = hist[base + bin]
                    countLeft += entry.count
                    let countRight = count - countLeft
                    hessianLeft += constantHessian ? Double(entry.count) : entry.hessian
                    let hessianRight = hessian - hessianLeft
                    gradientLeft += entry.gradient
                    let gradientRight = gradient - gradientLeft
                    if countLeft < minSamples { continue }
                    if countRight < minSamples { break }
                    if hessianLeft < minHessian { continue }
                    if hessianRight < minHessian { break }
                    let gain = lossCurrent - gradientLeft * nodeValue(gradientLeft, hessianLeft) - gradientRight * nodeValue(gradientRight, hessianRight)
                    if gain > bestGain && gain > settings.minGainToSplit {
                        found = true
                        (bestGain, bestBin, bestGradientLeft, bestHessianLeft, bestCountLeft, bestMissingLeft) = (gain, bin, gradientLeft, hessianLeft, countLeft, false)
                    }
                }
                if missing {
                    var gradientRight = 0.0, hessianRight = 0.0, countRight = 0
                    var bin = binCounts[feature] - 2
                    while bin >= 0 {
                        let entry = hist[base + bin + 1]
                        countRight += entry.count
                        let countLeft = count - countRight
                        hessianRight += constantHessian ? Double(entry.count) : entry.hessian
                        let hessianLeft = hessian - hessianRight
                        gradientRight += entry.gradient
                        let gradientLeft = gradient - gradientRight
                        defer { bin -= 1 }
                        if countRight < minSamples { continue }
                        if countLeft < minSamples { break }
                        if hessianRight < minHessian { continue }
                        if hessianLeft < minHessian { break }
                        let gain = lossCurrent - gradientLeft * nodeValue(gradientLeft, hessianLeft) - gradientRight * nodeValue(gradientRight, hessianRight)
                        if gain > bestGain && gain > settings.minGainToSplit {
                            found = true
                            (bestGain, bestBin, bestGradientLeft, bestHessianLeft, bestCountLeft, bestMissingLeft) = (gain, bin, gradientLeft, hessianLeft, countLeft, true)
                        }
                    }
                }
                guard found, bestGain > best.gain else { continue }
                candidate.gain = bestGain
                candidate.bin = bestBin
                candidate.missingGoesLeft = bestMissingLeft
                candidate.gradientLeft = bestGradientLeft
                candidate.hessianLeft = bestHessianLeft
                candidate.countLeft = bestCountLeft
                candidate.gradientRight = gradient - bestGradientLeft
                candidate.hessianRight = hessian - bestHessianLeft
                candidate.countRight = count - bestCountLeft
                candidate.valueLeft = nodeValue(candidate.gradientLeft, candidate.hessianLeft)
                candidate.valueRight = nodeValue(candidate.gradientRight, candidate.hessianRight)
                best = candidate
            }
        }
        return best
    }

    /// Splits `partition[node.start..<node.end]` stably: left samples first, in order. Blocks
    /// of samples are sorted in parallel and put back in block order, so the result is the
    /// same on any number of threads.
    mutating func apply(_ split: SplitInfo, start: Int, end: Int) -> Int {
        let feature = split.feature, threshold = split.bin, missingBin = self.missingBin
        let missingLeft = split.missingGoesLeft
        let count = end - start
        // Each block writes its left samples to the front of its slice of `scratch` and its
        // right samples to the back (reversed), then the blocks are put back in order.
        var scratch = [Int32](repeating: 0, count: count)
        let lefts = try! partition.withUnsafeBufferPointer { samples in
            try scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                let samples = UnsafeSendable(samples), out = UnsafeSendable(scratchBuffer)
                return try Parallel.map(count: count, grain: 32_768, threads: settings.threads) { chunk -> Int in
                    let column = binned.baseAddress! + feature * rowCount, idx = samples.value.baseAddress! + start
                    let dst = out.value.baseAddress!
                    var left = chunk.lowerBound, right = chunk.upperBound - 1
                    let last = chunk.upperBound - 1
                    for s in chunk {
                        toolbox_prefetch(column + Int(idx[min(s + 24, last)]))
                        let i = idx[s]
                        let bin = Int(column[Int(i)])
                        let goesLeft = bin == missingBin ? missingLeft : bin <= threshold
                        if goesLeft { dst[left] = i; left += 1 } else { dst[right] = i; right -= 1 }
                    }
                    return left - chunk.lowerBound
                }
            }
        }
        let chunks = Parallel.chunks(count: count, grain: 32_768)
        var write = start
        for (chunk, leftCount) in zip(chunks, lefts) {
            for k in chunk.lowerBound..<(chunk.lowerBound + leftCount) { partition[write] = scratch[k]; write += 1 }
        }
        let middle = write
        for (chunk, leftCount) in zip(chunks, lefts) {
            var k = chunk.upperBound - 1
            while k >= chunk.lowerBound + leftCount { partition[write] = scratch[k]; write += 1; k -= 1 }
        }
        return middle
    }

    /// Grows the tree; returns it with values shrunk.
    mutating func grow() -> BoostedTree {
        let root = histogram(0..<partition.count)
        // The totals, from the bins of one feature (every feature's bins hold every sample).
        var gradient = 0.0, hessian = 0.0
        let first = 0
        for bin in 0..<binStride {
            gradient += root[first * binStride + bin].gradient
            hessian += root[first * binStride + bin].hessian
        }
        if constantHessian { hessian = Double(hessians.first ?? 1) * Double(partition.count) }
        nodes = [Node(start: 0, end: partition.count, depth: 0, gradient: gradient, hessian: hessian, value: 0)]
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
        func consider(_ index: Int, histogram: [HistogramBin], _ heap: inout [Int]) {
            let node = nodes[index]
            var features = Array(0..<featureCount)
            if settings.featureFraction < 1 {
                let take = max(1, Int((settings.featureFraction * Double(featureCount)).rounded(.up)))
                features = ((try? generator.sampleWithoutReplacement(take, from: featureCount)) ?? features).sorted()
            }
            let split = bestSplit(histogram, count: node.count, gradient: node.gradient, hessian: node.hessian, value: node.value, features: features)
            if split.gain <= 0 {
                nodes[index].isLeaf = true
                pool.give(histogram)
            } else {
                nodes[index].split = split
                nodes[index].histogram = histogram
                push(index, &heap)
            }
        }

        if nodes[0].count < 2 * settings.minSamplesLeaf || hessian < settings.minHessianToSplit {
            nodes[0].isLeaf = true
        } else {
            consider(0, histogram: root, &splittable)
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
            let smallHistogram = histogram(nodes[small].start..<nodes[small].end)
            parentHistogram.withUnsafeMutableBufferPointer { large in
                smallHistogram.withUnsafeBufferPointer { small in
                    for slot in 0..<large.count {
                        large[slot].gradient -= small[slot].gradient
                        large[slot].hessian -= small[slot].hessian
                        large[slot].count -= small[slot].count
                    }
                }
            }
            let (leftHistogram, rightHistogram) = leftIsSmaller ? (smallHistogram, parentHistogram) : (parentHistogram, smallHistogram)
            if splitLeft { consider(leftIndex, histogram: leftHistogram, &splittable) } else { pool.give(leftHistogram) }
            if splitRight { consider(rightIndex, histogram: rightHistogram, &splittable) } else { pool.give(rightHistogram) }
        }
        let (tree, order) = flatten()
        flatIndex = order
        return tree
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
                tree.missingGoesLeft.append(split.missingGoesLeft)
                tree.left.append(order[node.left]!)
                tree.right.append(order[node.right]!)
                tree.value.append(node.value * settings.shrinkage)
                tree.gain.append(split.gain)
            } else {
                tree.feature.append(-1)
                tree.bin.append(0)
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
