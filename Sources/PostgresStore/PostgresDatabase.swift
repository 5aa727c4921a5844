import Foundation
import Logging
import NIOCore
import NIOSSL
import Synchronization
import PostgresNIO
import ToolboxCore

/// A value bound to a statement's `?`.
enum SQLValue: Sendable {
    case text(String)
    case double(Double)
    case int(Int64)
    case bool(Bool)
    case bytes([UInt8])
    case null
    /// Arrays, read with `unnest` (one binding for a whole column of rows).
    case texts([String])
    case doubles([Double])
    case ints([Int64])

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ number: Int?) { self = number.map { .int(Int64($0)) } ?? .null }
    init(_ number: Double?) { self = number.map(SQLValue.double) ?? .null }
}

/// One row read, by column name.
struct SQLRow {
    let cells: PostgresRandomAccessRow

    subscript<T: PostgresDecodable>(_ column: String) -> T {
        get throws {
            do {
                return try cells[column].decode(T.self)
            } catch {
                throw ToolboxError(.corruptStore, "the PostgreSQL store holds an unreadable \(column): \(error)", context: ErrorContext(parameter: column))
            }
        }
    }
}

/// A connection leased for one transaction: statements with `?` marks.
struct SQLConnection: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs a statement, returning its rows.
    @discardableResult
    func rows(_ sql: String, _ arguments: [SQLValue] = []) async throws -> [SQLRow] {
        let sequence = try await connection.query(PostgresDatabase.query(sql, arguments), logger: logger)
        var rows: [SQLRow] = []
        for try await row in sequence { rows.append(SQLRow(cells: row.makeRandomAccess())) }
        return rows
    }

    /// Runs a statement that returns no rows.
    func execute(_ sql: String, _ arguments: [SQLValue] = []) async throws {
        try await rows(sql, arguments)
    }

    /// The first column of the first row, if any.
    func scalar<T: PostgresDecodable>(_ sql: String, _ arguments: [SQLValue] = [], as type: T.Type = T.self) async throws -> T? {
        guard let row = try await rows(sql, arguments).first, row.cells[0].bytes != nil else { return nil }
        do {
            return try row.cells[0].decode(T.self)
        } catch {
            throw ToolboxError(.corruptStore, "the PostgreSQL store holds an unreadable value: \(error)")
        }
    }

    /// Whether the query returns a row.
    func exists(_ sql: String, _ arguments: [SQLValue] = []) async throws -> Bool {
        try await scalar("SELECT EXISTS (\(sql))", arguments, as: Bool.self) ?? false
    }
}

/// A pool of connections to one PostgreSQL database, shared by a process's stores: every call is
/// one transaction, retried with backoff while the failure is transient (the connection reset,
/// the server restarting or refusing connections for a moment, a serialization failure or a
/// deadlock) and reported as `ToolboxError/Code/unavailable` only once the retry budget
/// (`retry_seconds`) is spent. Schema migrations run once, under an advisory lock.
public final class PostgresDatabase: Sendable {
    /// Where the database is (the password is never printed).
    public let url: PostgresURL
    let pool: ConnectionPool
    let logger: Logger

