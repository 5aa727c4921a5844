import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import TrackKit

@Suite("Tracker")
struct TrackerTests {
    struct Boom: Error {}

    @Test func aRunIsAScopeThatEndsFinishedOrFailed() async throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteTrackingStore(folder: path)
        let tracker = Tracker(store: store, user: "ada")
        let id = try await tracker.run("churn", name: "shift") { run in
            try await run.log(hyperparameters: ColumnShift(amount: 2.5))
            try await run.log(metrics: ["rmse": 0.5, "mae": 0.25], step: 1)
            try await run.tag(["stage": "draft"])
            let x = try Matrix(rows: 2, columns: 1, values: [1, 2])
            try await run.log(inputs: DatasetInput(name: "train", matrix: x))
            try await run.log(model: try ColumnShift(amount: 2.5).fit(x))
            let progress = run.progressLogger()
            #expect(progress(FitProgress(iteration: 1, trainLoss: 0.9, validationLoss: 1.1)) == .proceed)
            #expect(progress(FitProgress(iteration: 2, trainLoss: 0.7)) == .proceed)
            return run.id
        }
        let finished = try store.run(id: id)
        #expect(finished.status == .finished && finished.endTime != nil && finished.user == "ada" && finished.name == "shift")
        #expect(try store.params(runID: id) == ["amount": "2.5"])
        #expect(try store.latestMetrics(runID: id).mapValues(\.value) == ["rmse": 0.5, "mae": 0.25, "train_loss": 0.7, "validation_loss": 1.1])
        #expect(try store.metricHistory(runID: id, key: "train_loss").map(\.step) == [1, 2])
        #expect(try store.inputs(runID: id).map(\.name) == ["train"] && store.artifacts(runID: id, under: nil).map(\.path) == ["model.dstbx"])
        try ColumnShift.register()
        #expect((try await store.loadModel(runID: id) as? ColumnShift.Model)?.hyperparameters.amount == 2.5)

        var failedID = ""
        await #expect(throws: Boom.self) {
            try await tracker.run("churn") { run in
                failedID = run.id
                throw Boom()
            }
        }
        #expect(try store.run(id: failedID).status == .failed)
    }
}

/// `Tracker.run` from `@MainActor` code: the body uses main-actor state and returns a value
/// that is not `Sendable`.
@MainActor
@Suite("Tracking from the main actor")
struct MainActorTrackingTests {
    final class Notes { var lines: [String] = [] }
    var notes = Notes()

    @Test func aRunBodyUsesMainActorState() async throws {
        let folder = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tracker = Tracker(store: try SQLiteTrackingStore(folder: folder))
        let returned = try await tracker.run("ui") { run in
            notes.lines.append("started \(run.id)")
            try await run.log(metric: "loss", 0.5)
            return notes
        }
        #expect(returned === notes && notes.lines.count == 1)
    }
}
