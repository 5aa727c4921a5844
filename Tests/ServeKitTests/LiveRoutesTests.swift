import DSToolbox
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import ServeKit
import Testing
import ToolboxHTTP

/// Every route live on 127.0.0.1 (a real socket, Hummingbird's HTTP/1.1 server): the right key
/// gets a 2xx, no key a 401 (but the health checks), a malformed body a 4xx.
@Suite("Model server: every route live")
struct LiveRoutesTests {
    @Test func everyRouteOverASocket() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        // A header timeout far above any pause a loaded machine makes between requests on a kept-alive
        // connection (slow clients are dropped in their own test).
        let app = Application(responder: try await fixture.server(), server: HTTPSupport.server(headerTimeout: 60))
        let predict = #"{"instances": [\#(fixture.record(0))]}"#
        try await app.test(.live) { client in
            let predicted = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: predict)
            let id = try #require(predicted.headers[HTTPField.Name("X-Request-ID")!])
            let routes: [(HTTPRequest.Method, String, String?, String?)] = [
                (.get, "/v1/models", nil, "churn"),
                (.get, "/v1/models/churn", nil, "churn"),
                (.post, "/v1/models/churn:predict", predict, "churn"),
                (.post, "/v1/models/churn:explain", predict, "explain"),
                (.post, "/v1/models/churn/feedback", #"{"id": "\#(id)", "label": "yes"}"#, "churn"),
                (.get, "/v1/models/churn/monitor", nil, "metrics"),
                (.get, "/v2", nil, "churn"),
                (.get, "/v2/health/live", nil, nil),
                (.get, "/v2/health/ready", nil, nil),
                (.get, "/v2/models/churn", nil, "churn"),
                (.get, "/v2/models/churn/ready", nil, "churn"),
                (.get, "/v2/models/churn/versions/1", nil, "churn"),
                (.get, "/v2/models/churn/versions/1/ready", nil, "churn"),
                (.post, "/v2/models/churn/infer", fixture.v2Columns(1), "churn"),
                (.post, "/v2/models/churn/versions/1/infer", fixture.v2Columns(2), "churn"),
                (.get, "/metrics", nil, "metrics"),
                (.get, "/openapi.json", nil, "churn"),
                (.put, "/admin/routes/churn-ab", #"{"strategy": "ab", "arms": [{"model": "churn"}, {"model": "spend", "weight": 0}]}"#, "admin"),
                (.get, "/admin/routes", nil, "admin"),
                (.get, "/admin/routes/churn-ab", nil, "admin"),
                (.post, "/v1/models/churn-ab:predict", predict, "admin"),
                (.delete, "/admin/routes/churn-ab", nil, "admin"),
                (.post, "/admin/models/churn/reload", nil, "admin"),
            ]
            for (method, path, body, key) in routes {
                if key != nil {
                    let refused = try await ServeFixture.call(client, method, path, body: body)
                    #expect(refused.status == 401, "\(method) \(path) without a key -> \(refused.status)")
                }
                let answer = try await ServeFixture.call(client, method, path, key: key.map { fixture.keys[$0]! }, body: body)
                #expect((200..<300).contains(answer.status), "\(method) \(path) -> \(answer.status) \(answer.text.prefix(200))")
                if method == .post, body != nil, path.contains("models/churn") {
                    let malformed = try await ServeFixture.call(client, method, path, key: fixture.keys["admin"]!, body: "{\"instances\": [")
                    #expect((400..<500).contains(malformed.status) && malformed.json?["error"] != nil, "\(path) malformed -> \(malformed.status)")
                }
            }
        }
    }
}
