internal import CLAPACK

/// Dense decompositions and solvers on `Matrix<Double>`, computed by LAPACK (OpenBLAS's build).
///
/// LAPACK is column-major; a row-major matrix is the column-major storage of its transpose, so
/// each wrapper either reinterprets the buffer (SVD, symmetric problems) or transposes once.
/// Every LAPACK failure becomes a ``ToolboxError``: a singular or indefinite matrix is
/// ``ToolboxError/Code/singularMatrix``, an iteration that fails is
/// ``ToolboxError/Code/notConverged``.
public enum LinearAlgebra {
    /// A thin singular value decomposition `A = U · diag(S) · Vᵀ`.
    public struct SVD: Sendable {
        /// Left singular vectors, `m x k` with `k = min(m, n)`.
        public var u: Matrix<Double>
        /// Singular values, descending, length `k`.
        public var singularValues: [Double]
        /// Right singular vectors as rows, `k x n`.
        public var vt: Matrix<Double>

        /// A decomposition assembled by hand (a truncated or randomized one).
        public init(u: Matrix<Double>, singularValues: [Double], vt: Matrix<Double>) {
            self.u = u
            self.singularValues = singularValues
            self.vt = vt
        }
    }

    /// The thin SVD of `a` by divide and conquer (LAPACK `dgesdd`, the routine NumPy's
    /// `svd(full_matrices=False)` calls).
    /// - Throws: ``ToolboxError/Code/invalidData`` for NaN/Inf input,
    ///   ``ToolboxError/Code/notConverged`` when the iteration fails.
    /// - Complexity: O(m·n·min(m, n)).
    public static func svd(_ a: Matrix<Double>) throws -> SVD {
        BLASThreads.prepare()
        try a.validateFinite(name: "A")
        let m = a.rows, n = a.columns, k = min(m, n)
        if k == 0 {
            return SVD(u: Matrix(rows: m, columns: 0), singularValues: [], vt: Matrix(rows: 0, columns: n))
        }
        try Matrix<Double>.checkBLASSize(m, n)
        // Row-major A (m x n) is column-major Aᵀ (n x m). dgesdd on Aᵀ = V S Uᵀ returns
        // "U" = V (n x k, column-major) = Vᵀ row-major, and "VT" = Uᵀ (k x m, column-major) = U row-major.
        var work = a.values
        var s = [Double](repeating: 0, count: k)
        var vtRowMajor = [Double](repeating: 0, count: k * n)   // LAPACK's U
        var uRowMajor = [Double](repeating: 0, count: m * k)    // LAPACK's VT
        var rowsL = Int32(n), colsL = Int32(m), lda = Int32(n), ldu = Int32(n), ldvt = Int32(k)
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var info: Int32 = 0
        var lwork: Int32 = -1
        var query = 0.0
        "S".withCString { jobz in
            dgesdd_(jobz, &rowsL, &colsL, &work, &lda, &s, &vtRowMajor, &ldu, &uRowMajor, &ldvt,
                    &query, &lwork, &iwork, &info, 1)
        }
        try check(info, routine: "dgesdd")
        lwork = try workspaceSize(query)
        var buffer = [Double](repeating: 0, count: Int(lwork))
        "S".withCString { jobz in
            dgesdd_(jobz, &rowsL, &colsL, &work, &lda, &s, &vtRowMajor, &ldu, &uRowMajor, &ldvt,
                    &buffer, &lwork, &iwork, &info, 1)
        }
        try check(info, routine: "dgesdd")
        return SVD(u: Matrix(uncheckedRows: m, columns: k, values: uRowMajor), singularValues: s,
                   vt: Matrix(uncheckedRows: k, columns: n, values: vtRowMajor))
    }

