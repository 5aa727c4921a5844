import Foundation
import ToolboxCore

/// Exact L2 search that skips most of the database on clustered data. The vectors are grouped
/// by k-means (k-means++ start); each group keeps its centroid and radius (the largest distance
/// of a member to it, in Double, with a margin). A batch of queries is searched in two passes,
/// each scoring every group against the queries that need it with small `sgemm` calls:
/// 1. each query's three nearest groups, which gives it a k-th distance τ;
/// 2. every other group whose triangle-inequality bound max(0, ‖q − c‖ − r)² is at most τ
///    (with margins for float rounding).
/// A vector among a query's k nearest lies within τ, so its group passes the bound: the results
/// are the brute-force top-k.
///
/// Built once per version of the index's contents and kept only when a trial on sample queries
/// scores under a third of the vectors; otherwise the flat index searches by brute force.
struct GroupPruning: @unchecked Sendable {
    let dimension: Int
    let groups: Int
    let centroids: [Float]
    let centroidNorms: [Float]
    let radii: [Double]
    let starts: [Int]
    let vectors: [Float]
    let norms: [Float]
    let ids: [Int64]
    let largestNorm: Double
    var effective = false

    static let minimumVectors = 32_768
    static let firstPass = 3

    static func build(vectors: [Float], ids: [Int64], dimension d: Int) throws -> GroupPruning {
        let n = ids.count
        let groups = max(16, min(4_096, n / 256))
        let trained = try KMeans(k: groups, iterations: 6, seed: 0x5EED, initialization: .kmeansPlusPlus, maxPointsPerCentroid: 64)
            .train(vectors, dimension: d)
        let centroids = trained.centroids
        let centroidNorms = centroids.withUnsafeBufferPointer { Kernels.squaredNorms($0.baseAddress!, rows: groups, dimension: d) }
        let assignment = try FlatIndex.search(vectors, nq: n, k: 1, filter: nil, vectors: centroids, ids: (0..<groups).map(Int64.init),
                                              norms: centroidNorms, dimension: d, metric: .l2)
        var starts = [Int](repeating: 0, count: groups + 1)
        for row in 0..<n { starts[Int(assignment.ids[row]) + 1] += 1 }
        for g in 0..<groups { starts[g + 1] += starts[g] }
        var next = starts
        var order = [Int](repeating: 0, count: n)
        for row in 0..<n {
            let g = Int(assignment.ids[row])
            order[next[g]] = row
            next[g] += 1
        }
        var grouped = [Float]()
        grouped.reserveCapacity(n * d)
        for row in order { grouped.append(contentsOf: vectors[(row * d)..<((row + 1) * d)]) }
        let norms = grouped.withUnsafeBufferPointer { Kernels.squaredNorms($0.baseAddress!, rows: n, dimension: d) }
        var radii = [Double](repeating: 0, count: groups)
        grouped.withUnsafeBufferPointer { x in
            centroids.withUnsafeBufferPointer { c in
                for g in 0..<groups {
                    for position in starts[g]..<starts[g + 1] {
                        var sum = 0.0
                        for j in 0..<d {
                            let difference = Double(x[position * d + j]) - Double(c[g * d + j])
                            sum += difference * difference
                        }
                        radii[g] = max(radii[g], sum.squareRoot())
                    }
                }
            }
        }
        var pruning = GroupPruning(dimension: d, groups: groups, centroids: centroids, centroidNorms: centroidNorms,
                                   radii: radii.map { $0 * (1 + 1e-5) + 1e-6 }, starts: starts, vectors: grouped, norms: norms,
                                   ids: order.map { ids[$0] }, largestNorm: Double(norms.max() ?? 0))
        let sample = Array(stride(from: 0, to: n, by: max(1, n / 64)).prefix(64).flatMap { row in vectors[(row * d)..<((row + 1) * d)] })
        let visited = try pruning.search(sample, nq: sample.count / d, k: min(10, n)).visited
        pruning.effective = Double(visited) < Double(n) * Double(sample.count / d) / 3
        return pruning
    }

