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
///   - name: forest
///     type: random_forest_classifier
///     parameters: { n_estimators: 200, max_features: sqrt, class_weight: balanced }
/// ```
public struct PipelineSpec: Codable, Sendable, Hashable {
    /// One step: an estimator name from the ``ModelRegistry`` and the parameters that differ from its defaults.
    public struct Step: Codable, Sendable, Hashable {
        /// A label for the step (defaults to its type).
        public var name: String?
        /// The registered estimator name: qualified (`LearnKit.Ridge`) or an alias (`ridge`).
        public var type: String
        /// Hyperparameters to set, by their snake_case names; missing ones keep their defaults.
        public var parameters: [String: JSONValue]?

        /// A step of the registered estimator `type`, with parameters that differ from its defaults.
        public init(name: String? = nil, type: String, parameters: [String: JSONValue]? = nil) {
            self.name = name
            self.type = type
            self.parameters = parameters
        }
    }

    /// The steps, transformers first, the final estimator last.
    public var steps: [Step]

    /// A spec of the given steps, in order.
    public init(steps: [Step]) { self.steps = steps }

    /// Reads a spec from a JSON value, naming the key of anything out of shape.
    public init(_ value: JSONValue) throws {
        guard case .object(let root) = value else {
            throw ToolboxError(.invalidParameter, "a pipeline spec is a mapping with a steps list, got \(value.compactDescription)",
                               context: ErrorContext(parameter: "steps"))
        }
        for key in root.keys where key != "steps" {
            throw ToolboxError(.invalidParameter, "a pipeline spec has no key \(key); it has steps", context: ErrorContext(parameter: key))
        }
        guard case .array(let list)? = root["steps"] else {
            throw ToolboxError(.invalidParameter, "steps must be a list of steps", context: ErrorContext(parameter: "steps"))
        }
        steps = try list.enumerated().map { index, entry in
            let path = "steps[\(index)]"
            guard case .object(let members) = entry else {
                throw ToolboxError(.invalidParameter, "\(path) must be a mapping with type and parameters", context: ErrorContext(parameter: path))
            }
            for key in members.keys where !["name", "type", "parameters"].contains(key) {
                throw ToolboxError(.invalidParameter, "\(path) has no key \(key); a step has name, type and parameters",
                                   context: ErrorContext(parameter: "\(path).\(key)"))
            }
            guard case .string(let type)? = members["type"] else {
                throw ToolboxError(.invalidParameter, "\(path).type must name an estimator", context: ErrorContext(parameter: "\(path).type"))
            }
            var name: String?
            switch members["name"] {
            case nil, .null?: name = nil
            case .string(let text)?: name = text
            default:
                throw ToolboxError(.invalidParameter, "\(path).name must be text", context: ErrorContext(parameter: "\(path).name"))
            }
            var parameters: [String: JSONValue]?
            switch members["parameters"] {
            case nil, .null?: parameters = nil
            case .object(let values)?: parameters = values
            default:
                throw ToolboxError(.invalidParameter, "\(path).parameters must be a mapping of hyperparameters",
                                   context: ErrorContext(parameter: "\(path).parameters"))
            }
            return Step(name: name, type: type, parameters: parameters)
        }
    }

    /// Decodes a spec from JSON text, with errors that name the step and parameter.
    public init(json: Data) throws {
        try self.init(try JSONValue(jsonText: String(decoding: json, as: UTF8.self)))
    }

    /// Decodes a spec from YAML text (YAML 1.2 core schema: `yes` and `no` stay strings).
    public init(yaml: String) throws {
        try self.init(try JSONValue(yamlText: yaml))
    }
}

/// A pipeline built at run time from a ``PipelineSpec`` and a ``ModelRegistry``: an
/// ``Estimator`` like any other, so it is cross-validated, tuned, tracked and saved.
///
/// Its hyperparameters are its steps' own, grouped by step name (`{forest: {max_depth: 5}}`,
/// or scikit-learn's flat `forest__max_depth`); ``setting(_:)`` merges groups deeply.
public struct DynamicPipeline: Estimator, Sendable {
    /// One step: its label, registered name and estimator.
    public struct Step: Sendable {
        /// The step's label, unique in the pipeline (the prefix of its hyperparameters' names).
        public var name: String
        /// The estimator's qualified registered name.
        public var type: String
        /// The step's estimator, built from the registry with the spec's parameters.
        public var estimator: any Estimator
    }

