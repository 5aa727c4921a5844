import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import ToolboxTesting

@Suite("dstoolbox tracking serve")
struct TrackingServeCLITests {
    /// A server started by the command: its process and the URL from its first line.
    static func serve(_ arguments: [String], command: [String] = ["tracking", "serve"]) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltProducts.executable("dstoolbox"))
        process.arguments = command + ["--port", "0"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("listening on "), let url = URL(string: String(text.dropFirst("listening on ".count))) else {
            process.terminate()
            throw ToolboxTestError("the server printed \(text)")
        }
        return (process, url)
    }

    struct ToolboxTestError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func request(_ base: URL, _ method: String, _ path: String, key: String?, json: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = method
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    /// Live on 127.0.0.1: a key made by `keys add` (printed once, alone on the last line) logs a
    /// run with a NaN metric over HTTP, `runs show` reads it from the store, and SIGTERM stops
    /// the server cleanly.
    @Test func servesTheStoreOverHTTP() async throws {
        let dir = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = CLITests()
        let added = try cli.run(["tracking", "keys", "add", "--file", dir + "/keys.json", "--scope", "write"])
        #expect(added.status == 0, "\(added.output)")
        let key = try #require(added.output.split(separator: "\n").last.map(String.init))
        let stored = try String(contentsOfFile: dir + "/keys.json", encoding: .utf8)
        #expect(key.hasPrefix("dst_") && !stored.contains(key))
        let (server, url) = try Self.serve(["--store", dir + "/store", "--api-keys", dir + "/keys.json"])
        defer { if server.isRunning { server.terminate() } }
        #expect(url.host == "127.0.0.1" && (url.port ?? 0) > 0)
        let api = "/api/2.0/mlflow/"
        #expect(try await Self.request(url, "POST", api + "experiments/create", key: nil, json: #"{"name": "live"}"#).0 == 401)
        let (status, created) = try await Self.request(url, "POST", api + "experiments/create", key: key, json: #"{"name": "live"}"#)
        #expect(status == 200)
        let experiment = try #require(created["experiment_id"] as? String)
        let run = try await Self.request(url, "POST", api + "runs/create", key: key, json: #"{"experiment_id": "\#(experiment)", "run_name": "over-http"}"#).1
        let runID = try #require(((run["run"] as? [String: Any])?["info"] as? [String: Any])?["run_id"] as? String)
        let batch = #"{"run_id": "\#(runID)", "metrics": [{"key": "loss", "value": "NaN", "timestamp": 1700000000000, "step": 1}], "params": [{"key": "lr", "value": "0.1"}]}"#
        #expect(try await Self.request(url, "POST", api + "runs/log-batch", key: key, json: batch).0 == 200)
        let fetched = try await Self.request(url, "GET", api + "runs/get?run_id=\(runID)", key: key).1
        let metrics = ((fetched["run"] as? [String: Any])?["data"] as? [String: Any])?["metrics"] as? [[String: Any]]
        #expect(metrics?.first?["value"] as? String == "NaN")
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationReason == .exit)
        let shown = try cli.run(["runs", "show", runID, "--store", dir + "/store"])
        #expect(shown.output.contains("loss = nan") && shown.output.contains("lr = 0.1") && shown.output.contains("over-http"), "\(shown.output)")
    }

    /// Without keys the server does not start, unless --open on a loopback address.
    @Test func refusesToRunOpen() throws {
        let dir = RunsCLITests.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = CLITests()
        let bare = try cli.run(["tracking", "serve", "--store", dir, "--port", "0"], timeout: 20)
        #expect(bare.status != 0 && bare.output.contains("refusing to serve without API keys"), "\(bare.output)")
        let wide = try cli.run(["tracking", "serve", "--store", dir, "--port", "0", "--open", "--host", "0.0.0.0"], timeout: 20)
        #expect(wide.status != 0 && wide.output.contains("loopback"), "\(wide.output)")
        let missing = try cli.run(["tracking", "serve", "--store", dir, "--port", "0", "--api-keys", dir + "-nokeys.json"], timeout: 20)
        #expect(missing.status != 0 && missing.output.contains("no API key file"), "\(missing.output)")
        let badScope = try cli.run(["tracking", "keys", "add", "--file", dir + "-k.json"])
        #expect(badScope.status != 0 && badScope.output.contains("scope"))
        let badRate = try cli.run(["tracking", "keys", "add", "--file", dir + "-k.json", "--scope", "read", "--rate", "fast"])
        #expect(badRate.status != 0 && badRate.output.contains("N/s"))
    }
}

extension TrackingServeCLITests {
    /// The other direction: `--store http://HOST:PORT` (and `DSTOOLBOX_STORE`) makes the CLI log
    /// to, search and load models from a tracking server; what it logged is in the server's
    /// store folder.
    @Test func commandsUseAServerAsTheirStore() async throws {
        let dir = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = CLITests()
        let (server, url) = try Self.serve(["--store", dir + "/store", "--open"])
        defer { if server.isRunning { server.terminate() } }
        let remote = url.absoluteString
        #expect(try cli.run(["data", "generate", "--kind", "classification", "--rows", "200", "--features", "4", "--seed", "3", "-o", dir + "/d.csv"]).status == 0)
        #expect(try cli.run(["learn", "train", dir + "/d.csv", "--target", "target", "--model", "logistic_regression", "-o", dir + "/m.dstbx"]).status == 0)
        let created = try cli.run(["runs", "create", "--experiment", "remote", "--param", "C=1.0", "--metric", "auc=nan", "--tag", "team=ml",
                                   "--artifact", dir + "/m.dstbx", "--status", "FINISHED", "--store", remote])
        #expect(created.status == 0, "\(created.output)")
        let runID = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let found = try cli.run(["runs", "search", "params.C = '1.0' OR tags.team = 'nobody'", "--json", "--store", remote])
        #expect(found.status == 0 && found.output.contains(runID), "\(found.output)")
        #expect(try cli.run(["models", "register", "churn", "--run", runID, "--store", remote]).status == 0)
        let alias = try cli.run(["models", "alias", "churn", "champion", "1", "--store", remote])
        #expect(alias.status == 0, "\(alias.output)")
        // The request Python's get_model_version_by_alias sends sees the alias dstoolbox set.
        let (aliasStatus, byAlias) = try await Self.request(url, "GET", "/api/2.0/mlflow/registered-models/alias?name=churn&alias=champion", key: nil)
        let version = byAlias["model_version"] as? [String: Any]
        #expect(aliasStatus == 200 && version?["version"] as? String == "1" && version?["status"] as? String == "READY"
                && version?["source"] as? String == "runs:/\(runID)/m.dstbx" && version?["run_id"] as? String == runID, "\(byAlias)")
        let overHTTP = try cli.run(["learn", "predict", "models:/churn@champion", dir + "/d.csv", "--store", remote])
        let local = try cli.run(["learn", "predict", dir + "/m.dstbx", dir + "/d.csv"])
        #expect(overHTTP.status == 0 && overHTTP.output == local.output, "\(overHTTP.output.prefix(200))")
        server.terminate()
        server.waitUntilExit()
        // Everything landed in the server's folder.
        let shown = try cli.run(["runs", "show", runID, "--store", dir + "/store"])
        #expect(shown.output.contains("C = 1.0") && shown.output.contains("auc = nan") && shown.output.contains("m.dstbx"), "\(shown.output)")
        let versions = try cli.run(["models", "show", "churn", "--store", dir + "/store"])
        #expect(versions.output.contains("v1") && versions.output.contains("@champion"), "\(versions.output)")
        // A server that is not there: a clear error, not a hang.
        let down = try cli.run(["runs", "list", "--store", "http://127.0.0.1:9"], timeout: 60)
        #expect(down.status != 0 && down.output.contains("cannot be reached"), "\(down.output)")
    }
}

