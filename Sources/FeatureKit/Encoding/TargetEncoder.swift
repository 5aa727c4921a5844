public import ToolboxCore

/// Replaces each category by a shrunk mean of the target over its rows, as scikit-learn's
/// `TargetEncoder` (Micci-Barreca, "A preprocessing scheme for high-cardinality categorical
/// attributes", 2001): `λ·mean_c + (1 − λ)·mean`, with
///
/// - `smooth: auto` (empirical Bayes): `λ = v·n_c / (v·n_c + SS_c/n_c)`, v the target's
///   population variance, SS_c the category's sum of squared deviations;
/// - `smooth: m`: `(Σ_c y + m·mean) / (n_c + m)`.
///
/// Binary targets are encoded as the mean of the second class; multiclass targets one-vs-rest,
/// one output column per class (`feature_class`); continuous targets as they are. Missing values
/// (NaN) are a category; categories unseen in fit get the target mean.
///
/// **Cross-fitting.** Fitted alone, the model encodes with every row's target. In a pipeline (or
/// ``fitTransform(_:_:context:)``), the training rows are encoded cross-fitted, as scikit-learn's
/// `fit_transform`: the rows are cut into `cv` folds and each fold is encoded by a model fitted on
/// the others, so no row's encoding saw its own target. Folds are contiguous (`shuffle: false`,
/// as `KFold`) or shuffled with `random_state` (this toolbox's generator, not NumPy's); for class
/// targets they are stratified by class, round-robin in row order.
public struct TargetEncoder: Estimator, CrossFittingEstimator, Configurable, Hashable {
    /// What the target is.
    public enum TargetType: String, Sendable, Hashable, Codable, CaseIterable {
        case auto, continuous, binary, multiclass
    }

