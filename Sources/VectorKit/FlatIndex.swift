import Foundation
import ToolboxCore

/// Exact search over every vector, as FAISS's `IndexFlatL2` / `IndexFlatIP` with an id map.
///
/// Batches of queries are scored against blocks of the database with BLAS `sgemm`
/// (‖q‖² + ‖x‖² − 2 q·x for L2), a top-k heap per query keeping the best; a few queries are
/// scored directly, without BLAS. Both run in parallel over blocks of queries.
///
/// ```swift
/// let index = try FlatIndex(dimension: 128, metric: .l2)
/// try index.add(vectors)                         // n × 128 Floats, ids 0..<n
/// let results = try index.search(queries, k: 10) // ids and squared distances per query
/// ```
public final class FlatIndex: VectorIndex, @unchecked Sendable {
    /// The vectors' dimension d.
    public let dimension: Int
    /// How vectors are compared: squared L2 distance or inner product.
    public let metric: Metric
    private let lock = ReadWriteLock()
    // Guarded by `lock`.
    private var vectors: [Float] = []
    private var ids: [Int64] = []
    private var norms: [Float] = []
    private var rowOfId: [Int64: Int] = [:]
    /// Bumped by every write; the group pruning belongs to one version.
    private var version = 0
    private let pruningLock = NSLock()
    private var pruning: (version: Int, structure: GroupPruning)?

    /// An empty index.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a dimension outside 1...65536.
    public init(dimension: Int, metric: Metric = .l2) throws {
        guard dimension >= 1, dimension <= 65_536 else {
            throw ToolboxError(.invalidParameter, "the dimension must be in 1...65536, got \(dimension)", context: ErrorContext(parameter: "dimension"))
        }
        self.dimension = dimension
        self.metric = metric
    }

    /// The number of vectors.
    public var count: Int { lock.read { ids.count } }

    /// Every id, in storage order.
    public var allIds: [Int64] { lock.read { ids } }

    /// Adds vectors; cosine indexes store them normalized.
    /// - Throws: `ToolboxError/Code/shapeMismatch` when the values are not whole vectors or
    ///   the ids do not match them, `ToolboxError/Code/invalidData` for a NaN or infinite value
    ///   (naming the row) or an id that is negative or already present.
    public func add(_ vectors: [Float], ids newIds: [Int64]? = nil) throws {
        try add(vectors, ids: newIds, normalize: true)
    }

    /// Adds vectors, normalizing them for a cosine index unless they are stored ones read back.
    func add(_ vectors: [Float], ids newIds: [Int64]?, normalize: Bool) throws {
        let n = try checkVectors(vectors, dimension: dimension, name: "vectors")
        let stored = metric == .cosine && normalize ? normalizedRows(vectors, dimension: dimension) : vectors
        try lock.write {
            let assigned = try VectorKit.newIds(newIds, count: n, next: ids.count) { rowOfId[$0] != nil }
            let start = ids.count
            self.vectors.append(contentsOf: stored)
            ids.append(contentsOf: assigned)
            stored.withUnsafeBufferPointer { norms.append(contentsOf: Kernels.squaredNorms($0.baseAddress!, rows: n, dimension: dimension)) }
            for (offset, id) in assigned.enumerated() { rowOfId[id] = start + offset }
            version += 1
        }
    }

    /// Removes the vectors with these ids (absent ids are ignored).
    /// - Returns: how many were removed.
    @discardableResult
    public func remove(ids removing: Set<Int64>) -> Int {
        lock.write {
            let keep = ids.indices.filter { !removing.contains(ids[$0]) }
            let removed = ids.count - keep.count
            guard removed > 0 else { return 0 }
            var kept = [Float]()
            kept.reserveCapacity(keep.count * dimension)
            for row in keep { kept.append(contentsOf: vectors[(row * dimension)..<((row + 1) * dimension)]) }
            vectors = kept
            ids = keep.map { ids[$0] }
            norms = keep.map { norms[$0] }
            rowOfId = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            version += 1
            return removed
        }
    }

    /// Replaces the vector stored under `id`.
    /// - Throws: `ToolboxError/Code/notFound` for an id not in the index; the errors of ``add(_:ids:)``.
    public func update(id: Int64, vector: [Float]) throws {
        _ = try checkVectors(vector, dimension: dimension, name: "vector")
        guard vector.count == dimension else {
            throw ToolboxError(.shapeMismatch, "one vector of \(dimension) values, got \(vector.count)", context: ErrorContext(parameter: "vector"))
        }
        let stored = metric == .cosine ? normalizedRows(vector, dimension: dimension) : vector
        try lock.write {
            guard let row = rowOfId[id] else { throw ToolboxError(.notFound, "no vector with id \(id)", context: ErrorContext(parameter: "id")) }
            vectors.replaceSubrange((row * dimension)..<((row + 1) * dimension), with: stored)
            norms[row] = stored.withUnsafeBufferPointer { Kernels.dot($0.baseAddress!, $0.baseAddress!, dimension) }
            version += 1
        }
    }

