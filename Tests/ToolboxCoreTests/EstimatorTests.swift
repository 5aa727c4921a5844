import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
import Yams

struct EstimatorGolden: Decodable {
    var x: GoldenMatrix
    var y: [Double]
    var scaler_mean, scaler_scale, scaler_first_row, ols_coef, ols_no_intercept_coef: [Double]
    var ols_intercept, ols_r2: Double
}

@Suite("Estimator contract, checkEstimator and pipelines")
struct EstimatorTests {
    let golden: EstimatorGolden

    init() throws {
        try registerFixtures()
        golden = try GoldenFiles().load(EstimatorGolden.self, "estimators.json")
    }

    @Test func scalerMatchesScikitLearn() throws {
        let model = try ReferenceScaler().fit(try golden.x.matrix)
        #expect(mismatch(model.means.elements, golden.scaler_mean, relativeTolerance: 1e-12, absoluteTolerance: 1e-16) == nil)
        #expect(mismatch(model.scales.elements, golden.scaler_scale, relativeTolerance: 1e-12) == nil)
        let first = try model.transform(try golden.x.matrix.rows(0..<1))
        #expect(mismatch(first.values, golden.scaler_first_row, relativeTolerance: 1e-10) == nil)
    }

    @Test func linearRegressionMatchesScikitLearn() throws {
        let x = try golden.x.matrix
        let model = try ReferenceLinearRegression().fit(x, golden.y)
        #expect(mismatch(model.coefficients.elements, golden.ols_coef, relativeTolerance: 1e-6) == nil)
        #expect(isClose(model.intercept, golden.ols_intercept, relativeTolerance: 1e-9))
        let noIntercept = try ReferenceLinearRegression(fitIntercept: false).fit(x, golden.y)
        #expect(mismatch(noIntercept.coefficients.elements, golden.ols_no_intercept_coef, relativeTolerance: 1e-6) == nil)
        let predictions = try model.predict(x)
        let mean = golden.y.reduce(0, +) / Double(golden.y.count)
        let residual = zip(predictions, golden.y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let total = golden.y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        #expect(isClose(1 - residual / total, golden.ols_r2, relativeTolerance: 1e-10))
    }

    @Test func scalerPassesCheckEstimator() throws {
        try checkEstimator(ReferenceScaler(), task: .unsupervised)
        try checkEstimator(ReferenceScaler(withMean: false), task: .unsupervised, seed: 4)
    }

    @Test func linearRegressionPassesCheckEstimator() throws {
        try checkEstimator(ReferenceLinearRegression(), task: .regression)
        try checkEstimator(ReferenceLinearRegression(fitIntercept: false), task: .regression, seed: 8)
    }

    /// An estimator that breaks the contract, to prove checkEstimator notices.
    struct Sloppy: Estimator {
        func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Model {
            Model(hyperparameters: self, inputFeatureCount: x.columns, offset: Double(UInt64.random(in: 0...1_000_000)))
        }
        struct Model: Predictor {
            static let modelTypeName = "ToolboxCoreTests.Sloppy"
            var hyperparameters: Sloppy
            var inputFeatureCount: Int
            var offset: Double
            var schema: ModelSchema { ModelSchema() }
            func predict(_ x: Matrix<Double>) throws -> [Double] { x.rowSums().map { $0 + offset } }
        }
    }

    @Test func checkEstimatorCatchesViolations() throws {
        do {
            try checkEstimator(Sloppy(), task: .regression)
            Issue.record("a sloppy estimator passed")
        } catch let failure as EstimatorCheckFailure {
            let text = failure.description
            #expect(text.contains("fit is deterministic"))
            #expect(text.contains("feature count mismatch rejected"))
            #expect(text.contains("non-finite input handled as declared"))
            #expect(text.contains("empty input rejected"))
            #expect(text.contains("names and labels kept"))
            #expect(text.contains("load by name through the registry"))
        }
    }

    @Test func staticPipelineEqualsStepsByHand() throws {
        let data = DataGenerators.regression(samples: 80, features: 3, noise: 0.5, seed: 2)
        let pipeline = Pipeline {
            ReferenceScaler()
            ReferenceLinearRegression()
        }
        let model = try pipeline.fit(data.x, data.y)
        let scaler = try ReferenceScaler().fit(data.x)
        let ols = try ReferenceLinearRegression().fit(try scaler.transform(data.x), data.y)
        #expect(try model.predict(data.x) == ols.predict(try scaler.transform(data.x)))
        // Saved and loaded as one archive, by its concrete type.
        let bytes = try ModelArchive.encode(model)
        let loaded = try ModelArchive.decode(type(of: model), from: bytes)
        #expect(try loaded.predict(data.x) == model.predict(data.x))
        try checkEstimator(pipeline, task: .regression)
    }

    @Test func threeStepPipeline() throws {
        let data = DataGenerators.regression(samples: 50, features: 2, seed: 3)
        let model = try Pipeline {
            ColumnShift(amount: 3)
            ReferenceScaler()
            ReferenceLinearRegression()
        }.fit(data.x, data.y)
        #expect(model.inputFeatureCount == 2)
        #expect(type(of: model).modelTypeName == "ToolboxCore.Pipeline")
        #expect(model.hyperparameters.steps.map(\.type) == ["ToolboxTesting.ColumnShift", "ToolboxCoreTests.ReferenceScaler",
                                                            "ToolboxCoreTests.ReferenceLinearRegression"])
        let direct = try ReferenceLinearRegression().fit(data.x, data.y)
        // Shifting and scaling do not change an OLS fit's predictions.
        #expect(mismatch(try model.predict(data.x), try direct.predict(data.x), relativeTolerance: 1e-9, absoluteTolerance: 1e-9) == nil)
    }

    @Test func dynamicPipelineFromJSONAndYAML() throws {
        let data = DataGenerators.regression(samples: 60, features: 3, noise: 1, seed: 5)
        let json = #"{"steps": [{"type": "reference_scaler", "parameters": {"with_std": false}}, {"name": "ols", "type": "ToolboxCoreTests.ReferenceLinearRegression"}]}"#
        let fromJSON = try PipelineSpec(json: Data(json.utf8))
        let yaml = """
        steps:
          - type: reference_scaler
            parameters:
              with_std: false
          - name: ols
            type: ToolboxCoreTests.ReferenceLinearRegression
        """
        let fromYAML = try PipelineSpec(yaml: yaml)
        #expect(fromJSON == fromYAML)

        let pipeline = try DynamicPipeline(spec: fromYAML)
        #expect(pipeline.steps.map(\.name) == ["reference_scaler", "ols"])
        #expect(pipeline.hyperparameterValues["reference_scaler"] == .object(["with_mean": .bool(true), "with_std": .bool(false)]))
        let model = try pipeline.fit(data.x, data.y)
        let manual = try ReferenceLinearRegression().fit(try ReferenceScaler(withStd: false).fit(data.x).transform(data.x), data.y)
        let manualPredictions = try manual.predict(try ReferenceScaler(withStd: false).fit(data.x).transform(data.x))
        #expect(try model.predict(data.x) == manualPredictions)

        // Saved, then loaded without knowing the type: through the registry.
        let bytes = try ModelArchive.encode(model)
        let loaded = try ModelArchive.decode(from: bytes)
        let predictor = try #require(loaded as? any Predictor)
        #expect(try predictor.predict(data.x) == manualPredictions)
        #expect(throws: ToolboxError.self) { try model.predictProbabilities(data.x) }
    }

    @Test func dynamicPipelineErrorsNameTheStep() throws {
        func expectError(_ json: String, code: ToolboxError.Code, parameter: String) throws {
            do {
                _ = try DynamicPipeline(spec: try PipelineSpec(json: Data(json.utf8)))
                Issue.record("spec accepted: \(json)")
            } catch let error as ToolboxError {
                #expect(error.code == code, "\(json)")
                #expect(error.context.parameter == parameter, "\(json)")
            }
        }
        try expectError(#"{"steps": [{"type": "Nope"}]}"#, code: .notFound, parameter: "steps[0].type")
        try expectError(#"{"steps": [{"type": "reference_scaler", "parameters": {"with_maen": true}}]}"#,
                        code: .invalidParameter, parameter: "steps[0].parameters.with_maen")
        try expectError(#"{"steps": [{"type": "reference_scaler"}, {"type": "reference_linear_regression", "parameters": {"fit_intercept": "yes"}}]}"#,
                        code: .invalidParameter, parameter: "steps[1].parameters.fit_intercept")
        try expectError(#"{"steps": [{"type": "reference_scaler", "colour": 1}]}"#, code: .invalidParameter, parameter: "steps[0].colour")
        try expectError(#"{"steps": []}"#, code: .invalidData, parameter: "steps")
        #expect(throws: ToolboxError.self) { try PipelineSpec(json: Data("{not json".utf8)) }

        let data = DataGenerators.regression(samples: 20, features: 2, seed: 1)
        let misordered = try DynamicPipeline(spec: PipelineSpec(steps: [.init(type: "reference_linear_regression"), .init(type: "reference_scaler")]))
        do {
            _ = try misordered.fit(data.x, data.y)
            Issue.record("a predictor in the middle was accepted")
        } catch let error as ToolboxError {
            #expect(error.context.parameter == "steps[0]")
        }
    }

    /// Drops column 0: a transformer that changes columns, for routing tests.
    struct DropFirstColumn: UnsupervisedEstimator, Configurable, Hashable {
        init() {}
        static let hyperparameterSchema: [Hyperparameter<DropFirstColumn>] = []
        func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
            Model(hyperparameters: self, inputFeatureCount: x.columns,
                  schema: try context.validated(x: x, y: [Double](repeating: 0, count: x.rows)))
        }
        struct Model: Transformer {
            static let modelTypeName = "ToolboxCoreTests.DropFirstColumn"
            var hyperparameters: DropFirstColumn
            var inputFeatureCount: Int
            var schema: ModelSchema
            var outputFeatureCount: Int { inputFeatureCount - 1 }
            func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
                try x.validateColumnCount(inputFeatureCount)
                return Matrix(rows: x.rows, columns: x.columns - 1) { i, j in x[i, j + 1] }
            }
            func outputFeatureNames(input: [String]) -> [String] { Array(input.dropFirst()) }
            func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] {
                input.filter { $0.column > 0 }.map { CategoricalFeature(column: $0.column - 1, categories: $0.categories) }
            }
        }
    }

    /// Records the context it was given, to see what a pipeline routes to a step.
    struct ContextRecorder: Estimator, Configurable, Hashable {
        init() {}
        static let hyperparameterSchema: [Hyperparameter<ContextRecorder>] = []
        static var fitContextUsage: FitContextUsage { [.categoricalFeatures, .evaluationSet] }
        func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Model {
            Model(hyperparameters: self, inputFeatureCount: x.columns, schema: try context.validated(x: x, y: y),
                  evaluationColumns: context.evaluationSet?.x.columns, weighted: context.sampleWeights != nil)
        }
        struct Model: Predictor {
            static let modelTypeName = "ToolboxCoreTests.ContextRecorder"
            var hyperparameters: ContextRecorder
            var inputFeatureCount: Int
            var schema: ModelSchema
            var evaluationColumns: Int?
            var weighted: Bool
            func predict(_ x: Matrix<Double>) throws -> [Double] { [Double](repeating: 0, count: x.rows) }
        }
    }

    @Test func pipelinesRouteNamesCategoriesAndEvaluationSets() throws {
        let data = DataGenerators.regression(samples: 30, features: 4, seed: 6)
        var context = FitContext(featureNames: ["a", "b", "c", "d"],
                                 categoricalFeatures: [CategoricalFeature(column: 0, categories: ["x"]),
                                                       CategoricalFeature(column: 2, categories: ["p", "q"])])
        context.evaluationSet = EvaluationSet(x: data.x.rows(0..<5), y: Array(data.y.prefix(5)))
        let model = try Pipeline {
            DropFirstColumn()
            ContextRecorder()
        }.fit(data.x, data.y, context: context)
        #expect(model.schema.featureNames == ["a", "b", "c", "d"])
        #expect(model.second.schema.featureNames == ["b", "c", "d"])
        #expect(model.second.schema.categoricalFeatures == [CategoricalFeature(column: 1, categories: ["p", "q"])])
        #expect(model.second.evaluationColumns == 3)
        // The same routing in a pipeline built by name.
        try ModelRegistry.shared.register(estimator: DropFirstColumn.self, name: "ToolboxCoreTests.DropFirstColumn", aliases: ["drop_first"])
        try ModelRegistry.shared.register(estimator: ContextRecorder.self, name: "ToolboxCoreTests.ContextRecorder", aliases: ["recorder"])
        let dynamic = try DynamicPipeline(yaml: "steps:\n  - type: drop_first\n  - type: recorder\n").fit(data.x, data.y, context: context)
        let recorded = try #require(dynamic.steps.last?.model as? ContextRecorder.Model)
        #expect(recorded.schema == model.second.schema && recorded.evaluationColumns == 3)
        // Weights nothing uses are refused, as scikit-learn's routing refuses unrequested metadata.
        context.sampleWeights = [Double](repeating: 1, count: data.x.rows)
        #expect(throws: ToolboxError.self) {
            try Pipeline { DropFirstColumn(); ContextRecorder() }.fit(data.x, data.y, context: context)
        }
        #expect(throws: ToolboxError.self) {
            try DynamicPipeline(yaml: "steps:\n  - type: drop_first\n  - type: recorder\n").fit(data.x, data.y, context: context)
        }
    }
}
