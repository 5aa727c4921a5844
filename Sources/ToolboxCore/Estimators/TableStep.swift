/// A step that works on a ``DataTable`` before it becomes a feature matrix: one that reads text
/// columns (TF-IDF) or derives columns from rows of other times (time-series lags and windows),
/// which a matrix of numbers can no longer express.
///
/// Table steps come first in a ``DynamicPipeline`` (`steps:` in a workflow file name them like
/// any estimator); such a pipeline is fitted on a table with
/// ``DynamicPipeline/fit(_:target:context:)`` and its model predicts from tables. Register them
/// with ``ModelRegistry/register(tableEstimator:name:aliases:)``.
///
/// ```yaml
/// steps:
///   - type: time_series_features
///     parameters: { time: date, group: part, values: [cost], lags: [1, 2] }
///   - type: simple_imputer
///   - type: ridge
/// ```
public protocol TableEstimator: Configurable, Sendable, Hashable {
    associatedtype Model: TableModel
    /// Learns what the step needs from the training table (every column, the target included).
    func fit(_ table: DataTable) throws -> Model
}

/// A fitted table step.
public protocol TableModel: Sendable, Codable {
    /// The name the model is saved and registered under (`FeatureKit.TfidfModel`).
    static var modelTypeName: String { get }
    /// The table with the step's columns added, replaced or removed.
    func transform(_ table: DataTable) throws -> DataTable
}

extension ModelRegistry {
    /// Registers a table step under its kit-qualified `name` and `aliases` (which share one
    /// namespace with the estimators'), together with its model type.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when `name` is not qualified, or when a
    ///   name or alias already belongs to another type.
    public func register<E: TableEstimator>(tableEstimator type: E.Type, name: String, aliases: [String] = []) throws {
        try registerTableStep(type, modelType: E.Model.self, modelName: E.Model.modelTypeName, name: name, aliases: aliases)
    }
}
