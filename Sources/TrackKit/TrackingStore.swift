public import Foundation
public import ToolboxCore

/// Where experiments, runs, parameters, metrics and tags live, as MLflow's tracking store: the
/// SQLite implementation (``SQLiteTrackingStore``) for one machine, and a PostgreSQL store and a
/// remote (MLflow REST) one to follow behind the same protocol.
///
/// Every requirement is `async`, so a store on a network (PostgreSQL, HTTP) never blocks a
/// thread and a server awaits it. ``SQLiteTrackingStore`` meets them with synchronous methods
/// (SQLite answers in microseconds), which code holding the concrete type calls directly.
public protocol TrackingStore: Sendable {
    /// The experiment called `name`, created if it does not exist.
    func experiment(named name: String) async throws -> Experiment
    /// Starts a run in an experiment (status ``RunStatus/running``).
    func createRun(experimentID: Int64, name: String?, parentRunID: String?, source: String?, user: String?) async throws -> Run
    /// Starts a run stamped `startTime` (seconds since 1970; now when nil), as MLflow's
    /// clients stamp their runs.
    func createRun(experimentID: Int64, name: String?, parentRunID: String?, source: String?, user: String?, startTime: Double?) async throws -> Run
    /// Ends a run at `endTime` (seconds since 1970; now when nil).
    func endRun(id: String, status: RunStatus, endTime: Double?) async throws
    /// A run by id.
    func run(id: String) async throws -> Run
    /// Ends a run with a final status.
    func endRun(id: String, status: RunStatus) async throws
    /// Logs parameters, metrics and tags in one transaction: all of them or none.
    /// Parameters are write-once (the same value again is fine, another value is an error);
    /// metrics append to their history; tags overwrite.
    func logBatch(runID: String, params: [String: String], metrics: [RunMetric], tags: [String: String]) async throws
    /// A run's parameters.
    func params(runID: String) async throws -> [String: String]
    /// A run's tags.
    func tags(runID: String) async throws -> [String: String]
    /// A metric's history in a run, by step, then timestamp, then logging order.
    func metricHistory(runID: String, key: String) async throws -> [RunMetric]
    /// The latest value of each metric of a run (the last logged at the largest step).
    func latestMetrics(runID: String) async throws -> [String: RunMetric]
    /// Runs of the experiments (all when empty) that pass the filter, in order, a page at a time.
    func searchRuns(experimentIDs: [Int64], filter: RunFilter?, orderBy: [RunOrder], maxResults: Int, offset: Int) async throws -> [Run]
    /// Every experiment, by id.
    func experiments() async throws -> [Experiment]
    /// The parameters, tags, latest metrics and inputs of many runs at once (a search result's page),
    /// by run id; runs that do not exist are left out.
    func runData(runIDs: [String]) async throws -> [String: RunData]
    /// Records the data sets a run read (a fingerprint each); the same digest again is ignored.
    func logInputs(runID: String, inputs: [DatasetInput]) async throws
    /// The data sets a run read.
    func inputs(runID: String) async throws -> [DatasetInput]

    // MARK: Artifacts

    /// Stores `bytes` as the run's artifact at `path` (a relative path inside the run), content
    /// addressed by SHA-256. Paths are written once: the same content again is fine, other
    /// content is an error (a registered version keeps naming what it named).
    @discardableResult
    func logArtifact(runID: String, bytes: [UInt8], path: String) async throws -> ArtifactInfo
    /// Stores the regular file at `file` as the run's artifact at `path` (default: its name).
    @discardableResult
    func logArtifact(runID: String, file: String, path: String?) async throws -> ArtifactInfo
    /// Stores every file under `directory` as artifacts under `path` (default: the run's root).
    @discardableResult
    func logArtifacts(runID: String, directory: String, path: String?) async throws -> [ArtifactInfo]
    /// A run's artifacts under `path` (all when nil), by path.
    func artifacts(runID: String, under path: String?) async throws -> [ArtifactInfo]
    /// An artifact's bytes, checked against the recorded SHA-256.
    func readArtifact(runID: String, path: String) async throws -> [UInt8]

