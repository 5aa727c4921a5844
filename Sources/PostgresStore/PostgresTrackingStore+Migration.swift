import Foundation
import ToolboxCore
public import TrackKit

extension PostgresTrackingStore: MigratableTrackingStore {
    /// Run ids in order, `limit` after `after`.
    public func runIDs(after: String?, limit: Int) async throws -> [String] {
        try await transaction("tracking store") { db in
            try await db.rows("SELECT id FROM runs WHERE id > ? ORDER BY id LIMIT ?", [.text(after ?? ""), .int(Int64(limit))]).map { try $0["id"] }
        }
    }

    /// The runs with these ids, whole.
    public func runRecords(ids: [String]) async throws -> [RunRecord] {
        let data = try await runData(runIDs: ids)
        let chunk = SQLValue.texts(ids)
        return try await transaction("tracking store") { db in
            var records: [String: RunRecord] = [:]
            for row in try await db.rows("SELECT * FROM runs WHERE id = ANY(?::text[])", [chunk]) {
                let run = try Self.run(row)
                let known = data[run.id] ?? RunData()
                records[run.id] = RunRecord(run: run, params: known.params, tags: known.tags, metrics: [], inputs: known.inputs, artifacts: [])
            }
            for row in try await db.rows("SELECT run_id, key, bits, step, timestamp FROM metrics WHERE run_id = ANY(?::text[]) ORDER BY run_id, step, timestamp, seq", [chunk]) {
                records[try row["run_id"] as String]?.metrics.append(try Self.metric(row))
            }
            for row in try await db.rows("SELECT run_id, path, sha256, size FROM artifacts WHERE run_id = ANY(?::text[]) ORDER BY run_id, path", [chunk]) {
                let size: Int64 = try row["size"]
                records[try row["run_id"] as String]?.artifacts.append(ArtifactInfo(path: try row["path"], sha256: try row["sha256"], size: Int(size)))
            }
            return ids.compactMap { records[$0] }
        }
    }

    /// Writes experiments with their ids (later experiments number after them).
    public func writeExperiments(_ experiments: [Experiment]) async throws {
        try await transaction("store migrate") { db in
            for experiment in experiments {
                try await db.execute("INSERT INTO experiments (id, name, creation_time) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                                     [.int(experiment.id), .text(experiment.name), .double(experiment.creationTime)])
            }
            try await db.execute("SELECT setval(pg_get_serial_sequence('experiments', 'id'), COALESCE((SELECT MAX(id) FROM experiments), 0) + 1, false)")
        }
    }

    /// Writes runs whole, their ids kept.
    public func writeRuns(_ records: [RunRecord], content: @Sendable (ArtifactInfo, RunRecord) async throws -> [UInt8]) async throws {
        try await transaction("store migrate") { db in
            try await Self.insertMany(db, "INSERT INTO runs (id, experiment_id, name, status, start_time, end_time, parent_run_id, source, user_name) VALUES",
                                      columns: 9, rows: records.count) { i in
                let run = records[i].run
                return [.text(run.id), .int(run.experimentID), SQLValue(run.name), .text(run.status.rawValue), .double(run.startTime), SQLValue(run.endTime),
                        SQLValue(run.parentRunID), SQLValue(run.source), SQLValue(run.user)]
            }
            let params = records.flatMap { record in record.params.map { (record.run.id, $0.key, $0.value) } }
            try await Self.insertMany(db, "INSERT INTO params (run_id, key, value) VALUES", columns: 3, rows: params.count) { i in
                [.text(params[i].0), .text(params[i].1), .text(params[i].2)]
            }
            let tags = records.flatMap { record in record.tags.map { (record.run.id, $0.key, $0.value) } }
            try await Self.insertMany(db, "INSERT INTO tags (run_id, key, value) VALUES", columns: 3, rows: tags.count) { i in
                [.text(tags[i].0), .text(tags[i].1), .text(tags[i].2)]
            }
            try await Self.insert(records.flatMap { record in record.metrics.map { (record.run.id, $0) } }, db)
            for record in records {
                for input in record.inputs {
                    try await db.execute("""
                        INSERT INTO inputs (run_id, digest, name, source, n_rows, n_columns) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, digest) DO NOTHING
                        """, [.text(record.run.id), .text(input.digest), .text(input.name), SQLValue(input.source), SQLValue(input.rows), SQLValue(input.columns)])
                }
            }
        }
        for record in records {
            for artifact in record.artifacts {
                let stored = try await logArtifact(runID: record.run.id, bytes: try await content(artifact, record), path: artifact.path)
                guard stored.sha256 == artifact.sha256 else {
                    throw ToolboxError(.corruptStore, "artifact \(artifact.path) of run \(record.run.id) read back with sha256 \(stored.sha256), not \(artifact.sha256)")
                }
            }
        }
    }

    /// Writes the registry whole: models, versions, tags, aliases, rules and the audit log
    /// (entries keep their sequence numbers; later ones number after them).
    public func writeRegistry(_ record: RegistryRecord) async throws {
        try await transaction("store migrate") { db in
            for model in record.models {
                try await db.execute("INSERT INTO registered_models (name, description, creation_time, last_updated_time) VALUES (?, ?, ?, ?)",
                                     [.text(model.name), SQLValue(model.description), .double(model.creationTime), .double(model.lastUpdatedTime)])
                for (key, value) in model.tags {
                    try await db.execute("INSERT INTO model_tags (name, version, key, value) VALUES (?, 0, ?, ?)", [.text(model.name), .text(key), .text(value)])
                }
                for (alias, rule) in model.promotionRules {
                    try await db.execute("INSERT INTO promotion_rules (name, alias, metric, higher_is_better, minimum_improvement) VALUES (?, ?, ?, ?, ?)",
                                         [.text(model.name), .text(alias), .text(rule.metric), .bool(rule.higherIsBetter), .double(rule.minimumImprovement)])
                }
            }
            for version in record.versions {
                try await db.execute("""
                    INSERT INTO model_versions (name, version, run_id, artifact_path, artifact_sha256, description, creation_time) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, [.text(version.name), .int(Int64(version.version)), .text(version.runID), SQLValue(version.artifactPath), SQLValue(version.artifactSHA256),
                          SQLValue(version.description), .double(version.creationTime)])
                for (key, value) in version.tags {
                    try await db.execute("INSERT INTO model_tags (name, version, key, value) VALUES (?, ?, ?, ?)",
                                         [.text(version.name), .int(Int64(version.version)), .text(key), .text(value)])
                }
            }
            for model in record.models {
                for (alias, version) in model.aliases {
                    try await db.execute("INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?)", [.text(model.name), .text(alias), .int(Int64(version))])
                }
            }
            for entry in record.audit {
                try await db.execute("""
                    INSERT INTO audit_log (seq, time, actor, action, model, version, alias, details, reason) OVERRIDING SYSTEM VALUE VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.int(entry.sequence), .double(entry.time), .text(entry.actor), .text(entry.action), .text(entry.model), SQLValue(entry.version),
                          SQLValue(entry.alias), .text(entry.details), SQLValue(entry.reason)])
            }
            try await db.execute("SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1, false)")
        }
    }
}
