/// How CSV text is read and written.
public struct CSVOptions: Sendable, Hashable {
    /// The field separator (one ASCII character); `,` by default.
    public var delimiter: Character
    /// Whether the first record names the columns. Without a header, columns are named `0`, `1`, ...
    public var hasHeader: Bool
    /// Column kinds to use instead of inferring them, by column name.
    public var columnTypes: [String: FeatureKind]
    /// Field texts read as missing, in addition to the empty field; pandas' defaults.
    public var missingValues: Set<String>
    /// The line ending written by ``DataTable/csvString(options:)``.
    public var lineEnding: String
    /// The most threads a large file is parsed with (see ``Parallel/defaultThreadCount``).
    public var threads: Int?

    /// pandas' default missing-value markers (`read_csv`'s `na_values`).
    public static let pandasMissingValues: Set<String> = [
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    ]

    /// Options with pandas' defaults: commas, a header, inferred kinds, pandas' missing-value markers, `\n` line endings.
    public init(
        delimiter: Character = ",", hasHeader: Bool = true, columnTypes: [String: FeatureKind] = [:],
        missingValues: Set<String> = CSVOptions.pandasMissingValues, lineEnding: String = "\n",
        threads: Int? = nil
    ) {
        self.delimiter = delimiter
        self.hasHeader = hasHeader
        self.columnTypes = columnTypes
        self.missingValues = missingValues
        self.lineEnding = lineEnding
        self.threads = threads
    }

    func delimiterByte() throws -> UInt8 {
        guard let ascii = delimiter.asciiValue, ascii != UInt8(ascii: "\""), ascii != 10, ascii != 13 else {
            throw ToolboxError(.invalidParameter, "delimiter must be one ASCII character other than a quote or line break",
                               context: ErrorContext(parameter: "delimiter"))
        }
        return ascii
    }
}
