import Foundation
public import ToolboxCore

/// Histogram gradient boosting for regression, as scikit-learn's
/// `HistGradientBoostingRegressor` (and LightGBM's leaf-wise trees): features binned into at
/// most 255 quantile bins, trees grown best-first on gradient/hessian histograms with the
/// subtraction trick, missing values sent to the side that gains most, early stopping on a
/// validation split or the fit context's evaluation set.
///
/// Losses: `squared_error` (default), `absolute_error`, `quantile` (with `quantile`),
/// `poisson` (log link) and `huber` (squared below the `alpha`-quantile of the absolute
/// residuals, absolute above it, as scikit-learn's `GradientBoostingRegressor`; Newton steps
/// with a unit hessian, as LightGBM's).
public struct HistGradientBoostingRegressor: Estimator, Configurable, Hashable {
    /// `loss` (`squared_error`, `absolute_error`, `quantile`, `poisson`, `huber`; default `squared_error`).
    public var loss: RegressionLoss
    /// `quantile` (0 < q < 1, default 0.5): the quantile the `quantile` loss estimates.
    public var quantile: Double
    /// `alpha` (0 < a < 1, default 0.9): the `huber` loss is squared for residuals up to
    /// their `alpha`-quantile.
    public var alpha: Double = 0.9
    /// The boosting hyperparameters (`learning_rate`, `max_iter`, `max_leaf_nodes`, ...).
    public var parameters: BoostingParameters

    /// scikit-learn's regression losses, by its names (`loss`).
    public enum RegressionLoss: String, Sendable, Hashable, Codable, CaseIterable {
        case squaredError = "squared_error", absoluteError = "absolute_error", quantile, poisson, huber
    }

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<HistGradientBoostingRegressor>] =
        [.choice("loss", \.loss, "loss the trees descend"),
         .real("quantile", \.quantile, minimum: 0, maximum: 1, exclusiveMinimum: true, "quantile of the quantile loss"),
         .real("alpha", \.alpha, minimum: 0, maximum: 1, exclusiveMinimum: true, "quantile of the absolute residuals where the huber loss turns linear")]
        + BoostingParameters.hyperparameterSchema.map { $0.lifted(\.parameters) }

    /// The fitted model type.
    public typealias Model = HistGradientBoostingRegressorModel

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        loss = .squaredError
        quantile = 0.5
        parameters = BoostingParameters()
    }

    /// A regressor with scikit-learn's defaults: squared error, 100 iterations of up to 31 leaves, learning rate 0.1.
    public init(loss: RegressionLoss = .squaredError, quantile: Double = 0.5, alpha: Double = 0.9, parameters: BoostingParameters = BoostingParameters()) {
        self.loss = loss
        self.quantile = quantile
        self.alpha = alpha
        self.parameters = parameters
    }

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }
    /// The pieces of the fit context this estimator honours.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights, .categoricalFeatures, .evaluationSet, .progress] }

    /// - Complexity: O(n·p) to bin, then per iteration O(n·p) for the root histogram and O(n) per
    /// split level with sibling subtraction, plus O(L·p·bins) to scan splits (L leaves): about
    /// O(iterations · (n·depth + L·p·bins)) time, O(n·p) bytes for the binned data, on every core.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> HistGradientBoostingRegressorModel {
        try validateBoostingInput(x, y)
        if loss == .poisson, let bad = y.firstIndex(where: { $0 < 0 }) {
            throw ToolboxError(.invalidData, "the poisson loss needs targets ≥ 0; row \(bad) is \(y[bad])", context: ErrorContext(row: bad))
        }
        guard loss != .quantile || (quantile > 0 && quantile < 1) else {
            throw ToolboxError(.invalidParameter, "quantile must be in (0, 1), got \(quantile)", context: ErrorContext(parameter: "quantile"))
        }
        guard loss != .huber || (alpha > 0 && alpha < 1) else {
            throw ToolboxError(.invalidParameter, "alpha must be in (0, 1), got \(alpha)", context: ErrorContext(parameter: "alpha"))
        }
        let schema = try context.validated(x: x, y: y)
        // No weights at all (rather than ones) keep the constant-hessian paths.
        let weights = try context.sampleWeights.map { try SampleWeightValidation.validate($0, rows: x.rows) }
        let objective: BoostingObjective = switch loss {
        case .squaredError: .squaredError
        case .absoluteError: .absoluteError
        case .quantile: .quantile
        case .poisson: .poisson
        case .huber: .huber
        }
        var engine = BoostingEngine(parameters: parameters, objective: objective, outputs: 1, quantile: loss == .huber ? alpha : quantile)
        let result = try engine.fit(x, targets: y, weights: weights, context: context, stratify: nil)
        return HistGradientBoostingRegressorModel(hyperparameters: self, ensemble: BoostedEnsemble(result, objective: objective, featureCount: x.columns),
                                                  schema: schema)
    }
}