    /// The stored vector of `id` (normalized for a cosine index).
    /// - Throws: `ToolboxError/Code/notFound` for an id not in the index.
    public func reconstruct(id: Int64) throws -> [Float] {
        try lock.read {
            guard let row = rowOfId[id] else { throw ToolboxError(.notFound, "no vector with id \(id)", context: ErrorContext(parameter: "id")) }
            return Array(vectors[(row * dimension)..<((row + 1) * dimension)])
        }
    }

    /// The k nearest stored vectors to each query.
    /// - Throws: `ToolboxError/Code/shapeMismatch` for queries that are not whole vectors,
    ///   `ToolboxError/Code/invalidData` for a NaN or infinite value,
    ///   `ToolboxError/Code/invalidParameter` for k < 1 or k larger than the index.
    /// - Complexity: O(nq · n · d) multiply-adds, in `sgemm` for batches.
    public func search(_ queries: [Float], k: Int, filter: SearchFilter? = nil) throws -> SearchResults {
        let nq = try checkVectors(queries, dimension: dimension, name: "queries")
        let q = metric == .cosine ? normalizedRows(queries, dimension: dimension) : queries
        return try lock.read {
            guard k >= 1, k <= ids.count else {
                throw ToolboxError(.invalidParameter, "k must be in 1...\(ids.count) (the vectors in the index), got \(k)", context: ErrorContext(parameter: "k"))
            }
            // Unit vectors rank by L2 as by cosine (‖q − x‖² = 2 − 2 cos), so cosine prunes too.
            // Inner products rank as L2 does after the usual lift of x to (x, √(M² − ‖x‖²)) and
            // q to (q, 0); the k found are then scored by their inner products exactly.
            if filter == nil, nq >= 16, ids.count >= GroupPruning.minimumVectors, let pruning = try currentPruning(), pruning.effective {
                switch metric {
                case .l2:
                    return try pruning.search(q, nq: nq, k: k).results
                case .cosine:
                    var results = try pruning.search(q, nq: nq, k: k).results
                    results.scores = results.scores.map { 1 - $0 / 2 }
                    return results
                case .innerProduct:
                    var lifted = [Float]()
                    lifted.reserveCapacity(nq * (dimension + 1))
                    for i in 0..<nq {
                        lifted.append(contentsOf: q[(i * dimension)..<((i + 1) * dimension)])
                        lifted.append(0)
                    }
                    let found = try pruning.search(lifted, nq: nq, k: k).results
                    var results = found
                    vectors.withUnsafeBufferPointer { x in
                        q.withUnsafeBufferPointer { queries in
                            for i in 0..<nq {
                                var pairs: [(score: Float, id: Int64)] = []
                                for slot in (i * k)..<((i + 1) * k) where found.ids[slot] >= 0 {
                                    let row = rowOfId[found.ids[slot]]!
                                    pairs.append((Kernels.dot(queries.baseAddress! + i * dimension, x.baseAddress! + row * dimension, dimension), found.ids[slot]))
                                }
                                pairs.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
                                for (offset, pair) in pairs.enumerated() {
                                    results.scores[i * k + offset] = pair.score
                                    results.ids[i * k + offset] = pair.id
                                }
                            }
                        }
                    }
                    return results
                }
            }
            return try Self.search(q, nq: nq, k: k, filter: filter, vectors: vectors, ids: ids, norms: norms, dimension: dimension, metric: metric)
        }
    }

    /// Whether searches of the current contents prune groups (known after a first large batch).
    var usesPruning: Bool {
        pruningLock.lock()
        defer { pruningLock.unlock() }
        return pruning?.structure.effective ?? false
    }

