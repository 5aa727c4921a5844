import Foundation
import ToolboxCore

/// How numeric values are cut into bins for the binned distances.
public enum Binning: Sendable, Hashable, Codable {
    /// `count` equal-width bins over the range of both samples together (NumPy's
    /// `histogram_bin_edges(concatenate([reference, current]), count)`): bin i holds
    /// edge[i] ≤ x < edge[i+1], the last bin also its right edge.
    case fixed(Int)
    /// `count` bins cut at the reference's quantiles i/count (NumPy's linear quantiles), open at
    /// both ends, so each holds about 1/count of the reference: bin i holds
    /// edge[i] ≤ x < edge[i+1] with edge[0] = −∞ and edge[count] = +∞.
    case quantile(Int)

    var count: Int {
        switch self {
        case .fixed(let count), .quantile(let count): count
        }
    }
}

/// Distances between a reference and a current distribution, as Evidently and scipy define them.
///
/// The binned ones (PSI, Kullback–Leibler, Jensen–Shannon, Hellinger) compare proportions: of
/// each bin for numbers (``Binning``), of each category (over the union of both samples'
/// categories) for text. PSI and Kullback–Leibler take logarithms of proportions, so an empty
/// bin's proportion is replaced by `epsilon` (1e-4, Evidently's value) in them; Jensen–Shannon and
/// Hellinger need no such replacement.
public enum Distance {
    /// The default epsilon for empty bins (Evidently's 0.0001).
    public static let defaultEpsilon = 1e-4

    /// The proportions of reference and current values in each bin.
    /// - Throws: `ToolboxError/Code/invalidData` for an empty sample or a NaN or infinite
    ///   value, `ToolboxError/Code/invalidParameter` for fewer than one bin.
    public static func binnedProportions(reference: [Double], current: [Double], binning: Binning = .quantile(10)) throws -> (reference: [Double], current: [Double]) {
        try validateSample(reference, name: "reference")
        try validateSample(current, name: "current")
        guard binning.count >= 1, binning.count <= 100_000 else {
            throw ToolboxError(.invalidParameter, "bins must be between 1 and 100000, got \(binning.count)", context: ErrorContext(parameter: "bins"))
        }
        let edges: [Double]
        switch binning {
        case .fixed(let count):
            var low = min(reference.min()!, current.min()!), high = max(reference.max()!, current.max()!)
            if low == high { low -= 0.5; high += 0.5 }
            let step = (high - low) / Double(count)
            edges = (0...count).map { $0 == count ? high : Double($0) * step + low }
        case .quantile(let count):
            edges = [-Double.infinity] + quantiles(reference, (1..<count).map { Double($0) / Double(count) }) + [Double.infinity]
        }
        return (try binShares(reference, edges: edges), try binShares(current, edges: edges))
    }

    /// The share of `values` in each bin edge[i] ≤ x < edge[i+1] (the top edge in the last
    /// bin), counted over blocks of values in parallel.
    static func binShares(_ values: [Double], edges: [Double]) throws -> [Double] {
        let bins = edges.count - 1
        let inner = Array(edges[1..<bins])
        let partials = try values.withUnsafeBufferPointer { buffer in
            let source = UnsafeSendable(buffer)
            return try Parallel.map(count: buffer.count, grain: 65_536) { range -> [Int] in
                var counts = [Int](repeating: 0, count: bins)
                let block = UnsafeBufferPointer(rebasing: source.value[range])
                if bins <= 64 {
                    // Few bins: one pass per inner edge over the block, counting the edges at or
                    // below each value (vectorizes), then one pass of counting.
                    var index = [Int](repeating: 0, count: block.count)
                    index.withUnsafeMutableBufferPointer { index in
                        for edge in inner {
                            for i in 0..<block.count { index[i] &+= block[i] >= edge ? 1 : 0 }
                        }
                        counts.withUnsafeMutableBufferPointer { counts in
                            for i in 0..<block.count { counts[index[i]] &+= 1 }
                        }
                    }
                    return counts
                }
                inner.withUnsafeBufferPointer { inner in
                    for value in block {
                        // The number of inner edges at or below the value.
                        var (low, high) = (0, inner.count)
                        while low < high {
                            let middle = (low + high) >> 1
                            if inner[middle] <= value { low = middle + 1 } else { high = middle }
                        }
                        counts[low] += 1
                    }
                }
                return counts
            }
        }
        var counts = [Int](repeating: 0, count: bins)
        for partial in partials { for b in 0..<bins { counts[b] += partial[b] } }
        return counts.map { Double($0) / Double(values.count) }
    }

    /// The proportions of each category (sorted union of both samples' categories).
    /// - Throws: `ToolboxError/Code/invalidData` when a sample has no values.
    public static func categoryProportions(reference: CategoryCounts, current: CategoryCounts) throws -> (categories: [String], reference: [Double], current: [Double]) {
        try ChiSquare.requireCounts(reference.total, current.total)
        let keys = CategoryCounts.union(reference, current)
        let (r, c) = (Double(reference.total), Double(current.total))
        return (keys, keys.map { Double(reference.counts[$0] ?? 0) / r }, keys.map { Double(current.counts[$0] ?? 0) / c })
    }

