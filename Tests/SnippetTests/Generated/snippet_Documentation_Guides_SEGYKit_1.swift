// Generated from Documentation/Guides/SEGYKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import SEGYKit
import Foundation

func snippet_Documentation_Guides_SEGYKit_1() async throws {
    let file = try SEGYFile(path: "survey.sgy")
    let geometry = try file.geometry()                 // inline 189, crossline 193, offset 37
    let line = try file.inline(geometry.inlines[0], geometry: geometry)
    let slice = try file.depthSlice(50, geometry: geometry)
    print(file.traceCount, file.sampleCount, line.count, slice.count)
}
