import DSToolbox
import Foundation
import Testing
import ToolboxTesting

/// Model loading, JSON-records input and prediction shaping as a server calls them.
@Suite("Loading models and shaping predictions")
struct ModelLoadingTests {
    init() throws {
        try Toolbox.registerAll()
    }

    static func fitted() throws -> (model: any FittedModel, table: DataTable) {
        let table = try ContractTests.table(rows: 120, seed: 4)
        let features = try table.dropping(["label"]).toMatrix()
        let target = try table.target(named: "label")
        let model = try RandomForestClassifier(treeCount: 10, seed: 1).fit(features.matrix, target.values,
                                                                             context: FitContext(features, targetLabels: target.labels))
        return (model, table)
    }

    @Test func recordsByNameOrPositionAreCheckedAgainstTheSchema() throws {
        let (model, table) = try Self.fitted()
        let schema = model.schema
        let byName: [JSONValue] = [
            .object(["length": .number(0.5), "links": .number(-1), "colour": .string("red"), "caps": .number(2), "id": .string("ignored")]),
            .object(["length": .null, "links": .bool(true), "colour": .null, "caps": .number(0)]),
        ]
        let rows = try DataTable(records: byName, schema: schema, inputCount: model.inputFeatureCount)
        #expect(rows.columnNames == ["length", "links", "colour", "caps"])
        #expect(try rows.numericColumn(named: "links") == [-1, 1])
        #expect(try rows.categoricalColumn(named: "colour") == ["red", nil])
        let byPosition = try DataTable(records: [.array([.number(0.5), .number(-1), .string("red"), .number(2)])], schema: schema,
                                       inputCount: model.inputFeatureCount)
        #expect(try model.predictions(byPosition).labels == model.predictions(try rows.rows(at: [0])).labels)

        func refusal(_ records: [JSONValue]) -> ToolboxError? {
            do {
                _ = try DataTable(records: records, schema: schema, inputCount: model.inputFeatureCount)
                return nil
            } catch {
                return error as? ToolboxError
            }
        }
        let wrongType = refusal([byName[0], .object(["length": .string("long"), "links": .number(1), "colour": .string("red"), "caps": .number(1)])])
        #expect(wrongType?.code == .invalidData && wrongType?.context.parameter == "instances[1].length", "\(String(describing: wrongType))")
        let category = refusal([.object(["length": .number(1), "links": .number(1), "colour": .string("purple"), "caps": .number(1)])])
        #expect(category?.context.parameter == "instances[0].colour" && category?.message.contains("purple") == true)
        let missing = refusal([.object(["length": .number(1), "colour": .string("red"), "caps": .number(1)])])
        #expect(missing?.code == .notFound && missing?.context.parameter == "instances[0].links")
        let short = refusal([.array([.number(1), .number(2)])])
        #expect(short?.context.parameter == "instances[0]" && short?.message.contains("takes 4") == true)
        #expect(refusal([.number(3)])?.code == .invalidData)
        #expect(refusal([])?.code == .invalidData)
        #expect(refusal([.object(["length": .number(1), "links": .number(1), "colour": .number(3), "caps": .number(1)])])?.context.parameter == "instances[0].colour")
        _ = table
    }

    @Test func predictionsAreLabelsProbabilitiesOrValues() throws {
        let (model, table) = try Self.fitted()
        let predictions = try model.predictions(table, probabilities: true)
        #expect(predictions.classes == [.text("ham"), .text("spam")])
        #expect(predictions.json.allSatisfy { if case .string(let label) = $0 { ["ham", "spam"].contains(label) } else { false } })
        #expect(predictions.probabilities?.rows == 120 && predictions.probabilities?.columns == 2)
        let data = DataGenerators.regression(samples: 50, features: 2, noise: 1, seed: 3)
        let ridge = try Ridge().fit(data.x, data.y)
        let values = try ridge.predictions(try DataTable([("x0", .numeric(data.x.column(0))), ("x1", .numeric(data.x.column(1)))]))
        #expect(values.values?.count == 50 && values.labels == nil)
        #expect(throws: ToolboxError.self) { try ridge.predictions(try DataTable([("x0", .numeric([1]))]), probabilities: true) }
    }

