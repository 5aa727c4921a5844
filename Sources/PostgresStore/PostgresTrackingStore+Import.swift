import Foundation
import ToolboxCore
public import TrackKit

extension PostgresTrackingStore {
    /// Writes many whole runs in one transaction (a backfill, an import from another tracker,
    /// `store migrate`): all of them or none. Returns the new runs' ids, in order.
    @discardableResult
    public func importRuns(experimentID: Int64, _ runs: [ImportedRun]) async throws -> [String] {
        for run in runs { try StoreChecks.keys(Array(run.params.keys) + run.metrics.map(\.key) + Array(run.tags.keys)) }
        let ids = runs.map { _ in StoreChecks.newRunID() }
        let params = zip(ids, runs).flatMap { id, run in run.params.sorted { $0.key < $1.key }.map { (id, $0.key, $0.value) } }
        let tags = zip(ids, runs).flatMap { id, run in run.tags.sorted { $0.key < $1.key }.map { (id, $0.key, $0.value) } }
        _ = try await transaction("importing runs") { db in
            guard try await db.exists("SELECT 1 FROM experiments WHERE id = ?", [.int(experimentID)]) else {
                throw ToolboxError(.notFound, "no experiment with id \(experimentID)", context: ErrorContext(parameter: "experiment"))
            }
            try await Self.insertMany(db, "INSERT INTO runs (id, experiment_id, name, status, start_time, end_time, user_name) VALUES", columns: 7, rows: runs.count) { i in
                let run = runs[i]
                return [.text(ids[i]), .int(experimentID), SQLValue(run.name), .text(run.status.rawValue), .double(run.startTime), SQLValue(run.endTime), SQLValue(run.user)]
            }
            try await Self.insertMany(db, "INSERT INTO params (run_id, key, value) VALUES", columns: 3, rows: params.count) { i in
                [.text(params[i].0), .text(params[i].1), .text(params[i].2)]
            }
            try await Self.insertMany(db, "INSERT INTO tags (run_id, key, value) VALUES", columns: 3, rows: tags.count) { i in
                [.text(tags[i].0), .text(tags[i].1), .text(tags[i].2)]
            }
            try await Self.insert(zip(ids, runs).flatMap { id, run in run.metrics.map { (id, $0) } }, db)
            return ids
        }
        // The planner's statistics, current after a bulk load (autovacuum would take a while).
        if runs.count >= 1_000 { try await database.transaction("importing runs") { db in try await db.execute("ANALYZE runs, params, tags, latest_metrics") } }
        return ids
    }
}
