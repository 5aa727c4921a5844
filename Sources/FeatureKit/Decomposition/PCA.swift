public import ToolboxCore

/// Principal component analysis, as scikit-learn's `PCA`: the data is centred and projected on
/// the right singular vectors of the largest singular values.
///
/// - `full`: LAPACK's SVD of the centred data (`dgesdd`, as NumPy).
/// - `randomized`: Halko, Martinsson and Tropp's randomized SVD ("Finding Structure with
///   Randomness", 2011) with power iterations, for wide or tall data and few components.
/// - `covariance_eigh`: LAPACK's eigendecomposition of the covariance matrix `XᵀX/(n−1)`
///   (centred through the means), exact and fast when there are many more rows than columns.
/// - `auto`: scikit-learn's rule: `covariance_eigh` for at most 1,000 columns and at least ten
///   times as many rows; `full` up to 500 on a side or for a variance fraction; `randomized`
///   when fewer than 80% of the components are kept; `full` otherwise.
///
/// Component signs are fixed as scikit-learn fixes them (`svd_flip` on the components: the
/// largest absolute entry of each component is positive), so components and scores match.
/// `whiten` divides the scores by the square roots of the explained variances.
///
/// ```swift
/// let pca = try PCA(components: .count(32)).fit(traces)
/// pca.explainedVarianceRatio, try pca.transform(traces)
/// ```
public struct PCA: UnsupervisedEstimator, Configurable, Hashable {
    /// How many components to keep.
    public enum Components: Sendable, Hashable, Codable {
        /// All of them: min(rows, columns).
        case all
        /// A fixed number.
        case count(Int)
        /// As many as explain more than this fraction of the variance, in (0, 1).
        case varianceFraction(Double)

        /// Decodes the archived form, checking it: malformed input throws, never traps.
        public init(from decoder: any Decoder) throws {
            switch try decoder.singleValueContainer().decode(JSONValue.self) {
            case .null: self = .all
            case .number(let number) where number >= 1 && number == number.rounded() && number < 1e9: self = .count(Int(number))
            case .number(let number) where number > 0 && number < 1: self = .varianceFraction(number)
            case let other:
                throw ToolboxError(.invalidParameter, "n_components is \(other.compactDescription); it takes null, a count, or a fraction in (0, 1)",
                                   context: ErrorContext(parameter: "n_components"))
            }
        }

