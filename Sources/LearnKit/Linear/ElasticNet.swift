public import ToolboxCore

/// Linear regression with combined L1 and L2 penalties, as scikit-learn's `ElasticNet`:
/// minimizes 1/(2n)‖y − Xw − b‖² + α·ρ‖w‖₁ + α(1 − ρ)/2‖w‖², ρ = `l1Ratio`,
/// by cyclic coordinate descent stopped on the duality gap (Friedman, Hastie and Tibshirani,
/// "Regularization Paths for Generalized Linear Models via Coordinate Descent", 2010).
public struct ElasticNet: Estimator, Configurable, Hashable, LinearModelNaming {
    /// `alpha` (Double ≥ 0, default 1): the overall penalty strength α.
    public var alpha: Double
    /// `l1_ratio` (Double in [0, 1], default 0.5): ρ, the L1 share of the penalty; 1 is the lasso, 0 ridge.
    public var l1Ratio: Double
    /// `fit_intercept` (Bool, default `true`): fit an unpenalized intercept.
    public var fitIntercept: Bool
    /// `max_iter` (Int ≥ 1, default 1000): the most coordinate-descent sweeps.
    public var maxIterations: Int
    /// `tol` (Double ≥ 0, default 1e-4): stop when the duality gap is below `tolerance · ‖y‖²`
    /// (and coefficient updates are small).
    public var tolerance: Double
    /// `positive` (Bool, default `false`): constrain coefficients to be non-negative.
    public var positive: Bool

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<ElasticNet>] = [
        .real("alpha", \.alpha, minimum: 0, "overall penalty strength").hinted(.logUniform(1e-5, 10)),
        .real("l1_ratio", \.l1Ratio, minimum: 0, maximum: 1, "L1 share of the penalty (1: lasso, 0: ridge)").hinted(.uniform(0, 1)),
        .bool("fit_intercept", \.fitIntercept, "fit an unpenalized intercept"),
        .integer("max_iter", \.maxIterations, minimum: 1, "most coordinate-descent sweeps"),
        .real("tol", \.tolerance, minimum: 0, "duality-gap tolerance, relative to ||y||^2"),
        .bool("positive", \.positive, "constrain coefficients to be non-negative"),
    ]

    /// The scikit-learn class this model mirrors, which names its archive type.
    public static var linearModelName: String { "ElasticNet" }

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        alpha = 1
        l1Ratio = 0.5
        fitIntercept = true
        maxIterations = 1000
        tolerance = 1e-4
        positive = false
    }

    /// Elastic net with penalty `alpha` split between L1 (`l1Ratio`) and L2, solved by coordinate descent to `tolerance`.
    public init(alpha: Double, l1Ratio: Double = 0.5, fitIntercept: Bool = true, maxIterations: Int = 1000,
                tolerance: Double = 1e-4, positive: Bool = false) {
        self.alpha = alpha
        self.l1Ratio = l1Ratio
        self.fitIntercept = fitIntercept
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.positive = positive
    }

    /// - Complexity: O(n·p) per sweep.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> LinearModel<ElasticNet> {
        let schema = try context.validated(x: x, y: y)
        let solution = try CoordinateDescent.solve(x, y, alpha: alpha, l1Ratio: l1Ratio, fitIntercept: fitIntercept,
                                                   maxIterations: maxIterations, tolerance: tolerance, positive: positive)
        return LinearModel(hyperparameters: self, coefficients: BinaryArray(solution.coefficients), intercept: solution.intercept,
                           iterations: solution.iterations, converged: solution.converged, schema: schema)
    }
}

/// The lasso: ``ElasticNet`` with `l1Ratio` 1, as scikit-learn's `Lasso`.
public struct Lasso: Estimator, Configurable, Hashable, LinearModelNaming {
    /// `alpha` (Double ≥ 0, default 1): the L1 penalty strength α.
    public var alpha: Double
    /// `fit_intercept` (Bool, default `true`): fit an unpenalized intercept.
    public var fitIntercept: Bool
    /// `max_iter` (Int ≥ 1, default 1000): the most coordinate-descent sweeps.
    public var maxIterations: Int
    /// `tol` (Double ≥ 0, default 1e-4): duality-gap tolerance, relative to ‖y‖².
    public var tolerance: Double
    /// `positive` (Bool, default `false`): constrain coefficients to be non-negative.
    public var positive: Bool

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<Lasso>] = [
        .real("alpha", \.alpha, minimum: 0, "L1 penalty strength").hinted(.logUniform(1e-5, 10)),
        .bool("fit_intercept", \.fitIntercept, "fit an unpenalized intercept"),
        .integer("max_iter", \.maxIterations, minimum: 1, "most coordinate-descent sweeps"),
        .real("tol", \.tolerance, minimum: 0, "duality-gap tolerance, relative to ||y||^2"),
        .bool("positive", \.positive, "constrain coefficients to be non-negative"),
    ]

    /// The scikit-learn class this model mirrors, which names its archive type.
    public static var linearModelName: String { "Lasso" }

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        alpha = 1
        fitIntercept = true
        maxIterations = 1000
        tolerance = 1e-4
        positive = false
    }

    /// Lasso with penalty `alpha`, solved by coordinate descent to `tolerance`.
    public init(alpha: Double, fitIntercept: Bool = true, maxIterations: Int = 1000, tolerance: Double = 1e-4, positive: Bool = false) {
        self.alpha = alpha
        self.fitIntercept = fitIntercept
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.positive = positive
    }

    /// - Complexity: O(n·p) per sweep.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> LinearModel<Lasso> {
        let schema = try context.validated(x: x, y: y)
        let solution = try CoordinateDescent.solve(x, y, alpha: alpha, l1Ratio: 1, fitIntercept: fitIntercept,
                                                   maxIterations: maxIterations, tolerance: tolerance, positive: positive)
        return LinearModel(hyperparameters: self, coefficients: BinaryArray(solution.coefficients), intercept: solution.intercept,
                           iterations: solution.iterations, converged: solution.converged, schema: schema)
    }
}

