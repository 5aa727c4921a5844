import Foundation
import Testing
@testable import dstoolbox

@Suite("dstoolbox runs")
struct RunsCLITests {
    @Test func createPrintsTheIdAndShowReadsItBack() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-runs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: store) }
        let created = try CLITests().run(["runs", "create", "--experiment", "ci", "--param", "lr=0.1", "--param", "depth=5",
                                          "--metric", "loss=0.25", "--metric", "gap=-inf", "--tag", "branch=main", "--status", "FINISHED", "--store", store])
        #expect(created.status == 0, "\(created.output)")
        let id = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
        let shown = try CLITests().run(["runs", "show", id, "--store", store, "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any])
        #expect(json["run_id"] as? String == id && json["status"] as? String == "FINISHED")
        #expect(json["params"] as? [String: String] == ["lr": "0.1", "depth": "5"] && json["tags"] as? [String: String] == ["branch": "main"])
        let metrics = try #require(json["metrics"] as? [String: Any])
        #expect(metrics["loss"] as? Double == 0.25 && metrics["gap"] as? String == "-inf")
        for arguments in [["runs", "show", "nope", "--store", store], ["runs", "create", "--experiment", "ci", "--metric", "loss=high", "--store", store],
                          ["runs", "create", "--experiment", "ci", "--param", "novalue", "--store", store]] {
            let failed = try CLITests().run(arguments)
            #expect(failed.status != 0 && failed.status != -1 && failed.output.contains("rror"), "\(arguments): \(failed.output)")
        }
    }
}