    /// The group pruning of the current contents, built on first need (under the read lock).
    private func currentPruning() throws -> GroupPruning? {
        pruningLock.lock()
        defer { pruningLock.unlock() }
        if let pruning, pruning.version == version { return pruning.structure }
        var structure: GroupPruning
        if metric == .innerProduct {
            // The lift to d + 1 dimensions that turns largest inner product into nearest point.
            let largest = norms.max() ?? 0
            var lifted = [Float]()
            lifted.reserveCapacity(ids.count * (dimension + 1))
            for row in 0..<ids.count {
                lifted.append(contentsOf: vectors[(row * dimension)..<((row + 1) * dimension)])
                lifted.append(max(0, largest - norms[row]).squareRoot())
            }
            structure = try GroupPruning.build(vectors: lifted, ids: ids, dimension: dimension + 1)
        } else {
            structure = try GroupPruning.build(vectors: vectors, ids: ids, dimension: dimension)
        }
        pruning = (version, structure)
        return structure
    }

    /// Every stored vector within `radius` of each query: squared L2 distance below it, or
    /// inner product / cosine similarity above it (FAISS's convention), nearest first.
    public func rangeSearch(_ queries: [Float], radius: Float, filter: SearchFilter? = nil) throws -> [[(id: Int64, score: Float)]] {
        let nq = try checkVectors(queries, dimension: dimension, name: "queries")
        guard radius.isFinite else { throw ToolboxError(.invalidParameter, "the radius must be finite", context: ErrorContext(parameter: "radius")) }
        let q = metric == .cosine ? normalizedRows(queries, dimension: dimension) : queries
        return try lock.read {
            let (d, metric) = (dimension, self.metric)
            let data = UnsafeSendable((vectors, ids, q))
            return try Parallel.map(indices: nq) { i in
                let (vectors, ids, q) = data.value
                var hits: [(id: Int64, score: Float)] = []
                vectors.withUnsafeBufferPointer { v in
                    q.withUnsafeBufferPointer { q in
                        let query = q.baseAddress! + i * d
                        for row in 0..<ids.count where filter?.accepts(ids[row]) ?? true {
                            let x = v.baseAddress! + row * d
                            let score = metric == .l2 ? Kernels.squaredDistance(query, x, d) : Kernels.dot(query, x, d)
                            if metric == .l2 ? score < radius : score > radius { hits.append((ids[row], score)) }
                        }
                    }
                }
                return hits.sorted { metric.largerIsNearer ? $0.score > $1.score : $0.score < $1.score }
            }
        }
    }

    /// Queries per parallel chunk: single queries when there are a few, otherwise about a
    /// sixteenth of them (at least one query block), so chunks reuse their buffers.
    static func chunkSize(_ nq: Int) -> Int {
        if nq < 8 { return 1 }
        return max(queryBlock, ((nq + 15) / 16 + queryBlock - 1) / queryBlock * queryBlock)
    }

    /// Rows of queries scored together against a block of the database.
    static let queryBlock = 512
    static let databaseBlock = 2_048

