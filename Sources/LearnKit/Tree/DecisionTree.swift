import Foundation
public import ToolboxCore

/// How many features a split may look at.
public enum MaxFeatures: Sendable, Hashable, Codable {
    case all
    case sqrt
    case log2
    case count(Int)
    case fraction(Double)

    func resolve(_ features: Int) throws -> Int {
        let value: Int
        switch self {
        case .all: value = features
        case .sqrt: value = Int(Double(features).squareRoot())
        case .log2: value = Int(Foundation.log2(Double(features)))
        case .count(let k): value = k
        case .fraction(let f):
            guard f > 0, f <= 1 else {
                throw ToolboxError(.invalidParameter, "maxFeatures fraction must be in (0, 1], got \(f)", context: ErrorContext(parameter: "maxFeatures"))
            }
            value = Int(f * Double(features))
        }
        guard value >= 1 || features == 0 else {
            if case .count = self {
                throw ToolboxError(.invalidParameter, "maxFeatures must be at least 1", context: ErrorContext(parameter: "maxFeatures"))
            }
            return 1
        }
        return min(max(value, 1), features)
    }
}

/// Hyperparameters shared by the tree estimators (scikit-learn's names in camel case).
public struct TreeParameters: Sendable, Hashable, Codable {
    public var maxDepth: Int?
    public var minSamplesSplit: Int = 2
    public var minSamplesLeaf: Int = 1
    public var minImpurityDecrease: Double = 0
    public var maxFeatures: MaxFeatures = .all
    public var maxLeafNodes: Int?
    /// Minimal cost-complexity pruning strength (0: no pruning).
    public var ccpAlpha: Double = 0
    /// The seed of the feature draws, used as scikit-learn uses `random_state` (a NumPy
    /// `RandomState` seeds its splitter's generator): the same seed grows the same tree.
    public var seed: UInt64 = 0

    public init(maxDepth: Int? = nil, minSamplesSplit: Int = 2, minSamplesLeaf: Int = 1, minImpurityDecrease: Double = 0,
                maxFeatures: MaxFeatures = .all, maxLeafNodes: Int? = nil, ccpAlpha: Double = 0, seed: UInt64 = 0) {
        self.maxDepth = maxDepth
        self.minSamplesSplit = minSamplesSplit
        self.minSamplesLeaf = minSamplesLeaf
        self.minImpurityDecrease = minImpurityDecrease
        self.maxFeatures = maxFeatures
        self.maxLeafNodes = maxLeafNodes
        self.ccpAlpha = ccpAlpha
        self.seed = seed
    }

    func validate() throws {
        func fail(_ parameter: String, _ message: String) -> ToolboxError {
            ToolboxError(.invalidParameter, message, context: ErrorContext(parameter: parameter))
        }
        if let maxDepth, maxDepth < 1 { throw fail("maxDepth", "maxDepth must be at least 1, got \(maxDepth)") }
        guard minSamplesSplit >= 2 else { throw fail("minSamplesSplit", "minSamplesSplit must be at least 2, got \(minSamplesSplit)") }
        guard minSamplesLeaf >= 1 else { throw fail("minSamplesLeaf", "minSamplesLeaf must be at least 1, got \(minSamplesLeaf)") }
        guard minImpurityDecrease >= 0, minImpurityDecrease.isFinite else { throw fail("minImpurityDecrease", "minImpurityDecrease must be non-negative") }
        if let maxLeafNodes, maxLeafNodes < 2 { throw fail("maxLeafNodes", "maxLeafNodes must be at least 2, got \(maxLeafNodes)") }
        guard ccpAlpha >= 0, ccpAlpha.isFinite else { throw fail("ccpAlpha", "ccpAlpha must be non-negative") }
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
public struct DecisionTreeClassifier: SampleWeightedEstimator, DefaultInitializable {
    public var criterion: SplitCriterion
    public var parameters: TreeParameters
    public var classWeight: LogisticRegression.ClassWeight

    public typealias Model = DecisionTreeClassifierModel

    public init() {
        criterion = .gini
        parameters = TreeParameters()
        classWeight = .none
    }

    public init(criterion: SplitCriterion = .gini, parameters: TreeParameters = TreeParameters(),
                classWeight: LogisticRegression.ClassWeight = .none) {
        self.criterion = criterion
        self.parameters = parameters
        self.classWeight = classWeight
    }

    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    public func fit(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]?) throws -> DecisionTreeClassifierModel {
        try fit(x, y, sampleWeights: sampleWeights, bestSplits: true)
    }

    func fit(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]?, bestSplits: Bool) throws -> DecisionTreeClassifierModel {
        guard criterion.isClassification else {
            throw ToolboxError(.invalidParameter, "a classifier splits on gini or entropy, not \(criterion)", context: ErrorContext(parameter: "criterion"))
        }
        try validateTreeInput(x, y)
        let (classes, labels) = encodeLabels(y)
        let weights = try classWeighted(try SampleWeightValidation.validate(sampleWeights, rows: x.rows), labels: labels,
                                        classes: classes, y: y, classWeight: classWeight)
        let settings = try parameters.settings(criterion: criterion, features: x.columns, bestSplits: bestSplits)
        var builder = TreeBuilder(x: x, classLabels: labels, targets: [], classCount: classes.count, weights: weights,
                                  settings: settings, seed: NumPyRandomState.splitterState(seed: parameters.seed))
        var tree = builder.build()
        if parameters.ccpAlpha > 0 { tree = tree.pruned(alpha: parameters.ccpAlpha) }
        return DecisionTreeClassifierModel(hyperparameters: self, classes: classes, tree: tree, inputFeatureCount: x.columns)
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
        return try unpruned.fit(x, y, sampleWeights: sampleWeights).tree.pruningPath()
    }
}

