/// Where an error happened, in the terms a user needs to find and fix the input.
///
/// Every field is optional; ``description`` joins the ones that are set.
public struct ErrorContext: Sendable, Hashable, CustomStringConvertible {
    /// The file being read or written.
    public var path: String?
    /// A zero-based byte offset in the file.
    public var byteOffset: Int?
    /// A one-based line number in a text file.
    public var line: Int?
    /// A column, by name or one-based number as the user knows it.
    public var column: String?
    /// A zero-based row (sample) index in a matrix or table.
    public var row: Int?
    /// The name of a hyperparameter or function argument.
    public var parameter: String?

    /// Creates a context; leave out what does not apply.
    public init(
        path: String? = nil, byteOffset: Int? = nil, line: Int? = nil,
        column: String? = nil, row: Int? = nil, parameter: String? = nil
    ) {
        self.path = path
        self.byteOffset = byteOffset
        self.line = line
        self.column = column
        self.row = row
        self.parameter = parameter
    }

    public var description: String {
        var parts: [String] = []
        if let path { parts.append("file \(path)") }
        if let byteOffset { parts.append("byte offset \(byteOffset)") }
        if let line { parts.append("line \(line)") }
        if let column { parts.append("column \(column)") }
        if let row { parts.append("row \(row)") }
        if let parameter { parts.append("parameter \(parameter)") }
        return parts.joined(separator: ", ")
    }
}

extension ToolboxError {
    /// `text` quoted for a message, cut to its first `limit` characters (with the full length
    /// named) so that a 10 MB cell does not become a 10 MB error.
    package static func excerpt(_ text: String, limit: Int = 40) -> String {
        var prefix = ""
        var count = 0
        for character in text {
            if count == limit { return "\"\(prefix)…\" (\(text.utf8.count) bytes)" }
            prefix.append(character)
            count += 1
        }
        return "\"\(prefix)\""
    }
}
