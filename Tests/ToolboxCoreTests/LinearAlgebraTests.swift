import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

struct LinearAlgebraGolden: Decodable {
    var a, b, s, rhs, tall, target, deficient, wide: GoldenMatrix
    var v, w: [Double]
    var a_times_b, at_times_a: GoldenMatrix
    var a_times_v, at_times_col: [Double]
    var dot_v_w: Double
    var axpy_2v_plus_w: [Double]
    var svd_singular_values, svd_wide_singular_values, eigh_values, lstsq_singular_values: [Double]
    var eigh_vectors_abs, cholesky_lower, solve, lstsq, lstsq_deficient, float_a_times_b: GoldenMatrix
    var lstsq_rank, lstsq_deficient_rank: Int
}

@Suite("BLAS and LAPACK against NumPy")
struct LinearAlgebraTests {
    let golden: LinearAlgebraGolden

    init() throws {
        golden = try GoldenFiles().load(LinearAlgebraGolden.self, "linear_algebra.json")
    }

    @Test func matrixMultiply() throws {
        let product = try golden.a.matrix * golden.b.matrix
        #expect(mismatch(product, try golden.a_times_b.matrix, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
        let gram = try golden.a.matrix.multiplied(by: golden.a.matrix, transposeSelf: true)
        #expect(mismatch(gram, try golden.at_times_a.matrix, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
        let viaTranspose = try golden.a.matrix.transposed() * golden.a.matrix
        #expect(mismatch(viaTranspose, gram, relativeTolerance: 1e-14, absoluteTolerance: 1e-14) == nil)
    }

    @Test func gramMatchesTheTransposedProduct() throws {
        let gram = try LinearAlgebra.gram(golden.a.matrix)
        #expect(mismatch(gram, try golden.at_times_a.matrix, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
        // Small integers keep every sum exact: dsyrk and the general product agree bit for bit.
        var generator = SeededGenerator(seed: 11)
        let tall = Matrix<Double>(rows: 20_003, columns: 7) { _, _ in Double(Int.random(in: -3...3, using: &generator)) }
        let blocked = try LinearAlgebra.gram(tall)
        #expect(blocked == (try tall.multiplied(by: tall, transposeSelf: true)))
        #expect(try LinearAlgebra.gram(Matrix(rows: 0, columns: 3)) == Matrix(rows: 3, columns: 3))
    }

    /// The BLAS policy: one OpenBLAS thread per call unless the environment asks otherwise,
    /// applied before the first product.
    @Test func openBLASRunsOneThreadPerCallByDefault() throws {
        let environment = ProcessInfo.processInfo.environment
        _ = try Matrix<Double>.identity(3).multiplied(by: Matrix<Double>.identity(3))
        if environment["DSTOOLBOX_BLAS_THREADS"] == nil && environment["OPENBLAS_NUM_THREADS"] == nil {
            #expect(BLASThreads.configured == 1)
        }
        #expect(BLASThreads.singleThreaded { 7 } == 7)
    }

    @Test func floatMatrixMultiply() throws {
        let a = try Matrix<Float>(rows: golden.a.rows, columns: golden.a.columns, values: golden.a.values.map { Float($0) })
        let b = try Matrix<Float>(rows: golden.b.rows, columns: golden.b.columns, values: golden.b.values.map { Float($0) })
        let product = try a * b
        let asDouble = product.values.map { Double($0) }
        #expect(mismatch(asDouble, golden.float_a_times_b.values, relativeTolerance: 1e-5, absoluteTolerance: 1e-5) == nil)
    }

    @Test func matrixVectorDotAxpy() throws {
        let a = try golden.a.matrix
        #expect(mismatch(try a.multiplied(by: golden.v), golden.a_times_v, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
        #expect(mismatch(try a.multiplied(by: a.column(0), transposeSelf: true), golden.at_times_col,
                         relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
        #expect(isClose(try Vector.dot(golden.v, golden.w), golden.dot_v_w, relativeTolerance: 1e-14))
        var y = golden.w
        try Vector.axpy(2, golden.v, &y)
        #expect(mismatch(y, golden.axpy_2v_plus_w, relativeTolerance: 1e-15) == nil)
    }

    @Test func shapeErrorsAreTyped() throws {
        let a = try golden.a.matrix
        #expect(throws: ToolboxError.self) { try a * a }
        do {
            _ = try a.multiplied(by: [1, 2])
            Issue.record("expected a shape error")
        } catch let error as ToolboxError {
            #expect(error.code == .shapeMismatch)
        }
        #expect(throws: ToolboxError.self) { try Vector.dot([1.0], [1.0, 2.0]) }
        #expect(throws: ToolboxError.self) { try Matrix<Double>(rows: 2, columns: 2, values: [1, 2, 3]) }
    }

