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
        a.withUnsafeBufferPointer { values in
            result.withUnsafeMutableBufferPointer { out in
                // Row-major A (m x n) is column-major Aᵀ; C = AᵀA is the upper triangle, row-major.
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(m), 1, values.baseAddress!, Int32(n),
                            0, out.baseAddress!, Int32(n))
            }
        }
        for i in 0..<n {
            for j in 0..<i { result[i, j] = result[j, i] }
        }
        return result
    }
}