    /// The registry builds an estimator by name with hyperparameters, as a server or a workflow asks.
    @Test func estimatorsByName() throws {
        let boosting = try ModelRegistry.shared.estimator(named: "hist_gradient_boosting_classifier", hyperparameters: ["max_iter": .number(7)])
        #expect((boosting as? HistGradientBoostingClassifier)?.parameters.maxIterations == 7)
        #expect(throws: ToolboxError.self) { try ModelRegistry.shared.estimator(named: "gradient_magic") }
        do {
            _ = try ModelRegistry.shared.estimator(named: "ridge", hyperparameters: ["alpha": .string("big")], path: "--set")
        } catch let error as ToolboxError {
            #expect(error.context.parameter == "--set.alpha")
        }
    }

    /// SHAP values say which class each output explains, by label.
    @Test func shapValuesNameTheirClasses() throws {
        let (forest, table) = try Self.fitted()
        let x = try forest.inputMatrix(selectingFrom: table)
        let forestValues = try (forest as! any TreeExplainable).shapValues(x, threads: nil)
        #expect(forestValues.explainedClasses == Array([ClassLabel.text("ham"), .text("spam")].suffix(forestValues.values.count)))
        let features = try table.dropping(["label"]).toMatrix()
        let target = try table.target(named: "label")
        let boosting = try HistGradientBoostingClassifier(maxIterations: 5).fit(features.matrix, target.values,
                                                                               context: FitContext(features, targetLabels: target.labels))
        #expect(try boosting.shapValues(features.matrix).explainedClasses == [.text("spam")])
        let data = DataGenerators.regression(samples: 40, features: 2, noise: 1, seed: 2)
        #expect(try HistGradientBoostingRegressor(maxIterations: 3).fit(data.x, data.y).shapValues(data.x).explainedClasses == nil)
    }

    @Test func filesAndURIsLoadTheSameModel() async throws {
        let (model, table) = try Self.fitted()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-load-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/model.dstbx"
        try ModelArchive.save(model as! ForestClassifierModel, to: path)
        let store = try SQLiteTrackingStore(folder: folder + "/store")
        let run = try await Tracker(store: store).run("loading") { run in
            try await run.log(model: model as! ForestClassifierModel)
            return run.id
        }
        try await store.registerModelVersion(name: "spam", runID: run, artifactPath: "model.dstbx")
        try await store.setAlias(name: "spam", alias: "champion", version: 1)
        let expected = try model.predictions(table, probabilities: true)
        for uri in ["models:/spam@champion", "models:/spam/1", "models:/spam", "runs:/\(run)/model.dstbx"] {
            #expect(try await store.loadModel(uri: uri).predictions(table, probabilities: true) == expected, "\(uri)")
        }
        #expect(try ModelFile.load(path).predictions(table, probabilities: true) == expected)
        let typed = try store.loadModel(ForestClassifierModel.self, uri: "models:/spam@champion")
        #expect(typed.classLabels == [.text("ham"), .text("spam")])
        #expect(throws: ToolboxError.self) { try store.loadModel(ForestRegressorModel.self, uri: "models:/spam@champion") }
        for bad in ["models:/", "models:/spam/0", "models:/@x", "runs:/abc", "file:/x"] {
            #expect(throws: ToolboxError.self, "\(bad)") { try ModelURI(bad) }
        }
        #expect(throws: ToolboxError.self) { try store.loadModel(uri: "models:/spam@nobody") }
        // Another library's model file loads through the same call, recognised by content.
        let lightgbm = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LearnKitTests/Golden/imported/lightgbm_binary.txt").path
        #expect(type(of: try ModelFile.load(lightgbm)).modelTypeName == "LearnKit.ImportedBoostedClassifier")
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: folder + "/junk.bin"))
        #expect(throws: ToolboxError.self) { try ModelFile.load(folder + "/junk.bin") }
    }
}
