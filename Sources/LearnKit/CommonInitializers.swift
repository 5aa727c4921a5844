/// Initialisers for the hyperparameters people set most, with scikit-learn's defaults, so two
/// settings need no parameter struct:
///
/// ```swift
/// let boosting = HistGradientBoostingClassifier(maxIterations: 300, learningRate: 0.05, seed: 7)
/// let forest = RandomForestRegressor(treeCount: 500, maxDepth: 12, seed: 1)
/// var weighted = RandomForestClassifier(treeCount: 300, seed: 2)
/// weighted.classWeight = .balanced
/// ```
extension HistGradientBoostingClassifier {
    /// Boosting with scikit-learn's defaults but for the values given.
    public init(maxIterations: Int = 100, learningRate: Double = 0.1, maxLeafNodes: Int? = 31, maxDepth: Int? = nil,
                minSamplesLeaf: Int = 20, l2Regularization: Double = 0, earlyStopping: EarlyStopping = .auto,
                seed: UInt64 = 0, classWeight: ClassWeight = .none) {
        self.init(parameters: .common(maxIterations, learningRate, maxLeafNodes, maxDepth, minSamplesLeaf, l2Regularization, earlyStopping, seed),
                  classWeight: classWeight)
    }
}

extension HistGradientBoostingRegressor {
    /// Boosting with scikit-learn's defaults but for the values given.
    public init(maxIterations: Int = 100, learningRate: Double = 0.1, maxLeafNodes: Int? = 31,
                maxDepth: Int? = nil, minSamplesLeaf: Int = 20, l2Regularization: Double = 0, earlyStopping: EarlyStopping = .auto,
                seed: UInt64 = 0) {
        self.init(parameters: .common(maxIterations, learningRate, maxLeafNodes, maxDepth, minSamplesLeaf, l2Regularization, earlyStopping, seed))
    }
}

extension RandomForestClassifier {
    /// A random forest with scikit-learn's defaults (`max_features: sqrt`) but for the values given.
    public init(treeCount: Int = 100, maxDepth: Int? = nil, maxFeatures: MaxFeatures = .sqrt, minSamplesLeaf: Int = 1,
                bootstrap: Bool = true, seed: UInt64 = 0) {
        let tree = TreeParameters(maxDepth: maxDepth, minSamplesLeaf: minSamplesLeaf, maxFeatures: maxFeatures)
        self.init(parameters: ForestParameters(treeCount: treeCount, tree: tree, bootstrap: bootstrap, seed: seed))
    }
}

extension RandomForestRegressor {
    /// A random forest with scikit-learn's defaults (every feature per split) but for the values given.
    public init(treeCount: Int = 100, maxDepth: Int? = nil, maxFeatures: MaxFeatures = .all, minSamplesLeaf: Int = 1,
                bootstrap: Bool = true, seed: UInt64 = 0) {
        let tree = TreeParameters(maxDepth: maxDepth, minSamplesLeaf: minSamplesLeaf, maxFeatures: maxFeatures)
        self.init(parameters: ForestParameters(treeCount: treeCount, tree: tree, bootstrap: bootstrap, seed: seed))
    }
}

extension BoostingParameters {
    /// scikit-learn's defaults with the commonly set values given.
    static func common(_ maxIterations: Int, _ learningRate: Double, _ maxLeafNodes: Int?, _ maxDepth: Int?, _ minSamplesLeaf: Int,
                       _ l2Regularization: Double, _ earlyStopping: EarlyStopping, _ seed: UInt64) -> BoostingParameters {
        var parameters = BoostingParameters()
        parameters.maxIterations = maxIterations
        parameters.learningRate = learningRate
        parameters.maxLeafNodes = maxLeafNodes
        parameters.maxDepth = maxDepth
        parameters.minSamplesLeaf = minSamplesLeaf
        parameters.l2Regularization = l2Regularization
        parameters.earlyStopping = earlyStopping
        parameters.seed = seed
        return parameters
    }
}
