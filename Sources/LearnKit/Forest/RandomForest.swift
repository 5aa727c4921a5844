import Foundation
public import ToolboxCore

/// A random forest classifier (Breiman, "Random Forests", 2001), as scikit-learn's
/// `RandomForestClassifier`: bootstrap samples, √p features per split by default, class
/// probabilities averaged over trees. With `bestSplits` off it is `ExtraTreesClassifier`.
///
/// The same seed grows the same forest as scikit-learn with the same `random_state`, on any
/// number of threads.
public struct RandomForestClassifier: Estimator, Configurable, Hashable {
    /// `criterion` (`gini` or `entropy`, default `gini`): the impurity a split lowers.
    public var criterion: SplitCriterion
    /// The forest and tree hyperparameters (`n_estimators`, `max_depth`, `max_features`, ...).
    public var parameters: ForestParameters
    /// `class_weight` (`null`, `balanced` or `{label: weight}`; default `null`): class weights in the impurity.
    public var classWeight: ClassWeight
    /// `splitter` (`best` or `random`, default `best`): best thresholds (random forest) or
    /// random ones (extra trees).
    public var bestSplits: Bool

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<RandomForestClassifier>] =
        [.coded("criterion", \.criterion, kind: SplitCriterion.classification, "impurity a split lowers")]
        + ForestParameters.hyperparameterSchema.map { $0.lifted(\.parameters) }
        + [.coded("class_weight", \.classWeight, kind: ClassWeight.hyperparameterKind, "class weights: balanced or {label: weight}"),
           splitterHyperparameter(\.bestSplits)]

    /// The fitted model type.
    public typealias Model = ForestClassifierModel

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        criterion = .gini
        parameters = ForestParameters(tree: TreeParameters(maxFeatures: .sqrt))
        classWeight = .none
        bestSplits = true
    }

    /// A forest with scikit-learn's defaults: 100 Gini trees on bootstrap samples, √features drawn per split.
    public init(criterion: SplitCriterion = .gini, parameters: ForestParameters = ForestParameters(tree: TreeParameters(maxFeatures: .sqrt)),
                classWeight: ClassWeight = .none) {
        self.criterion = criterion
        self.parameters = parameters
        self.classWeight = classWeight
        bestSplits = true
    }

    /// scikit-learn's `ExtraTreesClassifier`: random thresholds, no bootstrap by default.
    public static func extraTrees(criterion: SplitCriterion = .gini,
                                  parameters: ForestParameters = ForestParameters(tree: TreeParameters(maxFeatures: .sqrt), bootstrap: false),
                                  classWeight: ClassWeight = .none) -> RandomForestClassifier {
        var forest = RandomForestClassifier(criterion: criterion, parameters: parameters, classWeight: classWeight)
        forest.bestSplits = false
        return forest
    }

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }
    /// The pieces of the fit context this estimator honours.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights] }

    /// - Complexity: O(T·p'·n log n) per tree level for T trees and p' features per split, over all cores.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> ForestClassifierModel {
        guard criterion.isClassification else {
            throw ToolboxError(.invalidParameter, "a classifier splits on gini or entropy, not \(criterion.rawValue)", context: ErrorContext(parameter: "criterion"))
        }
        try validateTreeInput(x, y)
        let schema = try context.validated(x: x, y: y)
        let (classes, labels) = encodeLabels(y)
        let weights = try classWeight.apply(to: try SampleWeightValidation.validate(context.sampleWeights, rows: x.rows), labels: labels,
                                            classes: classes, targetLabels: context.targetLabels)
        let (trees, inBag) = try growForest(x: x, classLabels: labels, targets: [], classCount: classes.count, weights: weights,
                                            criterion: criterion, parameters: parameters, bestSplits: bestSplits, context: context)
        var model = ForestClassifierModel(hyperparameters: self, classes: classes, trees: trees, inputFeatureCount: x.columns,
                                          oobScore: nil, schema: schema)
        if parameters.oobScore {
            let (sums, counts) = try forestSum(model.packedTrees, x, outputs: classes.count, threads: parameters.threads) { t, i in inBag[t][i] == 0 }
            let scored = (0..<x.rows).filter { counts[$0] > 0 }
            let correct = scored.filter { i in
                let row = Array(sums[(i * classes.count)..<((i + 1) * classes.count)])
                return classes[row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!] == y[i]
            }
            model.oobScore = scored.isEmpty ? nil : Double(correct.count) / Double(scored.count)
        }
        return model
    }
}

/// A fitted forest classifier.
public struct ForestClassifierModel: Classifier {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "LearnKit.RandomForestClassifier"
    /// The hyperparameters the model was fitted with.
    public let hyperparameters: RandomForestClassifier
    /// The classes as numbers (label codes), ascending: probability column `k` belongs to `classes[k]`.
    public let classes: [Double]
    /// The fitted trees.
    public let trees: [Tree]
    /// The number of input features the model was fitted on.
    public let inputFeatureCount: Int
    /// Out-of-bag accuracy, when asked for (rows never out of bag are left out).
    public internal(set) var oobScore: Double?
    /// Feature names and class labels seen in fit.
    public let schema: ModelSchema
    /// The trees laid out for prediction, built once with the model.
    let packedTrees: [PackedTree]

