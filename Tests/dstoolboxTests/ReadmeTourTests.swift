import Foundation
import Testing
import ToolboxTesting

/// The README's shell tour runs as written, line after line (`bash -e`), in an empty folder,
/// with the built `dstoolbox` first on the PATH: every file it uses is one the tour makes.
/// It starts servers on ports 5000 and 8080, so `make test` runs it on its own.
@Suite("README tour")
struct ReadmeTourTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    /// The ```sh block after "From the shell".
    static func tour() throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "From the shell"))
        let open = try #require(text.range(of: "```sh\n", range: start.upperBound..<text.endIndex))
        let close = try #require(text.range(of: "\n```\n", range: open.upperBound..<text.endIndex))
        return String(text[open.upperBound..<close.lowerBound])
    }

    @Test func everyLineRunsAsWritten() throws {
        let script = try Self.tour()
        #expect(script.contains("dstoolbox data generate") && !script.contains("$other\n") && !script.contains("--target label"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("readme-tour-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try script.write(to: folder.appendingPathComponent("tour.sh"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-e", "tour.sh"]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        let binary = URL(fileURLWithPath: try BuiltProducts.executable("dstoolbox")).deletingLastPathComponent().path
        environment["PATH"] = binary + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment.removeValue(forKey: "DSTOOLBOX_STORE")
        process.environment = environment
        let log = folder.appendingPathComponent("tour.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 1_500, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        try handle.close()
        let output = try String(contentsOf: log, encoding: .utf8)
        #expect(process.terminationStatus == 0, "the tour stopped: \(output.suffix(4000))")
        // What the tour's last steps answered: the tracking server knew the experiment, the model server predicted.
        #expect(output.contains("\"experiment\": {") || output.contains("\"experiment\":{"), "\(output.suffix(2000))")
        #expect(output.contains("{\"predictions\": ["), "\(output.suffix(2000))")
        for file in ["survey_labels.csv", "features.csv", "vectors.dstv", "drift.html", "compare.html", "report.html", "runs-copy"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file) made by the tour")
        }
    }
}
