/// The error every ToolboxCore API throws for bad input or a failed computation.
///
/// Catch on ``code`` and read ``context`` for where the problem is:
///
/// ```swift
/// do {
///     let table = try DataTable(csvFile: "data.csv")
/// } catch let error as ToolboxError where error.code == .parseError {
///     print("line", error.context.line ?? 0, "column", error.context.column ?? "?")
/// }
/// ```
public struct ToolboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; stable across releases, so code can branch on it.
    public var code: Code
    /// A sentence for a person, naming the problem.
    public var message: String
    /// Where the problem is: file, byte offset, line, column, row, parameter.
    public var context: ErrorContext

    /// Creates an error with a code, a message and where it happened.
    public init(_ code: Code, _ message: String, context: ErrorContext = ErrorContext()) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String {
        let location = context.description
        return location.isEmpty
            ? "\(code.rawValue): \(message)"
            : "\(code.rawValue): \(message) (\(location))"
    }
}

extension ToolboxError {
    /// A stable identifier for a kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Two shapes that must agree do not (rows, columns, lengths).
        public static let shapeMismatch = Code(rawValue: "shape_mismatch")
        /// A hyperparameter or argument is outside its allowed range.
        public static let invalidParameter = Code(rawValue: "invalid_parameter")
        /// Input data is unusable: empty, NaN or Inf where not allowed, a single class, ...
        public static let invalidData = Code(rawValue: "invalid_data")
        /// Text could not be parsed (CSV field, JSON, a number).
        public static let parseError = Code(rawValue: "parse_error")
        /// A file could not be read or written.
        public static let ioError = Code(rawValue: "io_error")
        /// A matrix that must be invertible (or positive definite) is not.
        public static let singularMatrix = Code(rawValue: "singular_matrix")
        /// An iterative algorithm did not converge.
        public static let notConverged = Code(rawValue: "not_converged")
        /// A model archive is truncated, corrupted or inconsistent.
        public static let corruptArchive = Code(rawValue: "corrupt_archive")
        /// A format version, model type or feature is not supported by this build.
        public static let unsupported = Code(rawValue: "unsupported")
        /// A named thing (column, model type, step) does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// A store's file or database does not match what was recorded (a content hash
        /// mismatch) or is not the kind of file it should be.
        public static let corruptStore = Code(rawValue: "corrupt_store")
        /// The request conflicts with what is stored (a name taken, a write-once value
        /// written again, a version changed by another writer).
        public static let conflict = Code(rawValue: "conflict")
        /// The work was cancelled (a pruned or timed-out trial, a stop request) before it finished.
        public static let cancelled = Code(rawValue: "cancelled")
        /// The input is larger than the limit set for it (a request body, a batch).
        public static let tooLarge = Code(rawValue: "too_large")
        /// Too many requests in too short a time; try again later.
        public static let rateLimited = Code(rawValue: "rate_limited")
        /// A service the work needs (a database, a store) cannot be reached now.
        public static let unavailable = Code(rawValue: "unavailable")
        /// The request carries no valid credentials (no key, an unknown or revoked key).
        public static let unauthorized = Code(rawValue: "unauthorized")
        /// The credentials are valid but do not allow this (a missing scope).
        public static let forbidden = Code(rawValue: "forbidden")

        /// The HTTP status a server answers this failure with, one per code: the client's
        /// mistakes are 4xx (400 bad parameter or syntax, 404 missing, 409 conflict, 413 too
        /// large, 422 data that cannot be used, 429 too many requests, 401 and 403 without the
        /// right credentials), the service's own
        /// state 503; an unknown code is a 400.
        public var httpStatus: Int {
            switch self {
            case .invalidParameter, .parseError, .unsupported: 400
            case .notFound: 404
            case .conflict: 409
            case .tooLarge: 413
            case .shapeMismatch, .invalidData, .singularMatrix, .notConverged, .corruptArchive: 422
            case .rateLimited: 429
            case .unauthorized: 401
            case .forbidden: 403
            case .ioError, .corruptStore, .unavailable, .cancelled: 503
            default: 400
            }
        }
    }
}
