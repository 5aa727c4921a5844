import Foundation
public import ToolboxCore

/// K-means on Float vectors, as FAISS's `Kmeans`: seeded initialization (FAISS's random
/// choice of k training points, or k-means++), assignment by the flat index's BLAS search,
/// centroids as the means of their points, FAISS's repair of empty clusters (an empty centroid
/// takes a copy of a large cluster's, the two nudged apart by ±1/1024), and a subsample of at
/// most `maxPointsPerCentroid` · k training points.
///
/// ```swift
/// let kmeans = KMeans(k: 1024, iterations: 20, seed: 1)
/// let result = try kmeans.train(vectors, dimension: 128)   // result.centroids: k × 128
/// ```
public struct KMeans: Sendable, Hashable {
    /// How the first centroids are chosen.
    public enum Initialization: String, Sendable, Hashable, Codable {
        /// k distinct training points chosen at random (FAISS's default).
        case random
        /// k-means++: each next centroid a point drawn with probability proportional to its
        /// squared distance to the nearest centroid so far.
        case kmeansPlusPlus = "k-means++"
    }

    /// The number of centroids.
    public var k: Int
    /// Iterations of assignment and update (FAISS's default 25).
    public var iterations: Int
    /// The seed of the random draws (`random_state`).
    public var seed: UInt64
    /// How the first centroids are chosen.
    public var initialization: Initialization
    /// Training points kept per centroid at most (FAISS's 256); larger sets are subsampled.
    public var maxPointsPerCentroid: Int
    /// Stop when the objective improves by less than this fraction (0: run every iteration, as
    /// FAISS does).
    public var tolerance: Double
    /// Cluster on the unit sphere (inner-product k-means): points and centroids normalized.
    public var spherical: Bool
    /// A request to stop: checked every iteration (and while seeding); training then throws
    /// `ToolboxError/Code/cancelled`. The running Swift task's cancellation counts too.
    public var cancellation: CancellationFlag?

    /// A configuration of k centroids; the defaults are FAISS's.
    public init(k: Int, iterations: Int = 25, seed: UInt64 = 1234, initialization: Initialization = .random,
                maxPointsPerCentroid: Int = 256, tolerance: Double = 0, spherical: Bool = false) {
        self.k = k
        self.iterations = iterations
        self.seed = seed
        self.initialization = initialization
        self.maxPointsPerCentroid = maxPointsPerCentroid
        self.tolerance = tolerance
        self.spherical = spherical
    }

    /// The trained centroids and how the training went.
    public struct Result: Sendable, Hashable {
        /// k × d centroids, row-major.
        public var centroids: [Float]
        /// The sum of squared distances of the training points to their centroids, per iteration.
        public var objective: [Double]
        /// The points each centroid holds after the last assignment.
        public var sizes: [Int]
        /// The training points used (after subsampling).
        public var trainingPoints: Int
    }

