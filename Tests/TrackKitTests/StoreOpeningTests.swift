import Foundation
import GRDB
import Testing
import ToolboxCore
import ToolboxTesting
@testable import TrackKit

/// Opening stores: foreign databases are refused untouched; read-only storage can be read.
@Suite("Opening a store", .serialized)
struct StoreOpeningTests {
    @Test func aForeignSQLiteDatabaseIsRefusedUntouched() throws {
        let folder = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/tracking.sqlite"
        let foreign = try DatabaseQueue(path: path)
        try foreign.write { db in
            try db.execute(sql: "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'ada')")
        }
        try foreign.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try SQLiteTrackingStore(folder: folder)
            Issue.record("a foreign database was opened as a store")
        } catch let error as ToolboxError {
            #expect(error.code == .corruptStore && error.message.contains("customers") && error.message.contains("untouched"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    /// A store on a read-only mount (made by the test with a bind mount; skipped where the
    /// process may not mount) reads, and refuses writes in words.
    @Test func aStoreOnReadOnlyStorageCanBeRead() async throws {
        let folder = SQLiteTrackingStoreTests.folder()
        let mountPoint = folder + "-readonly"
        defer {
            _ = Self.shell("umount", mountPoint)
            try? FileManager.default.removeItem(atPath: mountPoint)
            try? FileManager.default.removeItem(atPath: folder)
        }
        let runID: String
        do {
            let store = try SQLiteTrackingStore(folder: folder)
            runID = try await Tracker(store: store).run("readable") { run in
                try await run.log(params: ["depth": "4"])
                try await run.log(metric: "auc", 0.91)
                try await run.log(model: try ColumnShift(amount: 2).fit(Matrix(rows: 1, columns: 2, values: [0, 0])))
                return run.id
            }
        }
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard Self.shell("mount", "--bind", folder, mountPoint), Self.shell("mount", "-o", "remount,ro,bind", mountPoint) else {
            print("skipped: this process cannot make a read-only bind mount")
            return
        }
        let store = try SQLiteTrackingStore(folder: mountPoint)
        #expect(store.isReadOnly)
        #expect(try store.params(runID: runID) == ["depth": "4"])
        #expect(try store.latestMetrics(runID: runID)["auc"]?.value == 0.91)
        #expect(try store.searchRuns(experimentIDs: [], filter: nil, orderBy: [], maxResults: 10, offset: 0).map(\.id) == [runID])
        #expect(try store.readArtifact(runID: runID, path: "model.dstbx").count > 0)
        do {
            try store.logBatch(runID: runID, params: ["more": "1"], metrics: [], tags: [:])
            Issue.record("a write to read-only storage succeeded")
        } catch let error as ToolboxError {
            #expect(error.code == .ioError && error.message.contains("read-only"), "\(error)")
        }
    }

    @discardableResult
    static func shell(_ arguments: String...) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