/// Histogram gradient boosting for classification, as scikit-learn's
/// `HistGradientBoostingClassifier`: the binary log loss with one tree per iteration, or the
/// multinomial log loss with one tree per class per iteration.
public struct HistGradientBoostingClassifier: Estimator, Configurable, Hashable {
    /// The boosting hyperparameters (`learning_rate`, `max_iter`, `max_leaf_nodes`, ...).
    public var parameters: BoostingParameters
    /// `class_weight` (`null`, `balanced` or `{label: weight}`; default `null`): each sample's
    /// weight times its class's, as scikit-learn's (before the validation split).
    public var classWeight: ClassWeight

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<HistGradientBoostingClassifier>] =
        BoostingParameters.hyperparameterSchema.map { $0.lifted(\.parameters) }
        + [.coded("class_weight", \.classWeight, kind: ClassWeight.hyperparameterKind, "class weights: balanced or {label: weight}")]

    /// The fitted model type.
    public typealias Model = HistGradientBoostingClassifierModel

    /// The estimator with its defaults (scikit-learn's).
    public init() { parameters = BoostingParameters(); classWeight = .none }
    /// A classifier with the given boosting parameters and class weights.
    public init(parameters: BoostingParameters, classWeight: ClassWeight = .none) {
        self.parameters = parameters
        self.classWeight = classWeight
    }

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }
    /// The pieces of the fit context this estimator honours.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights, .categoricalFeatures, .evaluationSet, .progress] }

    /// - Complexity: O(n·p) to bin, then per iteration O(n·p) for the root histogram and O(n) per
    /// split level with sibling subtraction, plus O(L·p·bins) to scan splits (L leaves): about
    /// O(iterations · (n·depth + L·p·bins)) time, O(n·p) bytes for the binned data, on every core.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> HistGradientBoostingClassifierModel {
        try validateBoostingInput(x, y)
        let schema = try context.validated(x: x, y: y)
        let (classes, labels) = encodeLabels(y)
        guard classes.count >= 2 else {
            throw ToolboxError(.invalidData, "a classifier needs at least two classes; the target has only \(classes.first.map(context.className) ?? "none")",
                               context: ErrorContext(parameter: "y"))
        }
        // No weights at all (rather than ones) keep the unweighted arithmetic paths.
        var weights = try context.sampleWeights.map { try SampleWeightValidation.validate($0, rows: x.rows) }
        if classWeight != .none {
            weights = try classWeight.apply(to: weights ?? [Double](repeating: 1, count: x.rows), labels: labels, classes: classes,
                                            targetLabels: context.targetLabels)
        }
        let binary = classes.count == 2
        var engine = BoostingEngine(parameters: parameters, objective: binary ? .binaryLogLoss : .multinomialLogLoss,
                                    outputs: binary ? 1 : classes.count, quantile: 0.5)
        engine.classes = classes
        let result = try engine.fit(x, targets: labels.map(Double.init), weights: weights, context: context, stratify: labels)
        return HistGradientBoostingClassifierModel(hyperparameters: self, classes: classes,
                                                   ensemble: BoostedEnsemble(result, objective: engine.objective, featureCount: x.columns), schema: schema)
    }
}

func validateBoostingInput(_ x: Matrix<Double>, _ y: [Double]) throws {
    try x.validateNotEmpty()
    guard y.count == x.rows else {
        throw ToolboxError(.shapeMismatch, "x has \(x.rows) rows but y has \(y.count) values", context: ErrorContext(parameter: "y"))
    }
    if let bad = y.firstIndex(where: { !$0.isFinite }) {
        throw ToolboxError(.invalidData, "the target is \(y[bad]) at row \(bad); targets must be finite", context: ErrorContext(row: bad, parameter: "y"))
    }
    for (index, value) in x.values.enumerated() where value.isInfinite {
        throw ToolboxError(.invalidData, "x is \(value) at row \(index / x.columns), column \(index % x.columns); NaN means missing, infinities are refused",
                           context: ErrorContext(column: "\(index % x.columns)", row: index / x.columns))
    }
}

