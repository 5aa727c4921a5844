public import Foundation
public import ToolboxCore

/// MLflow's file-store layout (`mlruns/`): experiments and runs written so that
/// `mlflow ui --backend-store-uri DIR` (and MLflow's `FileStore`) shows them, and read back.
///
/// ```
/// DIR/0/meta.yaml                              the Default experiment
/// DIR/<experiment>/meta.yaml                   name, ids, times
/// DIR/<experiment>/<run>/meta.yaml             status, times, user, name
/// DIR/<experiment>/<run>/params/<key>          the value
/// DIR/<experiment>/<run>/metrics/<key>         "timestamp_ms value step" per line (nan, inf)
/// DIR/<experiment>/<run>/tags/<key>            the value
/// DIR/<experiment>/<run>/artifacts/...         the files
/// ```
public enum MLflowFileStore {
    /// What an export or an import moved.
    public struct Summary: Sendable, Hashable, Codable {
        /// Experiments written or read.
        public var experiments = 0
        /// Runs written or read.
        public var runs = 0
        /// Metric values (every step) written or read.
        public var metrics = 0
        /// Artifact files written or read.
        public var artifacts = 0
    }

    // MARK: Export

    /// Writes the experiments called `names` (all when empty) of `store` to a new folder
    /// `folder` in MLflow's file-store layout. The folder is built beside its place and moved
    /// there when complete; an existing folder is never replaced.
    /// - Throws: `ToolboxError/Code/conflict` when `folder` exists, `ToolboxError/Code/notFound`
    ///   for an unknown experiment, `ToolboxError/Code/invalidParameter` for a key that cannot
    ///   be a file name (`..`, an absolute path).
    @discardableResult
    public static func export(_ store: any TrackingStore, experiments names: [String] = [], to folder: String) async throws -> Summary {
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        guard !FileManager.default.fileExists(atPath: target.path) else {
            throw ToolboxError(.conflict, "\(folder) exists; export writes a new folder and never replaces one", context: ErrorContext(path: folder))
        }
        let all = try await store.experiments()
        var chosen = all
        if !names.isEmpty {
            chosen = try names.map { name in
                guard let found = all.first(where: { $0.name == name }) else {
                    throw ToolboxError(.notFound, "no experiment \(name)", context: ErrorContext(parameter: "experiment"))
                }
                return found
            }
        }
        let partial = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())")
        try? FileManager.default.removeItem(at: partial)
        var summary = Summary()
        do {
            try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
            if !chosen.contains(where: { $0.name == "Default" }) {
                try writeExperiment(Experiment(id: 0, name: "Default", creationTime: Date().timeIntervalSince1970), id: "0", root: partial, final: target)
            }
            for experiment in chosen {
                let id = experiment.name == "Default" ? "0" : String(experiment.id)
                try writeExperiment(experiment, id: id, root: partial, final: target)
                summary.experiments += 1
                var offset = 0
                while true {
                    let page = try await store.searchRuns(experimentIDs: [experiment.id], filter: nil, orderBy: [], maxResults: 50_000, offset: offset)
                    for run in page {
                        try await writeRun(run, experimentID: id, store: store, root: partial, final: target, summary: &summary)
                    }
                    guard page.count == 50_000 else { break }
                    offset += page.count
                }
            }
            try FileManager.default.moveItem(at: partial, to: target)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        return summary
    }

    static func writeExperiment(_ experiment: Experiment, id: String, root: URL, final: URL) throws {
        let folder = root.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let time = milliseconds(experiment.creationTime)
        try write(yaml([("artifact_location", .text(final.appendingPathComponent(id).absoluteString)), ("creation_time", .number(time)),
                        ("experiment_id", .text(id)), ("last_update_time", .number(time)), ("lifecycle_stage", .text("active")),
                        ("name", .text(experiment.name))]), to: folder.appendingPathComponent("meta.yaml"))
    }

    /// MLflow's `RunStatus` numbers.
    static let statusNumbers: [RunStatus: Int64] = [.running: 1, .scheduled: 2, .finished: 3, .failed: 4, .killed: 5]

