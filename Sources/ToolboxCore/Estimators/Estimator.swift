/// A fitted model: the value an ``Estimator``'s `fit` returns.
///
/// Fitted models are plain values (`Sendable`, `Codable`), so an unfitted model cannot exist and
/// saving one is encoding it. ``modelTypeName`` names the type in model archives and in the
/// ``ModelRegistry``, so code that does not know a kit can still load its models.
public protocol FittedModel: Sendable, Codable {
    /// The hyperparameters the model was fitted with (usually the estimator value itself).
    associatedtype Hyperparameters: Sendable, Codable, Hashable

    /// A stable, unique name for this model type in archives, for example `"FeatureKit.StandardScaler"`.
    static var modelTypeName: String { get }
    /// The version of this type's encoded form; bump it when the encoding changes.
    static var modelFormatVersion: Int { get }

    /// The hyperparameters the model was fitted with.
    var hyperparameters: Hyperparameters { get }
    /// The number of features (columns) the model was fitted on and expects.
    var inputFeatureCount: Int { get }
    /// What the model remembers of its inputs and target: feature names when it was given them,
    /// categorical columns, class labels. Set from the ``FitContext`` by `fit`.
    var schema: ModelSchema { get }

    /// Checks the model's internal sizes and indices after it was decoded from an archive,
    /// throwing ``ToolboxError/Code/corruptArchive`` on the first inconsistency. A model whose
    /// arrays must agree with each other (coefficients with features, children with nodes)
    /// implements this; the default accepts.
    func validateStructure() throws

    /// The model as a ``Classifier`` when it gives class probabilities; `nil` otherwise. A
    /// pipeline is a classifier exactly when its last step is.
    var classifier: (any Classifier)? { get }
    /// The model as a ``Predictor`` when it predicts; `nil` otherwise.
    var predictor: (any Predictor)? { get }
    /// The model as a ``Transformer`` when it transforms; `nil` otherwise.
    var transformer: (any Transformer)? { get }

    /// The feature matrix for the rows of a table of the model's inputs: names checked against
    /// the schema, categorical columns coded as in fit. The default is
    /// ``schemaInputMatrix(_:)``; a pipeline with table steps applies them first.
    func inputMatrix(_ table: DataTable) throws -> Matrix<Double>
}

/// A fitted model that maps a feature matrix to another one (scalers, encoders, PCA).
public protocol Transformer: FittedModel {
    /// Transforms `x`, which must have ``FittedModel/inputFeatureCount`` columns.
    func transform(_ x: Matrix<Double>) throws -> Matrix<Double>
    /// The number of columns ``transform(_:)`` outputs.
    var outputFeatureCount: Int { get }
    /// The names of the output columns given the input column names (as scikit-learn's
    /// `get_feature_names_out`).
    func outputFeatureNames(input: [String]) -> [String]
    /// The categorical columns of the output, given those of the input.
    func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature]
}

/// A transformer that can map its output back to its input space (scalers, PCA).
public protocol InvertibleTransformer: Transformer {
    /// Maps `x`, which has ``Transformer/outputFeatureCount`` columns, back to the input space.
    func inverseTransform(_ x: Matrix<Double>) throws -> Matrix<Double>
}

/// An estimator whose transform of its own training data differs from its fitted model's
/// transform of it: target encoders cross-fit, so a row's training encoding never saw its own
/// target (scikit-learn's `fit_transform`). Pipelines and column transformers feed the next
/// step this output instead of `model.transform(x)`.
public protocol CrossFittingEstimator: Estimator where Model: Transformer {
    /// The fitted model and the (cross-fitted) transform of `x`.
    func fitTransform(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> (model: Model, output: Matrix<Double>)
}

/// A fitted model that predicts one number per row (a regression value or a class label).
public protocol Predictor: FittedModel {
    /// One prediction per row of `x`.
    func predict(_ x: Matrix<Double>) throws -> [Double]
}

/// A fitted classifier: a predictor that also gives class probabilities.
public protocol Classifier: Predictor {
    /// The classes as numbers (the target values, or label codes), sorted ascending; column `k`
    /// of the probabilities belongs to `classes[k]`. ``classLabels`` gives them as they came.
    var classes: [Double] { get }
    /// One row per sample, one column per class; each row sums to 1.
    func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double>
}

/// What an estimator does with NaN and ±Inf in its input, checked by `checkEstimator`.
public enum NonFiniteInputPolicy: Sendable, Hashable {
    /// NaN and Inf are rejected with ``ToolboxError/Code/invalidData`` naming the row and column.
    case rejected
    /// NaN means "missing" and is handled; Inf is rejected.
    case missingAllowed
}

/// Hyperparameters in, fitted model out.
///
/// The estimator value *is* its hyperparameters: a `Codable`, `Hashable` struct with defaults,
/// whose construction does no work and no validation. `fit` validates, learns and returns a new
/// model value; the estimator is never changed by it.
///
/// ```swift
/// let model = try StandardScaler(withMean: true).fit(x)
/// let scaled = try model.transform(x)
/// ```
public protocol Estimator<Model>: Sendable, Codable, Hashable {
    /// The fitted model type.
    associatedtype Model: FittedModel

