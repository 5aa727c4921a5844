import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ToolboxCore
import ToolboxHTTP
@testable import TrackServer
import TrackKit
import GRDB
import ToolboxTesting

@Suite("Tracking server: keys, scopes and hostile requests")
struct AccessAndHostileTests {
    struct Fixture {
        let dir: String
        let store: SQLiteTrackingStore
        let keyFile: String
        let read: String, write: String, admin: String, limited: String
        let limitedID: String

        init() throws {
            dir = TranscriptReplayTests.folder()
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            store = try SQLiteTrackingStore(folder: dir + "/store")
            keyFile = dir + "/keys.json"
            read = try APIKeyFile.add(to: keyFile, scopes: ["read"]).key
            write = try APIKeyFile.add(to: keyFile, scopes: ["write"]).key
            admin = try APIKeyFile.add(to: keyFile, scopes: ["admin"]).key
            let added = try APIKeyFile.add(to: keyFile, scopes: ["write"], rate: "2/s")
            limited = added.key
            limitedID = added.record.id
        }
    }

    static func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: String? = nil,
                     raw: [UInt8]? = nil, headers extra: HTTPFields = [:]) async throws -> (status: Int, json: [String: Any]?, headers: HTTPFields) {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil { headers[.contentType] = "application/json" }
        let body = json.map { ByteBuffer(string: $0) } ?? raw.map { ByteBuffer(bytes: $0) }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        return (Int(response.status.code), object, response.headers)
    }

    /// The key file holds hashes only; every route but the health check needs a key whose scope
    /// covers it (read < write < admin); a revoked key stops working without a restart; a key
    /// in the query string is refused; a key's rate limit answers 429 with Retry-After.
    @Test func keysAndScopes() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.dir) }
        let file = try String(contentsOfFile: fixture.keyFile, encoding: .utf8)
        for key in [fixture.read, fixture.write, fixture.admin] {
            #expect(!file.contains(key) && !file.contains(String(key.split(separator: "_", maxSplits: 2).last!)))
            #expect(file.contains(APIKeyFile.digest(key)))
        }
        let app = Application(responder: MLflowServer(store: fixture.store, keys: try APIKeyring(path: fixture.keyFile)))
        try await app.test(.router) { client in
            let api = "/api/2.0/mlflow/"
            #expect(try await Self.call(client, .get, "/health").status == 200)
            // No key, an empty header, a wrong key.
            for headers: HTTPFields in [[:], [.authorization: ""], [.authorization: "Bearer "], [.authorization: "Bearer dst_nope_nope"], [.authorization: "Basic abc"]] {
                let answer = try await Self.call(client, .post, api + "experiments/create", json: #"{"name": "x"}"#, headers: headers)
                #expect(answer.status == 401 && answer.json?["error_code"] as? String == "UNAUTHENTICATED", "\(headers)")
            }
            // Scopes: read may read, not write; write may log, not move aliases; admin may.
            #expect(try await Self.call(client, .post, api + "experiments/create", key: fixture.read, json: #"{"name": "x"}"#).status == 403)
            let created = try await Self.call(client, .post, api + "experiments/create", key: fixture.write, json: #"{"name": "x"}"#)
            #expect(created.status == 200)
            let experiment = try #require(created.json?["experiment_id"] as? String)
            #expect(try await Self.call(client, .get, api + "experiments/get?experiment_id=\(experiment)", key: fixture.read).status == 200)
            let run = try await Self.call(client, .post, api + "runs/create", key: fixture.write, json: #"{"experiment_id": "\#(experiment)", "run_name": "r"}"#)
            let runID = try #require((run.json?["run"] as? [String: Any]).flatMap { ($0["info"] as? [String: Any])?["run_id"] as? String })
            let archive = Array("a model archive".utf8)
            #expect(try await Self.call(client, .put, "/api/2.0/mlflow-artifacts/artifacts/\(experiment)/\(runID)/artifacts/model.dstbx", key: fixture.write, raw: archive).status == 200)
            #expect(try await Self.call(client, .post, api + "model-versions/create", key: fixture.write,
                                        json: #"{"name": "m", "source": "runs:/\#(runID)/model.dstbx", "run_id": "\#(runID)"}"#).status == 200)
            let alias = #"{"name": "m", "alias": "champion", "version": "1"}"#
            #expect(try await Self.call(client, .post, api + "registered-models/alias", key: fixture.write, json: alias).status == 403)
            #expect(try await Self.call(client, .post, api + "registered-models/alias", key: fixture.admin, json: alias).status == 200)
            let audit = try fixture.store.auditLog(model: "m", alias: "champion", limit: 10)
            #expect(audit.last?.actor.hasPrefix("key:") == true, "the audit log names the key: \(audit)")
            // A key in the query string is refused, even a valid one.
            let leaked = try await Self.call(client, .get, api + "experiments/get?experiment_id=\(experiment)&token=\(fixture.admin)")
            #expect(leaked.status == 400)
            // Revoked: refused at once, no restart.
            try APIKeyFile.revoke(String(fixture.read.split(separator: "_")[1]), in: fixture.keyFile)
            try await Task.sleep(nanoseconds: 600_000_000)
            #expect(try await Self.call(client, .get, api + "experiments/get?experiment_id=\(experiment)", key: fixture.read).status == 401)
            // A rate of 2/s: the third request at once waits.
            var statuses: [Int] = [], retry: String?
            for _ in 0..<3 {
                let answer = try await Self.call(client, .get, api + "experiments/get?experiment_id=\(experiment)", key: fixture.limited)
                statuses.append(answer.status)
                retry = answer.headers[.retryAfter] ?? retry
            }
            #expect(statuses == [200, 200, 429] && retry == "1", "\(statuses)")
        }
    }

    /// Malformed JSON, missing fields, huge bodies, artifact paths that escape their run,
    /// unknown routes and ids: 4xx answers in MLflow's error shape, nothing stored.
    @Test func hostileRequestsAre4xx() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.dir) }
        let app = Application(responder: MLflowServer(store: fixture.store, keys: nil, maxBody: 4096))
        try await app.test(.router) { client in
            let api = "/api/2.0/mlflow/"
            let experiment = try #require(try await Self.call(client, .post, api + "experiments/create", json: #"{"name": "h"}"#).json?["experiment_id"] as? String)
            let run = try await Self.call(client, .post, api + "runs/create", json: #"{"experiment_id": "\#(experiment)"}"#)
            let runID = try #require((run.json?["run"] as? [String: Any]).flatMap { ($0["info"] as? [String: Any])?["run_id"] as? String })
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            let cases: [(HTTPRequest.Method, String, String?, [UInt8]?, Int, String)] = [
                (.post, api + "runs/log-batch", "{not json", nil, 400, "MALFORMED_REQUEST"),
                (.post, api + "runs/log-batch", "[1, 2]", nil, 400, "MALFORMED_REQUEST"),
                (.post, api + "runs/log-batch", deep, nil, 413, "REQUEST_LIMIT_EXCEEDED"),
                (.post, api + "runs/log-metric", #"{"run_id": "\#(runID)", "key": "m", "value": "abc"}"#, nil, 400, "INVALID_PARAMETER_VALUE"),
                (.post, api + "runs/log-metric", #"{"run_id": "\#(runID)", "key": "m"}"#, nil, 400, "INVALID_PARAMETER_VALUE"),
                (.post, api + "runs/log-parameter", #"{"run_id": "\#(runID)"}"#, nil, 400, "INVALID_PARAMETER_VALUE"),
                (.post, api + "runs/log-batch", #"{"run_id": "ffffffffffffffffffffffffffffffff", "params": [{"key": "a", "value": "1"}]}"#, nil, 404, "RESOURCE_DOES_NOT_EXIST"),
                (.get, api + "runs/get?run_id=../../etc", nil, nil, 404, "RESOURCE_DOES_NOT_EXIST"),
                (.get, api + "experiments/get?experiment_id=abc", nil, nil, 404, "RESOURCE_DOES_NOT_EXIST"),
                (.post, api + "runs/search", #"{"experiment_ids": ["\#(experiment)"], "filter": "metrics.x >"}"#, nil, 400, "INVALID_PARAMETER_VALUE"),
                (.post, api + "runs/search", #"{"experiment_ids": ["\#(experiment)"], "max_results": 0}"#, nil, 400, "INVALID_PARAMETER_VALUE"),
                (.post, api + "runs/search", #"{"experiment_ids": ["\#(experiment)"], "page_token": "%%%"}"#, nil, 400, "INVALID_PARAMETER_VALUE"),
                (.put, "/api/2.0/mlflow-artifacts/artifacts/\(experiment)/\(runID)/artifacts/../../escape.txt", nil, [1], 400, "INVALID_PARAMETER_VALUE"),
                (.put, "/api/2.0/mlflow-artifacts/artifacts/\(experiment)/\(runID)/artifacts//etc/passwd", nil, [1], 400, "INVALID_PARAMETER_VALUE"),
                (.put, "/api/2.0/mlflow-artifacts/artifacts/\(experiment)/\(runID)/artifacts/a/%2E%2E/%2E%2E/b", nil, [1], 400, "INVALID_PARAMETER_VALUE"),
                (.put, "/api/2.0/mlflow-artifacts/artifacts/\(experiment)/\(runID)/artifacts/big.bin", nil, [UInt8](repeating: 7, count: 5000), 413, "REQUEST_LIMIT_EXCEEDED"),
                (.get, "/api/2.0/mlflow-artifacts/artifacts/\(experiment)/\(runID)/artifacts/missing.txt", nil, nil, 404, "RESOURCE_DOES_NOT_EXIST"),
                (.get, api + "no-such-endpoint", nil, nil, 404, "ENDPOINT_NOT_FOUND"),
                (.delete, api + "runs/create", nil, nil, 404, "ENDPOINT_NOT_FOUND"),
                (.get, api + "registered-models/alias?name=nope&alias=x", nil, nil, 404, "RESOURCE_DOES_NOT_EXIST"),
                (.post, api + "model-versions/create", #"{"name": "m", "source": "s3://bucket/x"}"#, nil, 400, "INVALID_PARAMETER_VALUE"),
            ]
            for (method, uri, json, raw, status, code) in cases {
                let answer = try await Self.call(client, method, uri, json: json, raw: raw)
                #expect(answer.status == status && answer.json?["error_code"] as? String == code,
                        "\(method) \(uri.prefix(90)): \(answer.status) \(String(describing: answer.json))")
            }
            // A parameter is written once: the same value again is fine, another is a 400.
            let param = { (value: String) in #"{"run_id": "\#(runID)", "key": "alpha", "value": "\#(value)"}"# }
            #expect(try await Self.call(client, .post, api + "runs/log-parameter", json: param("1")).status == 200)
            #expect(try await Self.call(client, .post, api + "runs/log-parameter", json: param("1")).status == 200)
            #expect(try await Self.call(client, .post, api + "runs/log-parameter", json: param("2")).status == 400)
            #expect(try fixture.store.params(runID: runID) == ["alpha": "1"])
            #expect(try fixture.store.artifacts(runID: runID, under: nil).isEmpty)
        }
    }
}

extension AccessAndHostileTests {
    /// 10,000 metric posts from 8 processes at once, 8 in flight each, to a live server on
    /// 127.0.0.1: every one answered 200 and stored, the database's integrity check clean.
    @Test func concurrentPostsFromEightProcesses() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.dir) }
        let experiment = try fixture.store.experiment(named: "load")
        let run = try fixture.store.createRun(experimentID: experiment.id, name: "load", parentRunID: nil, source: nil, user: nil)
        let app = Application(responder: MLflowServer(store: fixture.store, keys: nil), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let probe = try BuiltProducts.executable("TrackKitProbe")
            // Each probe is waited for on a thread of its own: blocking the concurrency pool
            // would stall the server, which answers on it.
            let outputs = try await withThrowingTaskGroup(of: String.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        try await withCheckedThrowingContinuation { continuation in
                            Thread.detachNewThread {
                                do {
                                    let process = Process()
                                    process.executableURL = URL(fileURLWithPath: probe)
                                    process.arguments = ["http-metrics", "http://127.0.0.1:\(port)", run.id, "1250", "m\(worker)"]
                                    let pipe = Pipe()
                                    process.standardOutput = pipe
                                    try process.run()
                                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                                    process.waitUntilExit()
                                    continuation.resume(returning: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                                } catch {
                                    continuation.resume(throwing: error)
                                }
                            }
                        }
                    }
                }
                var all: [String] = []
                for try await output in group { all.append(output) }
                return all
            }
            #expect(outputs.sorted() == [String](repeating: "ok 1250", count: 8), "\(outputs)")
        }
        for worker in 0..<8 {
            let history = try fixture.store.metricHistory(runID: run.id, key: "m\(worker)")
            #expect(history.count == 1250 && Set(history.map(\.step)) == Set((0..<1250).map(Int64.init)))
        }
        let queue = try DatabaseQueue(path: fixture.dir + "/store/tracking.sqlite")
        let check: String? = try await queue.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
    }
}

extension AccessAndHostileTests {
    /// Registry rules apply to what arrives over HTTP as to local writes: an alias whose
    /// promotion rule the candidate does not pass is refused (a 400 MLflow's client shows), the
    /// holder stays, and the audit log names the key that moved an alias.
    @Test func promotionRulesHoldOverHTTP() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.dir) }
        let store = fixture.store
        let experiment = try store.experiment(named: "rules")
        var runs: [String] = []
        for auc in [0.9, 0.8] {
            let run = try store.createRun(experimentID: experiment.id, name: nil, parentRunID: nil, source: nil, user: nil)
            try store.logBatch(runID: run.id, params: [:], metrics: [RunMetric(key: "auc", value: auc)], tags: [:])
            try store.logArtifact(runID: run.id, bytes: Array("m".utf8), path: "model.dstbx")
            runs.append(run.id)
        }
        for run in runs { try store.registerModelVersion(name: "churn", runID: run, artifactPath: "model.dstbx", description: nil, actor: nil, reason: nil) }
        try store.setPromotionRule(name: "churn", alias: "champion", rule: PromotionRule(metric: "auc", higherIsBetter: true), actor: nil, reason: nil)
        let app = Application(responder: MLflowServer(store: store, keys: try APIKeyring(path: fixture.keyFile)))
        try await app.test(.router) { client in
            let api = "/api/2.0/mlflow/registered-models/alias"
            #expect(try await Self.call(client, .post, api, key: fixture.admin, json: #"{"name": "churn", "alias": "champion", "version": "1"}"#).status == 200)
            let worse = try await Self.call(client, .post, api, key: fixture.admin, json: #"{"name": "churn", "alias": "champion", "version": "2"}"#)
            #expect(worse.status == 400 && worse.json?["error_code"] as? String == "INVALID_PARAMETER_VALUE" && (worse.json?["message"] as? String)?.contains("does not beat") == true,
                    "\(String(describing: worse.json))")
        }
        #expect(try store.modelVersion(name: "churn", alias: "champion").version == 1)
        #expect(try store.auditLog(model: "churn", alias: "champion", limit: 10).contains { $0.action == "set_alias" && $0.actor.hasPrefix("key:") })
    }
}
