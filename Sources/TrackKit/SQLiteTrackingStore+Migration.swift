import Foundation
import GRDB
import ToolboxCore

extension SQLiteTrackingStore: MigratableTrackingStore {
    /// Run ids in order, `limit` after `after`.
    public func runIDs(after: String?, limit: Int) async throws -> [String] {
        try database {
            try pool.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM runs WHERE id > ? ORDER BY id LIMIT ?", arguments: [after ?? "", limit])
            }
        }
    }

    /// The runs with these ids, whole.
    public func runRecords(ids: [String]) async throws -> [RunRecord] {
        let data = try runData(runIDs: ids)
        return try database {
            try pool.read { db in
                var records: [String: RunRecord] = [:]
                for start in stride(from: 0, to: ids.count, by: 500) {
                    let chunk = Array(ids[start..<Swift.min(ids.count, start + 500)])
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    let arguments = StatementArguments(chunk)
                    for row in try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE id IN (\(marks))", arguments: arguments) {
                        let run = Self.run(row)
                        let known = data[run.id] ?? RunData()
                        records[run.id] = RunRecord(run: run, params: known.params, tags: known.tags, metrics: [], inputs: known.inputs, artifacts: [])
                    }
                    for row in try Row.fetchAll(db, sql: "SELECT run_id, key, bits, step, timestamp FROM metrics WHERE run_id IN (\(marks)) ORDER BY run_id, step, timestamp, seq",
                                                arguments: arguments) {
                        let bits: Int64 = row["bits"]
                        records[row["run_id"] as String]?.metrics.append(RunMetric(key: row["key"], value: Double(bitPattern: UInt64(bitPattern: bits)),
                                                                                   step: row["step"], timestamp: row["timestamp"]))
                    }
                    for row in try Row.fetchAll(db, sql: "SELECT run_id, path, sha256, size FROM artifacts WHERE run_id IN (\(marks)) ORDER BY run_id, path", arguments: arguments) {
                        records[row["run_id"] as String]?.artifacts.append(ArtifactInfo(path: row["path"], sha256: row["sha256"], size: row["size"]))
                    }
                }
                return ids.compactMap { records[$0] }
            }
        }
    }

    /// Writes experiments with their ids.
    public func writeExperiments(_ experiments: [Experiment]) async throws {
        try database {
            try pool.write { db in
                for experiment in experiments {
                    try db.execute(sql: "INSERT INTO experiments (id, name, creation_time) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                                   arguments: [experiment.id, experiment.name, experiment.creationTime])
                }
            }
        }
    }

    /// Writes runs whole, their ids kept.
    public func writeRuns(_ records: [RunRecord], content: @Sendable (ArtifactInfo, RunRecord) async throws -> [UInt8]) async throws {
        try database {
            try pool.write { db in
                for record in records {
                    let run = record.run
                    try db.execute(sql: """
                        INSERT INTO runs (id, experiment_id, name, status, start_time, end_time, parent_run_id, source, user) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [run.id, run.experimentID, run.name, run.status.rawValue, run.startTime, run.endTime, run.parentRunID, run.source, run.user])
                    for (key, value) in record.params { try db.execute(sql: "INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)", arguments: [run.id, key, value]) }
                    for (key, value) in record.tags { try db.execute(sql: "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)", arguments: [run.id, key, value]) }
                    try Self.insert(record.metrics, runID: run.id, db)
                    for input in record.inputs {
                        try db.execute(sql: "INSERT OR IGNORE INTO inputs (run_id, digest, name, source, rows, columns) VALUES (?, ?, ?, ?, ?, ?)",
                                       arguments: [run.id, input.digest, input.name, input.source, input.rows, input.columns])
                    }
                }
            }
        }
        for record in records {
            for artifact in record.artifacts {
                let stored = try logArtifact(runID: record.run.id, bytes: try await content(artifact, record), path: artifact.path)
                guard stored.sha256 == artifact.sha256 else {
                    throw ToolboxError(.corruptStore, "artifact \(artifact.path) of run \(record.run.id) read back with sha256 \(stored.sha256), not \(artifact.sha256)")
                }
            }
        }
    }

    /// Writes the registry whole: models, versions, tags, aliases, rules and the audit log.
    public func writeRegistry(_ record: RegistryRecord) async throws {
        try database {
            try pool.write { db in
                for model in record.models {
                    try db.execute(sql: "INSERT INTO registered_models (name, description, creation_time, last_updated_time) VALUES (?, ?, ?, ?)",
                                   arguments: [model.name, model.description, model.creationTime, model.lastUpdatedTime])
                    for (key, value) in model.tags {
                        try db.execute(sql: "INSERT INTO model_tags (name, version, key, value) VALUES (?, 0, ?, ?)", arguments: [model.name, key, value])
                    }
                    for (alias, rule) in model.promotionRules {
                        try db.execute(sql: "INSERT INTO promotion_rules (name, alias, metric, higher_is_better, minimum_improvement) VALUES (?, ?, ?, ?, ?)",
                                       arguments: [model.name, alias, rule.metric, rule.higherIsBetter, rule.minimumImprovement])
                    }
                }
                for version in record.versions {
                    try db.execute(sql: """
                        INSERT INTO model_versions (name, version, run_id, artifact_path, artifact_sha256, description, creation_time) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [version.name, version.version, version.runID, version.artifactPath, version.artifactSHA256, version.description, version.creationTime])
                    for (key, value) in version.tags {
                        try db.execute(sql: "INSERT INTO model_tags (name, version, key, value) VALUES (?, ?, ?, ?)", arguments: [version.name, version.version, key, value])
                    }
                }
                for model in record.models {
                    for (alias, version) in model.aliases {
                        try db.execute(sql: "INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?)", arguments: [model.name, alias, version])
                    }
                }
                for entry in record.audit {
                    try db.execute(sql: "INSERT INTO audit_log (seq, time, actor, action, model, version, alias, details, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   arguments: [entry.sequence, entry.time, entry.actor, entry.action, entry.model, entry.version, entry.alias, entry.details, entry.reason])
                }
            }
        }
    }
}
