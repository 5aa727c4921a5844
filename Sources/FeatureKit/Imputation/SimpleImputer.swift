public import ToolboxCore

/// Fills missing values (NaN) column by column, as scikit-learn's `SimpleImputer`: with each
/// column's mean, median or most frequent present value, or a constant.
///
/// A column with no present value has nothing to learn from: it is dropped from the output, as
/// scikit-learn drops it, unless `keep_empty_features` (then it is filled with 0, or with
/// `fill_value` for the `constant` strategy). The output names and categorical columns follow
/// the kept columns.
public struct SimpleImputer: UnsupervisedEstimator, Configurable, Hashable {
    /// What fills a column's missing values.
    public enum Strategy: String, Sendable, Hashable, Codable, CaseIterable {
        case mean, median
        case mostFrequent = "most_frequent"
        case constant
    }

    /// `strategy` (`mean`, `median`, `most_frequent` or `constant`; default `mean`).
    public var strategy: Strategy
    /// `fill_value` (Double, default 0): the value the `constant` strategy fills in.
    public var fillValue: Double
    /// `keep_empty_features` (Bool, default `false`): keep columns with no present value (filled
    /// with 0, or `fill_value` for `constant`).
    public var keepEmptyFeatures: Bool

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        strategy = .mean
        fillValue = 0
        keepEmptyFeatures = false
    }

    /// An imputer with scikit-learn's defaults: each column's mean.
    public init(strategy: Strategy = .mean, fillValue: Double = 0, keepEmptyFeatures: Bool = false) {
        self.strategy = strategy
        self.fillValue = fillValue
        self.keepEmptyFeatures = keepEmptyFeatures
    }

    /// The hyperparameters by scikit-learn's names (`strategy`, `fill_value`, `keep_empty_features`).
    public static let hyperparameterSchema: [Hyperparameter<SimpleImputer>] = [
        .choice("strategy", \.strategy, "what fills a column's missing values"),
        .real("fill_value", \.fillValue, "the value the constant strategy fills in"),
        .bool("keep_empty_features", \.keepEmptyFeatures, "keep columns with no present value (filled with 0)"),
    ]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    /// - Complexity: O(n·p) for mean and constant, O(p·n log n) for median and most frequent.
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        guard fillValue.isFinite else {
            throw ToolboxError(.invalidParameter, "fill_value must be finite", context: ErrorContext(parameter: "fill_value"))
        }
        try x.validateNotEmpty()
        try ColumnStatistics.rejectInfinite(x)
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let columns = ColumnStatistics.presentValues(x)
        var statistics: [Double] = []
        var kept: [Int] = []
        for (j, values) in columns.enumerated() {
            let value: Double?
            switch strategy {
            case .constant: value = values.isEmpty ? nil : fillValue
            case .mean: value = values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
            case .median: value = values.isEmpty ? nil : Quantile.linear(values.sorted(), 0.5)
            case .mostFrequent: value = Self.mode(values)
            }
            statistics.append(value ?? (keepEmptyFeatures ? (strategy == .constant ? fillValue : 0) : .nan))
            if value != nil || keepEmptyFeatures { kept.append(j) }
        }
        return Model(hyperparameters: self, statistics: BinaryArray(statistics), keptColumns: kept, schema: schema)
    }

    /// The most frequent value, the smallest among ties (as scikit-learn); `nil` when empty.
    static func mode(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        var best: Double?, bestCount = 0
        var k = 0
        while k < sorted.count {
            var end = k + 1
            while end < sorted.count && sorted[end] == sorted[k] { end += 1 }
            if end - k > bestCount {
                best = sorted[k]
                bestCount = end - k
            }
            k = end
        }
        return best
    }

    /// A fitted simple imputer.
    public struct Model: Transformer {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.SimpleImputer"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: SimpleImputer
        /// The fill value of each input column (`statistics_`); NaN for a dropped empty column.
        public let statistics: BinaryArray<Double>
        /// The input columns the output keeps, in order.
        public let keptColumns: [Int]
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { statistics.elements.count }
        /// The number of columns the transform outputs.
        public var outputFeatureCount: Int { keptColumns.count }

        /// - Complexity: O(n·p).
        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
            let fill = statistics.elements, kept = keptColumns
            return Matrix(rows: x.rows, columns: kept.count) { i, k in
                let value = x[i, kept[k]]
                return value.isNaN ? fill[kept[k]] : value
            }
        }

        /// The output column names given the input names (scikit-learn's `get_feature_names_out`).
        public func outputFeatureNames(input: [String]) -> [String] { KeptColumns.names(keptColumns, input: input) }

        /// The categorical columns of the output, given those of the input.
        public func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] {
            KeptColumns.categorical(keptColumns, input: input)
        }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            let p = statistics.elements.count
            guard keptColumns.allSatisfy({ $0 >= 0 && $0 < p }), zip(keptColumns, keptColumns.dropFirst()).allSatisfy({ $0 < $1 }),
                  keptColumns.allSatisfy({ statistics.elements[$0].isFinite }) else {
                throw ToolboxError(.corruptArchive, "simple imputer columns are inconsistent")
            }
        }
    }
}