    /// Trains on n × d vectors.
    /// - Throws: `ToolboxError/Code/invalidParameter` for k < 1, fewer points than k, or
    ///   iterations < 1; the errors of checking the vectors (NaN or infinity, naming the row).
    /// - Complexity: O(iterations · n · k · d) time through BLAS (Hamerly's bounds skip points that
    /// cannot move, so late iterations cost far less), plus k-means++ seeding O(k · m · d) on a sample
    /// of m = 32 · k points; O((n + k) · d) memory. n is capped at `maxPointsPerCentroid` · k.
    public func train(_ vectors: [Float], dimension d: Int) throws -> Result {
        let n = try checkVectors(vectors, dimension: d, name: "vectors")
        guard k >= 1, iterations >= 1, maxPointsPerCentroid >= 1 else {
            throw ToolboxError(.invalidParameter, "k, iterations and maxPointsPerCentroid must be at least 1", context: ErrorContext(parameter: "k"))
        }
        guard n >= k else {
            throw ToolboxError(.invalidParameter, "k-means with k = \(k) needs at least \(k) training points, got \(n)", context: ErrorContext(parameter: "k"))
        }
        var generator = SeededGenerator(seed: seed)
        // Subsample, as FAISS does, to at most maxPointsPerCentroid · k points.
        var points = spherical ? normalizedRows(vectors, dimension: d) : vectors
        var count = n
        let (limit, overflow) = k.multipliedReportingOverflow(by: maxPointsPerCentroid)
        if !overflow, n > limit {
            var order = Array(0..<n)
            for i in 0..<limit { order.swapAt(i, i + generator.nextInt(below: n - i)) }
            var sample = [Float]()
            sample.reserveCapacity(limit * d)
            for row in order.prefix(limit) { sample.append(contentsOf: points[(row * d)..<((row + 1) * d)]) }
            points = sample
            count = limit
        }
        var centroids = try initialCentroids(points, count: count, dimension: d, generator: &generator)
        var objective: [Double] = []
        var sizes = [Int](repeating: 0, count: k)
        let centroidIds = (0..<k).map(Int64.init)
        // Hamerly's bounds (L2 with k ≥ 2): each point keeps a lower bound on its distance to
        // the second-nearest centroid, lowered each iteration by the largest centroid move; a
        // point whose exact distance to its own centroid stays below that bound cannot change
        // centroid and skips the search. The others are searched again (nearest two).
        let bounded = !spherical && k >= 2
        var assigned = [Int64](repeating: 0, count: count)
        var distances = [Float](repeating: 0, count: count)
        var lower = [Double](repeating: -1, count: count)
        var largestMove = Double.infinity
        for _ in 0..<iterations {
            try checkCancellation()
            // Assignment: the flat index's search, without re-checking the points each time.
            let norms = centroids.withUnsafeBufferPointer { Kernels.squaredNorms($0.baseAddress!, rows: k, dimension: d) }
            if bounded {
                // Which points may have changed centroid.
                let moved = largestMove
                let state = UnsafeSendable((points, centroids))
                let flags = try assigned.withUnsafeBufferPointer { assignedBuffer in
                    try distances.withUnsafeMutableBufferPointer { distanceBuffer in
                        try lower.withUnsafeMutableBufferPointer { lowerBuffer in
                            let buffers = UnsafeSendable((assignedBuffer, distanceBuffer, lowerBuffer))
                            return try Parallel.map(count: count, grain: 16_384) { range -> [Int] in
                                let (points, centroids) = state.value
                                let (assignedBuffer, distanceBuffer, lowerBuffer) = buffers.value
                                var stale: [Int] = []
                                points.withUnsafeBufferPointer { p in
                                    centroids.withUnsafeBufferPointer { c in
                                        for row in range {
                                            guard moved.isFinite else { stale.append(row); continue }
                                            let exact = Kernels.squaredDistance(p.baseAddress! + row * d, c.baseAddress! + Int(assignedBuffer[row]) * d, d)
                                            distanceBuffer[row] = exact
                                            lowerBuffer[row] -= moved
                                            // A margin for rounding: near-ties are searched again.
                                            if Double(exact).squareRoot() * (1 + 1e-5) + 1e-12 >= lowerBuffer[row] { stale.append(row) }
                                        }
                                    }
                                }
                                return stale
                            }
                        }
                    }
                }
                let stale = flags.flatMap { $0 }
                if !stale.isEmpty {
                    var gathered = [Float]()
                    gathered.reserveCapacity(stale.count * d)
                    for row in stale { gathered.append(contentsOf: points[(row * d)..<((row + 1) * d)]) }
                    let nearest = try FlatIndex.search(gathered, nq: stale.count, k: 2, filter: nil, vectors: centroids, ids: centroidIds, norms: norms,
                                                       dimension: d, metric: .l2)
                    for (position, row) in stale.enumerated() {
                        assigned[row] = nearest.ids[2 * position]
                        distances[row] = nearest.scores[2 * position]
                        lower[row] = Double(nearest.scores[2 * position + 1]).squareRoot()
                    }
                }
            } else {
                let nearest = try FlatIndex.search(points, nq: count, k: 1, filter: nil, vectors: centroids, ids: centroidIds, norms: norms,
                                                   dimension: d, metric: spherical ? .innerProduct : .l2)
                assigned = nearest.ids
                distances = nearest.scores
            }
            let assignment = (ids: assigned, scores: distances)
            let previous = centroids
            // Sums per centroid over blocks of points in parallel, added in block order.
            let shared = UnsafeSendable(points)
            let partials = try Parallel.map(count: count, grain: 16_384) { range -> (sums: [Double], sizes: [Int], total: Double) in
                var sums = [Double](repeating: 0, count: k * d), sizes = [Int](repeating: 0, count: k), total = 0.0
                shared.value.withUnsafeBufferPointer { p in
                    for row in range {
                        let c = Int(assignment.ids[row])
                        sizes[c] += 1
                        for j in 0..<d { sums[c * d + j] += Double(p[row * d + j]) }
                        total += spherical ? Double(2 - 2 * assignment.scores[row]) : Double(assignment.scores[row])
                    }
                }
                return (sums, sizes, total)
            }
            var sums = [Double](repeating: 0, count: k * d)
            sizes = [Int](repeating: 0, count: k)
            var total = 0.0
            for partial in partials {
                for index in 0..<(k * d) { sums[index] += partial.sums[index] }
                for c in 0..<k { sizes[c] += partial.sizes[c] }
                total += partial.total
            }
            objective.append(total)
            for c in 0..<k where sizes[c] > 0 {
                for j in 0..<d { centroids[c * d + j] = Float(sums[c * d + j] / Double(sizes[c])) }
            }
            repairEmptyClusters(&centroids, &sizes, count: count, dimension: d, generator: &generator)
            if spherical { centroids = normalizedRows(centroids, dimension: d) }
            if bounded {
                largestMove = 0
                centroids.withUnsafeBufferPointer { now in
                    previous.withUnsafeBufferPointer { before in
                        for c in 0..<k {
                            largestMove = max(largestMove, Double(Kernels.squaredDistance(now.baseAddress! + c * d, before.baseAddress! + c * d, d)).squareRoot())
                        }
                    }
                }
            }
            if tolerance > 0, objective.count >= 2 {
                let (previous, current) = (objective[objective.count - 2], objective[objective.count - 1])
                if previous - current <= tolerance * previous { break }
            }
        }
        return Result(centroids: centroids, objective: objective, sizes: sizes, trainingPoints: count)
    }

