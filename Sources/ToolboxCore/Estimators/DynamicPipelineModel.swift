/// The hyperparameters of a fitted pipeline: each step's name, model type and its own
/// hyperparameters (as their JSON form), in order.
public struct PipelineHyperparameters: Sendable, Hashable, Codable {
    /// One step's hyperparameters.
    public struct Step: Sendable, Hashable, Codable {
        /// The step's label.
        public var name: String
        /// The step's registered model type.
        public var type: String
        /// The step's hyperparameters as JSON.
        public var parameters: JSONValue
    }

    /// The steps, in order.
    public var steps: [Step]

    /// The hyperparameters of fitted steps.
    public init(_ steps: [(name: String, model: any FittedModel)]) {
        var list: [Step] = []
        for (name, model) in steps {
            let parameters: JSONValue = Self.parameters(of: model)
            list.append(Step(name: name, type: type(of: model).modelTypeName, parameters: parameters))
        }
        self.steps = list
    }

    private static func parameters<Model: FittedModel>(of model: Model) -> JSONValue {
        (try? JSONValue(encoding: model.hyperparameters)) ?? .null
    }
}

/// A fitted pipeline of any steps, built by ``DynamicPipeline`` or loaded by name from any
/// pipeline archive (static ``Pipeline``s save in the same form). Saved and loaded like any
/// model; loading needs every step's model type in the ``ModelRegistry``.
///
/// It is a ``Classifier`` when its last step is one (``FittedModel/classifier`` says which);
/// otherwise class probabilities throw.
public struct DynamicPipelineModel: Transformer, Classifier {
    /// One fitted step.
    public struct Step: Sendable {
        /// The step's label.
        public var name: String
        /// The step's fitted model.
        public var model: any FittedModel

        /// A fitted step labelled `name`.
        public init(name: String, model: any FittedModel) {
            self.name = name
            self.model = model
        }
    }

    /// A fitted table step.
    public struct TableStep: Sendable {
        /// The table step's label.
        public var name: String
        /// The table step's fitted model.
        public var model: any TableModel

        /// A fitted table step labelled `name`.
        public init(name: String, model: any TableModel) {
            self.name = name
            self.model = model
        }
    }

    /// The fitted matrix steps in order.
    public var steps: [Step]
    /// The fitted table steps, applied to a table before it becomes the first matrix step's input.
    public var tableSteps: [TableStep] = []
    /// The target column the pipeline was fitted to predict, when it was fitted on a table;
    /// dropped from a table given to predict.
    public var targetColumn: String?
    /// The table's columns (target left out) as a pipeline with table steps was fitted on them:
    /// what a JSON request's rows must hold (``inputTable(records:path:maximumRows:)``).
    public var tableInputs: [InputColumn]?

    /// A column of the table a pipeline was fitted on: its name and kind (text for categorical).
    public struct InputColumn: Sendable, Hashable, Codable {
        public var name: String
        public var kind: FeatureKind
        public init(name: String, kind: FeatureKind) {
            self.name = name
            self.kind = kind
        }
    }

    /// A pipeline of fitted steps: table steps first, then matrix steps; `targetColumn` when fitted on a table.
    public init(steps: [Step], tableSteps: [TableStep] = [], targetColumn: String? = nil) {
        self.steps = steps
        self.tableSteps = tableSteps
        self.targetColumn = targetColumn
    }

    /// The table as the matrix steps take it: every table step applied, the target column (if
    /// present) dropped.
    public func prepare(_ table: DataTable) throws -> DataTable {
        var current = table
        for step in tableSteps { current = try Self.apply(step.model, named: step.name, to: current) }
        if let targetColumn, current.columnNames.contains(targetColumn) { current = try current.dropping([targetColumn]) }
        return current
    }

