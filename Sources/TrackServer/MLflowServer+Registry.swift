import Foundation
import Hummingbird
import ToolboxCore
import ToolboxHTTP
import TrackKit

extension MLflowServer {
    // MARK: Registered models

    func versionJSON(_ version: ModelVersion) -> JSONOutput {
        var members: [(String, JSONOutput)] = [
            ("name", .string(version.name)), ("version", .string(String(version.version))),
            ("creation_timestamp", .integer(milliseconds(version.creationTime))), ("last_updated_timestamp", .integer(milliseconds(version.creationTime))),
            ("current_stage", .string("None")), ("description", .string(version.description ?? "")),
            ("source", .string("runs:/\(version.runID)/\(version.artifactPath ?? "")")), ("run_id", .string(version.runID)),
            ("status", .string("READY")), ("run_link", .string("")),
        ]
        if !version.tags.isEmpty { members.append(("tags", Self.keyValues(version.tags))) }
        if !version.aliases.isEmpty { members.append(("aliases", .array(version.aliases.sorted().map { .string($0) }))) }
        return .object(members)
    }

    func modelJSON(_ model: RegisteredModel) async throws -> JSONOutput {
        var members: [(String, JSONOutput)] = [
            ("name", .string(model.name)), ("creation_timestamp", .integer(milliseconds(model.creationTime))),
            ("last_updated_timestamp", .integer(milliseconds(model.lastUpdatedTime))),
        ]
        if let description = model.description { members.append(("description", .string(description))) }
        if let latest = model.latestVersion {
            members.append(("latest_versions", .array([versionJSON(try await store.modelVersion(name: model.name, version: latest))])))
        }
        if !model.tags.isEmpty { members.append(("tags", Self.keyValues(model.tags))) }
        if !model.aliases.isEmpty {
            members.append(("aliases", .array(model.aliases.sorted { $0.key < $1.key }.map {
                .object([("alias", .string($0.key)), ("version", .string(String($0.value)))])
            })))
        }
        return .object(members)
    }

