import Foundation
import Synchronization
public import Hummingbird
import ToolboxCore
public import ToolboxHTTP
public import TrackKit

/// A tracking server speaking MLflow's REST API (`/api/2.0/mlflow/...` and the proxied
/// `mlflow-artifacts` endpoints) over any ``TrackKit/TrackingStore``, so Python's `mlflow`
/// client logs runs, artifacts and registered versions into a DS Toolbox store.
///
/// Everything a request writes goes through the store as a local write does: parameters are
/// written once, NaN and ±∞ metrics are kept exactly, registry changes are audited (with the
/// key's id as the actor) and pass promotion rules, artifact paths stay inside their run.
/// Errors are MLflow's: `{"error_code": ..., "message": ...}` with `RESOURCE_DOES_NOT_EXIST`
/// (404), `RESOURCE_ALREADY_EXISTS` and `INVALID_PARAMETER_VALUE` (400); a client's mistake is
/// never a 5xx (the client retries those). With a keyring, each request needs
/// `Authorization: Bearer KEY` with scope `read` (reads), `write` (logging, creating; reads
/// too) or `admin` (registry aliases; everything).
public struct MLflowServer: HTTPResponder {
    /// Hummingbird's basic request context: the server needs nothing more.
    public typealias Context = BasicRequestContext

    /// The store behind the server.
    public let store: any TrackingStore
    /// The accepted keys; `nil` serves without authentication.
    public let keys: APIKeyring?
    /// The largest request body (artifacts included), in bytes.
    public let maxBody: Int
    /// The store's id of the experiment MLflow calls `0` (`Default`), once known.
    let defaultExperiment = SharedBox<Int64?>(nil)

    /// A server over `store`; `keys` nil only for an open server on loopback.
    public init(store: any TrackingStore, keys: APIKeyring?, maxBody: Int = 256 << 20) {
        self.store = store
        self.keys = keys
        self.maxBody = maxBody
    }

    /// What a route needs from the caller's key.
    enum Scope: Int, Comparable {
        case read = 0, write = 1, admin = 2
        static func < (a: Scope, b: Scope) -> Bool { a.rawValue < b.rawValue }
        var name: String { ["read", "write", "admin"][rawValue] }
    }

    /// One request as a handler sees it.
    struct Call {
        let request: Request
        let query: [String: String]
        let body: [String: Any]
        let rawBody: ByteBuffer
        /// Who is asking (the key's id), for the audit log.
        let actor: String?

        /// A field of the JSON body, or of the query string.
        func string(_ name: String) -> String? {
            if let value = body[name] {
                if let text = value as? String { return text }
                if let number = value as? NSNumber { return number.stringValue }
            }
            return query[name]
        }

        func required(_ name: String) throws -> String {
            guard let value = string(name), !value.isEmpty else {
                throw MLflowError.invalid("Missing value for required parameter '\(name)'")
            }
            return value
        }
    }

    typealias Handler = @Sendable (MLflowServer, Call) async throws -> Response

