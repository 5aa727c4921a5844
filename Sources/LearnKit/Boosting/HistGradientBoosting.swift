import Foundation
public import ToolboxCore

/// Histogram gradient boosting for regression, as scikit-learn's
/// `HistGradientBoostingRegressor` (and LightGBM's leaf-wise trees): features binned into at
/// most 255 quantile bins, trees grown best-first on gradient/hessian histograms with the
/// subtraction trick, missing values sent to the side that gains most, early stopping on a
/// validation split or the fit context's evaluation set.
///
/// Losses: `squared_error` (default), `absolute_error`, `quantile` (with `quantile`) and
/// `poisson` (log link).
public struct HistGradientBoostingRegressor: Estimator, Configurable, Hashable {
    /// `loss` (`squared_error`, `absolute_error`, `quantile`, `poisson`; default `squared_error`).
    public var loss: RegressionLoss
    /// `quantile` (0 < q < 1, default 0.5): the quantile the `quantile` loss estimates.
    public var quantile: Double
    /// The boosting hyperparameters (`learning_rate`, `max_iter`, `max_leaf_nodes`, ...).
    public var parameters: BoostingParameters

    public enum RegressionLoss: String, Sendable, Hashable, Codable, CaseIterable {
        case squaredError = "squared_error", absoluteError = "absolute_error", quantile, poisson
    }

    public static let hyperparameterSchema: [Hyperparameter<HistGradientBoostingRegressor>] =
        [.choice("loss", \.loss, "loss the trees descend"),
         .real("quantile", \.quantile, minimum: 0, maximum: 1, exclusiveMinimum: true, "quantile of the quantile loss")]
        + BoostingParameters.hyperparameterSchema.map { $0.lifted(\.parameters) }

    public typealias Model = HistGradientBoostingRegressorModel

    public init() {
        loss = .squaredError
        quantile = 0.5
        parameters = BoostingParameters()
    }

