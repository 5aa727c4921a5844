import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct ConstraintGolden: Decodable {
    struct Case: Decodable {
        var prediction: [Double]; var raw: [Double]; var test: [Double]; var test_rows: Int; var monotonic_cst: [Int]?
    }
    struct Train: Decodable { var x: [Double]; var y: [Double]; var labels: [Double]; var classes: [Double]; var rows: Int; var columns: Int }
    var cases: [String: Case]
    var categorical_train: Train
}

@Suite("Histogram gradient boosting: monotonic constraints, categorical splits, Huber, subsampling")
struct BoostingConstraintTests {
    let g: ConstraintGolden
    let data: TreeGolden

    init() throws {
        try LearnKit.registerModels()
        g = try GoldenFiles().load(ConstraintGolden.self, "boosting_constraints.json")
        data = try GoldenFiles().load(TreeGolden.self, "trees.json")
    }

    func check(_ name: String, prediction: [Double], raw: [Double]) throws {
        let expected = try #require(g.cases[name])
        let mismatch = ToolboxTesting.mismatch(prediction, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
        #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        let rawMismatch = ToolboxTesting.mismatch(raw, expected.raw, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
        #expect(rawMismatch == nil, "\(name) raw: \(String(describing: rawMismatch))")
    }

    /// Monotonic constraints grow scikit-learn's trees (its bounds and midpoints), and the
    /// predictions move only the allowed way along each constrained feature.
    @Test func monotonicConstraintsMatchScikitLearn() throws {
        let diabetes = try Matrix(rows: data.diabetes.rows, columns: data.diabetes.columns, values: data.diabetes.x)
        let constraints = try #require(g.cases["diabetes_monotonic"]?.monotonic_cst)
        let regressor = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(40) { $0.monotonicConstraints = .list(constraints) })
            .fit(diabetes, data.diabetes.y)
        try check("diabetes_monotonic", prediction: try regressor.predict(diabetes), raw: try regressor.ensemble.rawPredictions(diabetes))
        // Along a constrained feature, with every other feature fixed, predictions are monotonic.
        for row in [0, 17, 101] {
            for (feature, sign) in constraints.enumerated() where sign != 0 {
                var previous = -Double.infinity * Double(sign)
                for step in 0...40 {
                    var values = Array(diabetes.values[(row * diabetes.columns)..<((row + 1) * diabetes.columns)])
                    values[feature] = -0.12 + 0.006 * Double(step)
                    let value = regressor.predict(row: values)
                    #expect(sign > 0 ? value >= previous : value <= previous, "feature \(feature) row \(row) step \(step)")
                    previous = value
                }
            }
        }
        let breast = try Matrix(rows: data.breast.rows, columns: data.breast.columns, values: data.breast.x)
        let breastConstraints = try #require(g.cases["breast_monotonic"]?.monotonic_cst)
        let classifier = try HistGradientBoostingClassifier(parameters: HistGradientBoostingTests.parameters(30) {
            $0.monotonicConstraints = .list(breastConstraints)
            $0.l2Regularization = 0.5
        }).fit(breast, data.breast.y)
        try check("breast_monotonic", prediction: try classifier.predictProbabilities(breast).values, raw: try classifier.ensemble.rawPredictions(breast))
    }

