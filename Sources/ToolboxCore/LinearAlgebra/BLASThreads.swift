internal import CBLAS
import Foundation
import Synchronization

/// The thread policy of OpenBLAS in a DS Toolbox process.
///
/// DS Toolbox parallelizes its own loops (``Parallel``: blocks of rows, queries, trees), and
/// many of those loops make BLAS calls. OpenBLAS's own thread pool then competes with them for
/// the cores: its threads spin and yield after each call, so on two cores a fifth of the time
/// went to scheduling, and a vector search ran 1.6 times slower than with one OpenBLAS thread.
/// So, before the first BLAS or LAPACK call a kit makes, OpenBLAS is set to one thread per
/// call, once, for the whole process; every kit's parallelism is its own, and results never
/// depend on a thread count that changes under them.
///
/// `DSTOOLBOX_BLAS_THREADS=N` asks for N OpenBLAS threads instead (for programs whose time is
/// in single large products); an `OPENBLAS_NUM_THREADS` the user set is left as it is.
public enum BLASThreads {
    /// The OpenBLAS thread count in effect for DS Toolbox's calls, set on first use.
    public static let configured: Int = {
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["DSTOOLBOX_BLAS_THREADS"], let count = Int(text), count >= 1 {
            openblas_set_num_threads(Int32(min(count, 1_024)))
            return Int(openblas_get_num_threads())
        }
        if environment["OPENBLAS_NUM_THREADS"] != nil {
            return Int(openblas_get_num_threads())
        }
        openblas_set_num_threads(1)
        return 1
    }()

    /// Applies the policy; every BLAS and LAPACK wrapper calls it first (it costs one load).
    @inline(__always)
    public static func prepare() { _ = configured }

    private static let state = Mutex<(depth: Int, saved: Int32)>((0, 0))

    /// Runs `body` with OpenBLAS limited to one thread per call: a no-op under the default
    /// policy; with `DSTOOLBOX_BLAS_THREADS` above 1, the count is lowered while the body runs
    /// (process-wide: other threads' BLAS calls also use one thread meanwhile) and restored
    /// after the last nested or concurrent use ends.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        prepare()
        guard configured > 1 else { return try body() }
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
