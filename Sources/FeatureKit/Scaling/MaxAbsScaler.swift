public import ToolboxCore

/// Scales each feature by its largest absolute value, as scikit-learn's `MaxAbsScaler`, so
/// values fall in [-1, 1] without shifting (sparsity and sign are kept). Missing values are left
/// out and stay missing; an all-zero column is scaled by 1.
public struct MaxAbsScaler: UnsupervisedEstimator, Configurable, Hashable {
    /// The estimator with its defaults (scikit-learn's).
    public init() {}

    /// No hyperparameters (scikit-learn's `MaxAbsScaler` takes only `copy`).
    public static let hyperparameterSchema: [Hyperparameter<MaxAbsScaler>] = []

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    /// - Complexity: O(n·p).
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try ColumnStatistics.rejectInfinite(x)
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let largest = ColumnStatistics.presentValues(x).map { $0.map(abs).max() ?? 0 }
        return Model(hyperparameters: self, maxAbs: BinaryArray(largest), scale: BinaryArray(largest.map(ColumnStatistics.safeScale)),
                     schema: schema)
    }

    /// A fitted max-abs scaler.
    public struct Model: AffineColumnScaler {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.MaxAbsScaler"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: MaxAbsScaler
        /// Each column's largest absolute present value (`max_abs_`) and divisor (`scale_`).
        public let maxAbs: BinaryArray<Double>
        /// The divisor of each column (`scale_`): its largest absolute value, 1 for an all-zero column.
        public let scale: BinaryArray<Double>
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { scale.elements.count }
        var affineShift: [Double] { [Double](repeating: 0, count: inputFeatureCount) }
        var affineScale: [Double] { scale.elements }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            guard maxAbs.elements.count == scale.elements.count, scale.elements.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ToolboxError(.corruptArchive, "max-abs scaler statistics are inconsistent")
            }
        }
    }
}