    static func writeRun(_ run: Run, experimentID: String, store: any TrackingStore, root: URL, final: URL, summary: inout Summary) async throws {
        let folder = root.appendingPathComponent(experimentID).appendingPathComponent(run.id)
        let artifacts = final.appendingPathComponent(experimentID).appendingPathComponent(run.id).appendingPathComponent("artifacts")
        for sub in ["params", "metrics", "tags", "artifacts"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var meta: [(String, YAMLScalar)] = [("artifact_uri", .text(artifacts.absoluteString))]
        if let end = run.endTime { meta.append(("end_time", .number(milliseconds(end)))) }
        meta += [("entry_point_name", .text("")), ("experiment_id", .text(experimentID)), ("lifecycle_stage", .text("active")),
                 ("run_id", .text(run.id)), ("run_name", .text(run.name ?? "")), ("source_name", .text(run.source ?? "")), ("source_type", .number(4)),
                 ("source_version", .text("")), ("start_time", .number(milliseconds(run.startTime))),
                 ("status", .number(statusNumbers[run.status] ?? 3)), ("tags", .emptyList), ("user_id", .text(run.user ?? ""))]
        try write(yaml(meta), to: folder.appendingPathComponent("meta.yaml"))
        for (key, value) in try await store.params(runID: run.id) {
            try write(value, to: try keyFile(folder.appendingPathComponent("params"), key))
        }
        var tags = try await store.tags(runID: run.id)
        if let name = run.name, tags["mlflow.runName"] == nil { tags["mlflow.runName"] = name }
        if let user = run.user, tags["mlflow.user"] == nil { tags["mlflow.user"] = user }
        if let parent = run.parentRunID, tags["mlflow.parentRunId"] == nil { tags["mlflow.parentRunId"] = parent }
        for (key, value) in tags {
            try write(value, to: try keyFile(folder.appendingPathComponent("tags"), key))
        }
        for key in try await store.latestMetrics(runID: run.id).keys {
            let history = try await store.metricHistory(runID: run.id, key: key)
            let lines = history.map { "\(milliseconds($0.timestamp)) \(pythonFloat($0.value)) \($0.step)\n" }.joined()
            try write(lines, to: try keyFile(folder.appendingPathComponent("metrics"), key))
            summary.metrics += history.count
        }
        for artifact in try await store.artifacts(runID: run.id, under: nil) {
            let file = try keyFile(folder.appendingPathComponent("artifacts"), artifact.path)
            try Data(try await store.readArtifact(runID: run.id, path: artifact.path)).write(to: file)
            summary.artifacts += 1
        }
        summary.runs += 1
    }

    /// `key` as a file under `folder` (MLflow nests keys with `/`), never outside it.
    static func keyFile(_ folder: URL, _ key: String) throws -> URL {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.hasPrefix("/"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }), !key.contains("\0") else {
            throw ToolboxError(.invalidParameter, "the key \(key) cannot be a file in MLflow's layout", context: ErrorContext(parameter: "key"))
        }
        let file = folder.appendingPathComponent(key)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        return file
    }

    static func milliseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

