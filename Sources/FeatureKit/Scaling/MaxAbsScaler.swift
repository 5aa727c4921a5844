public import ToolboxCore

/// Scales each feature by its largest absolute value, as scikit-learn's `MaxAbsScaler`, so
/// values fall in [-1, 1] without shifting (sparsity and sign are kept). Missing values are left
/// out and stay missing; an all-zero column is scaled by 1.
public struct MaxAbsScaler: UnsupervisedEstimator, Configurable, Hashable {
    public init() {}

    public static let hyperparameterSchema: [Hyperparameter<MaxAbsScaler>] = []

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
        public static let modelTypeName = "FeatureKit.MaxAbsScaler"
        public let hyperparameters: MaxAbsScaler
        /// Each column's largest absolute present value (`max_abs_`) and divisor (`scale_`).
        public let maxAbs: BinaryArray<Double>
        public let scale: BinaryArray<Double>
        public let schema: ModelSchema

        public var inputFeatureCount: Int { scale.elements.count }
        var affineShift: [Double] { [Double](repeating: 0, count: inputFeatureCount) }
        var affineScale: [Double] { scale.elements }

        public func validateStructure() throws {
            guard maxAbs.elements.count == scale.elements.count, scale.elements.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ToolboxError(.corruptArchive, "max-abs scaler statistics are inconsistent")
            }
        }
    }
}