    static func search(_ queries: [Float], nq: Int, k: Int, filter: SearchFilter?, vectors: [Float], ids: [Int64], norms: [Float],
                       dimension d: Int, metric: Metric) throws -> SearchResults {
        let n = ids.count
        let largerIsBetter = metric.largerIsNearer
        if nq >= 32 && n >= 8 * databaseBlock {
            return try searchByDatabaseParts(queries, nq: nq, k: k, filter: filter, vectors: vectors, ids: ids, norms: norms, dimension: d, metric: metric)
        }
        var outIds = [Int64](repeating: -1, count: nq * k)
        var outScores = [Float](repeating: metric.missingScore, count: nq * k)
        let shared = UnsafeSendable((queries, vectors, ids, norms))
        let grain = chunkSize(nq)
        let blocks = try Parallel.map(count: nq, grain: grain) { range -> (heaps: TopKBlock, shifts: [Float]) in
            let (queries, vectors, ids, norms) = shared.value
            var heaps = TopKBlock(rows: range.count, k: k, largerIsBetter: largerIsBetter)
            var shifts = [Float](repeating: 0, count: range.count)
            queries.withUnsafeBufferPointer { q in
                vectors.withUnsafeBufferPointer { x in
                    ids.withUnsafeBufferPointer { ids in
                        norms.withUnsafeBufferPointer { norms in
                            if range.count < 4 {
                                // A few queries: score directly.
                                for (slot, i) in range.enumerated() {
                                    let query = q.baseAddress! + i * d
                                    for row in 0..<n {
                                        let score = metric == .l2 ? Kernels.squaredDistance(query, x.baseAddress! + row * d, d)
                                            : Kernels.dot(query, x.baseAddress! + row * d, d)
                                        if heaps.better(score, than: heaps.bar(slot)) || heaps.counts[slot] < k,
                                           filter?.accepts(ids[row]) ?? true {
                                            heaps.push(slot, score, ids[row])
                                        }
                                    }
                                }
                                return
                            }
                            // Sub-blocks of queries share one tile, allocated once per chunk.
                            var tile = [Float](repeating: 0, count: min(queryBlock, range.count) * min(databaseBlock, n))
                            tile.withUnsafeMutableBufferPointer { tile in
                                for subStart in stride(from: range.lowerBound, to: range.upperBound, by: queryBlock) {
                                    let rows = min(queryBlock, range.upperBound - subStart)
                                    var start = 0
                                    while start < n {
                                        let width = min(databaseBlock, n - start)
                                        Kernels.productTransposed(q.baseAddress! + subStart * d, rows, x.baseAddress! + start * d, width, d, into: tile.baseAddress!)
                                        for r in 0..<rows {
                                            heaps.offer(subStart - range.lowerBound + r, products: tile.baseAddress! + r * width,
                                                        norms: metric == .l2 ? norms.baseAddress! + start : nil, ids: ids.baseAddress! + start,
                                                        width: width, filter: filter)
                                        }
                                        start += width
                                    }
                                }
                            }
                            if metric == .l2 {
                                for (slot, i) in range.enumerated() { shifts[slot] = Kernels.dot(q.baseAddress! + i * d, q.baseAddress! + i * d, d) }
                            }
                        }
                    }
                }
            }
            return (heaps, shifts)
        }
        let ranges = Parallel.chunks(count: nq, grain: grain)
        for (range, block) in zip(ranges, blocks) {
            // The tile path ranks L2 by ‖x‖² − 2 q·x: add ‖q‖² back (and clamp rounding at 0).
            let shifted = metric == .l2 && range.count >= 4
            for (slot, i) in range.enumerated() {
                block.heaps.write(slot, scores: &outScores, ids: &outIds, at: i * k, adding: block.shifts[slot], clampAtZero: shifted)
            }
        }
        return SearchResults(queries: nq, k: k, ids: outIds, scores: outScores)
    }

    /// Large batches: the database is cut into eight parts searched in parallel, each against
    /// every query (so each database block is packed for BLAS once, not once per block of
    /// queries); each part keeps a heap per query, and the parts' heaps are merged in order.
    static func searchByDatabaseParts(_ queries: [Float], nq: Int, k: Int, filter: SearchFilter?, vectors: [Float], ids: [Int64], norms: [Float],
                                      dimension d: Int, metric: Metric) throws -> SearchResults {
        let n = ids.count
        let largerIsBetter = metric.largerIsNearer
        let isL2 = metric == .l2
        let block = 1_024, rowsPerCall = 1_024
        let part = (n + 7) / 8
        let shared = UnsafeSendable((queries, vectors, ids, norms))
        let partials = try Parallel.map(count: n, grain: part) { range -> TopKBlock in
            let (queries, vectors, ids, norms) = shared.value
            var heaps = TopKBlock(rows: nq, k: k, largerIsBetter: largerIsBetter)
            let tileCount = min(rowsPerCall, nq) * block
            var tile = [Float](unsafeUninitializedCapacity: tileCount) { _, count in count = tileCount }
            queries.withUnsafeBufferPointer { q in
                vectors.withUnsafeBufferPointer { x in
                    ids.withUnsafeBufferPointer { ids in
                        norms.withUnsafeBufferPointer { norms in
                            tile.withUnsafeMutableBufferPointer { tile in
                                for queryStart in stride(from: 0, to: nq, by: rowsPerCall) {
                                    let rows = min(rowsPerCall, nq - queryStart)
                                    var start = range.lowerBound
                                    while start < range.upperBound {
                                        let width = min(block, range.upperBound - start)
                                        Kernels.productTransposed(q.baseAddress! + queryStart * d, rows, x.baseAddress! + start * d, width, d, into: tile.baseAddress!)
                                        for r in 0..<rows {
                                            heaps.offer(queryStart + r, products: tile.baseAddress! + r * width, norms: isL2 ? norms.baseAddress! + start : nil,
                                                        ids: ids.baseAddress! + start, width: width, filter: filter)
                                        }
                                        start += width
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return heaps
        }
        var merged = TopKBlock(rows: nq, k: k, largerIsBetter: largerIsBetter)
        for partial in partials { merged.merge(partial) }
        return queries.withUnsafeBufferPointer { merged.results(queries: $0, dimension: d, metric: metric) }
    }

    /// The stored state, for saving.
    var snapshot: (vectors: [Float], ids: [Int64]) { lock.read { (vectors, ids) } }
}
