// Generated from Sources/SEGYKit/SEGYKit.docc/GettingStarted.md, snippet 3 by SnippetTests; do not edit (see SnippetTests.swift).
import SEGYKit
import Foundation

func snippet_Sources_SEGYKit_SEGYKit_docc_GettingStarted_3() async throws {
    let file = try SEGYFile(path: "survey.sgy")
    let geometry = try file.geometry()                        // inline 189, crossline 193 by default
    let line = try file.inline(geometry.inlines[0], geometry: geometry)       // crosslines x samples
    let crossline = try file.crossline(geometry.crosslines[0], geometry: geometry)
    let slice = try file.depthSlice(100, geometry: geometry)  // inlines x crosslines
    let cube = try file.cube(geometry: geometry)              // [inline][crossline][offset][sample]
}
