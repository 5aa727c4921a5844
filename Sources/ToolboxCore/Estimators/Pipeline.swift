/// Two estimators in sequence: the first is fitted and its transform feeds the second.
///
/// You rarely write `Chain` yourself: ``Pipeline``'s builder folds its steps into nested chains,
/// as Hummingbird's middleware builder does, so the whole pipeline is one concrete type.
public struct Chain<First: Estimator, Second: Estimator>: Estimator where First.Model: Transformer {
    /// The transforming step.
    public var first: First
    /// The step fitted on the first step's output.
    public var second: Second

    /// Chains `first` (a transformer) and `second`.
    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    /// Fits `first`, transforms `x` with it, then fits `second` on the result.
    ///
    /// Each step gets the pieces of `context` it declares in its ``Estimator/fitContextUsage``;
    /// the second sees the feature names and categorical columns the first outputs, and the
    /// evaluation set transformed by it.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when weights or an evaluation set are
    ///   given and no step uses them.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> ChainModel<First.Model, Second.Model> {
        try context.requireConsumers(contextUsage, consumer: "the pipeline")
        let (firstModel, transformed) = try Self.fitTransform(first, x, y, context: context.routed(to: first.contextUsage))
        let next = try context.passed(through: firstModel, inputColumns: x.columns)
        let secondModel = try second.fit(transformed, y, context: next.routed(to: second.contextUsage))
        return ChainModel(first: firstModel, second: secondModel)
    }

    /// The first step's model and its transform of the training data: cross-fitted when the
    /// step cross-fits (``CrossFittingEstimator``), the model's transform otherwise.
    static func fitTransform(_ step: First, _ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> (First.Model, Matrix<Double>) {
        if let crossFitting = step as? any CrossFittingEstimator {
            let (model, output) = try crossFitTransform(crossFitting, x, y, context: context)
            guard let typed = model as? First.Model else {
                throw ToolboxError(.invalidParameter, "\(First.self) returned a model of another type")
            }
            return (typed, output)
        }
        let model = try step.fit(x, y, context: context)
        return (model, try model.transform(x))
    }

    private static func crossFitTransform<E: CrossFittingEstimator>(_ step: E, _ x: Matrix<Double>, _ y: [Double],
                                                                    context: FitContext) throws -> (any FittedModel, Matrix<Double>) {
        let (model, output) = try step.fitTransform(x, y, context: context)
        return (model, output)
    }

    /// A chain accepts NaN only when its first step does.
    public static var nonFiniteInput: NonFiniteInputPolicy { First.nonFiniteInput }
    /// The first step's policy.
    public var nonFiniteInputPolicy: NonFiniteInputPolicy { first.nonFiniteInputPolicy }

    /// What either step type uses.
    public static var fitContextUsage: FitContextUsage { First.fitContextUsage.union(Second.fitContextUsage) }
    /// What either step uses.
    public var contextUsage: FitContextUsage { first.contextUsage.union(second.contextUsage) }
}

/// A fitted ``Chain``: applies the first model's transform, then the second model.
public struct ChainModel<First: Transformer, Second: FittedModel>: FittedModel {
    /// The fitted transforming step.
    public var first: First
    /// The fitted second step.
    public var second: Second

    /// Chains two fitted steps; `second` takes `first`'s output.
    public init(first: First, second: Second) {
        self.first = first
        self.second = second
    }

    /// Static pipelines save as a list of steps, each with its registered model type, so an
    /// archive loads by name alone (as a ``DynamicPipelineModel``) where the Swift types are unknown.
    public static var modelTypeName: String { DynamicPipelineModel.modelTypeName }

    /// Every step's hyperparameters, in order (the same form ``DynamicPipelineModel`` reports).
    public var hyperparameters: PipelineHyperparameters { PipelineHyperparameters(flattenedSteps()) }

    /// The first step's input width.
    public var inputFeatureCount: Int { first.inputFeatureCount }

    /// The first step's inputs and the last step's target labels.
    public var schema: ModelSchema {
        var schema = first.schema
        schema.targetLabels = second.schema.targetLabels
        return schema
    }

    /// A chain classifies, predicts or transforms exactly when its last step does.
    public var classifier: (any Classifier)? { second.classifier == nil ? nil : self as? any Classifier }
    /// The chain, when its last step predicts.
    public var predictor: (any Predictor)? { second.predictor == nil ? nil : self as? any Predictor }
    /// The chain, when its last step transforms.
    public var transformer: (any Transformer)? { second.transformer == nil ? nil : self as? any Transformer }

    /// Checks both steps, and that the second takes as many columns as the first outputs.
    public func validateStructure() throws {
        try first.validateStructure()
        try second.validateStructure()
        guard second.inputFeatureCount == first.outputFeatureCount else {
            throw ToolboxError(.corruptArchive,
                               "pipeline step \(Second.modelTypeName) takes \(second.inputFeatureCount) inputs, the step before outputs \(first.outputFeatureCount)")
        }
    }
}

extension ChainModel {
    private enum CodingKeys: String, CodingKey { case steps }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var list: any UnkeyedEncodingContainer = container.nestedUnkeyedContainer(forKey: .steps)
        try encodeSteps(into: &list)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var list: any UnkeyedDecodingContainer = try container.nestedUnkeyedContainer(forKey: .steps)
        self = try Self.decodeSteps(from: &list)
        guard list.isAtEnd else {
            throw ToolboxError(.corruptArchive, "the archive has more pipeline steps than \(Self.self) has")
        }
    }
}

