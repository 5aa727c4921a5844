public import Foundation
import Synchronization
public import ToolboxCore
public import TrackKit

/// Where a served model comes from: a model file (a DS Toolbox archive, a LightGBM text model,
/// an XGBoost JSON/UBJSON model) or a URI in a tracking store (`models:/NAME@ALIAS`,
/// `models:/NAME/VERSION`, `models:/NAME`, `runs:/RUN_ID/PATH`).
public struct ModelSource: Sendable, Hashable, CustomStringConvertible {
    /// The path or URI as given.
    public let text: String

    /// A source from a path or URI.
    public init(_ text: String) { self.text = text }

    /// Whether the source names a model in a store.
    public var isURI: Bool { ModelURI.isURI(text) }
    public var description: String { text }

    /// `NAME=SOURCE` (the command line's `--model`) as a name and a source.
    /// - Throws: `ToolboxError/Code/invalidParameter` without `=`, or with an empty or unusable name.
    public static func named(_ pair: String) throws -> (name: String, source: ModelSource) {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty else {
            throw ToolboxError(.invalidParameter, "a model is NAME=SOURCE (a model file or models:/ URI), got \(ToolboxError.excerpt(pair, limit: 80))",
                               context: ErrorContext(parameter: "model"))
        }
        let name = String(parts[0])
        try ModelRepository.checkName(name)
        return (name, ModelSource(String(parts[1])))
    }
}

/// One loaded model as the server serves it: its name, the version it came as, and what the
/// protocols describe (inputs with kinds and categories, classes).
public struct ServedModel: Sendable {
    /// The name it is served under.
    public let name: String
    /// Its version: the registry version for a `models:/` source, else a counter of loads (`1`, `2`, ...).
    public let version: String
    /// Where it came from.
    public let source: ModelSource
    /// The tracking run that logged it, for a `models:/` or `runs:/` source.
    public let runID: String?
    /// The model.
    public let model: any FittedModel
    /// When it was loaded.
    public let loadedAt: Date
    /// Its input columns, in order (`x0`, `x1`, ... for a model without names).
    public let inputNames: [String]
    /// The categories of each categorical input, by column index.
    public let categories: [Int: [String]]
    /// The classes, in probability order (classifiers).
    public let classes: [ClassLabel]?
    /// What identifies the loaded bytes (a registry version or a file's stamp), to see a change.
    let stamp: String

    init(name: String, version: String, source: ModelSource, model: any FittedModel, stamp: String, runID: String? = nil) {
        self.name = name
        self.version = version
        self.source = source
        self.runID = runID
        self.model = model
        self.stamp = stamp
        loadedAt = Date()
        let schema = model.schema
        inputNames = schema.featureNames ?? (0..<model.inputFeatureCount).map { "x\($0)" }
        var categories: [Int: [String]] = [:]
        for feature in schema.categoricalFeatures where feature.column < inputNames.count { categories[feature.column] = feature.categories }
        self.categories = categories
        classes = model.classifier?.classLabels
    }

    /// The model's type name (`LearnKit.HistGradientBoostingClassifier`).
    public var typeName: String { type(of: model).modelTypeName }
    /// Whether it predicts classes.
    public var isClassifier: Bool { classes != nil }
}

/// The models a server serves, by name: loaded at start, reloaded when their source changes
/// (a registry alias moved, a file replaced) or on request, and kept as they were when a new
/// version fails to load. Lookups never wait for a load: the swap is one pointer under a lock.
public final class ModelRepository: Sendable {
    /// The store `models:/` and `runs:/` sources are read from.
    public let store: (any TrackingStore)?
    /// The model types archives are decoded with.
    public let registry: ModelRegistry

    struct Entry: Sendable {
        var source: ModelSource
        var current: ServedModel
        /// Earlier versions still addressable by `/versions/V`, newest last (a few).
        var previous: [ServedModel] = []
        var loads = 1
        var lastError: String?
    }

    /// The served models by name, and their names in the order they were added.
    private struct State {
        var entries: [String: Entry] = [:]
        var order: [String] = []
    }
    private let state = Mutex(State())

    /// An empty repository reading URIs from `store`.
    public init(store: (any TrackingStore)? = nil, registry: ModelRegistry = .shared) {
        self.store = store
        self.registry = registry
    }

    /// Refuses names a URL path cannot carry plainly.
    static func checkName(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
        guard !name.isEmpty, name.count <= 128, allowed, name != ".", name != ".." else {
            throw ToolboxError(.invalidParameter, "a served model's name is 1-128 letters, digits, '-', '_' or '.', got \(ToolboxError.excerpt(name, limit: 80))",
                               context: ErrorContext(parameter: "model"))
        }
    }

    /// Loads `source` and serves it as `name`.
    /// - Throws: `ToolboxError/Code/conflict` for a name already served; what loading throws.
    public func add(name: String, source: ModelSource) async throws {
        try Self.checkName(name)
        guard state.withLock({ $0.entries[name] == nil }) else {
            throw ToolboxError(.conflict, "a model named \(name) is already served", context: ErrorContext(parameter: "model"))
        }
        let stamp = try await stamp(of: source)
        let model = try await load(name: name, source: source, stamp: stamp, loads: 1)
        try state.withLock { state in
            guard state.entries[name] == nil else {
                throw ToolboxError(.conflict, "a model named \(name) is already served", context: ErrorContext(parameter: "model"))
            }
            state.entries[name] = Entry(source: source, current: model)
            state.order.append(name)
        }
    }

