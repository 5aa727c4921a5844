import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct ExplainGolden: Decodable {
    struct Explained: Decodable { var values: [Double]; var interactions: [Double]; var expected: [Double] }
    struct ExportedTree: Decodable {
        var left: [Int32]; var right: [Int32]; var feature: [Int32]; var threshold: [Double]; var missing_left: [Bool]
        var impurity: [Double]; var samples: [Int32]; var weighted: [Double]; var values: [Double]; var outputs: Int
    }
    struct Trees: Decodable {
        var dataset: String; var trees: [ExportedTree]; var classes: [Double]
        var values: [Double]; var interactions: [Double]; var expected: [Double]
    }
    struct Dependence: Decodable { var features: [Int]; var method: String; var grid: [[Double]]; var average: [Double]; var outputs: Int }
    var boosting: [String: Explained]
    var trees: [String: Trees]
    var partial_dependence: [String: Dependence]
    struct Permutation: Decodable { var repeats: Int; var seed: UInt64; var importances: [Double]; var mean: [Double]; var std: [Double] }
    var permutation: [String: Permutation]
}

@Suite("Explainability against shap and scikit-learn")
struct ExplainTests {
    let g: ExplainGolden
    let data: TreeGolden
    static let rows = 12

    init() throws {
        try LearnKit.registerModels()
        g = try GoldenFiles().load(ExplainGolden.self, "explain.json")
        data = try GoldenFiles().load(TreeGolden.self, "trees.json")
    }

    func dataset(_ name: String) throws -> (x: Matrix<Double>, y: [Double]) {
        let d = name == "wine" ? data.wine : name == "breast" ? data.breast : data.diabetes
        return (try Matrix(rows: d.rows, columns: d.columns, values: d.x), d.y)
    }

    static func boosting(_ iterations: Int) -> BoostingParameters {
        var p = BoostingParameters()
        p.maxIterations = iterations
        p.earlyStopping = .off
        return p
    }

    func fitted(_ name: String) throws -> (any TreeExplainable, Matrix<Double>) {
        switch name {
        case "diabetes_squared":
            let (x, y) = try dataset("diabetes")
            return (try HistGradientBoostingRegressor(parameters: Self.boosting(50)).fit(x, y), x)
        case "wine_multiclass":
            let (x, y) = try dataset("wine")
            return (try HistGradientBoostingClassifier(parameters: Self.boosting(30)).fit(x, y), x)
        default:
            let entry = try #require(g.trees[name])
            let (x, _) = try dataset(entry.dataset)
            let trees = entry.trees.map { t in
                Tree(left: t.left, right: t.right, feature: t.feature, threshold: t.threshold, missingGoesLeft: t.missing_left,
                     impurity: t.impurity, sampleCount: t.samples, weightedSampleCount: t.weighted, values: t.values, outputs: t.outputs)
            }
            let schema = ModelSchema()
            switch name {
            case "tree_wine":
                return (DecisionTreeClassifierModel(hyperparameters: DecisionTreeClassifier(), classes: entry.classes, tree: trees[0],
                                                    inputFeatureCount: x.columns, schema: schema), x)
            case "tree_diabetes":
                return (DecisionTreeRegressorModel(hyperparameters: DecisionTreeRegressor(), tree: trees[0], inputFeatureCount: x.columns, schema: schema), x)
            case "forest_breast":
                return (ForestClassifierModel(hyperparameters: RandomForestClassifier(), classes: entry.classes, trees: trees, inputFeatureCount: x.columns,
                                              oobScore: nil, schema: schema), x)
            default:
                return (ForestRegressorModel(hyperparameters: RandomForestRegressor(), trees: trees, inputFeatureCount: x.columns, oobScore: nil, schema: schema), x)
            }
        }
    }

