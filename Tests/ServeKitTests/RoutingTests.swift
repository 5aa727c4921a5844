import DSToolbox
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import ServeKit
import Testing
import ToolboxHTTP

/// A/B splits, sticky canaries, shadows, a Thompson-sampling bandit fed by feedback, and a
/// circuit breaker, over live requests.
@Suite("Model server: routing")
struct RoutingTests {
    static let armHeader = HTTPField.Name("X-Route-Arm")!
    static let idHeader = HTTPField.Name("X-Request-ID")!
    static let userHeader = HTTPField.Name("X-User")!

    static func server(_ fixture: ServeFixture, routes: String) async throws -> InferenceServer {
        let repository = try await fixture.repository()
        try await repository.add(name: "churn-v2", source: ModelSource(fixture.classifierPath))
        let table = RouteTable()
        for (name, spec) in try RouteSpec.routes(text: routes) { try table.set(name, spec, models: repository) }
        return InferenceServer(models: repository, keys: try APIKeyring(path: fixture.keyFile), routes: table)
    }

    static func arms(_ client: some TestClientProtocol, _ fixture: ServeFixture, _ name: String) async throws -> [String: [String: Any]] {
        let monitor = try await ServeFixture.call(client, .get, "/v1/models/\(name)/monitor", key: fixture.keys["admin"]!)
        let arms = monitor.json?["arms"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: arms.map { ($0["name"] as! String, $0) })
    }

