import ToolboxCore

// Two small, real estimators that exercise the estimator contract, the archive and
// checkEstimator in ToolboxCore's own tests, checked against scikit-learn's values.
// The full versions belong to FeatureKit (StandardScaler) and LearnKit (LinearRegression).

/// Standardizes features to zero mean and unit variance, as scikit-learn's `StandardScaler`
/// (population variance; a constant column keeps scale 1).
struct ReferenceScaler: UnsupervisedEstimator, Configurable, Hashable {
    var withMean = true
    var withStd = true

    init() {}
    init(withMean: Bool = true, withStd: Bool = true) {
        self.withMean = withMean
        self.withStd = withStd
    }

    static let hyperparameterSchema: [Hyperparameter<ReferenceScaler>] = [
        .bool("with_mean", \.withMean, "centre each column"),
        .bool("with_std", \.withStd, "scale each column to unit variance"),
    ]

    func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try x.validateFinite()
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let means = x.columnMeans()
        let scales = x.columnStandardDeviations().map { $0 == 0 ? 1 : $0 }
        return Model(hyperparameters: self, means: BinaryArray(means), scales: BinaryArray(scales), schema: schema)
    }

    struct Model: Transformer {
        static let modelTypeName = "ToolboxCoreTests.ReferenceScaler"
        var hyperparameters: ReferenceScaler
        var means: BinaryArray<Double>
        var scales: BinaryArray<Double>
        var schema: ModelSchema
        var inputFeatureCount: Int { means.elements.count }
        var outputFeatureCount: Int { inputFeatureCount }

        func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(inputFeatureCount)
            try x.validateFinite()
            let m = means.elements, s = scales.elements
            let (center, scale) = (hyperparameters.withMean, hyperparameters.withStd)
            return x.mapColumns { value, j in
                let centered = center ? value - m[j] : value
                return scale ? centered / s[j] : centered
            }
        }

        func validateStructure() throws {
            guard scales.elements.count == means.elements.count else {
                throw ToolboxError(.corruptArchive, "scaler has \(means.elements.count) means but \(scales.elements.count) scales")
            }
        }
    }
}

/// Ordinary least squares as scikit-learn's `LinearRegression`: center, then solve by LAPACK `dgelsd`.
struct ReferenceLinearRegression: Estimator, Configurable, Hashable {
    var fitIntercept = true

    init() {}
    init(fitIntercept: Bool) { self.fitIntercept = fitIntercept }

    static let hyperparameterSchema: [Hyperparameter<ReferenceLinearRegression>] = [
        .bool("fit_intercept", \.fitIntercept, "fit an intercept"),
    ]

    func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try x.validateFinite()
        try TargetValidation.validate(y, rows: x.rows)
        let schema = try context.validated(x: x, y: y)
        var design = x
        var target = y
        var xMeans = [Double](repeating: 0, count: x.columns)
        var yMean = 0.0
        if fitIntercept {
            xMeans = x.columnMeans()
            yMean = y.reduce(0, +) / Double(y.count)
            design = x.mapColumns { value, j in value - xMeans[j] }
            target = y.map { $0 - yMean }
        }
        let solution = try LinearAlgebra.leastSquares(design, Matrix.column(target)).solution.values
        let intercept = fitIntercept ? yMean - zip(xMeans, solution).reduce(0) { $0 + $1.0 * $1.1 } : 0
        return Model(hyperparameters: self, coefficients: BinaryArray(solution), intercept: intercept, schema: schema)
    }

    struct Model: Predictor {
        static let modelTypeName = "ToolboxCoreTests.ReferenceLinearRegression"
        var hyperparameters: ReferenceLinearRegression
        var coefficients: BinaryArray<Double>
        var intercept: Double
        var schema: ModelSchema
        var inputFeatureCount: Int { coefficients.elements.count }

        func predict(_ x: Matrix<Double>) throws -> [Double] {
            try x.validateColumnCount(inputFeatureCount)
            try x.validateFinite()
            return try x.multiplied(by: coefficients.elements).map { $0 + intercept }
        }
    }
}

/// Registers the fixtures in the shared registry (idempotent).
func registerFixtures() throws {
    try ModelRegistry.shared.register(estimator: ReferenceScaler.self, name: "ToolboxCoreTests.ReferenceScaler", aliases: ["reference_scaler"])
    try ModelRegistry.shared.register(estimator: ReferenceLinearRegression.self, name: "ToolboxCoreTests.ReferenceLinearRegression",
                                      aliases: ["reference_linear_regression"])
}