    /// The eigenvalues (ascending) and eigenvectors (as columns) of a symmetric matrix, by LAPACK
    /// `dsyevd`, like NumPy's `eigh`. Only the lower triangle of `a` is read.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` for a non-square matrix,
    ///   ``ToolboxError/Code/notConverged`` when the iteration fails.
    /// - Complexity: O(n³) (LAPACK `dsyevd`).
    public static func symmetricEigen(_ a: Matrix<Double>) throws -> (values: [Double], vectors: Matrix<Double>) {
        BLASThreads.prepare()
        guard a.rows == a.columns else {
            throw ToolboxError(.shapeMismatch, "eigendecomposition needs a square matrix, got \(a.rows) x \(a.columns)")
        }
        try a.validateFinite(name: "A")
        let n = a.rows
        if n == 0 { return ([], Matrix(rows: 0, columns: 0)) }
        try Matrix<Double>.checkBLASSize(n)
        // As NumPy calls it: LAPACK sees A itself (a column-major copy, here the transpose of
        // the row-major values) and reads its lower triangle ("L"). Reading the same numbers as
        // the upper triangle of Aᵀ would reduce the matrix from the other end and give other
        // eigenvector signs.
        var work = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { work[j * n + i] = a.values[i * n + j] } }
        var w = [Double](repeating: 0, count: n)
        var order = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var query = 0.0, iquery: Int32 = 0
        "V".withCString { jobz in
            "L".withCString { uplo in
                dsyevd_(jobz, uplo, &order, &work, &lda, &w, &query, &lwork, &iquery, &liwork, &info, 1, 1)
            }
        }
        try check(info, routine: "dsyevd")
        lwork = try workspaceSize(query); liwork = iquery
        var buffer = [Double](repeating: 0, count: Int(lwork))
        var ibuffer = [Int32](repeating: 0, count: Int(liwork))
        "V".withCString { jobz in
            "L".withCString { uplo in
                dsyevd_(jobz, uplo, &order, &work, &lda, &w, &buffer, &lwork, &ibuffer, &liwork, &info, 1, 1)
            }
        }
        try check(info, routine: "dsyevd")
        // LAPACK leaves eigenvectors in columns of a column-major matrix = rows of ours.
        let vectors = Matrix(uncheckedRows: n, columns: n, values: work).transposed()
        return (w, vectors)
    }

    /// The Cholesky factor `L` (lower triangular, `A = L·Lᵀ`) of a symmetric positive definite
    /// matrix, by LAPACK `dpotrf`. Only the lower triangle of `a` is read.
    /// - Throws: ``ToolboxError/Code/singularMatrix`` when `a` is not positive definite.
    /// - Complexity: O(n³/3) (LAPACK `dpotrf`).
    public static func cholesky(_ a: Matrix<Double>) throws -> Matrix<Double> {
        BLASThreads.prepare()
        guard a.rows == a.columns else {
            throw ToolboxError(.shapeMismatch, "Cholesky needs a square matrix, got \(a.rows) x \(a.columns)")
        }
        try a.validateFinite(name: "A")
        let n = a.rows
        if n == 0 { return a }
        try Matrix<Double>.checkBLASSize(n)
        var work = a.values
        var order = Int32(n), lda = Int32(n), info: Int32 = 0
        // Column-major "U" (A = UᵀU) is row-major lower L = Uᵀ.
        "U".withCString { uplo in dpotrf_(uplo, &order, &work, &lda, &info, 1) }
        if info > 0 {
            throw ToolboxError(.singularMatrix,
                               "matrix is not positive definite (leading minor of order \(info) is not positive)")
        }
        try check(info, routine: "dpotrf")
        for i in 0..<n { for j in (i + 1)..<n { work[i * n + j] = 0 } }
        return Matrix(uncheckedRows: n, columns: n, values: work)
    }

    /// Solves `A·X = B` for a square `A` by LU with partial pivoting (LAPACK `dgesv`).
    /// - Throws: ``ToolboxError/Code/singularMatrix`` when `A` is exactly singular,
    ///   ``ToolboxError/Code/shapeMismatch`` for incompatible shapes.
    /// - Complexity: O(n³ + n²·k) (LU, LAPACK `dgesv`).
    public static func solve(_ a: Matrix<Double>, _ b: Matrix<Double>) throws -> Matrix<Double> {
        BLASThreads.prepare()
        guard a.rows == a.columns else {
            throw ToolboxError(.shapeMismatch, "solve needs a square matrix, got \(a.rows) x \(a.columns)")
        }
        guard b.rows == a.rows else {
            throw ToolboxError(.shapeMismatch, "right-hand side has \(b.rows) rows, A has \(a.rows)")
        }
        try a.validateFinite(name: "A")
        try b.validateFinite(name: "B")
        let n = a.rows
        if n == 0 || b.columns == 0 { return Matrix(rows: n, columns: b.columns) }
        try Matrix<Double>.checkBLASSize(n, b.columns)
        var lu = a.transposed().values            // column-major A
        var rhs = b.transposed().values           // column-major B
        var order = Int32(n), nrhs = Int32(b.columns), lda = Int32(n), ldb = Int32(n), info: Int32 = 0
        var pivots = [Int32](repeating: 0, count: n)
        dgesv_(&order, &nrhs, &lu, &lda, &pivots, &rhs, &ldb, &info)
        if info > 0 {
            throw ToolboxError(.singularMatrix, "matrix is singular: U(\(info), \(info)) is exactly zero")
        }
        try check(info, routine: "dgesv")
        return Matrix(uncheckedRows: b.columns, columns: n, values: rhs).transposed()
    }

    /// Solves `A·x = b` for one right-hand side. See ``solve(_:_:)-(Matrix<Double>,Matrix<Double>)``.
    public static func solve(_ a: Matrix<Double>, _ b: [Double]) throws -> [Double] {
        try solve(a, Matrix.column(b)).values
    }

    /// The result of a least-squares solve.
    public struct LeastSquares: Sendable {
        /// The minimum-norm solution, `n x nrhs`.
        public var solution: Matrix<Double>
        /// The effective rank of `A`.
        public var rank: Int
        /// The singular values of `A`, descending.
        public var singularValues: [Double]
    }

    /// The minimum-norm least-squares solution of `A·X ≈ B` by SVD (LAPACK `dgelsd`, as NumPy's
    /// `lstsq`); handles rank-deficient and under-determined systems.
    /// - Parameter rcond: singular values below `rcond · σ_max` count as zero; `nil` uses
    ///   machine epsilon times `max(m, n)`, NumPy's default.
    /// - Parameter a: the m × n system matrix.
    /// - Parameter b: the right-hand sides, m × k.
    /// - Throws: ``ToolboxError/Code/notConverged`` when the SVD fails.
    /// - Complexity: O(m·n·min(m, n)) (LAPACK `dgelsd`).
    public static func leastSquares(_ a: Matrix<Double>, _ b: Matrix<Double>, rcond: Double? = nil) throws -> LeastSquares {
        BLASThreads.prepare()
        guard b.rows == a.rows else {
            throw ToolboxError(.shapeMismatch, "right-hand side has \(b.rows) rows, A has \(a.rows)")
        }
        try a.validateFinite(name: "A")
        try b.validateFinite(name: "B")
        let m = a.rows, n = a.columns, nrhs = b.columns
        if m == 0 || n == 0 || nrhs == 0 {
            return LeastSquares(solution: Matrix(rows: n, columns: nrhs), rank: 0, singularValues: [])
        }
        try Matrix<Double>.checkBLASSize(m, n, nrhs)
        let ldbCount = max(m, n)
        var colA = a.transposed().values
        var colB = [Double](repeating: 0, count: ldbCount * nrhs)
        for i in 0..<m { for j in 0..<nrhs { colB[j * ldbCount + i] = b[i, j] } }
        var s = [Double](repeating: 0, count: min(m, n))
        var cond = rcond ?? Double.ulpOfOne * Double(max(m, n))
        var rows32 = Int32(m), cols32 = Int32(n), nrhs32 = Int32(nrhs)
        var lda = Int32(m), ldb = Int32(ldbCount), rank: Int32 = 0, info: Int32 = 0
        var lwork: Int32 = -1, query = 0.0, iquery: Int32 = 0
        dgelsd_(&rows32, &cols32, &nrhs32, &colA, &lda, &colB, &ldb, &s, &cond, &rank, &query, &lwork, &iquery, &info)
        try check(info, routine: "dgelsd")
        lwork = try workspaceSize(query)
        var buffer = [Double](repeating: 0, count: Int(lwork))
        var ibuffer = [Int32](repeating: 0, count: max(Int(iquery), 1))
        colA = a.transposed().values
        dgelsd_(&rows32, &cols32, &nrhs32, &colA, &lda, &colB, &ldb, &s, &cond, &rank, &buffer, &lwork, &ibuffer, &info)
        try check(info, routine: "dgelsd")
        let solution = Matrix<Double>(rows: n, columns: nrhs) { i, j in colB[j * ldbCount + i] }
        return LeastSquares(solution: solution, rank: Int(rank), singularValues: s)
    }

    /// The workspace LAPACK asked for, as its 32-bit size; a problem too large for that is an
    /// error rather than a trap.
    private static func workspaceSize(_ query: Double) throws -> Int32 {
        let size = query.rounded(.up)
        guard size.isFinite, size >= 1, size <= Double(Int32.max) else {
            throw ToolboxError(.unsupported, "the problem needs a LAPACK workspace of \(query) elements, beyond its 32-bit limit")
        }
        return Int32(size)
    }

    private static func check(_ info: Int32, routine: String) throws {
        if info < 0 {
            // A negative info is an argument this wrapper passed wrongly: a bug, not user input.
            throw ToolboxError(.invalidParameter, "\(routine) rejected argument \(-info)")
        }
        if info > 0 {
            throw ToolboxError(.notConverged, "\(routine) did not converge (info \(info))")
        }
    }
}
