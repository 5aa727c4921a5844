import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import SEGYKit

/// segyio's view of every conformance file, written by Scripts/golden/generate_segy.py.
struct SegyioGolden: Decodable {
    struct File: Decodable {
        var endian: String
        var opened: Bool
        var error: String?
        var geometry_error: String?
        var tracecount: Int?
        var samplecount: Int?
        var format: Int?
        var ext_headers: Int?
        var samples_axis: [Double]?
        var samples_axis_last: Double?
        var bin: [String: Int]?
        var text: String?
        var ext_text: [String]?
        var unstructured: Bool?
        var sorting: Int?
        var ilines: [Int]?
        var xlines: [Int]?
        var offsets: [Int]?
        var header_fields: [Int]?
        var headers_sha256: String?
        var first_header: [Int]?
        var samples_sha256: String?
        var first_trace: [Double]?
    }
    var files: [String: File]
}

enum TestData {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TestData/segy")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static let golden: SegyioGolden = {
        // A missing golden file is a test failure below, not a crash here.
        (try? GoldenFiles(testFile: #filePath).load(SegyioGolden.self, "segyio.json")) ?? SegyioGolden(files: [:])
    }()
}

@Suite("SEG-Y files against segyio")
struct ConformanceTests {
    static let openedNames = TestData.golden.files.filter { $0.value.opened && $0.key.hasSuffix(".sgy") }.keys.sorted()
    static let rejectedNames = TestData.golden.files.filter { !$0.value.opened }.keys.sorted()

    @Test func goldenIsPresent() {
        #expect(Self.openedNames.count >= 50)
    }

    @Test(arguments: openedNames)
    func matchesSegyio(name: String) throws {
        let golden = try #require(TestData.golden.files[name])
        let order: ByteOrder = golden.endian == "little" ? .littleEndian : .bigEndian
        let file = try SEGYFile(path: TestData.path(name), byteOrder: order)
        #expect(file.traceCount == golden.tracecount)
        #expect(file.sampleCount == golden.samplecount)
        #expect(file.binaryHeader.formatCode == golden.format)
        #expect(file.extendedTextHeaders.count == golden.ext_headers)

        // Every binary header word segyio reports.
        for (key, value) in golden.bin ?? [:] {
            let field = try #require(HeaderField.binaryHeaderField(at: Int(key)!), "no binary field at \(key)")
            #expect(try file.binaryHeader[field] == value, "binary header word \(key)")
        }
        // segyio decodes every textual header as EBCDIC, even ASCII ones; compare that view
        // (``TextHeader/text`` detects the encoding instead).
        #expect(file.textHeader.text(as: .ebcdic) == golden.text)
        #expect(file.extendedTextHeaders.map { $0.text(as: .ebcdic) } == golden.ext_text ?? [])

        let axis = file.sampleAxis()
        #expect(Array(axis.prefix(8)) == golden.samples_axis)
        #expect(axis.last == golden.samples_axis_last)

        // Every header word of every trace, through a digest of segyio's int64 table.
        let fields = try (golden.header_fields ?? []).map { try #require(HeaderField.traceHeaderField(at: $0)) }
        var words: [Int64] = []
        for t in 0..<file.traceCount {
            let header = try file.traceHeader(t)
            words += try fields.map { Int64(try header[$0]) }
        }
        if let first = golden.first_header, file.traceCount > 0 {
            #expect(Array(words.prefix(fields.count)).map(Int.init) == first)
        }
        #expect(ContentSHA256.hash(words.withUnsafeBytes { Array($0) }).hexString == golden.headers_sha256)

        // Every sample, bit for bit, through a digest of segyio's float32 array.
        if let digest = golden.samples_sha256 {
            let samples = try file.traces()
            #expect(ContentSHA256.hash(samples.withUnsafeBytes { Array($0) }).hexString == digest)
            if let first = golden.first_trace, file.traceCount > 0 {
                #expect(try file.trace(0).map(Double.init) == first)
            }
        }

        // Geometry: the same sorting and line numbers, or no regular geometry where segyio found none.
        if golden.geometry_error != nil {
            #expect(throws: SEGYError.self) { try file.geometry() }
            #expect(try file.geometryReport() != nil)
        } else if golden.unstructured == false {
            let geometry = try file.geometry()
            #expect(geometry.sorting.rawValue == golden.sorting)
            #expect(geometry.inlines == golden.ilines)
            #expect(geometry.crosslines == golden.xlines)
            #expect(geometry.offsets == golden.offsets)
        }
    }

    @Test(arguments: openedNames)
    func byteOrderIsDetected(name: String) throws {
        let golden = try #require(TestData.golden.files[name])
        let file = try SEGYFile(path: TestData.path(name))
        #expect(file.byteOrder.rawValue == golden.endian)
    }

    @Test(arguments: rejectedNames)
    func filesSegyioRejectsGiveTypedErrorsOrOpen(name: String) throws {
        // Either a clear SEGYError, or (rev 2 files segyio 1.9 cannot read) a file whose
        // layout is consistent. Never a crash.
        do {
            let file = try SEGYFile(path: TestData.path(name))
            #expect(file.layout.firstTraceOffset + file.traceCount * file.layout.traceBytes == file.byteCount)
            _ = try file.traces()
        } catch let error as SEGYError {
            #expect(!error.message.isEmpty)
            #expect(error.byteOffset != nil)
        }
    }

    @Test func asciiTextHeaderIsDetected() throws {
        let file = try SEGYFile(path: TestData.path("delay-scalar.sgy"))
        #expect(file.textHeader.encoding == .ascii)
        #expect(file.textHeader.lines[0].hasPrefix("C"))
        let ebcdic = try SEGYFile(path: TestData.path("small.sgy"))
        #expect(ebcdic.textHeader.encoding == .ebcdic)
        #expect(ebcdic.textHeader.lines[0].hasPrefix("C 1 DATE"))
    }

    @Test func brokenFileNamesTheProblem() throws {
        do {
            _ = try SEGYFile(path: TestData.path("broken.sgy"))
            Issue.record("broken.sgy opened")
        } catch let error as SEGYError {
            #expect(error.code == .inconsistentSize)
            #expect(error.byteOffset != nil && error.path?.hasSuffix("broken.sgy") == true)
        }
    }
}

@Suite("Textual headers")
struct TextHeaderTests {
    struct Table: Decodable { var ebcdic_to_ascii: [Int] }

    @Test func ebcdicTableIsSegyios() throws {
        let golden = try GoldenFiles().load(Table.self, "segyio.json")
        #expect(EBCDIC.toASCII.map(Int.init) == golden.ebcdic_to_ascii)
        #expect((0..<256).allSatisfy { EBCDIC.fromASCII[Int(EBCDIC.toASCII[$0])] == UInt8($0) })
    }

    @Test func encodingDetectionAndLines() {
        let header = TextHeader(text: "C 1 CLIENT DS TOOLBOX", encoding: .ebcdic)
        #expect(TextHeader(bytes: header.bytes).encoding == .ebcdic)
        #expect(header.lines[0] == "C 1 CLIENT DS TOOLBOX")
        #expect(header.lines.count == 40)
        let ascii = TextHeader(text: "C 1 ASCII", encoding: .ascii)
        #expect(TextHeader(bytes: ascii.bytes).encoding == .ascii)
        #expect(ascii.text.hasPrefix("C 1 ASCII"))
    }
}
