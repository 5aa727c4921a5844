import ArgumentParser
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
import SEGYKit
@testable import dstoolbox

@Suite("dstoolbox CLI")
struct CLITests {
    static let describeInput = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ToolboxCoreTests/Golden/describe_input.csv").path

    @Test func describeTableSnapshot() throws {
        let table = try DataTable(csvFile: Self.describeInput)
        let rendered = DescribeRenderer.table(table.describe(), rows: table.rowCount)
        if let difference = try GoldenFiles().snapshot(rendered + "\n", "describe_table.txt") {
            Issue.record(Comment(rawValue: difference))
        }
    }

    @Test func describeJSONRoundTrips() throws {
        let table = try DataTable(csvFile: Self.describeInput)
        let json = try DescribeRenderer.json(table.describe(), rows: table.rowCount)
        struct Report: Decodable { var rows: Int; var columns: [ColumnSummary] }
        let report = try JSONDecoder().decode(Report.self, from: Data(json.utf8))
        #expect(report.rows == 200)
        #expect(report.columns == table.describe())
    }

    @Test func argumentsAreValidated() throws {
        #expect(throws: (any Error).self) { try DSToolboxCommand.parseAsRoot(["data", "describe"]) }
        #expect(throws: (any Error).self) { try DSToolboxCommand.parseAsRoot(["data", "generate", "-o", "x.csv", "--rows", "0"]) }
        let parsed = try DSToolboxCommand.parseAsRoot(["data", "describe", "f.csv", "--delimiter", ";", "--type", "id=categorical"])
        let describe = try #require(parsed as? DescribeCommand)
        let options = try describe.csv.options()
        #expect(options.delimiter == ";" && options.columnTypes == ["id": .categorical])
        let bad = try DSToolboxCommand.parseAsRoot(["data", "describe", "f.csv", "--type", "id=text"]) as? DescribeCommand
        #expect(throws: (any Error).self) { try bad?.csv.options() }
    }

    /// Runs the built binary, as a user would.
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [".build/debug/dstoolbox", ".build/release/dstoolbox"].map { root.appendingPathComponent($0).path }
        let binary = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "dstoolbox binary not built")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func endToEnd() throws {
        let version = try run(["--version"])
        #expect(version.status == 0 && version.output.trimmingCharacters(in: .whitespacesAndNewlines) == DSToolboxVersion.current)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-cli-\(UInt64.random(in: 0...UInt64.max)).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let generated = try run(["data", "generate", "--kind", "classification", "--rows", "300", "--features", "4", "--seed", "3", "-o", path])
        #expect(generated.status == 0)
        let table = try DataTable(csvFile: path)
        #expect(table.rowCount == 300 && table.columnNames == ["x0", "x1", "x2", "x3", "target"])
        #expect(Set(try table.numericColumn(named: "target")) == [0, 1])
        let described = try run(["data", "describe", path])
        #expect(described.status == 0 && described.output.contains("300 rows, 5 columns"))
        let missing = try run(["data", "describe", path + ".missing"])
        #expect(missing.status != 0 && missing.output.contains("io_error"))
        let help = try run(["--help"])
        #expect(help.output.contains("describe") == false && help.output.contains("data"))
    }
}

@Suite("dstoolbox segy")
struct SEGYCLITests {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TestData/segy").path

    @Test func infoHeadersLintConvert() throws {
        let cli = CLITests()
        let info = try cli.run(["segy", "info", "\(Self.data)/small.sgy"])
        #expect(info.status == 0)
        #expect(info.output.contains("traces       25 x 50 samples"))
        #expect(info.output.contains("inlines      5 (1...5)"))
        let json = try cli.run(["segy", "info", "\(Self.data)/f3.sgy", "--json"])
        #expect(json.output.contains("\"samplesPerTrace\" : 75"))

        let headers = try cli.run(["segy", "headers", "\(Self.data)/small.sgy", "--fields", "189,193,cdpX", "--count", "2"])
        #expect(headers.output == "trace,inline,crossline,cdpX\n0,1,20,0\n1,1,21,0\n")
        let bad = try cli.run(["segy", "headers", "\(Self.data)/small.sgy", "--fields", "190"])
        #expect(bad.status != 0 && bad.output.contains("byte 190"))

        #expect(try cli.run(["segy", "lint", "\(Self.data)/small.sgy"]).status == 0)
        let broken = try cli.run(["segy", "lint", "\(Self.data)/broken.sgy"])
        #expect(broken.status == 1 && broken.output.contains("byte 10768"))

        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UInt64.random(in: 0...UInt64.max)).sgy").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let converted = try cli.run(["segy", "convert", "\(Self.data)/small.sgy", out, "--format", "5", "--endian", "little"])
        #expect(converted.status == 0)
        let file = try SEGYFile(path: out)
        #expect(file.format == .ieeeFloat32 && file.byteOrder == .littleEndian)
        #expect(try file.traces() == SEGYFile(path: "\(Self.data)/small.sgy").traces())
        #expect(try cli.run(["segy", "convert", "\(Self.data)/small.sgy", out, "--format", "13"]).status != 0)
    }
}
