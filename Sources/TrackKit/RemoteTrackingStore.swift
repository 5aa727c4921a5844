public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif
import ToolboxCore

/// A ``TrackingStore`` on a tracking server that speaks MLflow's REST API: DS Toolbox's own
/// (`dstoolbox tracking serve`) or a stock `mlflow server`.
///
/// Everything goes over HTTP as MLflow's client sends it (`/api/2.0/mlflow/...`, artifacts
/// through the proxied `mlflow-artifacts` endpoints), with the key as `Authorization: Bearer`.
/// The server keeps its rules (write-once parameters, promotion rules, the audit log);
/// transient failures (a refused connection, a 5xx, a 429) are retried with backoff before
/// they surface as `ToolboxError/Code/unavailable`. Promotion rules and the audit log are
/// DS Toolbox's and exist only on its server.
public final class RemoteTrackingStore: TrackingStore, @unchecked Sendable {
    /// The server's base URL (`http://HOST:PORT`).
    public let url: URL
    private let token: String?
    private let session: URLSession
    private let attempts: Int

    /// A store on the server at `url` (`http://HOST:PORT`), sending `token` (default: the
    /// `DSTOOLBOX_TRACKING_TOKEN` or `MLFLOW_TRACKING_TOKEN` environment variable).
    /// - Throws: `ToolboxError/Code/invalidParameter` for a URL that is not http(s).
    public init(url: URL, token: String? = nil, attempts: Int = 5) throws {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw ToolboxError(.invalidParameter, "a tracking server URL is http://HOST:PORT, got \(url.absoluteString)", context: ErrorContext(parameter: "store"))
        }
        self.url = url
        let environment = ProcessInfo.processInfo.environment
        self.token = token ?? environment["DSTOOLBOX_TRACKING_TOKEN"] ?? environment["MLFLOW_TRACKING_TOKEN"]
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        session = URLSession(configuration: configuration)
        self.attempts = Swift.max(1, attempts)
    }

    // MARK: HTTP

    /// One request: the JSON answer, or the raw bytes with `raw`.
    private func send(_ method: String, _ path: String, query: [(String, String)] = [], json: [String: Any]? = nil, body: [UInt8]? = nil) async throws -> Data {
        var components = URLComponents(url: url.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = Data(body)
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        }
        var delay = 0.1
        var last: ToolboxError?
        for attempt in 1...attempts {
            do {
                let (data, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) { return data }
                let error = Self.error(status: status, data: data, path: path)
                guard status >= 500 || status == 429 else { throw error }
                last = error
            } catch let error as ToolboxError {
                throw error
            } catch {
                last = ToolboxError(.unavailable, "the tracking server at \(url.absoluteString) cannot be reached: \(error.localizedDescription)",
                                    context: ErrorContext(path: url.absoluteString))
            }
            if attempt < attempts {
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                delay *= 2
            }
        }
        throw last ?? ToolboxError(.unavailable, "the tracking server did not answer", context: ErrorContext(path: url.absoluteString))
    }

    private func call(_ method: String, _ path: String, query: [(String, String)] = [], json: [String: Any]? = nil) async throws -> [String: Any] {
        let data = try await send(method, "api/2.0/mlflow/" + path, query: query, json: json)
        guard !data.isEmpty else { return [:] }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ToolboxError(.corruptStore, "the tracking server answered \(path) with something that is not a JSON object", context: ErrorContext(path: path))
        }
        return object
    }

    /// MLflow's error answer as a typed error.
    static func error(status: Int, data: Data, path: String) -> ToolboxError {
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        let code = object?["error_code"] as? String ?? ""
        let message = object?["message"] as? String ?? String(decoding: data.prefix(300), as: UTF8.self)
        let context = ErrorContext(path: path)
        switch (status, code) {
        case (401, _): return ToolboxError(.unauthorized, "the tracking server refused the request: \(message)", context: context)
        case (403, _): return ToolboxError(.forbidden, "the tracking server refused the request: \(message)", context: context)
        case (429, _): return ToolboxError(.rateLimited, message, context: context)
        case (_, "RESOURCE_DOES_NOT_EXIST"), (404, _): return ToolboxError(.notFound, message, context: context)
        case (_, "RESOURCE_ALREADY_EXISTS"): return ToolboxError(.conflict, message, context: context)
        case (_, "INVALID_PARAMETER_VALUE") where message.contains("Changing param values is not allowed") || message.contains("written once"):
            return ToolboxError(.conflict, message, context: context)
        case (_, "INVALID_PARAMETER_VALUE") where message.contains("alias") && message.contains("not found"):
            return ToolboxError(.notFound, message, context: context)
        case (413, _): return ToolboxError(.tooLarge, message, context: context)
        case (500..., _): return ToolboxError(.unavailable, "the tracking server failed (\(status)): \(message)", context: context)
        default: return ToolboxError(.invalidParameter, message, context: context)
        }
    }

    static func text(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }

    static func int64(_ value: Any?) -> Int64? {
        if let number = value as? NSNumber { return number.int64Value }
        return (value as? String).flatMap { Int64($0) }
    }

    static func double(_ value: Any?) -> Double? {
        switch value {
        case let number as NSNumber: return number.doubleValue
        case let text as String:
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return Double(text)
            }
        default: return nil
        }
    }

    static func milliseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

    static func keyValues(_ list: Any?) -> [String: String] {
        var out: [String: String] = [:]
        for item in list as? [[String: Any]] ?? [] {
            if let key = item["key"] as? String { out[key] = text(item["value"]) ?? "" }
        }
        return out
    }

    // MARK: Experiments and runs

    static func experiment(_ object: [String: Any]) throws -> Experiment {
        guard let id = int64(object["experiment_id"]), let name = object["name"] as? String else {
            throw ToolboxError(.corruptStore, "the tracking server sent an experiment without an id or a name")
        }
        return Experiment(id: id, name: name, creationTime: Double(int64(object["creation_time"]) ?? 0) / 1000)
    }

    /// The experiment called `name`, created if it does not exist.
    public func experiment(named name: String) async throws -> Experiment {
        do {
            let found = try await call("GET", "experiments/get-by-name", query: [("experiment_name", name)])
            return try Self.experiment(found["experiment"] as? [String: Any] ?? [:])
        } catch let error as ToolboxError where error.code == .notFound {
            do {
                _ = try await call("POST", "experiments/create", json: ["name": name])
            } catch let error as ToolboxError where error.code == .conflict {
                // Created by another client meanwhile: read it back.
            }
            let found = try await call("GET", "experiments/get-by-name", query: [("experiment_name", name)])
            return try Self.experiment(found["experiment"] as? [String: Any] ?? [:])
        }
    }

    /// Every experiment, by id.
    public func experiments() async throws -> [Experiment] {
        var out: [Experiment] = [], token: String?
        repeat {
            var body: [String: Any] = ["max_results": 1000, "view_type": "ACTIVE_ONLY"]
            if let token { body["page_token"] = token }
            let page = try await call("POST", "experiments/search", json: body)
            out += try (page["experiments"] as? [[String: Any]] ?? []).map(Self.experiment)
            token = page["next_page_token"] as? String
        } while token?.isEmpty == false
        return out.sorted { $0.id < $1.id }
    }

    static func run(_ object: [String: Any]) throws -> Run {
        let info = object["info"] as? [String: Any] ?? object
        let tags = keyValues((object["data"] as? [String: Any])?["tags"])
        guard let id = (info["run_id"] ?? info["run_uuid"]) as? String, let experiment = int64(info["experiment_id"]) else {
            throw ToolboxError(.corruptStore, "the tracking server sent a run without an id or an experiment")
        }
        return Run(id: id, experimentID: experiment, name: info["run_name"] as? String ?? tags["mlflow.runName"],
                   status: RunStatus(rawValue: info["status"] as? String ?? "") ?? .running,
                   startTime: Double(int64(info["start_time"]) ?? 0) / 1000, endTime: int64(info["end_time"]).map { Double($0) / 1000 },
                   parentRunID: tags["mlflow.parentRunId"], source: tags["mlflow.source.name"], user: info["user_id"] as? String ?? tags["mlflow.user"])
    }

    static func runData(_ object: [String: Any]) -> RunData {
        let data = object["data"] as? [String: Any] ?? [:]
        var metrics: [String: RunMetric] = [:]
        for item in data["metrics"] as? [[String: Any]] ?? [] {
            if let metric = metric(item) { metrics[metric.key] = metric }
        }
        let inputs = ((object["inputs"] as? [String: Any])?["dataset_inputs"] as? [[String: Any]] ?? []).compactMap { item -> DatasetInput? in
            guard let dataset = item["dataset"] as? [String: Any], let name = dataset["name"] as? String, let digest = dataset["digest"] as? String else { return nil }
            return DatasetInput(name: name, digest: digest, source: dataset["source"] as? String)
        }
        return RunData(params: keyValues(data["params"]), tags: keyValues(data["tags"]), metrics: metrics, inputs: inputs)
    }

    static func metric(_ item: [String: Any]) -> RunMetric? {
        guard let key = item["key"] as? String, let value = double(item["value"]) else { return nil }
        return RunMetric(key: key, value: value, step: int64(item["step"]) ?? 0, timestamp: Double(int64(item["timestamp"]) ?? 0) / 1000)
    }

    private func fetchRun(_ id: String) async throws -> [String: Any] {
        try await call("GET", "runs/get", query: [("run_id", id)])["run"] as? [String: Any] ?? [:]
    }

    /// Starts a run (its name, parent, source and user as MLflow's tags).
    public func createRun(experimentID: Int64, name: String?, parentRunID: String?, source: String?, user: String?) async throws -> Run {
        try await createRun(experimentID: experimentID, name: name, parentRunID: parentRunID, source: source, user: user, startTime: nil)
    }

    /// Starts a run stamped `startTime` (now when nil).
    public func createRun(experimentID: Int64, name: String?, parentRunID: String?, source: String?, user: String?, startTime: Double?) async throws -> Run {
        var tags: [[String: String]] = []
        if let name { tags.append(["key": "mlflow.runName", "value": name]) }
        if let parentRunID { tags.append(["key": "mlflow.parentRunId", "value": parentRunID]) }
        if let source { tags.append(["key": "mlflow.source.name", "value": source]) }
        if let user { tags.append(["key": "mlflow.user", "value": user]) }
        var body: [String: Any] = ["experiment_id": String(experimentID), "start_time": Self.milliseconds(startTime ?? Date().timeIntervalSince1970), "tags": tags]
        if let name { body["run_name"] = name }
        if let user { body["user_id"] = user }
        return try Self.run(try await call("POST", "runs/create", json: body)["run"] as? [String: Any] ?? [:])
    }

    /// A run by id.
    public func run(id: String) async throws -> Run { try Self.run(try await fetchRun(id)) }

    /// Ends a run with a final status.
    public func endRun(id: String, status: RunStatus) async throws {
        try await endRun(id: id, status: status, endTime: nil)
    }

    /// Ends a run at `endTime` (now when nil).
    public func endRun(id: String, status: RunStatus, endTime: Double?) async throws {
        _ = try await call("POST", "runs/update", json: ["run_id": id, "status": status.rawValue, "end_time": Self.milliseconds(endTime ?? Date().timeIntervalSince1970)])
    }

    /// Logs parameters, metrics and tags in one request (MLflow's `log-batch`, up to 1,000
    /// metrics, 100 parameters and 100 tags; larger batches go in several requests).
    public func logBatch(runID: String, params: [String: String], metrics: [RunMetric], tags: [String: String]) async throws {
        let paramList = params.sorted { $0.key < $1.key }, tagList = tags.sorted { $0.key < $1.key }
        var offsets = (params: 0, metrics: 0, tags: 0)
        repeat {
            let p = paramList[offsets.params..<Swift.min(paramList.count, offsets.params + 100)]
            let t = tagList[offsets.tags..<Swift.min(tagList.count, offsets.tags + 100)]
            let m = metrics[offsets.metrics..<Swift.min(metrics.count, offsets.metrics + 1000)]
            let body: [String: Any] = [
                "run_id": runID,
                "params": p.map { ["key": $0.key, "value": $0.value] },
                "tags": t.map { ["key": $0.key, "value": $0.value] },
                "metrics": m.map { metric -> [String: Any] in
                    let value: Any
                    if metric.value.isNaN { value = "NaN" } else if metric.value == .infinity { value = "Infinity" } else if metric.value == -.infinity { value = "-Infinity" } else { value = metric.value }
                    return ["key": metric.key, "value": value, "timestamp": Self.milliseconds(metric.timestamp), "step": metric.step]
                },
            ]
            _ = try await call("POST", "runs/log-batch", json: body)
            offsets = (offsets.params + p.count, offsets.metrics + m.count, offsets.tags + t.count)
        } while offsets.params < paramList.count || offsets.metrics < metrics.count || offsets.tags < tagList.count
    }

    /// A run's parameters.
    public func params(runID: String) async throws -> [String: String] { Self.runData(try await fetchRun(runID)).params }
    /// A run's tags.
    public func tags(runID: String) async throws -> [String: String] { Self.runData(try await fetchRun(runID)).tags }
    /// The latest value of each metric of a run.
    public func latestMetrics(runID: String) async throws -> [String: RunMetric] { Self.runData(try await fetchRun(runID)).metrics }

    /// The data of many runs, one request per run.
    public func runData(runIDs: [String]) async throws -> [String: RunData] {
        var out: [String: RunData] = [:]
        for id in runIDs {
            do {
                out[id] = Self.runData(try await fetchRun(id))
            } catch let error as ToolboxError where error.code == .notFound {
                continue
            }
        }
        return out
    }

    /// A metric's history, by step, then timestamp.
    public func metricHistory(runID: String, key: String) async throws -> [RunMetric] {
        let answer = try await call("GET", "metrics/get-history", query: [("run_id", runID), ("metric_key", key)])
        return (answer["metrics"] as? [[String: Any]] ?? []).compactMap(Self.metric)
    }

    /// Runs that pass the filter, in order, a page at a time (MLflow's offset tokens).
    public func searchRuns(experimentIDs: [Int64], filter: RunFilter?, orderBy: [RunOrder], maxResults: Int, offset: Int) async throws -> [Run] {
        var ids = experimentIDs
        if ids.isEmpty { ids = try await experiments().map(\.id) }
        var body: [String: Any] = ["experiment_ids": ids.map(String.init), "max_results": maxResults, "run_view_type": "ACTIVE_ONLY",
                                   "order_by": orderBy.map(\.text)]
        if let filter { body["filter"] = filter.text }
        if offset > 0 { body["page_token"] = Data("{\"offset\": \(offset)}".utf8).base64EncodedString() }
        let answer = try await call("POST", "runs/search", json: body)
        return try (answer["runs"] as? [[String: Any]] ?? []).map(Self.run)
    }

    /// Records data sets a run read (MLflow's `log-inputs`).
    public func logInputs(runID: String, inputs: [DatasetInput]) async throws {
        let datasets = inputs.map { input -> [String: Any] in
            ["dataset": ["name": input.name, "digest": input.digest, "source_type": "local", "source": input.source ?? ""] as [String: Any]]
        }
        _ = try await call("POST", "runs/log-inputs", json: ["run_id": runID, "datasets": datasets])
    }

    /// The data sets a run read, as the server reports them.
    public func inputs(runID: String) async throws -> [DatasetInput] {
        Self.runData(try await fetchRun(runID)).inputs
    }

    // MARK: Artifacts

    private func artifactRoot(_ runID: String) async throws -> String {
        let run = try await self.run(id: runID)
        return "\(run.experimentID)/\(runID)/artifacts"
    }

    /// Uploads `bytes` as the run's artifact at `path`.
    @discardableResult
    public func logArtifact(runID: String, bytes: [UInt8], path: String) async throws -> ArtifactInfo {
        let components = try ArtifactPath.validate(path)
        let root = try await artifactRoot(runID)
        _ = try await send("PUT", "api/2.0/mlflow-artifacts/artifacts/\(root)/\(components.joined(separator: "/"))", body: bytes)
        return ArtifactInfo(path: components.joined(separator: "/"), sha256: ContentSHA256.hash(bytes).hexString, size: bytes.count)
    }

    /// Uploads the file at `file` as the run's artifact at `path` (default: its name).
    @discardableResult
    public func logArtifact(runID: String, file: String, path: String?) async throws -> ArtifactInfo {
        let bytes = try RegularFile.read(file, limit: 8 << 30)
        return try await logArtifact(runID: runID, bytes: bytes, path: path ?? URL(fileURLWithPath: file).lastPathComponent)
    }

    /// Uploads every file under `directory`.
    @discardableResult
    public func logArtifacts(runID: String, directory: String, path: String?) async throws -> [ArtifactInfo] {
        let base = URL(fileURLWithPath: directory)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw ToolboxError(.notFound, "no folder \(directory)", context: ErrorContext(path: directory))
        }
        var out: [ArtifactInfo] = []
        let root = base.resolvingSymlinksInPath().path
        for case let file as URL in walker {
            var info = stat()
            guard lstat(file.path, &info) == 0 else { continue }
            let mode = info.st_mode & S_IFMT
            if mode == S_IFDIR { continue }
            var source = file.path
            if mode == S_IFLNK {
                // A link is followed only to a regular file inside the folder logged.
                let resolved = file.resolvingSymlinksInPath().path
                var target = stat()
                guard resolved.hasPrefix(root + "/"), stat(resolved, &target) == 0, (target.st_mode & S_IFMT) == S_IFREG else {
                    throw ToolboxError(.invalidParameter, "symbolic link points outside \(directory) or not to a regular file", context: ErrorContext(path: file.path, parameter: "directory"))
                }
                source = resolved
            } else if mode != S_IFREG {
                throw ToolboxError(.ioError, "\(file.path) is not a regular file; only regular files are logged", context: ErrorContext(path: file.path))
            }
            let relative = String(file.standardizedFileURL.path.dropFirst(base.standardizedFileURL.path.count + 1))
            out.append(try await logArtifact(runID: runID, file: source, path: path.map { "\($0)/\(relative)" } ?? relative))
        }
        return out.sorted { $0.path < $1.path }
    }

    /// The run's artifacts under `path` (all when nil): listed by the server, each read to
    /// know its SHA-256.
    public func artifacts(runID: String, under path: String?) async throws -> [ArtifactInfo] {
        let root = try await artifactRoot(runID)
        var out: [ArtifactInfo] = [], pending = [path ?? ""]
        while let directory = pending.popLast() {
            let listing = root + (directory.isEmpty ? "" : "/" + directory)
            let data = try await send("GET", "api/2.0/mlflow-artifacts/artifacts", query: [("path", listing)])
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            for file in object["files"] as? [[String: Any]] ?? [] {
                guard let name = file["path"] as? String else { continue }
                let full = directory.isEmpty ? name : directory + "/" + name
                if file["is_dir"] as? Bool == true {
                    pending.append(full)
                } else {
                    let bytes = try await readArtifact(runID: runID, path: full)
                    out.append(ArtifactInfo(path: full, sha256: ContentSHA256.hash(bytes).hexString, size: bytes.count))
                }
            }
        }
        return out.sorted { $0.path < $1.path }
    }

    /// An artifact's bytes.
    public func readArtifact(runID: String, path: String) async throws -> [UInt8] {
        let components = try ArtifactPath.validate(path)
        let root = try await artifactRoot(runID)
        return Array(try await send("GET", "api/2.0/mlflow-artifacts/artifacts/\(root)/\(components.joined(separator: "/"))"))
    }

    // MARK: Model registry

    static func version(_ object: [String: Any]) throws -> ModelVersion {
        guard let name = object["name"] as? String, let number = int64(object["version"]) else {
            throw ToolboxError(.corruptStore, "the tracking server sent a model version without a name or a number")
        }
        let source = object["source"] as? String ?? ""
        var path: String?
        if source.hasPrefix("runs:/") {
            let rest = source.dropFirst("runs:/".count).split(separator: "/", maxSplits: 1)
            if rest.count > 1, !rest[1].isEmpty { path = String(rest[1]) }
        }
        return ModelVersion(name: name, version: Int(number), runID: object["run_id"] as? String ?? "", artifactPath: path, artifactSHA256: nil,
                            description: (object["description"] as? String).flatMap { $0.isEmpty ? nil : $0 },
                            creationTime: Double(int64(object["creation_timestamp"]) ?? 0) / 1000, tags: keyValues(object["tags"]),
                            aliases: (object["aliases"] as? [String] ?? []).sorted())
    }

    static func model(_ object: [String: Any]) throws -> RegisteredModel {
        guard let name = object["name"] as? String else { throw ToolboxError(.corruptStore, "the tracking server sent a registered model without a name") }
        var aliases: [String: Int] = [:]
        for item in object["aliases"] as? [[String: Any]] ?? [] {
            if let alias = item["alias"] as? String, let version = int64(item["version"]) { aliases[alias] = Int(version) }
        }
        let latest = (object["latest_versions"] as? [[String: Any]] ?? []).compactMap { int64($0["version"]) }.max()
        return RegisteredModel(name: name, description: object["description"] as? String,
                               creationTime: Double(int64(object["creation_timestamp"]) ?? 0) / 1000,
                               lastUpdatedTime: Double(int64(object["last_updated_timestamp"]) ?? 0) / 1000,
                               latestVersion: latest.map { Int($0) }, tags: keyValues(object["tags"]), aliases: aliases, promotionRules: [:])
    }

    /// Creates a registered model.
    @discardableResult
    public func createRegisteredModel(name: String, description: String?, actor: String?, reason: String?) async throws -> RegisteredModel {
        var body: [String: Any] = ["name": name]
        if let description { body["description"] = description }
        return try Self.model(try await call("POST", "registered-models/create", json: body)["registered_model"] as? [String: Any] ?? [:])
    }

    /// Every registered model, by name.
    public func registeredModels() async throws -> [RegisteredModel] {
        var out: [RegisteredModel] = [], token: String?
        repeat {
            var query = [("max_results", "1000")]
            if let token { query.append(("page_token", token)) }
            let page = try await call("GET", "registered-models/search", query: query)
            out += try (page["registered_models"] as? [[String: Any]] ?? []).map(Self.model)
            token = page["next_page_token"] as? String
        } while token?.isEmpty == false
        return out.sorted { $0.name < $1.name }
    }

    /// A registered model by name.
    public func registeredModel(name: String) async throws -> RegisteredModel {
        try Self.model(try await call("GET", "registered-models/get", query: [("name", name)])["registered_model"] as? [String: Any] ?? [:])
    }

    /// Registers a version from a run's artifact (without one, the run's model archive).
    @discardableResult
    public func registerModelVersion(name: String, runID: String, artifactPath: String?, description: String?, actor: String?, reason: String?) async throws -> ModelVersion {
        var path = artifactPath
        if path == nil {
            let archives = try await artifacts(runID: runID, under: nil).map(\.path).filter { $0.hasSuffix(".dstbx") }
            guard let first = archives.first else {
                throw ToolboxError(.notFound, "run \(runID) has no model archive (.dstbx) to register; name the model's artifact", context: ErrorContext(parameter: "artifact_path"))
            }
            path = first
        }
        do {
            _ = try await registeredModel(name: name)
        } catch let error as ToolboxError where error.code == .notFound {
            do { try await createRegisteredModel(name: name, description: nil, actor: actor, reason: reason) } catch let error as ToolboxError where error.code == .conflict {}
        }
        var body: [String: Any] = ["name": name, "source": "runs:/\(runID)/\(path ?? "")", "run_id": runID]
        if let description { body["description"] = description }
        return try Self.version(try await call("POST", "model-versions/create", json: body)["model_version"] as? [String: Any] ?? [:])
    }

    /// A model's versions, oldest first (MLflow's `model-versions/search`).
    public func modelVersions(name: String) async throws -> [ModelVersion] {
        _ = try await registeredModel(name: name)
        let escaped = name.replacingOccurrences(of: "'", with: "\\'")
        let answer = try await call("GET", "model-versions/search", query: [("filter", "name='\(escaped)'"), ("max_results", "10000")])
        var versions = try (answer["model_versions"] as? [[String: Any]] ?? []).map(Self.version).sorted { $0.version < $1.version }
        // A stock server's search leaves aliases out: they come from the model.
        let aliases = try await registeredModel(name: name).aliases
        for index in versions.indices where versions[index].aliases.isEmpty {
            versions[index].aliases = aliases.filter { $0.value == versions[index].version }.map(\.key).sorted()
        }
        return versions
    }

    /// One version of a model.
    public func modelVersion(name: String, version: Int) async throws -> ModelVersion {
        try Self.version(try await call("GET", "model-versions/get", query: [("name", name), ("version", String(version))])["model_version"] as? [String: Any] ?? [:])
    }

    /// The version an alias points at.
    public func modelVersion(name: String, alias: String) async throws -> ModelVersion {
        try Self.version(try await call("GET", "registered-models/alias", query: [("name", name), ("alias", alias)])["model_version"] as? [String: Any] ?? [:])
    }

    /// Points `alias` at `version` (the server applies its promotion rules; `force` is not
    /// part of MLflow's API).
    public func setAlias(name: String, alias: String, version: Int, force: Bool, actor: String?, reason: String?) async throws {
        _ = try await call("POST", "registered-models/alias", json: ["name": name, "alias": alias, "version": String(version)])
    }

    /// Removes an alias.
    public func deleteAlias(name: String, alias: String, actor: String?, reason: String?) async throws {
        _ = try await call("DELETE", "registered-models/alias", json: ["name": name, "alias": alias])
    }

    /// Promotion rules are DS Toolbox's registry feature, not part of MLflow's API.
    public func setPromotionRule(name: String, alias: String, rule: PromotionRule?, actor: String?, reason: String?) async throws {
        throw ToolboxError(.unsupported, "promotion rules are set on the server's own store (dstoolbox models rule ... --store FOLDER), not over MLflow's API",
                           context: ErrorContext(parameter: "rule"))
    }

    /// Sets a tag on a model or one of its versions.
    public func setModelTag(name: String, version: Int?, key: String, value: String, actor: String?, reason: String?) async throws {
        if let version {
            _ = try await call("POST", "model-versions/set-tag", json: ["name": name, "version": String(version), "key": key, "value": value])
        } else {
            _ = try await call("POST", "registered-models/set-tag", json: ["name": name, "key": key, "value": value])
        }
    }

    /// Sets the description of a model or one of its versions.
    public func setModelDescription(name: String, version: Int?, description: String, actor: String?, reason: String?) async throws {
        if let version {
            _ = try await call("PATCH", "model-versions/update", json: ["name": name, "version": String(version), "description": description])
        } else {
            _ = try await call("PATCH", "registered-models/update", json: ["name": name, "description": description])
        }
    }

    /// The audit log is DS Toolbox's and not part of MLflow's API.
    public func auditLog(model: String?, alias: String?, limit: Int) async throws -> [AuditEntry] {
        throw ToolboxError(.unsupported, "the audit log is read from the server's own store (dstoolbox models audit --store FOLDER), not over MLflow's API",
                           context: ErrorContext(parameter: "audit"))
    }
}
