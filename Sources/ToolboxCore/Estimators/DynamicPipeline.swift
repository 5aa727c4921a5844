public import Foundation

/// An estimator whose every hyperparameter has a default, so it can be built by name from a
/// workflow file with only the parameters the file sets.
public protocol DefaultInitializable {
    /// The estimator with default hyperparameters.
    init()
}

/// A pipeline described as data: steps by registered estimator name with their parameters,
/// as a workflow file (JSON or YAML) writes it.
///
/// ```yaml
/// steps:
///   - type: StandardScaler
///   - type: LinearRegression
///     parameters: { fitIntercept: true }
/// ```
public struct PipelineSpec: Codable, Sendable, Hashable {
    /// One step: an estimator name from the ``ModelRegistry`` and the parameters that differ from its defaults.
    public struct Step: Codable, Sendable, Hashable {
        /// A label for the step (defaults to its type).
        public var name: String?
        /// The registered estimator name.
        public var type: String
        /// Hyperparameters to override; missing ones keep their defaults.
        public var parameters: [String: JSONValue]?

        public init(name: String? = nil, type: String, parameters: [String: JSONValue]? = nil) {
            self.name = name
            self.type = type
            self.parameters = parameters
        }
    }

    /// The steps, transformers first, the final estimator last.
    public var steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// Decodes a spec from JSON text, with errors that name the step and parameter.
    public init(json: Data) throws {
        do {
            self = try JSONDecoder().decode(PipelineSpec.self, from: json)
        } catch {
            throw ToolboxError(.parseError, "pipeline spec is not valid JSON of the expected shape: \(error)")
        }
    }
}

/// A pipeline built at run time from a ``PipelineSpec`` and a ``ModelRegistry``.
public struct DynamicPipeline: Sendable {
    /// The steps' names and estimators.
    public let steps: [(name: String, estimator: any Estimator)]

    /// Builds every step, merging its parameters over the estimator's defaults.
    /// - Throws: ``ToolboxError/Code/notFound`` for an unknown estimator name,
    ///   ``ToolboxError/Code/invalidParameter`` for an unknown or ill-typed parameter,
    ///   ``ToolboxError/Code/invalidData`` for an empty spec.
    public init(spec: PipelineSpec, registry: ModelRegistry = .shared) throws {
        guard !spec.steps.isEmpty else {
            throw ToolboxError(.invalidData, "pipeline spec has no steps", context: ErrorContext(parameter: "steps"))
        }
        var steps: [(String, any Estimator)] = []
        for (index, step) in spec.steps.enumerated() {
            let label = step.name ?? step.type
            guard let type = registry.estimatorType(named: step.type) else {
                let known = registry.estimatorNames.joined(separator: ", ")
                throw ToolboxError(.notFound, "step \(index) (\(label)): no estimator named \(step.type); registered: \(known)",
                                   context: ErrorContext(parameter: "steps[\(index)].type"))
            }
            steps.append((label, try Self.build(type, parameters: step.parameters ?? [:], step: index)))
        }
        self.steps = steps
    }

    /// Fits the steps in order, each on the previous steps' transform of `x`.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when a step before the last is not a transformer.
    public func fit(_ x: Matrix<Double>, _ y: [Double]) throws -> DynamicPipelineModel {
        var current = x
        var fitted: [DynamicPipelineModel.Step] = []
        for (index, step) in steps.enumerated() {
            let model = try step.estimator.fit(current, y)
            if index < steps.count - 1 {
                guard let transformer = model as? any Transformer else {
                    throw ToolboxError(.invalidParameter,
                                       "step \(index) (\(step.name)) is not a transformer, so it can only be the last step",
                                       context: ErrorContext(parameter: "steps[\(index)]"))
                }
                current = try transformer.transform(current)
            }
            fitted.append(DynamicPipelineModel.Step(name: step.name, model: model))
        }
        return DynamicPipelineModel(steps: fitted)
    }