extension DecisionTreeRegressor {
    /// The effective αs of minimal cost-complexity pruning and the total leaf impurity at each.
    public func costComplexityPruningPath(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]? = nil) throws -> (alphas: [Double], impurities: [Double]) {
        var unpruned = self
        unpruned.parameters.ccpAlpha = 0
        return try unpruned.fit(x, y, sampleWeights: sampleWeights).tree.pruningPath()
    }
}

/// Per-sample weights times per-class weights.
func classWeighted(_ weights: [Double], labels: [Int], classes: [Double], y: [Double],
                   classWeight: LogisticRegression.ClassWeight) throws -> [Double] {
    switch classWeight {
    case .none:
        return weights
    case .balanced:
        var counts = [Double](repeating: 0, count: classes.count)
        for k in labels { counts[k] += 1 }
        return weights.indices.map { weights[$0] * Double(y.count) / (Double(classes.count) * counts[labels[$0]]) }
    case .custom(let table):
        return weights.indices.map { weights[$0] * (table[y[$0]] ?? 1) }
    }
}

/// A fitted decision tree classifier.
public struct DecisionTreeClassifierModel: Classifier {
    public static let modelTypeName = "LearnKit.DecisionTreeClassifier"
    public var hyperparameters: DecisionTreeClassifier
    public var classes: [Double]
    public var tree: Tree
    public var inputFeatureCount: Int

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

    public func validateStructure() throws {
        try tree.validate(featureCount: inputFeatureCount)
        guard tree.outputs == classes.count else { throw ToolboxError(.corruptArchive, "tree has \(tree.outputs) outputs for \(classes.count) classes") }
    }
}

/// A CART decision tree regressor, as scikit-learn's `DecisionTreeRegressor`.
public struct DecisionTreeRegressor: SampleWeightedEstimator, DefaultInitializable {
    public var criterion: SplitCriterion
    public var parameters: TreeParameters

    public typealias Model = DecisionTreeRegressorModel

    public init() {
        criterion = .squaredError
        parameters = TreeParameters()
    }

    public init(criterion: SplitCriterion = .squaredError, parameters: TreeParameters = TreeParameters()) {
        self.criterion = criterion
        self.parameters = parameters
    }

    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    public func fit(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]?) throws -> DecisionTreeRegressorModel {
        try fit(x, y, sampleWeights: sampleWeights, bestSplits: true)
    }

    func fit(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]?, bestSplits: Bool) throws -> DecisionTreeRegressorModel {
        guard !criterion.isClassification else {
            throw ToolboxError(.invalidParameter, "a regressor splits on squaredError or absoluteError, not \(criterion)",
                               context: ErrorContext(parameter: "criterion"))
        }
        try validateTreeInput(x, y)
        let weights = try SampleWeightValidation.validate(sampleWeights, rows: x.rows)
        let settings = try parameters.settings(criterion: criterion, features: x.columns, bestSplits: bestSplits)
        var builder = TreeBuilder(x: x, classLabels: [], targets: y, classCount: 0, weights: weights, settings: settings,
                                  seed: NumPyRandomState.splitterState(seed: parameters.seed))
        var tree = builder.build()
        if parameters.ccpAlpha > 0 { tree = tree.pruned(alpha: parameters.ccpAlpha) }
        return DecisionTreeRegressorModel(hyperparameters: self, tree: tree, inputFeatureCount: x.columns)
    }
}

/// A fitted decision tree regressor.
public struct DecisionTreeRegressorModel: Predictor {
    public static let modelTypeName = "LearnKit.DecisionTreeRegressor"
    public var hyperparameters: DecisionTreeRegressor
    public var tree: Tree
    public var inputFeatureCount: Int

    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        try validatePredictInput(x, features: inputFeatureCount)
        return tree.leaves(x).map { tree.values[$0] }
    }

    public var featureImportances: [Double] { tree.featureImportances(featureCount: inputFeatureCount) }

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
