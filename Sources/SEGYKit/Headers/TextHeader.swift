/// A 3200-byte textual header: 40 lines of 80 characters, EBCDIC or ASCII.
public struct TextHeader: Sendable, Hashable {
    /// The 3200 bytes as stored.
    public let bytes: [UInt8]
    /// How the bytes are encoded.
    public let encoding: Encoding

    /// The character set of a textual header.
    public enum Encoding: String, Sendable, Hashable, Codable {
        /// IBM's EBCDIC, the SEG-Y standard's.
        case ebcdic
        /// ASCII, as many writers use.
        case ascii
    }

    /// The header's size in bytes.
    public static let byteCount = 3200

    /// Wraps stored bytes, detecting the encoding: EBCDIC when most bytes are EBCDIC letters,
    /// digits and spaces (0x40, 0xC1–0xF9), ASCII otherwise.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        var ebcdicLike = 0, asciiLike = 0
        for b in bytes {
            if b == 0x40 || (b >= 0x81 && b <= 0xF9) { ebcdicLike += 1 }
            if b == 0x20 || (b >= 0x30 && b <= 0x7A) { asciiLike += 1 }
        }
        encoding = ebcdicLike > asciiLike ? .ebcdic : .ascii
    }

    /// A header from text (ASCII), padded with spaces or cut to 3200 bytes, stored as `encoding`.
    public init(text: String, encoding: Encoding = .ebcdic) {
        var ascii = Array(text.utf8.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }.prefix(Self.byteCount))
        ascii += [UInt8](repeating: 0x20, count: Self.byteCount - ascii.count)
        bytes = encoding == .ebcdic ? ascii.map { EBCDIC.fromASCII[Int($0)] } : ascii
        self.encoding = encoding
    }

    /// The header as ASCII bytes (EBCDIC translated with code page 037, as segyio does).
    public var asciiBytes: [UInt8] {
        encoding == .ebcdic ? bytes.map { EBCDIC.toASCII[Int($0)] } : bytes
    }

    /// The whole header as text (Latin-1 decoding of the ASCII bytes).
    public var text: String { Self.latin1(asciiBytes) }

    /// The header decoded as `encoding`, whatever was detected.
    public func text(as encoding: Encoding) -> String {
        Self.latin1(encoding == .ebcdic ? bytes.map { EBCDIC.toASCII[Int($0)] } : bytes)
    }

    /// The 40 lines of 80 characters, trailing spaces removed.
    public var lines: [String] {
        let ascii = asciiBytes
        return stride(from: 0, to: ascii.count, by: 80).map { start in
            var line = Array(ascii[start..<min(start + 80, ascii.count)])
            while let last = line.last, last == 0x20 || last == 0 { line.removeLast() }
            return Self.latin1(line)
        }
    }

    static func latin1(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }
}
