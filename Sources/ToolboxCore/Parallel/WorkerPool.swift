import Foundation
import Synchronization

/// Worker threads that spin briefly between parallel regions, as OpenMP's do: a tree grower
/// runs thousands of short regions (a histogram, a partition), and waking a sleeping thread
/// for each costs tens of microseconds, as much as the work. Workers spin for about a
/// millisecond after a region, then sleep until the next.
///
/// One grower at a time uses a pool; a second caller (another fit on another thread, or a
/// region started inside a region) runs on ``Parallel`` instead. Chunks are the same either
/// way, so results do not depend on which ran them.
package final class WorkerPool: @unchecked Sendable {
    private let workers: Int
    /// The current region: generation in the high 32 bits, next chunk in the low 32.
    private let ticket = Atomic<UInt64>(0)
    private let generation = Atomic<UInt32>(0)
    private let finished = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    /// Workers holding the current region's body.
    private let holders = Atomic<Int>(0)
    private var chunks: [Range<Int>] = []
    private var body: ((Range<Int>) -> Void)?
    private let mutex = NSCondition()
    private var sleepers = 0

    private static let pools = Mutex<[Int: WorkerPool]>([:])
    private static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// The pool for `threads` threads (the caller and `threads − 1` workers).
    static func shared(threads: Int) -> WorkerPool {
        pools.withLock { pools in
            if let pool = pools[threads] { return pool }
            let pool = WorkerPool(workers: threads - 1)
            pools[threads] = pool
            return pool
        }
    }

    private init(workers: Int) {
        self.workers = workers
        for _ in 0..<workers {
            let thread = Thread { [self] in self.work() }
            thread.name = "dstoolbox.boosting"
            thread.start()
        }
    }

    /// Runs `body` on each chunk of `0..<count` (`grain` elements each) on the caller and the
    /// workers; returns when every chunk is done.
    package static func forEach(count: Int, grain: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let ranges = Parallel.chunks(count: count, grain: grain)
        // Spinning threads beyond the cores would only take turns with each other; a task's
        // thread limit (Parallel.withThreadLimit) caps it too.
        let threads = min(Parallel.threads(threads), cores)
        guard threads > 1, ranges.count > 1 else { ranges.forEach(body); return }
        let pool = shared(threads: threads)
        guard pool.busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            try? Parallel.forEach(count: count, grain: grain, threads: threads) { body($0) }
            return
        }
        defer { pool.busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in pool.run(ranges, body) }
    }

    /// ``forEach(count:grain:threads:_:)`` collecting each chunk's result, in chunk order.
    package static func map<T>(count: Int, grain: Int, threads: Int, _ body: (Range<Int>) -> T) -> [T] {
        let ranges = Parallel.chunks(count: count, grain: grain)
        var results = [T?](repeating: nil, count: ranges.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = UnsafeSendable(buffer)
            forEach(count: count, grain: grain, threads: threads) { range in
                out.value[range.lowerBound / grain] = body(range)
            }
        }
        return results.map { $0! }
    }

    private func run(_ ranges: [Range<Int>], _ work: @escaping (Range<Int>) -> Void) {
        finished.store(0, ordering: .relaxed)
        let next = generation.load(ordering: .relaxed) &+ 1
        mutex.lock()
        chunks = ranges
        body = work
        ticket.store(UInt64(next) << 32, ordering: .releasing)
        generation.store(next, ordering: .releasing)
        if sleepers > 0 { mutex.broadcast() }
        mutex.unlock()
        take(generation: next, ranges: ranges, work)
        while finished.load(ordering: .acquiring) < ranges.count {}
        // No worker may keep the body past this call.
        mutex.lock()
        body = nil
        mutex.unlock()
        while holders.load(ordering: .acquiring) > 0 {}
    }

    /// Runs chunks of region `generation` until none is left (or a newer region began).
    private func take(generation: UInt32, ranges: [Range<Int>], _ work: (Range<Int>) -> Void) {
        var current = ticket.load(ordering: .acquiring)
        while true {
            guard UInt32(truncatingIfNeeded: current >> 32) == generation else { return }
            let index = Int(current & 0xFFFF_FFFF)
            guard index < ranges.count else { return }
            let (exchanged, original) = ticket.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if !exchanged { current = original; continue }
            work(ranges[index])
            finished.wrappingAdd(1, ordering: .releasing)
            current = ticket.load(ordering: .acquiring)
        }
    }

    /// Runs the current region's chunks with a copy of its body taken under the lock; the
    /// copy ends with this call.
    private func runHeld(generation: UInt32) {
        mutex.lock()
        let region = body, ranges = chunks
        mutex.unlock()
        if let region { take(generation: generation, ranges: ranges, region) }
    }

    private func work() {
        var seen: UInt32 = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins > 200_000 {
                    mutex.lock()
                    sleepers += 1
                    while generation.load(ordering: .acquiring) == seen { mutex.wait() }
                    sleepers -= 1
                    mutex.unlock()
                    spins = 0
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            // The body is copied only under the lock, and every copy is gone before the
            // holder count drops (the caller waits for it: a body must not outlive its call).
            mutex.lock()
            let holding = body != nil
            if holding { holders.wrappingAdd(1, ordering: .relaxed) }
            mutex.unlock()
            if holding {
                runHeld(generation: current)
                holders.wrappingSubtract(1, ordering: .releasing)
            }
        }
    }
}
