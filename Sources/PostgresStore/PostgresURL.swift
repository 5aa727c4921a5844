import Foundation
import ToolboxCore

/// Where a PostgreSQL store lives, read from a URL in libpq's form:
///
///     postgresql://USER:PASSWORD@HOST:PORT/DATABASE?pool=8&retry_seconds=30&sslmode=disable
///
/// `postgres://` is accepted too. The user name and password are percent-decoded. Options:
/// `pool` (connections per process, 1...200, default 8), `retry_seconds` (how long a transient
/// failure (a reset connection, a restarting server, a serialization failure or deadlock) is
/// retried before it is reported, default 30), `connect_timeout` (seconds, default 10) and
/// `sslmode` (`disable`, `prefer` or `require`; default `prefer`, as libpq).
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The user to log in as.
    public var user: String
    /// The user's password, if any.
    public var password: String?
    /// The database.
    public var database: String
    /// Connections per process.
    public var poolSize: Int
    /// Seconds a transient failure is retried before it is reported.
    public var retrySeconds: Double
    /// Seconds to wait for a connection to open.
    public var connectTimeout: Double
    /// Whether the connection is encrypted: `disable`, `prefer` or `require`.
    public var sslMode: String

    /// Whether `text` names a PostgreSQL store (`postgresql://` or `postgres://`).
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Reads a store URL.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming the part that is wrong (the URL
    ///   itself is never echoed whole, as it may hold a password).
    public init(_ text: String) throws {
        func bad(_ why: String) -> ToolboxError {
            ToolboxError(.invalidParameter, "store URL \(Self.redacted(text)): \(why)", context: ErrorContext(parameter: "store"))
        }
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw bad("expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else { throw bad("no host") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw bad("port \(port) is outside 1...65535") }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else { throw bad("no user name") }
        self.user = user
        password = components.percentEncodedPassword?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        guard !database.contains("/") else { throw bad("the database name \(database) holds a '/'") }
        poolSize = 8
        retrySeconds = 30
        connectTimeout = 10
        sslMode = "prefer"
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "pool", "pool_size":
                guard let size = Int(value), (1...200).contains(size) else { throw bad("pool must be a whole number in 1...200, got \(value)") }
                poolSize = size
            case "retry_seconds":
                guard let seconds = Double(value), seconds.isFinite, seconds >= 0, seconds <= 86_400 else {
                    throw bad("retry_seconds must be a number of seconds in 0...86400, got \(value)")
                }
                retrySeconds = seconds
            case "connect_timeout":
                guard let seconds = Double(value), seconds.isFinite, seconds > 0, seconds <= 3_600 else {
                    throw bad("connect_timeout must be a number of seconds in (0, 3600], got \(value)")
                }
                connectTimeout = seconds
            case "sslmode":
                guard ["disable", "prefer", "require"].contains(value) else { throw bad("sslmode must be disable, prefer or require, got \(value)") }
                sslMode = value
            case "application_name": break
            default:
                throw bad("unknown option \(item.name) (options: pool, retry_seconds, connect_timeout, sslmode)")
            }
        }
    }

    /// The URL without its password.
    public var description: String {
        "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }

    /// A URL text with any password replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
