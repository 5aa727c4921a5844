import Foundation
public import ToolboxCore

/// A random forest classifier (Breiman, "Random Forests", 2001), as scikit-learn's
/// `RandomForestClassifier`: bootstrap samples, √p features per split by default, class
/// probabilities averaged over trees. With `bestSplits` off it is `ExtraTreesClassifier`.
///
/// The same seed grows the same forest as scikit-learn with the same `random_state`, on any
/// number of threads.
public struct RandomForestClassifier: SampleWeightedEstimator, DefaultInitializable {
    public var criterion: SplitCriterion
    public var parameters: ForestParameters
    public var classWeight: LogisticRegression.ClassWeight
    /// `true`: best thresholds (random forest); `false`: random thresholds (extra trees).
    public var bestSplits: Bool

    public typealias Model = ForestClassifierModel

    public init() {
        criterion = .gini
        parameters = ForestParameters(tree: TreeParameters(maxFeatures: .sqrt))
        classWeight = .none
        bestSplits = true
    }

    public init(criterion: SplitCriterion = .gini, parameters: ForestParameters = ForestParameters(tree: TreeParameters(maxFeatures: .sqrt)),
                classWeight: LogisticRegression.ClassWeight = .none) {
        self.criterion = criterion
        self.parameters = parameters
        self.classWeight = classWeight
        bestSplits = true
    }

    /// scikit-learn's `ExtraTreesClassifier`: random thresholds, no bootstrap by default.
    public static func extraTrees(criterion: SplitCriterion = .gini,
                                  parameters: ForestParameters = ForestParameters(tree: TreeParameters(maxFeatures: .sqrt), bootstrap: false),
                                  classWeight: LogisticRegression.ClassWeight = .none) -> RandomForestClassifier {
        var forest = RandomForestClassifier(criterion: criterion, parameters: parameters, classWeight: classWeight)
        forest.bestSplits = false
        return forest
    }

    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    public func fit(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]?) throws -> ForestClassifierModel {
        guard criterion.isClassification else {
            throw ToolboxError(.invalidParameter, "a classifier splits on gini or entropy, not \(criterion)", context: ErrorContext(parameter: "criterion"))
        }
        try validateTreeInput(x, y)
        let (classes, labels) = encodeLabels(y)
        let weights = try classWeighted(try SampleWeightValidation.validate(sampleWeights, rows: x.rows), labels: labels,
                                        classes: classes, y: y, classWeight: classWeight)
        let (trees, inBag) = try growForest(x: x, classLabels: labels, targets: [], classCount: classes.count, weights: weights,
                                            criterion: criterion, parameters: parameters, bestSplits: bestSplits)
        var model = ForestClassifierModel(hyperparameters: self, classes: classes, trees: trees, inputFeatureCount: x.columns, oobScore: nil)
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
    public static let modelTypeName = "LearnKit.RandomForestClassifier"
    public let hyperparameters: RandomForestClassifier
    public let classes: [Double]
    public let trees: [Tree]
    public let inputFeatureCount: Int
    /// Out-of-bag accuracy, when asked for (rows never out of bag are left out).
    public internal(set) var oobScore: Double?
    /// The trees laid out for prediction, built once with the model.
    let packedTrees: [PackedTree]

    init(hyperparameters: RandomForestClassifier, classes: [Double], trees: [Tree], inputFeatureCount: Int, oobScore: Double?) {
        self.hyperparameters = hyperparameters
        self.classes = classes
        self.trees = trees
        self.inputFeatureCount = inputFeatureCount
        self.oobScore = oobScore
        packedTrees = trees.map { PackedTree($0, normalize: true) }
    }

    private enum CodingKeys: String, CodingKey { case hyperparameters, classes, trees, inputFeatureCount, oobScore }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let classes = try c.decode([Double].self, forKey: .classes)
        let trees = try c.decode([Tree].self, forKey: .trees)
        let features = try c.decode(Int.self, forKey: .inputFeatureCount)
        // Validate before packing: packing indexes every node.
        try validateForest(trees, featureCount: features, outputs: classes.count)
        self.init(hyperparameters: try c.decode(RandomForestClassifier.self, forKey: .hyperparameters), classes: classes, trees: trees,
                  inputFeatureCount: features, oobScore: try c.decodeIfPresent(Double.self, forKey: .oobScore))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hyperparameters, forKey: .hyperparameters)
        try c.encode(classes, forKey: .classes)
        try c.encode(trees, forKey: .trees)
        try c.encode(inputFeatureCount, forKey: .inputFeatureCount)
        try c.encodeIfPresent(oobScore, forKey: .oobScore)
    }

    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try validatePredictInput(x, features: inputFeatureCount)
        let (sums, _) = try forestSum(packedTrees, x, outputs: classes.count, threads: hyperparameters.parameters.threads)
        return try Matrix(rows: x.rows, columns: classes.count, values: sums.map { $0 / Double(trees.count) })
    }

    /// Mean impurity-based importances over trees.
    public var featureImportances: [Double] { meanImportances(trees, featureCount: inputFeatureCount) }

    public func validateStructure() throws {
        try validateForest(trees, featureCount: inputFeatureCount, outputs: classes.count)
    }
}

