import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct SplitsGolden: Decodable {
    var y: [Double]
    var groups: [Int]
    var kfold_5, kfold_3, stratified_4, stratified_3, group_4, timeseries_4: [[[Int]]]
    var timeseries_3_gap_1_test_3, timeseries_3_max_train_6: [[[Int]]]
}

@Suite("Model selection against scikit-learn")
struct ModelSelectionTests {
    let g: SplitsGolden
    init() throws { g = try GoldenFiles().load(SplitsGolden.self, "splits.json") }

    func same(_ splits: [Split], _ expected: [[[Int]]], _ name: String) {
        #expect(splits.map { [$0.train, $0.test] } == expected, "\(name)")
    }

    @Test func deterministicSplittersMatch() throws {
        let n = g.y.count
        same(try KFold(folds: 5).splits(count: n), g.kfold_5, "KFold 5")
        same(try KFold(folds: 3).splits(count: n), g.kfold_3, "KFold 3")
        same(try StratifiedKFold(folds: 4).splits(count: n, y: g.y), g.stratified_4, "StratifiedKFold 4")
        same(try StratifiedKFold(folds: 3).splits(count: n, y: g.y), g.stratified_3, "StratifiedKFold 3")
        same(try GroupKFold(folds: 4).splits(count: n, groups: g.groups), g.group_4, "GroupKFold 4")
        same(try TimeSeriesSplit(splits: 4).splits(count: n), g.timeseries_4, "TimeSeriesSplit 4")
        same(try TimeSeriesSplit(splits: 3, testSize: 3, gap: 1).splits(count: n), g.timeseries_3_gap_1_test_3, "TimeSeriesSplit gap")
        same(try TimeSeriesSplit(splits: 3, maxTrainSize: 6).splits(count: n), g.timeseries_3_max_train_6, "TimeSeriesSplit max train")
    }

    @Test func shuffledSplittersPartitionAndRepeat() throws {
        let n = g.y.count
        for splitter in [KFold(folds: 4, shuffle: true, seed: 3) as any CrossValidator,
                         StratifiedKFold(folds: 4, shuffle: true, seed: 3), RepeatedKFold(folds: 4, repeats: 3, seed: 1),
                         RepeatedStratifiedKFold(folds: 4, repeats: 2, seed: 1)] {
            let splits = try splitter.splits(count: n, y: g.y, groups: nil)
            for split in splits {
                #expect(Set(split.train).isDisjoint(with: split.test))
                #expect(split.train.count + split.test.count == n)
            }
            // Every sample is tested once per repetition.
            let repetitions = splits.count / 4
            #expect(splits.flatMap(\.test).count == n * repetitions)
            let again = try splitter.splits(count: n, y: g.y, groups: nil)
            #expect(again.map(\.test) == splits.map(\.test))
        }
        // Stratified folds keep class shares: each class appears in every test fold.
        for split in try StratifiedKFold(folds: 3, shuffle: true, seed: 9).splits(count: n, y: g.y) {
            #expect(Set(split.test.map { g.y[$0] }) == [0, 1, 2])
        }
    }

    @Test func trainTestSplit() throws {
        let plain = try ModelSelection.trainTestSplit(count: 101, testFraction: 0.25, seed: 4)
        #expect(plain.test.count == 26 && plain.train.count == 75)
        #expect(Set(plain.train + plain.test) == Set(0..<101))
        let labels = (0..<100).map { Double($0 % 4 == 0 ? 1 : 0) }
        let stratified = try ModelSelection.trainTestSplit(count: 100, testFraction: 0.2, stratify: labels, seed: 4)
        #expect(stratified.test.count == 20)
        #expect(stratified.test.filter { labels[$0] == 1 }.count == 5)
        #expect(throws: ToolboxError.self) { try ModelSelection.trainTestSplit(count: 10, testFraction: 1.2) }
        #expect(throws: ToolboxError.self) { try ModelSelection.trainTestSplit(count: 1, testFraction: 0.5) }
    }

    @Test func badSplitterArguments() {
        #expect(throws: ToolboxError.self) { try KFold(folds: 1).splits(count: 10) }
        #expect(throws: ToolboxError.self) { try KFold(folds: 11).splits(count: 10) }
        #expect(throws: ToolboxError.self) { try StratifiedKFold(folds: 3).splits(count: 4, y: nil) }
        #expect(throws: ToolboxError.self) { try StratifiedKFold(folds: 5).splits(count: 4, y: [0, 1, 0, 1]) }
        #expect(throws: ToolboxError.self) { try GroupKFold(folds: 3).splits(count: 4, groups: [1, 1, 2, 2]) }
        #expect(throws: ToolboxError.self) { try TimeSeriesSplit(splits: 10).splits(count: 5) }
    }

    @Test func crossValidationAndLearningCurve() throws {
        let data = DataGenerators.regression(samples: 200, features: 5, noise: 5, seed: 2)
        let estimator = Ridge(alpha: 1)
        let one = try ModelSelection.crossValidate(estimator, x: data.x, y: data.y, cv: KFold(folds: 4),
                                                   scoring: [.r2, .negativeMeanSquaredError], returnTrainScores: true, threads: 1)
        let two = try ModelSelection.crossValidate(estimator, x: data.x, y: data.y, cv: KFold(folds: 4),
                                                   scoring: [.r2, .negativeMeanSquaredError], returnTrainScores: true, threads: 2)
        #expect(one.testScores == two.testScores && one.trainScores == two.trainScores)
        // Each fold's score is the model fitted by hand on that fold.
        let split = try KFold(folds: 4).splits(count: 200)[2]
        let manual = try estimator.fit(try data.x.rows(at: split.train), split.train.map { data.y[$0] })
        let manualR2 = try Metrics.r2(split.test.map { data.y[$0] }, try manual.predict(try data.x.rows(at: split.test)))
        #expect(one.testScores["r2"]?[2] == manualR2)
        #expect((one.testScores["neg_mean_squared_error"] ?? []).allSatisfy { $0 < 0 })

        let curve = try ModelSelection.learningCurve(estimator, x: data.x, y: data.y, cv: KFold(folds: 4), scoring: .r2)
        #expect(curve.sizes == [15, 48, 82, 116, 150])
        #expect(curve.testScores.count == 5 && curve.testScores.allSatisfy { $0.count == 4 })
        #expect(curve.testScores.last!.reduce(0, +) > curve.testScores.first!.reduce(0, +))
        #expect(throws: ToolboxError.self) { try ModelSelection.crossValidate(estimator, x: data.x, y: data.y, scoring: []) }
    }

    /// A fold's fit that refuses a row names the row of the whole data, not of the fold.
    @Test func foldErrorsNameTheDataRow() throws {
        let data = DataGenerators.regression(samples: 200, features: 5, noise: 5, seed: 2)
        var x = data.x
        x[157, 3] = .nan
        do {
            _ = try ModelSelection.crossValidate(Ridge(alpha: 1), x: x, y: data.y, cv: KFold(folds: 4), scoring: [.r2], threads: 1)
            Issue.record("NaN accepted")
        } catch let error as ToolboxError {
            #expect(error.context.row == 157 && error.message.contains("row 157"), "\(error)")
        }
        // Only the exact number changes: "row 4" becomes the data's row, "row 45" is left alone.
        do {
            _ = try ModelSelection.inData([10, 11, 12, 13, 14]) { () throws -> Int in
                throw ToolboxError(.invalidData, "row 45 and row 4 disagree", context: ErrorContext(row: 4))
            }
        } catch let error as ToolboxError {
            #expect(error.message == "row 45 and row 14 disagree" && error.context.row == 14, "\(error)")
        }
    }
}
