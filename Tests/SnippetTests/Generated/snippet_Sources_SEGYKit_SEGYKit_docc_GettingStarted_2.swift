// Generated from Sources/SEGYKit/SEGYKit.docc/GettingStarted.md, snippet 2 by SnippetTests; do not edit (see SnippetTests.swift).
import SEGYKit
import Foundation

func snippet_Sources_SEGYKit_SEGYKit_docc_GettingStarted_2() async throws {
    let file = try SEGYFile(path: "survey.sgy")
    let header = try file.traceHeader(0)
    print(header.inline, header.crossline, try header[.cdpX], header.cdpCoordinates)
    print(try header.value(atByteOffset: 233, width: 4))     // a non-standard word
    let inlines = try file.headerValues(.inline)              // one word for every trace, fast
    print(inlines.count, try file.binaryHeader[.binarySampleCount], file.binaryHeader.revision)
}
