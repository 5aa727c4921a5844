import Foundation
public import ToolboxCore

/// Logistic regression, binary and multinomial, as scikit-learn's `LogisticRegression`:
/// minimizes C·Σᵢ wᵢ·ℓᵢ + penalty(W), with ℓ the log loss of the logistic (two classes) or
/// softmax (more) model and the intercepts unpenalized.
///
/// - L2 (and no penalty): L-BFGS, as scikit-learn's default `lbfgs` solver.
/// - L1 and elastic net: accelerated proximal gradient (FISTA; Beck and Teboulle, 2009).
///
/// ```swift
/// let model = try LogisticRegression(c: 0.5, classWeight: .balanced).fit(x, y)
/// model.converged                       // false: raise maxIterations (a ConvergenceWarning)
/// try model.predictProbabilities(x)     // one column per class in model.classes
/// ```
public struct LogisticRegression: Estimator, Configurable, Hashable {
    /// The penalty on the coefficients, with scikit-learn's names.
    public enum Penalty: String, Sendable, Hashable, Codable, CaseIterable {
        case l2, l1
        case elasticNet = "elasticnet"
        case none
    }

    /// `penalty` (`l2`, `l1`, `elasticnet` or `none`; default `l2`): the penalty on the coefficients.
    public var penalty: Penalty
    /// `C` (Double > 0, default 1): the inverse regularization strength; larger is weaker.
    public var c: Double
    /// `l1_ratio` (Double in [0, 1], default 0.5): the L1 share of the elastic-net penalty.
    public var l1Ratio: Double
    /// `fit_intercept` (Bool, default `true`): fit unpenalized intercepts.
    public var fitIntercept: Bool
    /// `max_iter` (Int ≥ 1, default 100): the most solver iterations.
    public var maxIterations: Int
    /// `tol` (Double ≥ 0, default 1e-4): the solver's stopping tolerance.
    public var tolerance: Double
    /// `class_weight` (`null`, `balanced` or `{label: weight}`; default `null`): class weights in the loss.
    public var classWeight: ClassWeight

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<LogisticRegression>] = [
        .choice("penalty", \.penalty, "penalty on the coefficients"),
        .real("C", \.c, minimum: 0, exclusiveMinimum: true, "inverse regularization strength (larger is weaker)").hinted(.logUniform(1e-4, 1e4)),
        .real("l1_ratio", \.l1Ratio, minimum: 0, maximum: 1, "L1 share of the elastic-net penalty").hinted(.uniform(0, 1)),
        .bool("fit_intercept", \.fitIntercept, "fit unpenalized intercepts"),
        .integer("max_iter", \.maxIterations, minimum: 1, "most solver iterations"),
        .real("tol", \.tolerance, minimum: 0, "solver stopping tolerance"),
        .coded("class_weight", \.classWeight, kind: ClassWeight.hyperparameterKind, "class weights: balanced or {label: weight}"),
    ]

    /// Sample weights; progress per solver iteration (the objective as the train loss), and a
    /// stop request ends the solve there (the model reports `converged == false`).
    public static var fitContextUsage: FitContextUsage { [.sampleWeights, .progress] }

    /// The fitted model type.
    public typealias Model = LogisticRegressionModel

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        penalty = .l2
        c = 1
        l1Ratio = 0.5
        fitIntercept = true
        maxIterations = 100
        tolerance = 1e-4
        classWeight = .none
    }

    /// Logistic regression with scikit-learn's defaults: L2 penalty, `C` 1, an intercept, up to 100 iterations to tolerance 1e-4.
    public init(penalty: Penalty = .l2, c: Double = 1, l1Ratio: Double = 0.5, fitIntercept: Bool = true,
                maxIterations: Int = 100, tolerance: Double = 1e-4, classWeight: ClassWeight = .none) {
        self.penalty = penalty
        self.c = c
        self.l1Ratio = l1Ratio
        self.fitIntercept = fitIntercept
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.classWeight = classWeight
    }

    /// - Complexity: O(n·p·k) per iteration for k classes.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> LogisticRegressionModel {
        guard c.isFinite, c > 0 else {
            throw ToolboxError(.invalidParameter, "C must be positive, got \(c)", context: ErrorContext(parameter: "c"))
        }
        guard l1Ratio >= 0, l1Ratio <= 1 else {
            throw ToolboxError(.invalidParameter, "l1Ratio must be in [0, 1], got \(l1Ratio)", context: ErrorContext(parameter: "l1Ratio"))
        }
        guard maxIterations > 0, tolerance >= 0, tolerance.isFinite else {
            throw ToolboxError(.invalidParameter, "maxIterations must be positive and tolerance non-negative",
                               context: ErrorContext(parameter: "maxIterations"))
        }
        try x.validateNotEmpty()
        try x.validateFinite()
        try TargetValidation.validate(y, rows: x.rows)
        let schema = try context.validated(x: x, y: y)
        var weights = try SampleWeightValidation.validate(context.sampleWeights, rows: x.rows)
        let (classes, labels) = encodeLabels(y)
        guard classes.count >= 2 else {
            throw ToolboxError(.invalidData, "y has a single class (\(classes.first.map(context.className) ?? "none")); classification needs at least two",
                               context: ErrorContext(parameter: "y"))
        }
        weights = try classWeight.apply(to: weights, labels: labels, classes: classes, targetLabels: context.targetLabels)
        // Progress: the solver's objective (mean weighted log loss, plus the penalty over n·C).
        // A cancellation ends the solve at the iteration and is thrown once the solver returns.
        var cancellation: ToolboxError?
        func report(_ iteration: Int, _ objective: Double) -> Bool {
            do {
                return try context.checkedProgress(FitProgress(iteration: iteration, trainLoss: objective))
            } catch {
                cancellation = error as? ToolboxError ?? ToolboxError(.cancelled, "the fit was cancelled")
                return true
            }
        }
        let problem = LogisticProblem(x: x, labels: labels, classCount: classes.count, weights: weights,
                                      fitIntercept: fitIntercept, c: c, penalty: penalty, l1Ratio: l1Ratio)
        let solution = penalty == .l1 || (penalty == .elasticNet && l1Ratio > 0)
            ? try problem.solveProximal(maxIterations: maxIterations, tolerance: tolerance, afterIteration: report)
            : try problem.solveLBFGS(maxIterations: maxIterations, tolerance: tolerance, afterIteration: report)
        if let cancellation { throw cancellation }
        return LogisticRegressionModel(hyperparameters: self, classes: classes,
                                       coefficients: try Matrix(rows: problem.outputs, columns: x.columns,
                                                                values: Array(solution.parameters[0..<problem.outputs * x.columns])),
                                       intercepts: Array(solution.parameters[(problem.outputs * x.columns)...]),
                                       iterations: solution.iterations, converged: solution.converged, schema: schema)
    }
}