    /// SHAP values and interaction values equal shap's to 1e-6, for boosting (LearnKit's own
    /// fits, which grow scikit-learn's trees) and for scikit-learn's own trees and forests.
    @Test(arguments: ["diabetes_squared", "wine_multiclass", "tree_wine", "tree_diabetes", "forest_breast", "forest_diabetes"])
    func valuesAndInteractionsEqualShap(_ name: String) throws {
        let (model, x) = try fitted(name)
        let expected: (values: [Double], interactions: [Double], expected: [Double])
        if let b = g.boosting[name] { expected = (b.values, b.interactions, b.expected) } else {
            let t = try #require(g.trees[name])
            expected = (t.values, t.interactions, t.expected)
        }
        let rows = try x.rows(at: Array(0..<Self.rows))
        let shap = try model.shapValues(rows, threads: nil)
        let mismatch = ToolboxTesting.mismatch(shap.values.flatMap(\.values), expected.values, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
        #expect(mismatch == nil, "\(name) values: \(String(describing: mismatch))")
        #expect(ToolboxTesting.mismatch(shap.expectedValue, expected.expected, relativeTolerance: 1e-9, absoluteTolerance: 1e-12) == nil, "\(name)")
        let interactions = try model.shapInteractionValues(rows, threads: 2)
        let interactionMismatch = ToolboxTesting.mismatch(interactions.values.flatMap(\.values), expected.interactions,
                                                          relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
        #expect(interactionMismatch == nil, "\(name) interactions: \(String(describing: interactionMismatch))")
        // Each row's interactions sum, by row of the matrix, to its SHAP values; the matrix is symmetric.
        let p = x.columns
        for output in shap.values.indices {
            for row in 0..<Self.rows {
                for i in 0..<p {
                    let sum = (0..<p).reduce(0) { $0 + interactions.value(output: output, row: row, i, $1) }
                    #expect(abs(sum - shap.values[output][row, i]) <= 1e-9 * max(1, abs(sum)), "\(name) row \(row) feature \(i)")
                    for j in 0..<i {
                        #expect(abs(interactions.value(output: output, row: row, i, j) - interactions.value(output: output, row: row, j, i)) <= 1e-12 * max(1, abs(interactions.value(output: output, row: row, i, j))))
                    }
                }
            }
        }
    }

    /// Partial dependence equals scikit-learn's `partial_dependence`, brute and recursion, one
    /// and two features, regression, binary and multiclass.
    @Test(arguments: ["boosting_diabetes_brute", "boosting_diabetes_recursion", "boosting_diabetes_pair", "boosting_breast_brute",
                      "boosting_breast_recursion", "boosting_wine_brute", "boosting_diabetes_sex"])
    func partialDependenceEqualsScikitLearn(_ name: String) throws {
        let expected = try #require(g.partial_dependence[name])
        let model: any FittedModel, x: Matrix<Double>
        if name.contains("diabetes") {
            let (dx, dy) = try dataset("diabetes")
            (model, x) = (try HistGradientBoostingRegressor(parameters: Self.boosting(50)).fit(dx, dy), dx)
        } else if name.contains("breast") {
            let (bx, by) = try dataset("breast")
            (model, x) = (try HistGradientBoostingClassifier(parameters: Self.boosting(50)).fit(bx, by), bx)
        } else {
            let (wx, wy) = try dataset("wine")
            (model, x) = (try HistGradientBoostingClassifier(parameters: Self.boosting(30)).fit(wx, wy), wx)
        }
        let method = try #require(PartialDependence.Method(rawValue: expected.method))
        let result = try PartialDependence.compute(model, x: x, features: expected.features, method: method)
        #expect(result.method == method)
        for (axis, want) in zip(result.grid, expected.grid) {
            #expect(ToolboxTesting.mismatch(axis, want, relativeTolerance: 1e-12, absoluteTolerance: 1e-14) == nil, "\(name) grid")
        }
        #expect(result.average.count == expected.outputs)
        let mismatch = ToolboxTesting.mismatch(result.average.flatMap { $0 }, expected.average, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
        #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
    }

    /// `auto` picks recursion for boosting and tree regressors, brute for the rest; bad requests are typed errors.
    /// Permutation importance with a fixed seed shuffles as scikit-learn's
    /// `permutation_importance(random_state=...)` does: the same importances, means and
    /// standard deviations, on any number of threads.
    @Test func permutationImportanceEqualsScikitLearn() throws {
        let diabetes = try HistGradientBoostingRegressor(parameters: HistGradientBoostingTests.parameters(20))
            .fit(try Matrix(rows: data.diabetes.rows, columns: data.diabetes.columns, values: data.diabetes.x), data.diabetes.y)
        let breast = try HistGradientBoostingClassifier(parameters: HistGradientBoostingTests.parameters(20))
            .fit(try Matrix(rows: data.breast.rows, columns: data.breast.columns, values: data.breast.x), data.breast.y)
        for (name, model, set, scorer) in [("diabetes_r2", diabetes as any FittedModel, data.diabetes, Scorer.r2),
                                           ("breast_accuracy", breast as any FittedModel, data.breast, Scorer.accuracy)] {
            let expected = try #require(g.permutation[name])
            let x = try Matrix(rows: set.rows, columns: set.columns, values: set.x)
            for threads in [1, 2] {
                let result = try PermutationImportance.compute(model, x: x, y: set.y, scorer: scorer, repeats: expected.repeats, seed: expected.seed, threads: threads)
                for (label, ours, theirs) in [("importances", result.importances.flatMap { $0 }, expected.importances),
                                              ("mean", result.importancesMean, expected.mean), ("std", result.importancesStandardDeviation, expected.std)] {
                    let mismatch = ToolboxTesting.mismatch(ours, theirs, relativeTolerance: 1e-9, absoluteTolerance: 1e-12)
                    #expect(mismatch == nil, "\(name) \(label): \(String(describing: mismatch))")
                }
            }
        }
    }

    @Test func methodsAndBadRequests() throws {
        let (x, y) = try dataset("diabetes")
        let boosted = try HistGradientBoostingRegressor(parameters: Self.boosting(5)).fit(x, y)
        #expect(try PartialDependence.compute(boosted, x: x, features: [0], gridResolution: 5).method == .recursion)
        let linear = try LinearRegression().fit(x, y)
        #expect(try PartialDependence.compute(linear, x: x, features: [0], gridResolution: 5).method == .brute)
        #expect(throws: ToolboxError.self) { try PartialDependence.compute(linear, x: x, features: [0], method: .recursion) }
        #expect(throws: ToolboxError.self) { try PartialDependence.compute(boosted, x: x, features: []) }
        #expect(throws: ToolboxError.self) { try PartialDependence.compute(boosted, x: x, features: [0, 1, 2]) }
        #expect(throws: ToolboxError.self) { try PartialDependence.compute(boosted, x: x, features: [10]) }
        #expect(throws: ToolboxError.self) { try PartialDependence.compute(boosted, x: x, features: [0], gridResolution: 1) }
        #expect(throws: ToolboxError.self) { try PartialDependence.compute(boosted, x: x, features: [0], percentiles: (0.9, 0.1)) }
        #expect(throws: ToolboxError.self) { try boosted.shapInteractionValues(try Matrix(rows: 1, columns: 3, values: [1, 2, 3]), threads: nil) }
        // Interaction values grow with features²: too many are refused before allocation, overflow included.
        #expect(try TreeSHAP.interactionValueCount(rows: 1_000, features: 50, outputs: 3) == 7_500_000)
        #expect(throws: ToolboxError.self) { try TreeSHAP.interactionValueCount(rows: 200_000, features: 50, outputs: 1) }
        #expect(throws: ToolboxError.self) { try TreeSHAP.interactionValueCount(rows: Int.max / 2, features: 1 << 20, outputs: 1 << 20) }
    }
}
