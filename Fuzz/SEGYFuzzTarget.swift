// libFuzzer target for SEGYKit's header and trace parsers: any byte string is opened as a
// SEG-Y file and, when it opens, every header, trace, geometry and lint query is exercised.
// Built by Scripts/fuzz with `swiftc -sanitize=fuzzer,address` together with SEGYKit's
// sources (SEGYKit depends on nothing else); a trap, overflow or address error is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSEGY(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for order in [nil, ByteOrder.bigEndian, .littleEndian] as [ByteOrder?] {
        guard let file = try? SEGYFile(bytes: bytes, byteOrder: order) else { continue }
        _ = file.sampleAxis()
        _ = file.sampleInterval()
        _ = try? file.traces()
        for index in 0..<min(file.traceCount, 64) {
            _ = try? file.traceHeader(index)
            _ = try? file.additionalTraceHeaders(index)
            _ = try? file.rawSamples(index)
        }
        for field in [HeaderField.inline, .crossline, .offset, .sampleCount] {
            _ = try? file.headerValues(field)
        }
        if let geometry = try? file.geometry() {
            if let first = geometry.inlines.first { _ = try? file.inline(first) }
            if let first = geometry.crosslines.first { _ = try? file.crossline(first) }
            _ = try? file.depthSlice(0)
        } else {
            _ = try? file.geometryReport()
        }
        _ = SEGYLint.check(file)
    }
    _ = try? SeismicUnix.read(bytes: bytes)
    return 0
}