    /// A table step: its label, registered name and estimator.
    public struct TableStep: Sendable {
        /// The table step's label, unique in the pipeline.
        public var name: String
        /// The table step's qualified registered name.
        public var type: String
        /// The table step's estimator, built from the registry with the spec's parameters.
        public var estimator: any TableEstimator
    }

    /// The table steps, which come before every matrix step (see ``TableEstimator``).
    public private(set) var tableSteps: [TableStep]

    /// The matrix steps in order.
    public private(set) var steps: [Step]

    /// Builds every step, applying its parameters over the estimator's defaults; nothing is fitted.
    /// - Throws: ``ToolboxError/Code/notFound`` for an unknown estimator name,
    ///   ``ToolboxError/Code/invalidParameter`` for an unknown or ill-typed parameter (naming
    ///   `steps[i].parameters.key` and the allowed values) or a table step after a matrix step,
    ///   ``ToolboxError/Code/invalidData`` for a spec without a matrix step.
    public init(spec: PipelineSpec, registry: ModelRegistry = .shared) throws {
        guard !spec.steps.isEmpty else {
            throw ToolboxError(.invalidData, "pipeline spec has no steps", context: ErrorContext(parameter: "steps"))
        }
        var steps: [Step] = []
        var tableSteps: [TableStep] = []
        var names: Set<String> = []
        for (index, step) in spec.steps.enumerated() {
            let path = "steps[\(index)]"
            if let type = registry.tableEstimatorType(named: step.type), let qualified = registry.name(of: type) {
                guard steps.isEmpty else {
                    throw ToolboxError(.invalidParameter, "\(path) (\(step.type)) works on the table, so it must come before \(steps[0].name) and every other matrix step",
                                       context: ErrorContext(parameter: "\(path).type"))
                }
                let label = try Self.label(step, qualified: qualified, registry: registry, path: path, names: &names)
                let estimator = try type.init(hyperparameters: step.parameters ?? [:], path: "\(path).parameters")
                tableSteps.append(TableStep(name: label, type: qualified, estimator: estimator))
                continue
            }
            guard let type = registry.estimatorType(named: step.type), let qualified = registry.name(of: type) else {
                throw ToolboxError(.notFound, "\(path): no estimator named \(step.type); registered: \(registry.knownEstimatorNames())",
                                   context: ErrorContext(parameter: "\(path).type"))
            }
            let label = try Self.label(step, qualified: qualified, registry: registry, path: path, names: &names)
            let estimator = try Self.build(type, parameters: step.parameters ?? [:], path: "\(path).parameters")
            steps.append(Step(name: label, type: qualified, estimator: estimator))
        }
        guard !steps.isEmpty else {
            throw ToolboxError(.invalidData, "the pipeline has only table steps; it needs an estimator after them",
                               context: ErrorContext(parameter: "steps"))
        }
        self.steps = steps
        self.tableSteps = tableSteps
    }

    private static func label(_ step: PipelineSpec.Step, qualified: String, registry: ModelRegistry, path: String,
                              names: inout Set<String>) throws -> String {
        let label = step.name ?? registry.aliases(of: qualified).first ?? qualified
        guard names.insert(label).inserted else {
            throw ToolboxError(.invalidParameter, "two steps are named \(label); name them apart",
                               context: ErrorContext(parameter: "\(path).name"))
        }
        return label
    }

    /// Builds a pipeline from a YAML or JSON spec.
    public init(yaml: String, registry: ModelRegistry = .shared) throws {
        try self.init(spec: try PipelineSpec(yaml: yaml), registry: registry)
    }

    /// The spec this pipeline is: every step with all of its hyperparameters.
    public var spec: PipelineSpec {
        PipelineSpec(steps: tableSteps.map { step in
            PipelineSpec.Step(name: step.name, type: step.type, parameters: step.estimator.hyperparameterValues)
        } + steps.map { step in
            let values = (step.estimator as? any Configurable)?.hyperparameterValues ?? (try? JSONValue(encoding: step.estimator))?.objectValue
            return PipelineSpec.Step(name: step.name, type: step.type, parameters: values)
        })
    }

    // MARK: Hyperparameters

    /// The hyperparameters by step: `{step name: {parameter: value}}`.
    public var hyperparameterValues: [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for step in spec.steps { values[step.name ?? step.type] = .object(step.parameters ?? [:]) }
        return values
    }

    /// Every step's hyperparameters, named `step__parameter` as scikit-learn's pipelines name them
    /// (nested steps, such as a column transformer's entries, deeper: `columns__numeric__with_mean`).
    public var hyperparameterDescriptions: [HyperparameterDescription] { hyperparameterSpace }