    /// Categorical features split many-vs-many as scikit-learn's (LightGBM's) algorithm, with
    /// missing values as a category and unseen categories sent where missing values go; the
    /// same through `categorical_features` indices, names, a mask, or the fit context.
    @Test(arguments: ["categorical_regression", "categorical_regression_depth", "categorical_binary", "categorical_multiclass"])
    func categoricalSplitsMatchScikitLearn(_ name: String) throws {
        let train = g.categorical_train
        let x = try Matrix(rows: train.rows, columns: train.columns, values: train.x)
        let expected = try #require(g.cases[name])
        let test = try Matrix(rows: expected.test_rows, columns: train.columns, values: expected.test)
        let selections: [(CategoricalFeatureSelection, FitContext)] = [
            (.indices([0, 2, 3]), FitContext()),
            (.mask([true, false, true, true, false]), FitContext()),
            (.names(["a", "b", "c"]), FitContext(featureNames: ["a", "u", "b", "c", "v"])),
            (.fromDType, FitContext(categoricalFeatures: [0, 2, 3].map { CategoricalFeature(column: $0, categories: []) })),
        ]
        for (selection, context) in selections {
            var parameters: BoostingParameters
            switch name {
            case "categorical_regression": parameters = HistGradientBoostingTests.parameters(50)
            case "categorical_regression_depth":
                parameters = HistGradientBoostingTests.parameters(30) { $0.maxDepth = 3; $0.minSamplesLeaf = 40; $0.l2Regularization = 1 }
            case "categorical_binary": parameters = HistGradientBoostingTests.parameters(40)
            default: parameters = HistGradientBoostingTests.parameters(25)
            }
            parameters.categoricalFeatures = selection
            if name.hasPrefix("categorical_regression") {
                let model = try HistGradientBoostingRegressor(parameters: parameters).fit(x, train.y, context: context)
                try check(name, prediction: try model.predict(test), raw: try model.ensemble.rawPredictions(test))
                // Single rows (the server's path) agree with the batch.
                let batch = try model.predict(test)
                for row in [0, 20, 35, 45, 100] {
                    let values = Array(test.values[(row * test.columns)..<((row + 1) * test.columns)])
                    #expect(abs(model.predict(row: values) - batch[row]) <= 1e-12 * max(1, abs(batch[row])))
                }
                #expect(model.ensemble.trees.joined().contains { $0.categorySet.contains { $0 >= 0 } })
                // Archived and loaded, it predicts the same.
                let loaded = try #require(try ModelArchive.decode(from: try ModelArchive.encode(model)) as? HistGradientBoostingRegressorModel)
                #expect(try loaded.predict(test) == batch)
                // TreeSHAP reads the category sets: values plus the expected value give the raw output.
                let rows = try test.rows(at: Array(0..<50))
                let shap = try model.shapValues(rows)
                let raw = try model.ensemble.rawPredictions(rows)
                for row in 0..<50 {
                    let total = shap.expectedValue[0] + (0..<test.columns).reduce(0) { $0 + shap.values[0][row, $1] }
                    #expect(abs(total - raw[row]) <= 1e-9 * max(1, abs(raw[row])), "row \(row)")
                }
            } else {
                let labels = name == "categorical_binary" ? train.labels : train.classes
                let model = try HistGradientBoostingClassifier(parameters: parameters).fit(x, labels, context: context)
                try check(name, prediction: try model.predictProbabilities(test).values, raw: try model.ensemble.rawPredictions(test))
            }
        }
    }

