import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import SEGYKit

func temporaryPath(_ suffix: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("segykit-\(UInt64.random(in: 0...UInt64.max))\(suffix)").path
}

/// A small deterministic survey: 3 inlines x 4 crosslines, 25 samples, integer-valued samples
/// (exact in every format) with a fractional part for float formats.
func makeSurvey(format: SampleFormat, order: ByteOrder, path: String) throws -> [[Float]] {
    let writer = try SEGYWriter(path: path, spec: SEGYSpec(sampleCount: 25, format: format, byteOrder: order, sampleInterval: 2000))
    var traces: [[Float]] = []
    var rng = SeededGenerator(seed: 7)
    let integral = ![.ibmFloat32, .ieeeFloat32, .ieeeFloat64].contains(format)
    let unsigned = [.uint8, .uint16, .uint24, .uint32, .uint64].contains(format)
    let limit = format == .int8 || format == .uint8 ? 100.0 : 30_000.0
    for il in 1...3 {
        for xl in 10...13 {
            var header = TraceHeader()
            try header.setValue(il, for: .inline)
            try header.setValue(xl, for: .crossline)
            try header.setValue(il * 1000 + xl, for: .cdpX)
            try header.setValue(0, for: .offset)
            let samples = (0..<25).map { _ -> Float in
                var v = rng.nextUniform(in: unsigned ? 0 : -limit, limit)
                v = integral ? v.rounded() : (v * 64).rounded() / 64
                return Float(v)
            }
            try writer.append(header: header, samples: samples)
            traces.append(samples)
        }
    }
    try writer.close()
    return traces
}

@Suite("Writing SEG-Y and Seismic Unix")
struct WritingTests {
    static let formats = SampleFormat.allCases