    /// A copy with hyperparameters changed: `{step: {parameter: value}}` (merged deeply into the
    /// step's current values) or `{"step__parameter": value}`; see ``settingHyperparameters(_:)``.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` naming an unknown step or parameter.
    public func setting(_ values: [String: JSONValue]) throws -> DynamicPipeline {
        try settingHyperparameters(values)
    }

    /// The steps in order, table steps first, as tunable values.
    private var tunableSteps: [(name: String, step: (any Tunable)?)] {
        tableSteps.map { ($0.name, $0.estimator as (any Tunable)?) } + steps.map { ($0.name, $0.estimator as? any Tunable) }
    }

    // MARK: Fitting

    /// Fits the steps in order, each on the previous steps' transform of `x`, routing the
    /// context's pieces to the steps that declare them.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when a step before the last is not a
    ///   transformer, or weights or an evaluation set are given and no step uses them.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> DynamicPipelineModel {
        guard tableSteps.isEmpty else {
            throw ToolboxError(.unsupported, "the pipeline starts with table steps (\(tableSteps.map(\.name).joined(separator: ", "))), so it is fitted on a table, not a matrix",
                               context: ErrorContext(parameter: "steps[0]"))
        }
        return try fitMatrixSteps(x, y, context: context)
    }

    /// Fits the pipeline on a table: the table steps in order (each fitted on the table as the
    /// steps before it left it, target column included), then the matrix steps on the remaining
    /// columns but `target`, with their names, categorical columns and the target's labels in
    /// the context.
    ///
    /// The context's sample weights and progress callback are routed as ``fit(_:_:context:)``
    /// routes them; an evaluation set is a matrix, which a pipeline with table steps cannot take.
    /// - Throws: ``ToolboxError/Code/notFound`` for a missing target column,
    ///   ``ToolboxError/Code/invalidData`` when a table step changes the number of rows, and
    ///   what the steps throw.
    public func fit(_ table: DataTable, target: String, context: FitContext = FitContext()) throws -> DynamicPipelineModel {
        guard context.evaluationSet == nil || tableSteps.isEmpty else {
            throw ToolboxError(.unsupported, "an evaluation set is a matrix; a pipeline with table steps cannot take one",
                               context: ErrorContext(parameter: "evaluationSet"))
        }
        _ = try table.column(named: target)
        var current = table
        var fittedTableSteps: [DynamicPipelineModel.TableStep] = []
        for step in tableSteps {
            let model = try step.estimator.fit(current)
            current = try DynamicPipelineModel.apply(model, named: step.name, to: current)
            fittedTableSteps.append(DynamicPipelineModel.TableStep(name: step.name, model: model))
        }
        let y = try current.target(named: target)
        let features = try current.dropping([target]).toMatrix()
        var routed = FitContext(features, targetLabels: y.labels, sampleWeights: context.sampleWeights)
        routed.evaluationSet = context.evaluationSet
        routed.progress = context.progress
        var model = try fitMatrixSteps(features.matrix, y.values, context: routed)
        model.tableSteps = fittedTableSteps
        model.targetColumn = target
        if !tableSteps.isEmpty {
            model.tableInputs = zip(table.columnNames, table.columns).filter { $0.0 != target }.map { DynamicPipelineModel.InputColumn(name: $0.0, kind: $0.1.kind) }
        }
        return model
    }

    private func fitMatrixSteps(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> DynamicPipelineModel {
        try context.requireConsumers(contextUsage, consumer: "the pipeline")
        var current = x
        var currentContext = context
        var fitted: [DynamicPipelineModel.Step] = []
        for (index, step) in steps.enumerated() {
            var routed = currentContext.routed(to: step.estimator.contextUsage)
            routed.stepName = step.name
            let isLast = index == steps.count - 1
            var crossFitted: Matrix<Double>?
            let model: any FittedModel
            if !isLast, let crossFitting = step.estimator as? any CrossFittingEstimator {
                let result = try Self.crossFit(crossFitting, current, y, context: routed)
                model = result.model
                crossFitted = result.output
            } else {
                model = try step.estimator.fit(current, y, context: routed)
            }
            if !isLast {
                guard let transformer = model.transformer else {
                    throw ToolboxError(.invalidParameter,
                                       "step \(index) (\(step.name)) is not a transformer, so it can only be the last step",
                                       context: ErrorContext(parameter: "steps[\(index)]"))
                }
                currentContext = try currentContext.passed(through: transformer, inputColumns: current.columns)
                current = try crossFitted ?? transformer.transform(current)
            }
            fitted.append(DynamicPipelineModel.Step(name: step.name, model: model))
        }
        return DynamicPipelineModel(steps: fitted)
    }

    private static func crossFit<E: CrossFittingEstimator>(_ step: E, _ x: Matrix<Double>, _ y: [Double],
                                                          context: FitContext) throws -> (model: any FittedModel, output: Matrix<Double>) {
        let (model, output) = try step.fitTransform(x, y, context: context)
        return (model, output)
    }

    /// NaN and Inf are handled as the first step handles them.
    public var nonFiniteInputPolicy: NonFiniteInputPolicy {
        steps.first?.estimator.nonFiniteInputPolicy ?? .rejected
    }

    /// What the steps use, together.
    public var contextUsage: FitContextUsage {
        steps.reduce(into: FitContextUsage()) { $0.formUnion($1.estimator.contextUsage) }
    }

    /// The pipeline routes every piece to its steps and checks that some step uses it.
    public static var fitContextUsage: FitContextUsage { [.sampleWeights, .categoricalFeatures, .evaluationSet, .progress] }

    // MARK: Building steps

    private static func build<E: Estimator>(_ type: E.Type, parameters: [String: JSONValue], path: String) throws -> E {
        guard let configurable = type as? any Configurable.Type else {
            throw ToolboxError(.unsupported, "\(E.self) does not describe its hyperparameters, so it cannot be built by name",
                               context: ErrorContext(parameter: path))
        }
        guard let estimator = try configurable.init(hyperparameters: parameters, path: path) as? E else {
            throw ToolboxError(.unsupported, "\(E.self) cannot be built by name", context: ErrorContext(parameter: path))
        }
        return estimator
    }

}

