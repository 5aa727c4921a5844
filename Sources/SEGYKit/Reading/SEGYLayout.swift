/// Where everything is in a SEG-Y file, worked out from its headers and size.
public struct SEGYLayout: Sendable, Hashable {
    /// The byte order of headers and samples.
    public var byteOrder: ByteOrder
    /// How samples are encoded.
    public var format: SampleFormat
    /// Samples per trace.
    public var sampleCount: Int
    /// Extended textual headers (3200 bytes each) after the binary header.
    public var extendedTextHeaderCount: Int
    /// 240-byte additional trace headers after each standard trace header (rev 2).
    public var additionalTraceHeaders: Int
    /// The byte offset of the first trace header.
    public var firstTraceOffset: Int
    /// The number of traces.
    public var traceCount: Int

    /// Bytes of trace headers per trace.
    public var traceHeaderBytes: Int { TraceHeader.byteCount * (1 + additionalTraceHeaders) }
    /// Bytes of samples per trace.
    public var sampleBytes: Int { sampleCount * format.byteCount }
    /// Bytes per trace, headers and samples.
    public var traceBytes: Int { traceHeaderBytes + sampleBytes }
    /// The byte offset of trace `index`'s header.
    public func headerOffset(_ index: Int) -> Int { firstTraceOffset + index * traceBytes }
    /// The byte offset of trace `index`'s first sample.
    public func samplesOffset(_ index: Int) -> Int { headerOffset(index) + traceHeaderBytes }
}

enum LayoutReader {
    static let textHeaderBytes = 3200
    static let headersEnd = 3600
    /// Whether an extended header is the ((SEG: EndText)) stanza: compared without case and
    /// spaces, in either encoding, as the standard allows.
    static func isEndText(_ header: TextHeader) -> Bool {
        header.bytes.withUnsafeBytes { isEndText(UnsafeRawBufferPointer(rebasing: $0.prefix(80))) }
    }

