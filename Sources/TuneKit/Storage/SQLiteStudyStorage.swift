public import Foundation
import GRDB
import Synchronization
public import ToolboxCore
import TrackKit

/// Studies in a store folder's SQLite database (`studies.sqlite`, beside TrackKit's
/// `tracking.sqlite`), shared by every process that opens the folder.
///
/// Every change is one write transaction: trial numbers come from `MAX(number) + 1` inside the
/// transaction that inserts the trial (with a unique index behind it), so they are unique and
/// contiguous across processes; a waiting trial is claimed by the `UPDATE` that marks it
/// running, so one worker takes it; a finished trial refuses a second finish. Writers wait for
/// each other (WAL, a busy timeout) rather than fail with "database is locked".
///
/// Objective and intermediate values are stored as their 64-bit patterns, so NaN and ±∞ come back
/// exactly.
public final class SQLiteStudyStorage: StudyStorage, BlockingHeartbeat, @unchecked Sendable {
    /// The store's folder.
    public let root: URL
    let pool: any DatabaseWriter
    /// Whether the store was opened from read-only storage.
    public let isReadOnly: Bool
    /// Finished trials read in full, by study and number.
    private let finished = Mutex<[Int: [Int: FrozenTrial]]>([:])

    /// Opens (creating if needed) the studies of the store in `folder`.
    /// - Throws: the typed errors of opening a store (a path that is not a folder, a database
    ///   that is not a DS Toolbox study database, a newer schema, a full disk).
    public init(folder: String) throws {
        root = URL(fileURLWithPath: folder, isDirectory: true)
        (pool, isReadOnly) = try Self.opener.open(folder: folder)
    }

