/// Order statistics without a full sort: Hoare's selection (quickselect) with a median-of-three
/// pivot, so a handful of percentiles of one trace cost O(n) instead of O(n log n).
enum OrderStatistics {
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

    /// NumPy's linear percentiles `qs` (each in [0, 1], ascending) of values without NaN.
    static func percentiles(_ values: [Double], _ qs: [Double]) -> [Double] {
        guard !values.isEmpty else { return qs.map { _ in .nan } }
        var buffer = values
        let n = buffer.count
        var positions: [Int] = []
        for q in qs {
            let position = q * Double(n - 1)
            positions.append(Int(position.rounded(.down)))
            positions.append(min(Int(position.rounded(.down)) + 1, n - 1))
        }
        // Select in ascending order of index; each selection leaves larger values to the right.
        var start = 0
        for index in Set(positions).sorted() {
            select(&buffer, index, in: start..<n)
            start = index
        }
        return qs.map { q in
            let position = q * Double(n - 1)
            let lower = Int(position.rounded(.down)), upper = min(lower + 1, n - 1)
            let fraction = position - Double(lower)
            return buffer[lower] + (buffer[upper] - buffer[lower]) * fraction
        }
    }
}
