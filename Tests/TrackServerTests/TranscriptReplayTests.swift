import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ToolboxCore
import ToolboxHTTP
import ToolboxTesting
@testable import TrackServer
import TrackKit
import DSToolbox

@Suite("MLflow's client against the tracking server")
struct TranscriptReplayTests {
    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("trackserver-\(UUID().uuidString)").path
    }

    /// Every request the Python client made, in order, answered as MLflow answers it: the same
    /// status, the same fields and values (ids and times are this server's own; an infinite
    /// metric comes back infinite where MLflow's SQL store clamps it to the largest double; the
    /// unknown route's 404 is JSON). What the client logged then reads back from the store.
    @Test func clientTranscriptReplays() async throws {
        let transcript = try MLflowTranscript(contentsOf: GoldenFiles().url("mlflow_transcript.json"))
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteTrackingStore(folder: dir)
        let app = Application(responder: MLflowServer(store: store, keys: nil))
        try await app.test(.router) { client in
            var ids: [String: String] = [:]   // recorded id -> ours
            for (index, exchange) in transcript.exchanges.enumerated() {
                let place = "exchange \(index) (\(exchange.step)): \(exchange.method) \(exchange.path)"
                let request = try MLflowTranscript.request(exchange, ids: ids)
                var headers: HTTPFields = [:]
                if request.json { headers[.contentType] = "application/json" }
                let response = try await client.execute(uri: request.uri, method: HTTPRequest.Method(rawValue: exchange.method)!,
                                                        headers: headers, body: request.body.map { ByteBuffer(bytes: $0) })
                #expect(Int(response.status.code) == exchange.status, "\(place): status \(response.status.code), MLflow's \(exchange.status): \(String(buffer: response.body))")
                if let expected = exchange.response {
                    let ours = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView), options: [.fragmentsAllowed])
                    MLflowTranscript.learnIDs(expected, ours, &ids)
                    let differences = Self.compare(expected, ours, ids, at: "$")
                    #expect(differences.isEmpty, "\(place): \(differences.prefix(5))")
                } else if let raw = exchange.rawResponse {
                    if exchange.path.hasPrefix("/api/2.0/mlflow-artifacts") {
                        #expect(Array(response.body.readableBytesView) == raw, "\(place): the artifact's bytes")
                    } else {
                        // MLflow's 404 for an unknown route is an HTML page; ours is MLflow's JSON error.
                        let error = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                        #expect(error?["error_code"] as? String == "ENDPOINT_NOT_FOUND", "\(place)")
                    }
                }
            }
        }
        // Read back through the store: the first run as the client logged it.
        let experiment = try #require(try store.experiments().first { $0.name == "churn" })
        let runs = try store.searchRuns(experimentIDs: [experiment.id], filter: try RunFilter(parsing: "params.alpha = '0.5'"), orderBy: [], maxResults: 10, offset: 0)
        let run = try #require(runs.first)
        #expect(try store.params(runID: run.id) == ["alpha": "0.5", "depth": "6", "kind": "tree", "batch_param": "x"])
        let odd = try store.metricHistory(runID: run.id, key: "odd")
        #expect(odd.count == 2 && odd[0].value.isNaN && odd[1].value == .infinity && odd[1].timestamp == 1_700_000_003 && odd[1].step == 1)
        #expect(try store.tags(runID: run.id)["stage"] == "test" && store.tags(runID: run.id)["mlflow.runName"] == "first")
        #expect(try store.readArtifact(runID: run.id, path: "notes/hello.txt") == Array("hello\n".utf8))
        #expect(try store.readArtifact(runID: run.id, path: "model/model.bin") == Array((0..<1024).map { UInt8($0 % 256) }))
        #expect(try store.modelVersion(name: "churn-model", version: 1).artifactPath == "model")
        #expect(try store.registeredModel(name: "churn-model").aliases == ["prod": 2])
        let log = try store.auditLog(model: "churn-model", alias: nil, limit: 100).map(\.action)
        #expect(log.contains("set_alias") && log.contains("delete_alias"), "\(log)")
        // The model archive the client logged, registered and called `prod`: DS Toolbox loads it
        // by that alias and predicts with it.
        try Toolbox.registerAll()
        let prod = try store.modelVersion(name: "churn-model", alias: "prod")
        #expect(prod.version == 2 && prod.artifactPath == "model.dstbx")
        let uploaded = try #require(transcript.exchanges.first { $0.method == "PUT" && $0.path.hasSuffix("/model.dstbx") }?.rawBody)
        #expect(try store.readArtifact(runID: prod.runID, path: "model.dstbx") == uploaded)
        let model = try #require(try await store.loadModel(uri: "models:/churn-model@prod") as? any Predictor)
        let predictions = try model.predict(try Matrix(rows: 2, columns: 3, values: [0, 0, 0, 1, -1, 2]))
        #expect(predictions.count == 2 && predictions.allSatisfy { $0 == 0 || $0 == 1 }, "\(predictions)")
    }

    /// Fields whose values are the server's own: times, and MLflow's extra error fields.
    static let volatile: Set<String> = ["creation_time", "last_update_time", "creation_timestamp", "last_updated_timestamp", "message", "store_type", "gateway", "presigned_upload_run_id_supported", "presigned_upload_model_id_supported"]
    static let mlflowOnly: Set<String> = ["sqlstate", "error_class", "workspace", "tags", "run_link",
                                          "aliases", "deployment_job_state"]

    /// The differences between MLflow's answer and ours, by JSON path.
    static func compare(_ expected: Any, _ ours: Any, _ ids: [String: String], at path: String) -> [String] {
        if let e = expected as? [String: Any] {
            guard let o = ours as? [String: Any] else { return ["\(path): an object in MLflow's answer, \(ours) in ours"] }
            var out: [String] = []
            for (key, value) in e where !volatile.contains(key) {
                guard let mine = o[key] else {
                    if !mlflowOnly.contains(key) { out.append("\(path).\(key): missing") }
                    continue
                }
                // tags lists are compared when both have them.
                out += compare(value, mine, ids, at: "\(path).\(key)")
            }
            for key in o.keys where e[key] == nil && !volatile.contains(key) && !["aliases", "tags", "latest_versions"].contains(key) {
                out.append("\(path).\(key): not in MLflow's answer")
            }
            return out
        }
        if let e = expected as? [Any] {
            guard let o = ours as? [Any] else { return ["\(path): an array in MLflow's answer"] }
            guard e.count == o.count else { return ["\(path): \(e.count) items in MLflow's answer, \(o.count) in ours"] }
            // Lists of keyed entries (metrics, params, tags, files) in any order.
            let sortKey = { (item: Any) -> String in
                let object = item as? [String: Any]
                return (object?["key"] as? String) ?? (object?["path"] as? String) ?? (object?["name"] as? String) ?? ""
            }
            let es = e.sorted { sortKey($0) < sortKey($1) }, os = o.sorted { sortKey($0) < sortKey($1) }
            return zip(es, os).enumerated().flatMap { compare($0.element.0, $0.element.1, ids, at: "\(path)[\($0.offset)]") }
        }
        if let e = expected as? String {
            let mapped = MLflowTranscript.mapped(e, ids)
            if let o = ours as? String, o == mapped || o == e { return [] }
            return ["\(path): \"\(e)\" in MLflow's answer, \(ours) in ours"]
        }
        if let e = expected as? NSNumber {
            // MLflow's SQL store keeps +∞ as the largest double; DS Toolbox keeps it.
            if e.doubleValue == Double.greatestFiniteMagnitude, ours as? String == "Infinity" { return [] }
            if let o = ours as? NSNumber, o.doubleValue == e.doubleValue { return [] }
            return ["\(path): \(e) in MLflow's answer, \(ours) in ours"]
        }
        return []
    }
}
