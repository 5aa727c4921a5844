import Foundation
public import ToolboxCore

/// How many features a split may look at (scikit-learn's `max_features`).
///
/// In YAML or JSON: `sqrt`, `log2`, `null` or `all` (every feature), a whole number (a count)
/// or a number in (0, 1) (a fraction of the features). A count of 1 is written `1`; unlike
/// scikit-learn, which tells `1` from `1.0` by type, YAML and JSON numbers carry no type, so
/// write `all` for every feature.
public enum MaxFeatures: Sendable, Hashable, Codable {
    case all
    case sqrt
    case log2
    case count(Int)
    case fraction(Double)

    /// The kind of value `max_features` takes.
    public static let hyperparameterKind = HyperparameterKind.optional(.oneOf([
        .choice(["sqrt", "log2", "all"]), .integer(minimum: 1, maximum: nil),
        .real(minimum: 0, maximum: 1, exclusiveMinimum: true),
    ]))

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        switch try decoder.singleValueContainer().decode(JSONValue.self) {
        case .null, .string("all"): self = .all
        case .string("sqrt"): self = .sqrt
        case .string("log2"): self = .log2
        case .number(let number) where number >= 1 && number == number.rounded() && number < 1e15: self = .count(Int(number))
        case .number(let number) where number > 0 && number < 1: self = .fraction(number)
        case let other:
            throw ToolboxError(.invalidParameter, "max_features is \(other.compactDescription); it takes \(Self.hyperparameterKind)",
                               context: ErrorContext(parameter: "max_features"))
        }
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .all: try container.encodeNil()
        case .sqrt: try container.encode("sqrt")
        case .log2: try container.encode("log2")
        case .count(let count): try container.encode(count)
        case .fraction(let fraction): try container.encode(fraction)
        }
    }

    func resolve(_ features: Int) throws -> Int {
        let value: Int
        switch self {
        case .all: value = features
        case .sqrt: value = Int(Double(features).squareRoot())
        case .log2: value = Int(Foundation.log2(Double(features)))
        case .count(let k): value = k
        case .fraction(let f):
            guard f > 0, f <= 1 else {
                throw ToolboxError(.invalidParameter, "max_features fraction must be in (0, 1], got \(f)", context: ErrorContext(parameter: "max_features"))
            }
            value = Int(f * Double(features))
        }
        guard value >= 1 || features == 0 else {
            if case .count = self {
                throw ToolboxError(.invalidParameter, "max_features must be at least 1", context: ErrorContext(parameter: "max_features"))
            }
            return 1
        }
        return min(max(value, 1), features)
    }
}

/// Hyperparameters shared by the tree estimators (scikit-learn's, named in camel case here and
/// in snake case in YAML/JSON).
public struct TreeParameters: Sendable, Hashable, Codable {
    /// `max_depth` (Int ≥ 1 or `null`, default `null`): the deepest a leaf may be; `null` grows
    /// until the other limits stop it.
    public var maxDepth: Int?
    /// `min_samples_split` (Int ≥ 2, default 2): the fewest rows a node needs to be split.
    public var minSamplesSplit: Int = 2
    /// `min_samples_leaf` (Int ≥ 1, default 1): the fewest rows each child of a split keeps.
    public var minSamplesLeaf: Int = 1
    /// `min_impurity_decrease` (Double ≥ 0, default 0): the weighted impurity decrease a split must reach.
    public var minImpurityDecrease: Double = 0
    /// `max_features` (`sqrt`, `log2`, a count, a fraction or `null`; default all for trees,
    /// `sqrt` for forest classifiers): the features drawn at each split.
    public var maxFeatures: MaxFeatures = .all
    /// `max_leaf_nodes` (Int ≥ 2 or `null`, default `null`): grow best-first to at most this many leaves.
    public var maxLeafNodes: Int?
    /// `ccp_alpha` (Double ≥ 0, default 0): minimal cost-complexity pruning strength (0: no pruning).
    public var ccpAlpha: Double = 0

    /// Tree parameters with scikit-learn's defaults: unlimited depth, 2 samples to split, 1 per leaf, every feature.
    public init(maxDepth: Int? = nil, minSamplesSplit: Int = 2, minSamplesLeaf: Int = 1, minImpurityDecrease: Double = 0,
                maxFeatures: MaxFeatures = .all, maxLeafNodes: Int? = nil, ccpAlpha: Double = 0) {
        self.maxDepth = maxDepth
        self.minSamplesSplit = minSamplesSplit
        self.minSamplesLeaf = minSamplesLeaf
        self.minImpurityDecrease = minImpurityDecrease
        self.maxFeatures = maxFeatures
        self.maxLeafNodes = maxLeafNodes
        self.ccpAlpha = ccpAlpha
    }

