import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import DSToolbox
import ToolboxTesting

/// `dstoolbox init`, `validate`, `run`, `validate-data` as a user runs them: a workflow on a CSV
/// with a text column, a categorical column and missing values trains, registers and serves
/// what `learn predict` gives; a killed workflow resumes; the report renders in Chromium.
@Suite("dstoolbox run (workflows)")
struct WorkflowCLITests {
    /// A folder with `data/churn.csv` (generated) and the classification template as
    /// `workflow.yaml`, made quicker (few trials and folds) by `edits`.
    static func project(rows: Int = 800, edits: [(String, String)] = []) throws -> String {
        let folder = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        let cli = CLITests()
        let generated = try cli.run(["data", "generate", "--kind", "churn", "--rows", String(rows), "--seed", "1", "-o", folder + "/data/churn.csv"])
        #expect(generated.status == 0, "\(generated.output)")
        let written = try cli.run(["init", "classification", "-o", folder + "/workflow.yaml"])
        #expect(written.status == 0, "\(written.output)")
        var text = try String(contentsOfFile: folder + "/workflow.yaml", encoding: .utf8)
        for (old, new) in [("trials: 12", "trials: 3"), ("cv: 5", "cv: 3"), ("store: ./dstoolbox-store", "store: ./store")] + edits {
            #expect(text.contains(old), "the template has \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        try text.write(toFile: folder + "/workflow.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    @Test func aWorkflowTrainsRegistersAndServesWhatLearnPredictGives() async throws {
        let folder = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cli = CLITests()
        let checked = try cli.run(["validate", folder + "/workflow.yaml", "--json"])
        #expect(checked.status == 0 && checked.output.contains("\"valid\": true"), "\(checked.output)")
        let first = try cli.run(["run", folder + "/workflow.yaml", "--json", "--quiet"], timeout: 600)
        #expect(first.status == 0, "\(first.output)")
        let summary = try RunsCLITests.object(first.output)
        #expect(summary["status"] as? String == "finished" && summary["registered_model"] as? String == "classifier" && summary["registered_version"] as? Int == 1)
        #expect(summary["promoted"] as? Bool == true && (summary["promotion_reason"] as? String)?.contains("no version held champion") == true)
        let metrics = try #require(summary["metrics"] as? [String: Double])
        #expect((metrics["roc_auc"] ?? 0) > 0.7 && metrics["cv_roc_auc_mean"] != nil && metrics["threshold"] != nil && metrics["demographic_parity_difference"] != nil,
                "\(metrics)")
        #expect(summary["sections"] as? [String] == ["data", "validate", "pipeline", "tune", "train", "evaluate", "explain", "register", "monitor", "report"])
        #expect(FileManager.default.fileExists(atPath: folder + "/report.html"))

        // The registered model: learn predict and serve agree on every row (text, categories and missing values included).
        let store = folder + "/store"
        let predicted = try cli.run(["learn", "predict", "models:/classifier@champion", folder + "/data/churn.csv", "--proba", "--store", store])
        #expect(predicted.status == 0, "\(predicted.output)")
        let expected = try DataTable(csv: predicted.output)
        let (server, url) = try TrackingServeCLITests.serve(["--model", "churn=models:/classifier@champion", "--open", "--store", store], command: ["serve"])
        defer { if server.isRunning { server.terminate() } }
        let table = try DataTable(csvFile: folder + "/data/churn.csv")
        var records: [String] = []
        for row in 0..<table.rowCount {
            var fields: [String] = []
            for (name, column) in zip(table.columnNames, table.columns) where name != "churned" {
                switch column {
                case .numeric(let values): fields.append("\(JSONValue.quoted(name)): \(values[row].isNaN ? "null" : String(values[row]))")
                case .categorical(let values): fields.append("\(JSONValue.quoted(name)): \(values[row].map(JSONValue.quoted) ?? "null")")
                }
            }
            records.append("{" + fields.joined(separator: ", ") + "}")
        }
        let answer = try await ServeCLITests.post(url, "/v1/models/churn:predict", key: nil,
                                                  body: #"{"instances": [\#(records.joined(separator: ","))], "parameters": {"probabilities": true}}"#)
        #expect(answer.0 == 200, "\(String(describing: answer.1))")
        let served = ServeCLITests.numbers(answer.1?.objectValue?["probabilities"])
        let local = try (0..<expected.rowCount).flatMap { i in try expected.columnNames.map { try expected.numericColumn(named: $0)[i] } }
        #expect(served.count == local.count && served == local, "served probabilities equal learn predict's")

        // The same workflow again: version 2, equally good, so champion stays (strictly better is the rule), and the audit log says why.
        let second = try cli.run(["run", folder + "/workflow.yaml", "--json", "--quiet"], timeout: 600)
        let again = try RunsCLITests.object(second.output)
        #expect(again["registered_version"] as? Int == 2 && again["promoted"] as? Bool == false, "\(second.output)")
        #expect((again["promotion_reason"] as? String)?.contains("not better") == true, "\(second.output)")
        let history = try cli.run(["models", "history", "classifier", "--store", store])
        #expect(history.output.contains("champion stays on v1") && history.output.contains("not better"), "\(history.output)")
    }

    /// A workflow killed while tuning, run again with --resume: the sections done before are not
    /// redone, tuning keeps its finished trials, and the run finishes.
    @Test func aWorkflowKilledWhileTuningResumes() async throws {
        let folder = try Self.project(edits: [("trials: 3", "trials: 30")])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let binary = try BuiltProducts.executable("dstoolbox")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", folder + "/workflow.yaml"]
        let log = folder + "/progress.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Five seconds into tuning (the stores are left alone while it runs), SIGKILL. The watch runs
        // on a thread of its own: other tests in the process may hold every thread of the concurrency
        // pool while they wait for their own processes, and a sleeping task would wake too late.
        let running = process
        let killedMidTuning: Bool = await withCheckedContinuation { continuation in
            Thread {
                let deadline = Date().addingTimeInterval(600)
                var tuningSince: Date?
                while Date() < deadline, running.isRunning {
                    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    if text.contains("[tune] done") { break }
                    if text.contains("[tune] ...") {
                        tuningSince = tuningSince ?? Date()
                        if Date().timeIntervalSince(tuningSince ?? Date()) > 5 { break }
                    }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                let midTuning = running.isRunning && text.contains("[tune] ...") && !text.contains("[tune] done")
                kill(running.processIdentifier, SIGKILL)
                continuation.resume(returning: midTuning)
            }.start()
        }
        process.waitUntilExit()
        try handle.close()
        let progress = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(killedMidTuning, "still tuning when killed: \(progress.suffix(3000))")
        let studies = try SQLiteStudyStorage(folder: folder + "/store")
        let killedStudy = try #require(try await studies.studies().first)
        let before = try await studies.trials(study: killedStudy.id).filter { $0.state == .complete || $0.state == .pruned }.map(\.number)
        #expect(before.count < 30, "killed mid-tuning")
        let resumed = try CLITests().run(["run", folder + "/workflow.yaml", "--resume", "--json", "--quiet"], timeout: 900)
        #expect(resumed.status == 0, "\(resumed.output)")
        let summary = try RunsCLITests.object(resumed.output)
        #expect(summary["resumed_after"] as? String == "pipeline", "\(resumed.output)")
        #expect((summary["sections"] as? [String])?.last == "report")
        let store = try SQLiteTrackingStore(folder: folder + "/store")
        let experiment = try store.experiment(named: "classification")
        func sectionRuns(_ name: String) throws -> [Run] {
            try store.searchRuns(experimentIDs: [experiment.id], filter: try RunFilter(parsing: "tags.`dstoolbox.workflow.section` = '\(name)'"),
                                 orderBy: [], maxResults: 100, offset: 0)
        }
        for section in ["data", "validate", "pipeline"] { #expect(try sectionRuns(section).count == 1, "\(section) not redone") }
        #expect(try sectionRuns("tune").count == 2 && sectionRuns("train").count == 1)
        let workflowRuns = try store.searchRuns(experimentIDs: [experiment.id], filter: try RunFilter(parsing: "tags.`dstoolbox.workflow` = 'classification'"),
                                                orderBy: [], maxResults: 10, offset: 0)
        #expect(workflowRuns.count == 1 && workflowRuns.first?.status == .finished)
        // Tuning kept the trials finished before the kill: 30 finished in all, the earlier ones among them.
        let trials = try await studies.trials(study: killedStudy.id)
        let finished = trials.filter { $0.state == .complete || $0.state == .pruned }.map(\.number)
        #expect(finished.count == 30, "\(finished.count) finished trials")
        #expect(Set(before).isSubset(of: Set(finished)) && trials.count <= 31, "\(before) kept among \(trials.count) trials")
    }

    /// The report in a real browser: the sections and SVG charts are there, and nothing is scripted.
    @Test func theReportRendersInHeadlessChromium() throws {
        let folder = try Self.project(rows: 500)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ran = try CLITests().run(["run", folder + "/workflow.yaml", "--quiet"], timeout: 600)
        #expect(ran.status == 0, "\(ran.output)")
        let html = folder + "/report.html"
        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "no headless browser: Scripts/bootstrap installs chromium")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(folder)/profile"]
        let dom = try DriftCLITests.execute(browser, flags + ["--dump-dom", "file://\(html)"])
        #expect(dom.status == 0)
        for id in ["roc", "calibration", "cost-curve", "tuning-history", "shap-summary", "shap-dependence", "confusion", "fairness", "contract", "metrics", "verdict"] {
            #expect(dom.output.contains("id=\"\(id)\""), "the page has \(id)")
        }
        #expect(dom.output.components(separatedBy: "<svg").count - 1 >= 7, "charts in the parsed page")
        #expect(!dom.output.contains("<script") && dom.output.contains("</html>"))
        let png = folder + "/report.png"
        let shot = try DriftCLITests.execute(browser, flags + ["--screenshot=\(png)", "--window-size=1200,3000", "file://\(html)"])
        #expect(shot.status == 0)
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(image.count > 20_000 && image.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "a rendered PNG")
    }

    @Test func validateDataChecksNewDataAgainstTheContract() throws {
        let folder = try Self.project(rows: 300)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cli = CLITests()
        let good = try cli.run(["validate-data", "--contract", folder + "/workflow.yaml", folder + "/data/churn.csv", "--json"])
        let goodResult = try RunsCLITests.object(good.output)
        #expect(good.status == 0 && goodResult["passed"] as? Bool == true, "\(good.output)")
        var text = try String(contentsOfFile: folder + "/data/churn.csv", encoding: .utf8)
        text = text.replacingOccurrences(of: ",premium,", with: ",platinum,")
        text += "C1000001,700.0,-5,basic,north,hello,0.0\n"
        try text.write(toFile: folder + "/data/new.csv", atomically: true, encoding: .utf8)
        let bad = try cli.run(["validate-data", "--contract", folder + "/workflow.yaml", folder + "/data/new.csv", "--json"])
        #expect(bad.status == 1, "\(bad.output)")
        let result = try RunsCLITests.object(bad.output)
        let failures = try #require(result["failures"] as? [[String: Any]])
        let rules = Set(failures.map { "\($0["column"] as? String ?? "").\($0["rule"] as? String ?? "")" })
        #expect(rules == ["plan.values", "tenure_months.max", "monthly_charges.min", "customer_id.unique"], "\(rules)")
        #expect(failures.first { $0["column"] as? String == "tenure_months" }?["rows"] as? [Int] == [300])
        let plain = try cli.run(["validate-data", "--contract", folder + "/workflow.yaml", folder + "/data/new.csv"])
        #expect(plain.status == 1 && plain.output.contains("plan: values:") && plain.output.contains("\"platinum\""), "\(plain.output)")
        // A contract failure stops a workflow before training, and the report shows it.
        let broken = try String(contentsOfFile: folder + "/workflow.yaml", encoding: .utf8).replacingOccurrences(of: "data/churn.csv", with: "data/new.csv")
        try broken.write(toFile: folder + "/broken.yaml", atomically: true, encoding: .utf8)
        let stopped = try cli.run(["run", folder + "/broken.yaml", "--json", "--quiet"], timeout: 300)
        #expect(stopped.status == 1 && stopped.output.contains("the data contract failed"), "\(stopped.output)")
        let line = try #require(stopped.output.split(separator: "\n").first { $0.hasPrefix("{") })
        let summary = try RunsCLITests.object(String(line))
        #expect(summary["status"] as? String == "failed" && summary["sections"] as? [String] == ["data"])
        let page = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(page.contains("The data contract failed") && page.contains("platinum"))
    }

    @Test func initWritesEveryTemplateAndRefusesToOverwrite() throws {
        let folder = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cli = CLITests()
        for name in ["classification", "regression", "seismic", "retrieval", "retrain"] {
            let written = try cli.run(["init", name, "-o", "\(folder)/\(name).yaml"])
            #expect(written.status == 0, "\(written.output)")
            let text = try String(contentsOfFile: "\(folder)/\(name).yaml", encoding: .utf8)
            #expect(text.hasPrefix("#") && text.contains("name: \(name)"))
        }
        let again = try cli.run(["init", "regression", "-o", "\(folder)/regression.yaml"])
        #expect(again.status != 0 && again.output.contains("--force"))
        let unknown = try cli.run(["init", "clustering", "-o", "\(folder)/x.yaml"])
        #expect(unknown.status != 0 && unknown.output.contains("retrieval"))
        let invalid = try cli.run(["validate", "\(folder)/regression.yaml"])
        #expect(invalid.status != 0 && invalid.output.contains("regression.yaml:") && invalid.output.contains("data.train"), "no data yet: \(invalid.output)")
    }
}

extension WorkflowCLITests {
    /// A seismic workflow keeps its trace embedding beside the model; `features traces
    /// --embedding-from models:/NAME@ALIAS` applies it to a survey, and the served model takes
    /// those rows.
    @Test func aSeismicWorkflowsEmbeddingIsAppliedToNewSurveys() async throws {
        let folder = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cli = CLITests()
        #expect(try cli.run(["data", "generate", "--kind", "survey", "--rows", "400", "--seed", "3", "-o", folder + "/survey.sgy"]).status == 0)
        #expect(try cli.run(["data", "generate", "--kind", "survey", "--rows", "100", "--seed", "4", "--shift", "0.3", "-o", folder + "/new.sgy"]).status == 0)
        let workflow = """
            name: facies
            data: {train: survey.sgy, features: traces, embedding: 'pca:6', labels: survey_labels.csv, target: facies, split: {test_fraction: 0.25, seed: 2}}
            pipeline: {steps: [{name: model, type: hist_gradient_boosting_classifier, parameters: {max_iter: 30}}]}
            register: {model: facies, alias: champion}
            """
        try workflow.write(toFile: folder + "/facies.yaml", atomically: true, encoding: .utf8)
        let ran = try cli.run(["run", folder + "/facies.yaml", "--store", folder + "/store", "--json", "--quiet"], timeout: 600)
        #expect(ran.status == 0, "\(ran.output)")
        // On the training survey, the kept embedding gives what a refit on the same traces with the split's seed gives.
        let kept = try cli.run(["features", "traces", folder + "/survey.sgy", "-o", folder + "/kept.csv", "--embedding-from", "models:/facies@champion",
                                "--store", folder + "/store", "--quiet"])
        let refit = try cli.run(["features", "traces", folder + "/survey.sgy", "-o", folder + "/refit.csv", "--embedding", "pca:6", "--seed", "2", "--quiet"])
        #expect(kept.status == 0 && refit.status == 0, "\(kept.output)\(refit.output)")
        let a = try DataTable(csvFile: folder + "/kept.csv"), b = try DataTable(csvFile: folder + "/refit.csv")
        #expect(a.columnNames == b.columnNames && a.columnNames.contains("pca5"))
        for name in ["pca0", "pca5"] { #expect(try a.numericColumn(named: name) == b.numericColumn(named: name)) }
        // A new survey, embedded with the kept PCA, is scored by the registered model.
        let embedded = try cli.run(["features", "traces", folder + "/new.sgy", "-o", folder + "/new.csv", "--embedding-from", "models:/facies@champion",
                                    "--store", folder + "/store", "--quiet"])
        #expect(embedded.status == 0, "\(embedded.output)")
        let predicted = try cli.run(["learn", "predict", "models:/facies@champion", folder + "/new.csv", "--store", folder + "/store"])
        #expect(predicted.status == 0 && predicted.output.split(separator: "\n").count == 101, "\(predicted.output.prefix(500))")
        // Mistakes: both options, a model without an embedding.
        let both = try cli.run(["features", "traces", folder + "/new.sgy", "-o", folder + "/x.csv", "--embedding", "pca:2", "--embedding-from", "models:/facies@champion"])
        #expect(both.status != 0 && both.output.contains("not both"))
        let tableOnly = try cli.run(["runs", "create", "--experiment", "plain", "--artifact", folder + "/kept.csv", "--store", folder + "/store"])
        let run = tableOnly.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let missing = try cli.run(["features", "traces", folder + "/new.sgy", "-o", folder + "/x.csv", "--embedding-from", "runs:/\(run)/trace_embedding.dstbx",
                                   "--store", folder + "/store"])
        #expect(missing.status != 0 && missing.output.contains("no trace embedding"), "\(missing.output)")
    }
}
