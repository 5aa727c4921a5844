import Foundation
import Testing
import ToolboxCore
import VectorKit
@testable import dstoolbox

@Suite("dstoolbox vector")
struct VectorCLITests {
    static func directory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-vector-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func vectors(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<(n * d)).map { _ in Float(generator.nextNormal()) }
    }

    @Test func buildSearchInfoImportExport() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (d, n) = (12, 2_000)
        let base = Self.vectors(n, d, seed: 1), queries = Self.vectors(4, d, seed: 2)
        let vectors = directory.appendingPathComponent("base.npy").path, queryFile = directory.appendingPathComponent("queries.npy").path
        try NumPyFile.write(base, dimension: d, to: vectors)
        try NumPyFile.write(queries, dimension: d, to: queryFile)
        let flat = try FlatIndex(dimension: d, metric: .cosine)
        try flat.add(base)
        let expected = try flat.search(queries, k: 5)
        let index = directory.appendingPathComponent("index.dstv").path
        let built = try CLITests().run(["vector", "build", vectors, "--index", "flat", "--metric", "cosine", "--output", index])
        #expect(built.status == 0, "\(built.output)")
        let searched = try CLITests().run(["vector", "search", index, queryFile, "--k", "5", "--json"])
        #expect(searched.status == 0, "\(searched.output)")
        struct Output: Decodable { var k: Int; var ids: [[Int64]]; var distances: [[Double]] }
        let output = try JSONDecoder().decode(Output.self, from: Data(searched.output.utf8))
        #expect(output.ids.flatMap { $0 } == expected.ids && output.distances.flatMap { $0 } == expected.scores.map(Double.init))
        // IVF from a CSV with an id column; info; FAISS round trip.
        let csv = directory.appendingPathComponent("base.csv").path
        var columns: [(name: String, column: DataTable.Column)] = [("id", .numeric((0..<n).map { Double($0 * 10) }))]
        for j in 0..<d { columns.append(("v\(j)", .numeric((0..<n).map { Double(base[$0 * d + j]) }))) }
        try DataTable(columns).writeCSV(to: csv)
        let ivf = directory.appendingPathComponent("ivf.dstv").path
        let ivfBuilt = try CLITests().run(["vector", "build", csv, "--id-column", "id", "--index", "ivf", "--nlist", "16", "--nprobe", "16", "--output", ivf])
        #expect(ivfBuilt.status == 0, "\(ivfBuilt.output)")
        let info = try CLITests().run(["vector", "info", ivf])
        #expect(info.status == 0 && info.output.contains("kind: ivf-flat") && info.output.contains("nlist: 16") && info.output.contains("vectors: 2000"))
        let text = try CLITests().run(["vector", "search", ivf, queryFile, "--k", "3"])
        #expect(text.status == 0 && text.output.hasPrefix("query,rank,id,distance"))
        let l2 = try FlatIndex(dimension: d)
        try l2.add(base, ids: (0..<n).map { Int64($0 * 10) })
        let firstLine = text.output.split(separator: "\n")[1].split(separator: ",")
        #expect(Int64(firstLine[2]) == (try l2.search(Array(queries.prefix(d)), k: 1)).ids[0])
        let faiss = directory.appendingPathComponent("ivf.faiss").path
        #expect(try CLITests().run(["vector", "export", ivf, "--faiss", faiss]).status == 0)
        let imported = directory.appendingPathComponent("back.dstv").path
        #expect(try CLITests().run(["vector", "import", faiss, "--output", imported]).status == 0)
        let again = try CLITests().run(["vector", "search", imported, queryFile, "--k", "3"])
        #expect(again.output == text.output)
        // Bad input: typed errors.
        let wrongWidth = directory.appendingPathComponent("wide.npy").path
        try NumPyFile.write(Self.vectors(2, d + 1, seed: 3), dimension: d + 1, to: wrongWidth)
        for arguments in [["vector", "search", index, wrongWidth], ["vector", "search", index, queryFile, "--k", "5000"],
                          ["vector", "build", vectors, "--index", "hnsw", "-o", index], ["vector", "info", vectors],
                          ["vector", "build", vectors + ".missing", "-o", index], ["vector", "search", directory.path, queryFile]] {
            let failed = try CLITests().run(arguments)
            #expect(failed.status != 0 && failed.status != -1 && failed.output.contains("rror"), "\(arguments): \(failed.output)")
        }
    }

    /// `--columns` picks the CSV columns that make the vectors; too few training vectors for
    /// the lists get FAISS's warning.
    @Test func buildFromChosenCSVColumns() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("rows.csv").path
        var lines = ["id,a,label,b"]
        for i in 0..<200 { lines.append("\(1000 + i),\(Double(i) * 0.5),\(i % 2 == 0 ? "even" : "odd"),\(Double(i % 7))") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: csv))
        let index = directory.appendingPathComponent("index.dstv").path
        let built = try CLITests().run(["vector", "build", csv, "--id-column", "id", "--columns", "b,a", "--index", "ivf", "--nlist", "16", "-o", index])
        #expect(built.status == 0 && built.output.contains("dimension 2"), "\(built.output)")
        #expect(built.output.contains("warning: training 16 lists from 200 vectors; give at least 624"))
        let loaded = try VectorIndexFile.load(from: index).index
        #expect(loaded.dimension == 2 && loaded.count == 200)
        let missing = try CLITests().run(["vector", "build", csv, "--columns", "a,nope", "-o", index])
        #expect(missing.status == 1 && missing.output.contains("no column nope"))
        let text = try CLITests().run(["vector", "build", csv, "-o", index])
        #expect(text.status == 1 && text.output.contains("label"))
    }
}