    /// Connects (lazily: the first call opens a connection) to the database at `url`.
    /// - Throws: `ToolboxError/Code/invalidParameter` when TLS cannot be set up.
    public init(url: PostgresURL) throws {
        self.url = url
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch url.sslMode {
            case "disable": tls = .disable
            case "require": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            default: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw ToolboxError(.invalidParameter, "cannot set up TLS for \(url): \(error)", context: ErrorContext(parameter: "store"))
        }
        var configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: url.password,
                                                             database: url.database, tls: tls)
        configuration.options.connectTimeout = .milliseconds(Int64(url.connectTimeout * 1_000))
        var logger = Logger(label: "dstoolbox.postgres")
        logger.logLevel = .critical
        self.logger = logger
        pool = ConnectionPool(configuration: configuration, size: url.poolSize, logger: logger)
    }

    deinit { pool.closeAll() }

    /// A statement with `?` marks (outside quoted text) as PostgreSQL's `$1`, `$2`, ... with its bindings.
    static func query(_ sql: String, _ arguments: [SQLValue]) -> PostgresQuery {
        // Bytes, not Characters: this runs for every statement.
        var text: [UInt8] = []
        text.reserveCapacity(sql.utf8.count + arguments.count * 2)
        var index = 0, quoted = false
        for byte in sql.utf8 {
            if byte == UInt8(ascii: "'") { quoted.toggle() }
            if byte == UInt8(ascii: "?") && !quoted {
                index += 1
                text.append(UInt8(ascii: "$"))
                text += String(index).utf8
            } else {
                text.append(byte)
            }
        }
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .text(let value): bindings.append(value)
            case .double(let value): bindings.append(value)
            case .int(let value): bindings.append(value)
            case .bool(let value): bindings.append(value)
            case .bytes(let value): bindings.append(ByteBuffer(bytes: value))
            case .null: bindings.appendNull()
            case .texts(let values): bindings.append(values)
            case .doubles(let values): bindings.append(values)
            case .ints(let values): bindings.append(values)
            }
        }
        return PostgresQuery(unsafeSQL: String(decoding: text, as: UTF8.self), binds: bindings)
    }

    /// Seconds one attempt at a transaction may take before its connection is closed (so a
    /// server that stops answering, or a network that drops, is a transient failure, not a hang).
    var attemptDeadline: Double { url.connectTimeout + 60 }

    /// Runs `body` in one transaction (`BEGIN` ... `COMMIT`), retrying the whole of it while
    /// failures are transient. A ``ToolboxError`` thrown by `body` rolls back and is rethrown as
    /// it is.
    func transaction<T: Sendable>(_ what: String, _ body: @escaping @Sendable (SQLConnection) async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        var delay = 0.05
        var attempt = 0
        while true {
            attempt += 1
            do {
                let connection = try await pool.lease()
                return try await attemptWatched(on: connection, body)
            } catch let error as ToolboxError {
                throw error
            } catch {
                let failure = Self.classify(error)
                if ProcessInfo.processInfo.environment["DSTOOLBOX_POSTGRES_DEBUG"] != nil {
                    FileHandle.standardError.write(Data("postgres: attempt \(attempt) failed: \(failure.reason) [\(error)]\n".utf8))
                }
                let elapsed = (ContinuousClock.now - started) / .seconds(1)
                guard failure.isTransient, elapsed + delay <= url.retrySeconds, !Task.isCancelled else {
                    throw failure.isTransient
                        ? ToolboxError(.unavailable, "\(what): PostgreSQL at \(url.host):\(url.port) kept failing for \(Int(elapsed.rounded())) s (\(attempt) attempts; retry_seconds is \(url.retrySeconds)): \(failure.reason)",
                                       context: ErrorContext(parameter: "store"))
                        : ToolboxError(failure.code, "\(what): \(failure.reason)", context: ErrorContext(parameter: failure.parameter))
                }
                try await Task.sleep(for: .milliseconds(Int(delay * (0.5 + Double.random(in: 0..<1)) * 1_000)))
                delay = min(delay * 2, 2)
            }
        }
    }

    /// One attempt at a transaction on a leased connection, watched: it fails as a dropped
    /// connection when the connection closes under it and the driver does not answer within a
    /// second (a statement in flight when the server shuts down can be left waiting forever), or
    /// when it takes longer than the attempt deadline (a network that stops answering).
    private func attemptWatched<T: Sendable>(on connection: PostgresConnection, _ body: @escaping @Sendable (SQLConnection) async throws -> T) async throws -> T {
        let pool = self.pool, logger = self.logger, deadline = ContinuousClock.now + .milliseconds(Int(attemptDeadline * 1_000))
        let state = WatchedAttempt<T>()
        // Whoever settles first answers the caller and gives the connection back (or drops it), once.
        let settle: @Sendable (Result<T, any Error>, _ healthy: Bool) -> Void = { result, healthy in
            let first = state.settled.withLock { done in defer { done = true }; return !done }
            guard first else { return }
            if healthy { pool.release(connection) } else { pool.drop(connection) }
            state.waiter.withLock { $0 }?.resume(with: result)
        }
        return try await withCheckedThrowingContinuation { continuation in
            state.waiter.withLock { $0 = continuation }
            Task {
                let sql = SQLConnection(connection: connection, logger: logger)
                do {
                    try await sql.execute("BEGIN")
                    let value: T
                    do {
                        value = try await body(sql)
                    } catch {
                        try? await sql.execute("ROLLBACK")
                        throw error
                    }
                    try await sql.execute("COMMIT")
                    settle(.success(value), true)
                } catch {
                    settle(.failure(error), true)
                }
            }
            Task {
                var closedSince: ContinuousClock.Instant?
                while !state.settled.withLock({ $0 }) {
                    try? await Task.sleep(for: .milliseconds(50))
                    let now = ContinuousClock.now
                    if connection.isClosed { closedSince = closedSince ?? now }
                    if let closedSince, now - closedSince > .seconds(1) {
                        settle(.failure(Watchdog.connectionLost), false)
                    } else if now > deadline {
                        settle(.failure(Watchdog.timedOut(self.attemptDeadline)), false)
                    }
                }
            }
        }
    }

    /// The caller waiting on a watched attempt, and whether it has been answered.
    final class WatchedAttempt<T: Sendable>: Sendable {
        let waiter = Mutex<CheckedContinuation<T, any Error>?>(nil)
        let settled = Mutex(false)
    }

    /// Failures the watch over an attempt reports.
    enum Watchdog: Error {
        case connectionLost
        case timedOut(Double)
    }

    /// Creates a database on the same server (the connecting user needs the CREATEDB right):
    /// a team's new store, a test's own database.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a name other than lowercase letters,
    ///   digits and `_` (not starting with a digit); `ToolboxError/Code/conflict` when it exists.
    public func createDatabase(named name: String) async throws {
        guard let first = name.first, !first.isNumber, name.count <= 63, name.allSatisfy({ ("a"..."z").contains($0) || $0.isNumber || $0 == "_" }) else {
            throw ToolboxError(.invalidParameter, "a database name is 1 to 63 lowercase letters, digits and _, not starting with a digit; got \(name.prefix(70))",
                               context: ErrorContext(parameter: "database"))
        }
        do {
            try await executeAlone("CREATE DATABASE \(name)")
        } catch let error as ToolboxError where error.code == .ioError && error.message.contains("42P04") {
            throw ToolboxError(.conflict, "database \(name) exists already", context: ErrorContext(parameter: "database"))
        }
    }

    /// Runs one statement outside a transaction (`CREATE DATABASE`, `VACUUM`), retried as a
    /// transaction is.
    func executeAlone(_ sql: String) async throws {
        try await transaction("PostgreSQL") { db in
            try await db.execute("COMMIT")
            try await db.execute(sql)
            try await db.execute("BEGIN")
        }
    }

    /// What a failure means to a user, and whether retrying may help.
    struct Failure {
        var isTransient: Bool
        var code: ToolboxError.Code
        var reason: String
        var parameter: String? = nil
    }

    static func classify(_ error: any Error) -> Failure {
        switch error as? Watchdog {
        case .connectionLost: return Failure(isTransient: true, code: .unavailable, reason: "the connection closed with a statement in flight")
        case .timedOut(let seconds): return Failure(isTransient: true, code: .unavailable, reason: "no answer within \(Int(seconds)) s")
        case nil: break
        }
        if let error = error as? PSQLError {
            if error.code == .server, let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? "error \(state)"
                switch state {
                case "40001", "40P01": return Failure(isTransient: true, code: .unavailable, reason: message)
                case let s where s.hasPrefix("08"): return Failure(isTransient: true, code: .unavailable, reason: message)
                case "57P01", "57P02", "57P03", "53300", "55P03", "58000", "58030": return Failure(isTransient: true, code: .unavailable, reason: message)
                case "28P01", "28000": return Failure(isTransient: false, code: .unauthorized, reason: "PostgreSQL refused the login: \(message)", parameter: "store")
                case "3D000": return Failure(isTransient: false, code: .notFound, reason: message, parameter: "store")
                case "42501": return Failure(isTransient: false, code: .forbidden, reason: message, parameter: "store")
                case "53100": return Failure(isTransient: false, code: .ioError, reason: "the database server is out of disk space: \(message)")
                case "23505", "23503", "23514", "P0001": return Failure(isTransient: false, code: .conflict, reason: message)
                default: return Failure(isTransient: false, code: .ioError, reason: "PostgreSQL error \(state): \(message)")
                }
            }
            switch error.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
                let underlying = error.underlying.map { "\($0)" } ?? "\(error.code)"
                return Failure(isTransient: true, code: .unavailable, reason: "the connection failed: \(underlying)")
            case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
                return Failure(isTransient: false, code: .unauthorized, reason: "PostgreSQL refused the login (\(error.code))", parameter: "store")
            case .sslUnsupported:
                return Failure(isTransient: false, code: .unavailable, reason: "the server does not offer TLS and sslmode is require", parameter: "store")
            case .poolClosed:
                return Failure(isTransient: false, code: .unavailable, reason: "the store was closed")
            default:
                return Failure(isTransient: false, code: .ioError, reason: "PostgreSQL: \(error.code)")
            }
        }
        if error is CancellationError { return Failure(isTransient: false, code: .cancelled, reason: "cancelled") }
        // Connection-level failures from SwiftNIO (refused, reset, unreachable) pass again.
        return Failure(isTransient: true, code: .unavailable, reason: "\(error)")
    }

    // MARK: Schema

    /// The schema versions this build knows, per component (`tracking`, `studies`).
    static let advisoryLockKey: Int64 = 0x6473_7462_785F_7367  // "dstbx_sg"

    /// Applies `migrations` (in order; the schema's version is how many are applied) for
    /// `component`, once, under an advisory lock held by the migrating transaction. A database
    /// whose schema is newer than this build's is refused (`unsupported`).
    func migrate(component: String, _ migrations: [[String]]) async throws {
        try await transaction("opening the \(component) store") { db in
            try await db.execute("SELECT pg_advisory_xact_lock(?)", [.int(Self.advisoryLockKey)])
            try await db.execute("CREATE TABLE IF NOT EXISTS dstoolbox_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL, updated DOUBLE PRECISION NOT NULL)")
            let current = try await db.scalar("SELECT version FROM dstoolbox_schema WHERE component = ?", [.text(component)], as: Int.self) ?? 0
            guard current <= migrations.count else {
                throw ToolboxError(.unsupported, "the \(component) store at \(self.url) has schema version \(current), newer than this DSToolbox's \(migrations.count); upgrade to open it",
                                   context: ErrorContext(parameter: "store"))
            }
            for migration in migrations[current...] {
                for statement in migration { try await db.execute(statement) }
            }
            if current < migrations.count {
                try await db.execute("""
                    INSERT INTO dstoolbox_schema (component, version, updated) VALUES (?, ?, ?)
                    ON CONFLICT (component) DO UPDATE SET version = excluded.version, updated = excluded.updated
                    """, [.text(component), .int(Int64(migrations.count)), .double(Date().timeIntervalSince1970)])
            }
        }
    }
}