    /// `target_type` (default `auto`: two distinct values binary, more whole numbers multiclass,
    /// otherwise continuous).
    public var targetType: TargetType
    /// `smooth` (`null` for auto, or m ≥ 0): the shrinkage towards the target mean.
    public var smooth: Double?
    /// `cv` (Int ≥ 2, default 5): folds of the cross-fitting.
    public var folds: Int
    /// `shuffle` (Bool, default `false`): shuffle rows before cutting folds.
    public var shuffle: Bool
    /// `random_state` (default 0): the seed of the shuffle.
    public var seed: UInt64

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        targetType = .auto
        smooth = nil
        folds = 5
        shuffle = false
        seed = 0
    }

    /// An encoder with target type inferred, smoothing estimated and 5 folds, as scikit-learn's defaults, but contiguous folds (scikit-learn shuffles by default; see `shuffle`).
    public init(targetType: TargetType = .auto, smooth: Double? = nil, folds: Int = 5, shuffle: Bool = false, seed: UInt64 = 0) {
        self.targetType = targetType
        self.smooth = smooth
        self.folds = folds
        self.shuffle = shuffle
        self.seed = seed
    }

    /// The hyperparameters by scikit-learn's names (`target_type`, `smooth`, `cv`, `shuffle`, `random_state`).
    public static let hyperparameterSchema: [Hyperparameter<TargetEncoder>] = [
        .choice("target_type", \.targetType, "auto, continuous, binary or multiclass"),
        Hyperparameter("smooth", kind: .optional(.real(minimum: 0, maximum: nil, exclusiveMinimum: false)),
                       summary: "shrinkage towards the target mean (null: empirical Bayes)",
                       read: { $0.smooth.map(JSONValue.number) ?? .null },
                       write: { root, value in if case .number(let m) = value { root.smooth = m } else { root.smooth = nil } }),
        .integer("cv", \.folds, minimum: 2, "folds of the cross-fitting"),
        .bool("shuffle", \.shuffle, "shuffle rows before cutting folds"),
        .seed("random_state", \.seed, maximum: UInt64.max, "seed of the shuffle"),
    ]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    /// Learns every category's encoding from all rows.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Model {
        try validate(x, y)
        let schema = try context.validated(x: x, y: y)
        let (kind, classes) = try resolveTarget(y)
        let categories = CategoryColumns.learn(x)
        let targets = Self.targetColumns(y, kind: kind, classes: classes)
        let encodings = categories.indices.map { j in targets.map { encode(column: j, x: x, rows: Array(0..<x.rows), target: $0, categories: categories[j]) } }
        return Model(hyperparameters: self, kind: kind, classes: classes, categories: categories, encodings: encodings,
                     targetMeans: targets.map { $0.reduce(0, +) / Double($0.count) }, schema: schema)
    }

    /// The model fitted on every row, and the rows encoded cross-fitted (each fold by a model
    /// fitted on the other folds).
    public func fitTransform(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> (model: Model, output: Matrix<Double>) {
        let model = try fit(x, y, context: context)
        guard x.rows >= folds else {
            throw ToolboxError(.invalidData, "\(x.rows) rows cannot be cut into \(folds) folds", context: ErrorContext(parameter: "cv"))
        }
        var output = Matrix<Double>(rows: x.rows, columns: model.outputFeatureCount)
        let targets = Self.targetColumns(y, kind: model.kind, classes: model.classes)
        for test in foldIndices(y, kind: model.kind, classes: model.classes) {
            let held = Set(test)
            let train = (0..<x.rows).filter { !held.contains($0) }
            let means = targets.map { target in train.reduce(0) { $0 + target[$1] } / Double(train.count) }
            let encodings = model.categories.indices.map { j in
                targets.map { encode(column: j, x: x, rows: train, target: $0, categories: model.categories[j]) }
            }
            let foldModel = Model(hyperparameters: self, kind: model.kind, classes: model.classes, categories: model.categories,
                                  encodings: encodings, targetMeans: means, schema: model.schema)
            let encoded = try foldModel.transform(try x.rows(at: test))
            for (k, row) in test.enumerated() { for j in 0..<output.columns { output[row, j] = encoded[k, j] } }
        }
        return (model, output)
    }

    private func validate(_ x: Matrix<Double>, _ y: [Double]) throws {
        try x.validateNotEmpty()
        try ColumnStatistics.rejectInfinite(x)
        try TargetValidation.validate(y, rows: x.rows)
        if let smooth, !(smooth >= 0 && smooth.isFinite) {
            throw ToolboxError(.invalidParameter, "smooth must be a non-negative number or null", context: ErrorContext(parameter: "smooth"))
        }
        guard folds >= 2 else { throw ToolboxError(.invalidParameter, "cv must be at least 2", context: ErrorContext(parameter: "cv")) }
    }

    /// The target kind and (for class targets) the sorted classes.
    private func resolveTarget(_ y: [Double]) throws -> (TargetType, [Double]) {
        let classes = Array(Set(y)).sorted()
        switch targetType {
        case .continuous: return (.continuous, [])
        case .binary:
            guard classes.count == 2 else {
                throw ToolboxError(.invalidData, "a binary target has two values, y has \(classes.count)", context: ErrorContext(parameter: "y"))
            }
            return (.binary, classes)
        case .multiclass: return (.multiclass, classes)
        case .auto:
            if classes.count == 2 { return (.binary, classes) }
            if classes.count > 2 && classes.allSatisfy({ $0 == $0.rounded() }) && classes.count <= max(20, y.count / 2) {
                return (.multiclass, classes)
            }
            return (.continuous, [])
        }
    }

    /// The target as the encoder averages it: y, the second class's indicator, or one indicator per class.
    static func targetColumns(_ y: [Double], kind: TargetType, classes: [Double]) -> [[Double]] {
        switch kind {
        case .binary: [y.map { $0 == classes[1] ? 1 : 0 }]
        case .multiclass: classes.map { c in y.map { $0 == c ? 1 : 0 } }
        default: [y]
        }
    }

    /// The encoding of each category of column `j` from `rows`.
    private func encode(column j: Int, x: Matrix<Double>, rows: [Int], target: [Double], categories: [Double]) -> [Double] {
        let lookup = CategoryColumns.lookups([categories])[0]
        let mean = rows.reduce(0) { $0 + target[$1] } / Double(rows.count)
        let variance = rows.reduce(0) { $0 + (target[$1] - mean) * (target[$1] - mean) } / Double(rows.count)
        var sums = [Double](repeating: 0, count: categories.count), counts = [Double](repeating: 0, count: categories.count)
        var codes = [Int?](repeating: nil, count: rows.count)
        for (k, row) in rows.enumerated() {
            guard let c = CategoryColumns.position(x[row, j], in: categories, lookup: lookup) else { continue }
            codes[k] = c
            sums[c] += target[row]
            counts[c] += 1
        }
        guard let smooth else {
            var squares = [Double](repeating: 0, count: categories.count)
            for (k, row) in rows.enumerated() {
                guard let c = codes[k] else { continue }
                let d = target[row] - sums[c] / counts[c]
                squares[c] += d * d
            }
            return categories.indices.map { c in
                guard counts[c] > 0 else { return mean }
                let lambda = variance * counts[c] / (variance * counts[c] + squares[c] / counts[c])
                return lambda.isNaN ? mean : lambda * sums[c] / counts[c] + (1 - lambda) * mean
            }
        }
        return categories.indices.map { c in (sums[c] + smooth * mean) / (counts[c] + smooth) }
    }

    /// The test rows of each fold: contiguous (or shuffled) for continuous targets, stratified
    /// round-robin by class otherwise.
    private func foldIndices(_ y: [Double], kind: TargetType, classes: [Double]) -> [[Int]] {
        var order = Array(y.indices)
        if shuffle {
            var generator = SeededGenerator(seed: seed)
            order.shuffle(using: &generator)
        }
        if kind == .continuous {
            // As scikit-learn's KFold: the first n mod k folds one row longer.
            var out: [[Int]] = []
            var start = 0
            for f in 0..<folds {
                let size = order.count / folds + (f < order.count % folds ? 1 : 0)
                out.append(Array(order[start..<start + size]).sorted())
                start += size
            }
            return out
        }
        var out = [[Int]](repeating: [], count: folds)
        for c in classes {
            for (k, row) in order.filter({ y[$0] == c }).enumerated() { out[k % folds].append(row) }
        }
        return out.map { $0.sorted() }.filter { !$0.isEmpty }
    }

    /// A fitted target encoder.
    public struct Model: Transformer {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.TargetEncoder"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: TargetEncoder
        /// The target kind the encoder learned.
        public let kind: TargetType
        /// The classes of a class target (sorted).
        public let classes: [Double]
        /// Each input column's categories (NaN last when seen).
        public let categories: [[Double]]
        /// `encodings[column][target column][category]` (scikit-learn's `encodings_`).
        public let encodings: [[[Double]]]
        /// The mean of each target column (`target_mean_`): the encoding of unseen categories.
        public let targetMeans: [Double]
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of input features the model was fitted on.
        public var inputFeatureCount: Int { categories.count }
        private var perColumn: Int { kind == .multiclass ? classes.count : 1 }
        /// The number of columns the transform outputs.
        public var outputFeatureCount: Int { inputFeatureCount * perColumn }

        /// - Complexity: O(n·p·outputs).
        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
            let lookups = CategoryColumns.lookups(categories)
            let width = perColumn
            var out = Matrix<Double>(rows: x.rows, columns: outputFeatureCount)
            for i in 0..<x.rows {
                for j in 0..<inputFeatureCount {
                    let code = CategoryColumns.position(x[i, j], in: categories[j], lookup: lookups[j])
                    for t in 0..<width { out[i, j * width + t] = code.map { encodings[j][t][$0] } ?? targetMeans[t] }
                }
            }
            return out
        }

        /// `feature` for binary and continuous targets, `feature_class` per class otherwise.
        public func outputFeatureNames(input: [String]) -> [String] {
            func name(_ j: Int) -> String { input.indices.contains(j) ? input[j] : "x\(j)" }
            guard kind == .multiclass else { return (0..<inputFeatureCount).map(name) }
            let labels = schema.targetLabels
            return (0..<inputFeatureCount).flatMap { j in classes.map { "\(name(j))_\(CategoryColumns.text($0, names: labels))" } }
        }

        /// The categorical columns of the output, given those of the input.
        public func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] { [] }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            try CategoryColumns.validate(categories)
            guard encodings.count == categories.count, targetMeans.count == perColumn,
                  zip(encodings, categories).allSatisfy({ encoding, column in
                      encoding.count == perColumn && encoding.allSatisfy { $0.count == column.count }
                  }) else {
                throw ToolboxError(.corruptArchive, "target encoder encodings do not match its categories")
            }
        }
    }
}