    static let routes: [String: (Scope, Handler)] = {
        var table: [String: (Scope, Handler)] = [:]
        func add(_ method: String, _ path: String, _ scope: Scope, _ handler: @escaping Handler) {
            table["\(method) \(path)"] = (scope, handler)
        }
        let api = "/api/2.0/mlflow/"
        add("GET", api + "experiments/get-by-name", .read) { try await $0.getExperimentByName($1) }
        add("GET", api + "experiments/get", .read) { try await $0.getExperiment($1) }
        add("POST", api + "experiments/create", .write) { try await $0.createExperiment($1) }
        add("POST", api + "experiments/search", .read) { try await $0.searchExperiments($1) }
        add("GET", api + "experiments/search", .read) { try await $0.searchExperiments($1) }
        add("POST", api + "runs/create", .write) { try await $0.createRun($1) }
        add("GET", api + "runs/get", .read) { try await $0.getRun($1) }
        add("POST", api + "runs/update", .write) { try await $0.updateRun($1) }
        add("POST", api + "runs/log-parameter", .write) { try await $0.logParameter($1) }
        add("POST", api + "runs/log-metric", .write) { try await $0.logMetric($1) }
        add("POST", api + "runs/set-tag", .write) { try await $0.setTag($1) }
        add("POST", api + "runs/log-batch", .write) { try await $0.logBatch($1) }
        add("POST", api + "runs/log-inputs", .write) { try await $0.logInputs($1) }
        add("POST", api + "runs/search", .read) { try await $0.searchRuns($1) }
        add("GET", api + "metrics/get-history", .read) { try await $0.metricHistory($1) }
        add("POST", api + "logged-models/search", .read) { _, _ in HTTPSupport.json(.object([])) }
        add("POST", api + "registered-models/create", .write) { try await $0.createRegisteredModel($1) }
        add("GET", api + "registered-models/get", .read) { try await $0.getRegisteredModel($1) }
        add("GET", api + "registered-models/search", .read) { try await $0.searchRegisteredModels($1) }
        add("POST", api + "registered-models/search", .read) { try await $0.searchRegisteredModels($1) }
        add("POST", api + "model-versions/create", .write) { try await $0.createModelVersion($1) }
        add("GET", api + "model-versions/get", .read) { try await $0.getModelVersion($1) }
        add("GET", api + "model-versions/search", .read) { try await $0.searchModelVersions($1) }
        add("POST", api + "model-versions/set-tag", .write) { try await $0.setVersionTag($1) }
        add("PATCH", api + "model-versions/update", .write) { try await $0.updateVersion($1) }
        add("POST", api + "registered-models/set-tag", .write) { try await $0.setModelTag($1) }
        add("PATCH", api + "registered-models/update", .write) { try await $0.updateModel($1) }
        add("POST", api + "registered-models/alias", .admin) { try await $0.setAlias($1) }
        add("DELETE", api + "registered-models/alias", .admin) { try await $0.deleteAlias($1) }
        add("GET", api + "registered-models/alias", .read) { try await $0.getVersionByAlias($1) }
        add("GET", "/api/3.0/mlflow/server-info", .read) { _, _ in
            HTTPSupport.json(.object([("store_type", .string("DSToolbox")), ("workspaces_enabled", .bool(false)), ("trace_archival_enabled", .bool(false)),
                                      ("multipart_uploads_enabled", .bool(false)), ("multipart_downloads_enabled", .bool(false)),
                                      ("presigned_upload_run_id_supported", .bool(false)), ("presigned_upload_model_id_supported", .bool(false)),
                                      ("features_enabled", .object([("gateway", .bool(false))]))]))
        }
        add("GET", "/api/2.0/mlflow-artifacts/artifacts", .read) { try await $0.listArtifacts($1) }
        add("GET", "/health", .read) { _, _ in Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "OK"))) }
        return table
    }()

    static let artifactPrefix = "/api/2.0/mlflow-artifacts/artifacts/"

    /// Answers one request: the route, the caller's key and scope, the body within the limit,
    /// then the handler; every failure becomes MLflow's JSON error.
    public func respond(to request: Request, context: Context) async throws -> Response {
        do {
            let path = request.uri.path
            let method = request.method.rawValue
            let query = Self.parseQuery(request.uri.query)
            // A key in the query string is refused: URLs end up in logs.
            for name in ["token", "api_key", "apikey", "access_token", "key"] where query[name] != nil {
                throw MLflowError(status: .badRequest, code: "INVALID_PARAMETER_VALUE",
                                  message: "API keys go in the Authorization header (Bearer), never in the query string")
            }
            let route: (Scope, Handler)
            if let found = Self.routes["\(method) \(path)"] {
                route = found
            } else if path.hasPrefix(Self.artifactPrefix), method == "GET" || method == "PUT" {
                route = method == "PUT" ? (.write, { try await $0.uploadArtifact($1) }) : (.read, { try await $0.downloadArtifact($1) })
            } else {
                throw MLflowError(status: .notFound, code: "ENDPOINT_NOT_FOUND", message: "No endpoint \(method) \(path)")
            }
            // The health check answers anyone (load balancers and probes carry no key).
            let actor = path == "/health" ? nil : try authorize(request, needs: route.0)
            let raw = try await HTTPSupport.body(of: request, limit: maxBody)
            var body: [String: Any] = [:]
            let isArtifactUpload = path.hasPrefix(Self.artifactPrefix)
            if !isArtifactUpload && raw.readableBytes > 0 {
                let data = Data(raw.readableBytesView)
                guard let object = (try? JSONSerialization.jsonObject(with: data, options: [])) as? [String: Any] else {
                    throw MLflowError(status: .badRequest, code: "MALFORMED_REQUEST", message: "The request body is not a JSON object")
                }
                body = object
            }
            return try await route.1(self, Call(request: request, query: query, body: body, rawBody: raw, actor: actor))
        } catch let error as MLflowError {
            return error.response
        } catch let error as ToolboxError {
            return MLflowError(error).response
        } catch {
            return MLflowError(status: .internalServerError, code: "INTERNAL_ERROR", message: "\(error)").response
        }
    }

    /// The caller's key id when its key allows `scope` (admin > write > read).
    func authorize(_ request: Request, needs scope: Scope) throws -> String? {
        guard let keys else { return nil }
        guard let token = HTTPSupport.bearerToken(request) else {
            throw MLflowError(status: .unauthorized, code: "UNAUTHENTICATED", message: "This server needs an API key: Authorization: Bearer KEY (MLFLOW_TRACKING_TOKEN)")
        }
        guard let record = keys.authenticate(token) else {
            throw MLflowError(status: .unauthorized, code: "UNAUTHENTICATED", message: "The API key is not valid (unknown or revoked)")
        }
        let held = record.scopes.compactMap { ["read": Scope.read, "write": .write, "admin": .admin][$0] }.max()
        guard let held, held >= scope else {
            throw MLflowError(status: .forbidden, code: "PERMISSION_DENIED", message: "The API key \(record.id) lacks the scope \(scope.name)")
        }
        if let wait = keys.admit(record) {
            throw MLflowError(status: .tooManyRequests, code: "REQUEST_LIMIT_EXCEEDED", message: "Too many requests for key \(record.id)",
                              retryAfter: Int(wait.rounded(.up)))
        }
        return "key:\(record.id)"
    }

    /// `a=1&b=x%20y` as a dictionary (the first of repeated names), percent- and plus-decoded.
    static func parseQuery(_ query: String?) -> [String: String] {
        guard let query, !query.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            let name = decode(parts[0])
            if out[name] == nil { out[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return out
    }
}

/// A value shared by copies of a server (a responder is a value type).
final class SharedBox<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}

