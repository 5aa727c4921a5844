// Generated from Sources/ToolboxCore/ToolboxCore.docc/GettingStarted.md, snippet 2 by SnippetTests; do not edit (see SnippetTests.swift).
import ToolboxCore
import Foundation

func snippet_Sources_ToolboxCore_ToolboxCore_docc_GettingStarted_2() async throws {
    do {
        _ = try DataTable(csvFile: "broken.csv")
    } catch let error as ToolboxError where error.code == .parseError {
        print(error)   // parse_error: line has 3 fields, expected 4 (file broken.csv, byte offset 812, line 17, column 4)
    }
}