    /// A float as Python's `repr` writes it (`nan`, `inf`, `-inf`, shortest round trip).
    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url, options: .withoutOverwriting)
    }

    enum YAMLScalar {
        case text(String), number(Int64), emptyList
    }

    /// A flat YAML mapping as PyYAML's `safe_dump` writes MLflow's meta files (strings quoted
    /// when they would read as something else).
    static func yaml(_ members: [(String, YAMLScalar)]) -> String {
        members.map { key, value in
            switch value {
            case .number(let number): return "\(key): \(number)\n"
            case .emptyList: return "\(key): []\n"
            case .text(let text):
                let plain = !text.isEmpty && text.range(of: #"^[A-Za-z_/][A-Za-z0-9_./:\- ]*$"#, options: .regularExpression) != nil
                    && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased()) && !text.hasSuffix(" ") && !text.contains(": ")
                return "\(key): " + (plain ? text : "'" + text.replacingOccurrences(of: "'", with: "''") + "'") + "\n"
            }
        }.joined()
    }

    // MARK: Import

    /// Reads every experiment and run of an MLflow file store at `folder` into `store`: runs get
    /// new ids; names, statuses, times (on a SQLite store), users, parameters, metric histories,
    /// tags and artifacts come along.
    /// - Throws: `ToolboxError/Code/notFound` for a folder without experiments,
    ///   `ToolboxError/Code/parseError` naming the file for a malformed one.
    @discardableResult
    public static func importStore(from folder: String, into store: any TrackingStore) async throws -> Summary {
        let root = URL(fileURLWithPath: folder)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let experimentFolders = entries.filter { !$0.hasPrefix(".") && $0 != "models" && FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("meta.yaml").path) }
        guard !experimentFolders.isEmpty else {
            throw ToolboxError(.notFound, "\(folder) holds no MLflow experiments (no */meta.yaml)", context: ErrorContext(path: folder))
        }
        var summary = Summary()
        for name in experimentFolders.sorted() {
            let experimentFolder = root.appendingPathComponent(name)
            let meta = try readYAML(experimentFolder.appendingPathComponent("meta.yaml"))
            guard let experimentName = meta["name"], meta["lifecycle_stage"] != "deleted" else { continue }
            let runFolders = ((try? FileManager.default.contentsOfDirectory(atPath: experimentFolder.path)) ?? []).filter {
                FileManager.default.fileExists(atPath: experimentFolder.appendingPathComponent($0).appendingPathComponent("meta.yaml").path) && $0 != "datasets"
            }
            if experimentName == "Default" && runFolders.isEmpty { continue }
            let experiment = try await store.experiment(named: experimentName)
            summary.experiments += 1
            for runName in runFolders.sorted() {
                let runFolder = experimentFolder.appendingPathComponent(runName)
                let runMeta = try readYAML(runFolder.appendingPathComponent("meta.yaml"))
                guard runMeta["lifecycle_stage"] != "deleted" else { continue }
                let params = try readKeys(runFolder.appendingPathComponent("params"))
                let tags = try readKeys(runFolder.appendingPathComponent("tags"))
                var metrics: [RunMetric] = []
                for (key, text) in try readKeys(runFolder.appendingPathComponent("metrics")) {
                    for (number, line) in text.split(separator: "\n").enumerated() {
                        let fields = line.split(separator: " ")
                        guard fields.count >= 2, let timestamp = Int64(fields[0]), let value = parseFloat(String(fields[1])) else {
                            throw ToolboxError(.parseError, "metric \(key) line \(number + 1) is not \"timestamp value step\"",
                                               context: ErrorContext(path: runFolder.appendingPathComponent("metrics").appendingPathComponent(key).path, line: number + 1))
                        }
                        metrics.append(RunMetric(key: key, value: value, step: fields.count > 2 ? Int64(fields[2]) ?? 0 : 0, timestamp: Double(timestamp) / 1000))
                    }
                }
                let status = statusNumbers.first { String($0.value) == runMeta["status"] }?.key ?? RunStatus(rawValue: runMeta["status"] ?? "") ?? .finished
                let start = Double(Int64(runMeta["start_time"] ?? "") ?? 0) / 1000
                let end = Int64(runMeta["end_time"] ?? "").map { Double($0) / 1000 }
                let runName = runMeta["run_name"].flatMap { $0.isEmpty ? nil : $0 } ?? tags["mlflow.runName"]
                let user = runMeta["user_id"].flatMap { $0.isEmpty ? nil : $0 } ?? tags["mlflow.user"]
                let runID: String
                if let sqlite = store as? SQLiteTrackingStore {
                    runID = try sqlite.importRuns(experimentID: experiment.id, [ImportedRun(name: runName, status: status, startTime: start, endTime: end, user: user,
                                                                                            params: params, metrics: metrics, tags: tags)])[0]
                } else {
                    runID = try await store.createRun(experimentID: experiment.id, name: runName, parentRunID: nil, source: runMeta["source_name"], user: user).id
                    try await store.logBatch(runID: runID, params: params, metrics: metrics, tags: tags)
                    if status != .running { try await store.endRun(id: runID, status: status) }
                }
                summary.metrics += metrics.count
                let artifacts = runFolder.appendingPathComponent("artifacts")
                if FileManager.default.fileExists(atPath: artifacts.path) {
                    // The store's folder logging: links followed only to regular files inside.
                    summary.artifacts += try await store.logArtifacts(runID: runID, directory: artifacts.path, path: nil).count
                }
                summary.runs += 1
            }
        }
        return summary
    }

    static func parseFloat(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return Double(text)
        }
    }

    /// Files under `folder` by their path inside it (keys with `/`), with their text.
    static func readKeys(_ folder: URL) throws -> [String: String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [:] }
        var out: [String: String] = [:]
        for case let relative as String in walker {
            let file = folder.appendingPathComponent(relative)
            var info = stat()
            guard lstat(file.path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: continue
            case S_IFREG: out[relative] = String(decoding: try RegularFile.read(file.path, limit: 64 << 20), as: UTF8.self)
            default:
                // A link or a device where a value should be: never followed out of the store.
                throw ToolboxError(.invalidParameter, "\(file.path) is not a regular file; an MLflow store keeps each value in one",
                                   context: ErrorContext(path: file.path))
            }
        }
        return out
    }

    /// A flat YAML mapping's scalars as text.
    static func readYAML(_ url: URL) throws -> [String: String] {
        let text = String(decoding: try RegularFile.read(url.path, limit: 1 << 20), as: UTF8.self)
        let value: JSONValue
        do {
            value = try JSONValue(yamlText: text)
        } catch let error as ToolboxError {
            var located = error
            located.context.path = url.path
            throw located
        }
        guard case .object(let members) = value else {
            throw ToolboxError(.parseError, "\(url.path) is not a YAML mapping", context: ErrorContext(path: url.path))
        }
        var out: [String: String] = [:]
        for (key, item) in members {
            switch item {
            case .string(let text): out[key] = text
            case .number(let number): out[key] = number == number.rounded() && abs(number) < 9e15 ? String(Int64(number)) : "\(number)"
            case .bool(let flag): out[key] = flag ? "true" : "false"
            default: continue
            }
        }
        return out
    }
}
