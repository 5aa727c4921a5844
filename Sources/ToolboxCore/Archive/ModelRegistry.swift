import Synchronization

/// Maps model type names and estimator names to types, so code that does not know a kit at
/// compile time (the CLI, TrackKit, ServeKit, workflow files) loads its models and builds its
/// estimators by name.
///
/// Names are qualified by kit (`LearnKit.RandomForestClassifier`); each estimator also has a
/// short snake_case alias, as scikit-learn's class names read (`random_forest_classifier`),
/// for workflow files and `--model`. Registering a name again for the same type is harmless;
/// registering it for a different type is an error, never a silent replacement.
///
/// `import DSToolbox` and one call, `Toolbox.registerAll()`, register every kit's types; a
/// program that imports one kit calls that kit's `registerModels(in:)`.
public final class ModelRegistry: Sendable {
    /// The process-wide registry.
    public static let shared = ModelRegistry()

    private struct State {
        var models: [String: any FittedModel.Type] = [:]
        var estimators: [String: any Estimator.Type] = [:]
        var aliases: [String: String] = [:]
        var estimatorNameByType: [ObjectIdentifier: String] = [:]
        var tableEstimators: [String: any TableEstimator.Type] = [:]
        var tableModels: [String: any TableModel.Type] = [:]
        var importers: [ModelImporter] = []

        /// Throws unless `name` and `aliases` are free for the type `id` (or already its own),
        /// and the type is not registered under another name; `kind` and `typeName` word the error.
        func checkAvailable(_ name: String, aliases: [String], id: ObjectIdentifier, kind: String, typeName: String) throws {
            if let existing = owner(of: name), existing != id {
                throw ToolboxError(.invalidParameter, "\(kind) name \(name) is registered to another type, not \(typeName)",
                                   context: ErrorContext(parameter: name))
            }
            if let existingName = estimatorNameByType[id], existingName != name {
                throw ToolboxError(.invalidParameter, "\(typeName) is registered as \(existingName), not \(name)",
                                   context: ErrorContext(parameter: name))
            }
            for alias in aliases {
                if let target = self.aliases[alias] ?? (owner(of: alias) != nil ? alias : nil), target != name {
                    throw ToolboxError(.invalidParameter, "alias \(alias) already names \(target), not \(name)",
                                       context: ErrorContext(parameter: alias))
                }
            }
        }

        /// What a qualified name or alias names now, if anything.
        func owner(of name: String) -> ObjectIdentifier? {
            let qualified = aliases[name] ?? name
            if let type = estimators[qualified] { return ObjectIdentifier(type) }
            if let type = tableEstimators[qualified] { return ObjectIdentifier(type) }
            return nil
        }
    }

    private let state = Mutex(State())

    /// A registry that knows only ToolboxCore's own types.
    public init() {
        // Cannot conflict in a new registry.
        try? register(model: DynamicPipelineModel.self)
        try? register(estimator: DynamicPipeline.self, name: "ToolboxCore.Pipeline", aliases: ["pipeline"])
    }

    /// Registers a fitted model type under its ``FittedModel/modelTypeName``.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when the name belongs to another type.
    public func register<Model: FittedModel>(model type: Model.Type) throws {
        try state.withLock { state in
            if let existing = state.models[Model.modelTypeName], ObjectIdentifier(existing) != ObjectIdentifier(type) {
                throw ToolboxError(.invalidParameter,
                                   "model type name \(Model.modelTypeName) is registered to \(existing), not \(Model.self)",
                                   context: ErrorContext(parameter: Model.modelTypeName))
            }
            state.models[Model.modelTypeName] = type
        }
    }

    /// Registers an estimator under its kit-qualified `name` and short `aliases`, together with
    /// its model type.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when `name` is not qualified
    ///   (`Kit.Name`), or when `name` or an alias belongs to another type.
    public func register<E: Estimator>(estimator type: E.Type, name: String, aliases: [String] = []) throws {
        guard name.split(separator: ".").count == 2 else {
            throw ToolboxError(.invalidParameter, "estimator name \(name) is not qualified by its kit (Kit.Name)",
                               context: ErrorContext(parameter: name))
        }
        try register(model: E.Model.self)
        try state.withLock { state in
            let id = ObjectIdentifier(type)
            try state.checkAvailable(name, aliases: aliases, id: id, kind: "estimator", typeName: "\(E.self)")
            state.estimators[name] = type
            state.estimatorNameByType[id] = name
            for alias in aliases { state.aliases[alias] = name }
        }
    }

