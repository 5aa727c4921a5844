import ArgumentParser
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
import SEGYKit
import FeatureKit
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

    /// Runs the built binary, as a user would; a run longer than `timeout` seconds is ended
    /// and reported (status -1), so a hang fails the test instead of stalling it.
    func run(_ arguments: [String], timeout: Double = 60) throws -> (status: Int32, output: String) {
        let binary = try BuiltProducts.executable("dstoolbox")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        if process.terminationReason == .uncaughtSignal {
            return (-1, "terminated by signal \(process.terminationStatus): " + String(decoding: data, as: UTF8.self))
        }
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

/// Hostile files and arguments: every command answers with a clean error (an exit status, never
/// a signal) and destroys nothing.
@Suite("dstoolbox on hostile input")
struct HostileCLITests {
    let cli = CLITests()
    let data = SEGYCLITests.data

    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cli-hostile-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A clean failure: a non-zero exit status and a message, no signal, within the timeout.
    func expectCleanFailure(_ arguments: [String], containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try cli.run(arguments, timeout: 20)
        #expect(result.status > 0, "\(arguments): status \(result.status) \(result.output.prefix(300))", sourceLocation: sourceLocation)
        #expect(!result.output.contains("Fatal error") && !result.output.contains("runtime failure"), "\(arguments)",
                sourceLocation: sourceLocation)
        if let text { #expect(result.output.contains(text), "\(arguments): \(result.output.prefix(300))", sourceLocation: sourceLocation) }
    }

    @Test func hostileFiles() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let small = try Array(Data(contentsOf: URL(fileURLWithPath: "\(data)/small.sgy")))
        var absurd = Array(small.prefix(3_600))
        absurd[3_500] = 2
        absurd[3_501] = 0
        for (k, byte) in withUnsafeBytes(of: Int32.max.bigEndian, { Array($0) }).enumerated() { absurd[3_268 + k] = byte }
        try Data(absurd).write(to: URL(fileURLWithPath: dir + "/absurd.sgy"))
        var unterminated = Array(small.prefix(3_600))
        unterminated[3_504] = 0xFF
        unterminated[3_505] = 0xFF
        try Data(unterminated + [UInt8](repeating: 0x40, count: 20 << 20)).write(to: URL(fileURLWithPath: dir + "/unterminated.sgy"))
        #expect(mkfifo(dir + "/pipe.sgy", 0o644) == 0)
        for command in ["info", "headers", "lint"] {
            try expectCleanFailure(["segy", command, dir + "/absurd.sgy"], containing: "3268")
            try expectCleanFailure(["segy", command, dir + "/unterminated.sgy"], containing: "EndText")
            try expectCleanFailure(["segy", command, dir + "/pipe.sgy"], containing: "FIFO")
            try expectCleanFailure(["segy", command, dir], containing: "directory")
        }
        try expectCleanFailure(["data", "describe", dir + "/pipe.sgy"], containing: "FIFO")
    }

    @Test func hostileArguments() throws {
        let huge = String(Int.max)
        try expectCleanFailure(["segy", "headers", "\(data)/small.sgy", "--first", huge, "--count", huge])
        try expectCleanFailure(["segy", "headers", "\(data)/small.sgy", "--first", "-1"])
        try expectCleanFailure(["segy", "headers", "\(data)/small.sgy", "--count", "-5"])
        try expectCleanFailure(["segy", "headers", "\(data)/small.sgy", "--first", "99999999999999999999999"])
        let tail = try cli.run(["segy", "headers", "\(data)/small.sgy", "--first", "24", "--count", huge])
        #expect(tail.status == 0 && tail.output == "trace,inline,crossline\n24,5,24\n")
        try expectCleanFailure(["data", "generate", "--rows", huge, "-o", "/tmp/never.csv"])
        try expectCleanFailure(["data", "generate", "--rows", "100000000", "--features", "10000", "-o", "/tmp/never.csv"])
    }

    @Test func outputsThatAreNotFilesAreNeverReplaced() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/out.sgy"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target + "/precious.txt"))
        try expectCleanFailure(["segy", "convert", "\(data)/small.sgy", target, "--endian", "little"], containing: "directory")
        try expectCleanFailure(["data", "generate", "--rows", "10", "-o", target], containing: "directory")
        #expect(FileManager.default.contents(atPath: target + "/precious.txt") == Data("keep".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.sgy"])
    }

    @Test func lossyConversionNeedsAllowLossy() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/int.sgy"
        try expectCleanFailure(["segy", "convert", "\(data)/small.sgy", out, "--format", "3"], containing: "lossy")
        #expect(!FileManager.default.fileExists(atPath: out))
        let allowed = try cli.run(["segy", "convert", "\(data)/small.sgy", out, "--format", "3", "--allow-lossy"])
        #expect(allowed.status == 0 && allowed.output.contains("largest sample change 0.2404899597167968"))
        #expect(try SEGYFile(path: out).format == .int16)
    }
}