    private static func build<E: Estimator>(_ type: E.Type, parameters: [String: JSONValue], step: Int) throws -> E {
        guard let defaultType = type as? any DefaultInitializable.Type,
              let defaults = defaultType.init() as? E else {
            throw ToolboxError(.unsupported, "\(E.self) has no defaults, so it cannot be built by name",
                               context: ErrorContext(parameter: "steps[\(step)].type"))
        }
        let encoder = ModelArchive.makeEncoder(), decoder = ModelArchive.makeDecoder()
        let parameterPath = "steps[\(step)].parameters"
        var merged = (try? decoder.decode(JSONValue.self, from: encoder.encode(defaults)))?.objectValue ?? [:]
        for (key, value) in parameters { merged[key] = value }
        let estimator: E
        do {
            estimator = try decoder.decode(E.self, from: encoder.encode(JSONValue.object(merged)))
        } catch {
            throw ToolboxError(.invalidParameter, "\(E.self) parameters are not valid: \(error)",
                               context: ErrorContext(parameter: parameterPath))
        }
        // A key the estimator does not know is a typo: say so rather than silently ignore it.
        let accepted = (try? decoder.decode(JSONValue.self, from: encoder.encode(estimator)))?.objectValue ?? [:]
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) where accepted[key] == nil && value != .null {
            throw ToolboxError(.invalidParameter,
                               "\(E.self) has no parameter \(key); it has \(accepted.keys.sorted().joined(separator: ", "))",
                               context: ErrorContext(parameter: "\(parameterPath).\(key)"))
        }
        return estimator
    }
}

/// A fitted ``DynamicPipeline``. Saved and loaded like any model; loading needs every step's
/// model type in the ``ModelRegistry``.
public struct DynamicPipelineModel: FittedModel, Transformer, Predictor {
    /// One fitted step.
    public struct Step: Sendable {
        public var name: String
        public var model: any FittedModel
    }

    /// The fitted steps in order.
    public var steps: [Step]

    public static let modelTypeName = "ToolboxCore.DynamicPipeline"

    public var hyperparameters: [String] { steps.map(\.name) }

    public var inputFeatureCount: Int { steps.first?.model.inputFeatureCount ?? 0 }

    /// The final step's model.
    public var finalModel: (any FittedModel)? { steps.last?.model }

    /// Transforms `x` through every step but the last.
    public func transformThroughPreprocessing(_ x: Matrix<Double>) throws -> Matrix<Double> {
        var current = x
        for step in steps.dropLast() {
            guard let transformer = step.model as? any Transformer else {
                throw ToolboxError(.corruptArchive, "step \(step.name) is not a transformer")
            }
            current = try transformer.transform(current)
        }
        return current
    }

    /// Transforms `x` through every step; the last must be a transformer.
    public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
        guard let last = finalModel as? any Transformer else {
            throw ToolboxError(.unsupported, "the pipeline's last step is not a transformer")
        }
        return try last.transform(try transformThroughPreprocessing(x))
    }

    /// Predicts with the last step; it must be a predictor.
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        guard let last = finalModel as? any Predictor else {
            throw ToolboxError(.unsupported, "the pipeline's last step is not a predictor")
        }
        return try last.predict(try transformThroughPreprocessing(x))
    }

    /// Class probabilities from the last step; it must be a classifier.
    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        guard let last = finalModel as? any Classifier else {
            throw ToolboxError(.unsupported, "the pipeline's last step is not a classifier")
        }
        return try last.predictProbabilities(try transformThroughPreprocessing(x))
    }

    public func validateStructure() throws {
        guard !steps.isEmpty else { throw ToolboxError(.corruptArchive, "pipeline has no steps") }
        for step in steps { try step.model.validateStructure() }
    }
}

extension DynamicPipelineModel: Codable {
    private enum CodingKeys: String, CodingKey { case steps }
    private enum StepKeys: String, CodingKey { case name, type, model }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var list = container.nestedUnkeyedContainer(forKey: .steps)
        for step in steps {
            var entry = list.nestedContainer(keyedBy: StepKeys.self)
            try entry.encode(step.name, forKey: .name)
            try entry.encode(type(of: step.model).modelTypeName, forKey: .type)
            try entry.encode(step.model, forKey: .model)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var list = try container.nestedUnkeyedContainer(forKey: .steps)
        let registry = decoder.userInfo[.modelRegistry] as? ModelRegistry ?? .shared
        var steps: [Step] = []
        while !list.isAtEnd {
            let entry = try list.nestedContainer(keyedBy: StepKeys.self)
            let name = try entry.decode(String.self, forKey: .name)
            let typeName = try entry.decode(String.self, forKey: .type)
            guard let type = registry.modelType(named: typeName) else {
                throw ToolboxError(.unsupported, "pipeline step \(name) has model type \(typeName), which is not registered")
            }
            steps.append(Step(name: name, model: try Self.decodeModel(type, from: entry)))
        }
        self.steps = steps
    }

    private static func decodeModel<Model: FittedModel>(
        _ type: Model.Type, from container: KeyedDecodingContainer<StepKeys>
    ) throws -> any FittedModel {
        try container.decode(Model.self, forKey: .model)
    }
}
