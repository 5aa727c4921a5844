import DSToolbox
import Foundation
import Testing
import ToolboxTesting

/// One tunable interface: estimators, static and dynamic pipelines and column transformers all
/// describe, read and set hyperparameters by scikit-learn's nested names.
@Suite("Tunable hyperparameters")
struct TunableTests {
    init() throws {
        try Toolbox.registerAll()
    }

    @Test func forestMaxDepthOnAYAMLPipeline() throws {
        let pipeline = try DynamicPipeline(yaml: """
            steps:
              - {name: scaler, type: standard_scaler}
              - {name: forest, type: random_forest_classifier, parameters: {n_estimators: 20}}
            """)
        #expect(try pipeline.hyperparameter("forest__max_depth") == .null)
        let set = try pipeline.settingHyperparameter("forest__max_depth", to: .number(5))
        #expect(try set.hyperparameter("forest__max_depth") == .number(5))
        #expect(try set.hyperparameter("forest__n_estimators") == .number(20))
        #expect((set.steps[1].estimator as? RandomForestClassifier)?.parameters.tree.maxDepth == 5)
        // A nested mapping merges into the step's current values; both forms at once too.
        let merged = try set.settingHyperparameters(["forest": .object(["min_samples_leaf": .number(3)]), "scaler__with_mean": .bool(false)])
        #expect(try merged.hyperparameter("forest__max_depth") == .number(5))
        #expect(try merged.hyperparameter("forest__min_samples_leaf") == .number(3))
        #expect(try merged.hyperparameter("scaler__with_mean") == .bool(false))
        // Unknown steps, unknown parameters and ill-typed values name the flattened key.
        #expect(error(of: { try pipeline.settingHyperparameter("trees__max_depth", to: .number(3)) })?.context.parameter == "trees__max_depth")
        #expect(error(of: { try pipeline.settingHyperparameter("forest__depth", to: .number(3)) })?.context.parameter == "forest__depth")
        #expect(error(of: { try pipeline.settingHyperparameter("forest__max_depth", to: .string("deep")) })?.context.parameter == "forest__max_depth")
        #expect(error(of: { try pipeline.settingHyperparameter("forest", to: .number(3)) })?.context.parameter == "forest")
        #expect(throws: ToolboxError.self) { try pipeline.hyperparameter("forest__depth") }
        let names = pipeline.hyperparameterSpace.map(\.name)
        #expect(names.first == "scaler__with_mean" && names.contains("forest__max_depth"))
        #expect(Set(names) == Set(pipeline.flattenedHyperparameters.keys))
    }