@Suite("dstoolbox features")
struct FeaturesCLITests {
    @Test func traceFeaturesWithAnEmbedding() throws {
        let cli = CLITests()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("features-\(UInt64.random(in: 0...UInt64.max)).csv").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let survey = "\(SEGYCLITests.data)/small.sgy"
        let result = try cli.run(["features", "traces", survey, "--output", out, "--embedding", "pca:3", "--block", "7"])
        #expect(result.status == 0, "\(result.output)")
        let table = try DataTable(csvFile: out)
        #expect(table.rowCount == 25)
        #expect(Array(table.columnNames.prefix(4)) == ["trace", "inline", "crossline", "mean"])
        #expect(Array(table.columnNames.suffix(3)) == ["pca0", "pca1", "pca2"])
        let file = try SEGYFile(path: survey)
        let computer = try TraceFeatureComputer(count: file.sampleCount, sampleInterval: file.sampleInterval() / 1e6)
        for trace in [0, 6, 24] {
            let expected = try computer.features(file.trace(trace).map(Double.init))
            for (j, name) in TraceFeatureExtractor.featureNames.enumerated() {
                // Written in shortest round-trip form: read back as the same Double.
                #expect(try table.numericColumn(named: name)[trace] == expected[j], "trace \(trace) \(name)")
            }
        }
        #expect(try table.numericColumn(named: "inline") == (try file.headerValues(.inline).map(Double.init)))
        let pca = try PCA(components: .count(3)).fit(try Matrix(rows: 25, columns: file.sampleCount, values: try file.traces().map(Double.init)))
        let scores = try pca.transform(try Matrix(rows: 25, columns: file.sampleCount, values: try file.traces().map(Double.init)))
        #expect(mismatch(try table.numericColumn(named: "pca1"), (0..<25).map { scores[$0, 1] }, relativeTolerance: 1e-9, absoluteTolerance: 1e-9) == nil)
        let bad = try cli.run(["features", "traces", survey, "--output", out, "--embedding", "tsne:3"])
        #expect(bad.status != 0 && bad.output.contains("pca:N"))
    }

    /// A dead or corrupt trace (NaN or infinite samples) is marked with empty features and
    /// embedding, stays out of the embedding's fit, and does not stop the run.
    @Test func nonFiniteTracesAreMarkedNotFatal() throws {
        let cli = CLITests()
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("nan-\(UInt64.random(in: 0...UInt64.max))")
        let (survey, out) = (tmp.path + ".sgy", tmp.path + ".csv")
        defer { for path in [survey, out] { try? FileManager.default.removeItem(atPath: path) } }
        let writer = try SEGYWriter(path: survey, spec: SEGYSpec(sampleCount: 16))
        for trace in 0..<12 {
            var samples = (0..<16).map { Float(sin(Double($0 * (trace + 1)) * 0.3)) }
            if trace == 4 { samples[2] = .nan }
            if trace == 9 { samples[7] = .infinity }
            try writer.append(header: TraceHeader(), samples: samples)
        }
        try writer.close()
        let result = try cli.run(["features", "traces", survey, "--output", out, "--embedding", "pca:2"])
        #expect(result.status == 0, "\(result.output)")
        let table = try DataTable(csvFile: out)
        #expect(table.rowCount == 12)
        for name in ["mean", "median", "spectral_centroid", "pca0", "pca1"] {
            let column = try table.numericColumn(named: name)
            #expect(column[4].isNaN && column[9].isNaN, "\(name)")
            #expect(column.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 9 || $0.element.isFinite }, "\(name)")
        }
        // The embedding is the PCA of the ten finite traces.
        let file = try SEGYFile(path: survey)
        let finite = [0, 1, 2, 3, 5, 6, 7, 8, 10, 11]
        let x = try Matrix(rows: 10, columns: 16, values: try finite.flatMap { try file.trace($0).map(Double.init) })
        let scores = try PCA(components: .count(2)).fit(x).transform(x)
        let pca0 = try table.numericColumn(named: "pca0")
        #expect(mismatch(finite.map { pca0[$0] }, (0..<10).map { scores[$0, 0] },
                         relativeTolerance: 1e-9, absoluteTolerance: 1e-9) == nil)
    }

    @Test func timeSeriesFeaturesMatchPandas() throws {
        let cli = CLITests()
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FeatureKitTests/Golden")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ts-\(UInt64.random(in: 0...UInt64.max)).csv").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try cli.run(["features", "timeseries", golden.appendingPathComponent("timeseries.csv").path, "--time", "date",
                                  "--group", "part", "--value", "cost", "--value", "qty", "--output", out, "--lags", "1,3",
                                  "--windows", "3,5", "--quantiles", "0.5,0.9", "--ewm-spans", "4"])
        #expect(result.status == 0, "\(result.output)")
        let table = try DataTable(csvFile: out)
        let expected = try DataTable(csvFile: golden.appendingPathComponent("timeseries_expected.csv").path)
        for name in ["cost_lag_3", "cost_rolling_q0.9_5", "qty_ewm_mean_4", "cost_expanding_mean", "date_dayofweek"] {
            #expect(mismatch(try table.numericColumn(named: name), try expected.numericColumn(named: name),
                             relativeTolerance: 1e-12, absoluteTolerance: 1e-12) == nil, "\(name)")
        }
        let bad = try cli.run(["features", "timeseries", golden.appendingPathComponent("timeseries.csv").path, "--time", "cost",
                               "--value", "qty", "--output", out, "--lags", "0"])
        #expect(bad.status != 0 && bad.output.contains("--lags"))
        for (flag, value) in [("--lags", "1,,2"), ("--quantiles", "1.5"), ("--ewm-spans", "0.5"), ("--windows", "3,")] {
            let refused = try cli.run(["features", "timeseries", golden.appendingPathComponent("timeseries.csv").path, "--time", "date",
                                       "--value", "qty", "--output", out, flag, value])
            #expect(refused.status != 0 && refused.output.contains(flag), "\(flag) \(value): \(refused.output)")
        }
    }
}
