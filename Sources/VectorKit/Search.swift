import ToolboxCore

/// How vectors are compared.
///
/// Vectors are `Float`, stored as one row-major buffer of n × d values, as FAISS stores them.
public enum Metric: String, Sendable, Hashable, Codable, CaseIterable {
    /// Squared Euclidean distance (as FAISS reports it; smaller is nearer).
    case l2
    /// Inner product (larger is nearer).
    case innerProduct = "ip"
    /// Cosine similarity (larger is nearer): vectors are normalized to unit length when added
    /// and queries when searched, then compared by inner product.
    case cosine

    /// Whether a larger score is nearer.
    public var largerIsNearer: Bool { self != .l2 }

    /// The score a missing result carries (FAISS's padding): +∞ for L2, −∞ otherwise.
    public var missingScore: Float { largerIsNearer ? -.infinity : .infinity }
}

/// Which vectors a search may return.
public enum SearchFilter: Sendable {
    /// Only these ids.
    case only(Set<Int64>)
    /// Any id but these.
    case excluding(Set<Int64>)
    /// The ids the predicate accepts.
    case predicate(@Sendable (Int64) -> Bool)

    @inline(__always)
    func accepts(_ id: Int64) -> Bool {
        switch self {
        case .only(let ids): ids.contains(id)
        case .excluding(let ids): !ids.contains(id)
        case .predicate(let accept): accept(id)
        }
    }
}

/// The k nearest neighbours of each query, row-major (query i's results at i·k ..< (i+1)·k),
/// nearest first; missing results (fewer than k vectors pass) have id −1 and
/// ``Metric/missingScore``, as FAISS pads them.
public struct SearchResults: Sendable, Hashable {
    /// The number of queries.
    public let queries: Int
    /// Results per query.
    public let k: Int
    /// The neighbours' ids, queries × k, −1 where fewer than k were found.
    public var ids: [Int64]
    /// The neighbours' squared distances (L2) or inner products, in the order of ``ids``.
    public var scores: [Float]

    /// Query `i`'s (id, score) pairs, nearest first, without padding.
    public func neighbours(of i: Int) -> [(id: Int64, score: Float)] {
        (i * k..<(i + 1) * k).compactMap { ids[$0] >= 0 ? (ids[$0], scores[$0]) : nil }
    }
}

/// A vector index: add vectors with 64-bit ids, search the k nearest.
///
/// Thread safety: searches may run concurrently with each other; adding, removing and
/// updating are exclusive (they wait for searches to finish, and searches wait for them).
public protocol VectorIndex: AnyObject, Sendable {
    /// The vectors' dimension d.
    var dimension: Int { get }
    /// How vectors are compared: squared L2 distance or inner product.
    var metric: Metric { get }
    /// The number of vectors.
    var count: Int { get }
    /// Adds n vectors (n × d values) with their ids (0, 1, 2, ... after the current count when
    /// `nil`).
    func add(_ vectors: [Float], ids: [Int64]?) throws
    /// The k nearest vectors to each of the nq queries (nq × d values).
    func search(_ queries: [Float], k: Int, filter: SearchFilter?) throws -> SearchResults
}

extension VectorIndex {
    /// The k nearest vectors to each query, without a filter.
    public func search(_ queries: [Float], k: Int) throws -> SearchResults { try search(queries, k: k, filter: nil) }

    /// Adds vectors with ids 0, 1, 2, ... after the current count.
    public func add(_ vectors: [Float]) throws { try add(vectors, ids: nil) }
}

/// The largest squared norm a vector may have: a quarter of float32's range, so that every
/// squared L2 distance (at most 2‖x‖² + 2‖y‖²) and inner product between accepted vectors is
/// finite in float32. FAISS computes such distances as infinity or NaN and then misses exact
/// matches; here the vectors are refused instead, naming the row.
let largestSquaredNorm = Double(Float.greatestFiniteMagnitude) / 4

