import Foundation
import GRDB
import ToolboxCore

extension SQLiteTrackingStore {
    /// Schema v2: dataset inputs, artifacts, the model registry and its append-only audit log
    /// (triggers refuse any UPDATE or DELETE of a logged change).
    static func createRegistrySchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE inputs (run_id TEXT NOT NULL REFERENCES runs(id), digest TEXT NOT NULL, name TEXT NOT NULL,
                                 source TEXT, rows INTEGER, columns INTEGER, PRIMARY KEY (run_id, digest));
            CREATE TABLE artifacts (run_id TEXT NOT NULL REFERENCES runs(id), path TEXT NOT NULL, sha256 TEXT NOT NULL,
                                    size INTEGER NOT NULL, PRIMARY KEY (run_id, path));
            CREATE TABLE registered_models (name TEXT PRIMARY KEY, description TEXT, creation_time REAL NOT NULL,
                                            last_updated_time REAL NOT NULL);
            CREATE TABLE model_versions (name TEXT NOT NULL REFERENCES registered_models(name), version INTEGER NOT NULL,
                                         run_id TEXT NOT NULL REFERENCES runs(id), artifact_path TEXT, artifact_sha256 TEXT,
                                         description TEXT, creation_time REAL NOT NULL, PRIMARY KEY (name, version));
            CREATE TABLE model_tags (name TEXT NOT NULL REFERENCES registered_models(name), version INTEGER NOT NULL DEFAULT 0,
                                     key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, version, key));
            CREATE TABLE model_aliases (name TEXT NOT NULL REFERENCES registered_models(name), alias TEXT NOT NULL,
                                        version INTEGER NOT NULL, PRIMARY KEY (name, alias));
            CREATE TABLE promotion_rules (name TEXT NOT NULL REFERENCES registered_models(name), alias TEXT NOT NULL,
                                          metric TEXT NOT NULL, higher_is_better INTEGER NOT NULL, minimum_improvement REAL NOT NULL,
                                          PRIMARY KEY (name, alias));
            CREATE TABLE audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, actor TEXT NOT NULL,
                                    action TEXT NOT NULL, model TEXT NOT NULL, version INTEGER, alias TEXT,
                                    details TEXT NOT NULL, reason TEXT);
            CREATE INDEX audit_by_model ON audit_log (model, alias);
            CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """)
    }

    private func audit(_ db: Database, actor: String?, action: String, model: String, version: Int? = nil, alias: String? = nil,
                       details: [String: JSONValue], reason: String?) throws {
        let now = Date().timeIntervalSince1970
        try db.execute(sql: "INSERT INTO audit_log (time, actor, action, model, version, alias, details, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       arguments: [now, actor ?? defaultActor, action, model, version, alias, JSONValue.object(details).jsonText, reason])
        try db.execute(sql: "UPDATE registered_models SET last_updated_time = ? WHERE name = ?", arguments: [now, model])
    }

    private func requireModel(_ db: Database, _ name: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM registered_models WHERE name = ?)", arguments: [name]) == true else {
            throw ToolboxError(.notFound, "no registered model \(name)", context: ErrorContext(parameter: "model"))
        }
    }

    private func requireVersion(_ db: Database, _ name: String, _ version: Int) throws {
        try requireModel(db, name)
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM model_versions WHERE name = ? AND version = ?)", arguments: [name, version]) == true else {
            throw ToolboxError(.notFound, "model \(name) has no version \(version)", context: ErrorContext(parameter: "version"))
        }
    }

    private func insertModel(_ db: Database, name: String, description: String?, actor: String?, reason: String?) throws {
        let now = Date().timeIntervalSince1970
        try db.execute(sql: "INSERT INTO registered_models (name, description, creation_time, last_updated_time) VALUES (?, ?, ?, ?)",
                       arguments: [name, description, now, now])
        try audit(db, actor: actor, action: "create_model", model: name, details: ["description": description.map(JSONValue.string) ?? .null], reason: reason)
    }

    /// Creates a registered model (a `conflict` if it exists).
    @discardableResult
    public func createRegisteredModel(name: String, description: String? = nil, actor: String? = nil, reason: String? = nil) throws -> RegisteredModel {
        try StoreChecks.name(name, "model")
        try database {
            try pool.write { db in
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM registered_models WHERE name = ?)", arguments: [name]) == true {
                    throw ToolboxError(.conflict, "a model named \(name) is already registered", context: ErrorContext(parameter: "model"))
                }
                try insertModel(db, name: name, description: description, actor: actor, reason: reason)
            }
        }
        return try registeredModel(name: name)
    }

    /// Every registered model, by name.
    public func registeredModels() throws -> [RegisteredModel] {
        try database {
            try pool.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM registered_models ORDER BY name").map { try self.model(db, $0) }
            }
        }
    }

    /// A registered model by name.
    public func registeredModel(name: String) throws -> RegisteredModel {
        try database { try pool.read { db in try model(db, name) } }
    }

    private func model(_ db: Database, _ name: String) throws -> RegisteredModel {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM registered_models WHERE name = ?", arguments: [name]) else {
            throw ToolboxError(.notFound, "no registered model \(name)", context: ErrorContext(parameter: "model"))
        }
        var tags: [String: String] = [:], aliases: [String: Int] = [:], rules: [String: PromotionRule] = [:]
        for tag in try Row.fetchAll(db, sql: "SELECT key, value FROM model_tags WHERE name = ? AND version = 0", arguments: [name]) { tags[tag["key"]] = tag["value"] }
        for alias in try Row.fetchAll(db, sql: "SELECT alias, version FROM model_aliases WHERE name = ?", arguments: [name]) { aliases[alias["alias"]] = alias["version"] }
        for rule in try Row.fetchAll(db, sql: "SELECT * FROM promotion_rules WHERE name = ?", arguments: [name]) {
            rules[rule["alias"]] = PromotionRule(metric: rule["metric"], higherIsBetter: rule["higher_is_better"], minimumImprovement: rule["minimum_improvement"])
        }
        let latest = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM model_versions WHERE name = ?", arguments: [name])
        return RegisteredModel(name: name, description: row["description"], creationTime: row["creation_time"], lastUpdatedTime: row["last_updated_time"],
                               latestVersion: latest, tags: tags, aliases: aliases, promotionRules: rules)
    }

    /// Registers the next version of `name` (created on first use) from a run's artifact,
    /// pinned to its hash; numbers count 1, 2, 3, ... across processes.
    @discardableResult
    public func registerModelVersion(name: String, runID: String, artifactPath: String? = nil, description: String? = nil,
                                     actor: String? = nil, reason: String? = nil) throws -> ModelVersion {
        try StoreChecks.name(name, "model")
        if let artifactPath { _ = try ArtifactPath.validate(artifactPath) }
        let version = try database {
            // An IMMEDIATE transaction: the next number is read and taken under the write lock,
            // so concurrent registrations from any number of processes count 1, 2, 3, ...
            try pool.write { db -> Int in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [runID]) == true else {
                    throw ToolboxError(.notFound, "no run \(runID)", context: ErrorContext(parameter: "run"))
                }
                var sha256: String?
                var artifactPath = artifactPath
                if artifactPath == nil {
                    // Without a named artifact, the run's model archive: a version that names no
                    // model would register fine and fail only when loaded.
                    artifactPath = try StoreChecks.archive(runID: runID, among: try String.fetchAll(
                        db, sql: "SELECT path FROM artifacts WHERE run_id = ? AND path LIKE '%.dstbx' ORDER BY path", arguments: [runID]))
                }
                if let artifactPath {
                    if let recorded = try String.fetchOne(db, sql: "SELECT sha256 FROM artifacts WHERE run_id = ? AND path = ?", arguments: [runID, artifactPath]) {
                        sha256 = recorded
                    } else {
                        let prefix = artifactPath.hasSuffix("/") ? artifactPath : artifactPath + "/"
                        let files = try Row.fetchAll(db, sql: "SELECT path, sha256 FROM artifacts WHERE run_id = ? AND substr(path, 1, ?) = ? ORDER BY path",
                                                     arguments: [runID, prefix.utf8.count, prefix])
                        sha256 = try StoreChecks.folderDigest(runID: runID, folder: artifactPath, files: files.map { ($0["path"], $0["sha256"]) })
                    }
                }
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM registered_models WHERE name = ?)", arguments: [name]) != true {
                    try insertModel(db, name: name, description: nil, actor: actor, reason: reason)
                }
                let version = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM model_versions WHERE name = ?", arguments: [name]) ?? 0) + 1
                try db.execute(sql: """
                    INSERT INTO model_versions (name, version, run_id, artifact_path, artifact_sha256, description, creation_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [name, version, runID, artifactPath, sha256, description, Date().timeIntervalSince1970])
                try audit(db, actor: actor, action: "register_version", model: name, version: version,
                          details: ["run_id": .string(runID), "artifact_path": artifactPath.map(JSONValue.string) ?? .null,
                                    "artifact_sha256": sha256.map(JSONValue.string) ?? .null],
                          reason: reason)
                return version
            }
        }
        return try modelVersion(name: name, version: version)
    }

    /// A model's versions, oldest first.
    public func modelVersions(name: String) throws -> [ModelVersion] {
        try database {
            try pool.read { db in
                try requireModel(db, name)
                return try Row.fetchAll(db, sql: "SELECT * FROM model_versions WHERE name = ? ORDER BY version", arguments: [name]).map { try self.version(db, $0) }
            }
        }
    }

    /// One version of a model.
    public func modelVersion(name: String, version: Int) throws -> ModelVersion {
        try database {
            try pool.read { db in
                try requireVersion(db, name, version)
                let row = try Row.fetchOne(db, sql: "SELECT * FROM model_versions WHERE name = ? AND version = ?", arguments: [name, version])!
                return try self.version(db, row)
            }
        }
    }

    /// The version an alias points at.
    public func modelVersion(name: String, alias: String) throws -> ModelVersion {
        let number = try database {
            try pool.read { db in
                try requireModel(db, name)
                guard let number = try Int.fetchOne(db, sql: "SELECT version FROM model_aliases WHERE name = ? AND alias = ?", arguments: [name, alias]) else {
                    throw ToolboxError(.notFound, "model \(name) has no alias \(alias)", context: ErrorContext(parameter: "alias"))
                }
                return number
            }
        }
        return try modelVersion(name: name, version: number)
    }

    private func version(_ db: Database, _ row: Row) throws -> ModelVersion {
        let name: String = row["name"], number: Int = row["version"]
        var tags: [String: String] = [:]
        for tag in try Row.fetchAll(db, sql: "SELECT key, value FROM model_tags WHERE name = ? AND version = ?", arguments: [name, number]) { tags[tag["key"]] = tag["value"] }
        let aliases = try String.fetchAll(db, sql: "SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias", arguments: [name, number])
        return ModelVersion(name: name, version: number, runID: row["run_id"], artifactPath: row["artifact_path"], artifactSHA256: row["artifact_sha256"],
                            description: row["description"], creationTime: row["creation_time"], tags: tags, aliases: aliases)
    }

    /// The latest value of a metric in a run (NaN when never logged).
    private func latestMetric(_ db: Database, runID: String, key: String) throws -> Double? {
        guard let bits = try Int64.fetchOne(db, sql: "SELECT bits FROM metrics WHERE run_id = ? AND key = ? ORDER BY step DESC, timestamp DESC, seq DESC LIMIT 1",
                                            arguments: [runID, key]) else { return nil }
        return Double(bitPattern: UInt64(bitPattern: bits))
    }

    /// Points `alias` at `version`. When the model has a promotion rule for the alias, the
    /// version's run must beat the current holder's metric, unless `force` (recorded as such).
    public func setAlias(name: String, alias: String, version: Int, force: Bool = false, actor: String? = nil, reason: String? = nil) throws {
        try StoreChecks.alias(alias)
        try database {
            try pool.write { db in
                try requireVersion(db, name, version)
                let previous = try Int.fetchOne(db, sql: "SELECT version FROM model_aliases WHERE name = ? AND alias = ?", arguments: [name, alias])
                var details: [String: JSONValue] = ["previous_version": previous.map { .number(Double($0)) } ?? .null, "version": .number(Double(version))]
                if let rule = try Row.fetchOne(db, sql: "SELECT * FROM promotion_rules WHERE name = ? AND alias = ?", arguments: [name, alias]),
                   let previous, previous != version {
                    let rule = PromotionRule(metric: rule["metric"], higherIsBetter: rule["higher_is_better"], minimumImprovement: rule["minimum_improvement"])
                    let candidateRun = try String.fetchOne(db, sql: "SELECT run_id FROM model_versions WHERE name = ? AND version = ?", arguments: [name, version])!
                    let holderRun = try String.fetchOne(db, sql: "SELECT run_id FROM model_versions WHERE name = ? AND version = ?", arguments: [name, previous])!
                    let candidate = try latestMetric(db, runID: candidateRun, key: rule.metric) ?? .nan
                    let holder = try latestMetric(db, runID: holderRun, key: rule.metric) ?? .nan
                    try StoreChecks.promotion(rule: rule, name: name, alias: alias, version: version, previous: previous,
                                              candidate: candidate, holder: holder, force: force, details: &details)
                }
                try db.execute(sql: "INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
                               arguments: [name, alias, version])
                try audit(db, actor: actor, action: "set_alias", model: name, version: version, alias: alias, details: details, reason: reason)
            }
        }
    }

    /// Removes an alias.
    public func deleteAlias(name: String, alias: String, actor: String? = nil, reason: String? = nil) throws {
        try database {
            try pool.write { db in
                try requireModel(db, name)
                guard let previous = try Int.fetchOne(db, sql: "SELECT version FROM model_aliases WHERE name = ? AND alias = ?", arguments: [name, alias]) else {
                    throw ToolboxError(.notFound, "model \(name) has no alias \(alias)", context: ErrorContext(parameter: "alias"))
                }
                try db.execute(sql: "DELETE FROM model_aliases WHERE name = ? AND alias = ?", arguments: [name, alias])
                try audit(db, actor: actor, action: "delete_alias", model: name, version: previous, alias: alias,
                          details: ["previous_version": .number(Double(previous))], reason: reason)
            }
        }
    }

    /// States (or with nil, drops) the rule a version must pass to take `alias`.
    public func setPromotionRule(name: String, alias: String, rule: PromotionRule?, actor: String? = nil, reason: String? = nil) throws {
        try StoreChecks.rule(rule, alias: alias)
        try database {
            try pool.write { db in
                try requireModel(db, name)
                if let rule {
                    try db.execute(sql: """
                        INSERT INTO promotion_rules (name, alias, metric, higher_is_better, minimum_improvement) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (name, alias) DO UPDATE SET metric = excluded.metric, higher_is_better = excluded.higher_is_better,
                            minimum_improvement = excluded.minimum_improvement
                        """, arguments: [name, alias, rule.metric, rule.higherIsBetter, rule.minimumImprovement])
                } else {
                    try db.execute(sql: "DELETE FROM promotion_rules WHERE name = ? AND alias = ?", arguments: [name, alias])
                }
                let details = StoreChecks.ruleDetails(rule)
                try audit(db, actor: actor, action: "set_rule", model: name, alias: alias, details: details, reason: reason)
            }
        }
    }

    /// Sets a tag on a model or, with `version`, on one of its versions.
    public func setModelTag(name: String, version: Int? = nil, key: String, value: String, actor: String? = nil, reason: String? = nil) throws {
        try StoreChecks.name(key, "key")
        try database {
            try pool.write { db in
                if let version { try requireVersion(db, name, version) } else { try requireModel(db, name) }
                let previous = try String.fetchOne(db, sql: "SELECT value FROM model_tags WHERE name = ? AND version = ? AND key = ?", arguments: [name, version ?? 0, key])
                try db.execute(sql: "INSERT INTO model_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value",
                               arguments: [name, version ?? 0, key, value])
                try audit(db, actor: actor, action: "set_tag", model: name, version: version,
                          details: ["key": .string(key), "value": .string(value), "previous": previous.map(JSONValue.string) ?? .null], reason: reason)
            }
        }
    }

    /// Sets the description of a model or, with `version`, of one of its versions.
    public func setModelDescription(name: String, version: Int? = nil, description: String, actor: String? = nil, reason: String? = nil) throws {
        try database {
            try pool.write { db in
                let previous: String?
                if let version {
                    try requireVersion(db, name, version)
                    previous = try String.fetchOne(db, sql: "SELECT description FROM model_versions WHERE name = ? AND version = ?", arguments: [name, version])
                    try db.execute(sql: "UPDATE model_versions SET description = ? WHERE name = ? AND version = ?", arguments: [description, name, version])
                } else {
                    try requireModel(db, name)
                    previous = try String.fetchOne(db, sql: "SELECT description FROM registered_models WHERE name = ?", arguments: [name])
                    try db.execute(sql: "UPDATE registered_models SET description = ? WHERE name = ?", arguments: [description, name])
                }
                try audit(db, actor: actor, action: "set_description", model: name, version: version,
                          details: ["description": .string(description), "previous": previous.map(JSONValue.string) ?? .null], reason: reason)
            }
        }
    }

    /// The audit log, oldest first: every registry change (who, when, what, why), filtered by
    /// model and alias when given.
    public func auditLog(model: String? = nil, alias: String? = nil, limit: Int = 10_000) throws -> [AuditEntry] {
        guard limit > 0 else {
            throw ToolboxError(.invalidParameter, "limit must be at least 1, got \(limit)", context: ErrorContext(parameter: "limit"))
        }
        return try database {
            try pool.read { db in
                var conditions: [String] = [], arguments: StatementArguments = []
                if let model { conditions.append("model = ?"); arguments += [model] }
                if let alias { conditions.append("alias = ?"); arguments += [alias] }
                let sql = "SELECT * FROM audit_log" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY seq LIMIT ?"
                arguments += [limit]
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                    AuditEntry(sequence: $0["seq"], time: $0["time"], actor: $0["actor"], action: $0["action"], model: $0["model"],
                               version: $0["version"], alias: $0["alias"], details: $0["details"], reason: $0["reason"])
                }
            }
        }
    }
}
