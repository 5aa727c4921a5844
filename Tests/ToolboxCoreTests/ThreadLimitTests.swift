import Foundation
import Synchronization
import Testing
import ToolboxCore

/// A task's thread limit caps every parallel loop it starts, nested ones included.
@Suite("Thread limits per task")
struct ThreadLimitTests {
    /// The distinct threads a parallel loop of 64 chunks ran on.
    func threadsUsed(threads: Int? = nil) throws -> Int {
        let seen = Mutex<Set<UInt64>>([])
        try Parallel.forEach(count: 64, grain: 1, threads: threads) { _ in
            var id: UInt64 = 0
            withUnsafeMutablePointer(to: &id) { _ = pthread_threadid_np_portable($0) }
            seen.withLock { _ = $0.insert(id) }
            Thread.sleep(forTimeInterval: 0.002)
        }
        return seen.withLock { $0.count }
    }

    @Test func aLimitCapsLoopsAndNestedLoops() throws {
        #expect(Parallel.threads() == Parallel.defaultThreadCount)
        let limited = try Parallel.withThreadLimit(1) { try threadsUsed() }
        #expect(limited == 1)
        #expect(Parallel.withThreadLimit(1) { Parallel.threads(8) } == 1)
        #expect(Parallel.withThreadLimit(3) { Parallel.threads(2) } == 2)
        // Inside a limited loop, nested loops run on their worker alone.
        let nested = try Parallel.withThreadLimit(2) {
            try Parallel.map(indices: 4) { _ in Parallel.threads() }
        }
        #expect(nested.allSatisfy { $0 == 1 } || Parallel.defaultThreadCount == 1)
        #expect(Parallel.threadLimit == nil)
    }

    @Test func aTaskCarriesItsLimit() async throws {
        let inside = await Parallel.withThreadLimit(1) { Parallel.threads() }
        #expect(inside == 1)
        let results = try await Parallel.withThreadLimit(1) {
            try Parallel.map(count: 1_000, grain: 10) { range in range.reduce(0, +) }
        }
        #expect(results.reduce(0, +) == (0..<1_000).reduce(0, +))
    }
}

/// The calling thread's pthread id.
private func pthread_threadid_np_portable(_ id: UnsafeMutablePointer<UInt64>) -> Int32 {
    #if os(Linux)
    id.pointee = UInt64(pthread_self())
    #else
    id.pointee = UInt64(UInt(bitPattern: pthread_self()))
    #endif
    return 0
}