    /// Scores each group against the queries listed for it, into `heaps` (scores ‖x‖² − 2 q·x).
    private func score(_ queries: UnsafeBufferPointer<Float>, lists: [[Int32]], k: Int, into heaps: inout TopKBlock) throws {
        let d = dimension
        let nq = heaps.counts.count
        let shared = UnsafeSendable(queries)
        let partials = try Parallel.map(count: groups, grain: max(1, (groups + 7) / 8)) { range -> TopKBlock in
            let q = shared.value
            var block = TopKBlock(rows: nq, k: k, largerIsBetter: false)
            let (queryBlock, vectorBlock) = (64, 256)
            var gathered = [Float](repeating: 0, count: queryBlock * d)
            var tile = [Float](repeating: 0, count: queryBlock * vectorBlock)
            vectors.withUnsafeBufferPointer { x in
                for g in range where !lists[g].isEmpty && starts[g + 1] > starts[g] {
                    let members = lists[g]
                    var first = 0
                    while first < members.count {
                        let m = min(queryBlock, members.count - first)
                        gathered.withUnsafeMutableBufferPointer { buffer in
                            for r in 0..<m { (buffer.baseAddress! + r * d).update(from: q.baseAddress! + Int(members[first + r]) * d, count: d) }
                        }
                        var start = starts[g]
                        while start < starts[g + 1] {
                            let width = min(vectorBlock, starts[g + 1] - start)
                            gathered.withUnsafeBufferPointer { buffer in
                                tile.withUnsafeMutableBufferPointer { t in
                                    Kernels.productTransposed(buffer.baseAddress!, m, x.baseAddress! + start * d, width, d, into: t.baseAddress!)
                                }
                            }
                            for r in 0..<m {
                                let query = Int(members[first + r])
                                var bar = block.bar(query)
                                for j in 0..<width {
                                    let score = norms[start + j] - 2 * tile[r * width + j]
                                    if score < bar || block.counts[query] < k || score == bar {
                                        block.push(query, score, ids[start + j])
                                        bar = block.bar(query)
                                    }
                                }
                            }
                            start += width
                        }
                        first += m
                    }
                }
            }
            return block
        }
        for partial in partials {
            for query in 0..<nq {
                for slot in 0..<partial.counts[query] {
                    heaps.push(query, partial.scores[query * k + slot], partial.ids[query * k + slot])
                }
            }
        }
    }

    /// The k nearest (squared L2) to each query, and how many (query, vector) pairs were scored.
    func search(_ queries: [Float], nq: Int, k: Int) throws -> (results: SearchResults, visited: Int) {
        let d = dimension
        var heaps = TopKBlock(rows: nq, k: k, largerIsBetter: false)
        var visited = 0
        var results: SearchResults?
        try queries.withUnsafeBufferPointer { q in
            // Squared distances to the centroids (rounded as Double sums of Float products).
            var products = [Float](repeating: 0, count: nq * groups)
            products.withUnsafeMutableBufferPointer { p in
                centroids.withUnsafeBufferPointer { c in
                    Kernels.productTransposed(q.baseAddress!, nq, c.baseAddress!, groups, d, into: p.baseAddress!)
                }
            }
            let queryNorms = (0..<nq).map { Double(Kernels.dot(q.baseAddress! + $0 * d, q.baseAddress! + $0 * d, d)) }
            func centroidDistance(_ i: Int, _ g: Int) -> Double {
                queryNorms[i] + Double(centroidNorms[g]) - 2 * Double(products[i * groups + g])
            }
            // Pass 1: the nearest groups of each query.
            var firstLists = [[Int32]](repeating: [], count: groups)
            var visitedFirst = [[Int32]](repeating: [], count: nq)
            for i in 0..<nq {
                // The few nearest by a linear scan (smaller index on ties).
                var nearest: [(distance: Double, group: Int)] = []
                for g in 0..<groups {
                    let distance = centroidDistance(i, g)
                    if nearest.count < Self.firstPass || distance < nearest[nearest.count - 1].distance {
                        nearest.append((distance, g))
                        nearest.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.group < $1.group) }
                        if nearest.count > Self.firstPass { nearest.removeLast() }
                    }
                }
                for (_, g) in nearest {
                    firstLists[g].append(Int32(i))
                    visitedFirst[i].append(Int32(g))
                }
            }
            try score(q, lists: firstLists, k: k, into: &heaps)
            // Pass 2: every other group that could hold one of the k nearest.
            var secondLists = [[Int32]](repeating: [], count: groups)
            for i in 0..<nq {
                let full = heaps.counts[i] == k
                let scoreRounding = 1e-5 * (queryNorms[i] + largestNorm) + 1e-6
                let tau = full ? Double(heaps.bar(i)) + queryNorms[i] + scoreRounding : .infinity
                for g in 0..<groups where !visitedFirst[i].contains(Int32(g)) {
                    let squared = centroidDistance(i, g)
                    let slack = 1e-5 * (queryNorms[i] + Double(centroidNorms[g])) + 1e-6
                    let gap = max(0, max(0, squared - slack).squareRoot() - radii[g])
                    if gap * gap <= tau * (1 + 1e-5) + 1e-6 { secondLists[g].append(Int32(i)) }
                }
            }
            try score(q, lists: secondLists, k: k, into: &heaps)
            for g in 0..<groups { visited += (firstLists[g].count + secondLists[g].count) * (starts[g + 1] - starts[g]) }
            var outIds = [Int64](repeating: -1, count: nq * k)
            var outScores = [Float](repeating: .infinity, count: nq * k)
            for i in 0..<nq {
                heaps.write(i, scores: &outScores, ids: &outIds, at: i * k, adding: Float(queryNorms[i]), clampAtZero: true)
            }
            results = SearchResults(queries: nq, k: k, ids: outIds, scores: outScores)
        }
        return (results!, visited)
    }
}
