import Foundation

extension DataTable {
    /// The table as CSV text: a header, then one line per row.
    ///
    /// Numbers are written in their shortest round-trip form, missing values as empty fields;
    /// fields holding the delimiter, a quote, a line break or surrounding spaces are quoted,
    /// with quotes doubled (RFC 4180).
    public func csvString(options: CSVOptions = CSVOptions()) throws -> String {
        let delimiter = String(try Character(UnicodeScalar(options.delimiterByte())))
        var out = ""
        out.reserveCapacity(rowCount * columnCount * 8)
        out += columnNames.map { Self.quoted($0, delimiter: delimiter) }.joined(separator: delimiter)
        out += options.lineEnding
        for i in 0..<rowCount {
            for (j, column) in columns.enumerated() {
                if j > 0 { out += delimiter }
                switch column {
                case .numeric(let values):
                    out += Self.csvField(values[i])
                case .categorical(let values):
                    if let value = values[i] {
                        out += Self.quoted(value, delimiter: delimiter, quoteIfMissingMarker: options.missingValues)
                    }
                }
            }
            out += options.lineEnding
        }
        return out
    }

    /// Writes the table as CSV to `path`, atomically (``RegularFile/replace(_:with:)``): a
    /// directory or special file at `path` is refused, an existing file replaced whole.
    public func writeCSV(to path: String, options: CSVOptions = CSVOptions()) throws {
        let text = try csvString(options: options)
        try RegularFile.replace(path, with: Array(text.utf8))
    }

    /// A number as a CSV field: its shortest round-trip form, `inf`/`-inf`, and NaN (missing)
    /// as an empty field, as the CSV reader reads it back.
    public static func csvField(_ value: Double) -> String {
        value.isNaN ? "" : (value.isInfinite ? (value > 0 ? "inf" : "-inf") : "\(value)")
    }

    static func quoted(_ field: String, delimiter: String, quoteIfMissingMarker markers: Set<String> = []) -> String {
        let needsQuotes = field.contains(delimiter) || field.contains("\"") || field.contains("\n")
            || field.contains("\r") || field.hasPrefix(" ") || field.hasSuffix(" ")
            || (!field.isEmpty && markers.contains(field)) || field.isEmpty
        guard needsQuotes else { return field }
        var escaped = ""
        for character in field {
            if character == "\"" { escaped += "\"\"" } else { escaped.append(character) }
        }
        return "\"" + escaped + "\""
    }
}