    /// Learns from `x` (one row per sample) and `y` (one target per row), with what the
    /// ``FitContext`` carries: the model records its feature names and class labels, and uses
    /// the pieces ``fitContextUsage`` declares (weights, categorical columns, an evaluation set,
    /// progress). Pieces it does not declare it ignores.
    func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Model

    /// What the estimator does with NaN and Inf in `x`; `.rejected` unless it says otherwise.
    static var nonFiniteInput: NonFiniteInputPolicy { get }

    /// What this estimator value does with NaN and Inf: ``nonFiniteInput`` unless it depends on
    /// the value (a pipeline handles them as its first step does).
    var nonFiniteInputPolicy: NonFiniteInputPolicy { get }

    /// The pieces of the ``FitContext`` the estimator honours; none unless it says otherwise.
    static var fitContextUsage: FitContextUsage { get }

    /// The pieces this estimator value honours: ``fitContextUsage`` unless it depends on the
    /// value (a pipeline honours what its steps do). Pipelines route by it.
    var contextUsage: FitContextUsage { get }
}

/// An estimator that learns from `x` alone (scalers, PCA, clustering).
///
/// Its `fit(_:_:context:)` ignores `y`, so it sits in supervised pipelines.
public protocol UnsupervisedEstimator<Model>: Estimator {
    /// Learns from `x` alone.
    func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model
}

// MARK: - Default implementations

extension FittedModel {
    /// Version 1, unless a model type has changed its saved form.
    public static var modelFormatVersion: Int { 1 }
    /// Nothing to check, unless a model type says otherwise.
    public func validateStructure() throws {}
    /// The model as a classifier, when it is one.
    public var classifier: (any Classifier)? { self as? any Classifier }
    /// The model as a predictor, when it is one.
    public var predictor: (any Predictor)? { self as? any Predictor }
    /// The model as a transformer, when it is one.
    public var transformer: (any Transformer)? { self as? any Transformer }
}

extension Estimator {
    /// NaN and infinities refused, unless an estimator type says otherwise.
    public static var nonFiniteInput: NonFiniteInputPolicy { .rejected }
    /// Nothing beyond feature names, categorical columns and class labels, unless an estimator type says otherwise.
    public static var fitContextUsage: FitContextUsage { [] }
    /// The type's policy (a pipeline answers for its steps).
    public var nonFiniteInputPolicy: NonFiniteInputPolicy { Self.nonFiniteInput }
    /// The type's usage (a pipeline answers for its steps).
    public var contextUsage: FitContextUsage { Self.fitContextUsage }

    /// Whether the fitted model is a ``Classifier`` (so cross-validation stratifies and scores
    /// accuracy by default).
    public var producesClassifier: Bool { Model.self is any Classifier.Type }

    /// Learns from `x` and `y` with nothing else.
    public func fit(_ x: Matrix<Double>, _ y: [Double]) throws -> Model {
        try fit(x, y, context: FitContext())
    }

    /// Learns with a non-negative weight per row of `x` (`nil` weighs every row 1).
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when weights are given to an estimator
    ///   that does not use them.
    public func fit(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]?) throws -> Model {
        let context = FitContext(sampleWeights: sampleWeights)
        try context.requireConsumers(contextUsage, consumer: "\(Self.self)")
        return try fit(x, y, context: context)
    }
}

extension UnsupervisedEstimator {
    /// Learns from `x`, ignoring `y`, so an unsupervised step sits in a supervised pipeline.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Model {
        try fit(x, context: context)
    }

    /// Learns from `x` alone, with nothing else.
    public func fit(_ x: Matrix<Double>) throws -> Model { try fit(x, context: FitContext()) }
}

extension Transformer {
    /// Keeps the input names when the column count is unchanged; otherwise names the outputs
    /// after the model type and their index (`pca0`, `pca1`, ...), as scikit-learn does.
    public func outputFeatureNames(input: [String]) -> [String] {
        if outputFeatureCount == inputFeatureCount && input.count == outputFeatureCount { return input }
        let prefix = (Self.modelTypeName.split(separator: ".").last.map(String.init) ?? "x").lowercased()
        return (0..<outputFeatureCount).map { "\(prefix)\($0)" }
    }

    /// Keeps the categorical columns when the transformer keeps the columns; otherwise none.
    public func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] {
        outputFeatureCount == inputFeatureCount ? input : []
    }
}

extension Classifier {
    /// The class with the highest probability for each row (the first on ties).
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        let probabilities = try predictProbabilities(x)
        return (0..<probabilities.rows).map { i in
            var best = 0
            for k in 1..<max(probabilities.columns, 1) where probabilities[i, k] > probabilities[i, best] {
                best = k
            }
            return classes[best]
        }
    }
}
