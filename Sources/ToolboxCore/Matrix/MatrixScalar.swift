/// A floating-point element type a ``Matrix`` can hold: `Double` for learning, `Float` for
/// vector search (as FAISS uses).
///
/// The requirements route the matrix kernels to the BLAS routine of the right precision.
public protocol MatrixScalar: BinaryFloatingPoint, Codable, Sendable, Hashable,
    LosslessStringConvertible, BinaryArrayElement
where Self.RawSignificand: FixedWidthInteger {
    /// `C = alpha * op(A) * op(B) + beta * C` on row-major buffers (BLAS `gemm`).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// `y = alpha * op(A) * x + beta * y` on a row-major `A` (BLAS `gemv`).
    static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
    /// The dot product of two contiguous vectors (BLAS `dot`).
    static func dot(count: Int, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>) -> Self
    /// `y += alpha * x` on contiguous vectors (BLAS `axpy`).
    static func axpy(count: Int, alpha: Self, x: UnsafePointer<Self>, y: UnsafeMutablePointer<Self>)
}
