import Foundation
import ToolboxCore

/// Little-endian reading of a byte buffer that checks every size against what is left before
/// allocating, and names the byte offset of anything wrong.
struct ByteReader {
    let bytes: [UInt8]
    let path: String
    private(set) var offset = 0

    init(_ bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    func error(_ message: String, at position: Int? = nil) -> ToolboxError {
        ToolboxError(.corruptArchive, "\(path): \(message) at byte \(position ?? offset)", context: ErrorContext(path: path, byteOffset: position ?? offset))
    }

    mutating func require(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= remaining else {
            throw error("\(what) needs \(count) bytes but \(remaining) remain")
        }
    }

    mutating func bytes(_ count: Int, _ what: String) throws -> ArraySlice<UInt8> {
        try require(count, what)
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func uint32(_ what: String) throws -> UInt32 {
        let slice = try bytes(4, what)
        return slice.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint64(_ what: String) throws -> UInt64 {
        let slice = try bytes(8, what)
        return slice.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func int64(_ what: String) throws -> Int64 { Int64(bitPattern: try uint64(what)) }

    mutating func int32(_ what: String) throws -> Int32 { Int32(bitPattern: try uint32(what)) }

    mutating func byte(_ what: String) throws -> UInt8 { try bytes(1, what).first! }

    mutating func fourcc() throws -> String {
        String(decoding: try bytes(4, "a four-character code"), as: UTF8.self)
    }

    /// A count read from the file, as an Int within `limit`.
    mutating func count(_ what: String, limit: Int) throws -> Int {
        let position = offset
        let value = try uint64(what)
        guard value <= UInt64(limit) else { throw error("\(what) is \(value), more than \(limit)", at: position) }
        return Int(value)
    }

    /// `count` values of `size` bytes each, checked against the remaining bytes first.
    mutating func span(_ count: Int, size: Int, _ what: String) throws -> ArraySlice<UInt8> {
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else { throw error("\(what): \(count) values overflow") }
        return try bytes(total, what)
    }

    mutating func floats(_ count: Int, _ what: String) throws -> [Float] {
        let raw = try span(count, size: 4, what)
        return Self.load(raw, count: count) { Float(bitPattern: UInt32(littleEndian: $0)) }
    }

    mutating func int64s(_ count: Int, _ what: String) throws -> [Int64] {
        let raw = try span(count, size: 8, what)
        return Self.load(raw, count: count) { Int64(littleEndian: $0) }
    }

    /// `count` little-endian values: copied as they are on a little-endian machine.
    private static func load<Raw: FixedWidthInteger, Value>(_ raw: ArraySlice<UInt8>, count: Int, _ convert: (Raw) -> Value) -> [Value] {
        raw.withUnsafeBytes { buffer in
            #if _endian(little)
            return [Value](unsafeUninitializedCapacity: count) { out, initialized in
                if count > 0 { UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: buffer.baseAddress!, byteCount: count * MemoryLayout<Raw>.size) }
                initialized = count
            }
            #else
            return (0..<count).map { convert(buffer.loadUnaligned(fromByteOffset: $0 * MemoryLayout<Raw>.size, as: Raw.self)) }
            #endif
        }
    }
}

/// Little-endian writing into a growing buffer.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func uint32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func uint64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int64(_ value: Int64) { uint64(UInt64(bitPattern: value)) }
    mutating func int32(_ value: Int32) { uint32(UInt32(bitPattern: value)) }
    mutating func byte(_ value: UInt8) { bytes.append(value) }
    mutating func fourcc(_ code: String) { bytes.append(contentsOf: Array(code.utf8)) }
    mutating func floats(_ values: [Float]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for value in values { uint32(value.bitPattern) }
        #endif
    }

    mutating func int64s(_ values: [Int64]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for value in values { int64(value) }
        #endif
    }
}
