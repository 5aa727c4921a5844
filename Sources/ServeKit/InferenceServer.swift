public import Foundation
import Synchronization
public import Hummingbird
public import ToolboxCore
public import ToolboxHTTP
public import Logging

/// What a server takes besides its models.
public struct ServeConfiguration: Sendable {
    /// The largest request body, in bytes (refused from `Content-Length` before reading, and
    /// while reading a chunked body).
    public var maxBody: Int = 16 << 20
    /// The longest a request may take, waiting included, in seconds (504 after).
    public var timeout: Double = 30
    /// Requests computed at once; more wait in the queue.
    public var workers: Int = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
    /// Requests waiting at most; one more is answered 503.
    public var maxQueue: Int = 1024
    /// Recent predictions kept for joining feedback by request id.
    public var feedbackCapacity: Int = 100_000
    /// The most rows one request may carry.
    public var maxRows: Int = 100_000
    /// The deepest JSON nesting accepted.
    public var maxDepth: Int = 32

    /// The defaults.
    public init() {}
}

/// A model server speaking KServe's V1 protocol and the Open Inference Protocol (V2) over a
/// ``ModelRepository``, with API keys (scopes `predict:NAME`, `explain:NAME`, `metrics`,
/// `admin`; `predict:*` for every model), per-key rate limits, a bounded queue, per-request
/// timeouts, Prometheus metrics and an OpenAPI description.
///
/// Every client mistake is a 4xx with `{"error": "..."}` naming the problem (the JSON path,
/// the column, the limit); a 5xx means the server's own trouble (503 busy or draining, 504
/// timed out).
public struct InferenceServer: HTTPResponder {
    /// Hummingbird's basic request context.
    public typealias Context = BasicRequestContext

    /// The models served.
    public let models: ModelRepository
    /// The accepted keys; `nil` serves without authentication (`--open`, loopback only).
    public let keys: APIKeyring?
    /// Limits and timeouts.
    public let configuration: ServeConfiguration
    /// How each served name spreads traffic over arms (set from a routes file or `PUT /admin/routes/NAME`).
    public let routes: RouteTable
    let metrics = ServeMetrics()
    let admission: Admission
    let state = ServerState()
    let feedbackLog: FeedbackLog
    /// What is watched on live traffic (`nil`: nothing beyond the per-arm numbers).
    public let monitor: LiveMonitor?

    /// A server over `models`, with `routes` and a live `monitor`.
    /// The default logger: warnings and errors only (request lines are `info`).
    public static var quietLogger: Logger {
        var logger = Logger(label: "dstoolbox.serve")
        logger.logLevel = .warning
        return logger
    }

    /// Where each request is logged (at `info`, with its request id, route, model, arm, status
    /// and latency; server errors at `error`); the path is logged without its query string.
    public let logger: Logger

    /// A server over `models`, with `routes`, a live `monitor` and a request `logger`.
    public init(models: ModelRepository, keys: APIKeyring?, routes: RouteTable = RouteTable(), monitor: LiveMonitor? = nil,
                configuration: ServeConfiguration = ServeConfiguration(), logger: Logger = InferenceServer.quietLogger) {
        self.logger = logger
        self.models = models
        self.keys = keys
        self.routes = routes
        self.monitor = monitor
        self.configuration = configuration
        admission = Admission(workers: configuration.workers, queue: configuration.maxQueue)
        feedbackLog = FeedbackLog(capacity: configuration.feedbackCapacity)
    }

    /// Marks the server as draining: readiness answers 503 from now on (in-flight and new
    /// requests are still answered until the listener closes).
    public func beginDraining() { state.draining.store(true, ordering: .relaxed) }

    /// Whether the server is draining.
    public var isDraining: Bool { state.draining.load(ordering: .relaxed) }

    /// The Prometheus text of the server's metrics.
    public func metricsText() -> String { String(decoding: metrics.text(), as: UTF8.self) }

    // MARK: Answering

    /// One request's route and labels for metrics.
    struct Call {
        let request: Request
        let start: ContinuousClock.Instant
        var model = ""
        var version = ""
        var arm = ""
        var route = "other"
        var requestID: String?
    }

