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
