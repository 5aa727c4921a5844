import Foundation
import Testing
import ToolboxCore
@testable import SEGYKit

/// Hundreds of damaged variants of real files: every one must give a SEGYError or a file whose
/// every trace, header and geometry query works. Nothing may trap, hang or allocate from a
/// declared size the file cannot back.
@Suite("Malformed SEG-Y input")
struct MalformedInputTests {
    static let small = (try? Array(Data(contentsOf: URL(fileURLWithPath: TestData.path("small.sgy"))))) ?? []

    /// Opens the bytes and, if they open, exercises everything that reads the file.
    func exercise(_ bytes: [UInt8], _ note: String) {
        do {
            let file = try SEGYFile(bytes: bytes)
            #expect(file.layout.firstTraceOffset + file.traceCount * file.layout.traceBytes == bytes.count, "\(note)")
            _ = try file.traces()
            for t in 0..<file.traceCount { _ = try file.traceHeader(t) }
            _ = try file.headerValues(.inline)
            _ = file.sampleAxis()
            if let geometry = try? file.geometry(), let first = geometry.inlines.first {
                _ = try file.inline(first)
                _ = try file.depthSlice(0)
            } else {
                _ = try file.geometryReport()
            }
            _ = SEGYLint.check(file)
        } catch let error as SEGYError {
            #expect(!error.message.isEmpty, "\(note)")
        } catch {
            Issue.record("\(note): untyped error \(error)")
        }
    }

    func patched(_ offset: Int, _ bytes: [UInt8]) -> [UInt8] {
        // Without the conformance file every variant is just the patch, which must not open.
        guard Self.small.count >= offset + bytes.count else { return bytes }
        var copy = Self.small
        for (k, b) in bytes.enumerated() { copy[offset + k] = b }
        return copy
    }

    @Test func truncationsAtManyOffsets() throws {
        try #require(Self.small.count == 14_600, "small.sgy from Tests/TestData/segy is needed")
        var offsets = Array(0..<64) + Array(stride(from: 3_190, through: 3_610, by: 7)) + Array(stride(from: 3_600, to: Self.small.count, by: 97))
        offsets += [Self.small.count - 1, Self.small.count - 240]
        for length in offsets {
            exercise(Array(Self.small.prefix(length)), "truncated to \(length)")
        }
        do {
            _ = try SEGYFile(bytes: Array(Self.small.prefix(5_000)))
            Issue.record("a truncated file opened")
        } catch let error as SEGYError {
            #expect(error.code == .inconsistentSize && error.byteOffset == 3_600 + 3 * 440 && error.traceIndex == 3)
        } catch {
            Issue.record("expected a SEGYError, got \(error)")
        }
    }

    @Test func formatCodes() {
        for code in [Int16.min, -1, 0, 4, 13, 14, 17, 255, 256, Int16.max] {
            exercise(patched(3_224, withUnsafeBytes(of: code.bigEndian) { Array($0) }), "format \(code)")
        }
        do {
            _ = try SEGYFile(bytes: patched(3_224, [0, 13]))
            Issue.record("format 13 accepted")
        } catch let error as SEGYError {
            #expect(error.code == .unsupportedFormat && error.byteOffset == 3_224)
        } catch {
            Issue.record("expected a SEGYError, got \(error)")
        }
    }

    @Test func sampleCounts() {
        for count in [UInt16(0), 1, 49, 51, 1_000, 32_768, 65_535] {
            exercise(patched(3_220, withUnsafeBytes(of: count.bigEndian) { Array($0) }), "samples \(count)")
        }
        // Rev 2 with a huge 32-bit sample count: rejected without allocating it.
        var rev2 = patched(3_500, [2, 0])
        for (k, b) in withUnsafeBytes(of: Int32.max.bigEndian, { Array($0) }).enumerated() { rev2[3_268 + k] = b }
        exercise(rev2, "rev 2 sample count Int32.max")
        // Zero samples in both the binary and the first trace header.
        var zero = patched(3_220, [0, 0])
        zero[3_600 + 114] = 0
        zero[3_600 + 115] = 0
        do {
            _ = try SEGYFile(bytes: zero)
            Issue.record("zero samples accepted")
        } catch let error as SEGYError {
            #expect(error.code == .invalidHeader && error.byteOffset == 3_220)
        } catch {
            Issue.record("expected a SEGYError, got \(error)")
        }
    }

    @Test func intervalsAndExtendedHeaders() {
        for interval in [Int16.min, -4_000, -1, 0, Int16.max] {
            exercise(patched(3_216, withUnsafeBytes(of: interval.bigEndian) { Array($0) }), "interval \(interval)")
        }
        for count in [Int16.min, -2, -1, 1, 3, 4, 100, Int16.max] {
            exercise(patched(3_504, withUnsafeBytes(of: count.bigEndian) { Array($0) }), "extended headers \(count)")
        }
        do {
            _ = try SEGYFile(bytes: patched(3_504, [0x7F, 0xFF]))
            Issue.record("32767 extended headers accepted")
        } catch let error as SEGYError {
            #expect(error.code == .invalidHeader && error.byteOffset == 3_504)
        } catch {
            Issue.record("expected a SEGYError, got \(error)")
        }
    }

    @Test func rev2WordsAndRandomDamage() throws {
        try #require(!Self.small.isEmpty, "small.sgy from Tests/TestData/segy is needed")
        // Byte-order constant, revision, extra trace headers, first trace offset, trace count.
        for (offset, bytes) in [(3_296, [4, 3, 2, 1]), (3_296, [1, 2, 3, 4]), (3_500, [2, 0]), (3_506, [0x7F, 0xFF]),
                                (3_506, [0, 1]), (3_520, [0, 0, 0, 0, 0, 0, 0x0E, 0x10]), (3_520, [0xFF, 0, 0, 0, 0, 0, 0, 0]),
                                (3_512, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])] as [(Int, [UInt8])] {
            exercise(patched(offset, bytes), "rev 2 word at \(offset)")
            var both = patched(3_500, [2, 0])
            for (k, b) in bytes.enumerated() { both[offset + k] = b }
            exercise(both, "rev 2 with word at \(offset)")
        }
        var rng = SeededGenerator(seed: 2_026)
        for round in 0..<300 {
            var damaged = Self.small
            for _ in 0..<(1 + rng.nextInt(below: 8)) {
                // Mostly in the headers, where damage changes the layout.
                let position = rng.nextInt(below: 4) == 0 ? rng.nextInt(below: damaged.count) : 3_200 + rng.nextInt(below: 640)
                damaged[position] = UInt8(truncatingIfNeeded: rng.next())
            }
            exercise(damaged, "random damage round \(round)")
        }
    }

    @Test func emptyAndTinyInputs() {
        for bytes in [[UInt8](), [0], [UInt8](repeating: 0x40, count: 3_200), [UInt8](repeating: 0, count: 3_600)] {
            exercise(bytes, "\(bytes.count) bytes")
        }
        #expect(throws: SEGYError.self) { try SEGYFile(path: "/nonexistent/file.sgy") }
        #expect(throws: SEGYError.self) { try SEGYFile(path: FileManager.default.temporaryDirectory.path) }
    }
}
