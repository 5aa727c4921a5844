import DSToolbox
import Foundation
import Testing
import ToolboxTesting

/// Cross-validating tables: pipelines with table steps refit every step per fold, on the folds
/// the matrix path uses, and score as scikit-learn's `cross_val_score`.
@Suite("Cross-validation of tables")
struct TableCrossValidationTests {
    init() throws {
        try Toolbox.registerAll()
    }

    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("dstoolboxTests/Golden")

    struct Expected: Decodable { var accuracy: [Double]; var roc_auc: [Double]; var r2: [Double] }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: golden.appendingPathComponent("table_cv.json")))
    }

    @Test func tfidfPipelineEqualsScikitLearnsCrossValScore() throws {
        let table = try DataTable(csvFile: Self.golden.appendingPathComponent("reviews.csv").path)
        let pipeline = try DynamicPipeline(yaml: String(contentsOf: Self.golden.appendingPathComponent("reviews_pipeline.yaml"), encoding: .utf8))
        let result = try ModelSelection.crossValidate(pipeline, table: table, target: "label", cv: StratifiedKFold(folds: 5),
                                                      scoring: [.accuracy, .rocAUC])
        let expected = try Self.expected()
        #expect(result.testScores["accuracy"] == expected.accuracy)
        let auc = try #require(result.testScores["roc_auc"])
        #expect(ToolboxTesting.mismatch(auc, expected.roc_auc, relativeTolerance: 1e-9, absoluteTolerance: 1e-12) == nil, "\(auc) vs \(expected.roc_auc)")
        #expect(try result.meanTestScore(.accuracy) == expected.accuracy.reduce(0, +) / 5)
        #expect(result.fitTimes.count == 5)

        let regression = try DynamicPipeline(yaml: String(contentsOf: Self.golden.appendingPathComponent("reviews_regression.yaml"), encoding: .utf8))
        let r2 = try ModelSelection.crossValidate(regression, table: table, target: "grade", cv: KFold(folds: 5), scoring: [.r2])
        let scores = try #require(r2.testScores["r2"])
        #expect(ToolboxTesting.mismatch(scores, expected.r2, relativeTolerance: 1e-8, absoluteTolerance: 1e-10) == nil, "\(scores) vs \(expected.r2)")
    }

    /// The folds are the matrix path's: a pipeline without table steps cross-validated from its
    /// table scores as the same pipeline on the table's matrix.
    @Test func sameFoldsAsTheMatrixPath() throws {
        let data = try DataGenerators.classification(samples: 150, features: 3, informative: 2, redundant: 0, seed: 4)
        let table = try DataTable([("a", .numeric(data.x.column(0))), ("b", .numeric(data.x.column(1))), ("c", .numeric(data.x.column(2))),
                                   ("y", .categorical(data.y.map { $0 == 1 ? "yes" : "no" }))])
        let pipeline = try DynamicPipeline(yaml: "steps: [{type: standard_scaler}, {type: logistic_regression}]")
        let fromTable = try ModelSelection.crossValidate(pipeline, table: table, target: "y", cv: StratifiedKFold(folds: 4), scoring: [.accuracy, .rocAUC])
        let features = try table.dropping(["y"]).toMatrix()
        let target = try table.target(named: "y")
        let fromMatrix = try ModelSelection.crossValidate(pipeline, x: features.matrix, y: target.values, cv: StratifiedKFold(folds: 4),
                                                          scoring: [.accuracy, .rocAUC], context: FitContext(features, targetLabels: target.labels))
        #expect(fromTable.testScores["accuracy"] == fromMatrix.testScores["accuracy"])
        #expect(fromTable.testScores["roc_auc"] == fromMatrix.testScores["roc_auc"])
        // Learning curves take tables too, on the same folds.
        let curve = try ModelSelection.learningCurve(pipeline, table: table, target: "y", cv: StratifiedKFold(folds: 4), scoring: .accuracy,
                                                     trainSizes: [0.5, 1])
        let matrixCurve = try ModelSelection.learningCurve(pipeline, x: features.matrix, y: target.values, cv: StratifiedKFold(folds: 4),
                                                           scoring: .accuracy, trainSizes: [0.5, 1],
                                                           context: FitContext(features, targetLabels: target.labels))
        #expect(curve.sizes == matrixCurve.sizes && curve.testScores == matrixCurve.testScores)
    }

    @Test func unknownScoreNamesAreErrors() throws {
        let data = DataGenerators.regression(samples: 60, features: 2, noise: 1, seed: 2)
        let result = try ModelSelection.crossValidate(Ridge(), x: data.x, y: data.y, cv: KFold(folds: 3), scoring: [.r2])
        #expect(throws: ToolboxError.self) { try result.meanTestScore("R2") }
        #expect(throws: ToolboxError.self) { try result.meanTestScore(.accuracy) }
        #expect(try result.meanTestScore("r2") == result.testScores["r2"]!.reduce(0, +) / 3)
    }
}
