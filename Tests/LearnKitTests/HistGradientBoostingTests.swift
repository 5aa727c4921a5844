import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct BoostingGolden: Decodable {
    struct Case: Decodable { var prediction: [Double]; var raw: [Double]; var iterations: Int; var leaves_first_tree: Int }
    var missing_x: [Double]
    var bin_thresholds_breast: [[Double]]
    var cases: [String: Case]
    var cv: [String: Double]
}

@Suite("Histogram gradient boosting against scikit-learn")
struct HistGradientBoostingTests {
    let g: BoostingGolden
    let data: TreeGolden

    init() throws {
        try LearnKit.registerModels()
        g = try GoldenFiles().load(BoostingGolden.self, "boosting.json")
        data = try GoldenFiles().load(TreeGolden.self, "trees.json")
    }

    func matrix(_ d: TreeGolden.Data, values: [Double]? = nil) throws -> Matrix<Double> {
        try Matrix(rows: d.rows, columns: d.columns, values: values ?? d.x)
    }

    static func parameters(_ iterations: Int, _ change: (inout BoostingParameters) -> Void = { _ in }) -> BoostingParameters {
        var p = BoostingParameters()
        p.maxIterations = iterations
        p.earlyStopping = .off
        change(&p)
        return p
    }

    @Test func binEdgesMatchScikitLearn() throws {
        let mapper = try BinMapper(fitting: try matrix(data.breast))
        #expect(mapper.thresholds.count == g.bin_thresholds_breast.count)
        for (feature, (ours, theirs)) in zip(mapper.thresholds, g.bin_thresholds_breast).enumerated() {
            #expect(ours == theirs, "feature \(feature)")
        }
    }

    @Test func regressorsMatchScikitLearn() throws {
        let x = try matrix(data.diabetes), y = data.diabetes.y
        let cases: [(String, HistGradientBoostingRegressor)] = [
            ("diabetes_squared", HistGradientBoostingRegressor(parameters: Self.parameters(50))),
            ("diabetes_depth3_l2", HistGradientBoostingRegressor(parameters: Self.parameters(40) { $0.maxDepth = 3; $0.l2Regularization = 1; $0.learningRate = 0.2 })),
            ("diabetes_leaves8_minleaf5", HistGradientBoostingRegressor(parameters: Self.parameters(30) { $0.maxLeafNodes = 8; $0.minSamplesLeaf = 5 })),
            ("diabetes_poisson", HistGradientBoostingRegressor(loss: .poisson, parameters: Self.parameters(30))),
        ]
        for (name, estimator) in cases {
            let expected = try #require(g.cases[name])
            let model = try estimator.fit(x, y)
            #expect(model.iterationCount == expected.iterations && model.ensemble.trees[0][0].leafCount == expected.leaves_first_tree, "\(name)")
            let mismatch = ToolboxTesting.mismatch(try model.predict(x), expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
    }

    @Test func classifiersMatchScikitLearn() throws {
        let cases: [(String, Matrix<Double>, [Double], HistGradientBoostingClassifier)] = [
            ("breast_binary", try matrix(data.breast), data.breast.y, HistGradientBoostingClassifier(parameters: Self.parameters(50))),
            ("breast_binary_missing", try matrix(data.breast, values: g.missing_x), data.breast.y, HistGradientBoostingClassifier(parameters: Self.parameters(40))),
            ("breast_bins16", try matrix(data.breast), data.breast.y, HistGradientBoostingClassifier(parameters: Self.parameters(30) { $0.maxBins = 16 })),
            ("wine_multiclass", try matrix(data.wine), data.wine.y, HistGradientBoostingClassifier(parameters: Self.parameters(30))),
        ]
        for (name, x, y, estimator) in cases {
            let expected = try #require(g.cases[name])
            let model = try estimator.fit(x, y)
            #expect(model.iterationCount == expected.iterations && model.ensemble.trees[0][0].leafCount == expected.leaves_first_tree, "\(name)")
            let mismatch = ToolboxTesting.mismatch(try model.predictProbabilities(x).values, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
    }

    /// The acceptance: 5-fold CV within 1 point of HistGradientBoosting with its defaults.
    @Test func crossValidationWithinAPointOfScikitLearn() throws {
        let breast = try ModelSelection.crossValidate(HistGradientBoostingClassifier(), x: try matrix(data.breast), y: data.breast.y,
                                                      cv: StratifiedKFold(folds: 5), scoring: [.accuracy])
        let wine = try ModelSelection.crossValidate(HistGradientBoostingClassifier(), x: try matrix(data.wine), y: data.wine.y,
                                                    cv: StratifiedKFold(folds: 5), scoring: [.accuracy])
        let diabetes = try ModelSelection.crossValidate(HistGradientBoostingRegressor(), x: try matrix(data.diabetes), y: data.diabetes.y,
                                                        cv: KFold(folds: 5), scoring: [.r2])
        #expect(abs(breast.meanTestScore("accuracy") - g.cv["breast_accuracy"]!) <= 0.01, "\(breast.meanTestScore("accuracy"))")
        #expect(abs(wine.meanTestScore("accuracy") - g.cv["wine_accuracy"]!) <= 0.01, "\(wine.meanTestScore("accuracy"))")
        #expect(abs(diabetes.meanTestScore("r2") - g.cv["diabetes_r2"]!) <= 0.01, "\(diabetes.meanTestScore("r2"))")
    }
}
