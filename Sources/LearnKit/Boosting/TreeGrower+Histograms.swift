import CToolboxSupport
import Foundation
import ToolboxCore

/// Building a node's histogram: rows read once per thread, each thread on its own block of
/// features, the sibling's histogram subtracted and both children's splits searched while the
/// bins are in cache.
extension TreeGrower {
    /// The histogram of the samples `partition[range]`, for the allowed features: rows are
    /// read once per thread, each thread summing a contiguous block of features (so its part of
    /// the histogram stays in cache). Every bin sums its samples in partition order, whatever
    /// the thread count.
    func histogram(_ range: Range<Int>) -> Histogram {
        var none: Histogram? = nil
        return histogram(range, subtractingFrom: &none, evaluations: []).histogram
    }

    /// The root's bins of one feature, summed in partition order as ``histogram(_:)`` sums them.
    func binsOfOneFeature(_ feature: Int) -> [HistogramBin] {
        var bins = [HistogramBin](repeating: HistogramBin(), count: binStride)
        for s in partition.indices {
            let i = Int(partition[s])
            let b = Int(binnedRows[i * featureCount + feature])
            bins[b].gradient += Double(gradients[i * gradientStride])
            if !constantHessian { bins[b].hessian += Double(hessians[i * gradientStride]) }
        }
        return bins
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
        let knownCounts = range.count == partition.count && rootCounts?.count == histogram.counts.count ? rootCounts : nil
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
                    if knownCounts == nil { histCounts.update(repeating: 0, count: (f1 - f0) * stride) }
                    // Rows of a child node are scattered: ask for them a few samples ahead.
                    let ahead = 12, last = range.upperBound - 1
                    let gather = range.count < partition.count
                    /// Adds each sample's gradient (and hessian, and 1 to the count) to its bin
                    /// of every feature in the block; inlined once per combination.
                    @inline(__always) func accumulate(hessiansToo: Bool, countsToo: Bool) {
                        for s in range {
                            if gather {
                                let next = Int(idx[min(s + ahead, last)])
                                toolbox_prefetch(bins + next * p + f0)
                                toolbox_prefetch(g + next * gs)
                                if hessiansToo && gs == 1 { toolbox_prefetch(h + next) }
                            }
                            let i = Int(idx[s])
                            let row = bins + i * p
                            let gradient = Double(g[i * gs]), hessian = hessiansToo ? Double(h[i * gs]) : 0
                            var slot = hist, countSlot = histCounts
                            for f in f0..<f1 {
                                let b = Int(row[f])
                                let entry = slot + b
                                entry.pointee.gradient += gradient
                                if hessiansToo { entry.pointee.hessian += hessian }
                                if countsToo { (countSlot + b).pointee &+= 1 }
                                slot += stride
                                countSlot += stride
                            }
                        }
                    }
                    if knownCounts != nil {
                        // The root: its counts are the same every tree.
                        if constantHessian { accumulate(hessiansToo: false, countsToo: false) } else { accumulate(hessiansToo: true, countsToo: false) }
                        knownCounts!.withUnsafeBufferPointer { known in
                            histCounts.update(from: known.baseAddress! + f0 * stride, count: (f1 - f0) * stride)
                        }
                    } else if constantHessian {
                        accumulate(hessiansToo: false, countsToo: true)
                    } else {
                        accumulate(hessiansToo: true, countsToo: true)
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

    /// The count of rows per feature and bin (`stride` bins a feature) of column-major bins:
    /// the root's counts, the same for every tree grown on all the rows.
    static func rootCounts(binned: UnsafeBufferPointer<UInt8>, rows: Int, features: Int, stride: Int, threads: Int) -> [UInt32] {
        var counts = [UInt32](repeating: 0, count: features * stride)
        counts.withUnsafeMutableBufferPointer { buffer in
            let out = UnsafeSendable(buffer)
            WorkerPool.forEach(count: features, grain: 1, threads: threads) { block in
                for feature in block {
                    let column = binned.baseAddress! + feature * rows, slot = out.value.baseAddress! + feature * stride
                    for row in 0..<rows { slot[Int(column[row])] &+= 1 }
                }
            }
        }
        return counts
    }
}