/// An MLflow error answer.
struct MLflowError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var retryAfter: Int?

    init(status: HTTPResponse.Status, code: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    static func invalid(_ message: String) -> MLflowError { MLflowError(status: .badRequest, code: "INVALID_PARAMETER_VALUE", message: message) }
    static func missing(_ message: String) -> MLflowError { MLflowError(status: .notFound, code: "RESOURCE_DOES_NOT_EXIST", message: message) }
    static func exists(_ message: String) -> MLflowError { MLflowError(status: .badRequest, code: "RESOURCE_ALREADY_EXISTS", message: message) }

    /// A store's error as MLflow names it: missing things 404, everything the client can fix 400,
    /// the store's own trouble 503 (which the client retries).
    init(_ error: ToolboxError) {
        let message = error.description
        switch error.code {
        case .notFound: self.init(status: .notFound, code: "RESOURCE_DOES_NOT_EXIST", message: message)
        case .tooLarge: self.init(status: .contentTooLarge, code: "REQUEST_LIMIT_EXCEEDED", message: message)
        case .rateLimited: self.init(status: .tooManyRequests, code: "REQUEST_LIMIT_EXCEEDED", message: message)
        case .ioError, .corruptStore, .unavailable, .cancelled: self.init(status: .serviceUnavailable, code: "TEMPORARILY_UNAVAILABLE", message: message)
        default: self.init(status: .badRequest, code: "INVALID_PARAMETER_VALUE", message: message)
        }
    }

    var response: Response {
        var headers: HTTPFields = [:]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return HTTPSupport.json(.object([("error_code", .string(code)), ("message", .string(message))]), status: status, headers: headers)
    }
}
