// Generated from Sources/ToolboxCore/ToolboxCore.docc/EstimatorContract.md, snippet 2 by SnippetTests; do not edit (see SnippetTests.swift).
import DSToolbox
import Foundation

func snippet_Sources_ToolboxCore_ToolboxCore_docc_EstimatorContract_2() async throws {
    let x = try Matrix(rows: 4, columns: 2, values: [1, 2, 3, 4, 5, 6, 7, 9])
    let y = [1.0, 2, 3, 4.5]
    let model = try Pipeline {
        StandardScaler()
        Ridge(alpha: 1)
    }.fit(x, y, context: FitContext(featureNames: ["area", "rooms"]))
    print(try model.predict(x))
}
