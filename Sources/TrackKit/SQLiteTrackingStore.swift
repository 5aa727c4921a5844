public import Foundation
import GRDB
import ToolboxCore

/// The tracking store on one SQLite database (`tracking.sqlite` in the store's folder), through
/// GRDB: WAL mode (readers never block the writer), a busy timeout so concurrent writers from
/// many threads or processes wait instead of failing with "database is locked", and versioned
/// migrations (run in an exclusive transaction, so processes racing to create the schema end with
/// one).
///
/// RunMetric values are stored twice: as a REAL for filtering and ordering (SQLite keeps ±∞ but
/// turns a bound NaN into NULL) and as the 64-bit pattern of the Double, which is what is read
/// back, so NaN and ±∞ return exactly.
public final class SQLiteTrackingStore: TrackingStore, @unchecked Sendable {
    /// The store's folder.
    public let root: URL
    /// The database: a pool of connections (WAL), or on read-only storage one immutable
    /// read-only connection.
    let pool: any DatabaseWriter
    /// Whether the store was opened from read-only storage: reading works, writing is refused.
    public let isReadOnly: Bool
    /// Who changes are recorded as made by in the audit log when a call names no one.
    public let defaultActor: String

    /// Opens (creating if needed) the store in `folder`.
    /// - Throws: `ToolboxError/Code/ioError` when the folder cannot be created or the database
    ///   opened, naming the path.
    public init(folder: String, actor: String? = nil) throws {
        root = URL(fileURLWithPath: folder, isDirectory: true)
        defaultActor = actor ?? ProcessInfo.processInfo.environment["USER"] ?? getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "unknown"
        (pool, isReadOnly) = try Self.opener.open(folder: folder)
    }

