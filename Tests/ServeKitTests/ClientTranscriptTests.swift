import DSToolbox
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import ServeKit
import Testing
import ToolboxHTTP

/// The real Python clients, replayed: the exact requests kserve's `InferenceRESTClient` (V1 and
/// V2) and `tritonclient.http` sent to `dstoolbox serve` (Scripts/golden/record_serve_clients.py,
/// which also checked every answer against `learn predict`) get the same answers, byte for
/// byte in their values, from the server in process.
@Suite("Model server: the Python clients' transcript")
struct ClientTranscriptTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    @Test func kserveAndTritonClientsReplay() async throws {
        try Toolbox.registerAll()
        let transcript = try StrictJSON.parse(Array(try Data(contentsOf: Self.golden.appendingPathComponent("clients_transcript.json"))))
        guard case .array(let exchanges)? = transcript.objectValue?["exchanges"], case .string(let name)? = transcript.objectValue?["model"] else {
            Issue.record("not a transcript")
            return
        }
        let dir = NSTemporaryDirectory() + "dstb-clients-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try APIKeyFile.add(to: dir + "/keys.json", scopes: ["predict:*"]).key
        let models = ModelRepository()
        try await models.add(name: name, source: ModelSource(Self.golden.appendingPathComponent("clients_model.dstbx").path))
        let app = Application(responder: InferenceServer(models: models, keys: try APIKeyring(path: dir + "/keys.json")))
        #expect(exchanges.count >= 14)
        try await app.test(.router) { client in
            for (index, exchange) in exchanges.enumerated() {
                guard let entry = exchange.objectValue, case .string(let method)? = entry["method"], case .string(let path)? = entry["path"],
                      case .number(let status)? = entry["status"], case .string(let body)? = entry["body_base64"], let bytes = Data(base64Encoded: body) else {
                    Issue.record("exchange \(index) is malformed")
                    continue
                }
                var headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
                if case .string(let id)? = entry["request_id_header"] { headers[HTTPField.Name("X-Request-ID")!] = id }
                let response = try await client.execute(uri: path, method: HTTPRequest.Method(rawValue: method)!, headers: headers,
                                                        body: bytes.isEmpty ? nil : ByteBuffer(bytes: Array(bytes)))
                #expect(Int(response.status.code) == Int(status), "exchange \(index): \(method) \(path)")
                guard var recorded = entry["response"] else { continue }
                var answer = try StrictJSON.parse(Array(response.body.readableBytesView))
                // An id the server made up (the request had none) differs run to run.
                let requestHadID = (try? StrictJSON.parse(Array(bytes)))?.objectValue?["id"] != nil
                if !requestHadID, case .object(var a) = answer, case .object(var r) = recorded, a["id"] != nil {
                    a["id"] = nil
                    r["id"] = nil
                    answer = .object(a)
                    recorded = .object(r)
                }
                #expect(answer == recorded, "exchange \(index): \(method) \(path)")
            }
        }
    }
}