extension RunsCLITests {
    static func store() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dstb-runs-\(UUID().uuidString)").path
    }

    /// The JSON object a command printed (standard error's lines, such as a slow fit's
    /// progress, may come before it in the merged output).
    static func object(_ output: String) throws -> [String: Any] {
        let start = output.hasPrefix("{") ? output.startIndex : (output.range(of: "\n{")?.lowerBound).map { output.index(after: $0) } ?? output.startIndex
        let parsed = try? JSONSerialization.jsonObject(with: Data(output[start...].utf8)) as? [String: Any]
        return try #require(parsed, "not a JSON object: \(output.prefix(2000))")
    }

    /// Creates a run with the CLI and returns its id.
    static func create(_ store: String, _ arguments: [String]) throws -> String {
        let created = try CLITests().run(["runs", "create", "--store", store] + arguments)
        #expect(created.status == 0, "\(created.output)")
        return created.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func listSearchWithOrAndParenthesesAndCompare() throws {
        let store = Self.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let forest = try Self.create(store, ["--experiment", "churn", "--name", "forest", "--param", "model=forest", "--metric", "rmse=0.4", "--tag", "stage=prod", "--status", "FINISHED"])
        let linear = try Self.create(store, ["--experiment", "churn", "--name", "linear", "--param", "model=linear", "--metric", "rmse=0.6", "--status", "FINISHED"])
        let boosted = try Self.create(store, ["--experiment", "churn", "--name", "boosted", "--param", "model=boosting", "--metric", "rmse=0.3", "--status", "FAILED"])
        let other = try Self.create(store, ["--experiment", "other", "--name", "x", "--metric", "rmse=0.1"])
        for step in 1...5 {
            let logged = try CLITests().run(["runs", "log", forest, "--step", "\(step)", "--metric", "loss=\(1.0 / Double(step))", "--store", store])
            #expect(logged.status == 0, "\(logged.output)")
            _ = try CLITests().run(["runs", "log", linear, "--step", "\(step)", "--metric", "loss=\(2.0 / Double(step))", "--store", store])
        }

        let listed = try Self.object(try CLITests().run(["runs", "list", "--experiment", "churn", "--store", store, "--json"]).output)
        let listedIDs = try #require(listed["runs"] as? [[String: Any]]).compactMap { $0["run_id"] as? String }
        #expect(listedIDs == [boosted, linear, forest], "newest first")
        #expect(try Self.object(try CLITests().run(["runs", "list", "--store", store, "--json"]).output)["runs"].map { ($0 as? [Any])?.count } == 4)

        func search(_ arguments: [String]) throws -> [String] {
            let result = try CLITests().run(["runs", "search"] + arguments + ["--store", store, "--json"])
            #expect(result.status == 0, "\(result.output)")
            return try #require(try Self.object(result.output)["runs"] as? [[String: Any]]).compactMap { $0["run_id"] as? String }
        }
        #expect(try search(["metrics.rmse < 0.5 AND (params.model = 'forest' OR attributes.status = 'FAILED')", "--order-by", "metrics.rmse ASC"]) == [boosted, forest])
        #expect(try search(["--filter", "params.model LIKE '%ar' OR tags.stage = 'prod'", "--order-by", "metrics.rmse DESC"]) == [linear, forest])
        #expect(try search(["metrics.rmse <= 0.4", "--experiment", "churn", "--order-by", "metrics.rmse", "--max-results", "1", "--offset", "1"]) == [forest])
        #expect(try search(["metrics.rmse < 0.2"]) == [other])
        let bad = try CLITests().run(["runs", "search", "metrics.rmse < 0.5 AND (params.model = ", "--store", store])
        #expect(bad.status != 0 && bad.status != -1 && bad.output.contains("position 39"), "\(bad.output)")

        let compared = try Self.object(try CLITests().run(["runs", "compare", forest, linear, "--store", store, "--json"]).output)
        #expect(compared["differing_params"] as? [String] == ["model"])
        #expect((compared["params"] as? [String: [String]])?["model"] == ["forest", "linear"])
        #expect((compared["metrics"] as? [String: [Double]])?["rmse"] == [0.4, 0.6])
        let histories = try #require(compared["histories"] as? [String: [String: [[String: Any]]]])
        #expect(histories["loss"]?[forest]?.compactMap { $0["value"] as? Double } == [1, 0.5, 1.0 / 3, 0.25, 0.2])
        let unknown = try CLITests().run(["runs", "compare", forest, "0000", "--store", store])
        #expect(unknown.status != 0 && unknown.status != -1 && unknown.output.contains("0000"))
    }

    /// The compare page in a real browser: headless Chromium parses it (tables, one chart per
    /// metric with a history, no script) and renders it.
    @Test func compareHTMLRendersInAHeadlessBrowser() throws {
        let store = Self.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        var ids: [String] = []
        for (index, name) in ["small <b>", "large & co"].enumerated() {
            let id = try Self.create(store, ["--experiment", "curves", "--name", name, "--param", "depth=\(index + 2)"])
            for step in 0..<20 {
                _ = try CLITests().run(["runs", "log", id, "--step", "\(step)", "--metric", "loss=\(exp(-Double(step) / Double(3 + 3 * index)))",
                                        "--metric", "acc=\(0.5 + Double(step) / 50)", "--store", store])
            }
            _ = try CLITests().run(["runs", "log", id, "--metric", "nan_metric=nan", "--status", "FINISHED", "--store", store])
            ids.append(id)
        }
        let html = store + "-compare.html"
        defer { try? FileManager.default.removeItem(atPath: html) }
        let written = try CLITests().run(["runs", "compare"] + ids + ["--html", html, "--store", store])
        #expect(written.status == 0, "\(written.output)")
        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "no headless browser: Scripts/bootstrap installs chromium")
        let profile = store + "-profile"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile)"]
        let dom = try DriftCLITests.execute(browser, flags + ["--dump-dom", "file://\(html)"])
        #expect(dom.status == 0)
        #expect(dom.output.components(separatedBy: "<svg").count - 1 == 2, "a chart for loss and acc")
        #expect(dom.output.components(separatedBy: "<polyline").count - 1 == 4, "a line per run per chart")
        #expect(dom.output.contains("small &lt;b&gt;") && dom.output.contains("large &amp; co") && !dom.output.contains("<script") && dom.output.contains("</html>"))
        let png = store + "-compare.png"
        defer { try? FileManager.default.removeItem(atPath: png) }
        let shot = try DriftCLITests.execute(browser, flags + ["--screenshot=\(png)", "--window-size=1200,1400", "file://\(html)"])
        #expect(shot.status == 0)
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(image.count > 10_000 && image.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "a rendered PNG")
    }

    @Test func modelsRegisterAliasRuleAndHistory() throws {
        let store = Self.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let file = store + "-model.dstbx"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data("weights".utf8).write(to: URL(fileURLWithPath: file))
        let first = try Self.create(store, ["--experiment", "e", "--metric", "auc=0.8", "--artifact", file, "--status", "FINISHED"])
        let second = try Self.create(store, ["--experiment", "e", "--metric", "auc=0.9", "--artifact", file, "--status", "FINISHED"])
        let third = try Self.create(store, ["--experiment", "e", "--metric", "auc=0.85", "--artifact", file, "--status", "FINISHED"])
        let bare = try Self.create(store, ["--experiment", "e", "--metric", "auc=0.5", "--status", "FINISHED"])
        let name = (file as NSString).lastPathComponent
        func models(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try CLITests().run(["models"] + arguments + ["--store", store])
        }
        #expect(try models(["register", "churn", "runs:/\(first)/\(name)"]).output.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(try models(["register", "churn", "--run", second, "--reason", "retrained"]).output.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        let third3 = try Self.object(try models(["register", "churn", "--run", third, "--json"]).output)
        #expect(third3["version"] as? Int == 3 && third3["run_id"] as? String == third)
        // A run without a model archive is refused at registration, not at load time.
        let modelless = try models(["register", "churn", "--run", bare])
        #expect(modelless.status == 1 && modelless.output.contains("no model archive"), "\(modelless.output)")
        let missing = try models(["register", "churn", "--run", first, "--artifact", "nope.bin"])
        #expect(missing.status != 0 && missing.status != -1 && missing.output.contains("nope.bin"))
        #expect(try models(["rule", "churn", "champion", "--metric", "auc", "--higher-is-better", "--actor", "lead"]).status == 0)
        #expect(try models(["alias", "churn", "champion", "--version", "1"]).status == 0)
        #expect(try models(["alias", "churn", "champion", "2", "--reason", "auc up", "--actor", "ada"]).status == 0)
        let refused = try models(["alias", "churn", "champion", "3"])
        #expect(refused.status != 0 && refused.status != -1 && refused.output.contains("auc"), "\(refused.output)")
        #expect(try models(["alias", "churn", "champion", "3", "--force", "--reason", "rollback drill"]).status == 0)

        let shown = try Self.object(try models(["show", "churn", "--json"]).output)
        #expect((shown["model"] as? [String: Any])?["aliases"] as? [String: Int] == ["champion": 3])
        #expect((shown["versions"] as? [[String: Any]])?.compactMap { $0["version"] as? Int } == [1, 2, 3])
        let champion = try Self.object(try models(["show", "churn", "--alias", "champion", "--json"]).output)
        #expect(champion["version"] as? Int == 3)
        let listed = try Self.object(try models(["list", "--json"]).output)
        #expect((listed["models"] as? [[String: Any]])?.first?["name"] as? String == "churn")
        let history = try Self.object(try models(["history", "churn", "--alias", "champion", "--json"]).output)
        let entries = try #require(history["entries"] as? [[String: Any]]).filter { $0["action"] as? String == "set_alias" }
        #expect(entries.compactMap { $0["version"] as? Int } == [1, 2, 3])
        #expect(entries.map { $0["reason"] as? String } == [nil, "auc up", "rollback drill"] && entries[1]["actor"] as? String == "ada", "\(entries)")
        #expect((entries[2]["details"] as? [String: Any])?["forced"] as? Bool == true)
        let all = try Self.object(try models(["history", "churn", "--json"]).output)
        #expect((all["entries"] as? [[String: Any]])?.compactMap { $0["action"] as? String }
                == ["create_model", "register_version", "register_version", "register_version", "set_rule", "set_alias", "set_alias", "set_alias"])
        for arguments in [["show", "nope"], ["alias", "churn", "champion", "9"], ["alias", "churn", "latest", "1"], ["register", "churn", "--run", "nope"]] {
            let failed = try models(arguments)
            #expect(failed.status != 0 && failed.status != -1 && failed.output.contains("rror"), "\(arguments): \(failed.output)")
        }
    }
}
