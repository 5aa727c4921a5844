import Foundation
import ToolboxCore
public import TrackKit

/// The tracking store and model registry on one PostgreSQL database, for a team whose workers,
/// servers and notebooks run on many machines: what `TrackKit/SQLiteTrackingStore` keeps in a
/// folder, with the same meaning call for call (the store conformance suite runs on both).
///
/// - Every call is one transaction, retried while PostgreSQL's failure is transient (see
///   ``PostgresDatabase``).
/// - Metric values are stored twice, as SQLite's are: a `DOUBLE PRECISION` for filters and
///   ordering (NULL for NaN, so NaN never passes a comparison) and the Double's 64-bit pattern,
///   which is what is read back, so NaN and ±∞ return exactly.
/// - Text columns use the `C` collation: `LIKE` is case-sensitive, `ILIKE` is not, and ordering
///   is by code point whatever the database's locale.
/// - A run's parameters, tags and metrics are written in the transaction that checks the run
///   exists (runs are never deleted), without a foreign-key check per row: logging is the hot path.
/// - Registry changes take a lock on the model's row first: concurrent registrations from any
///   number of machines number versions 1, 2, 3, ... without a gap, and concurrent alias moves
///   are never lost. The audit log refuses `UPDATE`, `DELETE` and `TRUNCATE` in the database.
/// - Artifacts are content addressed (SHA-256) and kept in the database, in 1 MiB parts, so
///   every machine that reaches the database reads them with nothing to mount.
public final class PostgresTrackingStore: TrackingStore, Sendable {
    /// The database.
    public let database: PostgresDatabase
    /// Who changes are recorded as made by in the audit log when a call names no one.
    public let defaultActor: String

    /// Opens the store at `url` (creating or upgrading its tables once, under an advisory lock).
    /// - Throws: `ToolboxError/Code/invalidParameter` for a malformed URL,
    ///   `ToolboxError/Code/unavailable` when the server cannot be reached within the retry
    ///   budget, `ToolboxError/Code/unauthorized` for a refused login,
    ///   `ToolboxError/Code/unsupported` for a schema newer than this build's.
    public convenience init(url: String, actor: String? = nil) async throws {
        try await self.init(database: PostgresDatabase(url: PostgresURL(url)), actor: actor)
    }

    /// Opens the store in `database`.
    public init(database: PostgresDatabase, actor: String? = nil) async throws {
        self.database = database
        defaultActor = actor ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        try await database.migrate(component: "tracking", Self.migrations)
    }

    /// One transaction (see ``PostgresDatabase``).
    func transaction<T: Sendable>(_ what: String, _ body: @escaping @Sendable (SQLConnection) async throws -> T) async throws -> T {
        try await database.transaction(what, body)
    }

    static func requireRun(_ db: SQLConnection, _ runID: String) async throws {
        guard try await db.exists("SELECT 1 FROM runs WHERE id = ?", [.text(runID)]) else {
            throw ToolboxError(.notFound, "no run \(runID)", context: ErrorContext(parameter: "run"))
        }
    }

    // MARK: Experiments and runs

