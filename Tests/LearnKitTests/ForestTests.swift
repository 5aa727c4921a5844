import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct ForestGolden: Decodable {
    struct Classifier: Decodable { var proba: [Double]; var oob: Double?; var importances: [Double]?; var cv: Double }
    struct Regressor: Decodable { var prediction: [Double]; var oob: Double?; var cv: Double? }
    var rf_breast: Classifier
    var et_wine: Classifier
    var rf_diabetes: Regressor
    var et_diabetes: Regressor
}

@Suite("Random forests and extra trees against scikit-learn")
struct ForestTests {
    let g: ForestGolden
    let trees: TreeGolden

    init() throws {
        try LearnKit.registerModels()
        g = try GoldenFiles().load(ForestGolden.self, "forests.json")
        trees = try GoldenFiles().load(TreeGolden.self, "trees.json")
    }

    func data(_ d: TreeGolden.Data) throws -> (Matrix<Double>, [Double]) {
        (try Matrix(rows: d.rows, columns: d.columns, values: d.x), d.y)
    }

    @Test func randomForestClassifierIsScikitLearns() throws {
        let (x, y) = try data(trees.breast)
        let forest = RandomForestClassifier(parameters: ForestParameters(treeCount: 25, tree: TreeParameters(maxFeatures: .sqrt),
                                                                         oobScore: true, seed: 0))
        let model = try forest.fit(x, y)
        #expect(mismatch(try model.predictProbabilities(x).values, g.rf_breast.proba, relativeTolerance: 1e-12, absoluteTolerance: 1e-12) == nil)
        #expect(isClose(model.oobScore ?? -1, g.rf_breast.oob ?? -2, relativeTolerance: 1e-12))
        #expect(mismatch(model.featureImportances, g.rf_breast.importances ?? [], relativeTolerance: 1e-9, absoluteTolerance: 1e-12) == nil)
        let cv = try ModelSelection.crossValidate(RandomForestClassifier(parameters: ForestParameters(treeCount: 25, tree: TreeParameters(maxFeatures: .sqrt))),
                                                  x: x, y: y, cv: StratifiedKFold(folds: 5), scoring: [.accuracy])
        #expect(abs(try cv.meanTestScore("accuracy") - g.rf_breast.cv) <= 0.01)
    }

    @Test func extraTreesClassifierIsScikitLearns() throws {
        let (x, y) = try data(trees.wine)
        let forest = RandomForestClassifier.extraTrees(parameters: ForestParameters(treeCount: 25, tree: TreeParameters(maxFeatures: .sqrt),
                                                                                   bootstrap: false, seed: 3))
        let model = try forest.fit(x, y)
        #expect(mismatch(try model.predictProbabilities(x).values, g.et_wine.proba, relativeTolerance: 1e-12, absoluteTolerance: 1e-12) == nil)
        let cv = try ModelSelection.crossValidate(forest, x: x, y: y, cv: StratifiedKFold(folds: 5), scoring: [.accuracy])
        #expect(abs(try cv.meanTestScore("accuracy") - g.et_wine.cv) <= 0.01)
    }

    @Test func regressorsAreScikitLearns() throws {
        let (x, y) = try data(trees.diabetes)
        let forest = RandomForestRegressor(parameters: ForestParameters(treeCount: 20, tree: TreeParameters(maxFeatures: .fraction(0.5)),
                                                                         maxSamples: 300, oobScore: true, seed: 1))
        let model = try forest.fit(x, y)
        #expect(mismatch(try model.predict(x), g.rf_diabetes.prediction, relativeTolerance: 1e-12, absoluteTolerance: 1e-9) == nil)
        #expect(isClose(model.oobScore ?? -1, g.rf_diabetes.oob ?? -2, relativeTolerance: 1e-10))
        var noOOB = forest
        noOOB.parameters.oobScore = false
        let cv = try ModelSelection.crossValidate(noOOB, x: x, y: y, cv: KFold(folds: 5), scoring: [.r2])
        #expect(abs(try cv.meanTestScore("r2") - (g.rf_diabetes.cv ?? 0)) <= 0.01)
        let extra = RandomForestRegressor.extraTrees(parameters: ForestParameters(treeCount: 15, tree: TreeParameters(maxDepth: 6), bootstrap: false, seed: 2))
        #expect(mismatch(try extra.fit(x, y).predict(x), g.et_diabetes.prediction, relativeTolerance: 1e-12, absoluteTolerance: 1e-9) == nil)
    }

    @Test func resultsDoNotDependOnThreads() throws {
        let (x, y) = try data(trees.breast)
        var one = RandomForestClassifier(parameters: ForestParameters(treeCount: 12, tree: TreeParameters(maxFeatures: .sqrt), seed: 4))
        one.parameters.threads = 1
        var many = one
        many.parameters.threads = 4
        let a = try one.fit(x, y), b = try many.fit(x, y)
        #expect(a.trees == b.trees)
        #expect(try a.predictProbabilities(x) == b.predictProbabilities(x))
    }

    @Test func conformanceArchivesAndErrors() throws {
        try checkEstimator(RandomForestClassifier(parameters: ForestParameters(treeCount: 5, tree: TreeParameters(maxFeatures: .sqrt))),
                           task: .classification(classes: 3),
                           skipping: [EstimatorCheck.zeroWeightEqualsDroppedRow: "bootstrap draws depend on the row count"])
        try checkEstimator(RandomForestRegressor(parameters: ForestParameters(treeCount: 5)), task: .regression,
                           skipping: [EstimatorCheck.zeroWeightEqualsDroppedRow: "bootstrap draws depend on the row count"])
        try checkEstimator(RandomForestRegressor.extraTrees(parameters: ForestParameters(treeCount: 4, bootstrap: false)), task: .regression)
        let (x, y) = try data(trees.breast)
        let model = try RandomForestClassifier(parameters: ForestParameters(treeCount: 3)).fit(x, y)
        let loaded = try ModelArchive.decode(ForestClassifierModel.self, from: try ModelArchive.encode(model))
        #expect(try loaded.predictProbabilities(x) == model.predictProbabilities(x))
        // A forest whose tree arrays disagree is rejected while decoding, before it is used.
        var json = String(decoding: try JSONEncoder().encode(model), as: UTF8.self)
        json = json.replacingOccurrences(of: "\"outputs\":2", with: "\"outputs\":3")
        #expect(throws: (any Error).self) { try JSONDecoder().decode(ForestClassifierModel.self, from: Data(json.utf8)) }
        #expect(throws: ToolboxError.self) { try RandomForestClassifier(parameters: ForestParameters(treeCount: 0)).fit(x, y) }
        #expect(throws: ToolboxError.self) { try RandomForestClassifier(parameters: ForestParameters(bootstrap: false, oobScore: true)).fit(x, y) }
        #expect(throws: ToolboxError.self) { try RandomForestRegressor(parameters: ForestParameters(maxSamples: 10_000)).fit(x, y) }
        #expect(throws: ToolboxError.self) { try model.predict(Matrix(rows: 2, columns: 5)) }
    }
}