    /// Answers one request: its route, the key and scope, the body within the limit, the work in
    /// a worker slot; every failure becomes `{"error": ...}` with its status, and metrics count it.
    public func respond(to request: Request, context: Context) async throws -> Response {
        var call = Call(request: request, start: .now)
        metrics.inFlight(1)
        var response: Response
        do {
            response = try await route(&call)
        } catch let error as ServeError {
            response = error.response
        } catch let error as ToolboxError {
            response = ServeError(error).response
        } catch {
            response = ServeError(.internalServerError, "\(error)").response
        }
        metrics.inFlight(-1)
        let elapsed = ContinuousClock.now - call.start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if response.headers[Self.requestIDHeader] == nil, let id = call.requestID ?? request.headers[Self.requestIDHeader] { response.headers[Self.requestIDHeader] = id }
        let status = response.status.code
        metrics.record(model: call.model, version: call.version, arm: call.arm, route: call.route, status: status, seconds: seconds)
        let level: Logger.Level = status >= 500 ? .error : .info
        if logger.logLevel <= level {
            logger.log(level: level, "request", metadata: [
                "request_id": .string(call.requestID ?? request.headers[Self.requestIDHeader] ?? "-"), "method": .string(request.method.rawValue),
                "path": .string(request.uri.path), "route": .string(call.route), "model": .string(call.model), "version": .string(call.version),
                "arm": .string(call.arm), "status": .stringConvertible(status), "latency_ms": .string(String(format: "%.3f", seconds * 1000)),
            ])
        }
        return response
    }

    /// What a route needs from the caller's key.
    enum Need {
        case anyKey
        case scopes([String])
    }

