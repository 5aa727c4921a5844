// Generated from Sources/SEGYKit/SEGYKit.docc/GettingStarted.md, snippet 4 by SnippetTests; do not edit (see SnippetTests.swift).
import SEGYKit
import Foundation

func snippet_Sources_SEGYKit_SEGYKit_docc_GettingStarted_4() async throws {
    let samples = (0..<500).map { Float(sin(Double($0) / 10)) }
    let writer = try SEGYWriter(path: "out.sgy", spec: SEGYSpec(sampleCount: 500, format: .ibmFloat32))
    var header = TraceHeader()
    try header.setValue(1, for: .inline); try header.setValue(1, for: .crossline)
    try writer.append(header: header, samples: samples)
    try writer.close()                                        // moved into place only when complete

    let file = try SEGYFile(path: "out.sgy")
    try file.convert(to: "little.sgy", format: .ieeeFloat32, byteOrder: .littleEndian)
    try SEGYFile.updateTraceHeader(path: "out.sgy", index: 0, header: header)
}
