import Foundation
import ToolboxCore

/// Finding a node's best split on its histogram: scikit-learn's gain, bounds for monotonic
/// constraints, LightGBM's L1, and many-vs-many categorical splits.
extension TreeGrower {
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
}
