import Foundation
import ToolboxCore
public import TrackKit

extension PostgresTrackingStore {
    /// Appends to the audit log and marks the model updated.
    private func audit(_ db: SQLConnection, actor: String?, action: String, model: String, version: Int? = nil, alias: String? = nil,
                       details: [String: JSONValue], reason: String?) async throws {
        let now = Date().timeIntervalSince1970
        try await db.execute("INSERT INTO audit_log (time, actor, action, model, version, alias, details, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             [.double(now), .text(actor ?? defaultActor), .text(action), .text(model), SQLValue(version), SQLValue(alias),
                              .text(JSONValue.object(details).jsonText), SQLValue(reason)])
        try await db.execute("UPDATE registered_models SET last_updated_time = ? WHERE name = ?", [.double(now), .text(model)])
    }

    /// Locks the model's row for the rest of the transaction (registry changes to one model run
    /// one at a time, from any machine).
    private static func lockModel(_ db: SQLConnection, _ name: String) async throws {
        guard !(try await db.rows("SELECT name FROM registered_models WHERE name = ? FOR UPDATE", [.text(name)])).isEmpty else {
            throw ToolboxError(.notFound, "no registered model \(name)", context: ErrorContext(parameter: "model"))
        }
    }

    private static func requireModel(_ db: SQLConnection, _ name: String) async throws {
        guard try await db.exists("SELECT 1 FROM registered_models WHERE name = ?", [.text(name)]) else {
            throw ToolboxError(.notFound, "no registered model \(name)", context: ErrorContext(parameter: "model"))
        }
    }

    private static func requireVersion(_ db: SQLConnection, _ name: String, _ version: Int) async throws {
        guard try await db.exists("SELECT 1 FROM model_versions WHERE name = ? AND version = ?", [.text(name), .int(Int64(version))]) else {
            throw ToolboxError(.notFound, "model \(name) has no version \(version)", context: ErrorContext(parameter: "version"))
        }
    }

    /// Creates the model unless it exists; true when this call created it.
    private func insertModel(_ db: SQLConnection, name: String, description: String?, actor: String?, reason: String?) async throws -> Bool {
        let now = Date().timeIntervalSince1970
        let created = try await db.rows("""
            INSERT INTO registered_models (name, description, creation_time, last_updated_time) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING name
            """, [.text(name), SQLValue(description), .double(now), .double(now)])
        guard !created.isEmpty else { return false }
        try await audit(db, actor: actor, action: "create_model", model: name, details: ["description": description.map(JSONValue.string) ?? .null], reason: reason)
        return true
    }

    /// Creates a registered model (a `conflict` if it exists).
    @discardableResult
    public func createRegisteredModel(name: String, description: String?, actor: String?, reason: String?) async throws -> RegisteredModel {
        try StoreChecks.name(name, "model")
        try await transaction("model registry") { db in
            guard try await self.insertModel(db, name: name, description: description, actor: actor, reason: reason) else {
                throw ToolboxError(.conflict, "a model named \(name) is already registered", context: ErrorContext(parameter: "model"))
            }
        }
        return try await registeredModel(name: name)
    }

    /// Every registered model, by name.
    public func registeredModels() async throws -> [RegisteredModel] {
        try await transaction("model registry") { db in
            var models: [RegisteredModel] = []
            for row in try await db.rows("SELECT name FROM registered_models ORDER BY name") { models.append(try await Self.model(db, try row["name"])) }
            return models
        }
    }

    /// A registered model by name.
    public func registeredModel(name: String) async throws -> RegisteredModel {
        try await transaction("model registry") { db in try await Self.model(db, name) }
    }

    private static func model(_ db: SQLConnection, _ name: String) async throws -> RegisteredModel {
        guard let row = try await db.rows("SELECT * FROM registered_models WHERE name = ?", [.text(name)]).first else {
            throw ToolboxError(.notFound, "no registered model \(name)", context: ErrorContext(parameter: "model"))
        }
        var tags: [String: String] = [:], aliases: [String: Int] = [:], rules: [String: PromotionRule] = [:]
        for tag in try await db.rows("SELECT key, value FROM model_tags WHERE name = ? AND version = 0", [.text(name)]) { tags[try tag["key"]] = try tag["value"] }
        for alias in try await db.rows("SELECT alias, version FROM model_aliases WHERE name = ?", [.text(name)]) {
            let version: Int32 = try alias["version"]
            aliases[try alias["alias"]] = Int(version)
        }
        for rule in try await db.rows("SELECT * FROM promotion_rules WHERE name = ?", [.text(name)]) {
            rules[try rule["alias"]] = try Self.rule(rule)
        }
        let latest = try await db.scalar("SELECT MAX(version) FROM model_versions WHERE name = ?", [.text(name)], as: Int32.self)
        return RegisteredModel(name: name, description: try row["description"], creationTime: try row["creation_time"], lastUpdatedTime: try row["last_updated_time"],
                               latestVersion: latest.map(Int.init), tags: tags, aliases: aliases, promotionRules: rules)
    }

    private static func rule(_ row: SQLRow) throws -> PromotionRule {
        PromotionRule(metric: try row["metric"], higherIsBetter: try row["higher_is_better"], minimumImprovement: try row["minimum_improvement"])
    }

    /// Registers the next version of `name` (created on first use) from a run's artifact,
    /// pinned to its hash; numbers count 1, 2, 3, ... across every process and machine.
    @discardableResult
    public func registerModelVersion(name: String, runID: String, artifactPath: String?, description: String?, actor: String?, reason: String?) async throws -> ModelVersion {
        try StoreChecks.name(name, "model")
        if let artifactPath { _ = try ArtifactPath.validate(artifactPath) }
        let version = try await transaction("model registry") { db -> Int in
            try await Self.requireRun(db, runID)
            var artifactPath = artifactPath
            if artifactPath == nil {
                let archives = try await db.rows("SELECT path FROM artifacts WHERE run_id = ? AND path LIKE '%.dstbx' ORDER BY path", [.text(runID)])
                artifactPath = try StoreChecks.archive(runID: runID, among: try archives.map { try $0["path"] })
            }
            var sha256: String?
            if let artifactPath {
                if let recorded = try await db.scalar("SELECT sha256 FROM artifacts WHERE run_id = ? AND path = ?", [.text(runID), .text(artifactPath)], as: String.self) {
                    sha256 = recorded
                } else {
                    let prefix = artifactPath.hasSuffix("/") ? artifactPath : artifactPath + "/"
                    let files = try await db.rows("SELECT path, sha256 FROM artifacts WHERE run_id = ? AND left(path, ?::int) = ? ORDER BY path",
                                                  [.text(runID), .int(Int64(prefix.count)), .text(prefix)])
                    sha256 = try StoreChecks.folderDigest(runID: runID, folder: artifactPath, files: try files.map { (try $0["path"], try $0["sha256"]) })
                }
            }
            _ = try await self.insertModel(db, name: name, description: nil, actor: actor, reason: reason)
            try await Self.lockModel(db, name)
            let version = Int(try await db.scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE name = ?", [.text(name)], as: Int32.self) ?? 1)
            try await db.execute("""
                INSERT INTO model_versions (name, version, run_id, artifact_path, artifact_sha256, description, creation_time) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(name), .int(Int64(version)), .text(runID), SQLValue(artifactPath), SQLValue(sha256), SQLValue(description),
                      .double(Date().timeIntervalSince1970)])
            try await self.audit(db, actor: actor, action: "register_version", model: name, version: version,
                                 details: ["run_id": .string(runID), "artifact_path": artifactPath.map(JSONValue.string) ?? .null,
                                           "artifact_sha256": sha256.map(JSONValue.string) ?? .null],
                                 reason: reason)
            return version
        }
        return try await modelVersion(name: name, version: version)
    }

    /// A model's versions, oldest first.
    public func modelVersions(name: String) async throws -> [ModelVersion] {
        try await transaction("model registry") { db in
            try await Self.requireModel(db, name)
            var versions: [ModelVersion] = []
            for row in try await db.rows("SELECT * FROM model_versions WHERE name = ? ORDER BY version", [.text(name)]) {
                versions.append(try await Self.version(db, row))
            }
            return versions
        }
    }

    /// One version of a model.
    public func modelVersion(name: String, version: Int) async throws -> ModelVersion {
        try await transaction("model registry") { db in
            try await Self.requireModel(db, name)
            guard let row = try await db.rows("SELECT * FROM model_versions WHERE name = ? AND version = ?", [.text(name), .int(Int64(version))]).first else {
                throw ToolboxError(.notFound, "model \(name) has no version \(version)", context: ErrorContext(parameter: "version"))
            }
            return try await Self.version(db, row)
        }
    }

    /// The version an alias points at.
    public func modelVersion(name: String, alias: String) async throws -> ModelVersion {
        try await transaction("model registry") { db in
            try await Self.requireModel(db, name)
            guard let row = try await db.rows("""
                SELECT v.* FROM model_aliases a JOIN model_versions v ON v.name = a.name AND v.version = a.version WHERE a.name = ? AND a.alias = ?
                """, [.text(name), .text(alias)]).first else {
                throw ToolboxError(.notFound, "model \(name) has no alias \(alias)", context: ErrorContext(parameter: "alias"))
            }
            return try await Self.version(db, row)
        }
    }

    private static func version(_ db: SQLConnection, _ row: SQLRow) async throws -> ModelVersion {
        let name: String = try row["name"], number: Int32 = try row["version"]
        var tags: [String: String] = [:]
        for tag in try await db.rows("SELECT key, value FROM model_tags WHERE name = ? AND version = ?", [.text(name), .int(Int64(number))]) {
            tags[try tag["key"]] = try tag["value"]
        }
        let aliases: [String] = try await db.rows("SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias", [.text(name), .int(Int64(number))])
            .map { try $0["alias"] }
        return ModelVersion(name: name, version: Int(number), runID: try row["run_id"], artifactPath: try row["artifact_path"], artifactSHA256: try row["artifact_sha256"],
                            description: try row["description"], creationTime: try row["creation_time"], tags: tags, aliases: aliases)
    }

    /// The latest value of a metric in a run (nil when never logged).
    private static func latestMetric(_ db: SQLConnection, runID: String, key: String) async throws -> Double? {
        guard let bits = try await db.scalar("SELECT bits FROM latest_metrics WHERE run_id = ? AND key = ?", [.text(runID), .text(key)], as: Int64.self) else {
            return nil
        }
        return Double(bitPattern: UInt64(bitPattern: bits))
    }

    /// Points `alias` at `version`. When the model has a promotion rule for the alias, the
    /// version's run must beat the current holder's metric, unless `force` (recorded as such).
    public func setAlias(name: String, alias: String, version: Int, force: Bool, actor: String?, reason: String?) async throws {
        try StoreChecks.alias(alias)
        try await transaction("model registry") { db in
            try await Self.lockModel(db, name)
            try await Self.requireVersion(db, name, version)
            let previous = try await db.scalar("SELECT version FROM model_aliases WHERE name = ? AND alias = ?", [.text(name), .text(alias)], as: Int32.self).map(Int.init)
            var details: [String: JSONValue] = ["previous_version": previous.map { .number(Double($0)) } ?? .null, "version": .number(Double(version))]
            if let row = try await db.rows("SELECT * FROM promotion_rules WHERE name = ? AND alias = ?", [.text(name), .text(alias)]).first,
               let previous, previous != version {
                let rule = try Self.rule(row)
                let runOf = "SELECT run_id FROM model_versions WHERE name = ? AND version = ?"
                let candidateRun = try await db.scalar(runOf, [.text(name), .int(Int64(version))], as: String.self) ?? ""
                let holderRun = try await db.scalar(runOf, [.text(name), .int(Int64(previous))], as: String.self) ?? ""
                let candidate = try await Self.latestMetric(db, runID: candidateRun, key: rule.metric) ?? .nan
                let holder = try await Self.latestMetric(db, runID: holderRun, key: rule.metric) ?? .nan
                try StoreChecks.promotion(rule: rule, name: name, alias: alias, version: version, previous: previous,
                                          candidate: candidate, holder: holder, force: force, details: &details)
            }
            try await db.execute("INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
                                 [.text(name), .text(alias), .int(Int64(version))])
            try await self.audit(db, actor: actor, action: "set_alias", model: name, version: version, alias: alias, details: details, reason: reason)
        }
    }

    /// Removes an alias.
    public func deleteAlias(name: String, alias: String, actor: String?, reason: String?) async throws {
        try await transaction("model registry") { db in
            try await Self.lockModel(db, name)
            guard let previous = try await db.scalar("DELETE FROM model_aliases WHERE name = ? AND alias = ? RETURNING version", [.text(name), .text(alias)],
                                                     as: Int32.self).map(Int.init) else {
                throw ToolboxError(.notFound, "model \(name) has no alias \(alias)", context: ErrorContext(parameter: "alias"))
            }
            try await self.audit(db, actor: actor, action: "delete_alias", model: name, version: previous, alias: alias,
                                 details: ["previous_version": .number(Double(previous))], reason: reason)
        }
    }

    /// States (or with nil, drops) the rule a version must pass to take `alias`.
    public func setPromotionRule(name: String, alias: String, rule: PromotionRule?, actor: String?, reason: String?) async throws {
        try StoreChecks.rule(rule, alias: alias)
        try await transaction("model registry") { db in
            try await Self.lockModel(db, name)
            if let rule {
                try await db.execute("""
                    INSERT INTO promotion_rules (name, alias, metric, higher_is_better, minimum_improvement) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (name, alias) DO UPDATE SET metric = excluded.metric, higher_is_better = excluded.higher_is_better,
                        minimum_improvement = excluded.minimum_improvement
                    """, [.text(name), .text(alias), .text(rule.metric), .bool(rule.higherIsBetter), .double(rule.minimumImprovement)])
            } else {
                try await db.execute("DELETE FROM promotion_rules WHERE name = ? AND alias = ?", [.text(name), .text(alias)])
            }
            try await self.audit(db, actor: actor, action: "set_rule", model: name, alias: alias, details: StoreChecks.ruleDetails(rule), reason: reason)
        }
    }

    /// Sets a tag on a model or, with `version`, on one of its versions.
    public func setModelTag(name: String, version: Int?, key: String, value: String, actor: String?, reason: String?) async throws {
        try StoreChecks.name(key, "key")
        try await transaction("model registry") { db in
            try await Self.lockModel(db, name)
            if let version { try await Self.requireVersion(db, name, version) }
            let arguments: [SQLValue] = [.text(name), .int(Int64(version ?? 0)), .text(key)]
            let previous = try await db.scalar("SELECT value FROM model_tags WHERE name = ? AND version = ? AND key = ?", arguments, as: String.self)
            try await db.execute("INSERT INTO model_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value",
                                 arguments + [.text(value)])
            try await self.audit(db, actor: actor, action: "set_tag", model: name, version: version,
                                 details: ["key": .string(key), "value": .string(value), "previous": previous.map(JSONValue.string) ?? .null], reason: reason)
        }
    }

    /// Sets the description of a model or, with `version`, of one of its versions.
    public func setModelDescription(name: String, version: Int?, description: String, actor: String?, reason: String?) async throws {
        try await transaction("model registry") { db in
            try await Self.lockModel(db, name)
            let previous: String?
            if let version {
                try await Self.requireVersion(db, name, version)
                let key: [SQLValue] = [.text(name), .int(Int64(version))]
                previous = try await db.scalar("SELECT description FROM model_versions WHERE name = ? AND version = ?", key, as: String.self)
                try await db.execute("UPDATE model_versions SET description = ? WHERE name = ? AND version = ?", [.text(description)] + key)
            } else {
                previous = try await db.scalar("SELECT description FROM registered_models WHERE name = ?", [.text(name)], as: String.self)
                try await db.execute("UPDATE registered_models SET description = ? WHERE name = ?", [.text(description), .text(name)])
            }
            try await self.audit(db, actor: actor, action: "set_description", model: name, version: version,
                                 details: ["description": .string(description), "previous": previous.map(JSONValue.string) ?? .null], reason: reason)
        }
    }

    /// The audit log, oldest first, filtered by model and alias when given.
    public func auditLog(model: String?, alias: String?, limit: Int) async throws -> [AuditEntry] {
        guard limit > 0 else {
            throw ToolboxError(.invalidParameter, "limit must be at least 1, got \(limit)", context: ErrorContext(parameter: "limit"))
        }
        var conditions: [String] = [], arguments: [SQLValue] = []
        if let model { conditions.append("model = ?"); arguments.append(.text(model)) }
        if let alias { conditions.append("alias = ?"); arguments.append(.text(alias)) }
        let sql = "SELECT * FROM audit_log" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY seq LIMIT ?"
        let bound = arguments + [.int(Int64(limit))]
        return try await transaction("model registry") { db in
            try await db.rows(sql, bound).map {
                let version: Int32? = try $0["version"]
                return AuditEntry(sequence: try $0["seq"], time: try $0["time"], actor: try $0["actor"], action: try $0["action"], model: try $0["model"],
                                  version: version.map(Int.init), alias: try $0["alias"], details: try $0["details"], reason: try $0["reason"])
            }
        }
    }
}