    // MARK: Model registry

    /// Creates a registered model (an error if it exists).
    @discardableResult
    func createRegisteredModel(name: String, description: String?, actor: String?, reason: String?) async throws -> RegisteredModel
    /// Every registered model, by name.
    func registeredModels() async throws -> [RegisteredModel]
    /// A registered model by name.
    func registeredModel(name: String) async throws -> RegisteredModel
    /// Registers a new version of `name` (creating the model if needed) from a run and,
    /// optionally, one of its artifacts: versions count 1, 2, 3, ... with no gap or duplicate,
    /// however many processes register at once.
    @discardableResult
    func registerModelVersion(name: String, runID: String, artifactPath: String?, description: String?, actor: String?, reason: String?) async throws -> ModelVersion
    /// A model's versions, oldest first.
    func modelVersions(name: String) async throws -> [ModelVersion]
    /// One version of a model.
    func modelVersion(name: String, version: Int) async throws -> ModelVersion
    /// The version an alias points at.
    func modelVersion(name: String, alias: String) async throws -> ModelVersion
    /// Points `alias` at `version`. When the model has a promotion rule for the alias, the
    /// version's run must beat the current holder's metric, unless `force` (recorded as such).
    func setAlias(name: String, alias: String, version: Int, force: Bool, actor: String?, reason: String?) async throws
    /// Removes an alias.
    func deleteAlias(name: String, alias: String, actor: String?, reason: String?) async throws
    /// States (or with nil, drops) the rule a version must pass to take `alias`.
    func setPromotionRule(name: String, alias: String, rule: PromotionRule?, actor: String?, reason: String?) async throws
    /// Sets a tag on a model or, with `version`, on one of its versions.
    func setModelTag(name: String, version: Int?, key: String, value: String, actor: String?, reason: String?) async throws
    /// Sets the description of a model or, with `version`, of one of its versions.
    func setModelDescription(name: String, version: Int?, description: String, actor: String?, reason: String?) async throws
    /// The audit log, oldest first: every registry change (who, when, what, why), filtered by
    /// model and alias when given.
    func auditLog(model: String?, alias: String?, limit: Int) async throws -> [AuditEntry]
}

/// A run's parameters, tags, latest metrics and data set inputs (MLflow's `RunData` and `RunInputs`).
public struct RunData: Sendable, Hashable {
    /// Parameters by key.
    public var params: [String: String]
    /// Tags by key.
    public var tags: [String: String]
    /// The latest value of each metric, by key.
    public var metrics: [String: RunMetric]
    /// The data sets the run read, in logging order.
    public var inputs: [DatasetInput]

    /// A run's data.
    public init(params: [String: String] = [:], tags: [String: String] = [:], metrics: [String: RunMetric] = [:], inputs: [DatasetInput] = []) {
        self.params = params
        self.tags = tags
        self.metrics = metrics
        self.inputs = inputs
    }
}

/// A data set a run read, by fingerprint (MLflow's dataset inputs).
public struct DatasetInput: Sendable, Hashable, Codable {
    /// The data set's name in the run (`train`, `holdout`).
    public var name: String
    /// The content's SHA-256, hexadecimal.
    public var digest: String
    /// Where it came from (a path, a URL, a query).
    public var source: String?
    /// Its rows, when known.
    public var rows: Int?
    /// Its columns, when known.
    public var columns: Int?

    /// A data set by name and content fingerprint.
    public init(name: String, digest: String, source: String? = nil, rows: Int? = nil, columns: Int? = nil) {
        self.name = name
        self.digest = digest
        self.source = source
        self.rows = rows
        self.columns = columns
    }
}

