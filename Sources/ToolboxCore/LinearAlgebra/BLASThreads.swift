internal import CBLAS
import Synchronization

/// OpenBLAS's own thread pool, for code that calls BLAS from inside its own parallel loops.
///
/// OpenBLAS parallelizes each large call over every core, and its threads spin for a while
/// after a call; when several of our threads each make BLAS calls, that oversubscribes the cores
/// (on two cores a third of the time went to spinning). Such code runs its loop inside
/// ``singleThreaded(_:)``: one OpenBLAS thread per call while the loop runs, the previous count
/// restored afterwards. Nested and concurrent uses are counted, so the count is restored only
/// when the last one ends.
///
/// The count is OpenBLAS's process-wide setting: BLAS calls made by other threads while the
/// body runs also use one thread, and OpenBLAS's results can differ in the last bit with its
/// thread count. Use it only around loops that really run several BLAS calls at once.
public enum BLASThreads {
    private static let state = Mutex<(depth: Int, saved: Int32)>((0, 0))

    /// Runs `body` with OpenBLAS limited to one thread per call.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { state in
            if state.depth == 0 {
                state.saved = openblas_get_num_threads()
                openblas_set_num_threads(1)
            }
            state.depth += 1
        }
        defer {
            state.withLock { state in
                state.depth -= 1
                if state.depth == 0 { openblas_set_num_threads(state.saved) }
            }
        }
        return try body()
    }
}
