/// Accumulates one column while a segment of CSV is parsed.
struct CSVColumnBuilder {
    enum Mode { case inferNumeric, numeric, categorical }
    var mode: Mode
    /// Values while the column is numeric.
    var numbers: [Double] = []
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
        while p < end {
            let recordStart = p
            var column = 0
            while true {
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
                builders[column].numbers.append(.nan)
                return
            }
            if !field.escapedQuotes, let value = NumberParsing.parseDouble(bytes, field.start, field.end) {
                builders[column].numbers.append(value)
                return
            }
            if isMissing(field) {
                builders[column].numbers.append(.nan)
                return
            }
            if builders[column].mode == .numeric {
                let text = CSVTokenizer.string(bytes, field)
                throw error(.parseError, "\"\(text)\" is not a number in numeric column \(columnNames[column])",
                            at: field.start, column: column, columnIsName: true)
            }
            // The first text in an inferred column makes it categorical; earlier rows are re-read later.
            builders[column].mode = .categorical
            builders[column].stringsFrom = rows
            builders[column].numbers = []
            builders[column].strings.append(CSVTokenizer.string(bytes, field))
        case .categorical:
            builders[column].strings.append(isMissing(field) ? nil : CSVTokenizer.string(bytes, field))
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