/// An artifact: a run-relative path and the content it names.
public struct ArtifactInfo: Sendable, Hashable, Codable {
    /// The path inside the run (`model.dstbx`, `plots/roc.svg`).
    public var path: String
    /// SHA-256 of the content, hexadecimal.
    public var sha256: String
    /// The content's size in bytes.
    public var size: Int

    /// A value from its parts (for stores outside TrackKit).
    public init(path: String, sha256: String, size: Int) {
        self.path = path
        self.sha256 = sha256
        self.size = size
    }
}

/// A named model in the registry.
public struct RegisteredModel: Sendable, Hashable, Codable {
    /// The model's name, unique in the registry.
    public var name: String
    /// What the model is for, in words.
    public var description: String?
    /// Seconds since 1970.
    public var creationTime: Double
    /// Seconds since 1970 of the last change (a version, an alias, a tag).
    public var lastUpdatedTime: Double
    /// The highest version number; `nil` before the first version.
    public var latestVersion: Int?
    /// Free-form key-value tags on the model.
    public var tags: [String: String]
    /// Alias to version.
    public var aliases: [String: Int]
    /// Alias to the rule a version must pass to take it.
    public var promotionRules: [String: PromotionRule]

    /// A value from its parts (for stores outside TrackKit).
    public init(name: String, description: String? = nil, creationTime: Double, lastUpdatedTime: Double, latestVersion: Int? = nil, tags: [String: String], aliases: [String: Int], promotionRules: [String: PromotionRule]) {
        self.name = name
        self.description = description
        self.creationTime = creationTime
        self.lastUpdatedTime = lastUpdatedTime
        self.latestVersion = latestVersion
        self.tags = tags
        self.aliases = aliases
        self.promotionRules = promotionRules
    }
}

/// One version of a registered model: a run and, usually, the model artifact it logged.
public struct ModelVersion: Sendable, Hashable, Codable {
    /// The registered model's name.
    public var name: String
    /// The version number: 1, 2, 3, ... with no gap.
    public var version: Int
    /// The run the version comes from.
    public var runID: String
    /// The run's artifact holding the model; `nil` when none was named.
    public var artifactPath: String?
    /// The artifact's SHA-256 when registered: the version names that content for good.
    public var artifactSHA256: String?
    /// What changed in this version, in words.
    public var description: String?
    /// Seconds since 1970 when it was registered.
    public var creationTime: Double
    /// Free-form key-value tags on the version.
    public var tags: [String: String]
    /// The aliases pointing at this version (`champion`).
    public var aliases: [String]

    /// A value from its parts (for stores outside TrackKit).
    public init(name: String, version: Int, runID: String, artifactPath: String? = nil, artifactSHA256: String? = nil, description: String? = nil, creationTime: Double, tags: [String: String], aliases: [String]) {
        self.name = name
        self.version = version
        self.runID = runID
        self.artifactPath = artifactPath
        self.artifactSHA256 = artifactSHA256
        self.description = description
        self.creationTime = creationTime
        self.tags = tags
        self.aliases = aliases
    }
}

/// A rule a team states for an alias: "promote only if metric M beats the current holder's".
public struct PromotionRule: Sendable, Hashable, Codable {
    /// The run metric compared (its latest value).
    public var metric: String
    /// Whether larger is better (accuracy) or smaller (rmse).
    public var higherIsBetter: Bool
    /// How much better the candidate must be (0: strictly better).
    public var minimumImprovement: Double

    /// A rule: the candidate's run must beat the holder's `metric` (in its direction) by at least `minimumImprovement`.
    public init(metric: String, higherIsBetter: Bool, minimumImprovement: Double = 0) {
        self.metric = metric
        self.higherIsBetter = higherIsBetter
        self.minimumImprovement = minimumImprovement
    }

    /// Whether `candidate` beats `holder` under the rule (NaN never does).
    public func accepts(candidate: Double, holder: Double) -> Bool {
        guard !candidate.isNaN else { return false }
        guard !holder.isNaN else { return true }
        return higherIsBetter ? candidate - holder > minimumImprovement : holder - candidate > minimumImprovement
    }
}

