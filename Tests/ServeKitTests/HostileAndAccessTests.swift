import DSToolbox
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import ServeKit
import Testing
import ToolboxHTTP

/// Every bad request is a 4xx whose JSON error names the problem; every route but the health
/// checks needs a key holding its scope; limits answer 429, 503 and 504.
@Suite("Model server: hostile requests and access")
struct HostileAndAccessTests {
    @Test func badRequestsAre4xxNamingTheProblem() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await fixture.server { $0.maxBody = 300_000 })
        let good = fixture.record(0)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let column = { (name: String, datatype: String, data: String) in #"{"name": "\#(name)", "shape": [1], "datatype": "\#(datatype)", "data": \#(data)}"# }
        let v2Good = ServeFixture.features.prefix(4).map { column($0, "FP64", "[1.5]") } + [column("plan", "BYTES", #"["pro"]"#)]
        let cases: [(uri: String, body: [UInt8], status: Int, says: String)] = [
            ("/v1/models/churn:predict", Array(#"{"instances": [[1, 2]]}"#.utf8), 422, "holds 2 values; the model takes 5"),
            ("/v1/models/churn:predict", Array(#"{"instances": [{"age": 1, "income": 2, "tenure": 3, "score": 4}]}"#.utf8), 422, "lacks column plan"),
            ("/v1/models/churn:predict", Array(#"{"instances": [{"age": "old", "income": 2, "tenure": 3, "score": 4, "plan": "pro"}]}"#.utf8), 422, "instances[0].age"),
            ("/v1/models/churn:predict", Array(#"{"instances": [{"age": 1, "income": 2, "tenure": 3, "score": 4, "plan": "gold"}]}"#.utf8), 422, "not seen in fit"),
            ("/v1/models/churn:predict", Array(#"{"instances": [{"age": 1, "income": 2, "tenure": 3, "score": 4, "plan": 7}]}"#.utf8), 422, "categorical"),
            ("/v1/models/logistic:predict", Array(#"{"instances": [[1, null, 3, 4]]}"#.utf8), 422, "(instances[0].income)"),
            ("/v1/models/churn:predict", [], 400, "empty"),
            ("/v1/models/churn:predict", Array(#"{"instances": [\#(good)], "instances": []}"#.utf8), 400, "duplicate key"),
            ("/v1/models/churn:predict", Array(#"{"instances": [{"age": 1, "age": 2}]}"#.utf8), 400, "duplicate key"),
            ("/v1/models/churn:predict", Array(#"{"instances": [{"plan": ""#.utf8) + [0xC3, 0x28] + Array(#""}]}"#.utf8), 400, "UTF-8"),
            ("/v1/models/churn:predict", Array(#"{"instances": [[1e999, 2, 3, 4, "pro"]]}"#.utf8), 400, "out of the range"),
            ("/v1/models/churn:predict", Array(#"{"instances": [[NaN, 2, 3, 4, "pro"]]}"#.utf8), 400, "not JSON"),
            ("/v1/models/churn:predict", Array(deep.utf8), 400, "nested deeper"),
            ("/v1/models/churn:predict", Array(#"{"instances": [\#(good)]} trailing"#.utf8), 400, "after the JSON document"),
            ("/v1/models/churn:predict", Array(#"[1, 2]"#.utf8), 400, "V1 takes an object"),
            ("/v1/models/churn:predict", Array(#"{"rows": []}"#.utf8), 400, "lacks \"instances\""),
            ("/v1/models/churn:predict", Array(#"{"instances": 3}"#.utf8), 400, "must be a list"),
            ("/v1/models/churn:predict", Array(#"{"instances": []}"#.utf8), 422, "no rows"),
            ("/v1/models/churn:predict", Array(#"{"instances": [\#(good)], "parameters": {"probabilities": "yes"}}"#.utf8), 400, "parameters.probabilities"),
            ("/v1/models/spend:predict", Array(#"{"instances": [\#(good)], "parameters": {"probabilities": true}}"#.utf8), 400, "needs a classifier"),
            ("/v1/models/churn:predict", Array(("{\"instances\": [" + String(repeating: "\(good), ", count: 4_000) + good + "]}").utf8), 413, "larger than the limit"),
            ("/v2/models/churn/infer", Array(#"{"inputs": []}"#.utf8), 400, "lacks \"inputs\""),
            ("/v2/models/churn/infer", Array(#"{"inputs": [\#(v2Good.dropLast().joined(separator: ", "))]}"#.utf8), 400, "lacks the inputs plan"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [\#((v2Good + [column("color", "FP64", "[1]")]).joined(separator: ", "))]}"#.utf8), 400, "color"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [\#((v2Good.dropFirst() + [column("age", "FP64", #"["x"]"#)]).joined(separator: ", "))]}"#.utf8), 400, "FP64 data are numbers"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [\#((v2Good.dropFirst() + [column("age", "INT8", "[300]")]).joined(separator: ", "))]}"#.utf8), 400, "INT8"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [\#((v2Good.dropFirst() + [column("age", "FP128", "[1]")]).joined(separator: ", "))]}"#.utf8), 400, "datatype"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [\#((v2Good.dropFirst() + [#"{"name": "age", "shape": [2], "datatype": "FP64", "data": [1]}"#]).joined(separator: ", "))]}"#.utf8), 400, "needs 2"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [\#((v2Good.dropFirst() + [column("age", "BOOL", "[1]")]).joined(separator: ", "))]}"#.utf8), 400, "BOOL"),
            ("/v2/models/churn/infer", Array(#"{"id": 5, "inputs": [\#(v2Good.joined(separator: ", "))]}"#.utf8), 400, "id is"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [\#(v2Good.joined(separator: ", "))], "outputs": [{"name": "value"}]}"#.utf8), 400, "asks for"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]}"#.utf8), 400, "takes 5 features"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [{"name": "x", "shape": [-1, 5], "datatype": "FP64", "data": []}]}"#.utf8), 400, "shape[0]"),
            ("/v2/models/churn/infer", Array(#"{"inputs": [{"name": "x", "shape": [1000000000000, 5], "datatype": "FP64", "data": []}]}"#.utf8), 400, "shape[0]"),
        ]
        try await app.test(.router) { client in
            for (uri, body, status, says) in cases {
                let answer = try await ServeFixture.call(client, .post, uri, key: fixture.keys["admin"]!, raw: body, headers: [.contentType: "application/json"])
                let error = answer.json?["error"] as? String ?? ""
                #expect(answer.status == status && error.contains(says), "\(String(decoding: body.prefix(120), as: UTF8.self)) -> \(answer.status) \(answer.text.prefix(300))")
            }
            // Unknown routes and wrong methods are JSON too.
            let unknown = try await ServeFixture.call(client, .get, "/v3/nothing", key: fixture.keys["admin"]!)
            #expect(unknown.status == 404 && unknown.json?["error"] != nil)
            let method = try await ServeFixture.call(client, .get, "/v1/models/churn:predict", key: fixture.keys["admin"]!)
            #expect(method.status == 405 && method.json?["error"] != nil)
            let model = try await ServeFixture.call(client, .post, "/v1/models/nope:predict", key: fixture.keys["admin"]!, body: "{}")
            #expect(model.status == 404 && (model.json?["error"] as? String)?.contains("nope") == true)
            // The server still answers well after all that.
            #expect(try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: #"{"instances": [\#(good)]}"#).status == 200)
        }
    }

    /// No key, an empty or malformed header, a wrong or revoked key, another model's key, a key
    /// in the query string: refused on every route but the health checks.
    @Test func authMatrixOnEveryRoute() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await fixture.server())
        let predictBody = #"{"instances": [\#(fixture.record(0))]}"#
        let v2Body = fixture.v2Columns(0)
        // (method, uri, body, a key that may, a key that may not)
        let routes: [(HTTPRequest.Method, String, String?, String, String?)] = [
            (.get, "/v1/models", nil, "churn", nil),
            (.get, "/v1/models/churn", nil, "churn", "spend"),
            (.post, "/v1/models/churn:predict", predictBody, "churn", "spend"),
            (.post, "/v1/models/churn:explain", predictBody, "explain", "churn"),
            (.get, "/v2", nil, "churn", nil),
            (.get, "/v2/models/churn", nil, "churn", "spend"),
            (.get, "/v2/models/churn/ready", nil, "churn", "spend"),
            (.get, "/v2/models/churn/versions/1", nil, "all", "spend"),
            (.get, "/v2/models/churn/versions/1/ready", nil, "all", "spend"),
            (.post, "/v2/models/churn/infer", v2Body, "all", "explain"),
            (.post, "/v2/models/churn/versions/1/infer", v2Body, "churn", "spend"),
            (.get, "/metrics", nil, "metrics", "churn"),
            (.get, "/openapi.json", nil, "churn", nil),
            (.post, "/admin/models/churn/reload", nil, "admin", "all"),
            (.get, "/v1/models/churn/monitor", nil, "metrics", "spend"),
            (.get, "/admin/routes", nil, "admin", "churn"),
            (.put, "/admin/routes/churn", #"{"strategy": "ab", "arms": [{"model": "churn"}]}"#, "admin", "all"),
        ]
        try await app.test(.router) { client in
            for (method, uri, body, allowed, refused) in routes {
                for headers: HTTPFields in [[:], [.authorization: ""], [.authorization: "Bearer "], [.authorization: "Basic abc"], [.authorization: "Bearer dst_0_wrong"],
                                            [.authorization: "Bearer \(fixture.keys["revoked"]!)"]] {
                    let answer = try await ServeFixture.call(client, method, uri, body: body, headers: headers)
                    #expect(answer.status == 401 && answer.json?["error"] != nil && answer.headers[.wwwAuthenticate] == "Bearer", "\(uri) \(headers) -> \(answer.status)")
                }
                if let refused {
                    let answer = try await ServeFixture.call(client, method, uri, key: fixture.keys[refused]!, body: body)
                    #expect(answer.status == 403, "\(uri) with \(refused) -> \(answer.status) \(answer.text)")
                }
                let key = fixture.keys[allowed]!
                let inQuery = try await ServeFixture.call(client, method, uri + "?api_key=\(key)", body: body)
                #expect(inQuery.status == 400 && (inQuery.json?["error"] as? String)?.contains("Authorization header") == true, "\(uri)")
                let answer = try await ServeFixture.call(client, method, uri, key: key, body: body)
                #expect((200..<300).contains(answer.status), "\(uri) with \(allowed) -> \(answer.status) \(answer.text)")
            }
            for uri in ["/v2/health/live", "/v2/health/ready"] {
                #expect(try await ServeFixture.call(client, .get, uri).status == 200)
            }
        }
    }

    @Test func rateLimitsTimeoutsAndAFullQueue() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let body = #"{"instances": [\#(fixture.record(0))]}"#
        let app = Application(responder: try await fixture.server())
        try await app.test(.router) { client in
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<4 {
                let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["limited"]!, body: body)
                statuses.append(answer.status)
                if answer.status == 429 { retryAfter = answer.headers[.retryAfter] }
            }
            // 2 a minute: a burst of one, then nothing for 30 s (slow enough for a loaded machine).
            #expect(statuses == [200, 429, 429, 429], "\(statuses)")
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
            // Other keys are not limited by it.
            #expect(try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body).status == 200)
        }
        // A request past its timeout is 504.
        let slow = Application(responder: try await fixture.server { $0.timeout = 1e-9 })
        try await slow.test(.router) { client in
            let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body)
            #expect(answer.status == 504 && (answer.json?["error"] as? String)?.contains("timeout") == true, "\(answer.text)")
        }
    }

    /// One worker, held by another request: with no queue a request is answered 503 with
    /// Retry-After; with a queue it waits for the worker and is answered, or 504 once it has
    /// waited past its timeout.
    @Test func aFullQueueIs503AndAQueuedRequestWaits() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let body = #"{"instances": [\#(fixture.record(0))]}"#
        let full = try await fixture.server { $0.workers = 1; $0.maxQueue = 0 }
        try await Application(responder: full).test(.router) { client in
            try await full.admission.enter(deadline: .now + .seconds(60))
            let busy = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body)
            #expect(busy.status == 503 && busy.headers[.retryAfter] == "1" && (busy.json?["error"] as? String)?.contains("busy") == true, "\(busy.text)")
            full.admission.leave()
            #expect(try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body).status == 200)
        }
        let queued = try await fixture.server { $0.workers = 1; $0.maxQueue = 4; $0.timeout = 5 }
        try await Application(responder: queued).test(.router) { client in
            try await queued.admission.enter(deadline: .now + .seconds(60))
            async let waiting = ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body)
            try await Self.untilQueued(queued)
            queued.admission.leave()
            #expect(try await waiting.status == 200)
        }
        let short = try await fixture.server { $0.workers = 1; $0.maxQueue = 4; $0.timeout = 0.05 }
        try await Application(responder: short).test(.router) { client in
            try await short.admission.enter(deadline: .now + .seconds(60))
            async let waiting = ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body)
            try await Self.untilQueued(short)
            try await Task.sleep(for: .milliseconds(100))   // past the request's 50 ms
            short.admission.leave()
            let answer = try await waiting
            #expect(answer.status == 504 && (answer.json?["error"] as? String)?.contains("waited in the queue") == true, "\(answer.text)")
        }
    }

    /// Waits (up to 30 s) until a request waits in the server's queue.
    static func untilQueued(_ server: InferenceServer) async throws {
        for _ in 0..<3_000 where server.admission.waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.admission.waiting == 1)
    }

    /// Reloading swaps in a new version; a corrupt new file keeps the old one serving.
    @Test func reloadKeepsTheOldModelWhenTheNewOneFails() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await fixture.server())
        let body = #"{"instances": [\#(fixture.record(0))]}"#
        try await app.test(.router) { client in
            let admin = fixture.keys["admin"]!
            let before = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: admin, body: body)
            // A corrupt file: the reload fails, version 1 stays.
            try Data("not a model".utf8).write(to: URL(fileURLWithPath: fixture.classifierPath))
            let failed = try await ServeFixture.call(client, .post, "/admin/models/churn/reload", key: admin)
            #expect(failed.status == 422 && (failed.json?["error"] as? String)?.contains("version 1 is still served") == true, "\(failed.text)")
            let during = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: admin, body: body)
            #expect(during.status == 200 && during.text == before.text)
            // A good file: version 2, and version 1 is still addressable.
            try FileManager.default.removeItem(atPath: fixture.classifierPath)
            try FileManager.default.copyItem(atPath: fixture.regressorPath, toPath: fixture.classifierPath)
            let reloaded = try await ServeFixture.call(client, .post, "/admin/models/churn/reload", key: admin)
            #expect(reloaded.status == 200 && reloaded.json?["version"] as? String == "2", "\(reloaded.text)")
            let after = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: admin, body: body)
            #expect(after.json?["predictions"] as? [Double] != nil, "\(after.text)")
            #expect(try await ServeFixture.call(client, .get, "/v2/models/churn", key: admin).json?["versions"] as? [String] == ["1", "2"])
            let old = try await ServeFixture.call(client, .post, "/v2/models/churn/versions/1/infer", key: admin, body: fixture.v2Columns(0))
            #expect(old.status == 200 && (old.json?["outputs"] as? [[String: Any]])?.first?["name"] as? String == "label", "\(old.text)")
            #expect(old.json?["model_version"] as? String == "1")
        }
    }
}
