import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import TrackKit

@Suite("MLflow's file-store layout")
struct MLflowFileStoreTests {
    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mlruns-\(UUID().uuidString)").path
    }

    /// A store written by MLflow's own client (Scripts/golden/generate_mlruns.py) reads in:
    /// the run's name, status, times, parameter, metric history with NaN and ∞, tags, artifact.
    @Test func importsWhatMLflowWrote() async throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteTrackingStore(folder: dir)
        let summary = try await MLflowFileStore.importStore(from: GoldenFiles().url("mlruns").path, into: store)
        #expect(summary.experiments == 1 && summary.runs == 1 && summary.metrics == 3 && summary.artifacts == 1, "\(summary)")
        let experiment = try #require(try store.experiments().first { $0.name == "churn" })
        let run = try #require(try store.searchRuns(experimentIDs: [experiment.id], filter: nil, orderBy: [], maxResults: 10, offset: 0).first)
        #expect(run.name == "first" && run.status == .finished && run.user == "root" && run.endTime != nil && run.startTime > 1.7e9)
        #expect(try store.params(runID: run.id) == ["alpha": "0.5"])
        let loss = try store.metricHistory(runID: run.id, key: "loss")
        #expect(loss.count == 3 && loss[0].value == 0.25 && loss[1].value.isNaN && loss[2].value == .infinity)
        #expect(loss.map(\.step) == [0, 1, 2] && loss.map(\.timestamp) == [1_700_000_000, 1_700_000_001, 1_700_000_002])
        #expect(try store.tags(runID: run.id)["team"] == "ml" && store.tags(runID: run.id)["mlflow.runName"] == "first")
        #expect(try store.readArtifact(runID: run.id, path: "notes/a.txt") == Array("hi".utf8))
    }

    /// Export then import gives the same runs back; the layout is MLflow's (meta files, one file
    /// per parameter and tag, metric lines "timestamp value step"); an existing folder is never
    /// replaced; keys that would leave the folder and malformed files are typed errors.
    @Test func exportRoundTripsAndRefusesWhatItMust() async throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try SQLiteTrackingStore(folder: dir + "/a")
        let experiment = try source.experiment(named: "exp")
        let run = try source.createRun(experimentID: experiment.id, name: "r1", parentRunID: nil, source: nil, user: "ana")
        try source.logBatch(runID: run.id, params: ["lr": "0.1", "nested/key": "x"],
                            metrics: [RunMetric(key: "m", value: 0.1, step: 0, timestamp: 1_700_000_000.5), RunMetric(key: "m", value: -.infinity, step: 1, timestamp: 1_700_000_001)],
                            tags: ["stage": "dev: yes"])
        try source.logArtifact(runID: run.id, bytes: [0, 1, 2, 255], path: "model/w.bin")
        try source.endRun(id: run.id, status: .killed)
        let out = dir + "/export"
        let summary = try await MLflowFileStore.export(source, to: out)
        #expect(summary.experiments == 1 && summary.runs == 1 && summary.metrics == 2 && summary.artifacts == 1)
        let runFolder = "\(out)/\(experiment.id)/\(run.id)"
        #expect(try String(contentsOfFile: runFolder + "/metrics/m", encoding: .utf8) == "1700000000500 0.1 0\n1700000001000 -inf 1\n")
        #expect(try String(contentsOfFile: runFolder + "/params/nested/key", encoding: .utf8) == "x")
        let meta = try String(contentsOfFile: runFolder + "/meta.yaml", encoding: .utf8)
        #expect(meta.contains("status: 5\n") && meta.contains("run_name: r1\n") && meta.contains("experiment_id: '\(experiment.id)'\n"), "\(meta)")
        #expect(FileManager.default.fileExists(atPath: "\(out)/0/meta.yaml"))
        // Read back into another store.
        let target = try SQLiteTrackingStore(folder: dir + "/b")
        #expect(try await MLflowFileStore.importStore(from: out, into: target) == summary)
        let back = try #require(try target.searchRuns(experimentIDs: [], filter: nil, orderBy: [], maxResults: 10, offset: 0).first)
        #expect(back.name == "r1" && back.status == .killed && back.user == "ana")
        #expect(try target.params(runID: back.id) == ["lr": "0.1", "nested/key": "x"] && target.tags(runID: back.id)["stage"] == "dev: yes")
        #expect(try target.metricHistory(runID: back.id, key: "m") == source.metricHistory(runID: run.id, key: "m"))
        #expect(try target.readArtifact(runID: back.id, path: "model/w.bin") == [0, 1, 2, 255])
        // An existing folder is never replaced.
        let again = await #expect(throws: ToolboxError.self) { try await MLflowFileStore.export(source, to: out) }
        #expect(again?.code == .conflict)
        let unknown = await #expect(throws: ToolboxError.self) { try await MLflowFileStore.export(source, experiments: ["nope"], to: dir + "/x") }
        #expect(unknown?.code == .notFound && !FileManager.default.fileExists(atPath: dir + "/x"))
        // A malformed metric line names its file and line.
        try "1700000000000 0.5 0\nnot a line\n".write(toFile: runFolder + "/metrics/m", atomically: true, encoding: .utf8)
        let malformed = await #expect(throws: ToolboxError.self) { try await MLflowFileStore.importStore(from: out, into: target) }
        #expect(malformed?.code == .parseError && malformed?.context.line == 2 && malformed?.context.path?.hasSuffix("metrics/m") == true)
        let empty = await #expect(throws: ToolboxError.self) { try await MLflowFileStore.importStore(from: dir + "/a", into: target) }
        #expect(empty?.code == .notFound)
        #expect(throws: ToolboxError.self) { try MLflowFileStore.keyFile(URL(fileURLWithPath: dir), "../escape") }
        #expect(throws: ToolboxError.self) { try MLflowFileStore.keyFile(URL(fileURLWithPath: dir), "/abs") }
    }
}