    /// The stanza test on raw bytes (the first 80 of a 3200-byte header), without decoding the
    /// header: so a file of tens of megabytes with no stanza is rejected in milliseconds.
    static func isEndText(_ line: UnsafeRawBufferPointer) -> Bool {
        isStanza(line, in: asciiStanza, space: 0x20, lower: { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
            || isStanza(line, in: ebcdicStanza, space: 0x40, lower: { $0 >= 0xC1 && $0 <= 0xE9 ? $0 & 0xBF : $0 })
    }

    /// "((seg:endtext))" in ASCII and in EBCDIC lower case.
    static let asciiStanza: [UInt8] = Array("((seg:endtext))".utf8)
    static let ebcdicStanza: [UInt8] = [0x4D, 0x4D, 0xA2, 0x85, 0x87, 0x7A, 0x85, 0x95, 0x84, 0xA3, 0x85, 0xA7, 0xA3, 0x5D, 0x5D]

    private static func isStanza(_ line: UnsafeRawBufferPointer, in stanza: [UInt8], space: UInt8, lower: (UInt8) -> UInt8) -> Bool {
        var matched = 0
        for byte in line where byte != space {
            guard lower(byte) == stanza[matched] else { return false }
            matched += 1
            if matched == stanza.count { return true }
        }
        return false
    }

    /// Detects byte order, format, sample count, extended headers and trace count.
    static func read(_ bytes: UnsafeRawBufferPointer, path: String?, byteOrder requested: ByteOrder?,
                     format requestedFormat: SampleFormat?) throws -> (SEGYLayout, BinaryHeader, [TextHeader]) {
        guard bytes.count >= headersEnd else {
            throw SEGYError(.truncated, "file is \(bytes.count) bytes, shorter than the 3600 bytes of textual and binary headers",
                            path: path, byteOffset: bytes.count)
        }
        let order = requested ?? detectByteOrder(bytes)
        let binary = try BinaryHeader(bytes: Array(bytes[3200..<3600]), byteOrder: order)

        let format: SampleFormat
        if let requestedFormat {
            format = requestedFormat
        } else {
            guard let parsed = SampleFormat(rawValue: binary.formatCode) else {
                throw SEGYError(.unsupportedFormat,
                                "format code \(binary.formatCode) is not a SEG-Y sample format (1-12, 15, 16) in \(order == .bigEndian ? "big" : "little")-endian order",
                                path: path, byteOffset: 3224)
            }
            format = parsed
        }

        // Extended textual headers: a count, or -1 for "until the ((SEG: EndText)) stanza".
        let declaredExtended = binary.word(.extendedTextHeaderCount)
        var extended: [TextHeader] = []
        var cursor = headersEnd
        if declaredExtended == -1 {
            // Find the stanza on the raw bytes first; decode the headers only once it is found.
            var end = cursor
            while true {
                guard end + textHeaderBytes <= bytes.count else {
                    throw SEGYError(.truncated, "extended textual headers have no ((SEG: EndText)) stanza before the end of the file",
                                    path: path, byteOffset: end)
                }
                end += textHeaderBytes
                if isEndText(UnsafeRawBufferPointer(rebasing: bytes[(end - textHeaderBytes)..<(end - textHeaderBytes + 80)])) { break }
            }
            while cursor < end {
                extended.append(TextHeader(bytes: Array(bytes[cursor..<cursor + textHeaderBytes])))
                cursor += textHeaderBytes
            }
        } else {
            guard declaredExtended >= 0 else {
                throw SEGYError(.invalidHeader, "extended textual header count \(declaredExtended) is negative", path: path, byteOffset: 3504)
            }
            guard declaredExtended <= (bytes.count - headersEnd) / textHeaderBytes else {
                throw SEGYError(.invalidHeader,
                                "\(declaredExtended) extended textual headers (\(declaredExtended * textHeaderBytes) bytes) do not fit in the \(bytes.count - headersEnd) bytes after the binary header",
                                path: path, byteOffset: 3504)
            }
            for _ in 0..<declaredExtended {
                extended.append(TextHeader(bytes: Array(bytes[cursor..<cursor + textHeaderBytes])))
                cursor += textHeaderBytes
            }
        }

        // Rev 2 additions, honoured only when plausible (older files may hold noise here).
        var additional = 0
        if binary.revision.major == 2 {
            let declaredAdditional = binary.word(.maximumAdditionalTraceHeaders)
            if declaredAdditional > 0 && declaredAdditional < 1_000 { additional = declaredAdditional }
            let declaredFirst = binary.read(.firstTraceOffset)
            if declaredFirst >= Int64(cursor) && declaredFirst < Int64(bytes.count) { cursor = Int(declaredFirst) }
        }

        var sampleCount = binary.sampleCount
        if sampleCount == 0 && bytes.count >= cursor + TraceHeader.byteCount {
            // Fall back to the first trace header's count when the binary header has none.
            sampleCount = Int(ByteReader(bytes.baseAddress! + cursor, order).field(at: 114, width: 2, signed: false))
        }
        var layout = SEGYLayout(byteOrder: order, format: format, sampleCount: sampleCount,
                                extendedTextHeaderCount: extended.count, additionalTraceHeaders: additional,
                                firstTraceOffset: cursor, traceCount: 0)
        let remaining = bytes.count - cursor
        // A 32-bit (rev 2) sample count beyond the 16-bit range must be backed by the bytes of
        // at least one trace: nothing is sized from a declared count that the file does not hold.
        if sampleCount > 65_535 && layout.traceBytes > remaining {
            throw SEGYError(.inconsistentSize,
                            "\(sampleCount) samples per trace make \(layout.traceBytes)-byte traces, but only \(remaining) bytes follow the headers",
                            path: path, byteOffset: 3268)
        }
        if remaining == 0 { return (layout, binary, extended) }
        guard sampleCount > 0 else {
            throw SEGYError(.invalidHeader, "samples per trace is 0 in the binary header (byte 3221) and in the first trace header",
                            path: path, byteOffset: 3220)
        }
        let traceBytes = layout.traceBytes
        guard remaining % traceBytes == 0 else {
            let whole = remaining / traceBytes
            throw SEGYError(.inconsistentSize,
                            "\(remaining) bytes of traces are not a whole number of \(traceBytes)-byte traces (\(sampleCount) samples of \(format.byteCount) bytes + \(layout.traceHeaderBytes) header bytes); \(whole) whole traces, then \(remaining - whole * traceBytes) bytes left",
                            path: path, byteOffset: cursor + whole * traceBytes, traceIndex: whole)
        }
        layout.traceCount = remaining / traceBytes
        return (layout, binary, extended)
    }

    /// The byte order: the rev 2 constant at 3297 when present, otherwise the order in which
    /// the format code and sample count are plausible.
    static func detectByteOrder(_ bytes: UnsafeRawBufferPointer) -> ByteOrder {
        let base = bytes.baseAddress!
        let constant = ByteReader(base, .bigEndian).load(UInt32.self, at: 3296)
        if constant == 0x0102_0304 { return .bigEndian }
        if constant == 0x0403_0201 { return .littleEndian }
        func plausible(_ order: ByteOrder) -> Bool {
            let reader = ByteReader(base, order)
            let format = Int(reader.load(Int16.self, at: 3224))
            return SampleFormat(rawValue: format) != nil
        }
        if plausible(.bigEndian) { return .bigEndian }
        if plausible(.littleEndian) { return .littleEndian }
        return .bigEndian
    }
}