/// A fitted ``HistGradientBoostingRegressor``.
public struct HistGradientBoostingRegressorModel: Predictor {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "LearnKit.HistGradientBoostingRegressor"
    /// The hyperparameters the model was fitted with.
    public let hyperparameters: HistGradientBoostingRegressor
    /// The fitted trees and the baseline they add to.
    public let ensemble: BoostedEnsemble
    /// What the model remembers of its inputs and target: names, categories, class labels.
    public let schema: ModelSchema
    /// The number of input features the model was fitted on.
    public var inputFeatureCount: Int { ensemble.featureCount }
    /// Iterations kept (early stopping may end before `max_iter`).
    public var iterationCount: Int { ensemble.iterations }

    /// - Complexity: O(rows · trees · depth) time (times the classes for multiclass), parallel over rows.
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        let raw = try ensemble.rawPredictions(x, threads: hyperparameters.parameters.threads)
        return hyperparameters.loss == .poisson ? raw.map { exp($0) } : raw
    }

    /// One row's prediction without allocating.
    public func predict(row: UnsafePointer<Double>) -> Double {
        let raw = ensemble.rawPrediction(row: row)
        return hyperparameters.loss == .poisson ? exp(raw) : raw
    }

    /// Each feature's share of the total gain, summing to 1.
    public var featureImportances: [Double] { ensemble.featureImportances() }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws { try ensemble.validate() }
}

/// A fitted ``HistGradientBoostingClassifier``.
public struct HistGradientBoostingClassifierModel: Classifier {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "LearnKit.HistGradientBoostingClassifier"
    /// The hyperparameters the model was fitted with.
    public let hyperparameters: HistGradientBoostingClassifier
    /// The classes as numbers (label codes), ascending: probability column `k` belongs to `classes[k]`.
    public let classes: [Double]
    /// The fitted trees and the baseline they add to.
    public let ensemble: BoostedEnsemble
    /// What the model remembers of its inputs and target: names, categories, class labels.
    public let schema: ModelSchema
    /// The number of input features the model was fitted on.
    public var inputFeatureCount: Int { ensemble.featureCount }
    /// The boosting iterations fitted (fewer than `max_iter` when early stopping ended them).
    public var iterationCount: Int { ensemble.iterations }

    /// Raw scores (log-odds for two classes, one column per class otherwise).
    public func decisionFunction(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try Matrix(rows: x.rows, columns: ensemble.outputs, values: try ensemble.rawPredictions(x, threads: hyperparameters.parameters.threads))
    }

    /// - Complexity: O(rows · trees · depth) time (times the classes for multiclass), parallel over rows.
    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        let raw = try ensemble.rawPredictions(x, threads: hyperparameters.parameters.threads)
        let k = classes.count
        if ensemble.outputs == 1 {
            var out = [Double](repeating: 0, count: x.rows * 2)
            for i in 0..<x.rows {
                let p = LogisticProblem.sigmoid(raw[i])
                out[i * 2] = 1 - p
                out[i * 2 + 1] = p
            }
            return try Matrix(rows: x.rows, columns: k, values: out)
        }
        var probabilities = try Matrix(rows: x.rows, columns: k, values: raw)
        LogisticProblem.softmaxRows(&probabilities)
        return probabilities
    }

    /// One prediction per row of `x`.
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        let raw = try ensemble.rawPredictions(x, threads: hyperparameters.parameters.threads)
        let k = ensemble.outputs
        return (0..<x.rows).map { i in
            if k == 1 { return classes[raw[i] > 0 ? 1 : 0] }
            var best = 0
            for c in 1..<k where raw[i * k + c] > raw[i * k + best] { best = c }
            return classes[best]
        }
    }

    /// Each feature's share of the total gain, summing to 1.
    public var featureImportances: [Double] { ensemble.featureImportances() }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws {
        try ensemble.validate()
        guard classes.count >= 2, ensemble.outputs == (classes.count == 2 ? 1 : classes.count) else {
            throw ToolboxError(.corruptArchive, "\(classes.count) classes but \(ensemble.outputs) outputs")
        }
    }
}
