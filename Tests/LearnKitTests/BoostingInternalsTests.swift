import Foundation
import Testing
import ToolboxCore
@testable import LearnKit

@Suite("Boosting's spinning worker pool")
struct WorkerPoolTests {
    /// Every chunk runs exactly once, from several threads at once (callers that find the pool
    /// busy run on Parallel) and from inside a region (which runs nested work without the pool).
    @Test func everyChunkOnceUnderContention() throws {
        let results = try Parallel.map(count: 4, grain: 1, threads: 4) { callers -> Int in
            let caller = callers.lowerBound
            var total = 0
            for round in 0..<2_000 {
                var hits = [Int](repeating: 0, count: 37)
                hits.withUnsafeMutableBufferPointer { buffer in
                    let out = UnsafeSendable(buffer)
                    WorkerPool.forEach(count: 37, grain: 1 + (round + caller) % 5, threads: 2) { range in
                        for k in range { out.value[k] += 1 }
                        if round % 500 == 0 {
                            // Nested: must not deadlock or take the pool's other chunks.
                            WorkerPool.forEach(count: 4, grain: 1, threads: 2) { _ in }
                        }
                    }
                }
                #expect(hits.allSatisfy { $0 == 1 })
                total += hits.reduce(0, +)
            }
            return total
        }
        #expect(results == [Int](repeating: 37 * 2_000, count: 4))
        let mapped = WorkerPool.map(count: 100, grain: 7, threads: 2) { range in range.reduce(0, +) }
        #expect(mapped.count == 15 && mapped.reduce(0, +) == 4_950)
    }
}

@Suite("Boosting's binning")
struct BinningTests {
    /// The guided search bins every value as the plain halving search does: normal, heavy-tailed,
    /// few distinct values, exact edges, extremes and NaN.
    @Test func guidedBinningEqualsHalvingSearch() throws {
        var generator = SeededGenerator(seed: 4)
        let n = 20_000
        var values: [Double] = []
        for i in 0..<n {
            let normal = generator.nextNormal()
            values += [normal, exp(3 * normal), Double(i % 7), i % 50 == 0 ? .nan : normal * 1e-300,
                       i % 3 == 0 ? -Double.greatestFiniteMagnitude : (i % 3 == 1 ? Double.greatestFiniteMagnitude : normal)]
        }
        let x = try Matrix(rows: n, columns: 5, values: values)
        let mapper = try BinMapper(fitting: x, maxBins: 255)
        let binned = try mapper.transformColumnMajor(x, threads: 2)
        var probes = x
        // Values exactly on edges, too.
        for feature in 0..<5 {
            for (k, edge) in mapper.thresholds[feature].enumerated() where k < n { probes[k, feature] = edge }
        }
        let probed = try mapper.transformColumnMajor(probes, threads: 2)
        for feature in 0..<5 {
            for row in 0..<n {
                #expect(binned[feature * n + row] == mapper.bin(x[row, feature], feature: feature), "feature \(feature) row \(row)")
                #expect(probed[feature * n + row] == mapper.bin(probes[row, feature], feature: feature), "edge probe \(feature) \(row)")
            }
        }
    }
}