    /// The served names, in the order they were added.
    public var names: [String] { state.withLock { $0.order } }

    /// The model served as `name` (its current version, or the version `version` while it is kept).
    public func model(_ name: String, version: String? = nil) -> ServedModel? {
        state.withLock { state in
            guard let entry = state.entries[name] else { return nil }
            guard let version, version != entry.current.version else { return entry.current }
            return entry.previous.last { $0.version == version }
        }
    }

    /// The versions of `name` still served, oldest first.
    public func versions(_ name: String) -> [String] {
        state.withLock { state in
            guard let entry = state.entries[name] else { return [] }
            return entry.previous.map(\.version) + [entry.current.version]
        }
    }

    /// The last reload failure of `name`, if its last reload failed.
    public func lastError(_ name: String) -> String? { state.withLock { $0.entries[name]?.lastError } }

    /// Loads `name`'s source again and swaps it in (a new registry version, a replaced file);
    /// on failure the served version stays and the error is returned to the caller.
    /// - Parameter force: reload even when the source's stamp is unchanged.
    /// - Parameter name: the served model's name.
    /// - Returns: the version served afterwards and whether it changed.
    /// - Throws: `ToolboxError/Code/notFound` for an unknown name; what loading throws.
    @discardableResult
    public func reload(_ name: String, force: Bool = true) async throws -> (version: String, changed: Bool) {
        guard let entry = state.withLock({ $0.entries[name] }) else {
            throw ToolboxError(.notFound, "no model named \(name) is served", context: ErrorContext(parameter: "model"))
        }
        do {
            let stamp = try await stamp(of: entry.source)
            if !force && stamp == entry.current.stamp { return (entry.current.version, false) }
            let model = try await load(name: name, source: entry.source, stamp: stamp, loads: entry.loads + 1)
            state.withLock { state in
                guard var latest = state.entries[name] else { return }
                latest.previous.append(latest.current)
                if latest.previous.count > 3 { latest.previous.removeFirst(latest.previous.count - 3) }
                latest.current = model
                latest.loads += 1
                latest.lastError = nil
                state.entries[name] = latest
            }
            return (model.version, true)
        } catch {
            state.withLock { $0.entries[name]?.lastError = "\(error)" }
            throw error
        }
    }

    /// Checks every source once and reloads those that changed (polling); failures keep the
    /// served version and are reported in the result.
    public func poll() async -> [String: Result<String, any Error>] {
        var outcome: [String: Result<String, any Error>] = [:]
        for name in names {
            do {
                let (version, changed) = try await reload(name, force: false)
                if changed { outcome[name] = .success(version) }
            } catch {
                outcome[name] = .failure(error)
            }
        }
        return outcome
    }

    /// What identifies the bytes behind `source` now: the version an alias or a model's latest
    /// points at, or a file's inode, size and modification time.
    func stamp(of source: ModelSource) async throws -> String {
        guard source.isURI else {
            var status = stat()
            guard stat(source.text, &status) == 0 else {
                throw ToolboxError(.notFound, "no model file at \(source.text)", context: ErrorContext(path: source.text))
            }
            return "\(status.st_ino):\(status.st_size):\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
        }
        let store = try requireStore(source)
        switch try ModelURI(source.text) {
        case .registered(let name, let alias): return String(try await store.modelVersion(name: name, alias: alias).version)
        case .version(_, let version): return String(version)
        case .latest(let name): return String(try ModelLoadingSupport.latest(try await store.registeredModel(name: name)))
        case .run(let id, let path): return "\(id)/\(path)"
        }
    }

    private func requireStore(_ source: ModelSource) throws -> any TrackingStore {
        guard let store else {
            throw ToolboxError(.invalidParameter, "\(source.text) names a model in a store; give the server a store (--store)", context: ErrorContext(parameter: "store"))
        }
        return store
    }

    private func load(name: String, source: ModelSource, stamp: String, loads: Int) async throws -> ServedModel {
        let model: any FittedModel
        var version = String(loads)
        var runID: String?
        if source.isURI {
            let store = try requireStore(source)
            switch try ModelURI(source.text) {
            case .registered(let registered, _), .latest(let registered):
                // The stamp is the version number the alias (or latest) pointed at.
                let number = Int(stamp) ?? 0
                model = try await store.loadModel(name: registered, version: number, registry: registry)
                version = stamp
                runID = try? await store.modelVersion(name: registered, version: number).runID
            case .version(let registered, let number):
                model = try await store.loadModel(name: registered, version: number, registry: registry)
                version = String(number)
                runID = try? await store.modelVersion(name: registered, version: number).runID
            case .run(let id, _):
                model = try await store.loadModel(uri: source.text, registry: registry)
                runID = id
            }
        } else {
            let registry = self.registry
            model = try ModelFile.load(source.text, registry: registry)
        }
        guard model.classifier != nil || model.predictor != nil else {
            throw ToolboxError(.unsupported, "\(source.text) holds a \(type(of: model).modelTypeName), which does not predict", context: ErrorContext(parameter: "model"))
        }
        return ServedModel(name: name, version: version, source: source, model: model, stamp: stamp, runID: runID)
    }
}

/// The latest version of a registered model.
enum ModelLoadingSupport {
    static func latest(_ model: RegisteredModel) throws -> Int {
        guard let latest = model.latestVersion else {
            throw ToolboxError(.notFound, "model \(model.name) has no versions", context: ErrorContext(parameter: "model"))
        }
        return latest
    }
}
