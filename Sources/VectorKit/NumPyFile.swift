import Foundation
import ToolboxCore

/// NumPy `.npy` files of vectors: what Python users hand over (`np.save("x.npy", x)`).
///
/// Reads C-ordered 2-D arrays (n × d; a 1-D array is one vector) of little-endian float32
/// (`<f4`), or of float64 (`<f8`) when `allowLossy` says the rounding to float32 is wanted.
public enum NumPyFile {
    /// The largest file read: 64 GiB.
    public static let maximumFileSize = 1 << 36

    /// The vectors (row-major) and their dimension.
    /// - Throws: `ToolboxError/Code/parseError` for a file that is not an `.npy` array of the
    ///   supported kinds (naming what is wrong and the byte offset), `ToolboxError/Code/invalidData`
    ///   for float64 without `allowLossy`, or a declared shape the file does not hold.
    public static func readVectors(_ path: String, allowLossy: Bool = false) throws -> (values: [Float], dimension: Int) {
        let bytes = try RegularFile.read(path, limit: maximumFileSize)
        func fail(_ message: String, at offset: Int) -> ToolboxError {
            ToolboxError(.parseError, "\(path): \(message)", context: ErrorContext(path: path, byteOffset: offset))
        }
        guard bytes.count >= 10, bytes.starts(with: [0x93] + Array("NUMPY".utf8)) else { throw fail("not a NumPy .npy file (no \\x93NUMPY magic)", at: 0) }
        let major = bytes[6]
        var headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header", at: bytes.count) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("format version \(major) is not 1, 2 or 3", at: 6)
        }
        guard headerLength <= bytes.count - headerStart, headerLength <= 1 << 20 else { throw fail("the header runs past the end", at: 8) }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let dataStart = headerStart + headerLength
        func field(_ name: String) -> String? {
            guard let key = header.range(of: "'\(name)':") else { return nil }
            var rest = header[key.upperBound...].drop { $0 == " " }
            if rest.first == "(" {
                guard let close = rest.firstIndex(of: ")") else { return nil }
                return String(rest[...close])
            }
            rest = rest.prefix { $0 != "," && $0 != "}" }
            return rest.trimmingCharacters(in: .whitespaces)
        }
        guard let descr = field("descr")?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) else { throw fail("the header has no descr", at: headerStart) }
        guard field("fortran_order") == "False" else {
            throw fail("the array is in Fortran order; save it C-ordered (np.ascontiguousarray)", at: headerStart)
        }
        guard let shapeText = field("shape") else { throw fail("the header has no shape", at: headerStart) }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try dims.map { text -> Int in
            guard let value = Int(text), value >= 0 else { throw fail("shape \(shapeText) is not a list of sizes", at: headerStart) }
            return value
        }
        let (rows, dimension): (Int, Int)
        switch shape.count {
        case 1: (rows, dimension) = (1, shape[0])
        case 2: (rows, dimension) = (shape[0], shape[1])
        default: throw fail("shape \(shapeText): vectors are a 2-D array (n, d) or one 1-D vector", at: headerStart)
        }
        guard dimension >= 1, dimension <= 65_536 else { throw fail("dimension \(dimension) is outside 1...65536", at: headerStart) }
        let width: Int
        switch descr {
        case "<f4", "=f4", "|f4": width = 4
        case "<f8", "=f8":
            guard allowLossy else {
                throw ToolboxError(.invalidData, "\(path) holds float64 values; vectors are float32 (as in FAISS). Convert with .astype('float32'), or allow the rounding (--allow-lossy)",
                                   context: ErrorContext(path: path, parameter: "descr"))
            }
            width = 8
        default:
            throw fail("dtype \(descr) is not little-endian float32 (<f4) or float64 (<f8)", at: headerStart)
        }
        let (count, overflow1) = rows.multipliedReportingOverflow(by: dimension)
        let (size, overflow2) = count.multipliedReportingOverflow(by: width)
        guard !overflow1, !overflow2, size == bytes.count - dataStart else {
            throw ToolboxError(.invalidData, "\(path): shape \(shapeText) needs \(overflow1 || overflow2 ? "more" : String(size)) bytes of data, the file has \(bytes.count - dataStart)",
                               context: ErrorContext(path: path, byteOffset: dataStart))
        }
        var reader = ByteReader(bytes, path: path)
        _ = try reader.bytes(dataStart, "the header")
        if width == 4 { return (try reader.floats(count, "the values"), dimension) }
        let doubles = try reader.span(count, size: 8, "the values")
        let values = doubles.withUnsafeBytes { buffer in
            (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
        }
        return (values, dimension)
    }

    /// Writes n × d float32 vectors as a version 1 `.npy` file, replacing `path` atomically.
    public static func write(_ values: [Float], dimension: Int, to path: String) throws {
        let rows = dimension > 0 ? values.count / dimension : 0
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(dimension)), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out = ByteWriter()
        out.bytes.append(contentsOf: [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = header.utf8.count
        out.bytes.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        out.bytes.append(contentsOf: Array(header.utf8))
        out.floats(values)
        try RegularFile.replace(path, with: out.bytes)
    }
}