extension MLflowFileStoreTests {
    /// Links in an imported store never pull files from outside it: a parameter that is a link
    /// is refused, an artifact linking out of the run's folder is refused, one linking inside is read.
    @Test func importFollowsNoLinkOutOfTheStore() async throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let copy = dir + "/mlruns"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: GoldenFiles().url("mlruns").path, toPath: copy)
        let secret = dir + "/secret.txt"
        try "top secret".write(toFile: secret, atomically: true, encoding: .utf8)
        let runFolder = try #require(FileManager.default.subpaths(atPath: copy)?.first { $0.hasSuffix("/params/alpha") }).dropLast("/params/alpha".count)
        let run = copy + "/" + runFolder
        try FileManager.default.createSymbolicLink(atPath: run + "/artifacts/leak.txt", withDestinationPath: secret)
        let store = try SQLiteTrackingStore(folder: dir + "/store")
        let leaked = await #expect(throws: ToolboxError.self) { try await MLflowFileStore.importStore(from: copy, into: store) }
        #expect(leaked?.context.path?.hasSuffix("leak.txt") == true, "\(String(describing: leaked))")
        try FileManager.default.removeItem(atPath: run + "/artifacts/leak.txt")
        try FileManager.default.createSymbolicLink(atPath: run + "/params/beta", withDestinationPath: secret)
        let linkedValue = await #expect(throws: ToolboxError.self) { try await MLflowFileStore.importStore(from: copy, into: store) }
        #expect(linkedValue?.code == .invalidParameter)
        try FileManager.default.removeItem(atPath: run + "/params/beta")
        try FileManager.default.createSymbolicLink(atPath: run + "/artifacts/again.txt", withDestinationPath: run + "/artifacts/notes/a.txt")
        let summary = try await MLflowFileStore.importStore(from: copy, into: store)
        #expect(summary.artifacts == 2)
    }
}
