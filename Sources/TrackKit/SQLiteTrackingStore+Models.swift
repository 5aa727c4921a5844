public import ToolboxCore

/// The store-wide conveniences as synchronous calls for code that holds the SQLite store itself
/// (a command-line tool, a script); code written for any store awaits ``TrackingStore``'s.
extension SQLiteTrackingStore {
    /// Registers the next version of `name` from a run's artifact (the run's model archive when
    /// `artifactPath` is `nil`), with no actor or reason in the audit log.
    @discardableResult
    public func registerModelVersion(name: String, runID: String, artifactPath: String? = nil, description: String? = nil) throws -> ModelVersion {
        try registerModelVersion(name: name, runID: runID, artifactPath: artifactPath, description: description, actor: nil, reason: nil)
    }

    /// Points `alias` at `version`, subject to the alias's promotion rule.
    public func setAlias(name: String, alias: String, version: Int, reason: String? = nil) throws {
        try setAlias(name: name, alias: alias, version: version, force: false, actor: nil, reason: reason)
    }

    /// The history of an alias: every time it was set or removed, oldest first.
    public func aliasHistory(name: String, alias: String) throws -> [AuditEntry] {
        ModelLoading.aliasChanges(try auditLog(model: name, alias: alias, limit: 1_000_000))
    }

    /// Logs a fitted model as an artifact (a DSToolbox model archive).
    @discardableResult
    public func logModel<Model: FittedModel>(runID: String, model: Model, path: String = "model.dstbx") throws -> ArtifactInfo {
        try logArtifact(runID: runID, bytes: ModelArchive.encode(model), path: path)
    }

    /// Loads a model logged as the run's artifact `path` (any file `ModelFile` reads).
    public func loadModel(runID: String, path: String = "model.dstbx", registry: ModelRegistry = .shared) throws -> any FittedModel {
        try ModelFile.decode(try readArtifact(runID: runID, path: path), path: path, registry: registry)
    }

    /// Loads the model of a registered version (by number or alias; the latest without either).
    public func loadModel(name: String, version: Int? = nil, alias: String? = nil, registry: ModelRegistry = .shared) throws -> any FittedModel {
        let entry: ModelVersion
        if let alias { entry = try modelVersion(name: name, alias: alias) }
        else if let version { entry = try modelVersion(name: name, version: version) }
        else { entry = try modelVersion(name: name, version: try ModelLoading.latest(try registeredModel(name: name))) }
        return try ModelLoading.decode(try readArtifact(runID: entry.runID, path: try ModelLoading.artifactPath(entry)), entry: entry, registry: registry)
    }

    /// Loads the model a URI names (see ``TrackingStore/loadModel(uri:registry:)``).
    public func loadModel(uri: String, registry: ModelRegistry = .shared) throws -> any FittedModel {
        switch try ModelURI(uri) {
        case .registered(let name, let alias): return try loadModel(name: name, alias: alias, registry: registry)
        case .version(let name, let version): return try loadModel(name: name, version: version, registry: registry)
        case .latest(let name): return try loadModel(name: name, registry: registry)
        case .run(let id, let path): return try loadModel(runID: id, path: path, registry: registry)
        }
    }

    /// The model a URI names, which must be of type `Model`.
    public func loadModel<Model: FittedModel>(_ type: Model.Type, uri: String, registry: ModelRegistry = .shared) throws -> Model {
        try ModelFile.typed(try loadModel(uri: uri, registry: registry), as: type, path: uri)
    }
}