    func route(_ call: inout Call) async throws -> Response {
        let request = call.request
        let query = request.uri.query ?? ""
        if !query.isEmpty {
            // Keys go in the Authorization header only: URLs end up in logs.
            for pair in query.split(separator: "&") {
                let name = pair.split(separator: "=", maxSplits: 1).first.map { String($0).lowercased() } ?? ""
                if ["token", "api_key", "apikey", "access_token", "key", "authorization"].contains(name) {
                    throw ServeError(.badRequest, "API keys go in the Authorization header (Bearer KEY), never in the query string")
                }
            }
        }
        let path = request.uri.path
        let method = request.method
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        func only(_ allowed: HTTPRequest.Method) throws {
            guard method == allowed else { throw ServeError(.methodNotAllowed, "\(path) takes \(allowed.rawValue), not \(method.rawValue)") }
        }
        switch parts.first {
        case "v1":
            guard parts.count >= 2, parts[1] == "models" else { break }
            if parts.count == 2 {
                try only(.get)
                call.route = "v1_models"
                _ = try authorize(request, .anyKey)
                let names = models.names + routes.names.filter { models.model($0) == nil }
                return json(.object([("models", .array(names.map(JSONOutput.string)))]))
            }
            if parts.count == 3 {
                let segment = decode(parts[2])
                if let colon = segment.lastIndex(of: ":") {
                    let name = String(segment[..<colon]), verb = String(segment[segment.index(after: colon)...])
                    guard verb == "predict" || verb == "explain" else { break }
                    try only(.post)
                    return try await inference(&call, name: name, version: nil, verb: verb == "predict" ? .predict : .explain)
                }
                try only(.get)
                call.route = "v1_model"
                if routes.router(segment) == nil { _ = try servedModel(segment, version: nil, call: &call) }
                _ = try authorize(request, .scopes(["predict:\(segment)", "explain:\(segment)"]))
                return json(.object([("name", .string(segment)), ("ready", .bool(!isDraining))]))
            }
            if parts.count == 4, parts[3] == "feedback" {
                try only(.post)
                return try await feedback(&call, name: decode(parts[2]))
            }
            if parts.count == 4, parts[3] == "monitor" {
                try only(.get)
                return try monitor(&call, name: decode(parts[2]))
            }
        case "v2":
            if parts.count == 1 || (parts.count == 2 && parts[1].isEmpty) {
                try only(.get)
                call.route = "v2_server"
                _ = try authorize(request, .anyKey)
                return json(.object([("name", .string("dstoolbox")), ("version", .string(DSToolboxVersion.current)), ("extensions", .array([]))]))
            }
            if parts.count == 3, parts[1] == "health" {
                try only(.get)
                if parts[2] == "live" {
                    call.route = "v2_live"
                    return json(.object([("live", .bool(true))]))
                }
                if parts[2] == "ready" {
                    call.route = "v2_ready"
                    let ready = !isDraining
                    return json(.object([("ready", .bool(ready))]), status: ready ? .ok : .serviceUnavailable)
                }
                break
            }
            guard parts.count >= 3, parts[1] == "models" else { break }
            let name = decode(parts[2])
            var rest = Array(parts[3...])
            var version: String?
            if rest.count >= 2, rest[0] == "versions" {
                version = decode(rest[1])
                rest.removeFirst(2)
            }
            switch rest {
            case []:
                try only(.get)
                call.route = "v2_model"
                let served = try servedModel(version == nil ? routes.router(name).map { $0.spec.arms[0].model } ?? name : name, version: version, call: &call)
                _ = try authorize(request, .scopes(["predict:\(name)", "explain:\(name)"]))
                return json(OpenInferenceV2.metadata(served, versions: models.versions(name)))
            case ["ready"]:
                try only(.get)
                call.route = "v2_model_ready"
                if version != nil || routes.router(name) == nil { _ = try servedModel(name, version: version, call: &call) }
                _ = try authorize(request, .scopes(["predict:\(name)", "explain:\(name)"]))
                let ready = !isDraining
                return json(.object([("name", .string(name)), ("ready", .bool(ready))]), status: ready ? .ok : .serviceUnavailable)
            case ["infer"]:
                try only(.post)
                return try await inference(&call, name: name, version: version, verb: .infer)
            default: break
            }
        case "metrics" where parts.count == 1:
            try only(.get)
            call.route = "metrics"
            _ = try authorize(request, .scopes(["metrics"]))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.text())))
        case "openapi.json" where parts.count == 1:
            try only(.get)
            call.route = "openapi"
            _ = try authorize(request, .anyKey)
            return json(ServeOpenAPI.document)
        case "admin":
            if parts.count >= 2, parts.count <= 3, parts[1] == "routes" {
                return try await adminRoutes(&call, name: parts.count == 3 ? decode(parts[2]) : nil)
            }
            if parts.count == 4, parts[1] == "models", parts[3] == "reload" {
                try only(.post)
                call.route = "admin_reload"
                let name = decode(parts[2])
                _ = try servedModel(name, version: nil, call: &call)
                _ = try authorize(request, .scopes(["admin"]))
                do {
                    let (version, changed) = try await models.reload(name, force: true)
                    return json(.object([("name", .string(name)), ("version", .string(version)), ("reloaded", .bool(changed))]))
                } catch {
                    let served = models.model(name)
                    throw ServeError(.unprocessableContent, "reloading \(name) failed; version \(served?.version ?? "?") is still served: \(error)")
                }
            }
        default: break
        }
        throw ServeError(.notFound, "no route \(method.rawValue) \(path)")
    }

    func decode(_ segment: String) -> String { segment.removingPercentEncoding ?? segment }

    func servedModel(_ name: String, version: String?, call: inout Call) throws -> ServedModel {
        guard let served = models.model(name, version: version) else {
            if let version, models.model(name) != nil {
                throw ServeError(.notFound, "model \(name) has no version \(version) served; served: \(models.versions(name).joined(separator: ", "))")
            }
            throw ServeError(.notFound, "no model named \(ToolboxError.excerpt(name, limit: 80)) is served")
        }
        call.model = served.name
        call.version = served.version
        call.arm = served.version
        return served
    }

    /// The caller's key when it holds one of `scopes` (`admin` holds every scope, `predict:*`
    /// every model's predict).
    func authorize(_ request: Request, _ need: Need) throws -> APIKeyRecord? {
        guard let keys else { return nil }
        guard request.headers[.authorization] != nil else {
            throw ServeError(.unauthorized, "this server needs an API key: Authorization: Bearer KEY")
        }
        guard let token = HTTPSupport.bearerToken(request) else {
            throw ServeError(.unauthorized, "the Authorization header must be Bearer KEY")
        }
        guard let record = keys.authenticate(token) else {
            throw ServeError(.unauthorized, "the API key is not valid (unknown or revoked)")
        }
        if case .scopes(let wanted) = need {
            let held = record.scopes
            let allowed = held.contains("admin") || wanted.contains { scope in
                held.contains(scope) || (scope.firstIndex(of: ":").map { held.contains(scope[..<$0] + ":*") } ?? false)
            }
            guard allowed else {
                throw ServeError(.forbidden, "the API key \(record.id) lacks the scope \(wanted.joined(separator: " or "))")
            }
        }
        if let wait = keys.admit(record) {
            throw ServeError(.tooManyRequests, "too many requests for key \(record.id); retry after \(String(format: "%.2f", wait)) s", retryAfter: Int(wait.rounded(.up)))
        }
        return record
    }

    func json(_ value: JSONOutput, status: HTTPResponse.Status = .ok) -> Response {
        HTTPSupport.json(value, status: status)
    }
}

