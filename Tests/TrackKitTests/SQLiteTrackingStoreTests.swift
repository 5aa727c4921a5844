import Foundation
import Testing
import ToolboxCore
@testable import TrackKit

@Suite("SQLite tracking store")
struct SQLiteTrackingStoreTests {
    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("trackkit-\(UUID().uuidString)").path
    }

    @Test func experimentsRunsParamsMetricsAndTags() throws {
        let path = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteTrackingStore(folder: path)
        let experiment = try store.experiment(named: "churn")
        #expect(try store.experiment(named: "churn") == experiment)
        let run = try store.createRun(experimentID: experiment.id, name: "forest", source: "train.swift", user: "ada")
        #expect(run.id.count == 32 && run.status == .running)
        let child = try store.createRun(experimentID: experiment.id, name: "fold 1", parentRunID: run.id)
        #expect(try store.run(id: child.id).parentRunID == run.id)
        // Parameters are written once; the same value again is fine.
        try store.logBatch(runID: run.id, params: ["max_depth": "5", "n_estimators": "100"])
        try store.logBatch(runID: run.id, params: ["max_depth": "5"])
        let changed = #expect(throws: ToolboxError.self) { try store.logBatch(runID: run.id, params: ["max_depth": "7"]) }
        #expect(changed?.context.parameter == "max_depth")
        #expect(try store.params(runID: run.id) == ["max_depth": "5", "n_estimators": "100"])
        // Metrics: history appended, NaN and ±∞ exactly, latest by step.
        let values: [Double] = [0.9, .nan, .infinity, -.infinity, 0.5, -0.0]
        try store.logBatch(runID: run.id, metrics: values.enumerated().map { RunMetric(key: "loss", value: $1, step: Int64($0), timestamp: 100 + Double($0)) })
        let history = try store.metricHistory(runID: run.id, key: "loss")
        #expect(history.map(\.value.bitPattern) == values.map(\.bitPattern) && history.map(\.step) == Array(0..<6))
        #expect(try store.latestMetrics(runID: run.id)["loss"]?.value.bitPattern == (-0.0).bitPattern)
        // Tags overwrite.
        try store.logBatch(runID: run.id, tags: ["stage": "draft"])
        try store.logBatch(runID: run.id, tags: ["stage": "final"])
        #expect(try store.tags(runID: run.id) == ["stage": "final"])
        // A batch is all or nothing.
        #expect(throws: ToolboxError.self) {
            try store.logBatch(runID: run.id, params: ["max_depth": "9"], metrics: [RunMetric(key: "acc", value: 1)], tags: ["x": "y"])
        }
        #expect(try store.metricHistory(runID: run.id, key: "acc").isEmpty && (try store.tags(runID: run.id))["x"] == nil)
        try store.endRun(id: run.id, status: .finished)
        let ended = try store.run(id: run.id)
        #expect(ended.status == .finished && ended.endTime != nil)
        // Reopened, everything is there.
        let reopened = try SQLiteTrackingStore(folder: path)
        #expect(try reopened.params(runID: run.id).count == 2 && (try reopened.metricHistory(runID: run.id, key: "loss")).count == 6)
        // Bad input.
        #expect(throws: ToolboxError.self) { try store.createRun(experimentID: 999) }
        #expect(throws: ToolboxError.self) { try store.run(id: "nope") }
        #expect(throws: ToolboxError.self) { try store.logBatch(runID: "nope", params: ["a": "b"]) }
        #expect(throws: ToolboxError.self) { try store.logBatch(runID: run.id, params: ["": "b"]) }
        #expect(throws: ToolboxError.self) { try store.experiment(named: "") }
    }

    /// Many threads logging to one store at once: nothing lost, nothing duplicated, no
    /// "database is locked"; two stores (as two processes) on one folder agree.
    @Test func concurrentWritersLoseNothing() async throws {
        let path = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteTrackingStore(folder: path)
        let other = try SQLiteTrackingStore(folder: path)
        let experiment = try store.experiment(named: "load")
        let run = try store.createRun(experimentID: experiment.id)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    let target = writer % 2 == 0 ? store : other
                    for step in 0..<50 {
                        try target.logBatch(runID: run.id, metrics: [RunMetric(key: "m\(writer)", value: Double(step), step: Int64(step))])
                    }
                    _ = try target.experiment(named: "shared")
                }
            }
            try await group.waitForAll()
        }
        for writer in 0..<8 {
            #expect(try store.metricHistory(runID: run.id, key: "m\(writer)").map(\.value) == (0..<50).map(Double.init))
        }
        #expect(try store.experiment(named: "shared") == (try other.experiment(named: "shared")))
    }
}
