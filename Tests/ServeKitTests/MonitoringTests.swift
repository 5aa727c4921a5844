import DSToolbox
import Foundation
import Hummingbird
import HummingbirdTesting
import ServeKit
import Synchronization
import Testing
import ToolboxHTTP
import TrackKit

/// Live monitoring: a bounded, rotating prediction log; drift of live inputs against the
/// model's reference profile; webhook alerts for drift and error rates; routing outcomes in TrackKit.
@Suite("Model server: live monitoring")
struct MonitoringTests {
    /// A webhook receiver on 127.0.0.1 keeping what it is sent.
    final class Receiver: Sendable {
        let received = Mutex<[Data]>([])
        var all: [[String: Any]] { received.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.post("/alerts") { request, _ -> HTTPResponse.Status in
                let body = try await request.body.collect(upTo: 1 << 20)
                let data = Data(body.readableBytesView)
                self.received.withLock { $0.append(data) }
                return .ok
            }
            return Application(router: router)
        }
    }

    @Test func driftAlertsAndARotatingLog() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let receiver = Receiver()
        try await receiver.application().test(.live) { hook in
            var watch = MonitorConfiguration()
            watch.logDirectory = fixture.dir + "/log"
            watch.logMaxBytes = 8_192
            watch.references["churn"] = try ReferenceProfile(try fixture.table.selecting(ServeFixture.features))
            watch.driftWindow = 100
            watch.driftCheckEvery = 50
            watch.alertURL = URL(string: "http://127.0.0.1:\(hook.port!)/alerts")
            let monitor = try LiveMonitor(configuration: watch)
            let server = InferenceServer(models: try await fixture.repository(), keys: try APIKeyring(path: fixture.keyFile), monitor: monitor)
            let app = Application(responder: server)
            try await app.test(.router) { client in
                // Live rows like the reference: no drift.
                for i in 0..<100 {
                    #expect(try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: #"{"instances": [\#(fixture.record(i))]}"#).status == 200)
                }
                try await Self.waitFor {
                    let answer = try await ServeFixture.call(client, .get, "/v1/models/churn/monitor", key: fixture.keys["metrics"]!)
                    return Self.drift(answer)?["checked"] as? Bool == true
                }
                #expect(monitor.sentAlerts.isEmpty)
                // Shifted ages: drift, one alert naming the column.
                for i in 0..<150 {
                    let shifted = fixture.record(i, shift: ["age": 25])
                    #expect(try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: #"{"instances": [\#(shifted)]}"#).status == 200)
                }
                try await Self.waitFor { !receiver.all.isEmpty }
                let alert = try #require(receiver.all.first)
                #expect(alert["kind"] as? String == "drift" && alert["model"] as? String == "churn")
                #expect((alert["drifted_columns"] as? [String])?.contains("age") == true, "\(alert)")
                let drift = Self.drift(try await ServeFixture.call(client, .get, "/v1/models/churn/monitor", key: fixture.keys["metrics"]!))
                #expect(drift?["drift"] as? Bool == true)
            }
        }
        // The log rotated and stays bounded; every line is a JSON record of a request.
        let current = try Data(contentsOf: URL(fileURLWithPath: fixture.dir + "/log/predictions.jsonl"))
        let older = try Data(contentsOf: URL(fileURLWithPath: fixture.dir + "/log/predictions.1.jsonl"))
        #expect(current.count <= 8_192 && older.count <= 8_192 && !older.isEmpty)
        let lines = String(decoding: older, as: UTF8.self).split(separator: "\n")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(record["model"] as? String == "churn" && record["arm"] as? String == "default" && (record["inputs"] as? [[String: Any]])?.first?["plan"] != nil)
        #expect(record["outputs"] as? [String] != nil && record["latency_ms"] as? Double != nil && record["id"] as? String != nil)
    }

    /// A reference profile with a `prediction` column watches the model's predictions too:
    /// traffic that all predicts one class drifts in `prediction`.
    @Test func predictionsDriftToo() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let model = try ModelFile.load(fixture.classifierPath)
        let inputs = try fixture.table.selecting(ServeFixture.features)
        let labels = try model.predictions(inputs).labels!.map(\.description)
        var watch = MonitorConfiguration()
        watch.references["churn"] = try ReferenceProfile(try inputs.adding("prediction", .categorical(labels)))
        watch.driftWindow = 100
        watch.driftCheckEvery = 100
        let monitor = try LiveMonitor(configuration: watch)
        let server = InferenceServer(models: try await fixture.repository(), keys: try APIKeyring(path: fixture.keyFile), monitor: monitor)
        let yes = labels.indices.filter { labels[$0] == "yes" }
        try await Application(responder: server).test(.router) { client in
            for i in 0..<100 {
                let row = yes[i % yes.count]
                #expect(try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: #"{"instances": [\#(fixture.record(row))]}"#).status == 200)
            }
            var drift: [String: Any]?
            try await Self.waitFor {
                drift = Self.drift(try await ServeFixture.call(client, .get, "/v1/models/churn/monitor", key: fixture.keys["metrics"]!))
                return drift?["checked"] as? Bool == true
            }
            #expect((drift?["drifted_columns"] as? [String])?.contains("prediction") == true, "\(String(describing: drift))")
        }
    }

    /// An arm whose requests time out crosses the error-rate threshold: one alert.
    @Test func errorRateAlerts() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        var watch = MonitorConfiguration()
        watch.alertErrorRate = 0.5
        watch.alertMinRequests = 10
        let monitor = try LiveMonitor(configuration: watch)
        var configuration = ServeConfiguration()
        configuration.timeout = 1e-9
        let server = InferenceServer(models: try await fixture.repository(), keys: try APIKeyring(path: fixture.keyFile), monitor: monitor, configuration: configuration)
        try await Application(responder: server).test(.router) { client in
            for i in 0..<20 {
                #expect(try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: #"{"instances": [\#(fixture.record(i))]}"#).status == 504)
            }
            monitor.checkErrorRates(server.routes, names: server.routes.names)
            monitor.checkErrorRates(server.routes, names: server.routes.names)
            let alerts = monitor.sentAlerts
            #expect(alerts.count == 1)
            #expect(alerts.first?.objectValue?["kind"] == .string("error_rate") && alerts.first?.objectValue?["arm"] == .string("default"))
            let arm = try #require((try await ServeFixture.call(client, .get, "/v1/models/churn/monitor", key: fixture.keys["metrics"]!).json?["arms"] as? [[String: Any]])?.first)
            #expect(arm["errors"] as? Int == 20 && arm["error_rate"] as? Double == 1)
        }
    }

    /// Routing outcomes reach the store: one run per served name with per-arm metrics by step.
    @Test func routingOutcomesAreLoggedToTrackKit() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let store = try SQLiteTrackingStore(folder: fixture.dir + "/store")
        let repository = try await fixture.repository()
        let routes = RouteTable()
        try routes.set("churn-ab", RouteSpec(strategy: .ab, arms: [.init(name: "a", model: "churn"), .init(name: "b", model: "logistic", weight: 0)]), models: repository)
        let server = InferenceServer(models: repository, keys: try APIKeyring(path: fixture.keyFile), routes: routes)
        let tracker = RouteTracker(store: store)
        try await Application(responder: server).test(.router) { client in
            for i in 0..<7 {
                _ = try await ServeFixture.call(client, .post, "/v1/models/churn-ab:predict", key: fixture.keys["admin"]!, body: #"{"instances": [\#(fixture.record(i))]}"#)
            }
            try await tracker.log(routes)
            _ = try await ServeFixture.call(client, .post, "/v1/models/churn-ab:predict", key: fixture.keys["admin"]!, body: #"{"instances": [\#(fixture.record(0))]}"#)
            try await tracker.log(routes)
        }
        let runID = try #require(tracker.runIDs["churn-ab"])
        let history = try await store.metricHistory(runID: runID, key: "a.requests")
        #expect(history.map(\.value) == [7, 8] && history.map(\.step) == [0, 1])
        let tags = try await store.tags(runID: runID)
        #expect(tags["strategy"] == "ab" && tags["route"]?.contains("\"model\": \"logistic\"") == true)
        #expect(try await store.run(id: runID).name == "serve:churn-ab")
    }

    static func drift(_ answer: (status: Int, json: [String: Any]?, text: String, headers: HTTPFields)) -> [String: Any]? {
        (answer.json?["arms"] as? [[String: Any]])?.first?["drift"] as? [String: Any]
    }

    /// Waits up to 30 s (checks run off the request path, at low priority, on a busy machine).
    static func waitFor(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<3_000 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
