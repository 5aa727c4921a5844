import DSToolbox
import Foundation
import Testing
import ToolboxTesting

/// What a newcomer tried first: common hyperparameters without a parameter struct, tables
/// changed without mutation and split by class, matrices into vector indexes.
@Suite("What a newcomer reaches for")
struct NewcomerTests {
    @Test func commonHyperparametersAsArguments() throws {
        let boosting = HistGradientBoostingClassifier(maxIterations: 300, learningRate: 0.05, seed: 7)
        #expect(boosting.parameters.maxIterations == 300 && boosting.parameters.learningRate == 0.05 && boosting.parameters.seed == 7)
        #expect(boosting.parameters.maxLeafNodes == 31 && boosting.parameters.minSamplesLeaf == 20)
        #expect(HistGradientBoostingClassifier(classWeight: .balanced).classWeight == .balanced)
        let regressor = HistGradientBoostingRegressor(maxIterations: 50, maxDepth: 4)
        #expect(regressor.parameters.maxIterations == 50 && regressor.parameters.maxDepth == 4 && regressor.loss == .squaredError)
        let forest = RandomForestClassifier(treeCount: 300, maxDepth: 8, seed: 2)
        #expect(forest.parameters.treeCount == 300 && forest.parameters.tree.maxDepth == 8 && forest.parameters.tree.maxFeatures == .sqrt)
        #expect(forest == (try RandomForestClassifier(hyperparameters: ["n_estimators": .number(300), "max_depth": .number(8), "random_state": .number(2)])))
        let regression = RandomForestRegressor(treeCount: 20, minSamplesLeaf: 3)
        #expect(regression.parameters.tree.maxFeatures == .all && regression.parameters.tree.minSamplesLeaf == 3)
        // The defaults are scikit-learn's: the same estimators as built by name with nothing set.
        #expect(HistGradientBoostingClassifier(maxIterations: 100) == HistGradientBoostingClassifier())
        #expect(RandomForestRegressor(treeCount: 100) == RandomForestRegressor())
    }

    @Test func tablesGrowWithoutMutationAndSplitByClass() throws {
        let labels: [String?] = (0..<100).map { $0 % 10 == 0 ? "rare" : "common" }
        let table = try DataTable([("x", .numeric((0..<100).map(Double.init))), ("label", .categorical(labels))])
        let wider = try table.adding("x2", .numeric((0..<100).map { Double($0 * $0) }))
        #expect(wider.columnNames == ["x", "label", "x2"] && table.columnNames == ["x", "label"])
        #expect(throws: ToolboxError.self) { try table.adding("short", .numeric([1, 2])) }
        let (train, test) = try table.split(testFraction: 0.2, stratifyBy: "label", seed: 3)
        #expect(train.rowCount == 80 && test.rowCount == 20)
        #expect(try test.categoricalColumn(named: "label").filter { $0 == "rare" }.count == 2)
        #expect(try train.categoricalColumn(named: "label").filter { $0 == "rare" }.count == 8)
        #expect(throws: ToolboxError.self) { try table.split(testFraction: 0.2, stratifyBy: "nope", seed: 3) }
    }

    @Test func vectorIndexesTakeMatrices() throws {
        var generator = SeededGenerator(seed: 5)
        let matrix = try Matrix<Float>(rows: 50, columns: 4, values: (0..<200).map { _ in Float(generator.nextNormal()) })
        let index = try FlatIndex(dimension: 4)
        try index.add(matrix)
        let results = try index.search(matrix, k: 1)
        #expect(results.ids == (0..<50).map(Int64.init))
        let wrong = try Matrix<Float>(rows: 2, columns: 3, values: [Float](repeating: 0, count: 6))
        #expect(throws: ToolboxError.self) { try index.search(wrong, k: 1) }
    }
}
