public import ToolboxCore

/// A minimal transformer used by ``checkEstimator(_:task:seed:)`` to build pipelines: adds a
/// constant to every value. Public so kits can use it in their own pipeline tests.
public struct ColumnShift: UnsupervisedEstimator, DefaultInitializable {
    /// The constant added to every value.
    public var amount: Double

    public init() { amount = 0 }
    public init(amount: Double) { self.amount = amount }

    public func fit(_ x: Matrix<Double>) throws -> Model {
        try x.validateNotEmpty()
        try x.validateFinite()
        return Model(hyperparameters: self, inputFeatureCount: x.columns)
    }

    /// The fitted shift.
    public struct Model: Transformer {
        public static let modelTypeName = "ToolboxTesting.ColumnShift"
        public var hyperparameters: ColumnShift
        public var inputFeatureCount: Int

        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(inputFeatureCount)
            try x.validateFinite()
            return x.map { $0 + hyperparameters.amount }
        }
    }
}
