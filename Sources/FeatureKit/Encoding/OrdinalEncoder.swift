public import ToolboxCore

/// Each category as its index among the column's sorted categories, as scikit-learn's
/// `OrdinalEncoder`; missing values stay missing. The output columns are categorical (codes with
/// their category names), so boosting and other learners that split categories natively see them.
public struct OrdinalEncoder: UnsupervisedEstimator, Configurable, Hashable {
    /// What to do with a category not seen in fit.
    public enum UnknownCategories: String, Sendable, Hashable, Codable, CaseIterable {
        /// Throw, naming the row, column and value.
        case error
        /// Encode as `unknown_value`.
        case useEncodedValue = "use_encoded_value"
    }

    /// `handle_unknown` (`error` or `use_encoded_value`, default `error`).
    public var handleUnknown: UnknownCategories
    /// `unknown_value` (a number, or `null` for NaN; default `null`): the code of an unseen
    /// category with `use_encoded_value`; it must not be a code of a seen category.
    public var unknownValue: Double

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        handleUnknown = .error
        unknownValue = .nan
    }

    /// An encoder with scikit-learn's defaults: unknown categories refused.
    public init(handleUnknown: UnknownCategories = .error, unknownValue: Double = .nan) {
        self.handleUnknown = handleUnknown
        self.unknownValue = unknownValue
    }

    /// The hyperparameters by scikit-learn's names (`handle_unknown`, `unknown_value`).
    public static let hyperparameterSchema: [Hyperparameter<OrdinalEncoder>] = [
        .choice("handle_unknown", \.handleUnknown, "a category not seen in fit: error, or unknown_value"),
        Hyperparameter("unknown_value", kind: .optional(.integer(minimum: nil, maximum: nil)),
                       summary: "the code of an unseen category (null: NaN)",
                       read: { $0.unknownValue.isNaN ? .null : .number($0.unknownValue) },
                       write: { root, value in if case .number(let number) = value { root.unknownValue = number } else { root.unknownValue = .nan } }),
    ]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    public static func == (lhs: OrdinalEncoder, rhs: OrdinalEncoder) -> Bool {
        lhs.handleUnknown == rhs.handleUnknown && lhs.unknownValue.bitPattern == rhs.unknownValue.bitPattern
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(handleUnknown)
        hasher.combine(unknownValue.bitPattern)
    }

    /// - Complexity: O(p·n log n).
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try ColumnStatistics.rejectInfinite(x)
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let categories = CategoryColumns.learn(x)
        if handleUnknown == .useEncodedValue && !unknownValue.isNaN {
            guard unknownValue == unknownValue.rounded(), unknownValue.isFinite else {
                throw ToolboxError(.invalidParameter, "unknown_value must be a whole number or null", context: ErrorContext(parameter: "unknown_value"))
            }
            let longest = categories.map { $0.filter { !$0.isNaN }.count }.max() ?? 0
            if unknownValue >= 0 && unknownValue < Double(longest) {
                throw ToolboxError(.invalidParameter, "unknown_value \(unknownValue) is already the code of a seen category",
                                   context: ErrorContext(parameter: "unknown_value"))
            }
        }
        return Model(hyperparameters: self, categories: categories, schema: schema)
    }

    /// A fitted ordinal encoder.
    public struct Model: Transformer {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.OrdinalEncoder"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: OrdinalEncoder
        /// Each input column's categories (`categories_`): sorted, NaN last when seen.
        public let categories: [[Double]]
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { categories.count }
        /// The number of columns the transform outputs.
        public var outputFeatureCount: Int { inputFeatureCount }

        /// - Complexity: O(n·p).
        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
            let lookups = CategoryColumns.lookups(categories)
            var out = x
            for i in 0..<x.rows {
                for j in 0..<inputFeatureCount {
                    let value = x[i, j]
                    if value.isNaN { continue }
                    if let k = lookups[j][value == 0 ? 0 : value] {
                        out[i, j] = Double(k)
                    } else if hyperparameters.handleUnknown == .useEncodedValue {
                        out[i, j] = hyperparameters.unknownValue
                    } else {
                        throw ToolboxError(.invalidData, "column \(j) has category \(value) at row \(i), not seen in fit",
                                           context: ErrorContext(column: schema.featureNames?[j] ?? String(j), row: i))
                    }
                }
            }
            return out
        }

        /// Every output column is categorical: its codes name the column's categories.
        public func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] {
            let names = CategoryColumns.names(schema, columns: inputFeatureCount)
            return categories.enumerated().map { j, column in
                CategoricalFeature(column: j, categories: column.filter { !$0.isNaN }.map { CategoryColumns.text($0, names: names[j]) })
            }
        }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            try CategoryColumns.validate(categories)
        }
    }
}