    @Test(arguments: ["a", "wide", "tall"])
    func svdReconstructs(name: String) throws {
        let a: Matrix<Double> = switch name {
        case "a": try golden.a.matrix
        case "wide": try golden.wide.matrix
        default: try golden.tall.matrix
        }
        let svd = try LinearAlgebra.svd(a)
        let k = min(a.rows, a.columns)
        #expect(svd.u.rows == a.rows && svd.u.columns == k && svd.vt.rows == k && svd.vt.columns == a.columns)
        let us = svd.u.mapColumns { value, j in value * svd.singularValues[j] }
        let rebuilt = try us * svd.vt
        #expect(rebuilt.maxAbsoluteDifference(a) < 1e-10)
        // U has orthonormal columns.
        let utu = try svd.u.multiplied(by: svd.u, transposeSelf: true)
        #expect(utu.maxAbsoluteDifference(.identity(k)) < 1e-12)
        if name == "a" {
            #expect(mismatch(svd.singularValues, golden.svd_singular_values, relativeTolerance: 1e-12) == nil)
        } else if name == "wide" {
            #expect(mismatch(svd.singularValues, golden.svd_wide_singular_values, relativeTolerance: 1e-12) == nil)
        }
    }

    @Test func symmetricEigen() throws {
        let s = try golden.s.matrix
        let (values, vectors) = try LinearAlgebra.symmetricEigen(s)
        #expect(mismatch(values, golden.eigh_values, relativeTolerance: 1e-12) == nil)
        // Eigenvectors are defined up to sign.
        #expect(mismatch(vectors.map(abs), try golden.eigh_vectors_abs.matrix, relativeTolerance: 1e-9, absoluteTolerance: 1e-12) == nil)
        let av = try s * vectors
        let vl = vectors.mapColumns { value, j in value * values[j] }
        #expect(av.maxAbsoluteDifference(vl) < 1e-10)
    }

    @Test func cholesky() throws {
        let l = try LinearAlgebra.cholesky(try golden.s.matrix)
        #expect(mismatch(l, try golden.cholesky_lower.matrix, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil)
        do {
            _ = try LinearAlgebra.cholesky(try Matrix([[1, 2], [2, 1]]))
            Issue.record("an indefinite matrix was factored")
        } catch let error as ToolboxError {
            #expect(error.code == .singularMatrix)
        }
    }

    @Test func solve() throws {
        let x = try LinearAlgebra.solve(try golden.s.matrix, try golden.rhs.matrix)
        #expect(mismatch(x, try golden.solve.matrix, relativeTolerance: 1e-11, absoluteTolerance: 1e-13) == nil)
        let single = try LinearAlgebra.solve(try golden.s.matrix, golden.rhs.matrix.column(0))
        #expect(mismatch(single, try golden.solve.matrix.column(0), relativeTolerance: 1e-11) == nil)
        do {
            _ = try LinearAlgebra.solve(try Matrix([[1, 2], [2, 4]]), [1, 2])
            Issue.record("a singular system was solved")
        } catch let error as ToolboxError {
            #expect(error.code == .singularMatrix)
        }
    }

    @Test func leastSquares() throws {
        let result = try LinearAlgebra.leastSquares(try golden.tall.matrix, try golden.target.matrix)
        #expect(result.rank == golden.lstsq_rank)
        #expect(mismatch(result.solution, try golden.lstsq.matrix, relativeTolerance: 1e-11, absoluteTolerance: 1e-13) == nil)
        #expect(mismatch(result.singularValues, golden.lstsq_singular_values, relativeTolerance: 1e-12) == nil)
        let deficient = try LinearAlgebra.leastSquares(try golden.deficient.matrix, try golden.target.matrix)
        #expect(deficient.rank == golden.lstsq_deficient_rank)
        #expect(mismatch(deficient.solution, try golden.lstsq_deficient.matrix, relativeTolerance: 1e-9, absoluteTolerance: 1e-12) == nil)
    }

    @Test func nonFiniteInputIsRejected() throws {
        var a = try golden.s.matrix
        a[1, 2] = .nan
        do {
            _ = try LinearAlgebra.svd(a)
            Issue.record("NaN accepted")
        } catch let error as ToolboxError {
            #expect(error.code == .invalidData)
            #expect(error.context.row == 1 && error.context.column == "2")
        }
        #expect(throws: ToolboxError.self) { try LinearAlgebra.symmetricEigen(a) }
        #expect(throws: ToolboxError.self) { try LinearAlgebra.leastSquares(a, a) }
    }

    @Test func emptyMatricesAreHandled() throws {
        let empty = Matrix<Double>(rows: 0, columns: 3)
        let svd = try LinearAlgebra.svd(empty)
        #expect(svd.singularValues.isEmpty)
        let product = try empty.multiplied(by: Matrix(rows: 3, columns: 2, repeating: 1))
        #expect(product.rows == 0 && product.columns == 2)
        #expect(try Vector.dot([Double](), []) == 0)
    }
}
