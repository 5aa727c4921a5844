import Synchronization

/// A request to stop work early: a pruned or timed-out tuning trial, a request whose client
/// went away. Long fits (boosting, forests, logistic regression, k-means) and cross-validation
/// check it between units of work and end with ``ToolboxError/Code/cancelled`` within a second
/// of ``cancel()``; so do they when the Swift task running them is cancelled.
///
/// ```swift
/// let flag = CancellationFlag()
/// var context = FitContext()
/// context.cancellation = flag
/// DispatchQueue.global().asyncAfter(deadline: .now() + 30) { flag.cancel() }   // a time limit
/// let model = try HistGradientBoostingClassifier().fit(x, y, context: context)
/// ```
public final class CancellationFlag: Sendable, Hashable {
    private let cancelled = Atomic<Bool>(false)

    /// A flag not yet raised.
    public init() {}

    /// Asks the work to stop; safe from any thread, any number of times.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Throws ``ToolboxError/Code/cancelled`` when cancelled, or when the current Swift task is.
    public func check(_ what: String = "the work") throws {
        if isCancelled || Task.isCancelled {
            throw ToolboxError(.cancelled, "\(what) was cancelled")
        }
    }

    public static func == (lhs: CancellationFlag, rhs: CancellationFlag) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