    /// NumPy's default (linear) quantiles of unsorted values, by selection rather than sorting
    /// (ToolboxCore's one implementation).
    static func quantiles(_ values: [Double], _ qs: [Double]) -> [Double] {
        Quantile.linear(selecting: values, qs)
    }

    /// NumPy's default (linear) quantile of sorted values.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        Quantile.linear(sorted, q)
    }

    /// Population stability index Σ (q − p)·ln(q/p) over bins, p the reference proportions and
    /// q the current ones, each 0 replaced by `epsilon`.
    public static func psi(referenceProportions p: [Double], currentProportions q: [Double], epsilon: Double = defaultEpsilon) -> Double {
        var total = 0.0
        for (a, b) in zip(p, q) {
            let (a, b) = (a == 0 ? epsilon : a, b == 0 ? epsilon : b)
            total += (b - a) * log(b / a)
        }
        return total
    }

    /// PSI of two numeric samples (10 reference-quantile bins unless told).
    public static func psi(reference: [Double], current: [Double], binning: Binning = .quantile(10), epsilon: Double = defaultEpsilon) throws -> Double {
        let (p, q) = try binnedProportions(reference: reference, current: current, binning: binning)
        return psi(referenceProportions: p, currentProportions: q, epsilon: epsilon)
    }

    /// Kullback–Leibler divergence Σ p·ln(p/q) of the reference from the current proportions,
    /// each 0 replaced by `epsilon` (Evidently's `kl_div`).
    public static func kullbackLeibler(referenceProportions p: [Double], currentProportions q: [Double], epsilon: Double = defaultEpsilon) -> Double {
        var total = 0.0
        for (a, b) in zip(p, q) {
            let (a, b) = (a == 0 ? epsilon : a, b == 0 ? epsilon : b)
            total += a * log(a / b)
        }
        return total
    }

    /// The Jensen–Shannon distance (the square root of the divergence, natural logarithm), as
    /// `scipy.spatial.distance.jensenshannon`: between 0 and √ln 2.
    public static func jensenShannon(referenceProportions p: [Double], currentProportions q: [Double]) -> Double {
        let (sp, sq) = (p.reduce(0, +), q.reduce(0, +))
        var total = 0.0
        for (a, b) in zip(p, q) {
            let (a, b) = (a / sp, b / sq)
            let m = (a + b) / 2
            if a > 0 { total += a * log(a / m) }
            if b > 0 { total += b * log(b / m) }
        }
        return max(total / 2, 0).squareRoot()
    }

    /// The Hellinger distance √(Σ(√p − √q)²)/√2, between 0 and 1.
    public static func hellinger(referenceProportions p: [Double], currentProportions q: [Double]) -> Double {
        var total = 0.0
        for (a, b) in zip(p, q) {
            let d = a.squareRoot() - b.squareRoot()
            total += d * d
        }
        return total.squareRoot() / 2.0.squareRoot()
    }

    /// The first Wasserstein (earth mover's) distance between two samples, as
    /// `scipy.stats.wasserstein_distance`: the area between their empirical CDFs.
    /// - Throws: `ToolboxError/Code/invalidData` for an empty sample or a NaN or infinite value.
    public static func wasserstein(_ reference: [Double], _ current: [Double]) throws -> Double {
        try validateSample(reference, name: "reference")
        try validateSample(current, name: "current")
        let (u, v) = try sortedPair(reference, current)
        return wassersteinSorted(u, v)
    }

    static func wassersteinSorted(_ u: [Double], _ v: [Double]) -> Double {
        let (nu, nv) = (Double(u.count), Double(v.count))
        var i = 0, j = 0
        var total = 0.0
        var previous = min(u[0], v[0])
        while i < u.count || j < v.count {
            let value = j >= v.count || (i < u.count && u[i] <= v[j]) ? u[i] : v[j]
            total += abs(Double(i) / nu - Double(j) / nv) * (value - previous)
            previous = value
            while i < u.count && u[i] == value { i += 1 }
            while j < v.count && v[j] == value { j += 1 }
        }
        return total
    }

    /// Evidently's normed Wasserstein distance: the distance divided by the reference's
    /// population standard deviation (at least 0.001, so a constant reference does not divide
    /// by zero).
    public static func normedWasserstein(_ reference: [Double], _ current: [Double]) throws -> Double {
        try validateSample(reference, name: "reference")
        try validateSample(current, name: "current")
        let (u, v) = try sortedPair(reference, current)
        return wassersteinSorted(u, v) / max(standardDeviation(u), 0.001)
    }

    /// The population standard deviation, in two passes.
    static func standardDeviation(_ values: [Double]) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
    }
}