/// One registry change in the append-only audit log.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Position in the log, from 1.
    public var sequence: Int64
    /// Seconds since 1970.
    public var time: Double
    /// Who made the change (the user, or the actor a call named).
    public var actor: String
    /// `create_model`, `register_version`, `set_alias`, `delete_alias`, `set_rule`, `set_tag`,
    /// `set_description`.
    public var action: String
    /// The registered model changed.
    public var model: String
    /// The version concerned, when one is.
    public var version: Int?
    /// The alias concerned, when one is.
    public var alias: String?
    /// What changed, as JSON (previous and new values).
    public var details: String
    /// Why, as given with the change.
    public var reason: String?

    /// A value from its parts (for stores outside TrackKit).
    public init(sequence: Int64, time: Double, actor: String, action: String, model: String, version: Int? = nil, alias: String? = nil, details: String, reason: String? = nil) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.action = action
        self.model = model
        self.version = version
        self.alias = alias
        self.details = details
        self.reason = reason
    }
}

extension TrackingStore {
    /// Registers the next version of `name` from a run's artifact (the run's model archive when
    /// `artifactPath` is `nil`), with no actor or reason in the audit log.
    @discardableResult
    public func registerModelVersion(name: String, runID: String, artifactPath: String? = nil, description: String? = nil) async throws -> ModelVersion {
        try await registerModelVersion(name: name, runID: runID, artifactPath: artifactPath, description: description, actor: nil, reason: nil)
    }

    /// Points `alias` at `version`, subject to the alias's promotion rule.
    public func setAlias(name: String, alias: String, version: Int, reason: String? = nil) async throws {
        try await setAlias(name: name, alias: alias, version: version, force: false, actor: nil, reason: reason)
    }

    /// The history of an alias: every time it was set or removed, oldest first.
    public func aliasHistory(name: String, alias: String) async throws -> [AuditEntry] {
        ModelLoading.aliasChanges(try await auditLog(model: name, alias: alias, limit: 1_000_000))
    }

    /// Logs a fitted model as an artifact (a DSToolbox model archive), loadable by any
    /// program that registered the model's type, without knowing its kit.
    @discardableResult
    public func logModel<Model: FittedModel>(runID: String, model: Model, path: String = "model.dstbx") async throws -> ArtifactInfo {
        try await logArtifact(runID: runID, bytes: ModelArchive.encode(model), path: path)
    }

    /// Loads a model logged with ``logModel(runID:model:path:)`` (or any file `ModelFile` reads).
    public func loadModel(runID: String, path: String = "model.dstbx", registry: ModelRegistry = .shared) async throws -> any FittedModel {
        try ModelFile.decode(try await readArtifact(runID: runID, path: path), path: path, registry: registry)
    }

    /// Loads the model of a registered version (by number or alias; the latest without either).
    public func loadModel(name: String, version: Int? = nil, alias: String? = nil, registry: ModelRegistry = .shared) async throws -> any FittedModel {
        let entry: ModelVersion
        if let alias { entry = try await modelVersion(name: name, alias: alias) }
        else if let version { entry = try await modelVersion(name: name, version: version) }
        else { entry = try await modelVersion(name: name, version: try ModelLoading.latest(try await registeredModel(name: name))) }
        let path = try ModelLoading.artifactPath(entry)
        return try ModelLoading.decode(try await readArtifact(runID: entry.runID, path: path), entry: entry, registry: registry)
    }

