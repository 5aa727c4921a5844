// Generated from Sources/ToolboxCore/ToolboxCore.docc/GettingStarted.md, snippet 3 by SnippetTests; do not edit (see SnippetTests.swift).
import ToolboxCore
import Foundation

func snippet_Sources_ToolboxCore_ToolboxCore_docc_GettingStarted_3() async throws {
    let table = try DataTable(csvFile: "houses.csv")
    let (train, test) = try table.split(testFraction: 0.2, seed: 42)
    let trainFeatures = try train.toMatrix(columns: ["area", "rooms", "district"])
    // Code the test set with the training categories, so codes agree.
    let testFeatures = try test.toMatrix(columns: trainFeatures.featureNames, categories: trainFeatures.categories)
}