    public init(loss: RegressionLoss = .squaredError, quantile: Double = 0.5, parameters: BoostingParameters = BoostingParameters()) {
        self.loss = loss
        self.quantile = quantile
        self.parameters = parameters
    }

    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }
    public static var fitContextUsage: FitContextUsage { [.sampleWeights, .evaluationSet, .progress] }

    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> HistGradientBoostingRegressorModel {
        try validateBoostingInput(x, y)
        if loss == .poisson, let bad = y.firstIndex(where: { $0 < 0 }) {
            throw ToolboxError(.invalidData, "the poisson loss needs targets ≥ 0; row \(bad) is \(y[bad])", context: ErrorContext(row: bad))
        }
        guard loss != .quantile || (quantile > 0 && quantile < 1) else {
            throw ToolboxError(.invalidParameter, "quantile must be in (0, 1), got \(quantile)", context: ErrorContext(parameter: "quantile"))
        }
        let schema = try context.validated(x: x, y: y)
        let weights = try SampleWeightValidation.validate(context.sampleWeights, rows: x.rows)
        let objective: BoostingObjective = switch loss {
        case .squaredError: .squaredError
        case .absoluteError: .absoluteError
        case .quantile: .quantile
        case .poisson: .poisson
        }
        let engine = BoostingEngine(parameters: parameters, objective: objective, outputs: 1, quantile: quantile)
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

    public static let hyperparameterSchema: [Hyperparameter<HistGradientBoostingClassifier>] =
        BoostingParameters.hyperparameterSchema.map { $0.lifted(\.parameters) }

    public typealias Model = HistGradientBoostingClassifierModel

    public init() { parameters = BoostingParameters() }
    public init(parameters: BoostingParameters) { self.parameters = parameters }

    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }
    public static var fitContextUsage: FitContextUsage { [.sampleWeights, .evaluationSet, .progress] }

    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> HistGradientBoostingClassifierModel {
        try validateBoostingInput(x, y)
        let schema = try context.validated(x: x, y: y)
        let (classes, labels) = encodeLabels(y)
        guard classes.count >= 2 else {
            throw ToolboxError(.invalidData, "a classifier needs at least two classes; the target has only \(classes.first.map { "\($0)" } ?? "none")",
                               context: ErrorContext(parameter: "y"))
        }
        let weights = try SampleWeightValidation.validate(context.sampleWeights, rows: x.rows)
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

/// The trees of a boosted model and how their sum becomes a prediction.
public struct BoostedEnsemble: Sendable, Hashable, Codable {
    /// Raw score before any tree, per output.
    public var baseline: [Double]
    /// Per iteration, one tree per output.
    public var trees: [[BoostedTree]]
    public var objective: BoostingObjective
    public var featureCount: Int
    /// Bin edges from training (kept for explanations and refits; prediction reads thresholds).
    public var binThresholds: [[Double]]
    /// The training and validation scores (negative mean losses) per iteration.
    public var trainScores: [Double]
    public var validationScores: [Double]

    init(_ result: BoostingResult, objective: BoostingObjective, featureCount: Int) {
        baseline = result.baseline
        trees = result.trees
        self.objective = objective
        self.featureCount = featureCount
        binThresholds = result.mapper.thresholds
        trainScores = result.trainScores
        validationScores = result.validationScores
    }

    public var outputs: Int { baseline.count }
    public var iterations: Int { trees.count }

    /// Raw scores, row-major (`rows x outputs`), parallel over rows; no allocation per row.
    public func rawPredictions(_ x: Matrix<Double>, threads: Int? = nil) throws -> [Double] {
        guard x.columns == featureCount else {
            throw ToolboxError(.shapeMismatch, "the model was fitted on \(featureCount) features, got \(x.columns)", context: ErrorContext(parameter: "x"))
        }
        let k = outputs, p = featureCount
        var out = [Double](repeating: 0, count: x.rows * k)
        try out.withUnsafeMutableBufferPointer { buffer in
            let result = UnsafeSendable(buffer)
            try x.values.withUnsafeBufferPointer { values in
                let input = UnsafeSendable(values)
                try Parallel.forEach(count: x.rows, grain: 2_048, threads: threads) { range in
                    // Blocks of rows per tree keep a tree's nodes in cache.
                    for blockStart in stride(from: range.lowerBound, to: range.upperBound, by: 64) {
                        let block = blockStart..<min(range.upperBound, blockStart + 64)
                        for i in block { for c in 0..<k { result.value[i * k + c] = baseline[c] } }
                        for iteration in trees {
                            for c in 0..<k {
                                let tree = iteration[c]
                                for i in block { result.value[i * k + c] += tree.predict(input.value.baseAddress! + i * p) }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The raw score of one row, without allocating: what a model server calls per request.
    @inline(__always)
    public func rawPrediction(row: UnsafePointer<Double>, output: Int = 0) -> Double {
        var sum = baseline[output]
        for iteration in trees { sum += iteration[output].predict(row) }
        return sum
    }

    func validate() throws {
        guard featureCount > 0, !baseline.isEmpty, trees.allSatisfy({ $0.count == baseline.count }), binThresholds.count == featureCount else {
            throw ToolboxError(.corruptArchive, "boosted ensemble sizes disagree")
        }
        for iteration in trees { for tree in iteration { try tree.validate(featureCount: featureCount) } }
    }

    /// Split counts or total gains per feature, normalized to sum 1 (LightGBM's `split` and
    /// `gain` importances).
    public func featureImportances(byGain: Bool = true) -> [Double] {
        var importances = [Double](repeating: 0, count: featureCount)
        for iteration in trees {
            for tree in iteration {
                for node in 0..<tree.nodeCount where tree.feature[node] >= 0 {
                    importances[Int(tree.feature[node])] += byGain ? tree.gain[node] : 1
                }
            }
        }
        let total = importances.reduce(0, +)
        return total > 0 ? importances.map { $0 / total } : importances
    }
}

/// A fitted ``HistGradientBoostingRegressor``.
public struct HistGradientBoostingRegressorModel: Predictor {
    public static let modelTypeName = "LearnKit.HistGradientBoostingRegressor"
    public let hyperparameters: HistGradientBoostingRegressor
    public let ensemble: BoostedEnsemble
    public let schema: ModelSchema
    public var inputFeatureCount: Int { ensemble.featureCount }
    /// Iterations kept (early stopping may end before `max_iter`).
    public var iterationCount: Int { ensemble.iterations }

    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        let raw = try ensemble.rawPredictions(x, threads: hyperparameters.parameters.threads)
        return hyperparameters.loss == .poisson ? raw.map { exp($0) } : raw
    }

    /// One row's prediction without allocating.
    public func predict(row: UnsafePointer<Double>) -> Double {
        let raw = ensemble.rawPrediction(row: row)
        return hyperparameters.loss == .poisson ? exp(raw) : raw
    }

    public var featureImportances: [Double] { ensemble.featureImportances() }

    public func validateStructure() throws { try ensemble.validate() }
}

/// A fitted ``HistGradientBoostingClassifier``.
public struct HistGradientBoostingClassifierModel: Classifier {
    public static let modelTypeName = "LearnKit.HistGradientBoostingClassifier"
    public let hyperparameters: HistGradientBoostingClassifier
    public let classes: [Double]
    public let ensemble: BoostedEnsemble
    public let schema: ModelSchema
    public var inputFeatureCount: Int { ensemble.featureCount }
    public var iterationCount: Int { ensemble.iterations }

    /// Raw scores (log-odds for two classes, one column per class otherwise).
    public func decisionFunction(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try Matrix(rows: x.rows, columns: ensemble.outputs, values: try ensemble.rawPredictions(x, threads: hyperparameters.parameters.threads))
    }

    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        let raw = try ensemble.rawPredictions(x, threads: hyperparameters.parameters.threads)
        let k = classes.count
        var out = [Double](repeating: 0, count: x.rows * k)
        if ensemble.outputs == 1 {
            for i in 0..<x.rows {
                let p = sigmoid(raw[i])
                out[i * 2] = 1 - p
                out[i * 2 + 1] = p
            }
        } else {
            for i in 0..<x.rows {
                var top = -Double.infinity
                for c in 0..<k { top = max(top, raw[i * k + c]) }
                var sum = 0.0
                for c in 0..<k { out[i * k + c] = exp(raw[i * k + c] - top); sum += out[i * k + c] }
                for c in 0..<k { out[i * k + c] /= sum }
            }
        }
        return try Matrix(rows: x.rows, columns: k, values: out)
    }

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

    public var featureImportances: [Double] { ensemble.featureImportances() }

    public func validateStructure() throws {
        try ensemble.validate()
        guard classes.count >= 2, ensemble.outputs == (classes.count == 2 ? 1 : classes.count) else {
            throw ToolboxError(.corruptArchive, "\(classes.count) classes but \(ensemble.outputs) outputs")
        }
    }
}
