import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import SEGYKit

/// Files written by SEGYWriter, read back by segyio once (Scripts/golden/generate_segy_written.py):
/// the writer must still produce those exact bytes, and segyio's reading of them must equal ours.
@Suite("Written files open in segyio")
struct WrittenFilesTests {
    struct Golden: Decodable {
        struct Entry: Decodable {
            var file_sha256: String
            var tracecount: Int
            var samples_sha256: String
            var headers_sha256: String
            var ilines: [Int]
            var xlines: [Int]
        }
        var files: [String: Entry]
    }

    static let variants: [(SampleFormat, ByteOrder)] = [.ibmFloat32, .int32, .int16, .ieeeFloat32, .ieeeFloat64, .int8, .int64, .uint32, .uint16, .uint64, .uint8]
        .flatMap { format in ByteOrder.allCases.map { (format, $0) } }

    static func name(_ format: SampleFormat, _ order: ByteOrder) -> String { "written-f\(format.rawValue)-\(order.rawValue).sgy" }

    @Test(arguments: variants)
    func writerOutputIsWhatSegyioRead(format: SampleFormat, order: ByteOrder) throws {
        let files = GoldenFiles()
        let name = Self.name(format, order)
        let committed = files.url("written/\(name)").path
        if GoldenFiles.isRecording {
            _ = try makeSurvey(format: format, order: order, path: committed)
            return
        }
        let golden = try #require(try files.load(Golden.self, "written.json").files[name])
        let fresh = temporaryPath(".sgy")
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        _ = try makeSurvey(format: format, order: order, path: fresh)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: fresh)))
        #expect(ContentSHA256.hash(bytes).hexString == golden.file_sha256)

        let file = try SEGYFile(path: committed)
        #expect(file.traceCount == golden.tracecount)
        #expect(ContentSHA256.hash(try file.traces().withUnsafeBytes { Array($0) }).hexString == golden.samples_sha256)
        var words: [Int64] = []
        for t in 0..<file.traceCount {
            let header = try file.traceHeader(t)
            words += try HeaderField.traceHeaderFields.map { Int64(try header[$0]) }
        }
        #expect(ContentSHA256.hash(words.withUnsafeBytes { Array($0) }).hexString == golden.headers_sha256)
        let geometry = try file.geometry()
        #expect(geometry.inlines == golden.ilines && geometry.crosslines == golden.xlines)
    }
}
