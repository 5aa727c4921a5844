import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct TreeGolden: Decodable {
    struct Data: Decodable { var x: [Double]; var rows: Int; var columns: Int; var y: [Double] }
    struct Classifier: Decodable {
        var train_accuracy: Double; var depth: Int; var leaves: Int; var cv_accuracy: Double
        var root_feature: Int; var root_threshold: Double; var importances: [Double]
    }
    struct Regressor: Decodable {
        var train_r2: Double; var depth: Int; var leaves: Int; var cv_r2: Double; var root_feature: Int; var root_threshold: Double
    }
    struct Missing: Decodable { var x: [Double]; var train_accuracy: Double; var depth: Int; var proba_first: [Double] }
    var breast: Data
    var wine: Data
    var diabetes: Data
    var classifiers: [String: Classifier]
    var regressors: [String: Regressor]
    var missing: Missing
    struct Path: Decodable { var alphas: [Double]; var impurities: [Double] }
    var pruning_path_breast: Path
    var pruning_path_diabetes_depth6: Path
}

/// scikit-learn's `random_state` of the golden trees.
let sklearnSeed: UInt64 = 0

@Suite("Decision trees against scikit-learn")
struct DecisionTreeTests {
    let g: TreeGolden
    init() throws {
        try LearnKit.registerModels()
        g = try GoldenFiles().load(TreeGolden.self, "trees.json")
    }

    func data(_ d: TreeGolden.Data) throws -> (Matrix<Double>, [Double]) {
        (try Matrix(rows: d.rows, columns: d.columns, values: d.x), d.y)
    }

