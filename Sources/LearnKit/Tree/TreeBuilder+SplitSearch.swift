import Foundation
import ToolboxCore

/// Finding and applying the best (or a random) split of a node, as scikit-learn's splitters do.
extension TreeBuilder {
    /// The best split of `start..<end` and the number of features known to be constant for the
    /// children. Features are drawn exactly as scikit-learn's `BestSplitter.node_split` draws
    /// them (same generator, same bookkeeping of constant features), so with the same seed the
    /// same features are tried in the same order and ties resolve the same way.
    mutating func findSplit(_ start: Int, _ end: Int, impurity: Double, constantFeatures knownConstants: Int) -> (SplitRecord?, Int) {
        var best = SplitRecord()
        var fi = p
        var foundConstants = 0, drawnConstants = 0, totalConstants = knownConstants
        var visited = 0
        // The node's sums in its samples' order on arrival, as scikit-learn's criterion takes
        // them before any feature is sorted (its `sum_total`).
        var totals = (sum: 0.0, squares: 0.0, weight: 0.0)
        if settings.criterion == .squaredError {
            for k in start..<end {
                let i = Int(samples[k])
                let weighted = weights[i] * targets[i]
                totals.sum += weighted
                totals.squares += weighted * targets[i]
                totals.weight += weights[i]
            }
        }
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
            // Squared error sums targets in the sorted order, so ties must end in scikit-learn's
            // order for its rounding (and its choice between nearly tied splits); class counts
            // and absolute errors do not depend on it, and radix sorting is faster.
            if present > 1 {
                if settings.criterion == .squaredError { scikitLearnSort(start, start + present) } else { sortSpan(start, start + present) }
            }
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
                if missing == 0 && settings.criterion == .squaredError {
                    scanSquaredError(feature: feature, start: start, end: end, totals: totals, best: &best)
                } else {
                    for missingLeft in (missing > 0 ? [false, true] : [false]) {
                        scanSplits(feature: feature, start: start, present: present, missing: missing, missingLeft: missingLeft, best: &best)
                    }
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
    func scanSplits(feature: Int, start: Int, present: Int, missing: Int, missingLeft: Bool, best: inout SplitRecord) {
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

    /// Squared error without missing values, as scikit-learn's criterion moves through the
    /// sorted samples: at each valid position the left sums grow from the last one, or, when
    /// fewer samples lie right of the new position than between the two, restart from the
    /// node's sums and shrink from the end; the right side is the node's sums minus the left.
    /// The proxy `Σ²_L/w_L + Σ²_R/w_R` then rounds as scikit-learn's, so near-ties between
    /// features fall the same way.
    func scanSquaredError(feature: Int, start: Int, end: Int, totals: (sum: Double, squares: Double, weight: Double), best: inout SplitRecord) {
        let minLeaf = settings.minSamplesLeaf
        var position = start, sumL = 0.0, wL = 0.0, sqL = 0.0
        for k in start..<(end - 1) {
            let i = Int(samples[k])
            sqL += weights[i] * targets[i] * targets[i]
            guard sortBuffer[k + 1] > sortBuffer[k] + Self.featureThreshold else { continue }
            let next = k + 1
            guard next - start >= minLeaf, end - next >= minLeaf else { continue }
            if next - position <= end - next {
                for q in position..<next {
                    let j = Int(samples[q])
                    sumL += weights[j] * targets[j]
                    wL += weights[j]
                }
            } else {
                sumL = totals.sum
                wL = totals.weight
                for q in stride(from: end - 1, through: next, by: -1) {
                    let j = Int(samples[q])
                    sumL -= weights[j] * targets[j]
                    wL -= weights[j]
                }
            }
            position = next
            let wR = totals.weight - wL, sumR = totals.sum - sumL
            let il = sqL / wL - (sumL / wL) * (sumL / wL)
            let ir = (totals.squares - sqL) / wR - (sumR / wR) * (sumR / wR)
            consider(sumL * sumL / wL + sumR * sumR / wR, il, ir, weights: wL, wR, feature: feature, k: k, missingLeft: false, best: &best)
        }
    }

    @inline(__always)
    func consider(_ proxy: Double, _ il: Double, _ ir: Double, weights wl: Double, _ wr: Double, feature: Int, k: Int,
                          missingLeft: Bool, best: inout SplitRecord) {
        guard proxy > best.improvement else { return }
        var threshold = Double(sortBuffer[k]) / 2 + Double(sortBuffer[k + 1]) / 2
        if threshold == Double(sortBuffer[k + 1]) || !threshold.isFinite { threshold = Double(sortBuffer[k]) }
        best = SplitRecord(feature: feature, position: 0, threshold: threshold, missingLeft: missingLeft,
                           improvement: proxy, leftImpurity: il, rightImpurity: ir, leftWeight: wl, rightWeight: wr)
    }

    /// One random threshold drawn uniformly between the feature's minimum and maximum (extra trees);
    /// missing values go to a side drawn at random.
    mutating func randomSplit(feature: Int, start: Int, present: Int, missing: Int, best: inout SplitRecord) {
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
    mutating func partition(_ start: Int, _ end: Int, _ split: SplitRecord) -> Int {
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
}