/// The connections of one process to one database: at most `size` open, reused while healthy,
/// dropped when closed. Opening a connection reports the server's answer at once (a refused
/// connection, a wrong password), so the caller decides what to retry.
final class ConnectionPool: Sendable {
    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
        var nextID = 0
    }
    private let state = Mutex(State())
    let configuration: PostgresConnection.Configuration
    private let size: Int
    private let logger: Logger

    init(configuration: PostgresConnection.Configuration, size: Int, logger: Logger) {
        self.configuration = configuration
        self.size = size
        self.logger = logger
    }

    /// A healthy idle connection, or a new one while fewer than `size` are open, or the next
    /// one released.
    func lease() async throws -> PostgresConnection {
        while true {
            enum Step { case use(PostgresConnection), open(Int), wait }
            let step: Step = state.withLock { state in
                while let connection = state.idle.popLast() {
                    if !connection.isClosed { return .use(connection) }
                    state.open -= 1
                }
                if state.open < size {
                    state.open += 1
                    state.nextID += 1
                    return .open(state.nextID)
                }
                return .wait
            }
            switch step {
            case .use(let connection): return connection
            case .open(let id):
                do {
                    return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
                } catch {
                    dropped()
                    throw error
                }
            case .wait:
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.idle.isEmpty || state.open < size { return true }
                        state.waiting.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Closes a connection that cannot be trusted and forgets it.
    func drop(_ connection: PostgresConnection) {
        Self.close(connection)
        dropped()
    }

    /// Gives a connection back (a closed one is dropped) and wakes one waiter.
    func release(_ connection: PostgresConnection) {
        if connection.isClosed { return dropped() }
        let waiter = state.withLock { state in
            state.idle.append(connection)
            return state.waiting.isEmpty ? nil : state.waiting.removeFirst()
        }
        waiter?.resume()
    }

    private func dropped() {
        let waiter = state.withLock { state in
            state.open -= 1
            return state.waiting.isEmpty ? nil : state.waiting.removeFirst()
        }
        waiter?.resume()
    }

    /// Closes every idle connection.
    func closeAll() {
        let idle = state.withLock { state in
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { Self.close(connection) }
    }

    /// Closes a connection, keeping it alive until it is closed (PostgresNIO requires it).
    static func close(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}
