import CToolboxSupport
import Foundation
import ToolboxCore

/// One bin of a node's histogram: the sums of the gradients and hessians of the node's samples
/// whose feature value falls in the bin (16 bytes, so bins never straddle cache lines).
struct HistogramBin {
    var gradient: Double = 0
    var hessian: Double = 0
}

/// A node's histogram: gradient and hessian sums per feature and bin, and, apart, the sample
/// counts (a quarter of the bytes, so the counts a thread updates stay in its L1 cache).
struct Histogram {
    var bins: [HistogramBin]
    var counts: [UInt32]
}

/// Histogram buffers kept between nodes and trees: a node's histogram is several hundred
/// kilobytes, and allocating each afresh costs page faults and zeroing by the kernel.
final class HistogramPool {
    private var free: [Histogram] = []
    let size: Int

    init(size: Int) { self.size = size }

    /// A buffer, zeroed unless `zeroed` is false (then its user zeroes what it fills).
    func take(zeroed: Bool = true) -> Histogram {
        guard var buffer = free.popLast() else {
            return Histogram(bins: [HistogramBin](repeating: HistogramBin(), count: size), counts: [UInt32](repeating: 0, count: size))
        }
        if zeroed {
            buffer.bins.withUnsafeMutableBufferPointer { $0.update(repeating: HistogramBin()) }
            buffer.counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        return buffer
    }

    func give(_ buffer: consuming Histogram) {
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
}

/// A set of bins (at most 256: 255 categories and the missing-value bin).
struct BinSet: Sendable, Hashable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    @inline(__always) func contains(_ bin: Int) -> Bool {
        let word: UInt64
        switch bin >> 6 {
        case 0: word = words.0
        case 1: word = words.1
        case 2: word = words.2
        default: word = words.3
        }
        return (word >> UInt64(bin & 63)) & 1 == 1
    }

    mutating func insert(_ bin: Int) {
        let bit = UInt64(1) << UInt64(bin & 63)
        switch bin >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    var array: [UInt64] { [words.0, words.1, words.2, words.3] }

    static func == (a: BinSet, b: BinSet) -> Bool { a.array == b.array }
    func hash(into hasher: inout Hasher) { hasher.combine(array) }
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
        var histogram: Histogram?
        /// Bounds on the values of this node's children (monotonic constraints).
        var lower = -Double.infinity, upper = Double.infinity
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
         samples: [Int32], rowCount: Int? = nil, settings: GrowerSettings, generator: SeededGenerator, pool: HistogramPool) {
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
        self.generator = generator
        self.partition = samples
        binStride = missingBin + 1
        self.rowCount = rowCount ?? samples.count
        let categorical = settings.categorical
        scanOrder = categorical.contains(true)
            ? (0..<featureCount).filter { categorical[$0] } + (0..<featureCount).filter { !categorical[$0] }
            : Array(0..<featureCount)
    }

    /// The histogram of the samples `partition[range]`, for the allowed features: rows are
    /// read once per thread, each thread summing a contiguous block of features (so its part of
    /// the histogram stays in cache). Every bin sums its samples in partition order, whatever
    /// the thread count.
    func histogram(_ range: Range<Int>) -> Histogram {
        var none: Histogram? = nil
        return histogram(range, subtractingFrom: &none, evaluations: []).histogram
    }

    /// A child's split search, done by the histogram threads on their own features.
    struct Evaluation {
        var count: Int, gradient: Double, hessian: Double, lossCurrent: Double, lower: Double, upper: Double
        /// Whether the child is the one whose histogram is built (else the parent's, after the subtraction).
        var small: Bool
        /// The features its split may use.
        var allowed: [Bool]
    }

    /// The histogram of `partition[range]`; each thread, on its block of features, then turns
    /// `parent` into the sibling's histogram (parent minus this one) and finds each
    /// evaluation's best split per feature while the bins are in its cache. Returns the
    /// per-feature splits, `featureCount` per evaluation.
    func histogram(_ range: Range<Int>, subtractingFrom parent: inout Histogram?, evaluations: [Evaluation]) -> (histogram: Histogram, splits: [SplitInfo]) {
        // Each thread zeroes its own block of features, in parallel and into its cache.
        var histogram = pool.take(zeroed: false)
        var splits = [SplitInfo](repeating: SplitInfo(), count: evaluations.count * featureCount)
        var parentBins = parent?.bins ?? [], parentCounts = parent?.counts ?? []
        parent = nil   // uniquely referenced while the threads write it
        let subtract = !parentBins.isEmpty
        let work = range.count * featureCount
        let groups = work < 1_000 ? 1 : max(1, min(featureCount, settings.threads))
        let perGroup = (featureCount + groups - 1) / groups
        histogram.bins.withUnsafeMutableBufferPointer { output in
          histogram.counts.withUnsafeMutableBufferPointer { countOutput in
           parentBins.withUnsafeMutableBufferPointer { parentOutput in
            parentCounts.withUnsafeMutableBufferPointer { parentCountOutput in
             splits.withUnsafeMutableBufferPointer { splitOutput in
            let out = UnsafeSendable(output), countsOut = UnsafeSendable(countOutput)
            let parentOut = UnsafeSendable(parentOutput), parentCountsOut = UnsafeSendable(parentCountOutput)
            let splitsOut = UnsafeSendable(splitOutput)
            partition.withUnsafeBufferPointer { samples in
                let samples = UnsafeSendable(samples)
                WorkerPool.forEach(count: featureCount, grain: perGroup, threads: settings.threads) { features in
                    let bins = binnedRows.baseAddress!, g = gradients.baseAddress!, h = hessians.baseAddress!, gs = gradientStride
                    let idx = samples.value.baseAddress!
                    let p = featureCount, stride = binStride
                    let f0 = features.lowerBound, f1 = features.upperBound
                    do {
                    let hist = out.value.baseAddress! + f0 * stride
                    let histCounts = countsOut.value.baseAddress! + f0 * stride
                    hist.update(repeating: HistogramBin(), count: (f1 - f0) * stride)
                    histCounts.update(repeating: 0, count: (f1 - f0) * stride)
                    // Rows of a child node are scattered: ask for them a few samples ahead.
                    let ahead = 12, last = range.upperBound - 1
                    let gather = range.count < partition.count
                    if constantHessian {
                        for s in range {
                            if gather {
                                let next = Int(idx[min(s + ahead, last)])
                                toolbox_prefetch(bins + next * p + f0)
                                toolbox_prefetch(g + next * gs)
                            }
                            let i = Int(idx[s])
                            let row = bins + i * p
                            let gradient = Double(g[i * gs])
                            var slot = hist, countSlot = histCounts
                            for f in f0..<f1 {
                                let b = Int(row[f])
                                (slot + b).pointee.gradient += gradient
                                (countSlot + b).pointee &+= 1
                                slot += stride
                                countSlot += stride
                            }
                        }
                    } else {
                        for s in range {
                            if gather {
                                let next = Int(idx[min(s + ahead, last)])
                                toolbox_prefetch(bins + next * p + f0)
                                toolbox_prefetch(g + next * gs)
                                if gs == 1 { toolbox_prefetch(h + next) }
                            }
                            let i = Int(idx[s])
                            let row = bins + i * p
                            let gradient = Double(g[i * gs]), hessian = Double(h[i * gs])
                            var slot = hist, countSlot = histCounts
                            for f in f0..<f1 {
                                let b = Int(row[f])
                                let entry = slot + b
                                entry.pointee.gradient += gradient
                                entry.pointee.hessian += hessian
                                (countSlot + b).pointee &+= 1
                                slot += stride
                                countSlot += stride
                            }
                        }
                    }
                    }
                    let slots = (f0 * stride)..<(f1 * stride)
                    if subtract {
                        let large = parentOut.value.baseAddress!, largeCounts = parentCountsOut.value.baseAddress!
                        let small = out.value.baseAddress!, smallCounts = countsOut.value.baseAddress!
                        for slot in slots {
                            large[slot].gradient -= small[slot].gradient
                            large[slot].hessian -= small[slot].hessian
                            largeCounts[slot] &-= smallCounts[slot]
                        }
                    }
                    for (e, evaluation) in evaluations.enumerated() {
                        let bins = evaluation.small ? UnsafeBufferPointer(out.value) : UnsafeBufferPointer(parentOut.value)
                        let counts = evaluation.small ? UnsafeBufferPointer(countsOut.value) : UnsafeBufferPointer(parentCountsOut.value)
                        for f in f0..<f1 where evaluation.allowed[f] {
                            splitsOut.value[e * p + f] = featureSplit(bins, counts, feature: f, count: evaluation.count, gradient: evaluation.gradient,
                                                                      hessian: evaluation.hessian, lossCurrent: evaluation.lossCurrent,
                                                                      lower: evaluation.lower, upper: evaluation.upper)
                        }
                    }
                }
            }
             }
            }
           }
        }
        }
        if subtract { parent = Histogram(bins: parentBins, counts: parentCounts) }
        return (histogram, splits)
    }

    @inline(__always)
    func nodeValue(_ gradient: Double, _ hessian: Double, _ lower: Double = -.infinity, _ upper: Double = .infinity) -> Double {
        let value = -shrunk(gradient) / (hessian + settings.l2Regularization + 1e-15)
        return value < lower ? lower : (value > upper ? upper : value)
    }

    /// The gradient sum with L1 applied (LightGBM's `ThresholdL1`).
    @inline(__always)
    func shrunk(_ gradient: Double) -> Double {
        let l1 = settings.l1Regularization
        guard l1 > 0 else { return gradient }
        return gradient > l1 ? gradient - l1 : (gradient < -l1 ? gradient + l1 : 0)
    }

    /// With L1: twice the loss reduction of a leaf of value `value` (LightGBM's
    /// `GetLeafGainGivenOutput`), the terms the split gain adds and subtracts.
    @inline(__always)
    func leafGain(_ gradient: Double, _ hessian: Double, _ value: Double) -> Double {
        -(2 * shrunk(gradient) * value + (hessian + settings.l2Regularization) * value * value)
    }

    /// The parent's term of the split gain: scikit-learn's `G · value`, or with L1 the leaf
    /// gain of the parent's value.
    func currentLoss(_ gradient: Double, _ hessian: Double, value: Double, lower: Double, upper: Double) -> Double {
        settings.l1Regularization > 0 ? leafGain(gradient, hessian, nodeValue(gradient, hessian, lower, upper)) : gradient * value
    }

    /// scikit-learn's `_split_gain`: the loss reduction with both children's values kept in
    /// the node's bounds, or −1 when the values break the feature's monotonic constraint.
    @inline(__always)
    func splitGain(_ gradientLeft: Double, _ hessianLeft: Double, _ gradientRight: Double, _ hessianRight: Double, lossCurrent: Double,
                   constraint: Int8, lower: Double, upper: Double) -> Double {
        let valueLeft = nodeValue(gradientLeft, hessianLeft, lower, upper), valueRight = nodeValue(gradientRight, hessianRight, lower, upper)
        if (constraint > 0 && valueLeft > valueRight) || (constraint < 0 && valueLeft < valueRight) { return -1 }
        if settings.l1Regularization > 0 {
            return leafGain(gradientLeft, hessianLeft, valueLeft) + leafGain(gradientRight, hessianRight, valueRight) - lossCurrent
        }
        return lossCurrent - gradientLeft * valueLeft - gradientRight * valueRight
    }

    /// The best split of a node, scanning each feature's bins left to right (missing values
    /// right) and, when the feature had missing values in training, right to left (missing
    /// values left); the first feature wins ties.
    func bestSplit(_ histogram: Histogram, count: Int, gradient: Double, hessian: Double, value: Double, features: [Int],
                   lower: Double = -.infinity, upper: Double = .infinity) -> SplitInfo {
        // Each block of features finds its best; the first block's best wins ties, as one scan would.
        // Threads pay off only for many features; waking them costs about what 50 features do.
        let grain = features.count >= 200 && settings.threads > 1 ? (features.count + 1) / 2 : max(1, features.count)
        let bests = (try? Parallel.map(count: features.count, grain: grain, threads: settings.threads) { block in
            bestSplit(histogram, count: count, gradient: gradient, hessian: hessian, value: value, features: features[block], lower: lower, upper: upper)
        }) ?? []
        var best = SplitInfo()
        for candidate in bests where candidate.gain > best.gain { best = candidate }
        return best
    }

    func bestSplit(_ histogram: Histogram, count: Int, gradient: Double, hessian: Double, value: Double, features: ArraySlice<Int>,
                   lower: Double, upper: Double) -> SplitInfo {
        let lossCurrent = currentLoss(gradient, hessian, value: value, lower: lower, upper: upper)
        var best = SplitInfo()
        histogram.bins.withUnsafeBufferPointer { hist in
            histogram.counts.withUnsafeBufferPointer { counts in
                for feature in features {
                    let candidate = featureSplit(hist, counts, feature: feature, count: count, gradient: gradient, hessian: hessian,
                                                 lossCurrent: lossCurrent, lower: lower, upper: upper)
                    if candidate.gain > best.gain { best = candidate }
                }
            }
        }
        return best
    }

    /// The best split on one feature (gain −1 when there is none): bins scanned left to right
    /// (missing values right) and, when the feature had missing values in training, right to
    /// left (missing values left); categorical features many-vs-many.
    func featureSplit(_ hist: UnsafeBufferPointer<HistogramBin>, _ counts: UnsafeBufferPointer<UInt32>, feature: Int, count: Int,
                      gradient: Double, hessian: Double, lossCurrent: Double, lower: Double, upper: Double) -> SplitInfo {
        if !settings.categorical.isEmpty && settings.categorical[feature] {
            return categoricalSplit(hist, counts, feature: feature, count: count, gradient: gradient, hessian: hessian, lossCurrent: lossCurrent,
                                    lower: lower, upper: upper)
        }
        let minSamples = settings.minSamplesLeaf, minHessian = settings.minHessianToSplit
        let bounded = !settings.monotonic.isEmpty || settings.l1Regularization > 0
        let constraint = settings.monotonic.isEmpty ? 0 : settings.monotonic[feature]
        // Unbounded, `G · v` with `v = −G/(H + λ)` is `−G · (G/(H + λ))` to the bit: scikit-learn's
        // gain, without the bounds and L1 of ``nodeValue(_:_:_:_:)`` in the inner loop.
        let l2 = settings.l2Regularization
        @inline(__always) func gain(_ gradientLeft: Double, _ hessianLeft: Double, _ gradientRight: Double, _ hessianRight: Double) -> Double {
            bounded ? splitGain(gradientLeft, hessianLeft, gradientRight, hessianRight, lossCurrent: lossCurrent, constraint: constraint, lower: lower, upper: upper)
                : lossCurrent + gradientLeft * (gradientLeft / (hessianLeft + l2 + 1e-15)) + gradientRight * (gradientRight / (hessianRight + l2 + 1e-15))
        }
        let base = feature * binStride
        var best = SplitInfo()
        best.feature = feature
        /// Keeps the split with bins `0...bin` left (and missing values as `missingLeft` says)
        /// when it gains most so far. Both sides' sums are given as the scan has them.
        @inline(__always) func consider(bin: Int, missingLeft: Bool, gradientLeft: Double, hessianLeft: Double, countLeft: Int,
                                        gradientRight: Double, hessianRight: Double, countRight: Int) {
            guard countLeft >= minSamples, countRight >= minSamples, hessianLeft >= minHessian, hessianRight >= minHessian else { return }
            let candidate = gain(gradientLeft, hessianLeft, gradientRight, hessianRight)
            if candidate > best.gain && candidate > settings.minGainToSplit {
                (best.gain, best.bin, best.missingGoesLeft) = (candidate, bin, missingLeft)
                (best.gradientLeft, best.hessianLeft, best.countLeft) = (gradientLeft, hessianLeft, countLeft)
            }
        }
        // Left to right, missing values right. The scan stops once the right side is too small.
        let missing = hasMissing[feature]
        let end = binCounts[feature] - 1 + (missing ? 1 : 0)
        var gradientLeft = 0.0, hessianLeft = 0.0, countLeft = 0
        for bin in 0..<max(0, end) {
            let entry = hist[base + bin], entryCount = Int(counts[base + bin])
            countLeft += entryCount
            hessianLeft += constantHessian ? Double(entryCount) : entry.hessian
            gradientLeft += entry.gradient
            let countRight = count - countLeft, hessianRight = hessian - hessianLeft
            if countRight < minSamples || hessianRight < minHessian { break }
            consider(bin: bin, missingLeft: false, gradientLeft: gradientLeft, hessianLeft: hessianLeft, countLeft: countLeft,
                     gradientRight: gradient - gradientLeft, hessianRight: hessianRight, countRight: countRight)
        }
        if missing {
            // Right to left, missing values left. The scan stops once the left side is too small.
            var gradientRight = 0.0, hessianRight = 0.0, countRight = 0
            for bin in stride(from: binCounts[feature] - 2, through: 0, by: -1) {
                let entry = hist[base + bin + 1], entryCount = Int(counts[base + bin + 1])
                countRight += entryCount
                hessianRight += constantHessian ? Double(entryCount) : entry.hessian
                gradientRight += entry.gradient
                let countLeft = count - countRight, hessianLeft = hessian - hessianRight
                if countLeft < minSamples || hessianLeft < minHessian { break }
                consider(bin: bin, missingLeft: true, gradientLeft: gradient - gradientRight, hessianLeft: hessianLeft, countLeft: countLeft,
                         gradientRight: gradientRight, hessianRight: hessianRight, countRight: countRight)
            }
        }
        if best.gain > -1 { complete(&best, gradient: gradient, hessian: hessian, count: count, lower: lower, upper: upper) }
        return best
    }

    /// Fills in a found split's right side (the node's totals less the left) and both children's values.
    func complete(_ split: inout SplitInfo, gradient: Double, hessian: Double, count: Int, lower: Double, upper: Double) {
        split.gradientRight = gradient - split.gradientLeft
        split.hessianRight = hessian - split.hessianLeft
        split.countRight = count - split.countLeft
        split.valueLeft = nodeValue(split.gradientLeft, split.hessianLeft, lower, upper)
        split.valueRight = nodeValue(split.gradientRight, split.hessianRight, lower, upper)
    }

    /// Sorts categories by value exactly as scikit-learn's `qsort` call does with glibc's merge
    /// sort (halves of `n / 2` and the rest, merged taking the left element only when strictly
    /// smaller), so categories with equal values, common in the first iterations, come in the
    /// same order and the same split is found.
    static func mergeSort(_ items: inout [(bin: Int, value: Double)]) {
        guard items.count > 1 else { return }
        var scratch = items
        func sort(_ start: Int, _ count: Int) {
            guard count > 1 else { return }
            let half = count / 2
            sort(start, half)
            sort(start + half, count - half)
            var i = start, j = start + half, k = 0
            let leftEnd = start + half, rightEnd = start + count
            while i < leftEnd && j < rightEnd {
                if items[i].value < items[j].value { scratch[k] = items[i]; i += 1 } else { scratch[k] = items[j]; j += 1 }
                k += 1
            }
            while i < leftEnd { scratch[k] = items[i]; i += 1; k += 1 }
            while j < rightEnd { scratch[k] = items[j]; j += 1; k += 1 }
            for offset in 0..<count { items[start + offset] = scratch[offset] }
        }
        sort(0, items.count)
    }

    /// scikit-learn's (and LightGBM's) many-vs-many categorical split: categories with enough
    /// hessian (10, LightGBM's `cat_smooth`; missing values count as a category) are sorted by
    /// G/(H + 10) and scanned from both ends up to the middle; the categories passed go left,
    /// every other category (and an unseen one) right.
    func categoricalSplit(_ hist: UnsafeBufferPointer<HistogramBin>, _ counts: UnsafeBufferPointer<UInt32>, feature: Int, count: Int, gradient: Double, hessian: Double,
                          lossCurrent: Double, lower: Double, upper: Double) -> SplitInfo {
        let base = feature * binStride
        let minimumSupport = 10.0
        let supportFactor = Double(count) / hessian
        var used: [(bin: Int, value: Double)] = []
        var candidates = Array(0..<binCounts[feature])
        if hasMissing[feature] { candidates.append(missingBin) }
        for bin in candidates {
            let entry = hist[base + bin]
            let binHessian = constantHessian ? Double(counts[base + bin]) : entry.hessian
            if binHessian * supportFactor >= minimumSupport {
                used.append((bin, entry.gradient / (binHessian + minimumSupport)))
            }
        }
        var best = SplitInfo()
        guard used.count > 1 else { return best }
        Self.mergeSort(&used)
        let minSamples = settings.minSamplesLeaf, minHessian = settings.minHessianToSplit
        let constraint: Int8 = settings.monotonic.isEmpty ? 0 : settings.monotonic[feature]
        var bestGain = -1.0, bestEnd = 0, bestDirection = 1, bestGradientLeft = 0.0, bestHessianLeft = 0.0, bestCountLeft = 0
        var found = false
        for direction in [1, -1] {
            let middle = direction == 1 ? (used.count + 1) / 2 : (used.count + 1) / 2 - 1
            var gradientLeft = 0.0, hessianLeft = 0.0, countLeft = 0
            for i in 0..<middle {
                let sorted = direction == 1 ? i : used.count - 1 - i
                let entry = hist[base + used[sorted].bin], entryCount = Int(counts[base + used[sorted].bin])
                countLeft += entryCount
                let countRight = count - countLeft
                hessianLeft += constantHessian ? Double(entryCount) : entry.hessian
                let hessianRight = hessian - hessianLeft
                gradientLeft += entry.gradient
                let gradientRight = gradient - gradientLeft
                if countLeft < minSamples || hessianLeft < minHessian { continue }
                if countRight < minSamples || hessianRight < minHessian { break }
                let gain = splitGain(gradientLeft, hessianLeft, gradientRight, hessianRight, lossCurrent: lossCurrent, constraint: constraint,
                                     lower: lower, upper: upper)
                if gain > bestGain && gain > settings.minGainToSplit {
                    found = true
                    (bestGain, bestEnd, bestDirection, bestGradientLeft, bestHessianLeft, bestCountLeft) = (gain, sorted, direction, gradientLeft, hessianLeft, countLeft)
                }
            }
        }
        guard found else { return best }
        best.gain = bestGain
        best.feature = feature
        best.categorical = true
        let sortedRange = bestDirection == 1 ? Array(0...bestEnd) : Array(bestEnd..<used.count)
        for sorted in sortedRange { best.leftBins.insert(used[sorted].bin) }
        best.missingGoesLeft = hasMissing[feature] && best.leftBins.contains(missingBin)
        (best.gradientLeft, best.hessianLeft, best.countLeft) = (bestGradientLeft, bestHessianLeft, bestCountLeft)
        complete(&best, gradient: gradient, hessian: hessian, count: count, lower: lower, upper: upper)
        return best
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
        let root = histogram(0..<partition.count)
        // The totals, from the bins of one feature (every feature's bins hold every sample).
        var gradient = 0.0, hessian = 0.0
        let first = 0
        for bin in 0..<binStride {
            gradient += root.bins[first * binStride + bin].gradient
            hessian += root.bins[first * binStride + bin].hessian
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
        // scikit-learn puts categorical features first (its column transformer's order):
        // features are scanned, drawn and tie-broken in that order.
        func drawFeatures() -> [Int] {
            var features = scanOrder
            if settings.featureFraction < 1 {
                let take = max(1, Int((settings.featureFraction * Double(featureCount)).rounded(.up)))
                if let drawn = try? generator.sampleWithoutReplacement(take, from: featureCount) { features = drawn.sorted().map { scanOrder[$0] } }
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
            let split = bestSplit(histogram, count: node.count, gradient: node.gradient, hessian: node.hessian, value: node.value, features: drawFeatures(),
                                  lower: node.lower, upper: node.upper)
            finish(index, split: split, histogram: histogram, &heap)
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
                let features = drawFeatures()
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