/// State shared by copies of a server (a responder is a value).
final class ServerState: Sendable {
    let draining = Atomic<Bool>(false)
}

/// At most `workers` computations at once; up to `queue` more wait in order; past a waiter's
/// deadline it is answered 504, past the queue's size 503.
final class Admission: Sendable {
    let workers: Int
    let queue: Int
    private struct Waiter {
        let continuation: CheckedContinuation<Void, any Error>
        let deadline: ContinuousClock.Instant
    }
    private struct State {
        var running = 0
        var waiting: [Waiter] = []
        var head = 0
    }
    private let state = Mutex(State())

    init(workers: Int, queue: Int) {
        self.workers = max(1, workers)
        self.queue = max(0, queue)
    }

    /// Requests waiting for a worker now.
    var waiting: Int { state.withLock { $0.waiting.count - $0.head } }

    func enter(deadline: ContinuousClock.Instant) async throws {
        let admitted = try state.withLock { state -> Bool in
            if state.running < workers {
                state.running += 1
                return true
            }
            guard state.waiting.count - state.head < queue else {
                throw ServeError(.serviceUnavailable, "the server is busy: \(queue) requests are already waiting", retryAfter: 1)
            }
            return false
        }
        if admitted { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let immediate = state.withLock { state -> Bool in
                if state.running < workers {
                    state.running += 1
                    return true
                }
                state.waiting.append(Waiter(continuation: continuation, deadline: deadline))
                return false
            }
            if immediate { continuation.resume() }
        }
    }

    func leave() {
        var expired: [CheckedContinuation<Void, any Error>] = []
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            let now = ContinuousClock.now
            while state.head < state.waiting.count {
                let waiter = state.waiting[state.head]
                state.head += 1
                if waiter.deadline < now {
                    expired.append(waiter.continuation)
                    continue
                }
                if state.head > 1024 && state.head * 2 > state.waiting.count {
                    state.waiting.removeFirst(state.head)
                    state.head = 0
                }
                return waiter.continuation
            }
            state.waiting.removeAll(keepingCapacity: true)
            state.head = 0
            state.running -= 1
            return nil
        }
        for continuation in expired {
            continuation.resume(throwing: ServeError(.gatewayTimeout, "the request waited in the queue past its timeout"))
        }
        next?.resume()
    }
}

/// An error answer: `{"error": "..."}` with a status.
struct ServeError: Error {
    var status: HTTPResponse.Status
    var message: String
    var retryAfter: Int?

    init(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }

    /// A kit's error: client mistakes 4xx (as ``ToolboxError/Code/httpStatus`` maps them), the
    /// server's own trouble 5xx.
    init(_ error: ToolboxError) {
        let code = error.code.httpStatus
        self.init(HTTPResponse.Status(code: code), error.description)
    }

    var response: Response {
        var headers: HTTPFields = [:]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return HTTPSupport.json(.object([("error", .string(message))]), status: status, headers: headers)
    }
}
