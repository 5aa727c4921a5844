import Foundation

/// Tracks one column's kind while a segment of CSV is parsed; numbers go to the parser's
/// row-major staging buffer, text to `strings`.
struct CSVColumnBuilder {
    enum Mode { case inferNumeric, numeric, categorical }
    var mode: Mode
    /// Values once the column is categorical, for rows `stringsFrom...`.
    var strings: [String?] = []
    /// The first row `strings` covers; rows before it were read as numbers and must be re-read.
    var stringsFrom = 0

    init(kind: FeatureKind?) {
        switch kind {
        case .numeric?: mode = .numeric
        case .categorical?: mode = .categorical
        case nil: mode = .inferNumeric
        }
    }
}

/// Parses the records of one region of a CSV buffer into column builders.
struct CSVSegmentParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let delimiter: UInt8
    let missingValues: Set<String>
    let longestMissingValue: Int
    let columnNames: [String]
    /// Turns a byte offset in `bytes` into a file line and byte offset for error messages.
    let locate: (Int) -> (line: Int, byteOffset: Int)
    let path: String?
    var builders: [CSVColumnBuilder]
    var rows = 0
    /// Every field's number, row after row (one append per field is the cheapest store);
    /// split into columns once parsing is done.
    var staging: [Double] = []
    /// When set, numbers go straight into these final column buffers (one per column) from
    /// row ``directRowOffset`` on, for at most ``directRowLimit`` rows, instead of `staging`.
    var directTargets: [UnsafeMutableBufferPointer<Double>]?
    var directRowOffset = 0
    var directRowLimit = 0

    init(bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, missingValues: Set<String>, columnNames: [String],
         kinds: [FeatureKind?], path: String?, locate: @escaping (Int) -> (line: Int, byteOffset: Int)) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.missingValues = missingValues
        self.longestMissingValue = missingValues.map(\.utf8.count).max() ?? 0
        self.columnNames = columnNames
        self.builders = kinds.map(CSVColumnBuilder.init(kind:))
        self.path = path
        self.locate = locate
    }

    /// Parses every record in `start..<end`.
    mutating func parse(from start: Int, to end: Int) throws {
        let width = columnNames.count
        var p = CSVTokenizer.skipBlankLines(bytes, start, end)
        // Reserve from the first line's length so the staging buffer rarely grows.
        if p < end && directTargets == nil {
            var lineEnd = p
            while lineEnd < end && bytes[lineEnd] != CSVTokenizer.newline && lineEnd - p < 1 << 16 { lineEnd += 1 }
            let estimatedRows = (end - p) / max(lineEnd - p + 1, 1)
            staging.reserveCapacity(min(estimatedRows + estimatedRows / 8 + 16, (end - p) / 2 + 16) * width)
        }
        while p < end {
            let recordStart = p
            if directTargets != nil && rows >= directRowLimit {
                throw error(.parseError, "more records than counted in this part of the file", at: recordStart, column: 0)
            }
            var column = 0
            while true {
                // Fast path: an unquoted number parsed while the field is scanned, once.
                if column < width, builders[column].mode != .categorical, p < end,
                   let (value, next) = NumberParsing.parseSimplePrefix(bytes, p, end) {
                    if next == end {
                        append(value, column: column)
                        column += 1
                        p = end
                        break
                    }
                    let c = bytes[next]
                    if c == delimiter {
                        append(value, column: column)
                        column += 1
                        p = next + 1
                        continue
                    }
                    if c == CSVTokenizer.newline || c == CSVTokenizer.carriageReturn {
                        append(value, column: column)
                        column += 1
                        p = CSVTokenizer.lineEnd(bytes, next, end)
                        break
                    }
                }
                let field: CSVTokenizer.Field
                do {
                    field = try CSVTokenizer.scan(bytes, at: p, end: end, delimiter: delimiter)
                } catch {
                    throw failure(error, column: column)
                }
                guard column < width else {
                    throw error(.parseError, "line has more than \(width) fields", at: recordStart, column: column)
                }
                try store(field, column: column, recordStart: recordStart)
                column += 1
                p = field.next
                if field.endsRecord { break }
            }
            guard column == width else {
                throw error(.parseError, "line has \(column) fields, expected \(width)", at: recordStart, column: column)
            }
            rows += 1
            p = CSVTokenizer.skipBlankLines(bytes, p, end)
        }
    }

    @inline(__always)
    private mutating func store(_ field: CSVTokenizer.Field, column: Int, recordStart: Int) throws {
        switch builders[column].mode {
        case .numeric, .inferNumeric:
            if field.start == field.end {
                append(.nan, column: column)
                return
            }
            if !field.escapedQuotes, let value = NumberParsing.parseDouble(bytes, field.start, field.end) {
                append(value, column: column)
                return
            }
            if isMissing(field) {
                append(.nan, column: column)
                return
            }
            if builders[column].mode == .numeric {
                let text = CSVTokenizer.string(bytes, field)
                throw error(.parseError, "\(ToolboxError.excerpt(text)) is not a number in numeric column \(columnNames[column])",
                            at: field.start, column: column, columnIsName: true)
            }
            // The first text in an inferred column makes it categorical; earlier rows are re-read later.
            builders[column].mode = .categorical
            builders[column].stringsFrom = rows
            builders[column].strings.append(CSVTokenizer.string(bytes, field))
            append(.nan, column: column)
        case .categorical:
            builders[column].strings.append(isMissing(field) ? nil : CSVTokenizer.string(bytes, field))
            append(.nan, column: column)
        }
    }

    @inline(__always)
    private mutating func append(_ value: Double, column: Int) {
        if let targets = directTargets {
            targets[column][directRowOffset + rows] = value
        } else {
            staging.append(value)
        }
    }

    /// The number of records in `start..<end` of quote-free CSV: runs of bytes that are not
    /// line breaks, exactly the records ``parse(from:to:)`` reads there.
    static func countRecords(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        guard start < end else { return 0 }
        let base = bytes.baseAddress!
        // Fast path for LF and CRLF files: glibc's vectorized memchr finds each line end.
        var count = 0
        var pairedReturns = 0
        var lineStart = start
        while lineStart < end, let found = memchr(base + lineStart, Int32(CSVTokenizer.newline), end - lineStart) {
            let lineEnd = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
            var contentEnd = lineEnd
            if contentEnd > lineStart && bytes[contentEnd - 1] == CSVTokenizer.carriageReturn {
                contentEnd -= 1
                pairedReturns += 1
            }
            if contentEnd > lineStart { count += 1 }
            lineStart = lineEnd + 1
        }
        if lineStart < end { count += 1 }
        // Any carriage return that is not part of a CRLF also ends a record: count the slow way.
        var returns = 0
        var position = start
        while position < end, let found = memchr(base + position, Int32(CSVTokenizer.carriageReturn), end - position) {
            returns += 1
            position = (UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base) + 1
        }
        if returns == pairedReturns { return count }
        count = 0
        var inRecord = false
        for k in start..<end {
            let c = bytes[k]
            let isBreak = c == CSVTokenizer.newline || c == CSVTokenizer.carriageReturn
            if !isBreak && !inRecord { count += 1 }
            inRecord = !isBreak
        }
        return count
    }

    /// Copies the numbers of `columns` out of the staging buffer into `targets` (one per
    /// column) starting at row `offset`, in blocks of rows so the source stays in cache.
    func copyNumbers(columns: [Int], into targets: [UnsafeMutableBufferPointer<Double>], at offset: Int) {
        let width = columnNames.count
        staging.withUnsafeBufferPointer { source in
            let blockRows = 4_096
            var blockStart = 0
            while blockStart < rows {
                let blockEnd = min(blockStart + blockRows, rows)
                for (k, j) in columns.enumerated() {
                    let target = targets[k]
                    for i in blockStart..<blockEnd { target[offset + i] = source[i * width + j] }
                }
                blockStart = blockEnd
            }
        }
    }

    @inline(__always)
    private func isMissing(_ field: CSVTokenizer.Field) -> Bool {
        let length = field.end - field.start
        // A quoted field is a literal value, so a written "NA" or "" string survives a round trip.
        if field.quoted { return false }
        if length == 0 { return true }
        // Markers are short: skip making a String for longer fields.
        guard length <= longestMissingValue else { return false }
        return missingValues.contains(CSVTokenizer.string(bytes, field))
    }

    /// Re-reads the first `rowLimit` records from `start` as strings, for `columns`.
    func strings(from start: Int, to end: Int, rowLimit: Int, columns: [Int]) throws -> [Int: [String?]] {
        var result = [Int: [String?]]()
        for column in columns { result[column] = [] }
        var p = CSVTokenizer.skipBlankLines(bytes, start, end)
        var row = 0
        while p < end && row < rowLimit {
            var column = 0
            while true {
                let field: CSVTokenizer.Field
                do { field = try CSVTokenizer.scan(bytes, at: p, end: end, delimiter: delimiter) } catch { throw failure(error, column: column) }
                if result[column] != nil {
                    result[column]!.append(isMissing(field) ? nil : CSVTokenizer.string(bytes, field))
                }
                column += 1
                p = field.next
                if field.endsRecord { break }
            }
            row += 1
            p = CSVTokenizer.skipBlankLines(bytes, p, end)
        }
        return result
    }

    private func failure(_ failure: CSVTokenizer.Failure, column: Int) -> ToolboxError {
        switch failure {
        case .unterminatedQuote(let offset):
            error(.parseError, "quoted field is never closed", at: offset, column: column)
        case .textAfterClosingQuote(let offset):
            error(.parseError, "unexpected text after a closing quote", at: offset, column: column)
        }
    }

    private func error(_ code: ToolboxError.Code, _ message: String, at offset: Int, column: Int, columnIsName: Bool = false) -> ToolboxError {
        let (line, byteOffset) = locate(offset)
        let columnLabel = columnIsName ? columnNames[column] : String(column + 1)
        return ToolboxError(code, message, context: ErrorContext(path: path, byteOffset: byteOffset, line: line, column: columnLabel))
    }
}
