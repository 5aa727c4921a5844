public import ToolboxCore

/// Ordinary least squares, as scikit-learn's `LinearRegression`: the minimum-norm solution of
/// min ‖y − Xw − b‖², by LAPACK's SVD-based `dgelsd` on centered data.
///
/// ```swift
/// let model = try LinearRegression().fit(x, y)
/// model.coefficients, model.intercept, try model.predict(x)
/// ```
public struct LinearRegression: Estimator, Configurable, Hashable {
    /// `fit_intercept` (Bool, default `true`): fit an intercept, centering the data first;
    /// `false` fits a line through the origin.
    public var fitIntercept: Bool

    /// The fitted model type.
    public typealias Model = LinearModel<LinearRegression>

    /// The estimator with its defaults (scikit-learn's).
    public init() { fitIntercept = true }
    /// Ordinary least squares, with or without an intercept.
    public init(fitIntercept: Bool) { self.fitIntercept = fitIntercept }

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<LinearRegression>] = [
        .bool("fit_intercept", \.fitIntercept, "fit an intercept (centre the data first)"),
    ]

    /// The pieces of the fit context this estimator honours.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights] }

    /// - Complexity: O(n·p²) time (SVD least squares), O(n·p) memory.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> LinearModel<LinearRegression> {
        try validateRegressionInput(x, y)
        let schema = try context.validated(x: x, y: y)
        let weights = try SampleWeightValidation.validate(context.sampleWeights, rows: x.rows)
        let data = CenteredData(x, y, weights: weights, fitIntercept: fitIntercept)
        let (design, target) = data.rowsScaled(by: weights, weighted: context.sampleWeights != nil)
        let solution = try LinearAlgebra.leastSquares(design, Matrix.column(target))
        let coefficients = solution.solution.values
        return LinearModel(hyperparameters: self, coefficients: BinaryArray(coefficients),
                           intercept: data.intercept(for: coefficients), iterations: 0, converged: true, schema: schema)
    }
}

/// A fitted linear model: `predict(x) = x·coefficients + intercept`.
public struct LinearModel<Hyperparameters: Sendable & Codable & Hashable & LinearModelNaming>: Predictor {
    /// The hyperparameters the model was fitted with.
    public var hyperparameters: Hyperparameters
    /// One coefficient per feature.
    public var coefficients: BinaryArray<Double>
    /// The intercept.
    public var intercept: Double
    /// Coordinate-descent sweeps used (0 for closed-form solutions).
    public var iterations: Int
    /// Whether an iterative solver met its tolerance; `false` means the coefficients may be
    /// inaccurate: raise `maxIterations` or `tolerance` (scikit-learn's ConvergenceWarning).
    public var converged: Bool
    /// Feature names seen in fit.
    public var schema: ModelSchema

    /// A fitted linear model from its parts (as an importer or a test builds one).
    public init(hyperparameters: Hyperparameters, coefficients: BinaryArray<Double>, intercept: Double, iterations: Int,
                converged: Bool, schema: ModelSchema = ModelSchema()) {
        self.hyperparameters = hyperparameters
        self.coefficients = coefficients
        self.intercept = intercept
        self.iterations = iterations
        self.converged = converged
        self.schema = schema
    }

    /// `LearnKit.` and the estimator's name (`LinearRegression`, `Ridge`, `Lasso`, `ElasticNet`).
    public static var modelTypeName: String { "LearnKit.\(Hyperparameters.linearModelName)" }
    /// 2: hyperparameters in scikit-learn's snake_case shape, and the model schema.
    public static var modelFormatVersion: Int { 2 }
    /// The number of input features the model was fitted on.
    public var inputFeatureCount: Int { coefficients.elements.count }

    /// - Complexity: O(n·p).
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        try linearPrediction(x, coefficients: coefficients.elements, intercept: intercept)
    }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws {
        guard intercept.isFinite, coefficients.elements.allSatisfy(\.isFinite) else {
            throw ToolboxError(.corruptArchive, "\(Self.modelTypeName) has non-finite coefficients")
        }
    }
}

/// The name a linear model's fitted type is archived under.
public protocol LinearModelNaming {
    static var linearModelName: String { get }
}

extension LinearRegression: LinearModelNaming { public static var linearModelName: String { "LinearRegression" } }