    /// The matrix for a table of inputs: the table steps applied, the columns the matrix steps
    /// were fitted on selected by name (others, such as identifiers, are left out), then names
    /// checked and categories coded as in fit.
    public func inputMatrix(_ table: DataTable) throws -> Matrix<Double> {
        var prepared = try prepare(table)
        if let names = schema.featureNames, prepared.columnNames != names, names.allSatisfy({ prepared.columnIndex(named: $0) != nil }) {
            prepared = try prepared.selecting(names)
        }
        return try schemaInputMatrix(prepared)
    }

    static func apply(_ model: any TableModel, named name: String, to table: DataTable) throws -> DataTable {
        let output = try model.transform(table)
        guard output.rowCount == table.rowCount else {
            throw ToolboxError(.invalidData, "table step \(name) returned \(output.rowCount) rows for \(table.rowCount); table steps keep every row",
                               context: ErrorContext(parameter: name))
        }
        return output
    }

    /// The type name pipeline archives are saved under (static pipelines' too).
    public static let modelTypeName = "ToolboxCore.Pipeline"

    /// Every step's real hyperparameters.
    public var hyperparameters: PipelineHyperparameters { PipelineHyperparameters(steps.map { ($0.name, $0.model) }) }

    /// The first matrix step's input width.
    public var inputFeatureCount: Int { steps.first?.model.inputFeatureCount ?? 0 }

    /// The first step's inputs and the last step's target labels.
    public var schema: ModelSchema {
        var schema = steps.first?.model.schema ?? ModelSchema()
        schema.targetLabels = steps.last?.model.schema.targetLabels
        return schema
    }

    /// The final step's model.
    public var finalModel: (any FittedModel)? { steps.last?.model }

    /// The pipeline as a classifier, when its last step is one.
    public var classifier: (any Classifier)? { finalModel?.classifier == nil ? nil : self }
    /// The pipeline as a predictor, when its last step is one.
    public var predictor: (any Predictor)? { finalModel?.predictor == nil ? nil : self }
    /// The pipeline as a transformer, when its last step is one.
    public var transformer: (any Transformer)? { finalModel?.transformer == nil ? nil : self }

    /// Transforms `x` through every step but the last.
    public func transformThroughPreprocessing(_ x: Matrix<Double>) throws -> Matrix<Double> {
        var current = x
        for step in steps.dropLast() {
            guard let transformer = step.model.transformer else {
                throw ToolboxError(.corruptArchive, "step \(step.name) is not a transformer")
            }
            current = try transformer.transform(current)
        }
        return current
    }

    /// Transforms `x` through every step; the last must be a transformer.
    public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
        guard let last = finalModel?.transformer else {
            throw ToolboxError(.unsupported, "the pipeline's last step is not a transformer")
        }
        return try last.transform(try transformThroughPreprocessing(x))
    }

    /// The last step's output width (its input width when it is not a transformer).
    public var outputFeatureCount: Int {
        finalModel?.transformer?.outputFeatureCount ?? finalModel?.inputFeatureCount ?? 0
    }

    /// The names after every transforming step.
    public func outputFeatureNames(input: [String]) -> [String] {
        var names = input
        for step in steps {
            guard let transformer = step.model.transformer else { break }
            names = transformer.outputFeatureNames(input: names)
        }
        return names
    }

    /// The categorical columns after every transforming step.
    public func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] {
        var features = input
        for step in steps {
            guard let transformer = step.model.transformer else { break }
            features = transformer.outputCategoricalFeatures(input: features)
        }
        return features
    }

    /// Predicts with the last step; it must be a predictor.
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        guard let last = finalModel?.predictor else {
            throw ToolboxError(.unsupported, "the pipeline's last step is not a predictor")
        }
        return try last.predict(try transformThroughPreprocessing(x))
    }

    /// The last step's classes; empty when it is not a classifier.
    public var classes: [Double] { finalModel?.classifier?.classes ?? [] }

    /// Class probabilities from the last step; it must be a classifier.
    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        guard let last = finalModel?.classifier else {
            throw ToolboxError(.unsupported, "the pipeline's last step is not a classifier")
        }
        return try last.predictProbabilities(try transformThroughPreprocessing(x))
    }

    /// Checks every step, and that each takes as many columns as the step before outputs.
    public func validateStructure() throws {
        guard !steps.isEmpty else { throw ToolboxError(.corruptArchive, "pipeline has no steps") }
        var width = steps[0].model.inputFeatureCount
        for (index, step) in steps.enumerated() {
            try step.model.validateStructure()
            guard step.model.inputFeatureCount == width else {
                throw ToolboxError(.corruptArchive, "pipeline step \(step.name) takes \(step.model.inputFeatureCount) inputs, the step before outputs \(width)")
            }
            if index < steps.count - 1 {
                guard let transformer = step.model.transformer else {
                    throw ToolboxError(.corruptArchive, "pipeline step \(step.name) is not a transformer but is not last")
                }
                width = transformer.outputFeatureCount
            }
        }
    }
}