    /// How the tracking database opens (shared with every SQLite store: lock, migrations,
    /// newer-schema check, foreign databases refused untouched, read-only storage).
    static var opener: SQLiteStoreOpener {
        SQLiteStoreOpener(kind: "tracking store", databaseName: "tracking.sqlite", lockName: "tracking.lock", migrator: migrator,
                          firstMigration: "v1: experiments, runs, params, metrics, tags")
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: experiments, runs, params, metrics, tags") { db in
            try db.create(table: "experiments") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("creation_time", .double).notNull()
            }
            try db.create(table: "runs") { t in
                t.primaryKey("id", .text)
                t.column("experiment_id", .integer).notNull().references("experiments")
                t.column("name", .text)
                t.column("status", .text).notNull()
                t.column("start_time", .double).notNull()
                t.column("end_time", .double)
                t.column("parent_run_id", .text)
                t.column("source", .text)
                t.column("user", .text)
            }
            try db.create(table: "params") { t in
                t.column("run_id", .text).notNull().references("runs")
                t.column("key", .text).notNull()
                t.column("value", .text).notNull()
                t.primaryKey(["run_id", "key"])
            }
            try db.create(table: "metrics") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("run_id", .text).notNull().references("runs")
                t.column("key", .text).notNull()
                t.column("value", .double)
                t.column("bits", .integer).notNull()
                t.column("step", .integer).notNull()
                t.column("timestamp", .double).notNull()
            }
            try db.create(index: "metrics_by_run_key", on: "metrics", columns: ["run_id", "key", "step"])
            try db.create(table: "tags") { t in
                t.column("run_id", .text).notNull().references("runs")
                t.column("key", .text).notNull()
                t.column("value", .text).notNull()
                t.primaryKey(["run_id", "key"])
            }
        }
        migrator.registerMigration("v2: inputs, artifacts, model registry, audit log") { db in
            try Self.createRegistrySchema(db)
        }
        migrator.registerMigration("v3: latest metrics and indexes for search") { db in
            try db.execute(sql: """
                CREATE TABLE latest_metrics (run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL, value REAL, bits INTEGER NOT NULL,
                                             step INTEGER NOT NULL, timestamp REAL NOT NULL, PRIMARY KEY (run_id, key)) WITHOUT ROWID;
                INSERT INTO latest_metrics (run_id, key, value, bits, step, timestamp)
                    SELECT run_id, key, value, bits, step, timestamp FROM metrics m
                    WHERE seq = (SELECT seq FROM metrics n WHERE n.run_id = m.run_id AND n.key = m.key
                                 ORDER BY step DESC, timestamp DESC, seq DESC LIMIT 1);
                CREATE INDEX latest_metrics_by_value ON latest_metrics (key, value);
                CREATE INDEX params_by_value ON params (key, value);
                CREATE INDEX tags_by_value ON tags (key, value);
                CREATE INDEX runs_by_start ON runs (start_time, id);
                CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time);
                """)
        }
        return migrator
    }

    /// Runs a database operation, turning GRDB's errors into typed ones.
    func database<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ToolboxError {
            throw error
        } catch {
            throw StoreErrors.typed(error, doing: "tracking store", path: root.path)
        }
    }

    /// The experiment called `name`, created if it does not exist.
    public func experiment(named name: String) throws -> Experiment {
        guard !name.isEmpty else {
            throw ToolboxError(.invalidParameter, "an experiment needs a name", context: ErrorContext(parameter: "experiment"))
        }
        return try database {
            try pool.write { db in
                if let row = try Row.fetchOne(db, sql: "SELECT id, name, creation_time FROM experiments WHERE name = ?", arguments: [name]) {
                    return Experiment(id: row["id"], name: row["name"], creationTime: row["creation_time"])
                }
                let now = Date().timeIntervalSince1970
                try db.execute(sql: "INSERT INTO experiments (name, creation_time) VALUES (?, ?)", arguments: [name, now])
                return Experiment(id: db.lastInsertedRowID, name: name, creationTime: now)
            }
        }
    }

    /// Starts a run in an experiment (status ``RunStatus/running``).
    public func createRun(experimentID: Int64, name: String? = nil, parentRunID: String? = nil, source: String? = nil, user: String? = nil) throws -> Run {
        try createRun(experimentID: experimentID, name: name, parentRunID: parentRunID, source: source, user: user, startTime: nil)
    }

    /// Starts a run that started at `startTime` (seconds since 1970; now when nil), as a client
    /// that stamps its own runs (MLflow's) reports it.
    public func createRun(experimentID: Int64, name: String?, parentRunID: String?, source: String?, user: String?, startTime: Double?) throws -> Run {
        let id = StoreChecks.newRunID()
        let run = Run(id: id, experimentID: experimentID, name: name, status: .running, startTime: startTime ?? Date().timeIntervalSince1970,
                      endTime: nil, parentRunID: parentRunID, source: source, user: user)
        try database {
            try pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM experiments WHERE id = ?)", arguments: [experimentID]) == true else {
                    throw ToolboxError(.notFound, "no experiment with id \(experimentID)", context: ErrorContext(parameter: "experiment"))
                }
                if let parentRunID, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [parentRunID]) != true {
                    throw ToolboxError(.notFound, "no parent run \(parentRunID)", context: ErrorContext(parameter: "parent"))
                }
                try db.execute(sql: """
                    INSERT INTO runs (id, experiment_id, name, status, start_time, parent_run_id, source, user)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [run.id, experimentID, name, run.status.rawValue, run.startTime, parentRunID, source, user])
            }
        }
        return run
    }

    /// A run by id.
    public func run(id: String) throws -> Run {
        try database {
            try pool.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else {
                    throw ToolboxError(.notFound, "no run \(id)", context: ErrorContext(parameter: "run"))
                }
                return Self.run(row)
            }
        }
    }

    static func run(_ row: Row) -> Run {
        Run(id: row["id"], experimentID: row["experiment_id"], name: row["name"],
            status: RunStatus(rawValue: row["status"]) ?? .failed, startTime: row["start_time"], endTime: row["end_time"],
            parentRunID: row["parent_run_id"], source: row["source"], user: row["user"])
    }

    /// Runs that pass `filter` (see ``RunFilter``), ordered by `orderBy` then by start time
    /// (newest first) and id, `maxResults` from `offset`.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a page size outside 1...50000 or a
    ///   negative offset.
    public func searchRuns(experimentIDs: [Int64] = [], filter: RunFilter? = nil, orderBy: [RunOrder] = [], maxResults: Int = 1_000,
                           offset: Int = 0) throws -> [Run] {
        guard (1...50_000).contains(maxResults), offset >= 0 else {
            throw ToolboxError(.invalidParameter, "max results must be in 1...50000 and the offset at least 0", context: ErrorContext(parameter: "max_results"))
        }
        return try database {
            try pool.read { db in
                var conditions: [String] = [], arguments: [any Sendable & Hashable] = []
                if !experimentIDs.isEmpty {
                    conditions.append("runs.experiment_id IN (\(experimentIDs.map { _ in "?" }.joined(separator: ", ")))")
                    arguments += experimentIDs.map { $0 as any Sendable & Hashable }
                }
                if let filter {
                    // The most selective AND term drives (the list of runs it selects, from an
                    // index); the others are checked per run found.
                    let terms = filter.conjuncts
                    var driver = 0
                    if terms.count > 1 {
                        var fewest = Int.max
                        for (index, term) in terms.enumerated() {
                            guard let (sql, countArguments) = term.countSQL(cap: 20_000) else { continue }
                            let count = try Int.fetchOne(db, sql: sql, arguments: Self.statementArguments(countArguments)) ?? 0
                            if count < fewest { (fewest, driver) = (count, index) }
                        }
                    }
                    for (index, term) in terms.enumerated() {
                        let (condition, termArguments) = term.sql(index == driver ? .list : .check)
                        conditions.append(condition)
                        arguments += termArguments
                    }
                }
                let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
                if orderBy.count == 1, case .metric(let key) = orderBy[0].field {
                    return try searchOrderedByMetric(db, key: key, descending: orderBy[0].descending, whereClause: whereClause,
                                                     arguments: arguments, maxResults: maxResults, offset: offset)
                }
                var order: [String] = []
                for item in orderBy {
                    let (operand, orderArguments) = RunFilter.operand(item.field)
                    if case .attribute(let name) = item.field, ["start_time", "run_id", "status"].contains(name) {
                        // Never missing: ordered directly, so the index on start time serves.
                        order.append("\(operand) \(item.descending ? "DESC" : "ASC")")
                        arguments += orderArguments
                    } else {
                        // Missing values last, as MLflow orders them.
                        order.append("(\(operand)) IS NULL, \(operand) \(item.descending ? "DESC" : "ASC")")
                        arguments += orderArguments + orderArguments
                    }
                }
                if order.first != "runs.start_time DESC" { order.append("runs.start_time DESC") }
                order.append("runs.id")
                let sql = "SELECT runs.* FROM runs" + whereClause + " ORDER BY " + order.joined(separator: ", ") + " LIMIT ? OFFSET ?"
                arguments += [maxResults, offset]
                return try Row.fetchAll(db, sql: sql, arguments: Self.statementArguments(arguments)).map(Self.run)
            }
        }
    }

    /// Ordered by one metric: runs that have it come from the (key, value) index in order, so a
    /// page is read without sorting every run; runs without it (or NaN) follow, newest first.
    private func searchOrderedByMetric(_ db: Database, key: String, descending: Bool, whereClause: String, arguments: [any Sendable & Hashable],
                                       maxResults: Int, offset: Int) throws -> [Run] {
        let direction = descending ? "DESC" : "ASC"
        let having = "SELECT runs.* FROM latest_metrics o JOIN runs ON runs.id = o.run_id"
            + (whereClause.isEmpty ? " WHERE " : whereClause + " AND ") + "o.key = ? AND o.value IS NOT NULL"
            + " ORDER BY o.value \(direction), runs.start_time DESC, runs.id LIMIT ? OFFSET ?"
        var runs = try Row.fetchAll(db, sql: having, arguments: Self.statementArguments(arguments + [key, maxResults, offset])).map(Self.run)
        guard runs.count < maxResults else { return runs }
        // How many runs with the metric precede the ones without it.
        let withMetric: Int
        if !runs.isEmpty {
            withMetric = offset + runs.count
        } else {
            let count = "SELECT COUNT(*) FROM latest_metrics o JOIN runs ON runs.id = o.run_id"
                + (whereClause.isEmpty ? " WHERE " : whereClause + " AND ") + "o.key = ? AND o.value IS NOT NULL"
            withMetric = try Int.fetchOne(db, sql: count, arguments: Self.statementArguments(arguments + [key])) ?? 0
        }
        let missing = "SELECT runs.* FROM runs" + (whereClause.isEmpty ? " WHERE " : whereClause + " AND ")
            + "NOT EXISTS (SELECT 1 FROM latest_metrics o WHERE o.run_id = runs.id AND o.key = ? AND o.value IS NOT NULL)"
            + " ORDER BY runs.start_time DESC, runs.id LIMIT ? OFFSET ?"
        runs += try Row.fetchAll(db, sql: missing, arguments: Self.statementArguments(arguments + [key, maxResults - runs.count, max(0, offset - withMetric)]))
            .map(Self.run)
        return runs
    }

    static func statementArguments(_ arguments: [any Sendable & Hashable]) -> StatementArguments {
        StatementArguments(arguments.map { argument -> (any DatabaseValueConvertible)? in
            switch argument {
            case let value as Double: value
            case let value as Int64: value
            case let value as Int: value
            case let value as String: value
            default: nil
            }
        })
    }

    /// Ends a run with a final status.
    public func endRun(id: String, status: RunStatus) throws {
        try endRun(id: id, status: status, endTime: nil)
    }

    /// Ends a run at `endTime` (seconds since 1970; now when nil).
    public func endRun(id: String, status: RunStatus, endTime: Double?) throws {
        try database {
            try pool.write { db in
                try db.execute(sql: "UPDATE runs SET status = ?, end_time = ? WHERE id = ?", arguments: [status.rawValue, endTime ?? Date().timeIntervalSince1970, id])
                guard db.changesCount == 1 else { throw ToolboxError(.notFound, "no run \(id)", context: ErrorContext(parameter: "run")) }
            }
        }
    }

    /// Logs parameters, metrics and tags in one transaction: all of them or none.
    /// Parameters are write-once (the same value again is fine, another value is a `conflict`);
    /// metrics append to their history; tags overwrite.
    public func logBatch(runID: String, params: [String: String] = [:], metrics: [RunMetric] = [], tags: [String: String] = [:]) throws {
        try StoreChecks.keys(Array(params.keys) + metrics.map(\.key) + Array(tags.keys))
        try database {
            try pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [runID]) == true else {
                    throw ToolboxError(.notFound, "no run \(runID)", context: ErrorContext(parameter: "run"))
                }
                for (key, value) in params.sorted(by: { $0.key < $1.key }) {
                    if let existing = try String.fetchOne(db, sql: "SELECT value FROM params WHERE run_id = ? AND key = ?", arguments: [runID, key]) {
                        guard existing == value else {
                            throw ToolboxError(.conflict, "parameter \(key) of run \(runID) is already \(existing); parameters are written once (not \(value))",
                                               context: ErrorContext(parameter: key))
                        }
                        continue
                    }
                    try db.execute(sql: "INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)", arguments: [runID, key, value])
                }
                try Self.insert(metrics, runID: runID, db)
                for (key, value) in tags {
                    try db.execute(sql: "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                                   arguments: [runID, key, value])
                }
            }
        }
    }

    /// Appends metrics to their histories and moves each key's latest value (the largest step,
    /// then timestamp, then the last logged) in `latest_metrics`, which searches read.
    static func insert(_ metrics: [RunMetric], runID: String, _ db: Database) throws {
        guard !metrics.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT INTO metrics (run_id, key, value, bits, step, timestamp) VALUES (?, ?, ?, ?, ?, ?)")
        var latest: [String: RunMetric] = [:]
        for metric in metrics {
            try insert.execute(arguments: [runID, metric.key, metric.value.isNaN ? nil : metric.value,
                                           Int64(bitPattern: metric.value.bitPattern), metric.step, metric.timestamp])
            if let current = latest[metric.key], (current.step, current.timestamp) > (metric.step, metric.timestamp) { continue }
            latest[metric.key] = metric
        }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO latest_metrics (run_id, key, value, bits, step, timestamp) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, bits = excluded.bits, step = excluded.step, timestamp = excluded.timestamp
            WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)
            """)
        for metric in latest.values {
            try upsert.execute(arguments: [runID, metric.key, metric.value.isNaN ? nil : metric.value,
                                           Int64(bitPattern: metric.value.bitPattern), metric.step, metric.timestamp])
        }
    }

    /// A run's parameters.
    public func params(runID: String) throws -> [String: String] {
        try keyValues("params", runID: runID)
    }

    /// A run's tags.
    public func tags(runID: String) throws -> [String: String] {
        try keyValues("tags", runID: runID)
    }

    private func keyValues(_ table: String, runID: String) throws -> [String: String] {
        try database {
            try pool.read { db in
                var values: [String: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT key, value FROM \(table) WHERE run_id = ?", arguments: [runID]) {
                    values[row["key"]] = row["value"]
                }
                return values
            }
        }
    }

    /// A metric's history in a run, by step, then timestamp, then logging order.
    public func metricHistory(runID: String, key: String) throws -> [RunMetric] {
        try database {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT key, bits, step, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp, seq",
                                 arguments: [runID, key]).map(Self.metric)
            }
        }
    }

    /// The latest value of each metric of a run (the last logged at the largest step).
    public func latestMetrics(runID: String) throws -> [String: RunMetric] {
        try database {
            try pool.read { db in
                var latest: [String: RunMetric] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT key, bits, step, timestamp FROM latest_metrics WHERE run_id = ?", arguments: [runID]) {
                    let metric = Self.metric(row)
                    latest[metric.key] = metric
                }
                return latest
            }
        }
    }

    /// The parameters, tags, latest metrics and inputs of many runs, in four queries per 500 runs.
    public func runData(runIDs: [String]) throws -> [String: RunData] {
        try database {
            try pool.read { db in
                var out: [String: RunData] = [:]
                for start in stride(from: 0, to: runIDs.count, by: 500) {
                    let chunk = Array(runIDs[start..<Swift.min(runIDs.count, start + 500)])
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    let arguments = StatementArguments(chunk)
                    for id in try String.fetchAll(db, sql: "SELECT id FROM runs WHERE id IN (\(marks))", arguments: arguments) {
                        out[id] = RunData()
                    }
                    for row in try Row.fetchAll(db, sql: "SELECT run_id, key, value FROM params WHERE run_id IN (\(marks))", arguments: arguments) {
                        out[row["run_id"] as String]?.params[row["key"]] = row["value"]
                    }
                    for row in try Row.fetchAll(db, sql: "SELECT run_id, key, value FROM tags WHERE run_id IN (\(marks))", arguments: arguments) {
                        out[row["run_id"] as String]?.tags[row["key"]] = row["value"]
                    }
                    for row in try Row.fetchAll(db, sql: "SELECT run_id, key, bits, step, timestamp FROM latest_metrics WHERE run_id IN (\(marks))", arguments: arguments) {
                        let metric = Self.metric(row)
                        out[row["run_id"] as String]?.metrics[metric.key] = metric
                    }
                    for row in try Row.fetchAll(db, sql: "SELECT * FROM inputs WHERE run_id IN (\(marks)) ORDER BY rowid", arguments: arguments) {
                        out[row["run_id"] as String]?.inputs.append(DatasetInput(name: row["name"], digest: row["digest"], source: row["source"],
                                                                                 rows: row["rows"], columns: row["columns"]))
                    }
                }
                return out
            }
        }
    }

    private static func metric(_ row: Row) -> RunMetric {
        let bits: Int64 = row["bits"]
        return RunMetric(key: row["key"], value: Double(bitPattern: UInt64(bitPattern: bits)), step: row["step"], timestamp: row["timestamp"])
    }
}
