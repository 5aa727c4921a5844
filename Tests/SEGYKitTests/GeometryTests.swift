import Foundation
import Testing
@testable import SEGYKit

@Suite("Geometry, gathers and streaming")
struct GeometryTests {
    @Test func preStackGathersAndCube() throws {
        let file = try SEGYFile(path: TestData.path("small-ps.sgy"))
        let geometry = try file.geometry()
        #expect(geometry.offsets.count == 2 && geometry.inlines.count == 4 && geometry.crosslines.count == 3)
        let il = geometry.inlines[1], xl = geometry.crosslines[2]
        let gather = try file.gather(inline: il, crossline: xl, geometry: geometry)
        var expected: [Float] = []
        for t in 0..<file.traceCount {
            let h = try file.traceHeader(t)
            if h.inline == il && h.crossline == xl { expected += try file.trace(t) }
        }
        #expect(gather == expected)
        #expect(try file.cube(geometry: geometry).count == file.traceCount * file.sampleCount)
        // An inline at the second offset holds that offset's traces.
        let second = try file.inline(il, offset: geometry.offsets[1], geometry: geometry)
        let t = try #require(geometry.traceIndex(inline: il, crossline: geometry.crosslines[0], offset: geometry.offsets[1]))
        #expect(Array(second.prefix(file.sampleCount)) == (try file.trace(t)))
    }

