import Foundation
import Hummingbird
import HTTPTypes
import Synchronization
import ToolboxCore
import ToolboxHTTP

/// The routes of a server, by served name; a name without a route of its own gets a one-arm
/// route to the model of that name (so every name has live numbers).
public final class RouteTable: Sendable {
    private let routers = Mutex<[String: Router]>([:])

    /// An empty table.
    public init() {}

    /// The route of `name`, if one was set.
    public func router(_ name: String) -> Router? { routers.withLock { $0[name] } }

    /// The route of `name`, or a new one-arm route to the model `name`.
    func routerOrDefault(_ name: String) -> Router {
        routers.withLock { routers in
            if let router = routers[name] { return router }
            let router = Router(spec: RouteSpec(strategy: .ab, arms: [RouteSpec.Arm(name: "default", model: name)]))
            routers[name] = router
            return router
        }
    }

    /// Sets (or replaces) the route of `name`, checking that its arms' models are served.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming an arm whose model is not served.
    public func set(_ name: String, _ spec: RouteSpec, models: ModelRepository) throws {
        try ModelRepository.checkName(name)
        for (index, arm) in spec.arms.enumerated() where models.model(arm.model) == nil {
            throw ToolboxError(.invalidParameter, "\(name).arms[\(index)]: no model named \(arm.model) is served; served: \(models.names.joined(separator: ", "))",
                               context: ErrorContext(parameter: "\(name).arms[\(index)].model"))
        }
        routers.withLock { $0[name] = Router(spec: spec) }
    }

    /// Removes the route of `name`; returns whether there was one.
    @discardableResult
    public func remove(_ name: String) -> Bool { routers.withLock { $0.removeValue(forKey: name) != nil } }

    /// The names with routes, sorted.
    public var names: [String] { routers.withLock { $0.keys.sorted() } }
}