/// Checks a buffer of vectors: a whole number of rows of `dimension`, every value finite, and
/// every squared norm at most ``largestSquaredNorm``.
/// - Returns: the number of rows.
func checkVectors(_ values: [Float], dimension: Int, name: String) throws -> Int {
    guard dimension > 0, values.count % dimension == 0 else {
        throw ToolboxError(.shapeMismatch, "\(name) holds \(values.count) values, not a whole number of \(dimension)-dimensional vectors",
                           context: ErrorContext(parameter: name))
    }
    let rows = values.count / dimension
    let bad: Int? = values.withUnsafeBufferPointer { buffer in
        for row in 0..<rows {
            var sum = 0.0
            let start = row * dimension
            for j in start..<(start + dimension) { sum += Double(buffer[j]) * Double(buffer[j]) }
            // NaN and infinity fail this too.
            if !(sum <= largestSquaredNorm) { return row }
        }
        return nil
    }
    if let row = bad {
        let slice = values[(row * dimension)..<((row + 1) * dimension)]
        if let index = slice.firstIndex(where: { !$0.isFinite }) {
            throw ToolboxError(.invalidData, "\(name) row \(row) holds \(values[index]) at column \(index % dimension)",
                               context: ErrorContext(column: String(index % dimension), row: row, parameter: name))
        }
        let norm = slice.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        throw ToolboxError(.invalidData,
                           "\(name) row \(row) has norm \(norm), beyond \(largestSquaredNorm.squareRoot()): its float32 distances would overflow; scale the vectors down",
                           context: ErrorContext(row: row, parameter: name))
    }
    return rows
}

/// The ids of n vectors being added: the given ones, or `next`, `next + 1`, ... — checked to be
/// n, non-negative, distinct, and not `taken` already.
func newIds(_ given: [Int64]?, count n: Int, next: Int, taken: (Int64) -> Bool) throws -> [Int64] {
    let assigned = given ?? (0..<n).map { Int64(next + $0) }
    guard assigned.count == n else {
        throw ToolboxError(.shapeMismatch, "\(assigned.count) ids for \(n) vectors", context: ErrorContext(parameter: "ids"))
    }
    var seen = Set<Int64>()
    for (row, id) in assigned.enumerated() where id < 0 || taken(id) || !seen.insert(id).inserted {
        throw ToolboxError(.invalidData, "id \(id) (row \(row)) is \(id < 0 ? "negative" : "already in the index")",
                           context: ErrorContext(row: row, parameter: "ids"))
    }
    return assigned
}

/// Each row scaled to unit length (zero rows stay zero).
func normalizedRows(_ values: [Float], dimension d: Int) -> [Float] {
    var out = values
    out.withUnsafeMutableBufferPointer { buffer in
        for row in 0..<(buffer.count / d) {
            var sum: Float = 0
            for j in 0..<d { sum += buffer[row * d + j] * buffer[row * d + j] }
            guard sum > 0 else { continue }
            let scale = 1 / sum.squareRoot()
            for j in 0..<d { buffer[row * d + j] *= scale }
        }
    }
    return out
}

/// The best k (score, id) pairs of each of a block of queries, each kept as a heap whose root is
/// the worst kept, in flat storage (row r's heap at r·k ..< (r+1)·k): a block of many queries
/// costs three allocations, not two per query.
struct TopKBlock {
    let k: Int
    let largerIsBetter: Bool
    var scores: [Float]
    var ids: [Int64]
    var counts: [Int]

    init(rows: Int, k: Int, largerIsBetter: Bool) {
        self.k = k
        self.largerIsBetter = largerIsBetter
        scores = [Float](repeating: largerIsBetter ? -.infinity : .infinity, count: rows * k)
        ids = [Int64](repeating: -1, count: rows * k)
        counts = [Int](repeating: 0, count: rows)
    }

    @inline(__always) func bar(_ row: Int) -> Float {
        counts[row] < k ? (largerIsBetter ? -.infinity : .infinity) : scores[row * k]
    }

    @inline(__always) func better(_ a: Float, than b: Float) -> Bool { largerIsBetter ? a > b : a < b }