extension DynamicPipeline: Tunable {
    /// Every step's hyperparameters, `step__name`.
    public var hyperparameterSpace: [HyperparameterDescription] {
        tunableSteps.flatMap { name, step in step.map { NestedHyperparameters.prefixed($0.hyperparameterSpace, name) } ?? [] }
    }

    /// Every step's values, `step__name`.
    public var flattenedHyperparameters: [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for (name, step) in tunableSteps {
            for (key, value) in step?.flattenedHyperparameters ?? [:] { values["\(name)__\(key)"] = value }
        }
        return values
    }

    /// A copy with hyperparameters changed by flattened names or nested mappings (merged deeply).
    public func settingHyperparameters(_ values: [String: JSONValue]) throws -> DynamicPipeline {
        let names = tunableSteps.map(\.name)
        let (own, nested) = try NestedHyperparameters.split(values, children: Set(names))
        if let error = NestedHyperparameters.unknown(own, children: names, owner: "the pipeline") { throw error }
        var copy = self
        for (stepName, parameters) in nested.sorted(by: { $0.key < $1.key }) {
            if let index = tableSteps.firstIndex(where: { $0.name == stepName }) {
                copy.tableSteps[index].estimator = try NestedHyperparameters.prefixingErrors(stepName) {
                    try tableSteps[index].estimator.settingHyperparameters(parameters)
                }
                continue
            }
            guard let index = steps.firstIndex(where: { $0.name == stepName }) else { continue }
            guard let tunable = steps[index].estimator as? any Tunable else {
                throw ToolboxError(.unsupported, "\(type(of: steps[index].estimator)) does not describe its hyperparameters",
                                   context: ErrorContext(parameter: stepName))
            }
            let updated = try NestedHyperparameters.prefixingErrors(stepName) { try tunable.settingHyperparameters(parameters) }
            guard let estimator = updated as? any Estimator else {
                throw ToolboxError(.unsupported, "step \(stepName) cannot be configured", context: ErrorContext(parameter: stepName))
            }
            copy.steps[index].estimator = estimator
        }
        return copy
    }
}

extension DynamicPipeline: Codable {
    /// Decodes from the spec shape, with the registry from the decoder's user info (or the shared one).
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(JSONValue.self)
        let registry = decoder.userInfo[.modelRegistry] as? ModelRegistry ?? .shared
        try self.init(spec: try PipelineSpec(value), registry: registry)
    }

    public func encode(to encoder: any Encoder) throws {
        try spec.encode(to: encoder)
    }
}

extension DynamicPipeline: Hashable {
    public static func == (lhs: DynamicPipeline, rhs: DynamicPipeline) -> Bool { lhs.spec == rhs.spec }
    public func hash(into hasher: inout Hasher) { hasher.combine(spec) }
}
