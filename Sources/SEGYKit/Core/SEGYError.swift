/// The error every SEGYKit API throws: a code to catch on, a sentence, and where in the file.
///
/// ```swift
/// do {
///     let file = try SEGYFile(path: "survey.sgy")
/// } catch let error as SEGYError where error.code == .inconsistentSize {
///     print(error.byteOffset ?? -1)
/// }
/// ```
public struct SEGYError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The identifier, as in JSON output (`truncated`, `inconsistent_size`, ...).
        public var rawValue: String
        /// A code of the given identifier.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A description for people.
        public var description: String { rawValue }

        /// The file ends before a header or trace it declares.
        public static let truncated = Code(rawValue: "truncated")
        /// The file size does not fit the declared trace layout.
        public static let inconsistentSize = Code(rawValue: "inconsistent_size")
        /// A header value is impossible (format code, sample count, extended header count).
        public static let invalidHeader = Code(rawValue: "invalid_header")
        /// A sample format this build cannot decode or encode.
        public static let unsupportedFormat = Code(rawValue: "unsupported_format")
        /// No regular inline/crossline/offset geometry could be found.
        public static let noGeometry = Code(rawValue: "no_geometry")
        /// An argument is out of range (trace index, line number, byte offset).
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// The operating system refused a read or write.
        public static let io = Code(rawValue: "io_error")
        /// A conversion would change sample values (rounding floats to integers, clamping,
        /// IBM's shorter mantissa) and was not allowed to.
        public static let lossyConversion = Code(rawValue: "lossy_conversion")
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// The file, when there is one.
    public var path: String?
    /// The zero-based byte offset in the file where the problem is.
    public var byteOffset: Int?
    /// The zero-based trace index, when the problem is in a trace.
    public var traceIndex: Int?

    /// An error of `code`, located where known.
    public init(_ code: Code, _ message: String, path: String? = nil, byteOffset: Int? = nil, traceIndex: Int? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.byteOffset = byteOffset
        self.traceIndex = traceIndex
    }

    /// A description for people.
    public var description: String {
        var parts: [String] = []
        if let path { parts.append("file \(path)") }
        if let byteOffset { parts.append("byte offset \(byteOffset)") }
        if let traceIndex { parts.append("trace \(traceIndex)") }
        return parts.isEmpty ? "\(code): \(message)" : "\(code): \(message) (\(parts.joined(separator: ", ")))"
    }
}
