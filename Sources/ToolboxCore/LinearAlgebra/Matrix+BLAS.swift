extension Matrix {
    /// The matrix product `op(self) * op(other)`, computed by BLAS `gemm`.
    ///
    /// - Parameters:
    ///   - transposeSelf: use `selfᵀ` instead of `self` (no copy is made).
    ///   - transposeOther: use `otherᵀ` instead of `other`.
    /// - Parameter other: the right factor.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when the inner dimensions differ.
    /// - Complexity: O(m·n·k) floating-point operations, multithreaded inside OpenBLAS.
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(exported: true, where Scalar == Float)
    public func multiplied(
        by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false
    ) throws -> Matrix {
        let m = transposeSelf ? columns : rows
        let k = transposeSelf ? rows : columns
        let k2 = transposeOther ? other.columns : other.rows
        let n = transposeOther ? other.rows : other.columns
        guard k == k2 else {
            throw ToolboxError(.shapeMismatch,
                               "cannot multiply \(m) x \(k) by \(k2) x \(n): inner dimensions differ")
        }
        try Self.checkBLASSize(m, n, k)
        var result = Matrix(rows: m, columns: n)
        if m == 0 || n == 0 { return result }
        if k == 0 { return result }
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                result.values.withUnsafeMutableBufferPointer { c in
                    Scalar.gemm(
                        transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                        alpha: 1, a: a.baseAddress!, lda: max(columns, 1),
                        b: b.baseAddress!, ldb: max(other.columns, 1),
                        beta: 0, c: c.baseAddress!, ldc: max(n, 1))
                }
            }
        }
        return result
    }

    /// The matrix product, computed by BLAS `gemm`.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when `lhs.columns != rhs.rows`.
    public static func * (lhs: Matrix, rhs: Matrix) throws -> Matrix {
        try lhs.multiplied(by: rhs)
    }

    /// The matrix-vector product `op(self) * vector`, computed by BLAS `gemv`.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when the vector length differs from the
    ///   (transposed) column count.
    /// - Complexity: O(m·n) (BLAS `gemv`).
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(exported: true, where Scalar == Float)
    public func multiplied(by vector: [Scalar], transposeSelf: Bool = false) throws -> [Scalar] {
        let inner = transposeSelf ? rows : columns
        let outer = transposeSelf ? columns : rows
        guard vector.count == inner else {
            throw ToolboxError(.shapeMismatch,
                               "cannot multiply a \(rows) x \(columns) matrix\(transposeSelf ? " (transposed)" : "") by a vector of length \(vector.count)")
        }
        try Self.checkBLASSize(rows, columns, 1)
        var y = [Scalar](repeating: 0, count: outer)
        if outer == 0 || inner == 0 { return y }
        values.withUnsafeBufferPointer { a in
            vector.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { out in
                    Scalar.gemv(transpose: transposeSelf, m: rows, n: columns, alpha: 1,
                                a: a.baseAddress!, lda: max(columns, 1), x: x.baseAddress!,
                                beta: 0, y: out.baseAddress!)
                }
            }
        }
        return y
    }

    static func checkBLASSize(_ sizes: Int...) throws {
        for size in sizes where size > Int(Int32.max) {
            throw ToolboxError(.unsupported, "dimension \(size) exceeds BLAS's 32-bit limit \(Int32.max)")
        }
    }
}

/// Vector kernels on contiguous arrays, computed by BLAS.
public enum Vector {
    /// The dot product `Σ xᵢ yᵢ` (BLAS `dot`).
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when the lengths differ.
    public static func dot<Scalar: MatrixScalar>(_ x: [Scalar], _ y: [Scalar]) throws -> Scalar {
        guard x.count == y.count else {
            throw ToolboxError(.shapeMismatch, "dot product of vectors of length \(x.count) and \(y.count)")
        }
        try Matrix<Scalar>.checkBLASSize(x.count)
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in Scalar.dot(count: x.count, a.baseAddress!, b.baseAddress!) }
        }
    }

    /// `y += alpha * x` in place (BLAS `axpy`).
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when the lengths differ.
    public static func axpy<Scalar: MatrixScalar>(_ alpha: Scalar, _ x: [Scalar], _ y: inout [Scalar]) throws {
        guard x.count == y.count else {
            throw ToolboxError(.shapeMismatch, "axpy of vectors of length \(x.count) and \(y.count)")
        }
        try Matrix<Scalar>.checkBLASSize(x.count)
        if x.isEmpty { return }
        x.withUnsafeBufferPointer { a in
            y.withUnsafeMutableBufferPointer { b in
                Scalar.axpy(count: a.count, alpha: alpha, x: a.baseAddress!, y: b.baseAddress!)
            }
        }
    }
}