/// Recent predictions by request id, for joining feedback: bounded, the oldest forgotten first.
final class FeedbackLog: Sendable {
    struct Entry: Sendable {
        let route: String
        let arm: Int
        let labels: [ClassLabel]?
        let values: [Double]?
        var answered = false
    }
    private struct State {
        var entries: [String: Entry] = [:]
        var order: [String] = []
        var head = 0
    }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func put(_ id: String, _ entry: Entry) {
        state.withLock { state in
            if state.entries.updateValue(entry, forKey: id) == nil { state.order.append(id) }
            while state.order.count - state.head > capacity {
                state.entries.removeValue(forKey: state.order[state.head])
                state.head += 1
            }
            if state.head > 4096, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// Takes the entry for feedback: `nil` when unknown, and an error when already answered.
    func take(_ id: String) throws -> Entry? {
        try state.withLock { state in
            guard var entry = state.entries[id] else { return nil }
            guard !entry.answered else { throw ServeError(.conflict, "feedback for request \(id) was already given") }
            entry.answered = true
            state.entries[id] = entry
            return entry
        }
    }
}

extension InferenceServer {
    enum Verb: String {
        case predict, explain, infer
        var scope: String { self == .explain ? "explain" : "predict" }
    }

    /// Predict, explain or infer on `name`: the route picks the arm (or `version` names one),
    /// the model answers, the route records the outcome, shadows get a copy, and the prediction
    /// is kept for feedback under the request's id.
    func inference(_ call: inout Call, name: String, version: String?, verb: Verb) async throws -> Response {
        call.route = verb == .infer ? "v2_infer" : "v1_\(verb.rawValue)"
        call.model = name
        // A version is served as it is; otherwise the name's route (or its one-arm default,
        // once the name is known to be served) picks the arm.
        let routed = version == nil ? routes.router(name) : nil
        let addressed = routed == nil ? try servedModel(name, version: version, call: &call) : nil
        _ = try authorize(call.request, .scopes(["\(verb.scope):\(name)"]))
        let raw = try await HTTPSupport.body(of: call.request, limit: configuration.maxBody)
        let deadline = call.start + .milliseconds(Int64(configuration.timeout * 1000))
        try await admission.enter(deadline: deadline)
        defer { admission.leave() }
        let body = try raw.withUnsafeReadableBytes { try StrictJSON.parse(buffer: $0, depthLimit: configuration.maxDepth) }
        // The request's id: V2's `id`, else the X-Request-ID header, else a new one.
        var requestID = call.request.headers[Self.requestIDHeader].flatMap { $0.isEmpty || $0.count > 200 ? nil : $0 }
        if verb == .infer, case .object(let members) = body, let given = members["id"] {
            guard case .string(let text) = given else { throw ServeError(.badRequest, "id is \(given.compactDescription); it must be a string") }
            requestID = text
        }
        let id = requestID ?? UUID().uuidString.lowercased()
        call.requestID = id
        // The arm.
        let router = version == nil ? (routed ?? routes.routerOrDefault(name)) : nil
        var arm = -1
        var shadows: [Int] = []
        let served: ServedModel
        if let router {
            (arm, shadows) = router.choose(key: stickyKey(router.spec, request: call.request, body: body))
            let armSpec = router.spec.arms[arm]
            guard let model = models.model(armSpec.model) else {
                router.record(arm: arm, error: true, seconds: 0)
                throw ServeError(.serviceUnavailable, "arm \(armSpec.name) of \(name) sends to \(armSpec.model), which is not served")
            }
            served = model
            call.arm = armSpec.name
        } else {
            served = addressed!
        }
        call.version = served.version
        let answer: Answer
        let started = ContinuousClock.now
        do {
            answer = try run(verb, served: served, body: body, id: id)
        } catch let error as ServeError {
            if let router { router.record(arm: arm, error: error.status.code >= 500, seconds: Self.seconds(since: started)) }
            throw error
        }
        let late = ContinuousClock.now > deadline
        let predictions = answer.predictions
        if let router {
            let seconds = Self.seconds(since: started)
            router.record(arm: arm, error: late, seconds: seconds)
            feedbackLog.put(id, FeedbackLog.Entry(route: name, arm: arm, labels: predictions.labels, values: predictions.values))
            if !shadows.isEmpty { shadow(router, arms: shadows, primary: predictions, verb: verb, body: body, id: id) }
            if let monitor, monitor.watchesRequests {
                let answer = answer, model = served
                monitor.observe(id: id, route: name, arm: call.arm, served: model, inputs: { answer.inputs(model) }, predictions: predictions, seconds: seconds)
            }
        }
        guard !late else { throw ServeError(.gatewayTimeout, "the request took longer than the timeout of \(configuration.timeout) s") }
        var response = json(answer.output)
        response.headers[Self.requestIDHeader] = id
        if !call.arm.isEmpty { response.headers[Self.armHeader] = call.arm }
        return response
    }

    static let requestIDHeader = HTTPField.Name("X-Request-ID")!
    static let armHeader = HTTPField.Name("X-Route-Arm")!

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    func run(_ verb: Verb, served: ServedModel, body: JSONValue, id: String) throws -> Answer {
        do {
            switch verb {
            case .predict: return try KServeV1.predict(served, body: body, configuration: configuration)
            case .explain: return try KServeV1.explain(served, body: body, configuration: configuration)
            case .infer: return try OpenInferenceV2.infer(served, body: body, id: id, configuration: configuration)
            }
        } catch let error as ToolboxError {
            // Everything a model or the input mapping refuses is about the request's values.
            var serveError = ServeError(error)
            if error.code == .notFound { serveError.status = .unprocessableContent }
            // A model names the matrix's row and column index: name the request's row and column too.
            if let row = error.context.row, let column = error.context.column.flatMap(Int.init), column >= 0, column < served.inputNames.count {
                serveError.message += " (\(verb == .infer ? "inputs" : "instances")[\(row)].\(served.inputNames[column]))"
            }
            throw serveError
        }
    }

    /// The request's sticky key: a header's value or a column of the first row.
    func stickyKey(_ spec: RouteSpec, request: Request, body: JSONValue) -> String? {
        guard let source = spec.stickyKey else { return nil }
        let parts = source.split(separator: ":", maxSplits: 1).map(String.init)
        if parts[0] == "header" { return HTTPField.Name(parts[1]).flatMap { request.headers[$0] } }
        guard case .object(let members) = body else { return nil }
        if case .array(let rows)? = members["instances"] ?? members["inputs"], case .object(let first)? = rows.first, let value = first[parts[1]] {
            if case .string(let text) = value { return text }
            return value.compactDescription
        }
        // V2: the input tensor of that name.
        if case .array(let inputs)? = members["inputs"] {
            for input in inputs {
                if case .object(let tensor) = input, case .string(parts[1])? = tensor["name"], case .array(let data)? = tensor["data"], let first = data.first {
                    if case .string(let text) = first { return text }
                    return first.compactDescription
                }
            }
        }
        return nil
    }

    /// Sends a copy of the request to each shadow arm, off the request's path, and compares.
    func shadow(_ router: Router, arms: [Int], primary: Predictions, verb: Verb, body: JSONValue, id: String) {
        let models = self.models
        let server = self
        Task.detached(priority: .low) {
            for arm in arms {
                guard let served = models.model(router.spec.arms[arm].model) else { continue }
                let started = ContinuousClock.now
                do {
                    let predictions = try server.run(verb == .explain ? .predict : verb, served: served, body: body, id: id).predictions
                    router.record(arm: arm, error: false, seconds: Self.seconds(since: started))
                    var agreed = 0, difference = 0.0, rows = 0
                    if let a = primary.labels, let b = predictions.labels {
                        rows = min(a.count, b.count)
                        agreed = (0..<rows).filter { a[$0] == b[$0] }.count
                    } else if let a = primary.values, let b = predictions.values {
                        rows = min(a.count, b.count)
                        difference = (0..<rows).reduce(0) { $0 + abs(a[$1] - b[$1]) }
                    }
                    router.shadowCompared(arm: arm, agreed: agreed, rows: rows, difference: difference)
                } catch {
                    router.record(arm: arm, error: true, seconds: Self.seconds(since: started))
                }
            }
        }
    }

    /// `POST /v1/models/NAME/feedback` with `{"id", "reward"}`, `{"id", "label"}` or
    /// `{"id", "value"}`: joins the request's prediction, updates its arm's live accuracy or
    /// error and its reward (a right label is 1, a wrong one 0; a value's reward is minus its
    /// absolute error, unless a reward is given).
    func feedback(_ call: inout Call, name: String) async throws -> Response {
        call.route = "v1_feedback"
        call.model = name
        _ = try authorize(call.request, .scopes(["predict:\(name)"]))
        let raw = try await HTTPSupport.body(of: call.request, limit: min(configuration.maxBody, 1 << 20))
        let body = try raw.withUnsafeReadableBytes { try StrictJSON.parse(buffer: $0, depthLimit: configuration.maxDepth) }
        guard case .object(let members) = body else { throw ServeError(.badRequest, "feedback is an object {\"id\", \"reward\" | \"label\" | \"value\"}") }
        guard case .string(let id)? = members["id"] else { throw ServeError(.badRequest, "feedback needs the request's id (a string)") }
        guard let entry = try feedbackLog.take(id) else { throw ServeError(.notFound, "no recent prediction has the id \(ToolboxError.excerpt(id, limit: 80))") }
        guard entry.route == name else { throw ServeError(.badRequest, "request \(id) was answered by \(entry.route), not \(name)") }
        let router = routes.routerOrDefault(name)
        guard entry.arm < router.spec.arms.count else { throw ServeError(.conflict, "the route of \(name) changed since request \(id)") }
        var correct: Bool?, error: Double?, reward: Double?
        if let given = members["reward"] {
            guard case .number(let number) = given else { throw ServeError(.badRequest, "reward is \(given.compactDescription); it must be a number") }
            if router.spec.strategy == .bandit, router.spec.reward == .beta, !(0...1).contains(number) {
                throw ServeError(.badRequest, "reward is \(number); a beta bandit takes rewards in [0, 1]")
            }
            reward = number
        }
        let truth = members["label"] ?? members["value"]
        if let truth {
            let items: [JSONValue]
            if case .array(let list) = truth { items = list } else { items = [truth] }
            if let labels = entry.labels {
                guard items.count == labels.count else { throw ServeError(.badRequest, "the request had \(labels.count) rows; the feedback gives \(items.count) labels") }
                let right = zip(items, labels).filter { item, label in
                    switch (item, label) {
                    case (.string(let text), .text(let expected)): text == expected
                    case (.number(let number), .number(let expected)): number == expected
                    case (.string(let text), .number(let expected)): Double(text) == expected
                    default: false
                    }
                }.count
                correct = right == labels.count
                reward = reward ?? Double(right) / Double(labels.count)
            } else if let values = entry.values {
                let truths = try items.map { item -> Double in
                    guard case .number(let number) = item else { throw ServeError(.badRequest, "value is \(item.compactDescription); it must be a number") }
                    return number
                }
                guard truths.count == values.count else { throw ServeError(.badRequest, "the request had \(values.count) rows; the feedback gives \(truths.count) values") }
                let errors = zip(values, truths).map { $0 - $1 }
                error = errors.reduce(0, +) / Double(errors.count)
                reward = reward ?? -errors.reduce(0) { $0 + abs($1) } / Double(errors.count)
            }
        }
        guard let reward else { throw ServeError(.badRequest, "feedback needs a reward, a label or a value") }
        router.feedback(arm: entry.arm, reward: reward, correct: correct, error: error)
        call.arm = router.spec.arms[entry.arm].name
        return json(.object([("id", .string(id)), ("arm", .string(call.arm)), ("reward", .number(reward))]))
    }

    /// `GET /v1/models/NAME/monitor`: each arm's live numbers.
    func monitor(_ call: inout Call, name: String) throws -> Response {
        call.route = "v1_monitor"
        call.model = name
        if routes.router(name) == nil { _ = try servedModel(name, version: nil, call: &call) }
        _ = try authorize(call.request, .scopes(["metrics", "predict:\(name)"]))
        let router = routes.routerOrDefault(name)
        let now = Date()
        let arms: [JSONOutput] = zip(router.spec.arms, router.stats).map { arm, stats in
            var members: [(String, JSONOutput)] = [("name", .string(arm.name)), ("model", .string(arm.model)),
                                                   ("version", models.model(arm.model).map { .string($0.version) } ?? .null),
                                                   ("weight", .number(arm.weight)), ("requests", .integer(Int64(stats.requests))),
                                                   ("errors", .integer(Int64(stats.errors))),
                                                   ("error_rate", stats.requests > 0 ? .number(Double(stats.errors) / Double(stats.requests)) : .null),
                                                   ("mean_latency_ms", stats.requests > 0 ? .number(stats.latencySum / Double(stats.requests) * 1000) : .null),
                                                   ("feedback", .integer(Int64(stats.feedback))), ("mean_reward", stats.meanReward.map(JSONOutput.number) ?? .null)]
            if stats.labelled > 0 { members.append(("accuracy", .number(Double(stats.correct) / Double(stats.labelled)))) }
            if stats.valued > 0 {
                members.append(("mae", .number(stats.absoluteError / Double(stats.valued))))
                members.append(("rmse", .number((stats.squaredError / Double(stats.valued)).squareRoot())))
            }
            if stats.shadowCompared > 0 {
                members.append(("shadow", .object([("compared", .integer(Int64(stats.shadowCompared))),
                                                   ("agreement", .number(Double(stats.shadowAgreed) / Double(stats.shadowCompared))),
                                                   ("mean_abs_difference", .number(stats.shadowDifference / Double(stats.shadowCompared)))])))
            }
            members.append(("breaker", .object([("open", .bool(stats.openUntil.map { $0 > now } ?? false)), ("trips", .integer(Int64(stats.trips)))])))
            members.append(("drift", monitor?.drift(arm.model) ?? .null))
            return .object(members)
        }
        return json(.object([("name", .string(name)), ("strategy", .string(router.spec.strategy.rawValue)), ("arms", .array(arms))]))
    }

    /// `PUT /admin/routes/NAME` (a route as JSON), `GET /admin/routes[/NAME]`, `DELETE /admin/routes/NAME`.
    func adminRoutes(_ call: inout Call, name: String?) async throws -> Response {
        call.route = "admin_routes"
        _ = try authorize(call.request, .scopes(["admin"]))
        switch (call.request.method, name) {
        case (.get, nil):
            return json(.object(routes.names.map { ($0, JSONOutput(routes.router($0)!.spec.json)) }))
        case (.get, let name?):
            guard let router = routes.router(name) else { throw ServeError(.notFound, "no route for \(name)") }
            return json(JSONOutput(router.spec.json))
        case (.put, let name?):
            let raw = try await HTTPSupport.body(of: call.request, limit: 1 << 20)
            let body = try raw.withUnsafeReadableBytes { try StrictJSON.parse(buffer: $0, depthLimit: configuration.maxDepth) }
            let spec = try RouteSpec(json: body, path: name)
            try routes.set(name, spec, models: models)
            return json(JSONOutput(spec.json))
        case (.delete, let name?):
            guard routes.remove(name) else { throw ServeError(.notFound, "no route for \(name)") }
            return json(.object([("name", .string(name)), ("removed", .bool(true))]))
        default:
            throw ServeError(.methodNotAllowed, "/admin/routes takes GET, or GET, PUT and DELETE with a name")
        }
    }
}

extension JSONOutput {
    /// A parsed JSON value written back (object keys sorted).
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .number(let number): self = .number(number)
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(JSONOutput.init))
        case .object(let members): self = .object(members.keys.sorted().map { ($0, JSONOutput(members[$0]!)) })
        }
    }
}
