import Foundation
import Testing
import ToolboxCore
import VectorKit
@testable import dstoolbox

/// The second hostile-input battery: each class answers with a clean typed error or a correct
/// answer, without a signal, in bounded memory.
@Suite("dstoolbox on the second hostile battery")
struct HostileInputWave3Tests {
    let cli = CLITests()
    let hostile = HostileCLITests()

    /// Runs the CLI, failing the test on a signal; returns the status and output.
    func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> (status: Int32, output: String) {
        let result = try cli.run(arguments, timeout: 60)
        #expect(result.status >= 0, "\(arguments): \(result.output.prefix(300))", sourceLocation: sourceLocation)
        #expect(!result.output.contains("Fatal error") && !result.output.contains("crashed"), "\(arguments)", sourceLocation: sourceLocation)
        return result
    }

    func write(_ text: String, _ path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// 100,000 columns in under a megabyte: every command that reads CSV answers.
    @Test func aCSVWithAHundredThousandColumns() throws {
        let dir = try hostile.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let columns = 100_000
        let header = (0..<columns).map { "c\($0)" }.joined(separator: ",")
        let numbers = (0..<3).map { row in (0..<columns).map { String(($0 + row) % 7) }.joined(separator: ",") }
        try write(([header] + numbers).joined(separator: "\n") + "\n", dir + "/wide.csv")
        let texts = (0..<2).map { row in (0..<columns).map { "t\(($0 + row) % 3)" }.joined(separator: ",") }
        try write(([header] + texts).joined(separator: "\n") + "\n", dir + "/wide-text.csv")

        let table = try DataTable(csvFile: dir + "/wide.csv")
        #expect(table.columnCount == columns && table.rowCount == 3)
        #expect(try table.numericColumn(named: "c99999") == [99_999 % 7, 100_000 % 7, 100_001 % 7].map(Double.init))
        let text = try DataTable(csvFile: dir + "/wide-text.csv")
        #expect(try text.categoricalColumn(named: "c99998") == ["t\(99_998 % 3)", "t\(99_999 % 3)"])

        let described = try run(["data", "describe", dir + "/wide.csv", "--json"])
        #expect(described.status == 0 && described.output.contains("\"c99999\""))
        let drift = try run(["drift", dir + "/wide.csv", dir + "/wide.csv", "--json"])
        #expect(drift.status == 0 && drift.output.contains("\"number_of_columns\" : 100000"))
        let trained = try run(["learn", "train", dir + "/wide.csv", "--target", "c0", "--model", "ridge", "-o", dir + "/ridge.dstbx"])
        #expect(trained.status == 0, "\(trained.output.prefix(300))")
        // Boosting on 3 rows: every tree is a leaf, built without 100,000 features' histograms.
        let boosted = try run(["learn", "train", dir + "/wide.csv", "--target", "c0", "--model", "hist_gradient_boosting_regressor", "-o", dir + "/hgb.dstbx"])
        #expect(boosted.status == 0, "\(boosted.output.prefix(300))")
        let predicted = try run(["learn", "predict", dir + "/ridge.dstbx", dir + "/wide.csv"])
        #expect(predicted.status == 0 && predicted.output.split(separator: "\n").count == 4)
        // A missing column is named, and the known ones are listed briefly, not all 100,000.
        let missing = try run(["learn", "train", dir + "/wide.csv", "--target", "nope", "--model", "ridge", "-o", dir + "/x.dstbx"])
        #expect(missing.status == 1 && missing.output.contains("nope") && missing.output.utf8.count < 2_000)
    }

    /// Values near 1e20 or 3e38: their float32 distances would overflow, so they are refused
    /// naming the row; vectors whose distances fit are searched exactly.
    @Test func vectorsWhoseDistancesOverflow() throws {
        let dir = try hostile.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = 8
        var huge = VectorCLITests.vectors(200, d, seed: 4)
        for j in 0..<d { huge[37 * d + j] = 1e20 }
        try NumPyFile.write(huge, dimension: d, to: dir + "/huge.npy")
        for index in ["flat", "ivf"] {
            let built = try run(["vector", "build", dir + "/huge.npy", "--index", index, "--nlist", "4", "-o", dir + "/\(index).dstv"])
            #expect(built.status == 1 && built.output.contains("row 37") && built.output.contains("overflow"), "\(built.output)")
        }
        var edge = VectorCLITests.vectors(200, d, seed: 5)
        edge[3] = 3e38
        #expect(throws: ToolboxError.self) { try FlatIndex(dimension: d).add(edge) }
        #expect(throws: ToolboxError.self) { try KMeans(k: 4, iterations: 5, seed: 1).train(edge, dimension: d) }
        // Large but safe: every vector finds itself first.
        let large = VectorCLITests.vectors(300, d, seed: 6).map { $0 * 1e18 }
        let index = try FlatIndex(dimension: d)
        try index.add(large)
        let results = try index.search(large, k: 1)
        #expect((0..<300).allSatisfy { results.ids[$0] == Int64($0) })
        let ivf = try IVFFlatIndex(dimension: d, lists: 4)
        try ivf.train(large, kmeans: KMeans(k: 4, iterations: 10, seed: 1))
        try ivf.add(large)
        ivf.nprobe = 4
        #expect(try ivf.search(large, k: 1).ids == (0..<300).map(Int64.init))
    }

    /// Zero rows or zero columns are not "no drift".
    @Test func driftOnNothing() throws {
        let dir = try hostile.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("a,b\n", dir + "/header.csv")
        try write("a,b\n1,2\n3,4\n5,6\n", dir + "/rows.csv")
        try write("\n", dir + "/nothing.csv")
        for pair in [["header.csv", "rows.csv"], ["rows.csv", "header.csv"], ["nothing.csv", "nothing.csv"]] {
            let result = try run(["drift", dir + "/" + pair[0], dir + "/" + pair[1], "--fail-on-drift"])
            #expect(result.status == 1 && result.output.contains("invalid_data"), "\(pair): \(result.output)")
        }
        let profile = try run(["drift", "profile", dir + "/header.csv", "-o", dir + "/p.profile"])
        #expect(profile.status == 1 && profile.output.contains("no rows") && !FileManager.default.fileExists(atPath: dir + "/p.profile"))
    }

    /// A file named .npy without NumPy's magic is refused, not read as CSV.
    @Test func npyWithoutMagic() throws {
        let dir = try hostile.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("a,b\n1,2\n3,4\n", dir + "/fake.npy")
        let result = try run(["vector", "build", dir + "/fake.npy", "-o", dir + "/x.dstv"])
        #expect(result.status == 1 && result.output.contains("magic") && result.output.contains("fake.npy"))
        let search = try run(["vector", "search", dir + "/x.dstv", dir + "/fake.npy"])
        #expect(search.status == 1)
    }

    /// A LightGBM model whose tree is a chain of 10,000 splits (20,001 nodes) is explained.
    @Test func explainingAVeryDeepTree() throws {
        let dir = try hostile.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let splits = 10_000
        func line(_ key: String, _ values: [String]) -> String { "\(key)=" + values.joined(separator: " ") }
        let model = [
            "tree", "version=v4", "num_class=1", "num_tree_per_iteration=1", "label_index=0", "max_feature_idx=3",
            "objective=regression", "feature_names=a b c d", "feature_infos=[-1:1] [-1:1] [-1:1] [-1:1]", "tree_sizes=1", "",
            "Tree=0", "num_leaves=\(splits + 1)", "num_cat=0",
            line("split_feature", (0..<splits).map { String($0 % 4) }),
            line("split_gain", Array(repeating: "1", count: splits)),
            line("threshold", (0..<splits).map { String(1.0 - 2.0 * Double($0) / Double(splits)) }),
            line("decision_type", Array(repeating: "2", count: splits)),
            line("left_child", (0..<splits).map { String(-($0 + 1)) }),
            line("right_child", (0..<splits).map { $0 < splits - 1 ? String($0 + 1) : String(-(splits + 1)) }),
            line("leaf_value", (0...splits).map { String(Double($0) / 1000) }),
            line("leaf_weight", Array(repeating: "1", count: splits + 1)),
            line("leaf_count", Array(repeating: "1", count: splits + 1)),
            line("internal_value", Array(repeating: "0", count: splits)),
            line("internal_weight", (0..<splits).map { String(splits + 1 - $0) }),
            line("internal_count", (0..<splits).map { String(splits + 1 - $0) }),
            "is_linear=0", "shrinkage=1", "", "", "end of trees", "",
        ].joined(separator: "\n")
        try write(model, dir + "/chain.txt")
        var generator = SeededGenerator(seed: 9)
        let rows = (0..<20).map { _ in (0..<4).map { _ in String(generator.nextUniform(in: -1, 1)) }.joined(separator: ",") }
        try write((["a,b,c,d"] + rows).joined(separator: "\n") + "\n", dir + "/rows.csv")
        let predicted = try run(["learn", "predict", dir + "/chain.txt", dir + "/rows.csv"])
        let explained = try run(["learn", "explain", dir + "/chain.txt", dir + "/rows.csv", "-o", dir + "/shap.csv"])
        #expect(predicted.status == 0 && explained.status == 0, "\(explained.output.prefix(300))")
        // SHAP values plus the expected value give the prediction (local accuracy).
        let shap = try DataTable(csvFile: dir + "/shap.csv")
        let predictions = predicted.output.split(separator: "\n").dropFirst().compactMap { Double($0.split(separator: ",").last ?? "") }
        #expect(predictions.count == 20)
        for row in 0..<min(20, predictions.count) {
            let total = try ["a", "b", "c", "d", "expected_value"].reduce(0.0) { $0 + (try shap.numericColumn(named: $1))[row] }
            #expect(abs(total - predictions[row]) < 1e-9, "row \(row): \(total) vs \(predictions[row])")
        }
    }

    /// One 10 MB cell: the error comes fast and quotes an excerpt, not the cell.
    @Test func aTenMegabyteCell() throws {
        let dir = try hostile.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cell = String(repeating: "x", count: 10_000_000)
        try write("date,part,cost\n\(cell),a,1\n2020-01-02,a,3\n", dir + "/time.csv")
        let result = try run(["features", "timeseries", dir + "/time.csv", "--time", "date", "--group", "part", "--value", "cost", "-o", dir + "/out.csv"])
        #expect(result.status == 1 && result.output.contains("10000000 bytes") && result.output.utf8.count < 2_000)
        let digits = "2024-03-01T12:30:00." + String(repeating: "9", count: 10_000)
        try write("date,part,cost\n\(digits),a,1\n", dir + "/fraction.csv")
        let fraction = try run(["features", "timeseries", dir + "/fraction.csv", "--time", "date", "--value", "cost", "-o", dir + "/out.csv"])
        #expect(fraction.status == 1 && fraction.output.contains("ISO 8601"))
        try write("a\n1\n\(cell)\n", dir + "/numeric.csv")
        #expect(throws: ToolboxError.self) { try DataTable(csvFile: dir + "/numeric.csv", options: CSVOptions(columnTypes: ["a": .numeric])) }
        do {
            _ = try DataTable(csvFile: dir + "/numeric.csv", options: CSVOptions(columnTypes: ["a": .numeric]))
        } catch let error as ToolboxError {
            #expect(error.message.utf8.count < 200 && error.context.line == 3)
        }
    }

    /// Negative numbers reach validation (not "Missing value"), and data problems are not usage errors.
    @Test func negativeNumbersAndDataProblems() throws {
        let dir = try hostile.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NumPyFile.write(VectorCLITests.vectors(50, 4, seed: 1), dimension: 4, to: dir + "/v.npy")
        _ = try run(["vector", "build", dir + "/v.npy", "-o", dir + "/v.dstv"])
        let k = try run(["vector", "search", dir + "/v.dstv", dir + "/v.npy", "--k", "-5"])
        #expect(k.status == 64 && k.output.contains("--k must be at least 1") && !k.output.contains("Missing value"))
        let rows = try run(["data", "generate", "--rows", "-3", "-o", dir + "/g.csv"])
        #expect(rows.status == 64 && rows.output.contains("--rows must be"))
        try write("id\n1\n2\n", dir + "/ids.csv")
        let noVectors = try run(["vector", "build", dir + "/ids.csv", "--id-column", "id", "-o", dir + "/x.dstv"])
        #expect(noVectors.status == 1 && noVectors.output.contains("no vector columns"))
    }
}
