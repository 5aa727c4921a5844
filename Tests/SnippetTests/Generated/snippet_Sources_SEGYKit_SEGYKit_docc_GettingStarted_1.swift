// Generated from Sources/SEGYKit/SEGYKit.docc/GettingStarted.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import SEGYKit
import Foundation

func snippet_Sources_SEGYKit_SEGYKit_docc_GettingStarted_1() async throws {
    let file = try SEGYFile(path: "survey.sgy")
    print(file.traceCount, file.sampleCount, file.format, file.byteOrder)
    print(file.textHeader.lines.prefix(3))
    print(file.sampleInterval(), file.sampleAxis().prefix(3))   // µs, then ms per sample
}
