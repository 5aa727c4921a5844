public import ToolboxCore

/// Scales each feature to a range, as scikit-learn's `MinMaxScaler`:
/// `x * scale + min` with `scale = (high - low) / (max - min)`, `min = low - dataMin * scale`.
///
/// Missing values are left out and stay missing; a constant column (range 0) is scaled by 1.
/// With `clip`, transformed values outside the range (new data beyond the fitted extremes) are
/// clipped to it.
public struct MinMaxScaler: UnsupervisedEstimator, Configurable, Hashable {
    /// `feature_range` (two numbers, low < high, default `[0, 1]`): the target range.
    public var featureRange: [Double]
    /// `clip` (Bool, default `false`): clip transformed values to `feature_range`.
    public var clip: Bool

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        featureRange = [0, 1]
        clip = false
    }

    /// A scaler onto `featureRange` (0...1 by default), clipping new values to it when `clip` is set.
    public init(featureRange: ClosedRange<Double> = 0...1, clip: Bool = false) {
        self.featureRange = [featureRange.lowerBound, featureRange.upperBound]
        self.clip = clip
    }

    /// The hyperparameters by scikit-learn's names (`feature_range`, `clip`).
    public static let hyperparameterSchema: [Hyperparameter<MinMaxScaler>] = [
        Hyperparameter("feature_range", kind: .list(.real(minimum: nil, maximum: nil, exclusiveMinimum: false), count: 2), summary: "target range [low, high], low < high",
                       read: { .array($0.featureRange.map(JSONValue.number)) },
                       write: { root, value in
                           guard case .array(let items) = value, items.count == 2,
                                 case .number(let low) = items[0], case .number(let high) = items[1], low.isFinite, high.isFinite, low < high else {
                               throw ToolboxError(.invalidParameter, "feature_range takes two numbers [low, high] with low < high",
                                                  context: ErrorContext(parameter: "feature_range"))
                           }
                           root.featureRange = [low, high]
                       }),
        .bool("clip", \.clip, "clip transformed values to feature_range"),
    ]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    /// - Complexity: O(n·p).
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        guard featureRange.count == 2, featureRange[0] < featureRange[1], featureRange.allSatisfy(\.isFinite) else {
            throw ToolboxError(.invalidParameter, "feature_range must be [low, high] with low < high, got \(featureRange)",
                               context: ErrorContext(parameter: "feature_range"))
        }
        try x.validateNotEmpty()
        try ColumnStatistics.rejectInfinite(x)
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let columns = ColumnStatistics.presentValues(x)
        let lows = columns.map { $0.min() ?? 0 }, highs = columns.map { $0.max() ?? 0 }
        let scale = zip(lows, highs).map { (featureRange[1] - featureRange[0]) / ColumnStatistics.safeScale($1 - $0) }
        let offset = zip(lows, scale).map { featureRange[0] - $0 * $1 }
        return Model(hyperparameters: self, dataMin: BinaryArray(lows), dataMax: BinaryArray(highs), scale: BinaryArray(scale),
                     offset: BinaryArray(offset), schema: schema)
    }

    /// A fitted min-max scaler.
    public struct Model: InvertibleTransformer {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.MinMaxScaler"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: MinMaxScaler
        /// Each column's smallest and largest present value (`data_min_`, `data_max_`).
        public let dataMin: BinaryArray<Double>
        /// Each column's largest present value (`data_max_`).
        public let dataMax: BinaryArray<Double>
        /// The factor (`scale_`) and offset (`min_`) of each column.
        public let scale: BinaryArray<Double>
        /// The offset added after scaling (`min_`).
        public let offset: BinaryArray<Double>
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { scale.elements.count }
        /// The number of columns the transform outputs.
        public var outputFeatureCount: Int { inputFeatureCount }

        /// - Complexity: O(n·p).
        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
            let (s, m) = (scale.elements, offset.elements)
            let (low, high) = (hyperparameters.featureRange[0], hyperparameters.featureRange[1])
            let clip = hyperparameters.clip
            return x.mapColumns { value, j in
                let t = value * s[j] + m[j]
                return clip && !t.isNaN ? min(max(t, low), high) : t
            }
        }

        /// Undoes the scaling: the original columns from scaled ones.
        public func inverseTransform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
            return try ColumnStatistics.affine(x, shift: offset.elements, scale: scale.elements)
        }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            let p = scale.elements.count
            guard offset.elements.count == p, dataMin.elements.count == p, dataMax.elements.count == p,
                  scale.elements.allSatisfy({ $0.isFinite && $0 != 0 }), hyperparameters.featureRange.count == 2 else {
                throw ToolboxError(.corruptArchive, "min-max scaler statistics are inconsistent")
            }
        }
    }
}