/// A model that saves as a run of pipeline steps (``ChainModel``), so nested chains flatten
/// into one list and load back from it.
protocol PipelineStepsCodable {
    func flattenedSteps() -> [(name: String, model: any FittedModel)]
    func encodeSteps(into list: inout any UnkeyedEncodingContainer) throws
    static func decodeSteps(from list: inout any UnkeyedDecodingContainer) throws -> Self
}

extension ChainModel: PipelineStepsCodable {
    func flattenedSteps() -> [(name: String, model: any FittedModel)] {
        func steps(_ model: any FittedModel) -> [(name: String, model: any FittedModel)] {
            (model as? any PipelineStepsCodable)?.flattenedSteps() ?? [(type(of: model).modelTypeName, model)]
        }
        return steps(first) + steps(second)
    }

    func encodeSteps(into list: inout any UnkeyedEncodingContainer) throws {
        try PipelineStepEntry.encode(first, into: &list)
        try PipelineStepEntry.encode(second, into: &list)
    }

    static func decodeSteps(from list: inout any UnkeyedDecodingContainer) throws -> ChainModel<First, Second> {
        let first = try PipelineStepEntry.decode(First.self, from: &list)
        let second = try PipelineStepEntry.decode(Second.self, from: &list)
        return ChainModel(first: first, second: second)
    }
}

/// One saved pipeline step: `{"name", "type", "model"}`, the shape ``DynamicPipelineModel`` reads.
enum PipelineStepEntry {
    enum Keys: String, CodingKey { case name, type, model }

    static func encode<Model: FittedModel>(_ model: Model, name: String? = nil, into list: inout any UnkeyedEncodingContainer) throws {
        if let chain = model as? any PipelineStepsCodable {
            try chain.encodeSteps(into: &list)
            return
        }
        var entry = list.nestedContainer(keyedBy: Keys.self)
        try entry.encode(name ?? Model.modelTypeName, forKey: .name)
        try entry.encode(Model.modelTypeName, forKey: .type)
        try entry.encode(model, forKey: .model)
    }

    static func decode<Model: FittedModel>(_ type: Model.Type, from list: inout any UnkeyedDecodingContainer) throws -> Model {
        if let chainType = Model.self as? any PipelineStepsCodable.Type {
            guard let model = try chainType.decodeSteps(from: &list) as? Model else {
                throw ToolboxError(.corruptArchive, "pipeline steps do not decode as \(Model.self)")
            }
            return model
        }
        guard !list.isAtEnd else {
            throw ToolboxError(.corruptArchive, "the archive has fewer pipeline steps than \(Model.modelTypeName) needs")
        }
        let entry = try list.nestedContainer(keyedBy: Keys.self)
        let typeName = try entry.decode(String.self, forKey: .type)
        guard typeName == Model.modelTypeName else {
            throw ToolboxError(.corruptArchive, "pipeline step holds a \(typeName) where a \(Model.modelTypeName) belongs")
        }
        return try entry.decode(Model.self, forKey: .model)
    }
}

extension ChainModel: Transformer where Second: Transformer {
    /// Both steps' transforms, in order.
    public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try second.transform(try first.transform(x))
    }

    /// The second step's output width.
    public var outputFeatureCount: Int { second.outputFeatureCount }

    /// The names after both steps.
    public func outputFeatureNames(input: [String]) -> [String] {
        second.outputFeatureNames(input: first.outputFeatureNames(input: input))
    }

    /// The categorical columns after both steps.
    public func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] {
        second.outputCategoricalFeatures(input: first.outputCategoricalFeatures(input: input))
    }
}

extension ChainModel: Predictor where Second: Predictor {
    /// The second step's predictions on the first step's output.
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        try second.predict(try first.transform(x))
    }
}

extension ChainModel: Classifier where Second: Classifier {
    /// The last step's classes.
    public var classes: [Double] { second.classes }

    /// The second step's class probabilities on the first step's output.
    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try second.predictProbabilities(try first.transform(x))
    }
}

/// Builds a pipeline by folding its steps into nested ``Chain``s.
@resultBuilder
public enum PipelineBuilder {
    /// A one-step pipeline is the step itself.
    public static func buildPartialBlock<E: Estimator>(first: E) -> E { first }

    /// Appends `next` to the steps so far.
    public static func buildPartialBlock<Accumulated: Estimator, Next: Estimator>(
        accumulated: Accumulated, next: Next
    ) -> Chain<Accumulated, Next> where Accumulated.Model: Transformer {
        Chain(accumulated, next)
    }
}

/// A statically typed pipeline: transformers followed by a final estimator, fitted in one call
/// and saved as one archive.
///
/// ```swift
/// let pipeline = Pipeline {
///     StandardScaler()
///     LinearRegression()
/// }
/// let model = try pipeline.fit(x, y)      // a ChainModel: transform, then predict
/// let predictions = try model.predict(x)
/// ```
///
/// Every step but the last must produce a ``Transformer``; the compiler checks it.
public struct Pipeline<Steps: Estimator>: Estimator {
    /// The steps, folded into nested chains.
    public var steps: Steps

    /// The steps the builder lists, in order.
    public init(@PipelineBuilder _ build: () -> Steps) {
        self.steps = build()
    }

    /// Fits every step in order (see ``Chain/fit(_:_:context:)``).
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Steps.Model {
        try steps.fit(x, y, context: context)
    }

    /// The first step type's policy.
    public static var nonFiniteInput: NonFiniteInputPolicy { Steps.nonFiniteInput }
    /// What any step type uses.
    public static var fitContextUsage: FitContextUsage { Steps.fitContextUsage }
    /// What any step uses.
    public var contextUsage: FitContextUsage { steps.contextUsage }
    /// The first step's policy.
    public var nonFiniteInputPolicy: NonFiniteInputPolicy { steps.nonFiniteInputPolicy }
}