    /// Loads the model a URI names: `models:/NAME@ALIAS`, `models:/NAME/VERSION`,
    /// `models:/NAME` (the latest version) or `runs:/RUN_ID/PATH` (MLflow's URIs). Any format
    /// `ModelFile` reads may be behind it (archives, LightGBM and XGBoost files).
    /// - Throws: `ToolboxError/Code/invalidParameter` for a malformed URI,
    ///   `ToolboxError/Code/notFound` for an unknown model, version, alias, run or artifact.
    public func loadModel(uri: String, registry: ModelRegistry = .shared) async throws -> any FittedModel {
        switch try ModelURI(uri) {
        case .registered(let name, let alias): return try await loadModel(name: name, alias: alias, registry: registry)
        case .version(let name, let version): return try await loadModel(name: name, version: version, registry: registry)
        case .latest(let name): return try await loadModel(name: name, registry: registry)
        case .run(let id, let path): return try await loadModel(runID: id, path: path, registry: registry)
        }
    }

    /// The model a URI names, which must be of type `Model`.
    public func loadModel<Model: FittedModel>(_ type: Model.Type, uri: String, registry: ModelRegistry = .shared) async throws -> Model {
        try ModelFile.typed(try await loadModel(uri: uri, registry: registry), as: type, path: uri)
    }
}

/// What loading a registered model checks, for every store (async) and for the SQLite store's
/// synchronous calls alike.
enum ModelLoading {
    static func aliasChanges(_ entries: [AuditEntry]) -> [AuditEntry] {
        entries.filter { $0.action == "set_alias" || $0.action == "delete_alias" }
    }

    static func latest(_ model: RegisteredModel) throws -> Int {
        guard let latest = model.latestVersion else {
            throw ToolboxError(.notFound, "model \(model.name) has no versions", context: ErrorContext(parameter: "model"))
        }
        return latest
    }

    static func artifactPath(_ entry: ModelVersion) throws -> String {
        guard let path = entry.artifactPath else {
            throw ToolboxError(.notFound, "version \(entry.version) of \(entry.name) names no model artifact", context: ErrorContext(parameter: "version"))
        }
        return path
    }

    /// The model in a version's artifact, its bytes checked against the hash recorded at registration.
    static func decode(_ bytes: [UInt8], entry: ModelVersion, registry: ModelRegistry) throws -> any FittedModel {
        let path = try artifactPath(entry)
        if let expected = entry.artifactSHA256, ContentSHA256.hash(bytes).hexString != expected {
            throw ToolboxError(.corruptStore, "artifact \(path) of run \(entry.runID) changed since version \(entry.version) of \(entry.name) was registered",
                               context: ErrorContext(path: path))
        }
        return try ModelFile.decode(bytes, path: path, registry: registry)
    }
}

/// A model named by URI, as MLflow names them.
public enum ModelURI: Sendable, Hashable {
    /// `models:/NAME@ALIAS`
    case registered(name: String, alias: String)
    /// `models:/NAME/VERSION`
    case version(name: String, version: Int)
    /// `models:/NAME`: the latest version.
    case latest(name: String)
    /// `runs:/RUN_ID/PATH`
    case run(id: String, path: String)

    /// Whether `text` is a model URI rather than a file path.
    public static func isURI(_ text: String) -> Bool { text.hasPrefix("models:/") || text.hasPrefix("runs:/") }

    /// Parses a URI.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming the URI and the forms taken.
    public init(_ text: String) throws {
        func bad(_ why: String) -> ToolboxError {
            ToolboxError(.invalidParameter, "\(ToolboxError.excerpt(text, limit: 80)) \(why); model URIs are models:/NAME@ALIAS, models:/NAME/VERSION, models:/NAME or runs:/RUN_ID/PATH",
                         context: ErrorContext(parameter: "model"))
        }
        if text.hasPrefix("models:/") {
            let rest = String(text.dropFirst("models:/".count))
            if let at = rest.lastIndex(of: "@") {
                let name = String(rest[..<at]), alias = String(rest[rest.index(after: at)...])
                guard !name.isEmpty, !alias.isEmpty, !name.contains("/"), !alias.contains("/") else { throw bad("needs a name and an alias") }
                self = .registered(name: name, alias: alias)
            } else if let slash = rest.lastIndex(of: "/") {
                let name = String(rest[..<slash]), number = rest[rest.index(after: slash)...]
                guard !name.isEmpty, !name.contains("/"), let version = Int(number), version >= 1 else { throw bad("needs a name and a version number of at least 1") }
                self = .version(name: name, version: version)
            } else {
                guard !rest.isEmpty else { throw bad("names no model") }
                self = .latest(name: rest)
            }
        } else if text.hasPrefix("runs:/") {
            let rest = text.dropFirst("runs:/".count)
            guard let slash = rest.firstIndex(of: "/"), !rest[..<slash].isEmpty, rest.index(after: slash) < rest.endIndex else {
                throw bad("needs a run id and an artifact path")
            }
            self = .run(id: String(rest[..<slash]), path: String(rest[rest.index(after: slash)...]))
        } else {
            throw bad("is not a model URI")
        }
    }
}