    /// The tree hyperparameters, as scikit-learn names them; estimators lift them to where they keep them.
    static let hyperparameterSchema: [Hyperparameter<TreeParameters>] = [
        .optionalInteger("max_depth", \.maxDepth, minimum: 1, "deepest a leaf may be (null: unlimited)").hinted(.integer(2, 32)),
        .integer("min_samples_split", \.minSamplesSplit, minimum: 2, "fewest rows a node needs to be split").hinted(.integer(2, 40, log: true)),
        .integer("min_samples_leaf", \.minSamplesLeaf, minimum: 1, "fewest rows each child of a split keeps").hinted(.integer(1, 40, log: true)),
        .real("min_impurity_decrease", \.minImpurityDecrease, minimum: 0, "weighted impurity decrease a split must reach"),
        .coded("max_features", \.maxFeatures, kind: MaxFeatures.hyperparameterKind,
               "features drawn per split: sqrt, log2, a count, a fraction, or null for all").hinted(.uniform(0.1, 1)),
        .optionalInteger("max_leaf_nodes", \.maxLeafNodes, minimum: 2, "grow best-first to at most this many leaves (null: unlimited)").hinted(.integer(8, 1024, log: true)),
        .real("ccp_alpha", \.ccpAlpha, minimum: 0, "minimal cost-complexity pruning strength"),
    ]

    func validate() throws {
        func fail(_ parameter: String, _ message: String) -> ToolboxError {
            ToolboxError(.invalidParameter, message, context: ErrorContext(parameter: parameter))
        }
        if let maxDepth, maxDepth < 1 { throw fail("max_depth", "max_depth must be at least 1, got \(maxDepth)") }
        guard minSamplesSplit >= 2 else { throw fail("min_samples_split", "min_samples_split must be at least 2, got \(minSamplesSplit)") }
        guard minSamplesLeaf >= 1 else { throw fail("min_samples_leaf", "min_samples_leaf must be at least 1, got \(minSamplesLeaf)") }
        guard minImpurityDecrease >= 0, minImpurityDecrease.isFinite else { throw fail("min_impurity_decrease", "min_impurity_decrease must be non-negative") }
        if let maxLeafNodes, maxLeafNodes < 2 { throw fail("max_leaf_nodes", "max_leaf_nodes must be at least 2, got \(maxLeafNodes)") }
        guard ccpAlpha >= 0, ccpAlpha.isFinite else { throw fail("ccp_alpha", "ccp_alpha must be non-negative") }
    }

    func settings(criterion: SplitCriterion, features: Int, bestSplits: Bool) throws -> TreeSettings {
        try validate()
        return TreeSettings(criterion: criterion, maxDepth: maxDepth, minSamplesSplit: minSamplesSplit, minSamplesLeaf: minSamplesLeaf,
                            minImpurityDecrease: minImpurityDecrease, maxFeatures: try maxFeatures.resolve(features),
                            maxLeafNodes: maxLeafNodes, bestSplits: bestSplits)
    }
}

/// Validates tree inputs: NaN is allowed in `x` (routed as scikit-learn 1.3+ does), Inf is not.
func validateTreeInput(_ x: Matrix<Double>, _ y: [Double]) throws {
    try x.validateNotEmpty()
    try validatePredictInput(x, features: x.columns)
    try TargetValidation.validate(y, rows: x.rows)
}

/// A CART decision tree classifier, as scikit-learn's `DecisionTreeClassifier`.
///
/// ```swift
/// let tree = try DecisionTreeClassifier(criterion: .entropy, parameters: TreeParameters(maxDepth: 5)).fit(x, y)
/// tree.tree.depth, tree.featureImportances, try tree.predictProbabilities(x)
/// ```
public struct DecisionTreeClassifier: Estimator, Configurable, Hashable {
    /// `criterion` (`gini` or `entropy`, default `gini`): the impurity a split lowers.
    public var criterion: SplitCriterion
    /// The growth limits (`max_depth`, `min_samples_leaf`, `max_features`, ...).
    public var parameters: TreeParameters
    /// `random_state` (0...2³²−1, default 0): seeds the feature draws as scikit-learn's
    /// `random_state` does (a NumPy `RandomState` seeds its splitter): the same seed grows the
    /// same tree. Larger seeds are rejected, as NumPy rejects them.
    public var seed: UInt64
    /// `class_weight` (`null`, `balanced` or `{label: weight}`; default `null`): class weights in the impurity.
    public var classWeight: ClassWeight

