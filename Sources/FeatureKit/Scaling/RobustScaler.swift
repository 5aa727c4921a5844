public import ToolboxCore

/// Centres on the median and scales by a quantile range, as scikit-learn's `RobustScaler`, so
/// outliers do not set the scale: `z = (x - median) / (q_high - q_low)`, with NumPy's linear
/// percentiles over the present values. With `unit_variance`, the range is divided by the
/// standard normal's range between the same quantiles, so normal data gets variance 1.
public struct RobustScaler: UnsupervisedEstimator, Configurable, Hashable {
    /// `with_centering` (Bool, default `true`): subtract each column's median.
    public var withCentering: Bool
    /// `with_scaling` (Bool, default `true`): divide by each column's quantile range.
    public var withScaling: Bool
    /// `quantile_range` (two percentages, 0 < low < high < 100, default `[25, 75]`).
    public var quantileRange: [Double]
    /// `unit_variance` (Bool, default `false`): make normally distributed features variance 1.
    public var unitVariance: Bool

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        withCentering = true
        withScaling = true
        quantileRange = [25, 75]
        unitVariance = false
    }

    /// A scaler with scikit-learn's defaults: centred on the median, scaled by the 25–75 quantile range.
    public init(withCentering: Bool = true, withScaling: Bool = true, quantileRange: ClosedRange<Double> = 25...75,
                unitVariance: Bool = false) {
        self.withCentering = withCentering
        self.withScaling = withScaling
        self.quantileRange = [quantileRange.lowerBound, quantileRange.upperBound]
        self.unitVariance = unitVariance
    }

    /// The hyperparameters by scikit-learn's names (`with_centering`, `with_scaling`, `quantile_range`, `unit_variance`).
    public static let hyperparameterSchema: [Hyperparameter<RobustScaler>] = [
        .bool("with_centering", \.withCentering, "subtract each column's median"),
        .bool("with_scaling", \.withScaling, "divide by each column's quantile range"),
        Hyperparameter("quantile_range", kind: .list(.real(minimum: 0, maximum: 100, exclusiveMinimum: false), count: 2), summary: "percentiles [low, high] of the range, 0 < low < high < 100",
                       read: { .array($0.quantileRange.map(JSONValue.number)) },
                       write: { root, value in
                           guard case .array(let items) = value, items.count == 2, case .number(let low) = items[0],
                                 case .number(let high) = items[1], low >= 0, low < high, high <= 100 else {
                               throw ToolboxError(.invalidParameter, "quantile_range takes two percentages [low, high] with 0 <= low < high <= 100",
                                                  context: ErrorContext(parameter: "quantile_range"))
                           }
                           root.quantileRange = [low, high]
                       }),
        .bool("unit_variance", \.unitVariance, "scale so that normally distributed features get variance 1"),
    ]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    /// - Complexity: O(p·n log n) (a sort per column).
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        guard quantileRange.count == 2, quantileRange[0] >= 0, quantileRange[0] < quantileRange[1], quantileRange[1] <= 100 else {
            throw ToolboxError(.invalidParameter, "quantile_range must be [low, high] with 0 <= low < high <= 100, got \(quantileRange)",
                               context: ErrorContext(parameter: "quantile_range"))
        }
        try x.validateNotEmpty()
        try ColumnStatistics.rejectInfinite(x)
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let sorted = ColumnStatistics.presentValues(x).map { $0.sorted() }
        let centers = sorted.map { $0.isEmpty ? 0 : Quantile.linear($0, 0.5) }
        let normalRange = NormalQuantile.of(quantileRange[1] / 100) - NormalQuantile.of(quantileRange[0] / 100)
        let scales = sorted.map { column -> Double in
            guard !column.isEmpty else { return 1 }
            let range = ColumnStatistics.safeScale(Quantile.linear(column, quantileRange[1] / 100) - Quantile.linear(column, quantileRange[0] / 100))
            return unitVariance ? range / normalRange : range
        }
        return Model(hyperparameters: self, center: BinaryArray(centers), scale: BinaryArray(scales), schema: schema)
    }

    /// A fitted robust scaler.
    public struct Model: AffineColumnScaler {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.RobustScaler"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: RobustScaler
        /// Each column's median (`center_`) and quantile range (`scale_`).
        public let center: BinaryArray<Double>
        /// Each column's divisor (`scale_`): its quantile range, 1 where that is 0.
        public let scale: BinaryArray<Double>
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { scale.elements.count }
        var affineShift: [Double] { hyperparameters.withCentering ? center.elements : [Double](repeating: 0, count: inputFeatureCount) }
        var affineScale: [Double] { hyperparameters.withScaling ? scale.elements : [Double](repeating: 1, count: inputFeatureCount) }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            guard center.elements.count == scale.elements.count, scale.elements.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ToolboxError(.corruptArchive, "robust scaler statistics are inconsistent")
            }
        }
    }
}