    @Test func forestMaxDepthOnAStaticPipeline() throws {
        let pipeline = Pipeline {
            StandardScaler().named("scaler")
            RandomForestClassifier().named("forest")
        }
        let set = try pipeline.settingHyperparameter("forest__max_depth", to: .number(4))
        #expect(try set.hyperparameter("forest__max_depth") == .number(4))
        #expect(set.steps.second.estimator.parameters.tree.maxDepth == 4)
        #expect(try set.hyperparameter("scaler__with_std") == .bool(true))
        #expect(error(of: { try pipeline.settingHyperparameter("forest__max_depth", to: .number(0)) })?.context.parameter == "forest__max_depth")
        // Unnamed steps are named as make_pipeline names them: by type, numbered when repeated.
        let unnamed = Pipeline {
            StandardScaler()
            StandardScaler()
            Ridge()
        }
        let keys = Set(unnamed.flattenedHyperparameters.keys)
        #expect(keys == ["standard_scaler-1__with_mean", "standard_scaler-1__with_std", "standard_scaler-2__with_mean",
                         "standard_scaler-2__with_std", "ridge__alpha", "ridge__fit_intercept"])
        let ridged = try unnamed.settingHyperparameters(["ridge__alpha": .number(3), "standard_scaler-2__with_mean": .bool(false)])
        #expect(ridged.steps.second.alpha == 3)
        #expect(ridged.steps.first.second.withMean == false && ridged.steps.first.first.withMean == true)
        // The fitted pipeline equals the steps fitted by hand with the same settings.
        let data = try DataGenerators.classification(samples: 120, features: 4, informative: 2, redundant: 0, seed: 5)
        let model = try set.fit(data.x, data.y)
        var forest = RandomForestClassifier()
        forest.parameters.tree.maxDepth = 4
        let scaler = try StandardScaler().fit(data.x)
        let byHand = try forest.fit(try scaler.transform(data.x), data.y)
        #expect(try model.predictProbabilities(data.x) == byHand.predictProbabilities(try scaler.transform(data.x)))
    }

    static let columnsYAML = """
        steps:
          - name: columns
            type: column_transformer
            parameters:
              remainder: passthrough
              transformers:
                - {name: numeric, type: pipeline, columns: [x0, x1], parameters: {steps: [{name: scaler, type: standard_scaler}]}}
                - {name: ranks, type: ordinal_encoder, columns: [x2]}
          - {name: forest, type: random_forest_classifier}
        """

    @Test func columnTransformerStepsByNestedName() throws {
        let pipeline = try DynamicPipeline(yaml: Self.columnsYAML)
        let names = pipeline.hyperparameterSpace.map(\.name)
        #expect(names.contains("columns__remainder"))
        #expect(names.contains("columns__numeric__scaler__with_mean"))
        #expect(names.contains("forest__max_depth"))
        #expect(!names.contains("columns__transformers"))
        let set = try pipeline.settingHyperparameters([
            "columns__numeric__scaler__with_mean": .bool(false),
            "forest__max_depth": .number(6),
            "columns": .object(["numeric": .object(["scaler": .object(["with_std": .bool(false)])])]),
        ])
        #expect(try set.hyperparameter("columns__numeric__scaler__with_mean") == .bool(false))
        #expect(try set.hyperparameter("columns__numeric__scaler__with_std") == .bool(false))
        #expect(try set.hyperparameter("forest__max_depth") == .number(6))
        #expect(try pipeline.hyperparameter("columns__numeric__scaler__with_mean") == .bool(true))
        // The change reaches the estimator the entry holds, and survives the spec's round trip.
        let columns = try #require(set.steps[0].estimator as? ColumnTransformer)
        let inner = try #require(columns.transformers[0].estimator as? DynamicPipeline)
        #expect((inner.steps[0].estimator as? StandardScaler)?.withMean == false)
        let reloaded = try DynamicPipeline(spec: set.spec)
        #expect(try reloaded.hyperparameter("columns__numeric__scaler__with_mean") == .bool(false))
        #expect(error(of: { try pipeline.settingHyperparameter("columns__numeric__scaler__mean", to: .bool(false)) })?.context.parameter
                    == "columns__numeric__scaler__mean")
        // A column transformer on its own, as a static pipeline's step.
        let alone = ColumnTransformer([.init(name: "num", StandardScaler(), columns: ["x0"])])
        let staticPipeline = Pipeline {
            alone.named("columns")
            RandomForestClassifier().named("forest")
        }
        let updated = try staticPipeline.settingHyperparameters(["columns__num__with_mean": .bool(false), "forest__max_depth": .number(2)])
        #expect(try updated.hyperparameter("columns__num__with_mean") == .bool(false))
        #expect(try updated.hyperparameter("forest__max_depth") == .number(2))
        // And it fits: the entry pipeline scales without centring.
        let data = try DataGenerators.classification(samples: 90, features: 3, informative: 2, redundant: 0, seed: 2)
        let table = try DataTable([("x0", .numeric(data.x.column(0))), ("x1", .numeric(data.x.column(1))),
                                   ("x2", .numeric(data.x.column(2).map { ($0 * 2).rounded() })), ("y", .numeric(data.y))])
        let model = try set.fit(table, target: "y")
        #expect(try model.predict(try model.inputMatrix(table)).count == 90)
    }

    @Test func everyDescriptionRoundTripsWithItsKind() throws {
        let registry = ModelRegistry.shared
        var checked = 0
        // A pipeline's hyperparameters are its steps' (checked above), so only leaf types here.
        for name in registry.estimatorNames + registry.tableEstimatorNames where name != DynamicPipelineModel.modelTypeName {
            let type: (any Configurable.Type)? = (registry.estimatorType(named: name) as? any Configurable.Type)
                ?? registry.tableEstimatorType(named: name)
            guard let configurable = type else { Issue.record("\(name) does not describe its hyperparameters"); continue }
            let descriptions = configurable.hyperparameterDescriptions
            let data = try JSONEncoder().encode(descriptions)
            let decoded = try JSONDecoder().decode([HyperparameterDescription].self, from: data)
            #expect(decoded == descriptions, "\(name)")
            #expect(decoded.map(\.kind) == descriptions.map(\.kind), "\(name)")
            checked += descriptions.count
        }
        #expect(checked > 100)
        // Search hints travel with the descriptions and say what a tuner searches.
        let boosting = Dictionary(uniqueKeysWithValues: HistGradientBoostingClassifier.hyperparameterDescriptions.map { ($0.name, $0) })
        #expect(boosting["learning_rate"]?.searchHint == .logUniform(0.01, 1))
        #expect(boosting["max_leaf_nodes"]?.searchHint?.integer == true)
        #expect(boosting["random_state"]?.searchHint == nil)
        let json = String(decoding: try JSONEncoder().encode(boosting["learning_rate"]), as: UTF8.self)
        #expect(json.contains("\"kind\"") && json.contains("\"search\""))
        // A description written before kinds were saved still reads, keeping its words.
        let old = #"{"name": "alpha", "type": "a number of at least 0.0", "default": 1, "summary": "penalty"}"#
        let legacy = try JSONDecoder().decode(HyperparameterDescription.self, from: Data(old.utf8))
        #expect(legacy.kind == .structured("a number of at least 0.0"))
        // A hint that makes no range is refused, not trapped on.
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(SearchHint.self, from: Data(#"{"low": 5, "high": 1}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(SearchHint.self, from: Data(#"{"low": 0, "high": 1, "log": true}"#.utf8))
        }
    }

    @Test func aPipelinesHyperparametersAreLoggedToARun() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-tunable-\(UInt64.random(in: 0...UInt64.max))").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteTrackingStore(folder: folder)
        let pipeline = try DynamicPipeline(yaml: Self.columnsYAML).settingHyperparameter("forest__max_depth", to: .number(7))
        let id = try await Tracker(store: store).run("tunable") { run in
            try await run.log(hyperparameters: pipeline)
            return run.id
        }
        let params = try store.params(runID: id)
        #expect(params["forest__max_depth"] == "7")
        #expect(params["forest__max_features"] == "sqrt")
        #expect(params["columns__numeric__scaler__with_mean"] == "true")
        #expect(params["columns__remainder"] == "passthrough")
        #expect(params.count == pipeline.flattenedHyperparameters.count)
    }

    private func error(of body: () throws -> Any) -> ToolboxError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? ToolboxError
        }
    }
}