    /// A survey irregular at one trace that no sample reads: the sampled geometry is returned,
    /// a line read through that trace finds it, and the full check rejects the file at once.
    @Test func sampledGeometryIsVerifiedLazily() throws {
        let (inlines, crosslines) = (40, 40)
        let path = temporaryPath(".sgy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try SEGYWriter(path: path, spec: SEGYSpec(sampleCount: 8))
        for il in 0..<inlines {
            for xl in 0..<crosslines {
                var header = TraceHeader()
                try header.setValue(100 + il, for: .inline)
                try header.setValue(500 + xl, for: .crossline)
                try writer.append(header: header, samples: [Float](repeating: Float(il), count: 8))
            }
        }
        try writer.close()
        let n = inlines * crosslines
        let sampled = Set((0...64).map { $0 == 64 ? n - 1 : $0 * (n - 1) / 64 })
        let broken = try #require((crosslines..<n).first { !sampled.contains($0) && $0 % crosslines != 0 })
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let clean = try SEGYFile(bytes: bytes)
        let geometry = try clean.geometry()
        let full = try clean.geometry(verification: .full)
        #expect(!geometry.isFullyVerified && geometry == full)
        #expect(try clean.geometry(verification: .full).isFullyVerified)
        let offset = clean.layout.headerOffset(broken) + 188
        bytes[offset + 3] ^= 0x7F
        let file = try SEGYFile(bytes: bytes)
        let lazy = try file.geometry()
        let line = 100 + broken / crosslines
        do {
            _ = try file.inline(line, geometry: lazy)
            Issue.record("a line through an irregular trace was read")
        } catch let error as SEGYError {
            #expect(error.code == .noGeometry && error.traceIndex == broken)
        }
        _ = try file.inline(line == 100 ? 101 : 100, geometry: lazy)
        #expect(throws: SEGYError.self) { try file.geometry(verification: .full) }
        #expect(try file.geometryReport() != nil)
    }

    @Test(arguments: ["small-ps-dec-il-xl-off.sgy", "small-ps-dec-xl-inc-il-off.sgy", "Mx1.sgy", "1xN.sgy", "1x1.sgy"])
    func everyTraceIsWhereGeometrySays(name: String) throws {
        let file = try SEGYFile(path: TestData.path(name))
        let geometry = try file.geometry()
        for t in 0..<file.traceCount {
            let h = try file.traceHeader(t)
            #expect(geometry.traceIndex(inline: h.inline, crossline: h.crossline, offset: h.offset) == t)
        }
        let cube = try file.cube(geometry: geometry)
        let first = try #require(geometry.traceIndex(inline: geometry.inlines[0], crossline: geometry.crosslines[0], offset: geometry.offsets[0]))
        #expect(Array(cube.prefix(file.sampleCount)) == (try file.trace(first)))
    }

    @Test func irregularSurveyGivesReportAndSparseIndex() throws {
        let file = try SEGYFile(path: TestData.path("shot-gather.sgy"))
        do {
            _ = try file.geometry()
            Issue.record("shot-gather.sgy has no regular inline/crossline geometry")
        } catch let error as SEGYError {
            #expect(error.code == .noGeometry && !error.message.isEmpty)
        }
        let report = try #require(try file.geometryReport())
        #expect(report.traceIndices.values.reduce(0) { $0 + $1.count } == file.traceCount)
        // Other header words: field record and trace number describe the shot gathers.
        let records = Set(try file.headerValues(.fieldRecord))
        #expect(records == [2, 3, 5, 8])
        let byRecord = try file.geometryReport(inline: .fieldRecord, crossline: .traceNumber)
        #expect(byRecord == nil || byRecord!.inlines == [2, 3, 5, 8])
    }

    @Test func customHeaderWordsDefineGeometry() throws {
        // In small.sgy, CDP numbers are not set, but inline and crossline can be read from any words.
        let file = try SEGYFile(path: TestData.path("small.sgy"))
        let byName = try file.geometry(inline: .inline, crossline: .crossline)
        let byOffset = try file.geometry(inline: HeaderField(name: "il", byteOffset: 189, width: 4),
                                         crossline: HeaderField(name: "xl", byteOffset: 193, width: 4))
        #expect(byName == byOffset)
        let swapped = try file.geometry(inline: .crossline, crossline: .inline)
        #expect(swapped.sorting == .crossline && swapped.inlines == byName.crosslines)
    }

    @Test func streamingVisitsEveryTraceOnce() throws {
        let file = try SEGYFile(path: TestData.path("f3.sgy"))
        var seen = 0
        var sum = 0.0
        try file.forEachTrace { index, header, samples in
            #expect(index == seen)
            let again = try file.traceHeader(index)
            #expect(header.inline == again.inline)
            sum += samples.reduce(0) { $0 + Double($1) }
            seen += 1
        }
        #expect(seen == file.traceCount)
        #expect(sum == (try file.traces()).reduce(0) { $0 + Double($1) })
    }

    @Test func strictValidationRejectsLong() throws {
        _ = try SEGYFile(path: TestData.path("long.sgy"))
        do {
            _ = try SEGYFile(path: TestData.path("long.sgy"), validation: .strict)
            Issue.record("long.sgy passed strict validation")
        } catch let error as SEGYError {
            #expect(error.code == .invalidHeader && error.byteOffset == 3_600 + 240_240 + 114 && error.traceIndex == 1)
        }
        _ = try SEGYFile(path: TestData.path("small.sgy"), validation: .strict)
    }

    @Test func outOfRangeQueriesThrow() throws {
        let file = try SEGYFile(path: TestData.path("small.sgy"))
        let geometry = try file.geometry()
        #expect(throws: SEGYError.self) { try file.trace(25) }
        #expect(throws: SEGYError.self) { try file.traceHeader(-1) }
        #expect(throws: SEGYError.self) { try file.inline(99, geometry: geometry) }
        #expect(throws: SEGYError.self) { try file.crossline(99, geometry: geometry) }
        #expect(throws: SEGYError.self) { try file.depthSlice(50, geometry: geometry) }
        #expect(throws: SEGYError.self) { try file.gather(inline: 1, crossline: 99, geometry: geometry) }
        #expect(throws: SEGYError.self) { try file.headerValues(.inline, traces: 20..<30) }
        #expect(throws: SEGYError.self) { try file.headerValues(HeaderField(name: "x", byteOffset: 239, width: 4)) }
    }
}