extension DynamicPipelineModel {
    private enum CodingKeys: String, CodingKey { case steps, tableSteps = "table_steps", target, inputs }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var list: any UnkeyedEncodingContainer = container.nestedUnkeyedContainer(forKey: .steps)
        for step in steps {
            try PipelineStepEntry.encode(step.model, name: step.name, into: &list)
        }
        if !tableSteps.isEmpty {
            var tableList = container.nestedUnkeyedContainer(forKey: .tableSteps)
            for step in tableSteps {
                var entry = tableList.nestedContainer(keyedBy: PipelineStepEntry.Keys.self)
                try entry.encode(step.name, forKey: .name)
                try entry.encode(type(of: step.model).modelTypeName, forKey: .type)
                try entry.encode(step.model, forKey: .model)
            }
        }
        try container.encodeIfPresent(targetColumn, forKey: .target)
        try container.encodeIfPresent(tableInputs, forKey: .inputs)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var list = try container.nestedUnkeyedContainer(forKey: .steps)
        let registry = decoder.userInfo[.modelRegistry] as? ModelRegistry ?? .shared
        var steps: [Step] = []
        while !list.isAtEnd {
            let entry = try list.nestedContainer(keyedBy: PipelineStepEntry.Keys.self)
            let name = try entry.decode(String.self, forKey: .name)
            let typeName = try entry.decode(String.self, forKey: .type)
            guard let type = registry.modelType(named: typeName) else {
                throw ToolboxError(.unsupported, "pipeline step \(name) has model type \(typeName), which is not registered")
            }
            steps.append(Step(name: name, model: try Self.decodeModel(type, from: entry)))
        }
        self.steps = steps
        if container.contains(.tableSteps) {
            var tableList = try container.nestedUnkeyedContainer(forKey: .tableSteps)
            while !tableList.isAtEnd {
                let entry = try tableList.nestedContainer(keyedBy: PipelineStepEntry.Keys.self)
                let name = try entry.decode(String.self, forKey: .name)
                let typeName = try entry.decode(String.self, forKey: .type)
                guard let type = registry.tableModelType(named: typeName) else {
                    throw ToolboxError(.unsupported, "pipeline table step \(name) has model type \(typeName), which is not registered")
                }
                tableSteps.append(TableStep(name: name, model: try Self.decodeTableModel(type, from: entry)))
            }
        }
        targetColumn = try container.decodeIfPresent(String.self, forKey: .target)
        tableInputs = try container.decodeIfPresent([InputColumn].self, forKey: .inputs)
    }

    private static func decodeTableModel<Model: TableModel>(
        _ type: Model.Type, from container: KeyedDecodingContainer<PipelineStepEntry.Keys>
    ) throws -> any TableModel {
        try container.decode(Model.self, forKey: .model)
    }

    private static func decodeModel<Model: FittedModel>(
        _ type: Model.Type, from container: KeyedDecodingContainer<PipelineStepEntry.Keys>
    ) throws -> any FittedModel {
        try container.decode(Model.self, forKey: .model)
    }
}