    func registerTableStep(_ type: any TableEstimator.Type, modelType: any TableModel.Type, modelName: String,
                           name: String, aliases: [String]) throws {
        guard name.split(separator: ".").count == 2 else {
            throw ToolboxError(.invalidParameter, "table step name \(name) is not qualified by its kit (Kit.Name)",
                               context: ErrorContext(parameter: name))
        }
        try state.withLock { state in
            let id = ObjectIdentifier(type)
            if let existing = state.tableModels[modelName], ObjectIdentifier(existing) != ObjectIdentifier(modelType) {
                throw ToolboxError(.invalidParameter, "model type name \(modelName) is registered to \(existing), not \(modelType)",
                                   context: ErrorContext(parameter: modelName))
            }
            try state.checkAvailable(name, aliases: aliases, id: id, kind: "table step", typeName: "\(type)")
            state.tableModels[modelName] = modelType
            state.tableEstimators[name] = type
            state.estimatorNameByType[id] = name
            for alias in aliases { state.aliases[alias] = name }
        }
    }

    /// The table step registered under `name`, a qualified name or an alias.
    public func tableEstimatorType(named name: String) -> (any TableEstimator.Type)? {
        state.withLock { state in state.tableEstimators[state.aliases[name] ?? name] }
    }

    /// The fitted table step type registered under `name`.
    public func tableModelType(named name: String) -> (any TableModel.Type)? {
        state.withLock { $0.tableModels[name] }
    }

    /// The qualified name a table step type is registered under.
    public func name(of type: any TableEstimator.Type) -> String? {
        state.withLock { $0.estimatorNameByType[ObjectIdentifier(type)] }
    }

    /// Every registered table step's qualified name, sorted.
    public var tableEstimatorNames: [String] { state.withLock { $0.tableEstimators.keys.sorted() } }

    /// The model type registered under `name`.
    public func modelType(named name: String) -> (any FittedModel.Type)? {
        state.withLock { $0.models[name] }
    }

    /// The estimator type registered under `name`, a qualified name or an alias.
    public func estimatorType(named name: String) -> (any Estimator.Type)? {
        state.withLock { state in state.estimators[state.aliases[name] ?? name] }
    }

    /// The qualified name `type` is registered under.
    public func name(of type: any Estimator.Type) -> String? {
        state.withLock { $0.estimatorNameByType[ObjectIdentifier(type)] }
    }

    /// The short aliases of the estimator registered as `name`, sorted.
    public func aliases(of name: String) -> [String] {
        state.withLock { state in state.aliases.filter { $0.value == name }.keys.sorted() }
    }

    /// Every registered estimator's qualified name, sorted.
    public var estimatorNames: [String] { state.withLock { $0.estimators.keys.sorted() } }

    /// Every short alias (of estimators and table steps), sorted.
    public var estimatorAliases: [String] { state.withLock { $0.aliases.keys.sorted() } }

    /// Every registered model type name, sorted.
    public var modelTypeNames: [String] { state.withLock { $0.models.keys.sorted() } }

    /// The names to suggest after an unknown one: aliases first, then qualified names.
    func knownEstimatorNames() -> String {
        (estimatorAliases + estimatorNames + tableEstimatorNames).joined(separator: ", ")
    }

    // MARK: Model files of other libraries

    /// Registers a reader of another library's model files (LightGBM's text models, XGBoost's
    /// JSON), tried by ``ModelFile`` on files that are not DS Toolbox archives. A second
    /// importer of the same name replaces the first.
    public func register(importer: ModelImporter) {
        state.withLock { state in
            state.importers.removeAll { $0.name == importer.name }
            state.importers.append(importer)
        }
    }

    /// The registered importers, in registration order.
    public var importers: [ModelImporter] { state.withLock { $0.importers } }

    // MARK: Estimators by name

    /// The estimator registered as `name` (qualified or alias: `hist_gradient_boosting_classifier`)
    /// with `hyperparameters` set over its defaults, by scikit-learn's names (`max_iter`), as a
    /// workflow file, a CLI's `--set` or a server's request gives them.
    /// - Parameter path: prefixes hyperparameter names in errors (`--set`, `steps[2].parameters`).
    /// - Parameter name: the registered name: qualified or an alias.
    /// - Parameter hyperparameters: values set over the defaults, by scikit-learn's names.
    /// - Throws: ``ToolboxError/Code/notFound`` naming the known aliases for an unknown name;
    ///   ``ToolboxError/Code/invalidParameter`` naming a key that is unknown or of the wrong kind.
    public func estimator(named name: String, hyperparameters: [String: JSONValue] = [:], path: String? = nil) throws -> any Estimator {
        guard let type = estimatorType(named: name) else {
            let known = estimatorNames.flatMap { aliases(of: $0) }.sorted()
            throw ToolboxError(.notFound, "no estimator named \(name); known: \(known.joined(separator: ", "))", context: ErrorContext(parameter: "model"))
        }
        guard let configurable = type as? any Configurable.Type,
              let estimator = try configurable.init(hyperparameters: hyperparameters, path: path) as? any Estimator else {
            throw ToolboxError(.unsupported, "\(name) cannot be built from hyperparameter values", context: ErrorContext(parameter: "model"))
        }
        return estimator
    }
}
