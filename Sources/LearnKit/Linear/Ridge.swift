public import ToolboxCore

/// Least squares with an L2 penalty, as scikit-learn's `Ridge`: minimizes
/// ‖y − Xw − b‖² + α‖w‖², solved in closed form, (XᵀX + αI) w = Xᵀy, by LAPACK on centered data.
public struct Ridge: Estimator, Configurable, Hashable, LinearModelNaming {
    /// `alpha` (Double ≥ 0, default 1): the L2 penalty strength α; larger shrinks more.
    public var alpha: Double
    /// `fit_intercept` (Bool, default `true`): fit an unpenalized intercept.
    public var fitIntercept: Bool

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<Ridge>] = [
        .real("alpha", \.alpha, minimum: 0, "L2 penalty strength; larger shrinks the coefficients more").hinted(.logUniform(1e-4, 1e4)),
        .bool("fit_intercept", \.fitIntercept, "fit an unpenalized intercept"),
    ]

    /// The pieces of the fit context this estimator honours.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights] }

    /// The scikit-learn class this model mirrors, which names its archive type.
    public static var linearModelName: String { "Ridge" }
    /// The fitted model type.
    public typealias Model = LinearModel<Ridge>

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        alpha = 1
        fitIntercept = true
    }

    /// Ridge with penalty strength `alpha`, fitting an intercept unless told not to.
    public init(alpha: Double, fitIntercept: Bool = true) {
        self.alpha = alpha
        self.fitIntercept = fitIntercept
    }

    /// With more features than rows (p > n) and α > 0 the dual (kernel) system is solved
    /// instead, as scikit-learn's `cholesky` solver does: w = Xᵀ(XXᵀ + αI)⁻¹y.
    /// - Complexity: O(n·p·min(n, p) + min(n, p)³) time, O(n·p + min(n, p)²) memory.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> LinearModel<Ridge> {
        guard alpha.isFinite, alpha >= 0 else {
            throw ToolboxError(.invalidParameter, "alpha must be finite and non-negative, got \(alpha)", context: ErrorContext(parameter: "alpha"))
        }
        try validateRegressionInput(x, y)
        let schema = try context.validated(x: x, y: y)
        let weights = try SampleWeightValidation.validate(context.sampleWeights, rows: x.rows)
        let data = CenteredData(x, y, weights: weights, fitIntercept: fitIntercept)
        let (design, target) = data.rowsScaled(by: weights, weighted: context.sampleWeights != nil)
        if design.columns > design.rows, alpha > 0 {
            var kernel = try design.multiplied(by: design, transposeOther: true)
            for i in 0..<kernel.rows { kernel[i, i] += alpha }
            let dual = try Self.choleskySolve(try LinearAlgebra.cholesky(kernel), target)
            let coefficients = try design.multiplied(by: dual, transposeSelf: true)
            return LinearModel(hyperparameters: self, coefficients: BinaryArray(coefficients),
                               intercept: data.intercept(for: coefficients), iterations: 0, converged: true, schema: schema)
        }
        var gram = try design.multiplied(by: design, transposeSelf: true)
        for j in 0..<gram.rows { gram[j, j] += alpha }
        let rhs = try design.multiplied(by: target, transposeSelf: true)
        let coefficients: [Double]
        do {
            // Symmetric positive definite for α > 0: Cholesky, as scikit-learn's default solver.
            let l = try LinearAlgebra.cholesky(gram)
            coefficients = try Self.choleskySolve(l, rhs)
        } catch let error as ToolboxError where error.code == .singularMatrix {
            // α = 0 with collinear features: fall back to the minimum-norm least-squares solution.
            coefficients = try LinearAlgebra.leastSquares(gram, Matrix.column(rhs)).solution.values
        }
        return LinearModel(hyperparameters: self, coefficients: BinaryArray(coefficients),
                           intercept: data.intercept(for: coefficients), iterations: 0, converged: true, schema: schema)
    }

    /// Solves L·Lᵀ·w = b by forward then back substitution.
    static func choleskySolve(_ l: Matrix<Double>, _ b: [Double]) throws -> [Double] {
        let n = b.count
        var z = b
        for i in 0..<n {
            var s = z[i]
            for k in 0..<i { s -= l[i, k] * z[k] }
            z[i] = s / l[i, i]
        }
        var w = z
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = w[i]
            for k in (i + 1)..<max(n, i + 1) where k < n { s -= l[k, i] * w[k] }
            w[i] = s / l[i, i]
        }
        return w
    }
}
