/// The 400-byte binary file header (file bytes 3201–3600), readable by name or byte offset.
public struct BinaryHeader: Sendable, Hashable {
    /// The 400 bytes in file order.
    public internal(set) var bytes: [UInt8]
    /// The byte order of `bytes`.
    public let byteOrder: ByteOrder

    /// The header's size in bytes.
    public static let byteCount = 400
    /// The file offset of the first binary header byte (0-based).
    public static let fileOffset = 3200

    /// The header in `bytes`, stored in `byteOrder`.
    /// - Throws: ``SEGYError/Code/invalidArgument`` unless there are exactly 400 bytes.
    public init(bytes: [UInt8], byteOrder: ByteOrder) throws {
        guard bytes.count == Self.byteCount else {
            throw SEGYError(.invalidArgument, "a binary header is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
        self.byteOrder = byteOrder
    }

    /// A header of zeros.
    public init(byteOrder: ByteOrder = .bigEndian) {
        bytes = [UInt8](repeating: 0, count: Self.byteCount)
        self.byteOrder = byteOrder
    }

    /// The value of a binary header word (file byte offsets 3201–3600).
    /// - Throws: ``SEGYError/Code/invalidArgument`` for a word outside the binary header, as
    ///   segyio raises `KeyError`. Set words with `setValue(_:for:)`.
    public subscript(field: HeaderField) -> Int {
        get throws {
            try Self.words.check(byteOffset: field.byteOffset, width: field.width)
            return word(field)
        }
    }

    /// A standard binary header word (the revision bytes follow the 16-bit word's byte order;
    /// see `revision`).
    func word(_ field: HeaderField) -> Int {
        if field == .revisionMajor { return revision.major }
        if field == .revisionMinor { return revision.minor }
        return Int(read(field))
    }

    static let words = HeaderWords(first: 3201, size: byteCount, name: "binary header")

    /// A word at any 1-based file byte offset in 3201...3600 and width 1, 2, 4 or 8.
    public func value(atByteOffset byteOffset: Int, width: Int, signed: Bool = true) throws -> Int64 {
        try Self.words.check(byteOffset: byteOffset, width: width)
        return read(HeaderField(name: "raw", byteOffset: byteOffset, width: width, signed: signed))
    }

    /// Sets a word; the value must fit its width.
    public mutating func setValue(_ value: Int64, for field: HeaderField) throws {
        try Self.words.write(value, field, into: &bytes, order: byteOrder)
    }

    /// Sets a word; the value must fit its width.
    public mutating func setValue(_ value: Int, for field: HeaderField) throws {
        try setValue(Int64(value), for: field)
    }

    func read(_ field: HeaderField) -> Int64 {
        Self.words.read(bytes, field, order: byteOrder)
    }

    /// The extended sample interval (bytes 3273–3280, IEEE double, rev 2).
    public var extendedSampleInterval: Double { Double(bitPattern: UInt64(bitPattern: read(.extendedSampleInterval))) }
    /// The extended original sample interval (bytes 3281–3288, IEEE double, rev 2).
    public var extendedOriginalSampleInterval: Double { Double(bitPattern: UInt64(bitPattern: read(.extendedOriginalSampleInterval))) }
    /// The format code as written (may be invalid).
    public var formatCode: Int { word(.formatCode) }
    /// The revision as major.minor. Bytes 3501–3502 are one 16-bit word in file byte order
    /// (rev 1 files write 0x0100), so a little-endian file stores the major number second.
    public var revision: (major: Int, minor: Int) {
        let word = Int(read(HeaderField(name: "revision", byteOffset: 3501, width: 2, signed: false)))
        return (word >> 8, word & 0xFF)
    }

    /// Samples per trace as segyio reads them: the 16-bit unsigned word, unless it is zero or
    /// the revision is 2 or later and the 32-bit extended word (3269) is positive.
    public var sampleCount: Int {
        let samples = word(.binarySampleCount)
        let extended = word(.extendedSampleCount)
        if samples == 0 && extended > 0 { return extended }
        if revision.major >= 2 && extended > 0 { return extended }
        return samples
    }
}
