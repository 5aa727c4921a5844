public import ToolboxCore

/// Standardizes each feature to zero mean and unit variance, as scikit-learn's `StandardScaler`:
/// `z = (x - mean) / scale`, with the population standard deviation (ddof 0) as the scale.
///
/// Missing values (NaN) are left out of the statistics and stay missing in the output; a
/// constant column keeps scale 1 (it is centred, not blown up); a column with no present value
/// keeps mean 0 and scale 1, so it passes through as missing. Sample weights weigh the mean and
/// variance.
///
/// ```swift
/// let scaler = try StandardScaler().fit(x)
/// let z = try scaler.transform(x)
/// let back = try scaler.inverseTransform(z)
/// ```
public struct StandardScaler: UnsupervisedEstimator, Configurable, Hashable {
    /// `with_mean` (Bool, default `true`): subtract each column's mean.
    public var withMean: Bool
    /// `with_std` (Bool, default `true`): divide by each column's standard deviation.
    public var withStd: Bool

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        withMean = true
        withStd = true
    }

    /// A scaler with scikit-learn's defaults: centred and scaled to unit variance.
    public init(withMean: Bool = true, withStd: Bool = true) {
        self.withMean = withMean
        self.withStd = withStd
    }

    /// The hyperparameters by scikit-learn's names (`with_mean`, `with_std`).
    public static let hyperparameterSchema: [Hyperparameter<StandardScaler>] = [
        .bool("with_mean", \.withMean, "subtract each column's mean"),
        .bool("with_std", \.withStd, "divide by each column's (population) standard deviation"),
    ]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }
    /// The pieces of the fit context this estimator honours.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights] }

    /// - Complexity: O(n·p), two passes.
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try ColumnStatistics.rejectInfinite(x)
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let weights = try context.sampleWeights.map { try SampleWeightValidation.validate($0, rows: x.rows) }
        let statistics = try ColumnStatistics.meanAndVariance(x, weights: weights)
        let means = statistics.map { $0?.mean ?? 0 }
        let variances = statistics.map { $0?.variance ?? 0 }
        return Model(hyperparameters: self, mean: BinaryArray(means), variance: BinaryArray(variances),
                     scale: BinaryArray(variances.map { ColumnStatistics.safeScale($0.squareRoot()) }), schema: schema)
    }

    /// A fitted standard scaler.
    public struct Model: AffineColumnScaler {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.StandardScaler"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: StandardScaler
        /// Each column's mean over its present values (scikit-learn's `mean_`).
        public let mean: BinaryArray<Double>
        /// Each column's population variance (`var_`).
        public let variance: BinaryArray<Double>
        /// The divisor of each column (`scale_`): the standard deviation, or 1 where it is zero.
        public let scale: BinaryArray<Double>
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { mean.elements.count }
        var affineShift: [Double] { hyperparameters.withMean ? mean.elements : [Double](repeating: 0, count: inputFeatureCount) }
        var affineScale: [Double] { hyperparameters.withStd ? scale.elements : [Double](repeating: 1, count: inputFeatureCount) }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            let p = mean.elements.count
            guard variance.elements.count == p, scale.elements.count == p,
                  scale.elements.allSatisfy({ $0.isFinite && $0 > 0 }), mean.elements.allSatisfy(\.isFinite) else {
                throw ToolboxError(.corruptArchive, "standard scaler statistics are inconsistent")
            }
        }
    }
}