    /// `[{"key": ..., "value": ...}]` by key.
    static func keyValues(_ pairs: [String: String]) -> JSONOutput {
        .array(pairs.sorted { $0.key < $1.key }.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) })
    }

    func registeredModel(_ name: String) async throws -> RegisteredModel {
        do {
            return try await store.registeredModel(name: name)
        } catch let error as ToolboxError where error.code == .notFound {
            throw MLflowError.missing("Registered Model with name=\(name) not found")
        }
    }

    func createRegisteredModel(_ call: Call) async throws -> Response {
        let name = try call.required("name")
        do {
            try await store.createRegisteredModel(name: name, description: call.string("description"), actor: call.actor, reason: nil)
        } catch let error as ToolboxError where error.code == .conflict {
            throw MLflowError.exists("Registered Model (name=\(name)) already exists.")
        }
        for item in call.body["tags"] as? [[String: Any]] ?? [] {
            guard let key = item["key"] as? String else { throw MLflowError.invalid("A tag needs a key") }
            try await store.setModelTag(name: name, version: nil, key: key, value: Self.text(item["value"]) ?? "", actor: call.actor, reason: nil)
        }
        return HTTPSupport.json(.object([("registered_model", try await modelJSON(try await registeredModel(name)))]))
    }

    func getRegisteredModel(_ call: Call) async throws -> Response {
        HTTPSupport.json(.object([("registered_model", try await modelJSON(try await registeredModel(try call.required("name"))))]))
    }

    func searchRegisteredModels(_ call: Call) async throws -> Response {
        var models = try await store.registeredModels()
        if let filter = call.string("filter"), !filter.isEmpty {
            let conditions = try NameFilter(filter)
            models = models.filter { conditions.matches(name: $0.name, tags: $0.tags) }
        }
        let (page, next) = try paged(models, call)
        var out: [JSONOutput] = []
        for model in page { out.append(try await modelJSON(model)) }
        var members: [(String, JSONOutput)] = []
        if !out.isEmpty { members.append(("registered_models", .array(out))) }
        if let next { members.append(("next_page_token", .string(next))) }
        return HTTPSupport.json(.object(members))
    }

    // MARK: Versions

    /// The run and the artifact path a version's source names: `runs:/RUN/PATH`, or
    /// `mlflow-artifacts:/EXPERIMENT/RUN/artifacts/PATH`; `run_id` alone names the run's model
    /// archive.
    static func source(_ text: String?, runID: String?) throws -> (run: String, path: String?) {
        if let text, text.hasPrefix("runs:/") {
            let rest = text.dropFirst("runs:/".count)
            let parts = rest.split(separator: "/", maxSplits: 1)
            guard let run = parts.first, !run.isEmpty else { throw MLflowError.invalid("Invalid source \(text): expected runs:/RUN_ID/PATH") }
            let path = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "/")) : ""
            return (String(run), path.isEmpty ? nil : path)
        }
        if let text, text.hasPrefix("mlflow-artifacts:/") {
            let parts = text.dropFirst("mlflow-artifacts:/".count).split(separator: "/", maxSplits: 3).map(String.init)
            guard parts.count >= 3, parts[2] == "artifacts" else { throw MLflowError.invalid("Invalid source \(text): expected mlflow-artifacts:/EXPERIMENT/RUN/artifacts/PATH") }
            return (parts[1], parts.count > 3 && !parts[3].isEmpty ? parts[3] : nil)
        }
        guard let runID, !runID.isEmpty else {
            throw MLflowError.invalid("A model version needs a source runs:/RUN_ID/PATH (or mlflow-artifacts:/...) or a run_id")
        }
        return (runID, nil)
    }

    func createModelVersion(_ call: Call) async throws -> Response {
        let name = try call.required("name")
        let (run, path) = try Self.source(call.string("source"), runID: call.string("run_id"))
        _ = try await self.run(run)
        let version = try await store.registerModelVersion(name: name, runID: run, artifactPath: path, description: call.string("description"),
                                                           actor: call.actor, reason: nil)
        for item in call.body["tags"] as? [[String: Any]] ?? [] {
            guard let key = item["key"] as? String else { throw MLflowError.invalid("A tag needs a key") }
            try await store.setModelTag(name: name, version: version.version, key: key, value: Self.text(item["value"]) ?? "", actor: call.actor, reason: nil)
        }
        return HTTPSupport.json(.object([("model_version", versionJSON(try await store.modelVersion(name: name, version: version.version)))]))
    }

    func versionNumber(_ call: Call) throws -> Int {
        let text = try call.required("version")
        guard let version = Int(text), version >= 1 else { throw MLflowError.invalid("Model version must be a positive integer, got \(text)") }
        return version
    }

    func getModelVersion(_ call: Call) async throws -> Response {
        let name = try call.required("name")
        let number = try versionNumber(call)
        do {
            return HTTPSupport.json(.object([("model_version", versionJSON(try await store.modelVersion(name: name, version: number)))]))
        } catch let error as ToolboxError where error.code == .notFound {
            throw MLflowError.missing("Model Version (name=\(name), version=\(number)) not found")
        }
    }

    /// `model-versions/search` with `name = '...'` (or no filter: every model's versions).
    func searchModelVersions(_ call: Call) async throws -> Response {
        var names: [String]
        if let filter = call.string("filter"), !filter.isEmpty {
            let conditions = try NameFilter(filter)
            names = try await store.registeredModels().map(\.name).filter { conditions.matches(name: $0, tags: [:]) }
        } else {
            names = try await store.registeredModels().map(\.name)
        }
        names.sort()
        var versions: [ModelVersion] = []
        for name in names { versions += try await store.modelVersions(name: name) }
        // Newest first, as MLflow lists them.
        versions.sort { ($0.name, -$0.version) < ($1.name, -$1.version) }
        let limit = try maxResults(call, default: 10_000, most: 200_000)
        let offset = try pageOffset(call)
        let page = versions.dropFirst(offset).prefix(limit)
        var members: [(String, JSONOutput)] = []
        if !page.isEmpty { members.append(("model_versions", .array(page.map(versionJSON)))) }
        if offset + limit < versions.count { members.append(("next_page_token", .string(Self.pageToken(offset + limit)))) }
        return HTTPSupport.json(.object(members))
    }

    func setVersionTag(_ call: Call) async throws -> Response {
        try await store.setModelTag(name: try call.required("name"), version: try versionNumber(call), key: try call.required("key"),
                                    value: call.string("value") ?? "", actor: call.actor, reason: nil)
        return HTTPSupport.json(.object([]))
    }

    func setModelTag(_ call: Call) async throws -> Response {
        try await store.setModelTag(name: try call.required("name"), version: nil, key: try call.required("key"), value: call.string("value") ?? "",
                                    actor: call.actor, reason: nil)
        return HTTPSupport.json(.object([]))
    }

    func updateVersion(_ call: Call) async throws -> Response {
        let name = try call.required("name"), number = try versionNumber(call)
        if let description = call.string("description") {
            try await store.setModelDescription(name: name, version: number, description: description, actor: call.actor, reason: nil)
        }
        return HTTPSupport.json(.object([("model_version", versionJSON(try await store.modelVersion(name: name, version: number)))]))
    }

    func updateModel(_ call: Call) async throws -> Response {
        let name = try call.required("name")
        if let description = call.string("description") {
            try await store.setModelDescription(name: name, version: nil, description: description, actor: call.actor, reason: nil)
        }
        return HTTPSupport.json(.object([("registered_model", try await modelJSON(try await registeredModel(name)))]))
    }

    func setAlias(_ call: Call) async throws -> Response {
        let name = try call.required("name")
        let alias = try call.required("alias")
        try await store.setAlias(name: name, alias: alias, version: try versionNumber(call), force: false, actor: call.actor, reason: nil)
        return HTTPSupport.json(.object([]))
    }

    func deleteAlias(_ call: Call) async throws -> Response {
        let name = try call.required("name")
        let alias = try call.required("alias")
        try await store.deleteAlias(name: name, alias: alias, actor: call.actor, reason: nil)
        return HTTPSupport.json(.object([]))
    }

    func getVersionByAlias(_ call: Call) async throws -> Response {
        let name = try call.required("name")
        let alias = try call.required("alias")
        _ = try await registeredModel(name)
        do {
            return HTTPSupport.json(.object([("model_version", versionJSON(try await store.modelVersion(name: name, alias: alias)))]))
        } catch let error as ToolboxError where error.code == .notFound {
            // MLflow answers an unknown alias as a bad parameter, not a missing resource.
            throw MLflowError.invalid("Registered model alias \(alias) not found.")
        }
    }

    // MARK: Artifacts

    /// `EXPERIMENT/RUN/artifacts[/PATH]` split into the run and the path inside it.
    func artifactLocation(_ text: String) throws -> (run: String, path: String) {
        let parts = text.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts[2] == "artifacts", !parts[1].isEmpty else {
            throw MLflowError.invalid("Invalid artifact path \(text): expected EXPERIMENT/RUN_ID/artifacts/PATH")
        }
        return (parts[1], parts.count > 3 ? parts[3] : "")
    }

    func uploadArtifact(_ call: Call) async throws -> Response {
        let location = String(call.request.uri.path.dropFirst(Self.artifactPrefix.count)).removingPercentEncoding ?? ""
        let (run, path) = try artifactLocation(location)
        guard !path.isEmpty else { throw MLflowError.invalid("An artifact upload needs a file path") }
        _ = try await self.run(run)
        try await store.logArtifact(runID: run, bytes: Array(call.rawBody.readableBytesView), path: path)
        return HTTPSupport.json(.object([]))
    }

    func downloadArtifact(_ call: Call) async throws -> Response {
        let location = String(call.request.uri.path.dropFirst(Self.artifactPrefix.count)).removingPercentEncoding ?? ""
        let (run, path) = try artifactLocation(location)
        _ = try await self.run(run)
        let bytes: [UInt8]
        do {
            bytes = try await store.readArtifact(runID: run, path: path)
        } catch let error as ToolboxError where error.code == .notFound {
            throw MLflowError.missing("No artifact \(path) in run \(run)")
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func listArtifacts(_ call: Call) async throws -> Response {
        let (run, path) = try artifactLocation(call.string("path") ?? "")
        _ = try await self.run(run)
        let all = try await store.artifacts(runID: run, under: nil)
        let prefix = path.isEmpty ? "" : path.hasSuffix("/") ? path : path + "/"
        var files: [String: JSONOutput] = [:]
        for artifact in all where artifact.path.hasPrefix(prefix) {
            let rest = artifact.path.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                let directory = prefix + rest[..<slash]
                files[directory] = .object([("path", .string(String(rest[..<slash]))), ("is_dir", .bool(true))])
            } else {
                files[artifact.path] = .object([("path", .string(String(rest))), ("is_dir", .bool(false)), ("file_size", .integer(Int64(artifact.size)))])
            }
        }
        guard !files.isEmpty else { return HTTPSupport.json(.object([])) }
        return HTTPSupport.json(.object([("files", .array(files.sorted { $0.key < $1.key }.map(\.value)))]))
    }
}