/// A fitted logistic regression.
public struct LogisticRegressionModel: Classifier {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "LearnKit.LogisticRegression"
    /// The version of this type's archived form.
    public static var modelFormatVersion: Int { 2 }
    /// The hyperparameters the model was fitted with.
    public var hyperparameters: LogisticRegression
    /// The classes as numbers (label codes), ascending: probability column `k` belongs to `classes[k]`.
    public var classes: [Double]
    /// One row per output: a single row for two classes (the second class's log-odds),
    /// otherwise one row per class.
    public var coefficients: Matrix<Double>
    /// The intercept of each output.
    public var intercepts: [Double]
    /// Optimizer iterations used.
    public var iterations: Int
    /// Whether the solver met its tolerance within `maxIterations` (scikit-learn's ConvergenceWarning when not).
    public var converged: Bool
    /// Feature names and class labels seen in fit.
    public var schema: ModelSchema

    /// The number of input features the model was fitted on.
    public var inputFeatureCount: Int { coefficients.columns }

    /// The linear scores: one column (binary) or one per class.
    public func decisionFunction(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try x.validateColumnCount(inputFeatureCount)
        try x.validateFinite()
        var scores = try x.multiplied(by: coefficients, transposeOther: true)
        let (n, k) = (scores.rows, scores.columns)
        scores.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<n { for j in 0..<k { buffer[i * k + j] += intercepts[j] } }
        }
        return scores
    }

    /// One row per sample, one column per class; each row sums to 1.
    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        let scores = try decisionFunction(x)
        if classes.count == 2 {
            return try Matrix(rows: scores.rows, columns: 2, values: scores.values.flatMap { z -> [Double] in
                let p = LogisticProblem.sigmoid(z)
                return [1 - p, p]
            })
        }
        var probabilities = scores
        LogisticProblem.softmaxRows(&probabilities)
        return probabilities
    }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws {
        let outputs = classes.count == 2 ? 1 : classes.count
        guard classes.count >= 2, coefficients.rows == outputs, intercepts.count == outputs else {
            throw ToolboxError(.corruptArchive, "logistic regression with \(classes.count) classes has \(coefficients.rows) coefficient rows and \(intercepts.count) intercepts")
        }
    }
}