    /// The version of this type's archived form.
    public static var modelFormatVersion: Int { 2 }

    init(hyperparameters: RandomForestClassifier, classes: [Double], trees: [Tree], inputFeatureCount: Int, oobScore: Double?,
         schema: ModelSchema) {
        self.hyperparameters = hyperparameters
        self.classes = classes
        self.trees = trees
        self.inputFeatureCount = inputFeatureCount
        self.oobScore = oobScore
        self.schema = schema
        packedTrees = trees.map { PackedTree($0, normalize: true) }
    }

    private enum CodingKeys: String, CodingKey { case hyperparameters, classes, trees, inputFeatureCount, oobScore, schema }

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let classes = try c.decode([Double].self, forKey: .classes)
        let trees = try c.decode([Tree].self, forKey: .trees)
        let features = try c.decode(Int.self, forKey: .inputFeatureCount)
        // Validate before packing: packing indexes every node.
        try validateForest(trees, featureCount: features, outputs: classes.count)
        self.init(hyperparameters: try c.decode(RandomForestClassifier.self, forKey: .hyperparameters), classes: classes, trees: trees,
                  inputFeatureCount: features, oobScore: try c.decodeIfPresent(Double.self, forKey: .oobScore),
                  schema: try c.decode(ModelSchema.self, forKey: .schema))
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hyperparameters, forKey: .hyperparameters)
        try c.encode(classes, forKey: .classes)
        try c.encode(trees, forKey: .trees)
        try c.encode(inputFeatureCount, forKey: .inputFeatureCount)
        try c.encodeIfPresent(oobScore, forKey: .oobScore)
        try c.encode(schema, forKey: .schema)
    }

    /// - Complexity: O(n·T·depth), parallel over rows.
    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try validatePredictInput(x, features: inputFeatureCount)
        let (sums, _) = try forestSum(packedTrees, x, outputs: classes.count, threads: hyperparameters.parameters.threads)
        return try Matrix(rows: x.rows, columns: classes.count, values: sums.map { $0 / Double(trees.count) })
    }

    /// Mean impurity-based importances over trees.
    public var featureImportances: [Double] { meanImportances(trees, featureCount: inputFeatureCount) }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws {
        try validateForest(trees, featureCount: inputFeatureCount, outputs: classes.count)
    }
}

/// A random forest regressor, as scikit-learn's `RandomForestRegressor` (all features per split
/// by default); with `bestSplits` off it is `ExtraTreesRegressor`.
public struct RandomForestRegressor: Estimator, Configurable, Hashable {
    /// `criterion` (`squared_error` or `absolute_error`, default `squared_error`): the impurity a split lowers.
    public var criterion: SplitCriterion
    /// The forest and tree hyperparameters (`n_estimators`, `max_depth`, `max_features`, ...).
    public var parameters: ForestParameters
    /// `splitter` (`best` or `random`, default `best`): best thresholds (random forest) or
    /// random ones (extra trees).
    public var bestSplits: Bool

    /// Every hyperparameter by scikit-learn's name, with its kind, default and search hint.
    public static let hyperparameterSchema: [Hyperparameter<RandomForestRegressor>] =
        [.coded("criterion", \.criterion, kind: SplitCriterion.regression, "impurity a split lowers")]
        + ForestParameters.hyperparameterSchema.map { $0.lifted(\.parameters) }
        + [splitterHyperparameter(\.bestSplits)]

    /// The fitted model type.
    public typealias Model = ForestRegressorModel

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        criterion = .squaredError
        parameters = ForestParameters()
        bestSplits = true
    }

    /// A forest with scikit-learn's defaults: 100 squared-error trees on bootstrap samples, every feature per split.
    public init(criterion: SplitCriterion = .squaredError, parameters: ForestParameters = ForestParameters()) {
        self.criterion = criterion
        self.parameters = parameters
        bestSplits = true
    }

    /// scikit-learn's `ExtraTreesRegressor`: random thresholds, no bootstrap by default.
    public static func extraTrees(criterion: SplitCriterion = .squaredError,
                                  parameters: ForestParameters = ForestParameters(bootstrap: false)) -> RandomForestRegressor {
        var forest = RandomForestRegressor(criterion: criterion, parameters: parameters)
        forest.bestSplits = false
        return forest
    }

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }
    /// The pieces of the fit context this estimator honours.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights] }

    /// - Complexity: O(T·p'·n log n) per tree level for T trees and p' features per split, over all cores.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> ForestRegressorModel {
        guard !criterion.isClassification else {
            throw ToolboxError(.invalidParameter, "a regressor splits on squared_error or absolute_error", context: ErrorContext(parameter: "criterion"))
        }
        try validateTreeInput(x, y)
        let schema = try context.validated(x: x, y: y)
        let weights = try SampleWeightValidation.validate(context.sampleWeights, rows: x.rows)
        let (trees, inBag) = try growForest(x: x, classLabels: [], targets: y, classCount: 0, weights: weights,
                                            criterion: criterion, parameters: parameters, bestSplits: bestSplits, context: context)
        var model = ForestRegressorModel(hyperparameters: self, trees: trees, inputFeatureCount: x.columns, oobScore: nil, schema: schema)
        if parameters.oobScore {
            let (sums, counts) = try forestSum(model.packedTrees, x, outputs: 1, threads: parameters.threads) { t, i in inBag[t][i] == 0 }
            let scored = (0..<x.rows).filter { counts[$0] > 0 }
            if !scored.isEmpty {
                model.oobScore = try Metrics.r2(scored.map { y[$0] }, scored.map { sums[$0] / counts[$0] })
            }
        }
        return model
    }
}

