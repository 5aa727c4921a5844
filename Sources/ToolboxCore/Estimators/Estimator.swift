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

    /// Checks the model's internal sizes and indices after it was decoded from an archive,
    /// throwing ``ToolboxError/Code/corruptArchive`` on the first inconsistency. A model whose
    /// arrays must agree with each other (coefficients with features, children with nodes)
    /// implements this; the default accepts.
    func validateStructure() throws
}

/// A fitted model that maps a feature matrix to another one (scalers, encoders, PCA).
public protocol Transformer: FittedModel {
    /// Transforms `x`, which must have ``FittedModel/inputFeatureCount`` columns.
    func transform(_ x: Matrix<Double>) throws -> Matrix<Double>
    /// The names of the output columns given the input column names.
    func outputFeatureNames(input: [String]) -> [String]
}

/// A fitted model that predicts one number per row (a regression value or a class label).
public protocol Predictor: FittedModel {
    /// One prediction per row of `x`.
    func predict(_ x: Matrix<Double>) throws -> [Double]
}

/// A fitted classifier: a predictor that also gives class probabilities.
public protocol Classifier: Predictor {
    /// The class labels, sorted ascending; column `k` of the probabilities belongs to `classes[k]`.
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

    /// Learns from `x` (one row per sample) and `y` (one target per row).
    func fit(_ x: Matrix<Double>, _ y: [Double]) throws -> Model

    /// What the estimator does with NaN and Inf in `x`; `.rejected` unless it says otherwise.
    static var nonFiniteInput: NonFiniteInputPolicy { get }
}

/// An estimator that also takes a weight per sample (scikit-learn's `sample_weight`).
public protocol SampleWeightedEstimator<Model>: Estimator {
    /// Learns with a non-negative weight per row of `x`; `nil` weighs every row 1.
    func fit(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]?) throws -> Model
}

/// An estimator that learns from `x` alone (scalers, PCA, clustering).
///
/// Its `fit(_:_:)` ignores `y`, so it sits in supervised pipelines.
public protocol UnsupervisedEstimator<Model>: Estimator {
    /// Learns from `x` alone.
    func fit(_ x: Matrix<Double>) throws -> Model
}

// MARK: - Default implementations

extension FittedModel {
    public static var modelFormatVersion: Int { 1 }
    public func validateStructure() throws {}
}

extension Estimator {
    public static var nonFiniteInput: NonFiniteInputPolicy { .rejected }
}

extension SampleWeightedEstimator {
    public func fit(_ x: Matrix<Double>, _ y: [Double]) throws -> Model { try fit(x, y, sampleWeights: nil) }
}

extension UnsupervisedEstimator {
    public func fit(_ x: Matrix<Double>, _ y: [Double]) throws -> Model { try fit(x) }
}

extension Transformer {
    /// Keeps the input names when the column count is unchanged; otherwise numbers the outputs
    /// `x0`, `x1`, ... .
    public func outputFeatureNames(input: [String]) -> [String] {
        input.count == inputFeatureCount ? input : (0..<inputFeatureCount).map { "x\($0)" }
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