    /// The fitted model type.
    public typealias Model = DecisionTreeClassifierModel

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        criterion = .gini
        parameters = TreeParameters()
        seed = 0
        classWeight = .none
    }

    /// A classifier splitting on `criterion` (Gini by default) with `parameters`, its feature draws seeded by `seed` (`random_state`).
    public init(criterion: SplitCriterion = .gini, parameters: TreeParameters = TreeParameters(), seed: UInt64 = 0,
                classWeight: ClassWeight = .none) {
        self.criterion = criterion
        self.parameters = parameters
        self.seed = seed
        self.classWeight = classWeight
    }

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<DecisionTreeClassifier>] =
        [.coded("criterion", \.criterion, kind: SplitCriterion.classification, "impurity a split lowers")]
        + TreeParameters.hyperparameterSchema.map { $0.lifted(\.parameters) }
        + [.seed("random_state", \.seed, "seed of the feature draws (NumPy RandomState)"),
           .coded("class_weight", \.classWeight, kind: ClassWeight.hyperparameterKind, "class weights: balanced or {label: weight}")]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }
    /// The pieces of the fit context this estimator honours.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights] }

    /// - Complexity: O(p·n log n) per level with all features (radix-sorted splits).
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> DecisionTreeClassifierModel {
        try fit(x, y, context: context, bestSplits: true)
    }

    func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext, bestSplits: Bool) throws -> DecisionTreeClassifierModel {
        guard criterion.isClassification else {
            throw ToolboxError(.invalidParameter, "a classifier splits on gini or entropy, not \(criterion.rawValue)", context: ErrorContext(parameter: "criterion"))
        }
        let state = try NumPyRandomState.validatedSeed(seed)
        try validateTreeInput(x, y)
        let schema = try context.validated(x: x, y: y)
        let (classes, labels) = encodeLabels(y)
        let weights = try classWeight.apply(to: try SampleWeightValidation.validate(context.sampleWeights, rows: x.rows), labels: labels,
                                            classes: classes, targetLabels: context.targetLabels)
        let settings = try parameters.settings(criterion: criterion, features: x.columns, bestSplits: bestSplits)
        var builder = TreeBuilder(x: x, classLabels: labels, targets: [], classCount: classes.count, weights: weights,
                                  settings: settings, seed: NumPyRandomState.splitterState(seed: state))
        var tree = builder.build()
        if parameters.ccpAlpha > 0 { tree = tree.pruned(alpha: parameters.ccpAlpha) }
        return DecisionTreeClassifierModel(hyperparameters: self, classes: classes, tree: tree, inputFeatureCount: x.columns, schema: schema)
    }
}

/// The sorted distinct labels of `y` and each row's index into them.
func encodeLabels(_ y: [Double]) -> (classes: [Double], labels: [Int]) {
    let classes = Array(Set(y)).sorted()
    var index: [Double: Int] = [:]
    for (k, c) in classes.enumerated() { index[c] = k }
    return (classes, y.map { index[$0]! })
}

extension DecisionTreeClassifier {
    /// The effective αs of minimal cost-complexity pruning for this data and the total leaf
    /// impurity at each (scikit-learn's `cost_complexity_pruning_path`): candidates for `ccpAlpha`.
    public func costComplexityPruningPath(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]? = nil) throws -> (alphas: [Double], impurities: [Double]) {
        var unpruned = self
        unpruned.parameters.ccpAlpha = 0
        return try unpruned.fit(x, y, context: FitContext(sampleWeights: sampleWeights)).tree.pruningPath()
    }
}

extension DecisionTreeRegressor {
    /// The effective αs of minimal cost-complexity pruning and the total leaf impurity at each.
    public func costComplexityPruningPath(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]? = nil) throws -> (alphas: [Double], impurities: [Double]) {
        var unpruned = self
        unpruned.parameters.ccpAlpha = 0
        return try unpruned.fit(x, y, context: FitContext(sampleWeights: sampleWeights)).tree.pruningPath()
    }
}

/// A fitted decision tree classifier.
public struct DecisionTreeClassifierModel: Classifier {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "LearnKit.DecisionTreeClassifier"
    /// The hyperparameters the model was fitted with.
    public var hyperparameters: DecisionTreeClassifier
    /// The classes as numbers (label codes), ascending: probability column `k` belongs to `classes[k]`.
    public var classes: [Double]
    /// The fitted tree; its values are weighted class counts.
    public var tree: Tree
    /// The number of input features the model was fitted on.
    public var inputFeatureCount: Int
    /// Feature names and class labels seen in fit.
    public var schema: ModelSchema
    /// The version of this type's archived form.
    public static var modelFormatVersion: Int { 2 }

    /// - Complexity: O(n·depth).
    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try validatePredictInput(x, features: inputFeatureCount)
        let k = classes.count
        var out = [Double](repeating: 0, count: x.rows * k)
        for (i, leaf) in tree.leaves(x).enumerated() {
            let counts = tree.values[(leaf * k)..<(leaf * k + k)]
            let total = counts.reduce(0, +)
            for (j, c) in counts.enumerated() { out[i * k + j] = total > 0 ? c / total : 1 / Double(k) }
        }
        return try Matrix(rows: x.rows, columns: k, values: out)
    }

    /// Impurity-based feature importances (mean decrease in impurity), summing to 1.
    public var featureImportances: [Double] { tree.featureImportances(featureCount: inputFeatureCount) }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws {
        try tree.validate(featureCount: inputFeatureCount)
        guard tree.outputs == classes.count else { throw ToolboxError(.corruptArchive, "tree has \(tree.outputs) outputs for \(classes.count) classes") }
    }
}

