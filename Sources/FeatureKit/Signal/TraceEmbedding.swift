public import ToolboxCore

/// An embedding of raw trace samples: a PCA to `n_components` components fitted on a seeded
/// random sample of the traces (at most `sample_size`) and applied to every trace, as the
/// seismic pipelines this toolbox replaces used it (32 components). Output columns are named
/// `pca0`, `pca1`, ...
///
/// ```swift
/// let embedding = try TraceEmbedding(components: 32).fit(traces)      // traces: one row per trace
/// let vectors = try embedding.transform(traces)
/// ```
public struct TraceEmbedding: UnsupervisedEstimator, Configurable, Hashable {
    /// `n_components` (Int ≥ 1, default 32).
    public var components: Int
    /// `sample_size` (Int ≥ 1, default 10,000): the most traces the PCA is fitted on.
    public var sampleSize: Int
    /// `random_state` (default 0): the seed of the sample and of a randomized solver.
    public var seed: UInt64

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        components = 32
        sampleSize = 10_000
        seed = 0
    }

    /// An embedding of `components` PCA axes, fitted on at most `sampleSize` traces drawn with `seed`.
    public init(components: Int = 32, sampleSize: Int = 10_000, seed: UInt64 = 0) {
        self.components = components
        self.sampleSize = sampleSize
        self.seed = seed
    }

    /// The hyperparameters by their snake_case names, with defaults and search hints.
    public static let hyperparameterSchema: [Hyperparameter<TraceEmbedding>] = [
        .integer("n_components", \.components, minimum: 1, "components of the embedding"),
        .integer("sample_size", \.sampleSize, minimum: 1, "most traces the PCA is fitted on"),
        .seed("random_state", \.seed, maximum: UInt64.max, "seed of the sample"),
    ]

    /// The rows a fit uses: every row, or a seeded sample of `sample_size` in row order.
    public func sampledRows(_ count: Int) -> [Int] {
        guard sampleSize < count else { return Array(0..<count) }
        var generator = SeededGenerator(seed: seed)
        return Array((0..<count).shuffled(using: &generator).prefix(sampleSize)).sorted()
    }

    /// - Throws: `ToolboxError/Code/invalidParameter` when more components are asked for than
    ///   the sample and trace length allow.
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        guard sampleSize >= 1 else {
            throw ToolboxError(.invalidParameter, "sample_size must be at least 1", context: ErrorContext(parameter: "sample_size"))
        }
        try x.validateNotEmpty()
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let sample = sampleSize < x.rows ? try x.rows(at: sampledRows(x.rows)) : x
        guard components >= 1, components <= min(sample.rows, sample.columns) else {
            throw ToolboxError(.invalidParameter, "n_components must be in 1...\(min(sample.rows, sample.columns)) (sampled traces and samples per trace)",
                               context: ErrorContext(parameter: "n_components"))
        }
        let pca = try PCA(components: .count(components), seed: seed).fit(sample)
        return Model(hyperparameters: self, pca: pca, schema: schema)
    }

    /// A fitted trace embedding.
    public struct Model: Transformer {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.TraceEmbedding"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: TraceEmbedding
        /// The PCA fitted on the sample.
        public let pca: PCA.Model
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { pca.inputFeatureCount }
        /// The number of columns the transform outputs.
        public var outputFeatureCount: Int { pca.outputFeatureCount }
        /// Projects each trace onto the principal axes.
        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> { try pca.transform(x) }
        /// The output column names given the input names (scikit-learn's `get_feature_names_out`).
        public func outputFeatureNames(input: [String]) -> [String] { pca.outputFeatureNames(input: input) }
        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws { try pca.validateStructure() }
    }
}
