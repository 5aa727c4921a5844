// Generated from Documentation/CustomEstimators.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import Testing
import ToolboxCore
import ToolboxTesting
import Foundation

private struct Shrinkage: UnsupervisedEstimator, Configurable, Hashable {
    enum Target: String, Codable, CaseIterable, Sendable { case mean, zero }
    var amount = 0.5
    var target: Target = .mean

    static let hyperparameterSchema: [Hyperparameter<Shrinkage>] = [
        .real("amount", \.amount, minimum: 0, maximum: 1, "how far each value moves towards the target"),
        .choice("target", \.target, "shrink towards the column mean or zero"),
    ]

    func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try x.validateFinite()
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        let centres = target == .mean ? x.columnMeans() : [Double](repeating: 0, count: x.columns)
        return Model(hyperparameters: self, centres: BinaryArray(centres), schema: schema)
    }

    struct Model: Transformer {
        static let modelTypeName = "Example.Shrinkage"
        var hyperparameters: Shrinkage
        var centres: BinaryArray<Double>
        var schema: ModelSchema
        var inputFeatureCount: Int { centres.elements.count }
        var outputFeatureCount: Int { inputFeatureCount }

        func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(inputFeatureCount)
            try x.validateFinite()
            let c = centres.elements, a = hyperparameters.amount
            return x.mapColumns { value, j in value + a * (c[j] - value) }
        }
    }
}
@Test func shrinkageConforms() throws {
    try ModelRegistry.shared.register(estimator: Shrinkage.self, name: "Example.Shrinkage", aliases: ["shrinkage"])
    try checkEstimator(Shrinkage(), task: .unsupervised)
}

func snippet_Documentation_CustomEstimators_1() async throws {
    // In your test target: the conformance suite every toolbox estimator passes.
}