        /// Encodes the archived form.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .all: try container.encodeNil()
            case .count(let count): try container.encode(count)
            case .varianceFraction(let fraction): try container.encode(fraction)
            }
        }
    }

    /// The SVD solver.
    public enum Solver: String, Sendable, Hashable, Codable, CaseIterable {
        case auto, full, randomized
        /// The eigendecomposition of the p x p covariance matrix: exact and fast for tall data.
        case covarianceEigh = "covariance_eigh"
    }

    /// `n_components` (null, a count ≥ 1, or a variance fraction in (0, 1); default null: all).
    public var components: Components
    /// `whiten` (Bool, default `false`): scale the scores to unit variance.
    public var whiten: Bool
    /// `svd_solver` (`auto`, `full` or `randomized`; default `auto`).
    public var solver: Solver
    /// `iterated_power` (Int ≥ 0 or null, default null: 7 when fewer than a tenth of the
    /// components are kept, else 4): power iterations of the randomized solver.
    public var iteratedPower: Int?
    /// `n_oversamples` (Int ≥ 0, default 10): extra random directions of the randomized solver.
    public var oversamples: Int
    /// `random_state` (default 0): the seed of the randomized solver's Gaussian directions.
    public var seed: UInt64

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        components = .all
        whiten = false
        solver = .auto
        iteratedPower = nil
        oversamples = 10
        seed = 0
    }

    /// A PCA with scikit-learn's defaults: every component, no whitening, the solver chosen by shape.
    public init(components: Components = .all, whiten: Bool = false, solver: Solver = .auto, seed: UInt64 = 0) {
        self.init()
        self.components = components
        self.whiten = whiten
        self.solver = solver
        self.seed = seed
    }

    /// The hyperparameters by scikit-learn's names (`n_components`, `whiten`, `svd_solver`, `n_oversamples`, `random_state`).
    public static let hyperparameterSchema: [Hyperparameter<PCA>] = [
        .coded("n_components", \.components, kind: .optional(.oneOf([.integer(minimum: 1, maximum: nil),
                                                                     .real(minimum: 0, maximum: 1, exclusiveMinimum: true)])),
               "components kept: a count, a variance fraction in (0, 1), or null for all"),
        .bool("whiten", \.whiten, "scale the scores to unit variance"),
        .choice("svd_solver", \.solver, "auto, full (LAPACK SVD), covariance_eigh or randomized"),
        .optionalInteger("iterated_power", \.iteratedPower, minimum: 0, "power iterations of the randomized solver (null: 7 or 4)"),
        .integer("n_oversamples", \.oversamples, minimum: 0, "extra random directions of the randomized solver"),
        .seed("random_state", \.seed, maximum: UInt64.max, "seed of the randomized solver"),
    ]

    /// - Complexity: `full`: O(n·p·min(n, p)); `randomized`: O(n·p·(k + oversamples)·(power iterations + 2)).
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let (n, p) = (x.rows, x.columns)
        let rank = min(n, p)
        let requested: Int?
        switch components {
        case .all: requested = rank
        case .count(let count):
            guard count >= 1, count <= rank else {
                throw ToolboxError(.invalidParameter, "n_components \(count) must be in 1...\(rank) (min of rows and columns)",
                                   context: ErrorContext(parameter: "n_components"))
            }
            requested = count
        case .varianceFraction(let fraction):
            guard fraction > 0, fraction < 1 else {
                throw ToolboxError(.invalidParameter, "n_components fraction must be in (0, 1)", context: ErrorContext(parameter: "n_components"))
            }
            requested = nil
        }
        if let iteratedPower, iteratedPower < 0 {
            throw ToolboxError(.invalidParameter, "iterated_power must be at least 0", context: ErrorContext(parameter: "iterated_power"))
        }
        let mean = x.columnMeans()
        // A NaN or Inf anywhere makes its column's mean non-finite: only then is X scanned, to
        // say where.
        if mean.contains(where: { !$0.isFinite }) { try x.validateFinite() }
        var method = solver
        if method == .auto {
            if p <= 1_000 && n >= 10 * p {
                method = .covarianceEigh
            } else if max(n, p) <= 500 || requested == nil {
                method = .full
            } else if let requested, Double(requested) < 0.8 * Double(rank) {
                method = .randomized
            } else {
                method = .full
            }
        }
        if method == .randomized && requested == nil {
            throw ToolboxError(.invalidParameter, "the randomized solver needs n_components as a count", context: ErrorContext(parameter: "svd_solver"))
        }
        let denominator = Double(max(n - 1, 1))
        var decomposition: LinearAlgebra.SVD
        var totalVariance: Double
        var keep: Int
        if method == .covarianceEigh {
            decomposition = try Self.covarianceDecomposition(x, mean: mean)
            totalVariance = decomposition.singularValues.reduce(0) { $0 + $1 * $1 } / denominator
            keep = Self.componentCount(components, requested: requested, rank: rank,
                                       variances: decomposition.singularValues.map { $0 * $0 / denominator }, total: totalVariance)
        } else if method == .randomized, let requested {
            let centred = x.mapColumns { value, j in value - mean[j] }
            decomposition = try Self.randomizedSVD(centred, components: requested, oversamples: oversamples,
                                                   powerIterations: iteratedPower ?? (Double(requested) < 0.1 * Double(rank) ? 7 : 4), seed: seed)
            totalVariance = centred.withUnsafeBufferPointer { $0.reduce(0) { $0 + $1 * $1 } } / denominator
            keep = requested
        } else {
            decomposition = try LinearAlgebra.svd(x.mapColumns { value, j in value - mean[j] })
            totalVariance = decomposition.singularValues.reduce(0) { $0 + $1 * $1 } / denominator
            keep = Self.componentCount(components, requested: requested, rank: rank,
                                       variances: decomposition.singularValues.map { $0 * $0 / denominator }, total: totalVariance)
        }
        Self.flipSigns(&decomposition)
        let variances = decomposition.singularValues.map { $0 * $0 / denominator }
        let kept = Array(variances.prefix(keep))
        let remaining = rank - keep
        let noise = remaining > 0 ? max(0, totalVariance - kept.reduce(0, +)) / Double(remaining) : 0
        let componentsMatrix = decomposition.vt.rows(0..<keep)
        return Model(hyperparameters: self, mean: BinaryArray(mean), components: componentsMatrix,
                     explainedVariance: kept, explainedVarianceRatio: kept.map { totalVariance > 0 ? $0 / totalVariance : 0 },
                     singularValues: Array(decomposition.singularValues.prefix(keep)), noiseVariance: noise, schema: schema)
    }

    /// The components to keep: the count asked for, or (scikit-learn's rule for a fraction) the
    /// smallest count whose cumulative variance ratio exceeds the fraction.
    static func componentCount(_ components: Components, requested: Int?, rank: Int, variances: [Double], total: Double) -> Int {
        guard case .varianceFraction(let fraction) = components else { return requested ?? rank }
        var cumulative = 0.0
        for (k, variance) in variances.enumerated() {
            cumulative += variance / total
            if cumulative > fraction { return k + 1 }
        }
        return variances.count
    }

    /// The decomposition from the covariance matrix, as scikit-learn's `covariance_eigh`:
    /// `C = (XᵀX − n·mean·meanᵀ)/(n−1)`, its eigenvalues descending (negatives from rounding set
    /// to 0) as the variances, its eigenvectors as the components; singular values
    /// `√(variance·(n−1))`. No left vectors are computed (`u` is empty).
    static func covarianceDecomposition(_ x: Matrix<Double>, mean: [Double]) throws -> LinearAlgebra.SVD {
        let (n, p) = (Double(x.rows), x.columns)
        var covariance = try LinearAlgebra.gram(x)
        for a in 0..<p {
            for b in 0..<p { covariance[a, b] = (covariance[a, b] - n * mean[a] * mean[b]) / max(n - 1, 1) }
        }
        let (values, vectors) = try LinearAlgebra.symmetricEigen(covariance)
        let order = Array((0..<p).reversed())
        let variances = order.map { max(0, values[$0]) }
        let vt = Matrix<Double>(rows: p, columns: p) { i, j in vectors[j, order[i]] }
        return LinearAlgebra.SVD(u: Matrix(rows: 0, columns: p), singularValues: variances.map { ($0 * max(n - 1, 1)).squareRoot() }, vt: vt)
    }

    /// scikit-learn's `svd_flip(u, v, u_based_decision=False)`: each component's largest
    /// absolute entry made positive, the scores flipped with it.
    static func flipSigns(_ svd: inout LinearAlgebra.SVD) {
        for i in 0..<svd.vt.rows {
            var largest = 0
            for j in 0..<svd.vt.columns where abs(svd.vt[i, j]) > abs(svd.vt[i, largest]) { largest = j }
            guard svd.vt[i, largest] < 0 else { continue }
            for j in 0..<svd.vt.columns { svd.vt[i, j] = -svd.vt[i, j] }
            if svd.u.columns > i { for r in 0..<svd.u.rows { svd.u[r, i] = -svd.u[r, i] } }
        }
    }

    /// The leading `components` singular triplets of `a` by randomized range finding with power
    /// iterations; each basis re-orthonormalized through a thin SVD (as stable as QR).
    static func randomizedSVD(_ a: Matrix<Double>, components: Int, oversamples: Int, powerIterations: Int,
                              seed: UInt64) throws -> LinearAlgebra.SVD {
        let size = min(components + oversamples, min(a.rows, a.columns))
        var generator = SeededGenerator(seed: seed)
        let omega = Matrix<Double>(rows: a.columns, columns: size) { _, _ in generator.nextNormal() }
        func orthonormal(_ m: Matrix<Double>) throws -> Matrix<Double> { try LinearAlgebra.svd(m).u }
        var basis = try orthonormal(try a.multiplied(by: omega))
        for _ in 0..<powerIterations {
            let z = try orthonormal(try a.multiplied(by: basis, transposeSelf: true))
            basis = try orthonormal(try a.multiplied(by: z))
        }
        let small = try basis.multiplied(by: a, transposeSelf: true)          // size x p
        let inner = try LinearAlgebra.svd(small)
        let u = try basis.multiplied(by: inner.u)
        let k = min(components, inner.singularValues.count)
        let leading = Matrix<Double>(rows: u.rows, columns: k) { i, j in u[i, j] }
        return LinearAlgebra.SVD(u: leading, singularValues: Array(inner.singularValues.prefix(k)), vt: inner.vt.rows(0..<k))
    }

    /// A fitted PCA.
    public struct Model: InvertibleTransformer {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.PCA"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: PCA
        /// The column means subtracted before projecting (`mean_`).
        public let mean: BinaryArray<Double>
        /// The principal axes, one per row (`components_`), unit length.
        public let components: Matrix<Double>
        /// The variance along each axis (`explained_variance_`) and its share of the total.
        public let explainedVariance: [Double]
        /// Each axis's share of the total variance (`explained_variance_ratio_`).
        public let explainedVarianceRatio: [Double]
        /// The singular values of the centred data (`singular_values_`).
        public let singularValues: [Double]
        /// The mean variance of the dropped directions (`noise_variance_`).
        public let noiseVariance: Double
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { components.columns }
        /// The number of columns the transform outputs.
        public var outputFeatureCount: Int { components.rows }

        /// - Complexity: O(n·p·k).
        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(inputFeatureCount)
            // As scikit-learn: X·Cᵀ − mean·Cᵀ, without a centred copy of X. Blocks of rows run
            // in parallel, each small enough for OpenBLAS to keep on the calling thread (its own
            // pool would compete with ours for the cores); each block's rows are its own, so the
            // result does not depend on the thread count.
            let (n, p, k) = (x.rows, x.columns, components.rows)
            let offsets = try components.multiplied(by: mean.elements)
            let scale = hyperparameters.whiten ? explainedVariance.map { $0 > 0 ? $0.squareRoot() : 1 } : nil
            var scores = Matrix<Double>(rows: n, columns: k)
            let grain = max(16, 200_000 / max(p * k, 1))
            let finite = try x.withUnsafeBufferPointer { input in
                try scores.withUnsafeMutableBufferPointer { output in
                    try components.withUnsafeBufferPointer { c in
                        let pointers = UnsafeSendable((input.baseAddress, output.baseAddress, c.baseAddress))
                        return try Parallel.map(count: n, grain: grain) { range -> Bool in
                            guard let a = pointers.value.0, let out = pointers.value.1, let c = pointers.value.2 else { return true }
                            let block = out + range.lowerBound * k
                            Double.gemm(transposeA: false, transposeB: true, m: range.count, n: k, k: p, alpha: 1,
                                        a: a + range.lowerBound * p, lda: p, b: c, ldb: p, beta: 0, c: block, ldc: k)
                            var finite = true
                            for i in 0..<range.count {
                                let row = block + i * k
                                for j in 0..<k { row[j] -= offsets[j] }
                                if let scale {
                                    for j in 0..<k { row[j] /= scale[j] }
                                }
                                for j in 0..<k { finite = finite && row[j].isFinite }
                            }
                            return finite
                        }.allSatisfy { $0 }
                    }
                }
            }
            // NaN and Inf never become finite through the product: only a non-finite score
            // sends us looking for the input value to name.
            if !finite { try x.validateFinite() }
            return scores
        }

        /// Back from scores to the input space (exact when every component is kept).
        public func inverseTransform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(outputFeatureCount)
            try x.validateFinite()
            var scores = x
            if hyperparameters.whiten {
                let scale = explainedVariance.map { $0 > 0 ? $0.squareRoot() : 1 }
                scores = scores.mapColumns { value, j in value * scale[j] }
            }
            let m = mean.elements
            return try scores.multiplied(by: components).mapColumns { value, j in value + m[j] }
        }

        /// `pca0`, `pca1`, ... as scikit-learn names them.
        public func outputFeatureNames(input: [String]) -> [String] { (0..<outputFeatureCount).map { "pca\($0)" } }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            let k = components.rows
            guard mean.elements.count == components.columns, explainedVariance.count == k, explainedVarianceRatio.count == k,
                  singularValues.count == k, components.values.allSatisfy(\.isFinite) else {
                throw ToolboxError(.corruptArchive, "PCA components and variances are inconsistent")
            }
        }
    }
}