    /// Typed errors: a categorical feature with a constraint, constraints on a multiclass
    /// model, wrong lengths, unknown names, too many categories.
    @Test func badSettingsAreTypedErrors() throws {
        let train = g.categorical_train
        let x = try Matrix(rows: train.rows, columns: train.columns, values: train.x)
        let cases: [(String, (inout BoostingParameters) -> Void)] = [
            ("categorical with constraint", { $0.categoricalFeatures = .indices([0]); $0.monotonicConstraints = .list([1, 0, 0, 0, 0]) }),
            ("constraint length", { $0.monotonicConstraints = .list([1, 0]) }),
            ("constraint value", { $0.monotonicConstraints = .list([2, 0, 0, 0, 0]) }),
            ("constraint name", { $0.monotonicConstraints = .byName(["nope": 1]) }),
            ("index out of range", { $0.categoricalFeatures = .indices([9]) }),
            ("mask length", { $0.categoricalFeatures = .mask([true]) }),
            ("names without names", { $0.categoricalFeatures = .names(["a"]) }),
            ("too many categories", { $0.categoricalFeatures = .indices([1]) }),
        ]
        for (name, change) in cases {
            #expect(throws: ToolboxError.self, "\(name)") {
                _ = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(2, change)).fit(x, train.y)
            }
        }
        #expect(throws: ToolboxError.self) {
            _ = try HistGradientBoostingClassifier(parameters: HistGradientBoostingTests.parameters(2) { $0.monotonicConstraints = .list([1, 0, 0, 0, 0]) }).fit(x, train.classes)
        }
        // From JSON, as a workflow or the CLI writes them.
        let built = try HistGradientBoostingRegressor(hyperparameters: ["categorical_features": .array([.number(0), .number(2)]),
                                                                        "monotonic_cst": .object(["u": .number(1)]), "subsample": .number(0.5)], path: nil)
        #expect(built.parameters.categoricalFeatures == .indices([0, 2]))
        #expect(built.parameters.monotonicConstraints == .byName(["u": 1]))
        #expect(throws: ToolboxError.self) { _ = try HistGradientBoostingRegressor(hyperparameters: ["categorical_features": .string("all")], path: nil) }
        #expect(throws: ToolboxError.self) { _ = try HistGradientBoostingRegressor(hyperparameters: ["subsample": .number(0)], path: nil) }
        #expect(throws: ToolboxError.self) { _ = try HistGradientBoostingRegressor(hyperparameters: ["loss": .string("huber"), "alpha": .number(1.5)], path: nil) }
    }

    /// The Huber loss shrugs off outliers that pull squared error, and row subsampling gives the
    /// same model on any thread count for a seed, a different one for another seed.
    @Test func huberAndSubsampling() throws {
        var generator = SeededGenerator(seed: 11)
        let n = 3_000
        var values: [Double] = [], y: [Double] = [], clean: [Double] = []
        for i in 0..<n {
            let a = generator.nextNormal(), b = generator.nextNormal()
            values += [a, b]
            let truth = 3 * a + sin(2 * b)
            clean.append(truth)
            y.append(truth + 0.3 * generator.nextNormal() + (i % 20 == 0 ? 60 * (generator.nextUniform() < 0.5 ? -1 : 1) : 0))
        }
        let x = try Matrix(rows: n, columns: 2, values: values)
        func error(_ model: HistGradientBoostingRegressorModel) throws -> Double {
            let p = try model.predict(x)
            return zip(p, clean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(n)
        }
        let squared = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(100)).fit(x, y)
        let huber = try HistGradientBoostingRegressor(loss: .huber, alpha: 0.9, parameters: HistGradientBoostingTests.parameters(100)).fit(x, y)
        let (huberError, squaredError) = (try error(huber), try error(squared))
        #expect(huberError < 0.5 * squaredError, "huber \(huberError) squared \(squaredError)")

        let one = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(40) { $0.subsample = 0.5; $0.threads = 1 }).fit(x, clean)
        let two = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(40) { $0.subsample = 0.5; $0.threads = 2 }).fit(x, clean)
        let other = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(40) { $0.subsample = 0.5; $0.seed = 9 }).fit(x, clean)
        let full = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(40)).fit(x, clean)
        #expect(try one.predict(x) == two.predict(x))
        #expect(try one.predict(x) != other.predict(x))
        let (subsampledError, fullError) = (try error(one), try error(full))
        #expect(subsampledError < 2 * fullError + 0.01, "subsampled \(subsampledError) full \(fullError)")
        #expect(one.ensemble.trees[0][0].count[0] == 1_500)
    }

    /// L1 shrinks every leaf toward zero (LightGBM's `lambda_l1`), a large one leaves only the
    /// baseline; a leaf hessian floor stops splits; hyperparameters archived before these
    /// existed decode with their defaults (and `null` stays `null`).
    @Test func l1MinimumHessianAndOlderHyperparameters() throws {
        let x = try Matrix(rows: data.diabetes.rows, columns: data.diabetes.columns, values: data.diabetes.x)
        let y = data.diabetes.y
        func leafTotal(_ model: HistGradientBoostingRegressorModel) -> Double {
            model.ensemble.trees.joined().reduce(0) { total, tree in total + (0..<tree.nodeCount).filter { tree.feature[$0] < 0 }.reduce(0) { $0 + abs(tree.value[$1]) } }
        }
        let plain = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(20)).fit(x, y)
        let l1 = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(20) { $0.l1Regularization = 200 }).fit(x, y)
        let huge = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(5) { $0.l1Regularization = 1e9 }).fit(x, y)
        #expect(leafTotal(l1) < leafTotal(plain))
        #expect(huge.ensemble.trees.joined().allSatisfy { $0.nodeCount == 1 && $0.value[0] == 0 })
        #expect(try huge.predict(x).allSatisfy { abs($0 - huge.ensemble.baseline[0]) < 1e-12 })
        let floor = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(5) { $0.minHessianLeaf = 1e9 }).fit(x, y)
        #expect(floor.ensemble.trees.joined().allSatisfy { $0.nodeCount == 1 })

        var parameters = HistGradientBoostingTests.parameters(7) { $0.maxLeafNodes = nil; $0.categoricalFeatures = .none }
        let object = try JSONValue(encoding: HistGradientBoostingRegressor(parameters: parameters))
        guard case .object(var fields) = object else { Issue.record("not an object: \(object)"); return }
        for key in ["l1_regularization", "min_sum_hessian_in_leaf", "subsample", "monotonic_cst", "alpha"] {
            #expect(fields.removeValue(forKey: key) != nil, "\(key)")
        }
        let older = JSONValue.object(fields)
        let decoded = try older.decoded(as: HistGradientBoostingRegressor.self)
        parameters.l1Regularization = 0
        #expect(decoded.parameters == parameters)
        #expect(decoded.parameters.maxLeafNodes == nil && decoded.parameters.categoricalFeatures == .none && decoded.alpha == 0.9)
    }
}