    @Test func classifiersMatch() throws {
        let cases: [(String, TreeGolden.Data, DecisionTreeClassifier)] = [
            ("breast_gini_full", g.breast, DecisionTreeClassifier(parameters: TreeParameters(), seed: sklearnSeed)),
            ("breast_gini_depth3", g.breast, DecisionTreeClassifier(parameters: TreeParameters(maxDepth: 3), seed: sklearnSeed)),
            ("breast_entropy_depth5", g.breast, DecisionTreeClassifier(criterion: .entropy, parameters: TreeParameters(maxDepth: 5), seed: sklearnSeed)),
            ("breast_leaf10", g.breast, DecisionTreeClassifier(parameters: TreeParameters(minSamplesLeaf: 10), seed: sklearnSeed)),
            ("breast_maxleaf8", g.breast, DecisionTreeClassifier(parameters: TreeParameters(maxLeafNodes: 8), seed: sklearnSeed)),
            ("breast_ccp", g.breast, DecisionTreeClassifier(parameters: TreeParameters(ccpAlpha: 0.01), seed: sklearnSeed)),
            ("wine_gini_full", g.wine, DecisionTreeClassifier(parameters: TreeParameters(), seed: sklearnSeed)),
            ("wine_balanced_depth3", g.wine, DecisionTreeClassifier(parameters: TreeParameters(maxDepth: 3), seed: sklearnSeed, classWeight: .balanced)),
        ]
        for (name, dataset, estimator) in cases {
            let expected = try #require(g.classifiers[name])
            let (x, y) = try data(dataset)
            let model = try estimator.fit(x, y)
            let accuracy = try Metrics.accuracy(y, try model.predict(x))
            #expect(isClose(accuracy, expected.train_accuracy, relativeTolerance: 1e-12), "\(name) accuracy \(accuracy) vs \(expected.train_accuracy)")
            #expect(model.tree.depth == expected.depth, "\(name) depth \(model.tree.depth) vs \(expected.depth)")
            #expect(model.tree.leafCount == expected.leaves, "\(name) leaves \(model.tree.leafCount) vs \(expected.leaves)")
            #expect(Int(model.tree.feature[0]) == expected.root_feature && isClose(model.tree.threshold[0], expected.root_threshold, relativeTolerance: 1e-12),
                    "\(name) root split")
            let cv = try ModelSelection.crossValidate(estimator, x: x, y: y, cv: StratifiedKFold(folds: 5), scoring: [.accuracy])
            #expect(abs(try cv.meanTestScore("accuracy") - expected.cv_accuracy) <= 0.01, "\(name) CV \(String(describing: try? cv.meanTestScore("accuracy"))) vs \(expected.cv_accuracy)")
        }
    }

    @Test func importancesMatchWhenTheTreeIsTheSame() throws {
        let (x, y) = try data(g.breast)
        let model = try DecisionTreeClassifier(parameters: TreeParameters(maxDepth: 3), seed: sklearnSeed).fit(x, y)
        let expected = try #require(g.classifiers["breast_gini_depth3"])
        #expect(mismatch(model.featureImportances, expected.importances, relativeTolerance: 1e-9, absoluteTolerance: 1e-12) == nil)
    }

    @Test func regressorsMatch() throws {
        let (x, y) = try data(g.diabetes)
        let cases: [(String, DecisionTreeRegressor)] = [
            ("diabetes_mse_depth4", DecisionTreeRegressor(parameters: TreeParameters(maxDepth: 4), seed: sklearnSeed)),
            ("diabetes_mse_full", DecisionTreeRegressor(parameters: TreeParameters(), seed: sklearnSeed)),
            ("diabetes_mae_depth3", DecisionTreeRegressor(criterion: .absoluteError, parameters: TreeParameters(maxDepth: 3), seed: sklearnSeed)),
            ("diabetes_maxleaf10", DecisionTreeRegressor(parameters: TreeParameters(maxLeafNodes: 10), seed: sklearnSeed)),
            ("diabetes_ccp", DecisionTreeRegressor(parameters: TreeParameters(ccpAlpha: 20), seed: sklearnSeed)),
        ]
        for (name, estimator) in cases {
            let expected = try #require(g.regressors[name])
            let model = try estimator.fit(x, y)
            let r2 = try Metrics.r2(y, try model.predict(x))
            #expect(isClose(r2, expected.train_r2, relativeTolerance: 1e-9), "\(name) R2 \(r2) vs \(expected.train_r2)")
            #expect(model.tree.depth == expected.depth, "\(name) depth \(model.tree.depth) vs \(expected.depth)")
            #expect(model.tree.leafCount == expected.leaves, "\(name) leaves \(model.tree.leafCount) vs \(expected.leaves)")
            let cv = try ModelSelection.crossValidate(estimator, x: x, y: y, cv: KFold(folds: 5), scoring: [.r2])
            #expect(abs(try cv.meanTestScore("r2") - expected.cv_r2) <= 0.01, "\(name) CV \(String(describing: try? cv.meanTestScore("r2"))) vs \(expected.cv_r2)")
        }
    }

    @Test func costComplexityPruningPathMatches() throws {
        let (bx, by) = try data(g.breast)
        let path = try DecisionTreeClassifier(parameters: TreeParameters(), seed: sklearnSeed).costComplexityPruningPath(bx, by)
        #expect(mismatch(path.alphas, g.pruning_path_breast.alphas, relativeTolerance: 1e-9, absoluteTolerance: 1e-15) == nil)
        #expect(mismatch(path.impurities, g.pruning_path_breast.impurities, relativeTolerance: 1e-9, absoluteTolerance: 1e-15) == nil)
        let (dx, dy) = try data(g.diabetes)
        let regression = try DecisionTreeRegressor(parameters: TreeParameters(maxDepth: 6), seed: sklearnSeed).costComplexityPruningPath(dx, dy)
        #expect(mismatch(regression.alphas, g.pruning_path_diabetes_depth6.alphas, relativeTolerance: 1e-9, absoluteTolerance: 1e-9) == nil)
        #expect(mismatch(regression.impurities, g.pruning_path_diabetes_depth6.impurities, relativeTolerance: 1e-9) == nil)
    }

    @Test func missingValuesAreRouted() throws {
        let x = try Matrix(rows: g.breast.rows, columns: g.breast.columns, values: g.missing.x)
        let y = g.breast.y
        let model = try DecisionTreeClassifier(parameters: TreeParameters(maxDepth: 4), seed: sklearnSeed).fit(x, y)
        #expect(isClose(try Metrics.accuracy(y, try model.predict(x)), g.missing.train_accuracy, relativeTolerance: 1e-12))
        #expect(model.tree.depth == g.missing.depth)
        let probabilities = try model.predictProbabilities(x.rows(0..<20))
        #expect(mismatch(probabilities.values, g.missing.proba_first, relativeTolerance: 1e-12, absoluteTolerance: 1e-12) == nil)
    }

    @Test func numpyRandomStateMatchesNumPy() {
        // np.random.RandomState(0).randint(0, 2**31 - 1) and RandomState(42).randint(0, 10, 5).
        #expect(NumPyRandomState.splitterState(seed: 0) == 209_652_396)
        var random = NumPyRandomState(seed: 42)
        #expect((0..<5).map { _ in random.randint(0, 10) } == [6, 3, 7, 4, 6])
    }

    @Test func conformanceArchivesAndBadInput() throws {
        try checkEstimator(DecisionTreeClassifier(parameters: TreeParameters(maxDepth: 4), seed: sklearnSeed), task: .classification(classes: 3))
        try checkEstimator(DecisionTreeRegressor(parameters: TreeParameters(maxDepth: 4, maxFeatures: .sqrt), seed: 3), task: .regression)
        let (x, y) = try data(g.breast)
        let model = try DecisionTreeClassifier(parameters: TreeParameters(maxFeatures: .sqrt), seed: 7).fit(x, y)
        let archive = try ModelArchive.encode(model)
        #expect(String(decoding: archive, as: UTF8.self).contains("$blob"))
        let loaded = try ModelArchive.decode(DecisionTreeClassifierModel.self, from: archive)
        #expect(try loaded.predictProbabilities(x) == model.predictProbabilities(x))
        // A tampered tree is rejected on load.
        var broken = model
        broken.tree.left[0] = 0
        #expect(throws: ToolboxError.self) { try ModelArchive.decode(DecisionTreeClassifierModel.self, from: try ModelArchive.encode(broken)) }
        #expect(throws: ToolboxError.self) { try DecisionTreeClassifier(criterion: .squaredError).fit(x, y) }
        #expect(throws: ToolboxError.self) { try DecisionTreeClassifier(parameters: TreeParameters(maxDepth: 0), seed: sklearnSeed).fit(x, y) }
        #expect(throws: ToolboxError.self) { try DecisionTreeClassifier(parameters: TreeParameters(minSamplesSplit: 1)).fit(x, y) }
        #expect(throws: ToolboxError.self) { try DecisionTreeRegressor(parameters: TreeParameters(maxFeatures: .count(0))).fit(x, y) }
        var withInf = x
        withInf[2, 3] = .infinity
        #expect(throws: ToolboxError.self) { try DecisionTreeClassifier(parameters: TreeParameters(), seed: sklearnSeed).fit(withInf, y) }
        #expect(throws: ToolboxError.self) { try model.predict(Matrix(rows: 1, columns: 2)) }
        // Same seed, same tree; another seed may choose other features among ties.
        let again = try DecisionTreeClassifier(parameters: TreeParameters(maxFeatures: .sqrt), seed: 7).fit(x, y)
        #expect(again.tree == model.tree)
    }
}
