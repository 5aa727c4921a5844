internal import CBLAS

extension LinearAlgebra {
    /// The Gram matrix `AᵀA` (columns × columns), by BLAS `dsyrk`: half the work of a general
    /// product, as NumPy does for `A.T @ A`, and exactly symmetric.
    ///
    /// OpenBLAS runs `dsyrk` on one core when the result is small, however many rows there are.
    /// So a tall, narrow matrix (fewer than 256 columns) is cut into at most eight blocks of
    /// rows, whose Gram matrices are computed in parallel and added in block order; the blocks
    /// depend on the shape alone, so the result is the same on any number of threads.
    /// - Complexity: O(m·n²) for an m x n matrix.
    public static func gram(_ a: Matrix<Double>) throws -> Matrix<Double> {
        let (m, n) = (a.rows, a.columns)
        try Matrix<Double>.checkBLASSize(m, n)
        BLASThreads.prepare()
        var result = Matrix<Double>(rows: n, columns: n)
        guard m > 0, n > 0 else { return result }
        let minimumBlock = 8_192
        let grain = n < 256 ? max(minimumBlock, (m + 7) / 8) : m
        try a.withUnsafeBufferPointer { values in
            try result.withUnsafeMutableBufferPointer { out in
                if grain >= m {
                    syrk(values.baseAddress!, rows: m, columns: n, into: out.baseAddress!)
                    return
                }
                let source = UnsafeSendable(values.baseAddress!)
                let partials = try Parallel.map(count: m, grain: grain) { range -> [Double] in
                    var partial = [Double](repeating: 0, count: n * n)
                    partial.withUnsafeMutableBufferPointer { partial in
                        syrk(source.value + range.lowerBound * n, rows: range.count, columns: n, into: partial.baseAddress!)
                    }
                    return partial
                }
                for partial in partials {
                    for i in 0..<n {
                        for j in i..<n { out[i * n + j] += partial[i * n + j] }
                    }
                }
            }
        }
        for i in 0..<n {
            for j in 0..<i { result[i, j] = result[j, i] }
        }
        return result
    }

    /// The upper triangle of `AᵀA` for a row-major `rows` x `columns` block, written row-major.
    private static func syrk(_ a: UnsafePointer<Double>, rows: Int, columns: Int, into c: UnsafeMutablePointer<Double>) {
        // Row-major A is column-major Aᵀ; C = AᵀA is the upper triangle, row-major.
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows), 1, a, Int32(columns),
                    0, c, Int32(columns))
    }
}
