import DSToolbox
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import ServeKit
import Synchronization
import Testing
import ToolboxHTTP

/// Each request is logged as one structured line with its request id (the client's
/// X-Request-ID when given), route, model, arm, status and latency; never the query string.
@Suite("Model server: request logs")
struct RequestLogTests {
    final class Capture: Sendable {
        let entries = Mutex<[(Logger.Level, String, Logger.Metadata)]>([])
    }

    struct Handler: LogHandler {
        let capture: Capture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let message = "\(event.message)", metadata = event.metadata ?? [:]
            capture.entries.withLock { $0.append((event.level, message, metadata)) }
        }
    }

    @Test func requestsAreLoggedWithTheirIDs() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let capture = Capture()
        let logger = Logger(label: "test") { _ in Handler(capture: capture) }
        let server = InferenceServer(models: try await fixture.repository(), keys: try APIKeyring(path: fixture.keyFile), logger: logger)
        try await Application(responder: server).test(.router) { client in
            let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: #"{"instances": [\#(fixture.record(0))]}"#,
                                                     headers: [HTTPField.Name("X-Request-ID")!: "abc-123"])
            #expect(answer.status == 200 && answer.headers[HTTPField.Name("X-Request-ID")!] == "abc-123")
            _ = try await ServeFixture.call(client, .get, "/v1/models/churn?api_key=secret-key")
        }
        let entries = capture.entries.withLock { $0 }
        #expect(entries.count == 2)
        let first = try #require(entries.first)
        #expect(first.0 == .info && first.1 == "request")
        #expect(first.2["request_id"] == "abc-123" && first.2["route"] == "v1_predict" && first.2["model"] == "churn" && first.2["arm"] == "default")
        #expect(first.2["status"]?.description == "200" && first.2["latency_ms"] != nil && first.2["version"] == "1")
        // The refused query string never reaches the log.
        #expect(entries.allSatisfy { entry in !entry.2.values.contains { "\($0)".contains("secret-key") } })
        #expect(entries.last?.2["path"] == "/v1/models/churn" && entries.last?.2["status"]?.description == "400")
    }
}
