public import ToolboxCore

/// One column per category, as scikit-learn's `OneHotEncoder` (dense output): each input column's
/// distinct values (NaN, when present in fit, is a category of its own, last) become indicator
/// columns named `feature_category`.
///
/// Categories coded from a table (`fitContextUsage/categoricalFeatures`) are named by their labels
/// (`colour_red`); other numbers as Python prints them (`size_2.5`), as scikit-learn names them.
public struct OneHotEncoder: UnsupervisedEstimator, Configurable, Hashable {
    /// What to do with a category not seen in fit.
    public enum UnknownCategories: String, Sendable, Hashable, Codable, CaseIterable {
        /// Throw, naming the row, column and value.
        case error
        /// Encode as all zeros.
        case ignore
    }

    /// Which category's column to leave out (the reference level of a linear model).
    public enum Drop: String, Sendable, Hashable, Codable, CaseIterable {
        case none
        case first
        case ifBinary = "if_binary"
    }

    /// `handle_unknown` (`error` or `ignore`, default `error`).
    public var handleUnknown: UnknownCategories
    /// `drop` (`null`, `first` or `if_binary`; default `null`): leave out each column's first
    /// category, or only for two-category columns.
    public var drop: Drop

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        handleUnknown = .error
        drop = .none
    }

    /// An encoder with scikit-learn's defaults: unknown categories refused, no column dropped.
    public init(handleUnknown: UnknownCategories = .error, drop: Drop = .none) {
        self.handleUnknown = handleUnknown
        self.drop = drop
    }

    /// The hyperparameters by scikit-learn's names (`handle_unknown`, `drop`).
    public static let hyperparameterSchema: [Hyperparameter<OneHotEncoder>] = [
        .choice("handle_unknown", \.handleUnknown, "a category not seen in fit: error, or all zeros (ignore)"),
        Hyperparameter("drop", kind: .optional(.choice(["first", "if_binary"])),
                       summary: "leave out each column's first category (first), only for two categories (if_binary), or none (null)",
                       read: { $0.drop == .none ? .null : .string($0.drop.rawValue) },
                       write: { root, value in
                           if case .string(let text) = value, let drop = Drop(rawValue: text) { root.drop = drop } else { root.drop = .none }
                       }),
    ]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    /// - Complexity: O(p·n log n).
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try ColumnStatistics.rejectInfinite(x)
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let categories = CategoryColumns.learn(x)
        let dropped: [Int?] = categories.map { column in
            switch drop {
            case .none: nil
            case .first: 0
            case .ifBinary: column.count == 2 ? 0 : nil
            }
        }
        return Model(hyperparameters: self, categories: categories, droppedCategory: dropped, schema: schema)
    }

    /// A fitted one-hot encoder.
    public struct Model: Transformer {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.OneHotEncoder"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: OneHotEncoder
        /// Each input column's categories (`categories_`): sorted, NaN last when seen.
        public let categories: [[Double]]
        /// Each column's left-out category index, if any (`drop_idx_`).
        public let droppedCategory: [Int?]
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { categories.count }
        /// The number of columns the transform outputs.
        public var outputFeatureCount: Int { zip(categories, droppedCategory).reduce(0) { $0 + $1.0.count - ($1.1 == nil ? 0 : 1) } }

        /// - Complexity: O(n·p) lookups, O(n × output columns) to fill.
        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
            let lookups = CategoryColumns.lookups(categories)
            var offsets: [Int] = [], width = 0
            for (column, dropped) in zip(categories, droppedCategory) {
                offsets.append(width)
                width += column.count - (dropped == nil ? 0 : 1)
            }
            var out = Matrix<Double>(rows: x.rows, columns: width)
            for i in 0..<x.rows {
                for j in 0..<inputFeatureCount {
                    let value = x[i, j]
                    guard let k = CategoryColumns.position(value, in: categories[j], lookup: lookups[j]) else {
                        if hyperparameters.handleUnknown == .ignore { continue }
                        throw ToolboxError(.invalidData, "column \(j) has category \(value) at row \(i), not seen in fit",
                                           context: ErrorContext(column: schema.featureNames?[j] ?? String(j), row: i))
                    }
                    if let dropped = droppedCategory[j] {
                        if k == dropped { continue }
                        out[i, offsets[j] + (k > dropped ? k - 1 : k)] = 1
                    } else {
                        out[i, offsets[j] + k] = 1
                    }
                }
            }
            return out
        }

        /// `feature_category` for every output column.
        public func outputFeatureNames(input: [String]) -> [String] {
            let names = CategoryColumns.names(schema, columns: inputFeatureCount)
            return categories.enumerated().flatMap { j, column in
                column.enumerated().compactMap { k, value -> String? in
                    k == droppedCategory[j] ? nil : "\(input.indices.contains(j) ? input[j] : "x\(j)")_\(CategoryColumns.text(value, names: names[j]))"
                }
            }
        }

        /// The categorical columns of the output, given those of the input.
        public func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] { [] }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            try CategoryColumns.validate(categories)
            guard droppedCategory.count == categories.count,
                  zip(categories, droppedCategory).allSatisfy({ column, dropped in dropped.map { $0 >= 0 && $0 < column.count } ?? true }) else {
                throw ToolboxError(.corruptArchive, "one-hot encoder drop indices are inconsistent")
            }
        }
    }
}
