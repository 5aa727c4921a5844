// Generated from Sources/ToolboxCore/ToolboxCore.docc/GettingStarted.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import ToolboxCore
import Foundation

func snippet_Sources_ToolboxCore_ToolboxCore_docc_GettingStarted_1() async throws {
    let table = try DataTable(csvFile: "houses.csv")
    for summary in table.describe() {
        print(summary.name, summary.kind, summary.count, summary.mean ?? .nan)
    }
}