/// A fitted forest regressor.
public struct ForestRegressorModel: Predictor {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "LearnKit.RandomForestRegressor"
    /// The hyperparameters the model was fitted with.
    public let hyperparameters: RandomForestRegressor
    /// The fitted trees.
    public let trees: [Tree]
    /// The number of input features the model was fitted on.
    public let inputFeatureCount: Int
    /// Out-of-bag R², when asked for.
    public internal(set) var oobScore: Double?
    /// Feature names seen in fit.
    public let schema: ModelSchema
    /// The trees laid out for prediction, built once with the model.
    let packedTrees: [PackedTree]

    /// The version of this type's archived form.
    public static var modelFormatVersion: Int { 2 }

    init(hyperparameters: RandomForestRegressor, trees: [Tree], inputFeatureCount: Int, oobScore: Double?, schema: ModelSchema) {
        self.hyperparameters = hyperparameters
        self.trees = trees
        self.inputFeatureCount = inputFeatureCount
        self.oobScore = oobScore
        self.schema = schema
        packedTrees = trees.map { PackedTree($0, normalize: false) }
    }

    private enum CodingKeys: String, CodingKey { case hyperparameters, trees, inputFeatureCount, oobScore, schema }

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let trees = try c.decode([Tree].self, forKey: .trees)
        let features = try c.decode(Int.self, forKey: .inputFeatureCount)
        // Validate before packing: packing indexes every node.
        try validateForest(trees, featureCount: features, outputs: 1)
        self.init(hyperparameters: try c.decode(RandomForestRegressor.self, forKey: .hyperparameters), trees: trees,
                  inputFeatureCount: features, oobScore: try c.decodeIfPresent(Double.self, forKey: .oobScore),
                  schema: try c.decode(ModelSchema.self, forKey: .schema))
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hyperparameters, forKey: .hyperparameters)
        try c.encode(trees, forKey: .trees)
        try c.encode(inputFeatureCount, forKey: .inputFeatureCount)
        try c.encodeIfPresent(oobScore, forKey: .oobScore)
        try c.encode(schema, forKey: .schema)
    }

    /// - Complexity: O(n·T·depth), parallel over rows.
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        try validatePredictInput(x, features: inputFeatureCount)
        let (sums, _) = try forestSum(packedTrees, x, outputs: 1, threads: hyperparameters.parameters.threads)
        return sums.map { $0 / Double(trees.count) }
    }

    /// Mean impurity-based importances over trees.
    public var featureImportances: [Double] { meanImportances(trees, featureCount: inputFeatureCount) }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws {
        try validateForest(trees, featureCount: inputFeatureCount, outputs: 1)
    }
}

/// Impurity-based importances averaged over a forest's trees.
func meanImportances(_ trees: [Tree], featureCount: Int) -> [Double] {
    let perTree = trees.map { $0.featureImportances(featureCount: featureCount) }
    return (0..<featureCount).map { j in perTree.reduce(0) { $0 + $1[j] } / Double(max(trees.count, 1)) }
}

/// Checks every tree of an archived forest.
func validateForest(_ trees: [Tree], featureCount: Int, outputs: Int) throws {
    guard !trees.isEmpty else { throw ToolboxError(.corruptArchive, "forest has no trees") }
    for tree in trees {
        try tree.validate(featureCount: featureCount)
        guard tree.outputs == outputs else {
            throw ToolboxError(.corruptArchive, "a tree has \(tree.outputs) outputs, the forest \(outputs)")
        }
    }
}

/// `splitter: best | random`: whether a forest looks for the best thresholds (random forest) or
/// draws them at random (extra trees).
func splitterHyperparameter<Root>(_ keyPath: any WritableKeyPath<Root, Bool> & Sendable) -> Hyperparameter<Root> {
    Hyperparameter("splitter", kind: .choice(["best", "random"]), summary: "best thresholds (random forest) or random ones (extra trees)",
                   read: { .string($0[keyPath: keyPath] ? "best" : "random") },
                   write: { root, value in root[keyPath: keyPath] = value != .string("random") })
}
