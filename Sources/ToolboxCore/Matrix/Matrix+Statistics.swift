/// How column statistics treat NaN.
public enum MissingValuePolicy: Sendable, Hashable {
    /// NaN propagates, as in NumPy's `mean`.
    case propagate
    /// NaN is skipped, as in NumPy's `nanmean`; a column of only NaN gives NaN.
    case skip
}

extension Matrix {
    /// The sum of each column.
    @_specialize(exported: true, where Scalar == Double)
    public func columnSums(missing: MissingValuePolicy = .propagate) -> [Scalar] {
        columnAccumulate(missing: missing).sums
    }

    /// The mean of each column; NaN for a column with no (non-missing) values.
    @_specialize(exported: true, where Scalar == Double)
    public func columnMeans(missing: MissingValuePolicy = .propagate) -> [Scalar] {
        let acc = columnAccumulate(missing: missing)
        return zip(acc.sums, acc.counts).map { $1 == 0 ? .nan : $0 / Scalar($1) }
    }

    /// The variance of each column with `deltaDegreesOfFreedom` subtracted from the count
    /// (0 for the population variance as NumPy's default, 1 for the sample variance as pandas').
    ///
    /// Computed in two passes (mean, then squared deviations) for accuracy.
    @_specialize(exported: true, where Scalar == Double)
    public func columnVariances(deltaDegreesOfFreedom: Int = 0, missing: MissingValuePolicy = .propagate) -> [Scalar] {
        let means = columnMeans(missing: missing)
        var squares = [Scalar](repeating: 0, count: columns)
        var counts = [Int](repeating: 0, count: columns)
        values.withUnsafeBufferPointer { buffer in
            for i in 0..<rows {
                let base = i * columns
                for j in 0..<columns {
                    let v = buffer[base + j]
                    if missing == .skip && v.isNaN { continue }
                    let d = v - means[j]
                    squares[j] += d * d
                    counts[j] += 1
                }
            }
        }
        return (0..<columns).map { j in
            let dof = counts[j] - deltaDegreesOfFreedom
            return dof > 0 ? squares[j] / Scalar(dof) : .nan
        }
    }

    /// The standard deviation of each column; see ``columnVariances(deltaDegreesOfFreedom:missing:)``.
    public func columnStandardDeviations(deltaDegreesOfFreedom: Int = 0, missing: MissingValuePolicy = .propagate) -> [Scalar] {
        columnVariances(deltaDegreesOfFreedom: deltaDegreesOfFreedom, missing: missing).map { $0.squareRoot() }
    }

    /// The smallest value of each column (NaN skipped); NaN when a column has no values.
    public func columnMinimums() -> [Scalar] { columnExtreme(<) }

    /// The largest value of each column (NaN skipped); NaN when a column has no values.
    public func columnMaximums() -> [Scalar] { columnExtreme(>) }

    /// The sum of each row.
    public func rowSums() -> [Scalar] {
        values.withUnsafeBufferPointer { buffer in
            (0..<rows).map { i in
                var s: Scalar = 0
                for j in 0..<columns { s += buffer[i * columns + j] }
                return s
            }
        }
    }

    private func columnAccumulate(missing: MissingValuePolicy) -> (sums: [Scalar], counts: [Int]) {
        var sums = [Scalar](repeating: 0, count: columns)
        var counts = [Int](repeating: missing == .skip ? 0 : rows, count: columns)
        let p = columns
        values.withUnsafeBufferPointer { buffer in
            sums.withUnsafeMutableBufferPointer { sums in
                counts.withUnsafeMutableBufferPointer { counts in
                    for i in 0..<rows {
                        let row = buffer.baseAddress! + i * p
                        if missing == .skip {
                            for j in 0..<p where !row[j].isNaN {
                                counts[j] += 1
                                sums[j] += row[j]
                            }
                        } else {
                            for j in 0..<p { sums[j] += row[j] }
                        }
                    }
                }
            }
        }
        return (sums, counts)
    }

    private func columnExtreme(_ better: (Scalar, Scalar) -> Bool) -> [Scalar] {
        var result = [Scalar](repeating: .nan, count: columns)
        values.withUnsafeBufferPointer { buffer in
            for i in 0..<rows {
                for j in 0..<columns {
                    let v = buffer[i * columns + j]
                    if v.isNaN { continue }
                    if result[j].isNaN || better(v, result[j]) { result[j] = v }
                }
            }
        }
        return result
    }
}

/// Quantiles with linear interpolation between order statistics (NumPy's default `linear`
/// method, pandas' `describe`).
public enum Quantile {
    /// The `q`-quantile of `sortedValues` (ascending, no NaN); NaN when empty.
    public static func linear<Scalar: BinaryFloatingPoint>(_ sortedValues: [Scalar], _ q: Double) -> Scalar {
        guard !sortedValues.isEmpty else { return .nan }
        let position = q * Double(sortedValues.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sortedValues.count - 1)
        let fraction = Scalar(position - Double(lower))
        return sortedValues[lower] + (sortedValues[upper] - sortedValues[lower]) * fraction
    }

    /// The `qs`-quantiles (each in [0, 1]) of unsorted `values` (no NaN), as ``linear(_:_:)``
    /// gives them for the sorted values, found by selection (Hoare's quickselect with a
    /// median-of-three pivot) rather than a sort: a handful of quantiles of n values cost O(n).
    /// NaN for each when `values` is empty.
    public static func linear(selecting values: [Double], _ qs: [Double]) -> [Double] {
        guard !values.isEmpty else { return qs.map { _ in .nan } }
        var buffer = values
        let n = buffer.count
        var positions: [Int] = []
        for q in qs {
            let lower = Int((q * Double(n - 1)).rounded(.down))
            positions.append(lower)
            positions.append(min(lower + 1, n - 1))
        }
        // Select in ascending order of index; each selection leaves larger values to its right.
        var start = 0
        for index in Set(positions).sorted() {
            select(&buffer, index, in: start..<n)
            start = index
        }
        return qs.map { q in
            let position = q * Double(n - 1)
            let lower = Int(position.rounded(.down)), upper = min(lower + 1, n - 1)
            return buffer[lower] + (buffer[upper] - buffer[lower]) * (position - Double(lower))
        }
    }

    /// Rearranges `values[range]` so that the element at `k` is the one a sort would put there,
    /// with nothing larger before it and nothing smaller after it.
    static func select(_ values: inout [Double], _ k: Int, in range: Range<Int>) {
        values.withUnsafeMutableBufferPointer { buffer in
            var low = range.lowerBound, high = range.upperBound - 1
            while high > low {
                let middle = low + (high - low) / 2
                // Median of three as the pivot, moved to `high`.
                if buffer[middle] < buffer[low] { buffer.swapAt(middle, low) }
                if buffer[high] < buffer[low] { buffer.swapAt(high, low) }
                if buffer[middle] < buffer[high] { buffer.swapAt(middle, high) }
                let pivot = buffer[high]
                var store = low
                for i in low..<high where buffer[i] < pivot {
                    buffer.swapAt(i, store)
                    store += 1
                }
                buffer.swapAt(store, high)
                if store == k { return }
                if k < store { high = store - 1 } else { low = store + 1 }
            }
        }
    }
}
