import Foundation
import Testing
import ToolboxTesting

/// Every example in Examples/ runs end to end on small generated data, and its outcome is
/// checked from the JSON summary it prints last.
@Suite("Examples")
struct ExamplesTests {
    /// Runs an example's executable (built with the tests) and returns its last line as JSON.
    static func run(_ name: String, _ arguments: [String], timeout: Double = 900) throws -> (summary: [String: Any], output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltProducts.executable(name))
        process.arguments = arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("example-\(name)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        try handle.close()
        let output = try String(contentsOf: log, encoding: .utf8)
        #expect(process.terminationStatus == 0, "\(name) failed: \(output.suffix(3000))")
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        let summary = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        return (try #require(summary, "\(name) printed no JSON summary: \(output.suffix(3000))"), output)
    }

    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("examples-\(UUID().uuidString)").path
    }

    @Test func seismicClassification() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (summary, output) = try Self.run("SeismicClassification", ["--folder", folder, "--traces", "600", "--trials", "2"])
        // The facies follow the traces' character: boosting on 42 features + 32 PCA components separates them.
        #expect((summary["holdout_accuracy"] as? Double ?? 0) > 0.8, "\(output.suffix(2000))")
        #expect(summary["registered_version"] as? Int == 1)
        #expect(summary["dataset_drift"] as? Bool == true, "the shifted survey drifts")
        #expect(summary["served_prediction"] as? String == summary["local_prediction"] as? String && summary["served_prediction"] as? String != nil)
        #expect(FileManager.default.fileExists(atPath: folder + "/report.html"))
    }

    @Test func shouldCost() throws {
        let (summary, output) = try Self.run("ShouldCost", ["--months", "48", "--parts", "10"])
        #expect(summary["lookahead_check"] as? Bool == true, "\(output)")
        let folds = summary["cv_r2"] as? [Double] ?? []
        #expect(folds.count == 4 && folds.allSatisfy { $0 > 0.7 }, "\(folds)")
        #expect((summary["holdout_r2"] as? Double ?? 0) > 0.8 && (summary["holdout_mape"] as? Double ?? 1) < 0.1, "\(output)")
        #expect((summary["top_features"] as? [String])?.first == "unit_cost_lag_1", "last month's cost leads")
    }

    @Test func semanticSearch() throws {
        let (summary, output) = try Self.run("SemanticSearch", ["--documents", "300", "--k", "3"])
        #expect((summary["top_sources"] as? [String])?.first == "maintenance-note-17", "the planted document first: \(output)")
        #expect((summary["top_sources"] as? [String])?.count ?? 0 >= 2)
        let other = try Self.run("SemanticSearch", ["--documents", "300", "--k", "3", "--query", "gasket shrinks below minus twenty degrees"])
        #expect((other.summary["top_sources"] as? [String])?.first == "maintenance-note-17")
    }

    @Test func customEstimator() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (summary, output) = try Self.run("CustomEstimator", ["--folder", folder])
        #expect(summary["check_estimator"] as? String == "passed")
        #expect((summary["holdout_accuracy"] as? Double ?? 0) > 0.7 && summary["registered_version"] as? Int == 1, "\(output)")
        let served = summary["served"] as? [String] ?? []
        #expect(served.count == 5 && served == summary["local"] as? [String], "the custom estimator served")
        #expect(Set((summary["best_params"] as? [String: String] ?? [:]).keys) == ["model__metric", "model__temperature"])
    }

    @Test func retrainOnDrift() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (summary, output) = try Self.run("RetrainOnDrift", ["--folder", folder, "--rows", "1500"])
        let months = try #require(summary["months"] as? [[String: Any]])
        #expect(months.count == 3)
        #expect(months[0]["retrain"] as? Bool == true && months[0]["promoted"] as? Bool == true && months[0]["champion"] as? Int == 1, "\(output)")
        #expect(months[1]["retrain"] as? Bool == false && months[1]["version"] == nil && months[1]["champion"] as? Int == 1, "no drift, no retraining: \(output)")
        #expect(months[2]["retrain"] as? Bool == true && (months[2]["drift_share"] as? Double ?? 0) >= 0.3 && months[2]["version"] as? Int == 2, "\(output)")
        let promoted = months[2]["promoted"] as? Bool
        #expect(months[2]["champion"] as? Int == (promoted == true ? 2 : 1), "the champion moves only with the rule")
        #expect(summary["decisions_logged"] as? Int == 2, "both drift checks are in the audit log")
    }
}
