import Foundation
import Synchronization

/// Deterministic parallel loops.
///
/// Work is cut into chunks whose boundaries depend only on the problem size and the grain,
/// never on the number of threads; each chunk's result is stored in its own slot and results are
/// combined in chunk order. So a parallel sum, a forest or a histogram gives the same bits on one
/// thread or on sixty-four.
///
/// ```swift
/// let partials = try Parallel.map(count: x.count, grain: 65_536) { range in
///     range.reduce(0.0) { $0 + x[$1] }
/// }
/// let total = partials.reduce(0, +)   // identical for every thread count
/// ```
public enum Parallel {
    /// The number of threads used when a call does not say: the `DSTOOLBOX_THREADS`
    /// environment variable if set to a positive integer, otherwise the active processor count.
    public static let defaultThreadCount: Int = {
        if let text = ProcessInfo.processInfo.environment["DSTOOLBOX_THREADS"],
           let value = Int(text), value > 0 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// The chunks `0..<count` is cut into: consecutive ranges of `grain` elements (the last
    /// may be shorter). Depends on `count` and `grain` only.
    public static func chunks(count: Int, grain: Int) -> [Range<Int>] {
        precondition(grain > 0, "grain must be positive")
        guard count > 0 else { return [] }
        return stride(from: 0, to: count, by: grain).map { $0..<min($0 + grain, count) }
    }

    /// The most threads the parallel loops of the current task (or thread) may use, when limited
    /// with `withThreadLimit(_:_:)`: several tuning trials or server requests at once each
    /// take their share of the cores, not all of them.
    @TaskLocal public static var threadLimit: Int?

    /// Runs `body` with its parallel loops (boosting, forests, k-means, cross-validation, ...)
    /// limited to `limit` threads. Results do not change: chunks never depend on the thread count.
    ///
    /// ```swift
    /// // Two trials at once on a 16-core machine, 8 cores each.
    /// async let a = Parallel.withThreadLimit(8) { try trial(1) }
    /// async let b = Parallel.withThreadLimit(8) { try trial(2) }
    /// ```
    public static func withThreadLimit<T>(_ limit: Int, _ body: () throws -> T) rethrows -> T {
        try $threadLimit.withValue(max(1, limit), operation: body)
    }

    /// Runs blocking work (a fit, a cross-validation) off the caller's executor, keeping the
    /// caller's thread limit (a detached task does not inherit the task-local one).
    package static func detached<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let limit = threadLimit
        return try await Task.detached { try withThreadLimit(limit ?? defaultThreadCount) { try body() } }.value
    }

    /// ``withThreadLimit(_:_:)`` for asynchronous work.
    public static func withThreadLimit<T: Sendable>(_ limit: Int, _ body: () async throws -> T) async rethrows -> T {
        try await $threadLimit.withValue(max(1, limit), operation: body)
    }

    /// The threads a loop asking for `requested` (or the default) may use under the current limit.
    public static func threads(_ requested: Int? = nil) -> Int {
        let wanted = max(1, requested ?? defaultThreadCount)
        return min(wanted, threadLimit ?? wanted)
    }

    /// Runs `body` once per chunk of `0..<count` on up to `threads` threads and returns the
    /// results in chunk order.
    ///
    /// If several chunks throw, the error of the first chunk (lowest index) is rethrown, so the
    /// error, too, does not depend on scheduling.
    public static func map<T>(
        count: Int, grain: Int, threads: Int? = nil, _ body: (Range<Int>) throws -> T
    ) throws -> [T] {
        let ranges = chunks(count: count, grain: grain)
        let limit = threadLimit
        let workers = min(Self.threads(threads), ranges.count)
        if workers <= 1 {
            return try ranges.map(body)
        }
        var slots = [Result<T, any Error>?](repeating: nil, count: ranges.count)
        let next = Atomic<Int>(0)
        // The lowest chunk that threw: later chunks are not started (their results would not be
        // used), so a cancelled loop of 100,000 chunks ends at once. Chunks are handed out in
        // order, so every chunk below it has run and the error reported is still the lowest.
        let failed = Atomic<Int>(Int.max)
        slots.withUnsafeMutableBufferPointer { output in
            let out = UnsafeSendable(output)
            withoutActuallyEscaping(body) { body in
                let work = UnsafeSendable(body)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    // Under a limit, loops nested in this one run on their worker alone.
                    $threadLimit.withValue(limit == nil ? nil : 1) {
                        while true {
                            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                            if index >= ranges.count || index > failed.load(ordering: .relaxed) { break }
                            let result = Result { try work.value(ranges[index]) }
                            if case .failure = result {
                                var current = failed.load(ordering: .relaxed)
                                while index < current {
                                    let (exchanged, original) = failed.compareExchange(expected: current, desired: index, ordering: .relaxed)
                                    if exchanged { break }
                                    current = original
                                }
                            }
                            out.value[index] = result
                        }
                    }
                }
            }
        }
        var results: [T] = []
        results.reserveCapacity(slots.count)
        for slot in slots {
            // A missing slot follows a failure, which the loop has thrown by then.
            guard let slot else { break }
            results.append(try slot.get())
        }
        return results
    }

    /// Runs `body` once per chunk of `0..<count` on up to `threads` threads.
    public static func forEach(
        count: Int, grain: Int, threads: Int? = nil, _ body: (Range<Int>) throws -> Void
    ) throws {
        _ = try map(count: count, grain: grain, threads: threads, body)
    }

    /// Computes `transform(i)` for every `i` in `0..<count` in parallel, in index order.
    public static func map<T>(
        indices count: Int, threads: Int? = nil, _ transform: (Int) throws -> T
    ) throws -> [T] {
        try map(count: count, grain: 1, threads: threads) { range in try transform(range.lowerBound) }
    }
}

/// Carries a value across threads where the caller guarantees safety: buffers written in
/// disjoint ranges, read-only bytes kept alive by the caller, functions meant to run concurrently.
///
/// The package's one `@unchecked Sendable` wrapper: kits built on ToolboxCore use it rather than
/// their own, so every such promise is found by searching for one name.
public struct UnsafeSendable<Value>: @unchecked Sendable {
    /// The wrapped value; the caller guarantees its concurrent use is safe.
    public let value: Value
    /// Wraps `value`; the caller vouches for its concurrent use.
    public init(_ value: Value) { self.value = value }
}
