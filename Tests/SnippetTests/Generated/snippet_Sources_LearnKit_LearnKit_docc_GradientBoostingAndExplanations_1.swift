// Generated from Sources/LearnKit/LearnKit.docc/GradientBoostingAndExplanations.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import LearnKit
import ToolboxCore
import Foundation

func snippet_Sources_LearnKit_LearnKit_docc_GradientBoostingAndExplanations_1() async throws {
    let table = try DataTable(csvFile: "houses.csv")
    var parameters = BoostingParameters()
    parameters.maxIterations = 300
    parameters.monotonicConstraints = .byName(["area": 1])   // price never falls with area
    let features = try table.dropping(["price"]).toMatrix()   // text columns become categories
    let model = try HistGradientBoostingRegressor(parameters: parameters)
        .fit(features.matrix, try table.numericColumn(named: "price"), context: FitContext(features))
    let price = features.matrix.withUnsafeBufferPointer { rows in
        model.predict(row: rows.baseAddress!)                // the first row, in place: no allocation
    }
}