    /// The experiment called `name`, created if it does not exist.
    public func experiment(named name: String) async throws -> Experiment {
        guard !name.isEmpty else {
            throw ToolboxError(.invalidParameter, "an experiment needs a name", context: ErrorContext(parameter: "experiment"))
        }
        return try await transaction("tracking store") { db in
            try await db.execute("INSERT INTO experiments (name, creation_time) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                                 [.text(name), .double(Date().timeIntervalSince1970)])
            let row = try await db.rows("SELECT id, name, creation_time FROM experiments WHERE name = ?", [.text(name)])[0]
            return Experiment(id: try row["id"], name: try row["name"], creationTime: try row["creation_time"])
        }
    }

    /// Every experiment, by id.
    public func experiments() async throws -> [Experiment] {
        try await transaction("tracking store") { db in
            try await db.rows("SELECT id, name, creation_time FROM experiments ORDER BY id").map {
                Experiment(id: try $0["id"], name: try $0["name"], creationTime: try $0["creation_time"])
            }
        }
    }

    /// Starts a run in an experiment (status `TrackKit/RunStatus/running`).
    public func createRun(experimentID: Int64, name: String?, parentRunID: String?, source: String?, user: String?) async throws -> Run {
        try await createRun(experimentID: experimentID, name: name, parentRunID: parentRunID, source: source, user: user, startTime: nil)
    }

    /// Starts a run that started at `startTime` (seconds since 1970; now when nil).
    public func createRun(experimentID: Int64, name: String?, parentRunID: String?, source: String?, user: String?, startTime: Double?) async throws -> Run {
        let run = Run(id: StoreChecks.newRunID(), experimentID: experimentID, name: name, status: .running, startTime: startTime ?? Date().timeIntervalSince1970,
                      endTime: nil, parentRunID: parentRunID, source: source, user: user)
        return try await transaction("tracking store") { db in
            // A retried transaction whose first commit did land finds its run.
            if try await db.exists("SELECT 1 FROM runs WHERE id = ?", [.text(run.id)]) { return run }
            guard try await db.exists("SELECT 1 FROM experiments WHERE id = ?", [.int(experimentID)]) else {
                throw ToolboxError(.notFound, "no experiment with id \(experimentID)", context: ErrorContext(parameter: "experiment"))
            }
            if let parentRunID, !(try await db.exists("SELECT 1 FROM runs WHERE id = ?", [.text(parentRunID)])) {
                throw ToolboxError(.notFound, "no parent run \(parentRunID)", context: ErrorContext(parameter: "parent"))
            }
            try await db.execute("""
                INSERT INTO runs (id, experiment_id, name, status, start_time, parent_run_id, source, user_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(run.id), .int(experimentID), SQLValue(name), .text(run.status.rawValue), .double(run.startTime),
                      SQLValue(parentRunID), SQLValue(source), SQLValue(user)])
            return run
        }
    }

    static func run(_ row: SQLRow) throws -> Run {
        Run(id: try row["id"], experimentID: try row["experiment_id"], name: try row["name"],
            status: RunStatus(rawValue: try row["status"]) ?? .failed, startTime: try row["start_time"], endTime: try row["end_time"],
            parentRunID: try row["parent_run_id"], source: try row["source"], user: try row["user_name"])
    }

    /// A run by id.
    public func run(id: String) async throws -> Run {
        try await transaction("tracking store") { db in
            guard let row = try await db.rows("SELECT * FROM runs WHERE id = ?", [.text(id)]).first else {
                throw ToolboxError(.notFound, "no run \(id)", context: ErrorContext(parameter: "run"))
            }
            return try Self.run(row)
        }
    }

    /// Ends a run with a final status.
    public func endRun(id: String, status: RunStatus) async throws {
        try await endRun(id: id, status: status, endTime: nil)
    }

    /// Ends a run at `endTime` (seconds since 1970; now when nil).
    public func endRun(id: String, status: RunStatus, endTime: Double?) async throws {
        try await transaction("tracking store") { db in
            let updated = try await db.rows("UPDATE runs SET status = ?, end_time = ? WHERE id = ? RETURNING id",
                                            [.text(status.rawValue), .double(endTime ?? Date().timeIntervalSince1970), .text(id)])
            guard !updated.isEmpty else { throw ToolboxError(.notFound, "no run \(id)", context: ErrorContext(parameter: "run")) }
        }
    }

    // MARK: Parameters, metrics, tags

    /// Logs parameters, metrics and tags in one transaction: all of them or none.
    /// Parameters are written once (the same value again is fine, another value is a
    /// `conflict`); metrics append to their history; tags overwrite.
    public func logBatch(runID: String, params: [String: String], metrics: [RunMetric], tags: [String: String]) async throws {
        try StoreChecks.keys(Array(params.keys) + metrics.map(\.key) + Array(tags.keys))
        try await transaction("tracking store") { db in
            try await Self.requireRun(db, runID)
            if !params.isEmpty {
                let sorted = params.sorted { $0.key < $1.key }
                try await Self.insertMany(db, "INSERT INTO params (run_id, key, value) VALUES", columns: 3, rows: sorted.count,
                                          suffix: " ON CONFLICT (run_id, key) DO NOTHING") { i in [.text(runID), .text(sorted[i].key), .text(sorted[i].value)] }
                let keys = sorted.map(\.key)
                let stored = try await db.rows("SELECT key, value FROM params WHERE run_id = ? AND key = ANY(?::text[])", [.text(runID), .text(Self.textArray(keys))])
                for row in stored {
                    let key: String = try row["key"], existing: String = try row["value"]
                    if let value = params[key], value != existing {
                        throw ToolboxError(.conflict, "parameter \(key) of run \(runID) is already \(existing); parameters are written once (not \(value))",
                                           context: ErrorContext(parameter: key))
                    }
                }
            }
            try await Self.insert(metrics, runID: runID, db)
            if !tags.isEmpty {
                let sorted = tags.sorted { $0.key < $1.key }
                try await Self.insertMany(db, "INSERT INTO tags (run_id, key, value) VALUES", columns: 3, rows: sorted.count,
                                          suffix: " ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value") { i in
                    [.text(runID), .text(sorted[i].key), .text(sorted[i].value)]
                }
            }
        }
    }

    /// A list of texts as PostgreSQL's array literal (`{"a","b"}`), bound as text and read with
    /// `= ANY(?::text[])`.
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
    }

    /// Inserts `rows` rows of `columns` values each, in statements of at most 1,000 rows
    /// (PostgreSQL takes 65,535 bindings a statement).
    static func insertMany(_ db: SQLConnection, _ head: String, columns: Int, rows: Int, suffix: String = "",
                           values: (Int) -> [SQLValue]) async throws {
        let perStatement = max(1, min(1_000, 65_535 / columns))
        let tuple = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        var start = 0
        while start < rows {
            let end = min(rows, start + perStatement)
            var arguments: [SQLValue] = []
            arguments.reserveCapacity((end - start) * columns)
            for i in start..<end { arguments += values(i) }
            let sql = head + " " + Array(repeating: tuple, count: end - start).joined(separator: ", ") + suffix
            try await db.execute(sql, arguments)
            start = end
        }
    }

    /// Appends metrics to their histories and moves each key's latest value (the largest step,
    /// then timestamp, then the last logged) in `latest_metrics`.
    static func insert(_ metrics: [RunMetric], runID: String, _ db: SQLConnection) async throws {
        try await insert(metrics.map { (runID, $0) }, db)
    }

    /// ``insert(_:runID:_:)`` for metrics of many runs at once.
    static func insert(_ metrics: [(runID: String, metric: RunMetric)], _ db: SQLConnection) async throws {
        guard !metrics.isEmpty else { return }
        // One statement whatever the batch's size: each column bound as one array. NaN is
        // stored as NULL in `value` (so it passes no comparison) and exactly in `bits`.
        let columns = """
            SELECT r, k, NULLIF(v, 'NaN'::float8), b, s, t FROM unnest(?::text[], ?::text[], ?::float8[], ?::int8[], ?::int8[], ?::float8[]) AS u(r, k, v, b, s, t)
            """
        func arrays(_ rows: some Collection<(runID: String, metric: RunMetric)>) -> [SQLValue] {
            [.texts(rows.map(\.runID)), .texts(rows.map(\.metric.key)), .doubles(rows.map(\.metric.value)),
             .ints(rows.map { Int64(bitPattern: $0.metric.value.bitPattern) }), .ints(rows.map(\.metric.step)), .doubles(rows.map(\.metric.timestamp))]
        }
        try await db.execute("INSERT INTO metrics (run_id, key, value, bits, step, timestamp) " + columns, arrays(metrics))
        struct Key: Hashable { let run: String, key: String }
        var latest: [Key: RunMetric] = [:]
        for (runID, metric) in metrics {
            let key = Key(run: runID, key: metric.key)
            if let current = latest[key], (current.step, current.timestamp) > (metric.step, metric.timestamp) { continue }
            latest[key] = metric
        }
        // In key order, so two batches lock the rows in the same order.
        let rows = latest.sorted { ($0.key.run, $0.key.key) < ($1.key.run, $1.key.key) }.map { (runID: $0.key.run, metric: $0.value) }
        try await db.execute("""
            INSERT INTO latest_metrics AS l (run_id, key, value, bits, step, timestamp) \(columns)
            ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, bits = excluded.bits, step = excluded.step, timestamp = excluded.timestamp
            WHERE excluded.step > l.step OR (excluded.step = l.step AND excluded.timestamp >= l.timestamp)
            """, arrays(rows))
    }

    /// A run's parameters.
    public func params(runID: String) async throws -> [String: String] {
        try await keyValues("params", runID: runID)
    }

    /// A run's tags.
    public func tags(runID: String) async throws -> [String: String] {
        try await keyValues("tags", runID: runID)
    }

    private func keyValues(_ table: String, runID: String) async throws -> [String: String] {
        try await transaction("tracking store") { db in
            var values: [String: String] = [:]
            for row in try await db.rows("SELECT key, value FROM \(table) WHERE run_id = ?", [.text(runID)]) { values[try row["key"]] = try row["value"] }
            return values
        }
    }

    static func metric(_ row: SQLRow) throws -> RunMetric {
        let bits: Int64 = try row["bits"]
        return RunMetric(key: try row["key"], value: Double(bitPattern: UInt64(bitPattern: bits)), step: try row["step"], timestamp: try row["timestamp"])
    }

    /// A metric's history in a run, by step, then timestamp, then logging order.
    public func metricHistory(runID: String, key: String) async throws -> [RunMetric] {
        try await transaction("tracking store") { db in
            try await db.rows("SELECT key, bits, step, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp, seq",
                              [.text(runID), .text(key)]).map(Self.metric)
        }
    }

    /// The latest value of each metric of a run (the last logged at the largest step).
    public func latestMetrics(runID: String) async throws -> [String: RunMetric] {
        try await transaction("tracking store") { db in
            var latest: [String: RunMetric] = [:]
            for row in try await db.rows("SELECT key, bits, step, timestamp FROM latest_metrics WHERE run_id = ?", [.text(runID)]) {
                let metric = try Self.metric(row)
                latest[metric.key] = metric
            }
            return latest
        }
    }

    /// The parameters, tags, latest metrics and inputs of many runs, in five queries per 5,000 runs.
    public func runData(runIDs: [String]) async throws -> [String: RunData] {
        try await transaction("tracking store") { db in
            var out: [String: RunData] = [:]
            for start in stride(from: 0, to: runIDs.count, by: 5_000) {
                let chunk = SQLValue.text(Self.textArray(Array(runIDs[start..<min(runIDs.count, start + 5_000)])))
                for row in try await db.rows("SELECT id FROM runs WHERE id = ANY(?::text[])", [chunk]) { out[try row["id"]] = RunData() }
                for row in try await db.rows("SELECT run_id, key, value FROM params WHERE run_id = ANY(?::text[])", [chunk]) {
                    out[try row["run_id"] as String]?.params[try row["key"]] = try row["value"]
                }
                for row in try await db.rows("SELECT run_id, key, value FROM tags WHERE run_id = ANY(?::text[])", [chunk]) {
                    out[try row["run_id"] as String]?.tags[try row["key"]] = try row["value"]
                }
                for row in try await db.rows("SELECT run_id, key, bits, step, timestamp FROM latest_metrics WHERE run_id = ANY(?::text[])", [chunk]) {
                    let metric = try Self.metric(row)
                    out[try row["run_id"] as String]?.metrics[metric.key] = metric
                }
                for row in try await db.rows("SELECT * FROM inputs WHERE run_id = ANY(?::text[]) ORDER BY seq", [chunk]) {
                    out[try row["run_id"] as String]?.inputs.append(try Self.input(row))
                }
            }
            return out
        }
    }

    static func input(_ row: SQLRow) throws -> DatasetInput {
        let rows: Int64? = try row["n_rows"], columns: Int64? = try row["n_columns"]
        return DatasetInput(name: try row["name"], digest: try row["digest"], source: try row["source"], rows: rows.map(Int.init), columns: columns.map(Int.init))
    }

    /// Records the data sets a run read (a fingerprint each); the same digest again is ignored.
    public func logInputs(runID: String, inputs: [DatasetInput]) async throws {
        try await transaction("tracking store") { db in
            try await Self.requireRun(db, runID)
            for input in inputs {
                try await db.execute("""
                    INSERT INTO inputs (run_id, digest, name, source, n_rows, n_columns) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, digest) DO NOTHING
                    """, [.text(runID), .text(input.digest), .text(input.name), SQLValue(input.source), SQLValue(input.rows), SQLValue(input.columns)])
            }
        }
    }

    /// The data sets a run read.
    public func inputs(runID: String) async throws -> [DatasetInput] {
        try await transaction("tracking store") { db in
            try await db.rows("SELECT * FROM inputs WHERE run_id = ? ORDER BY seq", [.text(runID)]).map(Self.input)
        }
    }
}
