import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct ImportGolden: Decodable {
    struct SHAP: Decodable { var values: [Double]; var expected: [Double] }
    struct Case: Decodable { var file: String; var x: [Double]; var rows: Int; var raw: [Double]; var prediction: [Double]; var shap: SHAP?; var importance: [Double]? }
    var cases: [String: Case]
}

@Suite("LightGBM and XGBoost model import")
struct ModelImportTests {
    let g: ImportGolden
    let golden = GoldenFiles()

    init() throws {
        try LearnKit.registerModels()
        g = try golden.load(ImportGolden.self, "imports.json")
    }

    /// The acceptance: imported models predict what the library that trained them predicts, on
    /// held-out rows with NaN, zeros and categories never seen in training.
    @Test(arguments: ["lightgbm_binary", "lightgbm_multiclass", "lightgbm_regression", "lightgbm_zero_missing", "lightgbm_multiclassova",
                      "lightgbm_linear_regression", "lightgbm_linear_binary",
                      "xgboost_binary", "xgboost_multiclass", "xgboost_regression", "xgboost_reg_logistic", "xgboost_dart_binary",
                      "xgboost_categorical_binary", "xgboost_categorical_multiclass", "xgboost_categorical_regression",
                      "xgboost_deep_regression", "xgboost_poisson", "xgboost_gamma"])
    func predictsWhatTheLibraryPredicts(_ name: String) throws {
        let expected = try #require(g.cases[name])
        let x = try Matrix(rows: expected.rows, columns: expected.x.count / expected.rows, values: expected.x)
        var paths = [golden.directory.appendingPathComponent(expected.file).path]
        let ubj = paths[0].replacingOccurrences(of: ".json", with: ".ubj")
        if name.hasPrefix("xgboost"), FileManager.default.fileExists(atPath: ubj) { paths.append(ubj) }
        for path in paths {
            let model = try ModelImport.load(path)
            let raw: [Double], prediction: [Double]
            if let classifier = model as? ImportedBoostedClassifier {
                raw = try classifier.ensemble.rawPredictions(x)
                prediction = try classifier.predictProbabilities(x).values
            } else {
                let regressor = try #require(model as? ImportedBoostedRegressor)
                raw = try regressor.ensemble.rawPredictions(x)
                prediction = try regressor.predict(x)
            }
            if name.hasPrefix("xgboost") {
                // XGBoost predicts in float32; so does the import, in XGBoost's order: bit for bit.
                #expect(raw == expected.raw, "\(path): \(String(describing: ToolboxTesting.mismatch(raw, expected.raw, relativeTolerance: 0, absoluteTolerance: 0)))")
                #expect(prediction == expected.prediction,
                        "\(path): \(String(describing: ToolboxTesting.mismatch(prediction, expected.prediction, relativeTolerance: 0, absoluteTolerance: 0)))")
            } else {
                // LightGBM sums in double: held far tighter than the 1e-6 acceptance.
                #expect(ToolboxTesting.mismatch(raw, expected.raw, relativeTolerance: 1e-9, absoluteTolerance: 1e-9) == nil,
                        "\(path): \(String(describing: ToolboxTesting.mismatch(raw, expected.raw, relativeTolerance: 1e-9, absoluteTolerance: 1e-9)))")
                #expect(ToolboxTesting.mismatch(prediction, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-7) == nil,
                        "\(path): \(String(describing: ToolboxTesting.mismatch(prediction, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-7)))")
            }
            // Gain importances as the library reports them (LightGBM's `gain`, XGBoost's `total_gain`).
            if let importance = expected.importance {
                let ours = (model as? ImportedBoostedClassifier)?.featureImportances ?? (model as! ImportedBoostedRegressor).featureImportances
                #expect(ToolboxTesting.mismatch(ours, importance, relativeTolerance: 1e-5, absoluteTolerance: 1e-9) == nil, "\(name) importances \(ours) vs \(importance)")
            }
            // A normal LearnKit model: archived, loaded by name, explained.
            let loaded = try ModelArchive.decode(from: try ModelArchive.encode(model))
            #expect(type(of: loaded).modelTypeName == type(of: model).modelTypeName)
            let ensemble = (model as? ImportedBoostedClassifier)?.ensemble ?? (model as! ImportedBoostedRegressor).ensemble
            let rows = try x.rows(at: Array(0..<20))
            if ensemble.hasLinearLeaves {
                // As LightGBM: SHAP values of linear trees are refused, not made up.
                #expect(ensemble.trees.contains { $0.linear?.coefficient.isEmpty == false }, "\(name) has linear terms")
                #expect(throws: ToolboxError.self) { try ensemble.shapValues(rows) }
                #expect(throws: ToolboxError.self) {
                    try PartialDependence.compute(model, x: x, features: [0], method: .recursion)
                }
                continue
            }
            let shap = try ensemble.shapValues(rows)
            // The library's own TreeSHAP (pred_contrib): LightGBM's in double, XGBoost's in float.
            if let own = expected.shap {
                let tolerance = name.hasPrefix("xgboost") ? 1e-5 : 1e-9
                let mismatch = ToolboxTesting.mismatch(shap.values.flatMap(\.values), own.values, relativeTolerance: tolerance, absoluteTolerance: tolerance)
                #expect(mismatch == nil, "\(name) SHAP: \(String(describing: mismatch))")
                #expect(ToolboxTesting.mismatch(shap.expectedValue, own.expected, relativeTolerance: tolerance, absoluteTolerance: tolerance) == nil,
                        "\(name) expected value \(shap.expectedValue) vs \(own.expected)")
            }
            let rawRows = try ensemble.rawPredictions(rows)
            for output in 0..<ensemble.outputs {
                for row in 0..<20 {
                    let total = shap.expectedValue[output] + (0..<x.columns).reduce(0) { $0 + shap.values[output][row, $1] }
                    #expect(abs(total - rawRows[row * ensemble.outputs + output]) <= 1e-6 * max(1, abs(total)), "\(name) row \(row)")
                }
            }
        }
    }

    /// Malformed files: typed errors naming where, never a crash or a huge allocation.
    @Test func malformedFilesAreTypedErrors() throws {
        let text = try String(contentsOf: golden.directory.appendingPathComponent("imported/lightgbm_binary.txt"), encoding: .utf8)
        let json = try String(contentsOf: golden.directory.appendingPathComponent("imported/xgboost_binary.json"), encoding: .utf8)
        let ubj = try Data(contentsOf: golden.directory.appendingPathComponent("imported/xgboost_binary.ubj"))
        let categorical = try String(contentsOf: golden.directory.appendingPathComponent("imported/xgboost_categorical_binary.json"), encoding: .utf8)
        let linear = try String(contentsOf: golden.directory.appendingPathComponent("imported/lightgbm_linear_regression.txt"), encoding: .utf8)
        let cases: [(String, [UInt8])] = [
            ("truncated text", Array(text.utf8.prefix(text.utf8.count / 2))),
            ("bad child", Array(text.replacingOccurrences(of: "left_child=1 ", with: "left_child=999999 ").utf8)),
            ("backward child", Array(text.replacingOccurrences(of: "left_child=1 ", with: "left_child=0 ").utf8)),
            ("wrong feature count", Array(text.replacingOccurrences(of: "max_feature_idx=5", with: "max_feature_idx=2").utf8)),
            ("absurd leaves", Array(text.replacingOccurrences(of: "num_leaves=15", with: "num_leaves=999999999999").utf8)),
            ("not a number", Array(text.replacingOccurrences(of: "leaf_value=", with: "leaf_value=abc ").utf8)),
            ("truncated json", Array(json.utf8.prefix(json.utf8.count / 3))),
            ("json bad child", Array(json.replacingOccurrences(of: "\"left_children\":[1,", with: "\"left_children\":[70000,").utf8)),
            ("truncated ubj", Array(ubj.prefix(ubj.count / 2))),
            ("category node out of range", Array(categorical.replacingOccurrences(of: "\"categories_nodes\":[1,", with: "\"categories_nodes\":[900,").utf8)),
            ("category segment too long", Array(categorical.replacingOccurrences(of: "\"categories_sizes\":[5", with: "\"categories_sizes\":[500000").utf8)),
            ("huge category", Array(categorical.replacingOccurrences(of: "\"categories\":[0", with: "\"categories\":[99999999").utf8)),
            ("linear: more terms than features", Array(linear.replacingOccurrences(of: "num_features=0 ", with: "num_features=99 ").utf8)),
            ("linear: term count without terms", Array(linear.replacingOccurrences(of: "num_features=0 0", with: "num_features=1 0").utf8)),
            ("linear: feature out of range", Array(linear.replacingOccurrences(of: "leaf_features=0 ", with: "leaf_features=77 ").utf8)),
            ("linear: bad flag", Array(linear.replacingOccurrences(of: "is_linear=1", with: "is_linear=7").utf8)),
            ("empty", []),
        ]
        for (name, bytes) in cases {
            #expect(throws: ToolboxError.self, "\(name)") { try ModelImport.decode(bytes) }
        }
        // A mutation fuzz (3,750 files): bytes changed anywhere, sometimes truncated; every outcome is a model or a typed error.
        var generator = SeededGenerator(seed: 77)
        for source in [Array(text.utf8), Array(json.utf8), [UInt8](ubj), Array(categorical.utf8), Array(linear.utf8)] {
            for _ in 0..<750 {
                var mutated = source
                for _ in 0..<(1 + generator.nextInt(below: 4)) {
                    mutated[generator.nextInt(below: mutated.count)] = UInt8(truncatingIfNeeded: generator.next())
                }
                if generator.nextUniform() < 0.2 { mutated = Array(mutated.prefix(generator.nextInt(below: mutated.count))) }
                do {
                    let model = try ModelImport.decode(mutated)
                    try model.validateStructure()
                    _ = try (model.predictor)?.predict(try Matrix(rows: 3, columns: model.inputFeatureCount, values: [Double](repeating: .nan, count: 3 * model.inputFeatureCount)))
                } catch is ToolboxError {
                } catch {
                    Issue.record("untyped error \(error)")
                }
            }
        }
    }
}