    /// Offers a candidate to row `row`'s heap: kept while the heap has room, then only when
    /// better than the worst kept (on equal scores, the smaller id wins).
    mutating func push(_ row: Int, _ score: Float, _ id: Int64) {
        let (base, k, larger, count) = (row * k, self.k, largerIsBetter, counts[row])
        var added = false
        scores.withUnsafeMutableBufferPointer { s in
            ids.withUnsafeMutableBufferPointer { i in
                func worse(_ a: Int, _ b: Int) -> Bool {
                    s[base + a] == s[base + b] ? i[base + a] > i[base + b] : (larger ? s[base + b] > s[base + a] : s[base + b] < s[base + a])
                }
                func swap(_ a: Int, _ b: Int) {
                    s.swapAt(base + a, base + b)
                    i.swapAt(base + a, base + b)
                }
                if count < k {
                    s[base + count] = score
                    i[base + count] = id
                    var child = count
                    while child > 0 {
                        let parent = (child - 1) / 2
                        guard worse(child, parent) else { break }
                        swap(child, parent)
                        child = parent
                    }
                    added = true
                    return
                }
                let better = larger ? score > s[base] : score < s[base]
                guard better || (score == s[base] && id < i[base]) else { return }
                s[base] = score
                i[base] = id
                var parent = 0
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var top = parent
                    if left < k && worse(left, top) { top = left }
                    if right < k && worse(right, top) { top = right }
                    if top == parent { break }
                    swap(parent, top)
                    parent = top
                }
            }
        }
        if added { counts[row] = count + 1 }
    }

    /// Offers row `row` the `width` candidates of one tile row: scores are `products[j]`, or
    /// for L2 (`norms` given) ‖x‖² − 2·`products[j]`; ids `ids[j]`. Sixteen candidates at a time
    /// are compared with the heap's bar; only those that beat it (and pass the filter) reach the
    /// heap.
    mutating func offer(_ row: Int, products: UnsafePointer<Float>, norms: UnsafePointer<Float>?, ids: UnsafePointer<Int64>,
                        width: Int, filter: SearchFilter?) {
        let isL2 = norms != nil
        let rowBase = UnsafeRawPointer(products)
        var bar = self.bar(row)
        var j = 0
        while j < width {
            let lanes = min(16, width - j)
            var scores = SIMD16<Float>(repeating: isL2 ? .infinity : -.infinity)
            if lanes == 16 {
                let values = rowBase.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                if let norms {
                    scores = UnsafeRawPointer(norms).loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self) - 2 * values
                } else {
                    scores = values
                }
            } else {
                for lane in 0..<lanes { scores[lane] = norms.map { $0[j + lane] - 2 * products[j + lane] } ?? products[j + lane] }
            }
            let barVector = SIMD16<Float>(repeating: bar)
            let beats = isL2 ? scores .<= barVector : scores .>= barVector
            if any(beats) {
                for lane in 0..<lanes where beats[lane] {
                    let score = scores[lane]
                    guard better(score, than: bar) || (score == bar) || counts[row] < k else { continue }
                    guard filter?.accepts(ids[j + lane]) ?? true else { continue }
                    push(row, score, ids[j + lane])
                    bar = self.bar(row)
                }
            }
            j += 16
        }
    }

    /// Offers every pair kept in `other` (the same rows) to this block.
    mutating func merge(_ other: TopKBlock) {
        for row in 0..<counts.count {
            for slot in 0..<other.counts[row] { push(row, other.scores[row * k + slot], other.ids[row * k + slot]) }
        }
    }

    /// The search results of these heaps, nearest first; for L2 (scores ‖x‖² − 2 q·x) each
    /// query's ‖q‖² is added back and rounding below 0 clamped.
    func results(queries: UnsafeBufferPointer<Float>, dimension d: Int, metric: Metric) -> SearchResults {
        let nq = counts.count
        var outIds = [Int64](repeating: -1, count: nq * k)
        var outScores = [Float](repeating: metric.missingScore, count: nq * k)
        let isL2 = metric == .l2
        for i in 0..<nq {
            let queryNorm = isL2 ? Kernels.dot(queries.baseAddress! + i * d, queries.baseAddress! + i * d, d) : 0
            write(i, scores: &outScores, ids: &outIds, at: i * k, adding: queryNorm, clampAtZero: isL2)
        }
        return SearchResults(queries: nq, k: k, ids: outIds, scores: outScores)
    }

    /// Row `row`'s pairs, best first, padded to k, written at `scoresOut[offset...]`.
    func write(_ row: Int, scores scoresOut: inout [Float], ids idsOut: inout [Int64], at offset: Int, adding shift: Float = 0, clampAtZero: Bool = false) {
        let base = row * k, count = counts[row]
        // Copy the heap, then insertion-sort the k slots in place (no allocation per row).
        for slot in 0..<count {
            let value = scores[base + slot] + shift
            scoresOut[offset + slot] = clampAtZero ? max(0, value) : value
            idsOut[offset + slot] = ids[base + slot]
        }
        var i = 1
        while i < count {
            let (score, id) = (scoresOut[offset + i], idsOut[offset + i])
            var j = i - 1
            while j >= 0 {
                let (other, otherId) = (scoresOut[offset + j], idsOut[offset + j])
                let before = score == other ? id < otherId : better(score, than: other)
                guard before else { break }
                scoresOut[offset + j + 1] = other
                idsOut[offset + j + 1] = otherId
                j -= 1
            }
            scoresOut[offset + j + 1] = score
            idsOut[offset + j + 1] = id
            i += 1
        }
        for position in count..<k {
            scoresOut[offset + position] = largerIsBetter ? -.infinity : .infinity
            idsOut[offset + position] = -1
        }
    }
}