/// An experiment: a named group of runs.
public struct Experiment: Sendable, Hashable, Codable {
    /// The experiment's id (MLflow sends it as a JSON string).
    public var id: Int64
    /// The experiment's name, unique in the store.
    public var name: String
    /// Seconds since 1970.
    public var creationTime: Double

    /// A value from its parts (for stores outside TrackKit).
    public init(id: Int64, name: String, creationTime: Double) {
        self.id = id
        self.name = name
        self.creationTime = creationTime
    }
}

/// A run's life cycle, as MLflow names it.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running = "RUNNING"
    case scheduled = "SCHEDULED"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"
}

/// One run: a fit, an evaluation, a job.
public struct Run: Sendable, Hashable, Codable {
    /// 32 hexadecimal digits, as MLflow's run ids.
    public var id: String
    /// The experiment the run belongs to.
    public var experimentID: Int64
    /// A name for people (`forest-depth-8`).
    public var name: String?
    /// Where the run is in its life cycle.
    public var status: RunStatus
    /// Seconds since 1970.
    public var startTime: Double
    /// Seconds since 1970 when it ended; `nil` while running.
    public var endTime: Double?
    /// The run this one is a child of (a workflow's step, a tuning trial).
    public var parentRunID: String?
    /// What ran it (a script, a command line, a notebook).
    public var source: String?
    /// Who ran it.
    public var user: String?

    /// A value from its parts (for stores outside TrackKit).
    public init(id: String, experimentID: Int64, name: String? = nil, status: RunStatus, startTime: Double, endTime: Double? = nil, parentRunID: String? = nil, source: String? = nil, user: String? = nil) {
        self.id = id
        self.experimentID = experimentID
        self.name = name
        self.status = status
        self.startTime = startTime
        self.endTime = endTime
        self.parentRunID = parentRunID
        self.source = source
        self.user = user
    }
}

/// One metric value: key, value (NaN and ±∞ kept exactly), step and time.
public struct RunMetric: Sendable, Hashable, Codable {
    /// The metric's name (`rmse`, `train_loss`).
    public var key: String
    /// The value; NaN and ±∞ are stored and read back exactly.
    public var value: Double
    /// The step it was measured at (an epoch, a boosting round).
    public var step: Int64
    /// Seconds since 1970.
    public var timestamp: Double

    /// A value of `key` at `step`, stamped now unless given a time.
    public init(key: String, value: Double, step: Int64 = 0, timestamp: Double = Date().timeIntervalSince1970) {
        self.key = key
        self.value = value
        self.step = step
        self.timestamp = timestamp
    }

    /// Equal when every field is, NaN equal to NaN of the same bits.
    public static func == (lhs: RunMetric, rhs: RunMetric) -> Bool {
        lhs.key == rhs.key && lhs.value.bitPattern == rhs.value.bitPattern && lhs.step == rhs.step && lhs.timestamp == rhs.timestamp
    }

    /// Hashes every field, the value by its bits.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(value.bitPattern)
        hasher.combine(step)
        hasher.combine(timestamp)
    }
}
