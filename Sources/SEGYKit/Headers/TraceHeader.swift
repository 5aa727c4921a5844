/// One 240-byte trace header, as stored in the file, with every word readable by name
/// (``HeaderField``) or by byte offset.
///
/// ```swift
/// let header = try file.traceHeader(0)
/// header.inline, try header[.cdpX], try header.value(atByteOffset: 233, width: 4)
/// try header.setValue(42, for: .shotPoint)
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

    /// The value of a header word; set words with `setValue(_:for:)`.
    /// - Throws: ``SEGYError/Code/invalidArgument`` for a word outside the trace header (a
    ///   binary header field, say), as segyio raises `KeyError`.
    public subscript(field: HeaderField) -> Int {
        get throws { Int(try Self.words.value(bytes, field, order: byteOrder)) }
    }

    static let words = HeaderWords(first: 1, size: byteCount, name: "trace header")

    /// A word at any 1-based byte offset and width (1, 2, 4 or 8), for non-standard layouts.
    /// - Throws: ``SEGYError/Code/invalidArgument`` when the word does not fit in the header.
    public func value(atByteOffset byteOffset: Int, width: Int, signed: Bool = true) throws -> Int64 {
        try Self.words.check(byteOffset: byteOffset, width: width)
        return read(HeaderField(name: "raw", byteOffset: byteOffset, width: width, signed: signed))
    }

    /// Sets a word; the value must fit its width.
    /// - Throws: ``SEGYError/Code/invalidArgument`` for a word outside the header or a value that does not fit.
    public mutating func setValue(_ value: Int64, for field: HeaderField) throws {
        try Self.words.write(value, field, into: &bytes, order: byteOrder)
    }

    /// Sets a word; the value must fit its width.
    /// - Throws: ``SEGYError/Code/invalidArgument`` for a word outside the header or a value that does not fit.
    public mutating func setValue(_ value: Int, for field: HeaderField) throws {
        try setValue(Int64(value), for: field)
    }

    func read(_ field: HeaderField) -> Int64 {
        Self.words.read(bytes, field, order: byteOrder)
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
    /// The inline number (bytes 189–192).
    public var inline: Int { Int(read(.inline)) }
    /// The crossline number (bytes 193–196).
    public var crossline: Int { Int(read(.crossline)) }
    /// Source-receiver offset (bytes 37–40).
    public var offset: Int { Int(read(.offset)) }
    /// The CDP ensemble number (bytes 21–24).
    public var cdp: Int { Int(read(.cdp)) }
    /// Samples in this trace (bytes 115–116).
    public var sampleCount: Int { Int(read(.sampleCount)) }
    /// Sample interval of this trace in microseconds (bytes 117–118).
    public var sampleInterval: Int { Int(read(.sampleInterval)) }
    /// Delay recording time in milliseconds (bytes 109–110).
    public var delayRecordingTime: Int { Int(read(.delayRecordingTime)) }

    /// `cdpX` and `cdpY` with the coordinate scalar (byte 71) applied: a positive scalar
    /// multiplies, a negative one divides by its magnitude, zero means 1.
    public var cdpCoordinates: (x: Double, y: Double) {
        let scalar = Double(read(.coordinateScalar))
        let factor = scalar == 0 ? 1 : (scalar > 0 ? scalar : 1 / -scalar)
        return (Double(read(.cdpX)) * factor, Double(read(.cdpY)) * factor)
    }
}