/// Cyclic coordinate descent for the elastic net with scikit-learn's duality-gap stopping rule.
enum CoordinateDescent {
    struct Solution {
        var coefficients: [Double]
        var intercept: Double
        var iterations: Int
        var converged: Bool
        var gap: Double
    }

    static func solve(_ x: Matrix<Double>, _ y: [Double], alpha: Double, l1Ratio: Double, fitIntercept: Bool,
                      maxIterations: Int, tolerance: Double, positive: Bool) throws -> Solution {
        guard alpha.isFinite, alpha >= 0 else {
            throw ToolboxError(.invalidParameter, "alpha must be finite and non-negative, got \(alpha)", context: ErrorContext(parameter: "alpha"))
        }
        guard l1Ratio >= 0, l1Ratio <= 1 else {
            throw ToolboxError(.invalidParameter, "l1Ratio must be in [0, 1], got \(l1Ratio)", context: ErrorContext(parameter: "l1Ratio"))
        }
        guard maxIterations > 0 else {
            throw ToolboxError(.invalidParameter, "maxIterations must be positive", context: ErrorContext(parameter: "maxIterations"))
        }
        guard tolerance.isFinite, tolerance >= 0 else {
            throw ToolboxError(.invalidParameter, "tolerance must be finite and non-negative", context: ErrorContext(parameter: "tolerance"))
        }
        try validateRegressionInput(x, y)
        let data = CenteredData(x, y, weights: [Double](repeating: 1, count: x.rows), fitIntercept: fitIntercept)
        let n = x.rows, p = x.columns
        // Column-major copy: every update is a dot product down one column.
        let columns = data.x.transposed().values
        let target = data.y
        let l1 = alpha * l1Ratio * Double(n)
        let l2 = alpha * (1 - l1Ratio) * Double(n)
        var w = [Double](repeating: 0, count: p)
        var residual = target
        let norms = (0..<p).map { j in (0..<n).reduce(0.0) { $0 + columns[j * n + $1] * columns[j * n + $1] } }
        let scaledTolerance = tolerance * target.reduce(0) { $0 + $1 * $1 }
        var iterations = 0, converged = false, gap = Double.infinity

        columns.withUnsafeBufferPointer { cols in
            residual.withUnsafeMutableBufferPointer { r in
                for iteration in 0..<maxIterations {
                    iterations = iteration + 1
                    var maxW = 0.0, maxDelta = 0.0
                    for j in 0..<p where norms[j] != 0 {
                        let column = cols.baseAddress! + j * n
                        let old = w[j]
                        if old != 0 { for i in 0..<n { r[i] += old * column[i] } }
                        var dot = 0.0
                        for i in 0..<n { dot += column[i] * r[i] }
                        if positive && dot < 0 {
                            w[j] = 0
                        } else {
                            w[j] = (dot < 0 ? -1 : 1) * max(abs(dot) - l1, 0) / (norms[j] + l2)
                        }
                        if w[j] != 0 { for i in 0..<n { r[i] -= w[j] * column[i] } }
                        maxDelta = max(maxDelta, abs(w[j] - old))
                        maxW = max(maxW, abs(w[j]))
                    }
                    if maxW == 0 || maxDelta / maxW < tolerance || iteration == maxIterations - 1 {
                        gap = dualityGap(cols, r, target, w, n: n, p: p, l1: l1, l2: l2, positive: positive)
                        if gap < scaledTolerance {
                            converged = true
                            break
                        }
                    }
                }
            }
        }
        if !w.allSatisfy(\.isFinite) {
            throw ToolboxError(.notConverged, "coordinate descent diverged; scale the features or raise alpha")
        }
        return Solution(coefficients: w, intercept: data.intercept(for: w), iterations: iterations, converged: converged, gap: gap)
    }

    /// The elastic-net duality gap at `w` with residual `r` (scikit-learn's formula).
    static func dualityGap(_ cols: UnsafeBufferPointer<Double>, _ r: UnsafeMutableBufferPointer<Double>, _ y: [Double], _ w: [Double],
                           n: Int, p: Int, l1: Double, l2: Double, positive: Bool) -> Double {
        var dualNorm = 0.0
        for j in 0..<p {
            var dot = 0.0
            for i in 0..<n { dot += cols[j * n + i] * r[i] }
            let value = dot - l2 * w[j]
            dualNorm = max(dualNorm, positive ? value : abs(value))
        }
        let rNorm2 = (0..<n).reduce(0.0) { $0 + r[$1] * r[$1] }
        let wNorm2 = w.reduce(0) { $0 + $1 * $1 }
        var constant = 1.0
        var gap: Double
        if dualNorm > l1 {
            constant = l1 / dualNorm
            gap = 0.5 * (rNorm2 + rNorm2 * constant * constant)
        } else {
            gap = rNorm2
        }
        let l1Norm = w.reduce(0) { $0 + abs($1) }
        let ry = (0..<n).reduce(0.0) { $0 + r[$1] * y[$1] }
        gap += l1 * l1Norm - constant * ry + 0.5 * l2 * (1 + constant * constant) * wNorm2
        return gap
    }
}
