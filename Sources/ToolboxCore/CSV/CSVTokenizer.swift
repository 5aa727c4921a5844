/// Finds fields in CSV bytes (RFC 4180: quoted fields with doubled quotes, CRLF or LF).
struct CSVTokenizer {
    static let quote = UInt8(ascii: "\"")
    static let newline: UInt8 = 10
    static let carriageReturn: UInt8 = 13

    /// One field found by ``scan(_:at:end:delimiter:)``.
    struct Field {
        /// Content bounds, without the surrounding quotes.
        var start: Int
        var end: Int
        var quoted: Bool
        /// The content contains doubled quotes that must be collapsed.
        var escapedQuotes: Bool
        /// Where the next field or record begins.
        var next: Int
        /// This field is the last of its record.
        var endsRecord: Bool
    }

    /// Why a field could not be read; the caller adds line and column.
    enum Failure: Error {
        case unterminatedQuote(offset: Int)
        case textAfterClosingQuote(offset: Int)
    }

    @inline(__always)
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int, end: Int, delimiter: UInt8) throws(Failure) -> Field {
        var p = position
        if p < end && bytes[p] == quote {
            let start = p + 1
            var escaped = false
            p = start
            while true {
                guard p < end else { throw .unterminatedQuote(offset: position) }
                if bytes[p] == quote {
                    if p + 1 < end && bytes[p + 1] == quote {
                        escaped = true
                        p += 2
                        continue
                    }
                    break
                }
                p += 1
            }
            let contentEnd = p
            p += 1
            if p >= end { return Field(start: start, end: contentEnd, quoted: true, escapedQuotes: escaped, next: end, endsRecord: true) }
            let c = bytes[p]
            if c == delimiter {
                return Field(start: start, end: contentEnd, quoted: true, escapedQuotes: escaped, next: p + 1, endsRecord: false)
            }
            if c == newline || c == carriageReturn {
                return Field(start: start, end: contentEnd, quoted: true, escapedQuotes: escaped,
                             next: lineEnd(bytes, p, end), endsRecord: true)
            }
            throw .textAfterClosingQuote(offset: p)
        }
        while p < end {
            let c = bytes[p]
            if c == delimiter {
                return Field(start: position, end: p, quoted: false, escapedQuotes: false, next: p + 1, endsRecord: false)
            }
            if c == newline || c == carriageReturn {
                return Field(start: position, end: p, quoted: false, escapedQuotes: false,
                             next: lineEnd(bytes, p, end), endsRecord: true)
            }
            p += 1
        }
        return Field(start: position, end: end, quoted: false, escapedQuotes: false, next: end, endsRecord: true)
    }

    /// The position after the line break at `p` (CRLF, LF or a lone CR).
    @inline(__always)
    static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ p: Int, _ end: Int) -> Int {
        if bytes[p] == carriageReturn && p + 1 < end && bytes[p + 1] == newline { return p + 2 }
        return p + 1
    }

    /// Skips blank lines at `p` (pandas' `skip_blank_lines`).
    @inline(__always)
    static func skipBlankLines(_ bytes: UnsafeBufferPointer<UInt8>, _ p: Int, _ end: Int) -> Int {
        var p = p
        while p < end && (bytes[p] == newline || bytes[p] == carriageReturn) { p += 1 }
        return p
    }

    /// The text of a field, with doubled quotes collapsed.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ field: Field) -> String {
        guard field.escapedQuotes else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]), as: UTF8.self)
        }
        var collapsed: [UInt8] = []
        collapsed.reserveCapacity(field.end - field.start)
        var k = field.start
        while k < field.end {
            collapsed.append(bytes[k])
            k += bytes[k] == quote ? 2 : 1
        }
        return String(decoding: collapsed, as: UTF8.self)
    }

    /// Reads every field of one record starting at `p`.
    static func record(_ bytes: UnsafeBufferPointer<UInt8>, at p: Int, end: Int, delimiter: UInt8) throws(Failure) -> (fields: [String], next: Int) {
        var fields: [String] = []
        var position = p
        while true {
            let field = try scan(bytes, at: position, end: end, delimiter: delimiter)
            fields.append(string(bytes, field))
            position = field.next
            if field.endsRecord { return (fields, position) }
        }
    }

    /// The end of the `limit`-th complete record from `start` (respecting quotes), or of the last
    /// complete record when fewer are present; `nil` when not even one is complete. At the end
    /// of input (`isFinal`) an unterminated last line counts as complete.
    static func recordBoundary(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int, limit: Int, isFinal: Bool) -> (end: Int, records: Int)? {
        var inQuotes = false
        var records = 0
        var lastEnd: Int?
        var p = start
        var lineHasContent = false
        while p < end {
            let c = bytes[p]
            if c == quote {
                inQuotes.toggle()
                lineHasContent = true
            } else if c == newline && !inQuotes {
                if lineHasContent { records += 1 }
                lastEnd = p + 1
                lineHasContent = false
                if records == limit { return (p + 1, records) }
            } else if c != carriageReturn {
                lineHasContent = true
            }
            p += 1
        }
        if isFinal && !inQuotes {
            if lineHasContent { records += 1 }
            return (end, records)
        }
        return lastEnd.map { ($0, records) }
    }
}