    /// 10,000 requests on a 70/30 split: each arm's share within 2 points.
    @Test func abSplitWithinTwoPoints() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await Self.server(fixture, routes: """
            churn-ab:
              strategy: ab
              arms: [{name: a, model: churn, weight: 7}, {name: b, model: churn-v2, weight: 3}]
            """))
        let body = #"{"instances": [\#(fixture.record(0))]}"#
        try await app.test(.router) { client in
            let counts = try await Self.send(client, fixture, count: 10_000, body: body)
            try await Self.checkSplit(client, fixture, counts)
        }
    }

    static func send(_ client: some TestClientProtocol, _ fixture: ServeFixture, count: Int, body: String) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for _ in 0..<count {
            let answer = try await ServeFixture.call(client, .post, "/v1/models/churn-ab:predict", key: fixture.keys["admin"]!, body: body)
            #expect(answer.status == 200)
            let arm: String = answer.headers[armHeader] ?? "?"
            counts[arm, default: 0] += 1
        }
        return counts
    }

    static func checkSplit(_ client: some TestClientProtocol, _ fixture: ServeFixture, _ counts: [String: Int]) async throws {
        let a: Int = counts["a"] ?? 0, b: Int = counts["b"] ?? 0
        let share = Double(a) / 10_000
        #expect(abs(share - 0.7) <= 0.02 && a + b == 10_000, "\(counts)")
        let arms = try await Self.arms(client, fixture, "churn-ab")
        let seenA = arms["a"]?["requests"] as? Int, seenB = arms["b"]?["requests"] as? Int
        #expect(seenA == a && seenB == b)
        // The route's name is listed.
        let listing = try await ServeFixture.call(client, .get, "/v1/models", key: fixture.keys["churn"]!)
        let names = listing.json?["models"] as? [String] ?? []
        #expect(names.contains("churn-ab"))
    }

    /// A canary keyed by a header: a user always gets the same arm; about the canary's weight of
    /// users get the canary.
    @Test func canaryIsStickyByKey() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await Self.server(fixture, routes: """
            churn:
              strategy: canary
              sticky_key: header:X-User
              arms: [{name: stable, model: churn, weight: 0.8}, {name: canary, model: churn-v2, weight: 0.2}]
            """))
        let body = #"{"instances": [\#(fixture.record(0))]}"#
        try await app.test(.router) { client in
            var assigned: [String: String] = [:]
            for round in 0..<3 {
                for user in 0..<500 {
                    let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body,
                                                             headers: [Self.userHeader: "user-\(user)"])
                    let arm = answer.headers[Self.armHeader] ?? "?"
                    if round == 0 { assigned["user-\(user)"] = arm } else { #expect(assigned["user-\(user)"] == arm) }
                }
            }
            let share = Double(assigned.values.filter { $0 == "canary" }.count) / 500
            #expect(abs(share - 0.2) < 0.06, "\(share)")
        }
    }

    /// A shadow gets every request's copy and is compared; only the primary's answer is returned.
    @Test func shadowIsComparedNeverReturned() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await Self.server(fixture, routes: """
            churn:
              strategy: shadow
              arms: [{name: live, model: churn}, {name: candidate, model: logistic}]
            """))
        try await app.test(.router) { client in
            for i in 0..<40 {
                let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: #"{"instances": [\#(fixture.record(i))]}"#)
                #expect(answer.status == 200 && answer.headers[Self.armHeader] == "live")
            }
            var compared = 0
            for _ in 0..<1_500 where compared < 40 {
                try await Task.sleep(for: .milliseconds(20))
                compared = try await Self.arms(client, fixture, "churn")["candidate"]?["shadow"].flatMap { ($0 as? [String: Any])?["compared"] as? Int } ?? 0
            }
            let arms = try await Self.arms(client, fixture, "churn")
            let shadow = try #require(arms["candidate"]?["shadow"] as? [String: Any])
            #expect(shadow["compared"] as? Int == 40)
            let agreement = try #require(shadow["agreement"] as? Double)
            #expect(agreement > 0.6 && agreement <= 1, "\(agreement)")
            #expect(arms["live"]?["requests"] as? Int == 40)
        }
    }

    /// Two arms whose rewards are Bernoulli(0.75) and Bernoulli(0.35): within 2,000 feedback
    /// events the better arm takes at least 80% of traffic (over the last 500 requests).
    @Test func banditShiftsTrafficToTheBetterArm() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await Self.server(fixture, routes: """
            churn:
              strategy: bandit
              reward: beta
              seed: 7
              arms: [{name: worse, model: churn}, {name: better, model: churn-v2}]
            """))
        let body = #"{"instances": [\#(fixture.record(0))]}"#
        try await app.test(.router) { client in
            var generator = SeededGenerator(seed: 3)
            var chosen: [String] = []
            for _ in 0..<2_000 {
                let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body)
                let arm = answer.headers[Self.armHeader] ?? "?"
                let id = try #require(answer.headers[Self.idHeader])
                chosen.append(arm)
                let reward = generator.nextUniform() < (arm == "better" ? 0.75 : 0.35) ? 1 : 0
                let feedback = try await ServeFixture.call(client, .post, "/v1/models/churn/feedback", key: fixture.keys["churn"]!, body: #"{"id": "\#(id)", "reward": \#(reward)}"#)
                #expect(feedback.status == 200 && feedback.json?["arm"] as? String == arm)
            }
            let late = chosen.suffix(500)
            let share = Double(late.filter { $0 == "better" }.count) / Double(late.count)
            #expect(share >= 0.8, "\(share)")
            let arms = try await Self.arms(client, fixture, "churn")
            #expect(arms["better"]?["feedback"] as? Int == chosen.filter { $0 == "better" }.count)
            // Feedback is taken once per request; unknown ids are 404.
            let once = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body)
            let id = once.headers[Self.idHeader]!
            #expect(try await ServeFixture.call(client, .post, "/v1/models/churn/feedback", key: fixture.keys["churn"]!, body: #"{"id": "\#(id)", "label": "yes"}"#).status == 200)
            #expect(try await ServeFixture.call(client, .post, "/v1/models/churn/feedback", key: fixture.keys["churn"]!, body: #"{"id": "\#(id)", "label": "yes"}"#).status == 409)
            #expect(try await ServeFixture.call(client, .post, "/v1/models/churn/feedback", key: fixture.keys["churn"]!, body: #"{"id": "nope", "reward": 1}"#).status == 404)
            #expect(try await ServeFixture.call(client, .post, "/v1/models/churn/feedback", key: fixture.keys["churn"]!, body: #"{"id": "x", "reward": 2}"#).status == 404)
        }
    }

    /// Feedback with true labels gives live accuracy per arm; V2's request id joins too.
    @Test func feedbackGivesLiveAccuracy() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await fixture.server())
        let model = try ModelFile.load(fixture.classifierPath)
        let truth = try fixture.table.categoricalColumn(named: "churned")
        try await app.test(.router) { client in
            var right = 0
            for i in 0..<30 {
                let answer = try await ServeFixture.call(client, .post, "/v2/models/churn/infer", key: fixture.keys["churn"]!,
                                                         body: fixture.v2Columns(i).replacingOccurrences(of: #"{"inputs""#, with: #"{"id": "r\#(i)", "inputs""#))
                #expect(answer.json?["id"] as? String == "r\(i)")
                let predicted = try model.predictions(try fixture.table.rows(at: [i])).labels![0].description
                if predicted == truth[i] { right += 1 }
                #expect(try await ServeFixture.call(client, .post, "/v1/models/churn/feedback", key: fixture.keys["churn"]!,
                                                    body: #"{"id": "r\#(i)", "label": "\#(truth[i]!)"}"#).status == 200)
            }
            let arm = try #require(try await Self.arms(client, fixture, "churn")["default"])
            #expect(arm["accuracy"] as? Double == Double(right) / 30 && arm["feedback"] as? Int == 30)
            // A regressor's feedback gives its error.
            let spend = try await ServeFixture.call(client, .post, "/v1/models/spend:predict", key: fixture.keys["spend"]!, body: #"{"instances": [\#(fixture.record(0))]}"#)
            let value = try #require((spend.json?["predictions"] as? [Double])?.first)
            let id = spend.headers[Self.idHeader]!
            #expect(try await ServeFixture.call(client, .post, "/v1/models/spend/feedback", key: fixture.keys["spend"]!, body: #"{"id": "\#(id)", "value": \#(value + 2)}"#).status == 200)
            let spendArm = try #require(try await Self.arms(client, fixture, "spend")["default"])
            #expect(abs((spendArm["mae"] as? Double ?? 0) - 2) < 1e-9 && abs((spendArm["mean_reward"] as? Double ?? 0) + 2) < 1e-9)
        }
    }

    /// An arm whose latency crosses the breaker's threshold gets no traffic until its cooldown
    /// ends; its requests go to the fallback.
    @Test func breakerTakesASlowArmOut() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await Self.server(fixture, routes: """
            churn:
              strategy: canary
              fallback: stable
              arms: [{name: stable, model: churn, weight: 0.5}, {name: canary, model: churn-v2, weight: 0.5}]
              breaker: {error_rate: 0.5, latency_ms: 0.000001, window: 20, min_requests: 5, cooldown_seconds: 600}
            """))
        let body = #"{"instances": [\#(fixture.record(0))]}"#
        try await app.test(.router) { client in
            var arms: [String] = []
            for _ in 0..<200 {
                let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body)
                #expect(answer.status == 200)
                arms.append(answer.headers[Self.armHeader] ?? "?")
            }
            // Both arms trip after 5 answers each; then everything goes to the fallback.
            let monitor = try await Self.arms(client, fixture, "churn")
            #expect((monitor["canary"]?["breaker"] as? [String: Any])?["open"] as? Bool == true)
            #expect(monitor["canary"]?["requests"] as? Int == 5, "\(monitor)")
            #expect(arms.suffix(150).allSatisfy { $0 == "stable" })
        }
    }

    /// Routes change at run time; bad routes are refused naming the key.
    @Test func routesChangeAtRunTime() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await Self.server(fixture, routes: "{}"))
        try await app.test(.router) { client in
            let admin = fixture.keys["admin"]!
            let route = #"{"strategy": "ab", "arms": [{"name": "a", "model": "churn", "weight": 1}, {"name": "b", "model": "churn-v2", "weight": 0}]}"#
            #expect(try await ServeFixture.call(client, .put, "/admin/routes/churn", key: fixture.keys["churn"]!, body: route).status == 403)
            #expect(try await ServeFixture.call(client, .put, "/admin/routes/churn", key: admin, body: route).status == 200)
            let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: admin, body: #"{"instances": [\#(fixture.record(0))]}"#)
            #expect(answer.headers[Self.armHeader] == "a")
            #expect(try await ServeFixture.call(client, .get, "/admin/routes/churn", key: admin).json?["strategy"] as? String == "ab")
            for (bad, says) in [(#"{"strategy": "roulette", "arms": []}"#, "churn.strategy"),
                                (#"{"strategy": "ab", "arms": [{"model": "nope"}]}"#, "no model named nope"),
                                (#"{"strategy": "ab", "arms": [{"model": "churn", "weight": -1}]}"#, "churn.arms[0].weight"),
                                (#"{"strategy": "ab", "arms": [{"model": "churn"}], "colour": 1}"#, "churn.colour"),
                                (#"{"strategy": "ab", "arms": [{"model": "churn"}], "breaker": {"window": 0}}"#, "churn.breaker.window")] {
                let refused = try await ServeFixture.call(client, .put, "/admin/routes/churn", key: admin, body: bad)
                #expect(refused.status == 400 && (refused.json?["error"] as? String)?.contains(says) == true, "\(bad) -> \(refused.text)")
            }
            #expect(try await ServeFixture.call(client, .delete, "/admin/routes/churn", key: admin).status == 200)
            #expect(try await ServeFixture.call(client, .delete, "/admin/routes/churn", key: admin).status == 404)
        }
        #expect(throws: ToolboxError.self) { try RouteSpec.routes(text: "churn: {strategy: ab, arms: [{model: a, weight: x}]}") }
    }
}