    static var opener: SQLiteStoreOpener {
        SQLiteStoreOpener(kind: "study store", databaseName: "studies.sqlite", lockName: "studies.lock", migrator: migrator,
                          firstMigration: "v1: studies and trials")
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: studies and trials") { db in
            try db.execute(sql: """
                CREATE TABLE studies (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, directions TEXT NOT NULL,
                                      sampler TEXT NOT NULL, seed INTEGER, pruner TEXT NOT NULL, sampler_state TEXT, created REAL NOT NULL);
                CREATE TABLE trials (id INTEGER PRIMARY KEY AUTOINCREMENT, study_id INTEGER NOT NULL REFERENCES studies(id),
                                     number INTEGER NOT NULL, state TEXT NOT NULL, value_bits TEXT, failure TEXT,
                                     started REAL, completed REAL, heartbeat REAL, UNIQUE (study_id, number));
                CREATE INDEX trials_by_state ON trials (study_id, state, number);
                CREATE TABLE trial_params (trial_id INTEGER NOT NULL REFERENCES trials(id), position INTEGER NOT NULL, name TEXT NOT NULL,
                                           value TEXT NOT NULL, distribution TEXT NOT NULL, PRIMARY KEY (trial_id, name)) WITHOUT ROWID;
                CREATE TABLE trial_intermediate (trial_id INTEGER NOT NULL REFERENCES trials(id), step INTEGER NOT NULL, bits INTEGER NOT NULL,
                                                 PRIMARY KEY (trial_id, step)) WITHOUT ROWID;
                CREATE TABLE trial_attributes (trial_id INTEGER NOT NULL REFERENCES trials(id), system INTEGER NOT NULL, key TEXT NOT NULL,
                                               value TEXT NOT NULL, PRIMARY KEY (trial_id, system, key)) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    private func database<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ToolboxError {
            throw error
        } catch {
            throw StoreErrors.typed(error, doing: "study store", path: root.path)
        }
    }

    /// One write transaction, errors typed.
    func writing<T>(_ body: (Database) throws -> T) throws -> T {
        try database { try pool.write { db in try body(db) } }
    }

    private static func record(_ row: Row) throws -> StudyRecord {
        try StudyCoding.record(id: row["id"], name: row["name"], directions: row["directions"], sampler: row["sampler"], seed: row["seed"], pruner: row["pruner"])
    }

    /// Creates the study, or returns the existing one of that name with `loadIfExists`.
    public func createStudy(_ record: StudyRecord, loadIfExists: Bool) async throws -> StudyRecord {
        try database {
            try pool.write { db in
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM studies WHERE name = ?", arguments: [record.name]) {
                    guard loadIfExists else {
                        throw ToolboxError(.conflict, "a study named \(record.name) exists already (load it, or pass --load-if-exists)", context: ErrorContext(parameter: "name"))
                    }
                    return try Self.record(row)
                }
                try db.execute(sql: "INSERT INTO studies (name, directions, sampler, seed, pruner, created) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [record.name, try StudyCoding.json(record.directions), record.sampler, record.seed.map { Int64(bitPattern: $0) },
                                           record.pruner, Date().timeIntervalSince1970])
                var created = record
                created.id = Int(db.lastInsertedRowID)
                return created
            }
        }
    }

    /// The study named `name`.
    public func study(named name: String) async throws -> StudyRecord {
        try database {
            try pool.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM studies WHERE name = ?", arguments: [name]) else {
                    throw ToolboxError(.notFound, "no study named \(name)", context: ErrorContext(parameter: "name"))
                }
                return try Self.record(row)
            }
        }
    }

    /// Every study, by id.
    public func studies() async throws -> [StudyRecord] {
        try database { try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM studies ORDER BY id").map(Self.record) } }
    }

    private func trialID(_ db: Database, study: Int, number: Int) throws -> (id: Int64, state: TrialState) {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, state FROM trials WHERE study_id = ? AND number = ?", arguments: [study, number]) else {
            throw ToolboxError(.notFound, "the study has no trial \(number)", context: ErrorContext(parameter: "trial"))
        }
        return (row["id"], try StudyCoding.state(row["state"]))
    }

    private func nextNumber(_ db: Database, study: Int) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = ?", arguments: [study]) ?? 0
    }

    /// Adds a waiting trial with fixed parameters.
    public func enqueueTrial(study: Int, parameters: [String: ParameterValue], userAttributes: [String: JSONValue]) async throws -> FrozenTrial {
        let number = try database {
            try pool.write { db -> Int in
                let number = try nextNumber(db, study: study)
                try db.execute(sql: "INSERT INTO trials (study_id, number, state) VALUES (?, ?, 'WAITING')", arguments: [study, number])
                let id = db.lastInsertedRowID
                try db.execute(sql: "INSERT INTO trial_attributes (trial_id, system, key, value) VALUES (?, 1, 'fixed_params', ?)",
                               arguments: [id, try StudyCoding.fixedParameters(parameters)])
                for (key, value) in userAttributes {
                    try db.execute(sql: "INSERT INTO trial_attributes (trial_id, system, key, value) VALUES (?, 0, ?, ?)", arguments: [id, key, try StudyCoding.json(value)])
                }
                return number
            }
        }
        return try await trial(study: study, number: number)
    }

    /// Starts the oldest waiting trial or a new one, unless the study holds `limit` trials.
    public func startTrial(study: Int, limit: Int?) async throws -> FrozenTrial? {
        let number = try database {
            try pool.write { db -> Int? in
                let now = Date().timeIntervalSince1970
                if let waiting = try Row.fetchOne(db, sql: "SELECT id, number FROM trials WHERE study_id = ? AND state = 'WAITING' ORDER BY number LIMIT 1",
                                                  arguments: [study]) {
                    try db.execute(sql: "UPDATE trials SET state = 'RUNNING', started = ?, heartbeat = ? WHERE id = ? AND state = 'WAITING'",
                                   arguments: [now, now, waiting["id"] as Int64])
                    return waiting["number"]
                }
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM studies WHERE id = ?)", arguments: [study]) == true else {
                    throw ToolboxError(.notFound, "no study with id \(study)")
                }
                let number = try nextNumber(db, study: study)
                if let limit, number >= limit { return nil }
                try db.execute(sql: "INSERT INTO trials (study_id, number, state, started, heartbeat) VALUES (?, ?, 'RUNNING', ?, ?)",
                               arguments: [study, number, now, now])
                return number
            }
        }
        guard let number else { return nil }
        return try await trial(study: study, number: number)
    }

    /// Records that the trial's worker is alive.
    public func heartbeat(study: Int, trial: Int) async throws { try heartbeatNow(study: study, trial: trial) }

    /// Records that the trial's worker is alive, from any thread.
    public func heartbeatNow(study: Int, trial: Int) throws {
        try database {
            try pool.write { db in
                try db.execute(sql: "UPDATE trials SET heartbeat = ? WHERE study_id = ? AND number = ? AND state = 'RUNNING'",
                               arguments: [Date().timeIntervalSince1970, study, trial])
            }
        }
    }

    /// Fails the running trials without a heartbeat for `gracePeriod` seconds.
    public func failStaleTrials(study: Int, gracePeriod: Double) async throws -> [FrozenTrial] {
        let numbers = try database {
            try pool.write { db -> [Int] in
                let now = Date().timeIntervalSince1970
                let stale = try Int.fetchAll(db, sql: "SELECT number FROM trials WHERE study_id = ? AND state = 'RUNNING' AND COALESCE(heartbeat, started, 0) < ?",
                                             arguments: [study, now - gracePeriod])
                for number in stale {
                    try db.execute(sql: "UPDATE trials SET state = 'FAIL', failure = ?, completed = ? WHERE study_id = ? AND number = ? AND state = 'RUNNING'",
                                   arguments: [StudyCoding.staleFailure(gracePeriod), now, study, number])
                }
                return stale
            }
        }
        var failed: [FrozenTrial] = []
        for number in numbers { failed.append(try await trial(study: study, number: number)) }
        return failed
    }

    /// Records a parameter of a running trial.
    public func setParameter(study: Int, trial: Int, _ parameter: TrialParameter) async throws {
        try database {
            try pool.write { db in
                let (id, state) = try trialID(db, study: study, number: trial)
                try StudyCoding.requireRunning(state, trial)
                let position = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trial_params WHERE trial_id = ?", arguments: [id]) ?? 0
                try db.execute(sql: "INSERT INTO trial_params (trial_id, position, name, value, distribution) VALUES (?, ?, ?, ?, ?)",
                               arguments: [id, position, parameter.name, try StudyCoding.json(parameter.value), try StudyCoding.json(parameter.distribution)])
            }
        }
    }

    /// Records an intermediate value of a running trial.
    public func setIntermediateValue(study: Int, trial: Int, step: Int, value: Double) async throws {
        try database {
            try pool.write { db in
                let (id, state) = try trialID(db, study: study, number: trial)
                try StudyCoding.requireRunning(state, trial)
                try db.execute(sql: "INSERT OR REPLACE INTO trial_intermediate (trial_id, step, bits) VALUES (?, ?, ?)",
                               arguments: [id, step, Int64(bitPattern: value.bitPattern)])
            }
        }
    }

    private func setAttribute(study: Int, trial: Int, system: Bool, key: String, value: JSONValue) throws {
        try database {
            try pool.write { db in
                let (id, state) = try trialID(db, study: study, number: trial)
                try StudyCoding.requireUnfinished(state, trial)
                try db.execute(sql: "INSERT OR REPLACE INTO trial_attributes (trial_id, system, key, value) VALUES (?, ?, ?, ?)",
                               arguments: [id, system ? 1 : 0, key, try StudyCoding.json(value)])
            }
        }
    }

    /// Sets a user attribute of a trial.
    public func setUserAttribute(study: Int, trial: Int, key: String, value: JSONValue) async throws {
        try setAttribute(study: study, trial: trial, system: false, key: key, value: value)
    }

    /// Sets a system attribute of a trial.
    public func setSystemAttribute(study: Int, trial: Int, key: String, value: JSONValue) async throws {
        try setAttribute(study: study, trial: trial, system: true, key: key, value: value)
    }

    /// Finishes a running trial (a finished one is a `conflict`).
    public func finishTrial(study: Int, trial: Int, state: TrialState, values: [Double]?, failure: String?) async throws -> FrozenTrial {
        try database {
            try pool.write { db in
                let (id, current) = try trialID(db, study: study, number: trial)
                guard !current.isFinished else { throw StudyCoding.alreadyFinished(current, trial) }
                try db.execute(sql: "UPDATE trials SET state = ?, value_bits = ?, failure = ?, completed = ? WHERE id = ?",
                               arguments: [state.rawValue, values.map(StudyCoding.bits), failure, Date().timeIntervalSince1970, id])
            }
        }
        return try await self.trial(study: study, number: trial)
    }

    /// The study's trials, by number.
    ///
    /// A finished trial never changes, so each is read in full once and kept: later calls read
    /// the trials' rows and only the unfinished or newly finished trials' parameters,
    /// intermediate values and attributes.
    public func trials(study: Int) async throws -> [FrozenTrial] {
        let known = finished.withLock { $0[study] ?? [:] }
        let trials = try database { try pool.read { db in try Self.loadTrials(db, study: study, number: nil, known: known) } }
        let newlyFinished = trials.filter { $0.state.isFinished && known[$0.number] == nil }
        if !newlyFinished.isEmpty {
            finished.withLock { cache in for trial in newlyFinished { cache[study, default: [:]][trial.number] = trial } }
        }
        return trials
    }

    /// One trial of the study.
    public func trial(study: Int, number: Int) async throws -> FrozenTrial {
        try database {
            try pool.read { db in
                guard let trial = try Self.loadTrials(db, study: study, number: number).first else {
                    throw ToolboxError(.notFound, "the study has no trial \(number)", context: ErrorContext(parameter: "trial"))
                }
                return trial
            }
        }
    }

    /// The study's trials (or one), with their parameters, intermediate values and attributes.
    /// `known`: finished trials already read, by number, taken as they are when the row says
    /// the trial is in the same state.
    private static func loadTrials(_ db: Database, study: Int, number: Int?, known: [Int: FrozenTrial] = [:]) throws -> [FrozenTrial] {
        let filter = number == nil ? "" : " AND t.number = \(number!)"
        var trials: [FrozenTrial] = []
        var position: [Int64: Int] = [:]
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM trials t WHERE t.study_id = ?\(filter) ORDER BY t.number", arguments: [study])
        for row in rows {
            let state = try StudyCoding.state(row["state"])
            if let kept = known[row["number"]], kept.state == state {
                trials.append(kept)
                continue
            }
            position[row["id"]] = trials.count
            trials.append(try StudyCoding.trial(number: row["number"], state: state, valueBits: row["value_bits"], started: row["started"],
                                                completed: row["completed"], failure: row["failure"]))
        }
        guard !position.isEmpty else { return trials }
        // The trials to read in full: all of them, or the few not kept (ids from the database).
        let scope = position.count == rows.count ? "SELECT id FROM trials t WHERE t.study_id = ?\(filter)"
            : "SELECT id FROM trials t WHERE t.study_id = ? AND t.id IN (\(position.keys.map(String.init).joined(separator: ",")))"
        try StudyCoding.fill(
            &trials, position: position,
            parameters: try Row.fetchAll(db, sql: "SELECT * FROM trial_params WHERE trial_id IN (\(scope)) ORDER BY trial_id, position", arguments: [study])
                .map { ($0["trial_id"], $0["name"], $0["value"], $0["distribution"]) },
            intermediate: try Row.fetchAll(db, sql: "SELECT * FROM trial_intermediate WHERE trial_id IN (\(scope))", arguments: [study])
                .map { ($0["trial_id"], $0["step"], $0["bits"]) },
            attributes: try Row.fetchAll(db, sql: "SELECT * FROM trial_attributes WHERE trial_id IN (\(scope))", arguments: [study])
                .map { ($0["trial_id"], ($0["system"] as Int) == 1, $0["key"], $0["value"]) })
        return trials
    }

    /// A folder on disk.
    public var isPersistent: Bool { true }

    /// The saved sampler state, if any.
    public func samplerState(study: Int) async throws -> JSONValue? {
        try database {
            try pool.read { db in
                guard let text = try String.fetchOne(db, sql: "SELECT sampler_state FROM studies WHERE id = ?", arguments: [study]) else { return nil }
                return try StudyCoding.decode(JSONValue.self, text, what: "sampler state")
            }
        }
    }

    /// Saves the sampler state.
    public func setSamplerState(study: Int, _ state: JSONValue) async throws {
        try database {
            try pool.write { db in
                try db.execute(sql: "UPDATE studies SET sampler_state = ? WHERE id = ?", arguments: [try StudyCoding.json(state), study])
            }
        }
    }
}