/// A random forest regressor, as scikit-learn's `RandomForestRegressor` (all features per split
/// by default); with `bestSplits` off it is `ExtraTreesRegressor`.
public struct RandomForestRegressor: SampleWeightedEstimator, DefaultInitializable {
    public var criterion: SplitCriterion
    public var parameters: ForestParameters
    public var bestSplits: Bool

    public typealias Model = ForestRegressorModel

    public init() {
        criterion = .squaredError
        parameters = ForestParameters()
        bestSplits = true
    }

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

    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    public func fit(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]?) throws -> ForestRegressorModel {
        guard !criterion.isClassification else {
            throw ToolboxError(.invalidParameter, "a regressor splits on squaredError or absoluteError", context: ErrorContext(parameter: "criterion"))
        }
        try validateTreeInput(x, y)
        let weights = try SampleWeightValidation.validate(sampleWeights, rows: x.rows)
        let (trees, inBag) = try growForest(x: x, classLabels: [], targets: y, classCount: 0, weights: weights,
                                            criterion: criterion, parameters: parameters, bestSplits: bestSplits)
        var model = ForestRegressorModel(hyperparameters: self, trees: trees, inputFeatureCount: x.columns, oobScore: nil)
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
    public static let modelTypeName = "LearnKit.RandomForestRegressor"
    public let hyperparameters: RandomForestRegressor
    public let trees: [Tree]
    public let inputFeatureCount: Int
    /// Out-of-bag R², when asked for.
    public internal(set) var oobScore: Double?
    /// The trees laid out for prediction, built once with the model.
    let packedTrees: [PackedTree]

    init(hyperparameters: RandomForestRegressor, trees: [Tree], inputFeatureCount: Int, oobScore: Double?) {
        self.hyperparameters = hyperparameters
        self.trees = trees
        self.inputFeatureCount = inputFeatureCount
        self.oobScore = oobScore
        packedTrees = trees.map { PackedTree($0, normalize: false) }
    }

    private enum CodingKeys: String, CodingKey { case hyperparameters, trees, inputFeatureCount, oobScore }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let trees = try c.decode([Tree].self, forKey: .trees)
        let features = try c.decode(Int.self, forKey: .inputFeatureCount)
        // Validate before packing: packing indexes every node.
        try validateForest(trees, featureCount: features, outputs: 1)
        self.init(hyperparameters: try c.decode(RandomForestRegressor.self, forKey: .hyperparameters), trees: trees,
                  inputFeatureCount: features, oobScore: try c.decodeIfPresent(Double.self, forKey: .oobScore))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hyperparameters, forKey: .hyperparameters)
        try c.encode(trees, forKey: .trees)
        try c.encode(inputFeatureCount, forKey: .inputFeatureCount)
        try c.encodeIfPresent(oobScore, forKey: .oobScore)
    }

    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        try validatePredictInput(x, features: inputFeatureCount)
        let (sums, _) = try forestSum(packedTrees, x, outputs: 1, threads: hyperparameters.parameters.threads)
        return sums.map { $0 / Double(trees.count) }
    }

    /// Mean impurity-based importances over trees.
    public var featureImportances: [Double] { meanImportances(trees, featureCount: inputFeatureCount) }

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