/// A CART decision tree regressor, as scikit-learn's `DecisionTreeRegressor`.
public struct DecisionTreeRegressor: Estimator, Configurable, Hashable {
    /// `criterion` (`squared_error` or `absolute_error`, default `squared_error`): the impurity a split lowers.
    public var criterion: SplitCriterion
    /// The growth limits (`max_depth`, `min_samples_leaf`, `max_features`, ...).
    public var parameters: TreeParameters
    /// `random_state` (0...2³²−1, default 0): seeds the feature draws as scikit-learn's
    /// `random_state` does; larger seeds are rejected.
    public var seed: UInt64

    /// The fitted model type.
    public typealias Model = DecisionTreeRegressorModel

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        criterion = .squaredError
        parameters = TreeParameters()
        seed = 0
    }

    /// A regressor splitting on `criterion` (squared error by default) with `parameters`, its feature draws seeded by `seed` (`random_state`).
    public init(criterion: SplitCriterion = .squaredError, parameters: TreeParameters = TreeParameters(), seed: UInt64 = 0) {
        self.criterion = criterion
        self.parameters = parameters
        self.seed = seed
    }

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<DecisionTreeRegressor>] =
        [.coded("criterion", \.criterion, kind: SplitCriterion.regression, "impurity a split lowers")]
        + TreeParameters.hyperparameterSchema.map { $0.lifted(\.parameters) }
        + [.seed("random_state", \.seed, "seed of the feature draws (NumPy RandomState)")]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }
    /// The pieces of the fit context this estimator honours.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights] }

    /// - Complexity: O(p·n log n) per level with all features (squared error).
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> DecisionTreeRegressorModel {
        try fit(x, y, context: context, bestSplits: true)
    }

    func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext, bestSplits: Bool) throws -> DecisionTreeRegressorModel {
        guard !criterion.isClassification else {
            throw ToolboxError(.invalidParameter, "a regressor splits on squared_error or absolute_error, not \(criterion.rawValue)",
                               context: ErrorContext(parameter: "criterion"))
        }
        let state = try NumPyRandomState.validatedSeed(seed)
        try validateTreeInput(x, y)
        let schema = try context.validated(x: x, y: y)
        let weights = try SampleWeightValidation.validate(context.sampleWeights, rows: x.rows)
        let settings = try parameters.settings(criterion: criterion, features: x.columns, bestSplits: bestSplits)
        var builder = TreeBuilder(x: x, classLabels: [], targets: y, classCount: 0, weights: weights, settings: settings,
                                  seed: NumPyRandomState.splitterState(seed: state))
        var tree = builder.build()
        if parameters.ccpAlpha > 0 { tree = tree.pruned(alpha: parameters.ccpAlpha) }
        return DecisionTreeRegressorModel(hyperparameters: self, tree: tree, inputFeatureCount: x.columns, schema: schema)
    }
}

/// A fitted decision tree regressor.
public struct DecisionTreeRegressorModel: Predictor {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "LearnKit.DecisionTreeRegressor"
    /// The hyperparameters the model was fitted with.
    public var hyperparameters: DecisionTreeRegressor
    /// The fitted tree; its values are the mean targets of its nodes.
    public var tree: Tree
    /// The number of input features the model was fitted on.
    public var inputFeatureCount: Int
    /// Feature names seen in fit.
    public var schema: ModelSchema
    /// The version of this type's archived form.
    public static var modelFormatVersion: Int { 2 }

    /// - Complexity: O(n·depth).
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        try validatePredictInput(x, features: inputFeatureCount)
        return tree.leaves(x).map { tree.values[$0] }
    }

    /// Each feature's share of the total gain, summing to 1.
    public var featureImportances: [Double] { tree.featureImportances(featureCount: inputFeatureCount) }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws {
        try tree.validate(featureCount: inputFeatureCount)
        guard tree.outputs == 1 else { throw ToolboxError(.corruptArchive, "a regression tree has one output") }
    }
}

func validatePredictInput(_ x: Matrix<Double>, features: Int) throws {
    try x.validateColumnCount(features)
    for (k, v) in x.values.enumerated() where v.isInfinite {
        throw ToolboxError(.invalidData, "X contains \(v) at row \(k / x.columns), column \(k % x.columns)",
                           context: ErrorContext(column: String(k % x.columns), row: k / x.columns, parameter: "X"))
    }
}
