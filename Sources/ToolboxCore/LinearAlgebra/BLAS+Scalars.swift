internal import CBLAS

// BLAS takes 32-bit sizes (`blasint`); Matrix guards every size before it gets here.

extension Double: MatrixScalar {
    /// `C = alpha A B + beta C` on row-major matrices, through OpenBLAS's `cblas_dgemm`.
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        BLASThreads.prepare()
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y = alpha A x + beta y` on a row-major matrix, through `cblas_dgemv`.
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        BLASThreads.prepare()
        cblas_dgemv(
            CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha,
            a, Int32(lda), x, 1, beta, y, 1)
    }

    /// The dot product of `count` contiguous values, through `cblas_ddot`.
    public static func dot(count: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        BLASThreads.prepare()
        return cblas_ddot(Int32(count), x, 1, y, 1)
    }

    /// `y += alpha x` over `count` contiguous values, through `cblas_daxpy`.
    public static func axpy(count: Int, alpha: Double, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        BLASThreads.prepare()
        cblas_daxpy(Int32(count), alpha, x, 1, y, 1)
    }
}

extension Float: MatrixScalar {
    /// `C = alpha A B + beta C` on row-major matrices, through OpenBLAS's `cblas_sgemm`.
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BLASThreads.prepare()
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y = alpha A x + beta y` on a row-major matrix, through `cblas_sgemv`.
    public static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        BLASThreads.prepare()
        cblas_sgemv(
            CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha,
            a, Int32(lda), x, 1, beta, y, 1)
    }

    /// The dot product of `count` contiguous values, through `cblas_sdot`.
    public static func dot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        BLASThreads.prepare()
        return cblas_sdot(Int32(count), x, 1, y, 1)
    }

    /// `y += alpha x` over `count` contiguous values, through `cblas_saxpy`.
    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        BLASThreads.prepare()
        cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
    }
}
