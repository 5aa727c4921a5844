/// Two estimators in sequence: the first is fitted and its transform feeds the second.
///
/// You rarely write `Chain` yourself: ``Pipeline``'s builder folds its steps into nested chains,
/// as Hummingbird's middleware builder does, so the whole pipeline is one concrete type.
public struct Chain<First: Estimator, Second: Estimator>: Estimator where First.Model: Transformer {
    /// The transforming step.
    public var first: First
    /// The step fitted on the first step's output.
    public var second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    /// Fits `first`, transforms `x` with it, then fits `second` on the result.
    public func fit(_ x: Matrix<Double>, _ y: [Double]) throws -> ChainModel<First.Model, Second.Model> {
        let firstModel = try first.fit(x, y)
        let secondModel = try second.fit(try firstModel.transform(x), y)
        return ChainModel(first: firstModel, second: secondModel)
    }

    /// A chain accepts NaN only when its first step does.
    public static var nonFiniteInput: NonFiniteInputPolicy { First.nonFiniteInput }
}

/// A fitted ``Chain``: applies the first model's transform, then the second model.
public struct ChainModel<First: Transformer, Second: FittedModel>: FittedModel {
    /// The fitted transforming step.
    public var first: First
    /// The fitted second step.
    public var second: Second

    public init(first: First, second: Second) {
        self.first = first
        self.second = second
    }

    public static var modelTypeName: String { "Pipeline[\(First.modelTypeName),\(Second.modelTypeName)]" }

    /// The hyperparameters of both steps.
    public struct Hyperparameters: Sendable, Codable, Hashable {
        public var first: First.Hyperparameters
        public var second: Second.Hyperparameters
    }

    public var hyperparameters: Hyperparameters {
        Hyperparameters(first: first.hyperparameters, second: second.hyperparameters)
    }

    public var inputFeatureCount: Int { first.inputFeatureCount }

    public func validateStructure() throws {
        try first.validateStructure()
        try second.validateStructure()
    }
}

extension ChainModel: Transformer where Second: Transformer {
    public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try second.transform(try first.transform(x))
    }

    public func outputFeatureNames(input: [String]) -> [String] {
        second.outputFeatureNames(input: first.outputFeatureNames(input: input))
    }
}

extension ChainModel: Predictor where Second: Predictor {
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        try second.predict(try first.transform(x))
    }
}

extension ChainModel: Classifier where Second: Classifier {
    public var classes: [Double] { second.classes }

    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try second.predictProbabilities(try first.transform(x))
    }
}

/// Builds a pipeline by folding its steps into nested ``Chain``s.
@resultBuilder
public enum PipelineBuilder {
    public static func buildPartialBlock<E: Estimator>(first: E) -> E { first }

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

    public init(@PipelineBuilder _ build: () -> Steps) {
        self.steps = build()
    }

    public func fit(_ x: Matrix<Double>, _ y: [Double]) throws -> Steps.Model {
        try steps.fit(x, y)
    }

    public static var nonFiniteInput: NonFiniteInputPolicy { Steps.nonFiniteInput }
}
