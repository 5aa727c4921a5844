/// Reads, writes and range-checks header words in a header's bytes. Trace and binary headers
/// share it; they differ only in the byte number of their first byte (1 and 3201) and size.
struct HeaderWords {
    /// The 1-based byte number of `bytes[0]`.
    let first: Int
    let size: Int
    /// How errors name the header ("trace header", "binary header").
    let name: String

    func check(byteOffset: Int, width: Int) throws {
        guard [1, 2, 4, 8].contains(width), byteOffset >= first, byteOffset - first + width <= size else {
            throw SEGYError(.invalidArgument,
                            "no \(width)-byte word at \(name) byte \(byteOffset) (\(first)...\(first + size - 1))")
        }
    }

    /// Reads `field`, which must lie inside the header.
    /// - Throws: ``SEGYError/Code/invalidArgument`` for a word outside the header, as segyio
    ///   raises `KeyError`: never a silent 0.
    func value(_ bytes: [UInt8], _ field: HeaderField, order: ByteOrder) throws -> Int64 {
        try check(byteOffset: field.byteOffset, width: field.width)
        return read(bytes, field, order: order)
    }

    /// Reads a word known to lie inside the header (the standard fields).
    func read(_ bytes: [UInt8], _ field: HeaderField, order: ByteOrder) -> Int64 {
        let at = field.byteOffset - first
        precondition(at >= 0 && at + field.width <= bytes.count, "\(field.name) is not a \(name) word")
        return bytes.withUnsafeBytes { ByteReader($0.baseAddress!, order).field(at: at, width: field.width, signed: field.signed) }
    }

    /// Stores `value` in `field`; it must fit the word's width and sign.
    func write(_ value: Int64, _ field: HeaderField, into bytes: inout [UInt8], order: ByteOrder) throws {
        try check(byteOffset: field.byteOffset, width: field.width)
        let fits: Bool = switch (field.width, field.signed) {
        case (1, true): Int8(exactly: value) != nil
        case (1, false): UInt8(exactly: value) != nil
        case (2, true): Int16(exactly: value) != nil
        case (2, false): UInt16(exactly: value) != nil
        case (4, true): Int32(exactly: value) != nil
        case (4, false): UInt32(exactly: value) != nil
        default: true
        }
        guard fits else {
            throw SEGYError(.invalidArgument, "\(value) does not fit the \(field.width)-byte word \(field.name) at byte \(field.byteOffset)")
        }
        let at = field.byteOffset - first
        switch field.width {
        case 1: bytes[at] = UInt8(truncatingIfNeeded: value)
        case 2: bytes.store(UInt16(truncatingIfNeeded: value), at: at, order: order)
        case 4: bytes.store(UInt32(truncatingIfNeeded: value), at: at, order: order)
        default: bytes.store(UInt64(bitPattern: value), at: at, order: order)
        }
    }
}
