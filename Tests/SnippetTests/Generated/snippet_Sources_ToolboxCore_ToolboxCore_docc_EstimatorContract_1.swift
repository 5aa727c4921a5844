// Generated from Sources/ToolboxCore/ToolboxCore.docc/EstimatorContract.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import ToolboxCore
import Foundation

private struct MeanCenterer: UnsupervisedEstimator, Configurable, Hashable {
    /// `with_mean` (Bool, default `true`): subtract each column's mean.
    var withMean = true

    static let hyperparameterSchema: [Hyperparameter<MeanCenterer>] = [
        .bool("with_mean", \.withMean, "subtract each column's mean"),
    ]

    func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try x.validateFinite()
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        return Model(hyperparameters: self, means: BinaryArray(x.columnMeans()), schema: schema)
    }

    struct Model: Transformer {
        static let modelTypeName = "Example.MeanCenterer"
        var hyperparameters: MeanCenterer
        var means: BinaryArray<Double>
        var schema: ModelSchema
        var inputFeatureCount: Int { means.elements.count }
        var outputFeatureCount: Int { inputFeatureCount }

        func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(inputFeatureCount)
            try x.validateFinite()
            let m = means.elements
            return x.mapColumns { value, j in hyperparameters.withMean ? value - m[j] : value }
        }
    }
}

func snippet_Sources_ToolboxCore_ToolboxCore_docc_EstimatorContract_1() async throws {

}
