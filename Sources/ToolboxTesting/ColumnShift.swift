public import ToolboxCore

/// A minimal transformer used by ``checkEstimator(_:task:seed:registry:skipping:)`` to build
/// pipelines: adds a constant to every value. Public so kits can use it in their own pipeline tests.
public struct ColumnShift: UnsupervisedEstimator, Configurable, Hashable {
    /// `amount` (Double, default 0): the constant added to every value.
    public var amount: Double

    public init() { amount = 0 }
    public init(amount: Double) { self.amount = amount }

    public static let hyperparameterSchema: [Hyperparameter<ColumnShift>] = [
        .real("amount", \.amount, "constant added to every value"),
    ]

    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try x.validateFinite()
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        return Model(hyperparameters: self, inputFeatureCount: x.columns, schema: schema)
    }

    /// The fitted shift.
    public struct Model: Transformer {
        public static let modelTypeName = "ToolboxTesting.ColumnShift"
        public var hyperparameters: ColumnShift
        public var inputFeatureCount: Int
        public var schema: ModelSchema
        public var outputFeatureCount: Int { inputFeatureCount }

        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(inputFeatureCount)
            try x.validateFinite()
            return x.map { $0 + hyperparameters.amount }
        }
    }

    /// Registers the shift under `ToolboxTesting.ColumnShift` (alias `column_shift`), as
    /// pipelines in checks save and load it by name.
    public static func register(in registry: ModelRegistry = .shared) throws {
        try registry.register(estimator: ColumnShift.self, name: "ToolboxTesting.ColumnShift", aliases: ["column_shift"])
    }
}
