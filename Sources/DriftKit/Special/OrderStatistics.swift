import ToolboxCore

/// Order statistics without a full sort: a three-way quickselect that recurses only into the
/// parts holding a requested rank (falling back to sorting a part that recursed too deep). For
/// large inputs the ranks are split between two threads, each selecting on its own copy.
enum OrderStatistics {
    /// The values of rank `ranks` (0-based) in ascending order of `values`; `ranks` need not be
    /// sorted or distinct. NaN must not occur.
    static func select(_ values: [Double], ranks: [Int]) -> [Double] {
        guard !values.isEmpty else { return [] }
        let wanted = Array(Set(ranks)).sorted()
        var found: [Int: Double] = [:]
        if values.count >= 200_000 && wanted.count >= 4 {
            let half = wanted.count / 2
            let groups = [Array(wanted[..<half]), Array(wanted[half...])]
            let parts = (try? Parallel.map(indices: 2) { selectSorted(values, ranks: groups[$0]) }) ?? groups.map { selectSorted(values, ranks: $0) }
            for part in parts { found.merge(part) { first, _ in first } }
        } else {
            found = selectSorted(values, ranks: wanted)
        }
        return ranks.map { found[$0]! }
    }

    /// The values of sorted, distinct ranks, on a copy of `values`.
    static func selectSorted(_ values: [Double], ranks: [Int]) -> [Int: Double] {
        var work = values
        var found: [Int: Double] = [:]
        work.withUnsafeMutableBufferPointer { buffer in
            var depthLimit = 2
            var size = buffer.count
            while size > 1 { size >>= 1; depthLimit += 2 }
            recurse(buffer, 0, buffer.count, ranks[...], depth: depthLimit, &found)
        }
        return found
    }

    private static func recurse(_ a: UnsafeMutableBufferPointer<Double>, _ low: Int, _ high: Int, _ ranks: ArraySlice<Int>,
                                depth: Int, _ found: inout [Int: Double]) {
        guard !ranks.isEmpty else { return }
        if high - low <= 32 || depth == 0 {
            var part = Array(a[low..<high])
            part.sort()
            for r in ranks { found[r] = part[r - low] }
            return
        }
        // Median of three as the pivot.
        let (x, y, z) = (a[low], a[(low + high) / 2], a[high - 1])
        let pivot = max(min(x, y), min(max(x, y), z))
        // Three-way partition: [low, lt) < pivot, [lt, i) == pivot, (gt, high) > pivot.
        var lt = low, i = low, gt = high - 1
        while i <= gt {
            let v = a[i]
            if v < pivot {
                a.swapAt(lt, i)
                lt += 1
                i += 1
            } else if v > pivot {
                a.swapAt(i, gt)
                gt -= 1
            } else {
                i += 1
            }
        }
        let below = ranks.prefix { $0 < lt }
        let equal = ranks.dropFirst(below.count).prefix { $0 <= gt }
        let above = ranks.dropFirst(below.count + equal.count)
        for r in equal { found[r] = pivot }
        recurse(a, low, lt, below, depth: depth - 1, &found)
        recurse(a, gt + 1, high, above, depth: depth - 1, &found)
    }
}
