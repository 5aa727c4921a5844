import Foundation
import Testing
import ToolboxCore
@testable import SEGYKit

/// The classes of hostile input found by a corpus of malformed files: absurd declared sizes,
/// unterminated extended headers, special files, outputs that are not files, lossy conversions.
/// Each must give a typed error naming where, in bounded memory, and destroy nothing.
@Suite("Hostile SEG-Y input")
struct HostileInputTests {
    static let small = (try? Array(Data(contentsOf: URL(fileURLWithPath: TestData.path("small.sgy"))))) ?? []

    func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("segy-hostile-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func anAbsurdSampleCountIsCheckedAgainstTheBytesPresent() throws {
        try #require(Self.small.count == 14_600)
        var header = Array(Self.small.prefix(3_600))
        header[3_500] = 2
        header[3_501] = 0
        for (k, byte) in withUnsafeBytes(of: Int32.max.bigEndian, { Array($0) }).enumerated() { header[3_268 + k] = byte }
        do {
            _ = try SEGYFile(bytes: header)
            Issue.record("a 3,600-byte file declaring 2^31 samples per trace opened")
        } catch let error as SEGYError {
            #expect(error.code == .inconsistentSize && error.byteOffset == 3_268)
        }
        // A 16-bit count with no traces stays a valid (empty) file, as segyio opens it.
        var empty = Array(Self.small.prefix(3_600))
        empty[3_220] = 0xFF
        empty[3_221] = 0xFF
        let file = try SEGYFile(bytes: empty)
        #expect(file.traceCount == 0 && file.sampleAxis().count == 65_535)
    }

    @Test func anUnterminatedExtendedHeaderRunIsRejectedAtItsEnd() throws {
        try #require(Self.small.count == 14_600)
        var bytes = Array(Self.small.prefix(3_600))
        bytes[3_504] = 0xFF
        bytes[3_505] = 0xFF
        bytes += [UInt8](repeating: 0x40, count: 30 * 1_048_576)
        do {
            _ = try SEGYFile(bytes: bytes)
            Issue.record("30 MB of extended headers without an end stanza opened")
        } catch let error as SEGYError {
            #expect(error.code == .truncated)
            #expect(error.byteOffset == 3_600 + (bytes.count - 3_600) / 3_200 * 3_200)
        }
        // The stanza in EBCDIC, spaced and in capitals, ends the run.
        var ended = Array(Self.small.prefix(3_600))
        ended[3_504] = 0xFF
        ended[3_505] = 0xFF
        var stanza = [UInt8](repeating: 0x40, count: 3_200)
        let text: [UInt8] = [0x4D, 0x4D, 0xE2, 0xC5, 0xC7, 0x7A, 0x40, 0xC5, 0xD5, 0xC4, 0xE3, 0xC5, 0xE7, 0xE3, 0x5D, 0x5D]   // ((SEG: EndText))
        for (k, byte) in text.enumerated() { stanza[k] = byte }
        ended += [UInt8](repeating: 0x40, count: 3_200) + stanza
        let file = try SEGYFile(bytes: ended)
        #expect(file.extendedTextHeaders.count == 2 && file.traceCount == 0)
    }

    @Test func specialFilesAreRefusedWithoutWaiting() throws {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/pipe.sgy"
        #expect(mkfifo(fifo, 0o644) == 0)
        for path in [fifo, folder, "/dev/zero"] {
            do {
                _ = try SEGYFile(path: path)
                Issue.record("\(path) opened")
            } catch let error as SEGYError {
                #expect(error.code == .io && error.path == path)
            }
        }
        #expect(throws: SEGYError.self) { try SEGYWriter(path: fifo, spec: SEGYSpec(sampleCount: 4)) }
    }

    @Test func convertNeverReplacesADirectory() throws {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let target = folder + "/out.sgy"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target + "/precious.txt"))
        let source = try SEGYFile(path: TestData.path("small.sgy"))
        do {
            try source.convert(to: target, byteOrder: .littleEndian)
            Issue.record("a directory was replaced")
        } catch let error as SEGYError {
            #expect(error.code == .io && error.message.contains("directory"))
        }
        #expect(FileManager.default.contents(atPath: target + "/precious.txt") == Data("keep".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.sgy"])
    }

    @Test func lossyConversionsNeedPermissionAndReportTheLargestChange() throws {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = try SEGYFile(path: TestData.path("small.sgy"))
        let out = folder + "/int16.sgy"
        try Data("old".utf8).write(to: URL(fileURLWithPath: out))
        do {
            try source.convert(to: out, format: .int16)
            Issue.record("floats were rounded to int16 silently")
        } catch let error as SEGYError {
            #expect(error.code == .lossyConversion && error.traceIndex == 0 && error.byteOffset != nil)
        }
        // Nothing was written: the old file is intact, no temporary file is left.
        #expect(FileManager.default.contents(atPath: out) == Data("old".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["int16.sgy"])
        let largest = try source.convert(to: out, format: .int16, allowLossy: true)
        let samples = try source.traces(), rounded = try SEGYFile(path: out).traces()
        let expected = zip(samples, rounded).map { abs(Double($0) - Double($1)) }.max() ?? 0
        #expect(largest == expected && largest > 0 && largest <= 0.5)
        // Lossless conversions need no permission and report no change.
        #expect(try source.convert(to: folder + "/f64.sgy", format: .ieeeFloat64) == 0)
    }
}