    @Test(arguments: formats, ByteOrder.allCases)
    func roundTripIsExact(format: SampleFormat, order: ByteOrder) throws {
        let path = temporaryPath(".sgy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let written = try makeSurvey(format: format, order: order, path: path)
        let file = try SEGYFile(path: path)
        #expect(file.byteOrder == order && file.format == format)
        #expect(file.traceCount == 12 && file.sampleCount == 25)
        #expect(file.sampleInterval() == 2000)
        for (t, samples) in written.enumerated() {
            #expect(try file.trace(t) == samples, "trace \(t)")
        }
        let geometry = try file.geometry()
        #expect(geometry.sorting == .inline && geometry.inlines == [1, 2, 3] && geometry.crosslines == [10, 11, 12, 13])
        #expect(try file.traceHeader(5)[.cdpX] == 2011)
        #expect(try file.inline(2) == Array(written[4..<8].joined()))
        #expect(try file.crossline(11) == [written[1], written[5], written[9]].flatMap { $0 })
        #expect(try file.depthSlice(3) == written.map { $0[3] })
    }

    @Test(arguments: ["small.sgy", "f3.sgy", "multiformats/Format1lsb.sgy", "multiformats/Format3msb.sgy", "multiformats/Format6lsb.sgy"])
    func byteOrderConversionIsBitExact(name: String) throws {
        let source = try SEGYFile(path: TestData.path(name))
        let other: ByteOrder = source.byteOrder == .bigEndian ? .littleEndian : .bigEndian
        let swapped = temporaryPath(".sgy"), back = temporaryPath(".sgy")
        defer { [swapped, back].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        try source.convert(to: swapped, byteOrder: other)
        let converted = try SEGYFile(path: swapped)
        #expect(converted.byteOrder == other)
        #expect(try converted.traces().map(\.bitPattern) == source.traces().map(\.bitPattern))
        for t in [0, source.traceCount - 1] {
            let a = try converted.traceHeader(t), b = try source.traceHeader(t)
            #expect(try HeaderField.traceHeaderFields.allSatisfy { try a[$0] == b[$0] })
        }
        try converted.convert(to: back, byteOrder: source.byteOrder)
        let restored = try SEGYFile(path: back)
        for t in 0..<source.traceCount { #expect(try restored.rawSamples(t) == source.rawSamples(t)) }
    }

    @Test func formatConversion() throws {
        let source = try SEGYFile(path: TestData.path("small.sgy"))
        let path = temporaryPath(".sgy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try source.convert(to: path, format: .ieeeFloat32, byteOrder: .littleEndian)
        let converted = try SEGYFile(path: path)
        #expect(converted.format == .ieeeFloat32 && converted.byteOrder == .littleEndian)
        // IBM values decode to Floats that IEEE stores exactly.
        #expect(try converted.traces() == source.traces())
        #expect(try converted.geometry() == source.geometry())
    }

    @Test func integerFormatsHoldTheSameDataWrapped() throws {
        // The multiformat files hold f3's integers in every format, wrapped to each width.
        let reference = try SEGYFile(path: TestData.path("multiformats/Format2msb.sgy")).traces().map { Int64($0) }
        let cases: [(String, Int, Bool)] = [
            ("Format7msb", 24, true), ("Format7lsb", 24, true), ("Format15msb", 24, false), ("Format15lsb", 24, false),
            ("Format8lsb", 8, true), ("Format16msb", 8, false), ("Format11lsb", 16, false), ("Format3msb", 16, true),
            ("Format9lsb", 64, true), ("Format10msb", 32, false),
        ]
        for (name, bits, signed) in cases {
            let expected = reference.map { value -> Float in
                guard bits < 64 else { return Float(value) }
                let modulus = Int64(1) << bits
                var wrapped = ((value % modulus) + modulus) % modulus
                if signed && wrapped >= modulus / 2 { wrapped -= modulus }
                return Float(wrapped)
            }
            #expect(try SEGYFile(path: TestData.path("multiformats/\(name).sgy")).traces() == expected, "\(name)")
        }
    }

    @Test func integerSamples() throws {
        let file = try SEGYFile(path: TestData.path("f3.sgy"))
        let integers = try file.integerTrace(3)
        #expect(integers.map { Float($0) } == (try file.trace(3)))
        #expect(throws: SEGYError.self) { try SEGYFile(path: TestData.path("small.sgy")).integerTrace(0) }
    }

    @Test func headersUpdateInPlace() throws {
        let path = temporaryPath(".sgy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try makeSurvey(format: .ibmFloat32, order: .littleEndian, path: path)
        var header = try SEGYFile(path: path).traceHeader(4)
        try header.setValue(777, for: .shotPoint)
        try SEGYFile.updateTraceHeader(path: path, index: 4, header: header)
        let file = try SEGYFile(path: path)
        #expect(try file.traceHeader(4)[.shotPoint] == 777)
        #expect(try file.traceHeader(4).inline == 2)
        var binary = file.binaryHeader
        try binary.setValue(42, for: .jobIdentification)
        try SEGYFile.updateBinaryHeader(path: path, header: binary)
        #expect(try SEGYFile(path: path).binaryHeader[.jobIdentification] == 42)
        var wrong = binary
        try wrong.setValue(5, for: .formatCode)
        #expect(throws: SEGYError.self) { try SEGYFile.updateBinaryHeader(path: path, header: wrong) }
        #expect(throws: SEGYError.self) { try SEGYFile.updateTraceHeader(path: path, index: 99, header: header) }
    }

    @Test func writerRejectsBadInput() throws {
        #expect(throws: SEGYError.self) { try SEGYWriter(path: temporaryPath(".sgy"), spec: SEGYSpec(sampleCount: 0)) }
        #expect(throws: SEGYError.self) { try SEGYWriter(path: temporaryPath(".sgy"), spec: SEGYSpec(sampleCount: 5, sampleInterval: -1)) }
        let path = temporaryPath(".sgy")
        let writer = try SEGYWriter(path: path, spec: SEGYSpec(sampleCount: 5))
        #expect(throws: SEGYError.self) { try writer.append(header: TraceHeader(), samples: [1, 2]) }
        try writer.close()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try SEGYFile(path: path).traceCount == 0)
        var header = TraceHeader()
        #expect(throws: SEGYError.self) { try header.setValue(70_000, for: .delayRecordingTime) }
        #expect(throws: SEGYError.self) { try header.value(atByteOffset: 239, width: 4) }
        // Words outside a header are errors, as segyio raises KeyError: never a silent 0.
        #expect(throws: SEGYError.self) { try header[.jobIdentification] }
        #expect(throws: SEGYError.self) { try header.setValue(1, for: .jobIdentification) }
        var binary = BinaryHeader()
        #expect(throws: SEGYError.self) { try binary[.inline] }
        #expect(throws: SEGYError.self) { try binary.setValue(1, for: .cdpX) }
        #expect(throws: SEGYError.self) { try binary.setValue(70_000, for: .binarySampleInterval) }
        try binary.setValue(7, for: .jobIdentification)
        #expect(try binary[.jobIdentification] == 7)
    }

    struct SUGolden: Decodable {
        var tracecount: Int
        var samplecount: Int
        var samples_sha256: String
        var headers_sha256: String
        var first_trace: [Double]
    }
    struct SUFiles: Decodable {
        struct Entry: Decodable {
            var tracecount: Int?
            var samplecount: Int?
            var samples_sha256: String?
            var headers_sha256: String?
        }
        var files: [String: Entry]
    }

    @Test(arguments: ["small.su", "small-lsb.su"])
    func seismicUnixMatchesSegyio(name: String) throws {
        let golden = try #require(try GoldenFiles().load(SUFiles.self, "segyio.json").files[name])
        let su = try SeismicUnix.read(path: TestData.path(name))
        #expect(su.headers.count == golden.tracecount && su.sampleCount == golden.samplecount)
        #expect(ContentSHA256.hash(su.samples.withUnsafeBytes { Array($0) }).hexString == golden.samples_sha256)
        let fields = HeaderField.traceHeaderFields
        let words = try su.headers.flatMap { h in try fields.map { Int64(try h[$0]) } }
        #expect(ContentSHA256.hash(words.withUnsafeBytes { Array($0) }).hexString == golden.headers_sha256)
        // Written back, it reads the same.
        let path = temporaryPath(".su")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SeismicUnix.write(path: path, headers: su.headers, samples: su.samples, sampleCount: su.sampleCount, byteOrder: .bigEndian)
        let again = try SeismicUnix.read(path: path)
        #expect(again.samples == su.samples)
        #expect(try zip(again.headers, su.headers).allSatisfy { a, b in try fields.allSatisfy { try a[$0] == b[$0] } })
    }
}

@Suite("IBM float conversion")
struct IBMFloatTests {
    /// The table-driven form of the conversion, as the algorithm is usually written, for
    /// checking the branch-free one on many words.
    func reference(_ ibm: UInt32) -> UInt32 {
        let fraction = ibm & 0x00FF_FFFF
        let index = Int(fraction >> 21)
        let biases: [UInt32] = [0x2180_0000, 0x2140_0000, 0x2100_0000, 0x2100_0000, 0x20C0_0000, 0x20C0_0000, 0x20C0_0000, 0x20C0_0000]
        let multipliers: [UInt32] = [8, 4, 2, 2, 1, 1, 1, 1]
        var result = fraction &* multipliers[index] &+ (((ibm & 0x7F00_0000) &- biases[index]) &<< 1)
        let magnitude = ibm & 0x7FFF_FFFF
        if magnitude > 0x611F_FFFF { result = 0x7FFF_FFFF }
        result |= ibm & 0x8000_0000
        return magnitude < 0x2120_0000 ? 0 : result
    }

    @Test func branchFreeConversionMatchesTheTableForm() {
        var rng = SeededGenerator(seed: 99)
        var words: [UInt32] = [0, 0x8000_0000, 0x4110_0000, 0xC110_0000, 0x7FFF_FFFF, 0x2120_0000, 0x211F_FFFF, 0x611F_FFFF, 0x6120_0000, 0x40FF_FFFF]
        for _ in 0..<200_000 { words.append(UInt32(truncatingIfNeeded: rng.next())) }
        for word in words { #expect(IBMFloat.ieeeBits(fromIBM: word) == reference(word), "word \(word)") }
    }

    @Test func knownValues() {
        // 0x42640000 is 100 in IBM: 0.390625 * 16^2; 0xC276A000 is -118.625.
        #expect(IBMFloat.float(fromIBM: 0x4264_0000) == 100)
        #expect(IBMFloat.float(fromIBM: 0xC276_A000) == -118.625)
        #expect(IBMFloat.ibmBits(fromIEEE: Float(100).bitPattern) == 0x4264_0000)
        #expect(IBMFloat.ibmBits(fromIEEE: Float(-118.625).bitPattern) == 0xC276_A000)
        #expect(IBMFloat.float(fromIBM: 0).isZero)
    }
}