    func checkCancellation() throws {
        if let cancellation { try cancellation.check("k-means training") } else if Task.isCancelled {
            throw ToolboxError(.cancelled, "k-means training was cancelled")
        }
    }

    /// The sample k-means++ seeds from, per centroid.
    static let plusPlusPointsPerCentroid = 32

    func initialCentroids(_ points: [Float], count: Int, dimension d: Int, generator: inout SeededGenerator) throws -> [Float] {
        var centroids = [Float]()
        centroids.reserveCapacity(k * d)
        switch initialization {
        case .random:
            var order = Array(0..<count)
            for i in 0..<k { order.swapAt(i, i + generator.nextInt(below: count - i)) }
            for row in order.prefix(k) { centroids.append(contentsOf: points[(row * d)..<((row + 1) * d)]) }
        case .kmeansPlusPlus:
            // k-means++ is k passes over the points, one after another; past
            // ``plusPlusPointsPerCentroid`` · k points it seeds from a random subsample of that
            // size (the seeding of "k-means++ on a sample" / Bahmani et al.'s oversampling
            // idea): the seeds are as good for Lloyd's iterations, at a fraction of the cost.
            let sampleSize = k.multipliedReportingOverflow(by: Self.plusPlusPointsPerCentroid)
            if !sampleSize.overflow, count > sampleSize.partialValue {
                var order = Array(0..<count)
                for i in 0..<sampleSize.partialValue { order.swapAt(i, i + generator.nextInt(below: count - i)) }
                var sample = [Float]()
                sample.reserveCapacity(sampleSize.partialValue * d)
                for row in order.prefix(sampleSize.partialValue) { sample.append(contentsOf: points[(row * d)..<((row + 1) * d)]) }
                return try initialCentroids(sample, count: sampleSize.partialValue, dimension: d, generator: &generator)
            }
            let first = generator.nextInt(below: count)
            centroids.append(contentsOf: points[(first * d)..<((first + 1) * d)])
            var nearest = [Double](repeating: .infinity, count: count)
            let grain = 16_384
            for c in 1..<max(k, 1) {
                if c % 32 == 0 { try checkCancellation() }
                // Distances to the newest centroid, over blocks of points in parallel; each
                // block's total, so the draw walks blocks before points.
                let last = Array(centroids[((c - 1) * d)..<(c * d)])
                let shared = UnsafeSendable((points, last))
                let totals = try nearest.withUnsafeMutableBufferPointer { nearestBuffer in
                    let out = UnsafeSendable(nearestBuffer)
                    return try Parallel.map(count: count, grain: grain) { range -> Double in
                        let (points, last) = shared.value
                        var total = 0.0
                        points.withUnsafeBufferPointer { p in
                            last.withUnsafeBufferPointer { centre in
                                for row in range {
                                    let distance = Double(Kernels.squaredDistance(p.baseAddress! + row * d, centre.baseAddress!, d))
                                    if distance < out.value[row] { out.value[row] = distance }
                                    total += out.value[row]
                                }
                            }
                        }
                        return total
                    }
                }
                var target = generator.nextUniform() * totals.reduce(0, +)
                var chosen = count - 1
                var blockStart = 0
                for total in totals {
                    if target < total {
                        for row in blockStart..<min(blockStart + grain, count) {
                            target -= nearest[row]
                            if target < 0 { chosen = row; break }
                        }
                        break
                    }
                    target -= total
                    blockStart += grain
                }
                centroids.append(contentsOf: points[(chosen * d)..<((chosen + 1) * d)])
            }
        }
        return centroids
    }

    /// FAISS's repair: an empty centroid copies a centroid chosen with probability growing
    /// with its cluster's size, and the two are pushed apart symmetrically.
    func repairEmptyClusters(_ centroids: inout [Float], _ sizes: inout [Int], count: Int, dimension d: Int, generator: inout SeededGenerator) {
        let epsilon: Float = 1.0 / 1024
        for ci in 0..<k where sizes[ci] == 0 {
            var cj = 0
            while true {
                let p = (Double(sizes[cj]) - 1) / Double(max(count - k, 1))
                if generator.nextUniform() < p { break }
                cj = (cj + 1) % k
            }
            for j in 0..<d {
                let value = centroids[cj * d + j]
                if j % 2 == 0 {
                    centroids[ci * d + j] = value * (1 + epsilon)
                    centroids[cj * d + j] = value * (1 - epsilon)
                } else {
                    centroids[ci * d + j] = value * (1 - epsilon)
                    centroids[cj * d + j] = value * (1 + epsilon)
                }
            }
            sizes[ci] = sizes[cj] / 2
            sizes[cj] -= sizes[ci]
        }
    }
}
