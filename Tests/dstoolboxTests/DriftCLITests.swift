import DriftKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import dstoolbox

@Suite("dstoolbox drift")
struct DriftCLITests {
    /// Writes a reference and a current CSV: `shifted` moves, `steady` does not, `kind` gains
    /// a category, `score` is the prediction.
    static func files() throws -> (directory: URL, reference: String, current: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-drift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func table(_ rows: Int, shift: Double, seed: UInt64, kinds: [String]) throws -> DataTable {
            var generator = SeededGenerator(seed: seed)
            let shifted = (0..<rows).map { _ in generator.nextNormal() + shift }
            let steady = (0..<rows).map { _ in generator.nextNormal() }
            let kind = (0..<rows).map { _ in kinds[generator.nextInt(below: kinds.count)] } as [String?]
            let score = (0..<rows).map { _ in generator.nextUniform() * (1 + shift) }
            return try DataTable([("shifted", .numeric(shifted)), ("steady", .numeric(steady)), ("kind", .categorical(kind)), ("score", .numeric(score))])
        }
        let reference = directory.appendingPathComponent("reference.csv").path, current = directory.appendingPathComponent("current.csv").path
        try table(700, shift: 0, seed: 1, kinds: ["a", "b", "c"]).writeCSV(to: reference)
        try table(500, shift: 0.6, seed: 2, kinds: ["a", "b", "c", "d"]).writeCSV(to: current)
        return (directory, reference, current)
    }

    @Test func jsonHasPerColumnTestsAndTheDatasetVerdict() throws {
        let (directory, reference, current) = try Self.files()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CLITests().run(["drift", reference, current, "--json", "--prediction", "score"])
        #expect(result.status == 0, "\(result.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let columns = try #require(json["columns"] as? [String: [String: Any]])
        #expect(Set(columns.keys) == ["shifted", "steady", "kind", "score"])
        for (name, column) in columns {
            #expect(column["test"] is String && column["threshold"] is Double && column["drifted"] is Bool && column["statistic"] != nil, "\(name)")
        }
        #expect(columns["shifted"]?["test"] as? String == "ks" && columns["shifted"]?["drifted"] as? Bool == true && columns["shifted"]?["p_value"] != nil)
        #expect(columns["steady"]?["drifted"] as? Bool == false && columns["kind"]?["test"] as? String == "chi2")
        #expect(json["dataset_drift"] as? Bool == true && json["prediction_drift"] as? String == "score")
        // The statistic is the library's, to the last bit (the shortest form reads back the same).
        let ks = try KolmogorovSmirnovCheck.statistic(reference, current, column: "shifted")
        #expect(result.output.contains("\"statistic\" : \(ks)"))
    }

    @Test func stattestsThresholdsProfilesAndHTML() throws {
        let (directory, reference, current) = try Self.files()
        defer { try? FileManager.default.removeItem(at: directory) }
        let chosen = try CLITests().run(["drift", reference, current, "--json", "--stattest", "numeric=psi,categorical=jensenshannon",
                                         "--stattest", "steady=wasserstein", "--threshold", "shifted=10"])
        #expect(chosen.status == 0, "\(chosen.output)")
        let columns = try #require((try JSONSerialization.jsonObject(with: Data(chosen.output.utf8)) as? [String: Any])?["columns"] as? [String: [String: Any]])
        #expect(columns["shifted"]?["test"] as? String == "psi" && columns["shifted"]?["threshold"] as? Double == 10 && columns["shifted"]?["drifted"] as? Bool == false)
        #expect(columns["steady"]?["test"] as? String == "wasserstein" && columns["kind"]?["test"] as? String == "jensenshannon")
        #expect(columns["shifted"]?["p_value"] == nil)
        // A profile stands in for the reference CSV.
        let profile = directory.appendingPathComponent("reference.profile").path
        let written = try CLITests().run(["drift", "profile", reference, "--output", profile])
        #expect(written.status == 0, "\(written.output)")
        let html = directory.appendingPathComponent("report.html").path
        let fromProfile = try CLITests().run(["drift", profile, current, "--html", html, "--fail-on-drift"])
        #expect(fromProfile.status == 1 && fromProfile.output.contains("dataset drift: yes"), "\(fromProfile.output)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg") && !page.contains("<script") && page.contains("Dataset drift detected"))
        // A profile of some columns compares only those.
        let some = directory.appendingPathComponent("some.profile").path
        #expect(try CLITests().run(["drift", "profile", reference, "--output", some, "--columns", "steady, kind"]).status == 0)
        let partial = try CLITests().run(["drift", some, current, "--json"])
        let compared = try #require((try JSONSerialization.jsonObject(with: Data(partial.output.utf8)) as? [String: Any])?["columns"] as? [String: Any])
        #expect(partial.status == 0 && Set(compared.keys) == ["steady", "kind"], "\(partial.output)")
        let unknown = try CLITests().run(["drift", "profile", reference, "--output", some + ".x", "--columns", "steady,nosuch"])
        #expect(unknown.status == 1 && unknown.output.contains("nosuch") && !FileManager.default.fileExists(atPath: some + ".x"), "\(unknown.output)")
        // Bad input: typed errors, not crashes.
        for arguments in [["drift", reference, current, "--stattest", "shifted=median"], ["drift", reference, current, "--stattest", "kind=ks"],
                          ["drift", reference, current, "--stattest", "nosuch=ks"], ["drift", reference, current, "--threshold", "shifted=-1"],
                          ["drift", reference, current + ".missing"], ["drift", directory.path, current], ["drift", reference, current, "--bins", "fixed:0"]] {
            let failed = try CLITests().run(arguments)
            #expect(failed.status != 0 && failed.status != -1 && failed.output.contains("rror"), "\(arguments): \(failed.output)")
        }
    }
}

extension DriftCLITests {
    /// The HTML report in a real browser: headless Chromium parses it into the same page (one
    /// chart per column, the verdict, no script) and renders a screenshot of it.
    @Test func htmlRendersInAHeadlessBrowser() throws {
        let (directory, reference, current) = try Self.files()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("report.html").path
        let written = try CLITests().run(["drift", reference, current, "--html", html])
        #expect(written.status == 0, "\(written.output)")
        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "no headless browser: Scripts/bootstrap installs chromium")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(directory.path)/profile"]
        let dom = try Self.execute(browser, flags + ["--dump-dom", "file://\(html)"])
        #expect(dom.status == 0)
        #expect(dom.output.components(separatedBy: "<svg").count - 1 == 4, "charts in the parsed page")
        #expect(dom.output.contains("Dataset drift detected") && !dom.output.contains("<script") && dom.output.contains("</html>"))
        let png = directory.appendingPathComponent("report.png").path
        let shot = try Self.execute(browser, flags + ["--screenshot=\(png)", "--window-size=1200,1600", "file://\(html)"])
        #expect(shot.status == 0)
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(image.count > 10_000 && image.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "a rendered PNG")
    }

    /// Runs a program with a 120 s watchdog; standard output only.
    static func execute(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

enum KolmogorovSmirnovCheck {
    static func statistic(_ reference: String, _ current: String, column: String) throws -> Double {
        try KolmogorovSmirnov.test(try DataTable(csvFile: reference).numericColumn(named: column), try DataTable(csvFile: current).numericColumn(named: column)).statistic
    }
}
