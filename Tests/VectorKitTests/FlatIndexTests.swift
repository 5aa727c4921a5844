import Foundation
import Testing
import ToolboxCore
@testable import VectorKit

@Suite("Flat index")
struct FlatIndexTests {
    static func data(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<(n * d)).map { _ in Float(generator.nextNormal()) }
    }

    /// Brute force in Double: the k best (score, id) per query.
    static func bruteForce(_ x: [Float], _ q: [Float], d: Int, k: Int, metric: Metric) -> [[(Int64, Double)]] {
        let n = x.count / d, nq = q.count / d
        func normalized(_ v: ArraySlice<Float>) -> [Double] {
            let values = v.map(Double.init)
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? values.map { $0 / norm } : values
        }
        return (0..<nq).map { i in
            let query = metric == .cosine ? normalized(q[(i * d)..<((i + 1) * d)]) : q[(i * d)..<((i + 1) * d)].map(Double.init)
            let scored = (0..<n).map { row -> (Int64, Double) in
                let v = metric == .cosine ? normalized(x[(row * d)..<((row + 1) * d)]) : x[(row * d)..<((row + 1) * d)].map(Double.init)
                let score = metric == .l2 ? zip(query, v).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } : zip(query, v).reduce(0) { $0 + $1.0 * $1.1 }
                return (Int64(row), score)
            }
            return Array(scored.sorted { metric == .l2 ? $0.1 < $1.1 : $0.1 > $1.1 }.prefix(k))
        }
    }

    @Test(arguments: Metric.allCases)
    func searchIsTheBruteForceTopK(metric: Metric) throws {
        let (d, n, k) = (24, 3_000, 7)
        let x = Self.data(n, d, seed: 1)
        for nq in [1, 3, 70] {
            let q = Self.data(nq, d, seed: UInt64(10 + nq))
            let index = try FlatIndex(dimension: d, metric: metric)
            try index.add(x)
            let results = try index.search(q, k: k)
            let expected = Self.bruteForce(x, q, d: d, k: k, metric: metric)
            for i in 0..<nq {
                let got = results.neighbours(of: i)
                // Same ids unless the k-th and (k+1)-th are within rounding of each other.
                #expect(got.map(\.id) == expected[i].map(\.0), "query \(i) of \(nq), \(metric)")
                for (g, e) in zip(got, expected[i]) {
                    let (score, reference): (Double, Double) = (Double(g.score), e.1)
                    let tolerance: Double = 1e-4 * max(1, abs(reference))
                    #expect(abs(score - reference) <= tolerance, "score \(score) vs \(reference)")
                }
            }
        }
    }

    /// Large batches take the path that splits the database into parts: the same top-k.
    @Test(arguments: Metric.allCases)
    func largeBatchesAreTheBruteForceTopKToo(metric: Metric) throws {
        let (d, n, k, nq) = (8, 17_000, 4, 40)
        let x = Self.data(n, d, seed: 12), q = Self.data(nq, d, seed: 13)
        let index = try FlatIndex(dimension: d, metric: metric)
        try index.add(x)
        let results = try index.search(q, k: k)
        let expected = Self.bruteForce(x, q, d: d, k: k, metric: metric)
        for i in 0..<nq { #expect(results.neighbours(of: i).map(\.id) == expected[i].map(\.0), "query \(i), \(metric)") }
        let filtered = try index.search(q, k: k, filter: .predicate { $0 % 3 == 0 })
        #expect(filtered.ids.allSatisfy { $0 % 3 == 0 })
    }

    /// On clustered data large L2 batches score only the groups the triangle inequality cannot
    /// rule out; the results are still exactly the brute-force top-k, before and after writes.
    @Test func groupPruningIsExact() throws {
        let (d, n, k, nq) = (16, 33_000, 5, 40)
        var generator = SeededGenerator(seed: 31)
        let centres = (0..<(300 * d)).map { _ in Float(generator.nextNormal() * 10) }
        func clustered(_ count: Int) -> [Float] {
            (0..<count).flatMap { _ -> [Float] in
                let c = generator.nextInt(below: 300)
                return (0..<d).map { centres[c * d + $0] + Float(generator.nextNormal()) }
            }
        }
        let x = clustered(n), q = clustered(nq)
        let index = try FlatIndex(dimension: d)
        try index.add(x)
        let results = try index.search(q, k: k)
        #expect(index.usesPruning)
        let expected = Self.bruteForce(x, q, d: d, k: k, metric: .l2)
        for i in 0..<nq {
            #expect(results.neighbours(of: i).map(\.id) == expected[i].map(\.0), "query \(i)")
            // Scores carry the ‖q‖² + ‖x‖² − 2 q·x rounding, as FAISS's do.
            let queryNorm = q[(i * d)..<((i + 1) * d)].reduce(0.0) { $0 + Double($1) * Double($1) }
            for (g, e) in zip(results.neighbours(of: i), expected[i]) {
                let row = Int(e.0)
                let norm = x[(row * d)..<((row + 1) * d)].reduce(0.0) { $0 + Double($1) * Double($1) }
                let tolerance: Double = 1e-6 * (queryNorm + norm) + 1e-5 * e.1
                #expect(abs(Double(g.score) - e.1) <= tolerance)
            }
        }
        // A write invalidates the groups; the next search regroups and stays exact.
        try index.update(id: 7, vector: Array(q.prefix(d)))
        let again = try index.search(q, k: k)
        #expect(again.neighbours(of: 0)[0].id == 7 && again.neighbours(of: 0)[0].score == 0)
        #expect(index.remove(ids: Set(expected[1].map(\.0))) == k)
        let removed = try index.search(q, k: k)
        #expect(Set(removed.neighbours(of: 1).map(\.id)).isDisjoint(with: expected[1].map(\.0)))
        // Cosine indexes prune too (unit vectors rank by L2 as by cosine).
        let cosine = try FlatIndex(dimension: d, metric: .cosine)
        try cosine.add(x)
        let cosineResults = try cosine.search(q, k: k)
        #expect(cosine.usesPruning)
        let cosineExpected = Self.bruteForce(x, q, d: d, k: k, metric: .cosine)
        for i in 0..<nq {
            #expect(cosineResults.neighbours(of: i).map(\.id) == cosineExpected[i].map(\.0), "cosine query \(i)")
            for (g, e) in zip(cosineResults.neighbours(of: i), cosineExpected[i]) { #expect(abs(Double(g.score) - e.1) <= 1e-5) }
        }
        // Inner-product indexes prune in the lifted space, then score their k exactly.
        let product = try FlatIndex(dimension: d, metric: .innerProduct)
        try product.add(x)
        let productResults = try product.search(q, k: k)
        let productExpected = Self.bruteForce(x, q, d: d, k: k, metric: .innerProduct)
        for i in 0..<nq {
            #expect(productResults.neighbours(of: i).map(\.id) == productExpected[i].map(\.0), "inner product query \(i)")
            for (g, e) in zip(productResults.neighbours(of: i), productExpected[i]) { #expect(abs(Double(g.score) - e.1) <= 1e-4 * max(1, abs(e.1))) }
        }
        // Unclustered data: the trial finds little to skip and the search stays brute force.
        let flat = try FlatIndex(dimension: d)
        try flat.add(Self.data(n, d, seed: 32))
        _ = try flat.search(Self.data(nq, d, seed: 33), k: k)
        #expect(!flat.usesPruning)
    }

    @Test func idsFiltersRemovalUpdatesAndRanges() throws {
        let d = 8
        let index = try FlatIndex(dimension: d, metric: .l2)
        let x = Self.data(100, d, seed: 3)
        try index.add(x, ids: (0..<100).map { Int64(1_000 + $0) })
        let query = Array(x[(5 * d)..<(6 * d)])
        #expect(try index.search(query, k: 1).ids == [1_005])
        #expect(try index.search(query, k: 1, filter: .excluding([1_005])).ids != [1_005])
        let only = try index.search(query, k: 3, filter: .only([1_010, 1_020]))
        #expect(Set(only.ids.prefix(2)) == [1_010, 1_020] && only.ids[2] == -1 && only.scores[2] == .infinity)
        #expect(index.remove(ids: [1_005, 99]) == 1 && index.count == 99)
        #expect(try index.search(query, k: 1).ids != [1_005])
        try index.update(id: 1_050, vector: query)
        #expect(try index.search(query, k: 1).ids == [1_050] && (try index.reconstruct(id: 1_050)) == query)
        let ranged = try index.rangeSearch(query, radius: 1e-6)
        #expect(ranged[0].map(\.id) == [1_050])
        // Bad input.
        #expect(throws: ToolboxError.self) { try index.add([1, 2, 3]) }
        var bad = Self.data(2, d, seed: 4)
        bad[d + 3] = .nan
        let nan = #expect(throws: ToolboxError.self) { try index.add(bad) }
        #expect(nan?.context.row == 1)
        #expect(throws: ToolboxError.self) { try index.add(Self.data(1, d, seed: 5), ids: [1_001]) }
        #expect(throws: ToolboxError.self) { try index.search(query, k: 100) }
        #expect(throws: ToolboxError.self) { try index.search([1, 2], k: 1) }
        #expect(throws: ToolboxError.self) { try FlatIndex(dimension: 0) }
    }

    /// Searches run concurrently while no writer holds the index; writes wait for them.
    @Test func concurrentSearchesAndWrites() async throws {
        let d = 16
        let index = try FlatIndex(dimension: d)
        try index.add(Self.data(2_000, d, seed: 6))
        let q = Self.data(20, d, seed: 7)
        let expected = try index.search(q, k: 5)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    if task == 3 { try index.add(Self.data(10, d, seed: 8), ids: (0..<10).map { Int64(10_000 + $0) }) }
                    let results = try index.search(q, k: 5)
                    #expect(results.ids.count == 100)
                }
            }
            try await group.waitForAll()
        }
        #expect(index.count == 2_010)
        #expect(try index.search(q, k: 5, filter: .predicate { $0 < 10_000 }) == expected)
    }
}
