import Synchronization

/// Maps model type names and estimator names to types, so code that does not know a kit at
/// compile time (the CLI, TrackKit, ServeKit, workflow files) can load its models and build
/// its estimators by name.
///
/// Each kit registers its types once (for example in a `registerModels()` function the umbrella
/// calls). Registering the same type twice is harmless.
public final class ModelRegistry: Sendable {
    /// The process-wide registry.
    public static let shared = ModelRegistry()

    private let models = Mutex<[String: any FittedModel.Type]>([:])
    private let estimators = Mutex<[String: any Estimator.Type]>([:])

    /// A registry that knows only ToolboxCore's own model types.
    public init() {
        register(model: DynamicPipelineModel.self)
    }

    /// Registers a fitted model type under its ``FittedModel/modelTypeName``.
    public func register<Model: FittedModel>(model type: Model.Type) {
        models.withLock { $0[Model.modelTypeName] = type }
    }

    /// Registers an estimator under `name` (its type name by default) together with its model type.
    public func register<E: Estimator>(estimator type: E.Type, name: String? = nil) {
        let key = name ?? String(describing: E.self)
        estimators.withLock { $0[key] = type }
        register(model: E.Model.self)
    }

    /// The model type registered under `name`.
    public func modelType(named name: String) -> (any FittedModel.Type)? {
        models.withLock { $0[name] }
    }

    /// The estimator type registered under `name`.
    public func estimatorType(named name: String) -> (any Estimator.Type)? {
        estimators.withLock { $0[name] }
    }

    /// Every registered estimator name, sorted.
    public var estimatorNames: [String] { estimators.withLock { $0.keys.sorted() } }

    /// Every registered model type name, sorted.
    public var modelTypeNames: [String] { models.withLock { $0.keys.sorted() } }
}