extension TrackingServeCLITests {
    /// The Python client's recorded session (Scripts/golden/record_mlflow.py) replayed over HTTP
    /// against `dstoolbox tracking serve`, every answer MLflow's status; then what the client
    /// logged reads back through `runs search`, `runs show` and `models show`, and the model it
    /// registered and called `prod` from Python predicts through `learn predict models:/...@prod`
    /// exactly as its archive does.
    @Test func pythonClientSessionReadsBackThroughTheCLI() async throws {
        let dir = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TrackServerTests/Golden/mlflow_transcript.json")
        let transcript = try MLflowTranscript(contentsOf: golden)
        let (server, url) = try Self.serve(["--store", dir + "/store", "--open"])
        defer { if server.isRunning { server.terminate() } }
        var ids: [String: String] = [:]
        for exchange in transcript.exchanges {
            let request = try MLflowTranscript.request(exchange, ids: ids)
            var http = URLRequest(url: URL(string: url.absoluteString + request.uri)!)
            http.httpMethod = exchange.method
            http.httpBody = request.body.map { Data($0) }
            if request.json { http.setValue("application/json", forHTTPHeaderField: "Content-Type") }
            let (data, response) = try await URLSession.shared.data(for: http)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            #expect(status == exchange.status, "\(exchange.step): \(exchange.method) \(exchange.path): \(status) \(String(decoding: data.prefix(200), as: UTF8.self))")
            if let expected = exchange.response, let ours = try? JSONSerialization.jsonObject(with: data) {
                MLflowTranscript.learnIDs(expected, ours, &ids)
            }
        }
        server.terminate()
        server.waitUntilExit()
        let cli = CLITests()
        let store = dir + "/store"
        let found = try RunsCLITests.object(try cli.run(["runs", "search", "params.alpha = '0.5'", "--experiment", "churn", "--json", "--store", store]).output)
        let runs = try #require(found["runs"] as? [[String: Any]])
        #expect(runs.count == 1 && runs.first?["name"] as? String == "first")
        #expect(runs.first?["params"] as? [String: String] == ["alpha": "0.5", "depth": "6", "kind": "tree", "batch_param": "x"])
        let metrics = runs.first?["metrics"] as? [String: Any]
        #expect(metrics?["loss"] as? Double == 0.125 && metrics?["accuracy"] as? Double == 0.9 && metrics?["odd"] as? String == "inf", "\(String(describing: metrics))")
        let runID = try #require(runs.first?["run_id"] as? String)
        let shown = try cli.run(["runs", "show", runID, "--store", store]).output
        #expect(shown.contains("metric odd = inf") && shown.contains("tag    stage = test") && shown.contains("artifact notes/hello.txt (6 bytes"), "\(shown)")
        let models = try cli.run(["models", "show", "churn-model", "--store", store]).output
        #expect(models.contains("v1") && models.contains("v2") && models.contains("@prod"), "\(models)")
        // The archive the client uploaded, and predictions by the alias Python set.
        let archive = try #require(transcript.exchanges.first { $0.method == "PUT" && $0.path.hasSuffix("/model.dstbx") }?.rawBody)
        try Data(archive).write(to: URL(fileURLWithPath: dir + "/uploaded.dstbx"))
        #expect(try cli.run(["data", "generate", "--kind", "classification", "--rows", "60", "--features", "3", "--seed", "11", "-o", dir + "/d.csv"]).status == 0)
        let byAlias = try cli.run(["learn", "predict", "models:/churn-model@prod", dir + "/d.csv", "--store", store])
        let direct = try cli.run(["learn", "predict", dir + "/uploaded.dstbx", dir + "/d.csv"])
        #expect(byAlias.status == 0 && byAlias.output == direct.output && byAlias.output.split(separator: "\n").count == 61, "\(byAlias.output.prefix(200))")
    }
}
