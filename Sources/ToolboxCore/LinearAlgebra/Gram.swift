internal import CBLAS

extension LinearAlgebra {
    /// The Gram matrix `AᵀA` (columns × columns), by BLAS `dsyrk`: half the work of a general
    /// product, as NumPy does for `A.T @ A`, and exactly symmetric.
    /// - Complexity: O(m·n²) for an m x n matrix.
    public static func gram(_ a: Matrix<Double>) throws -> Matrix<Double> {
        let (m, n) = (a.rows, a.columns)
        try Matrix<Double>.checkBLASSize(m, n)
        var result = Matrix<Double>(rows: n, columns: n)
        guard m > 0, n > 0 else { return result }
        // Tall and narrow (PCA's covariance, least squares): row blocks on our own threads with
        // single-threaded BLAS, summed in block order. OpenBLAS's threaded dsyrk gains little at
        // these shapes and its idle workers spin against ours. Blocks depend only on m, so the
        // sum is the same bits for any thread count; at most 16 n x n partial products are held.
        let grain = max(32_768, (m + 15) / 16)
        if m > grain, n <= 512, Parallel.defaultThreadCount > 1 {
            let partials = try a.withUnsafeBufferPointer { values in
                let base = UnsafeSendable(values.baseAddress!)
                return try BLASThreads.singleThreaded {
                    try Parallel.map(count: m, grain: grain) { rows -> [Double] in
                        var block = [Double](repeating: 0, count: n * n)
                        block.withUnsafeMutableBufferPointer { out in
                            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(rows.count), 1,
                                        base.value + rows.lowerBound * n, Int32(n), 0, out.baseAddress!, Int32(n))
                        }
                        return block
                    }
                }
            }
            result.withUnsafeMutableBufferPointer { out in
                for block in partials {
                    for i in 0..<n { for j in i..<n { out[i * n + j] += block[i * n + j] } }
                }
            }
        } else {
            a.withUnsafeBufferPointer { values in
                result.withUnsafeMutableBufferPointer { out in
                    // Row-major A (m x n) is column-major Aᵀ; C = AᵀA is the upper triangle, row-major.
                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(m), 1, values.baseAddress!, Int32(n),
                                0, out.baseAddress!, Int32(n))
                }
            }
        }
        for i in 0..<n {
            for j in 0..<i { result[i, j] = result[j, i] }
        }
        return result
    }
}
