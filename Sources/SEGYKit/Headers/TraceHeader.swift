/// One 240-byte trace header, as stored in the file, with every word readable by name
/// (``HeaderField``) or by byte offset.
///
/// ```swift
/// let header = try file.traceHeader(0)
/// header.inline, header[.cdpX], try header.value(atByteOffset: 233, width: 4)
/// ```
public struct TraceHeader: Sendable, Hashable {
    /// The 240 bytes in file order.
    public internal(set) var bytes: [UInt8]
    /// The byte order of `bytes`.
    public let byteOrder: ByteOrder

    /// The size of a standard trace header.
    public static let byteCount = 240

    /// Wraps 240 header bytes.
    public init(bytes: [UInt8], byteOrder: ByteOrder) throws {
        guard bytes.count == Self.byteCount else {
            throw SEGYError(.invalidArgument, "a trace header is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
        self.byteOrder = byteOrder
    }

    /// An all-zero header.
    public init(byteOrder: ByteOrder = .bigEndian) {
        bytes = [UInt8](repeating: 0, count: Self.byteCount)
        self.byteOrder = byteOrder
    }

    /// The value of a header word.
    public subscript(field: HeaderField) -> Int {
        get { Int(read(field)) }
        set { try? setValue(Int64(newValue), for: field) }
    }

    /// A word at any 1-based byte offset and width (1, 2, 4 or 8), for non-standard layouts.
    /// - Throws: ``SEGYError/Code/invalidArgument`` when the word does not fit in the header.
    public func value(atByteOffset byteOffset: Int, width: Int, signed: Bool = true) throws -> Int64 {
        try check(byteOffset: byteOffset, width: width)
        return read(HeaderField(name: "raw", byteOffset: byteOffset, width: width, signed: signed))
    }

    /// Sets a word; the value must fit its width.
    /// - Throws: ``SEGYError/Code/invalidArgument`` for a word outside the header or a value that does not fit.
    public mutating func setValue(_ value: Int64, for field: HeaderField) throws {
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
        let at = field.byteOffset - 1
        switch field.width {
        case 1: bytes[at] = UInt8(truncatingIfNeeded: value)
        case 2: bytes.store(UInt16(truncatingIfNeeded: value), at: at, order: byteOrder)
        case 4: bytes.store(UInt32(truncatingIfNeeded: value), at: at, order: byteOrder)
        default: bytes.store(UInt64(bitPattern: value), at: at, order: byteOrder)
        }
    }

    func read(_ field: HeaderField) -> Int64 {
        guard field.byteOffset >= 1, field.byteOffset - 1 + field.width <= bytes.count else { return 0 }
        return bytes.withUnsafeBytes { ByteReader($0.baseAddress!, byteOrder).field(at: field.byteOffset - 1, width: field.width, signed: field.signed) }
    }

    private func check(byteOffset: Int, width: Int) throws {
        guard [1, 2, 4, 8].contains(width), byteOffset >= 1, byteOffset - 1 + width <= Self.byteCount else {
            throw SEGYError(.invalidArgument, "no \(width)-byte word at trace header byte \(byteOffset) (1...\(Self.byteCount))")
        }
    }

    /// The header with its bytes in the other order.
    func converted(to order: ByteOrder) -> TraceHeader {
        guard order != byteOrder else { return self }
        var copy = TraceHeader(byteOrder: order)
        for field in HeaderField.traceHeaderFields { try? copy.setValue(read(field), for: field) }
        return copy
    }
}

extension TraceHeader {
    public var inline: Int { self[.inline] }
    public var crossline: Int { self[.crossline] }
    public var offset: Int { self[.offset] }
    public var cdp: Int { self[.cdp] }
    public var sampleCount: Int { self[.sampleCount] }
    public var sampleInterval: Int { self[.sampleInterval] }
    public var delayRecordingTime: Int { self[.delayRecordingTime] }

    /// `cdpX` and `cdpY` with the coordinate scalar (byte 71) applied: a positive scalar
    /// multiplies, a negative one divides by its magnitude, zero means 1.
    public var cdpCoordinates: (x: Double, y: Double) {
        let scalar = Double(self[.coordinateScalar])
        let factor = scalar == 0 ? 1 : (scalar > 0 ? scalar : 1 / -scalar)
        return (Double(self[.cdpX]) * factor, Double(self[.cdpY]) * factor)
    }
}
