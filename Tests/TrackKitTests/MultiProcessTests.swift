import Foundation
import GRDB
import Testing
import ToolboxCore
import ToolboxTesting
@testable import TrackKit

/// Many processes on one store at once, and processes killed mid-write: the acceptance
/// checks of the tracking store, run against the TrackKitProbe child.
@Suite("Many processes and SIGKILL", .serialized)
struct MultiProcessTests {
    static func probe() throws -> String {
        try BuiltProducts.executable("TrackKitProbe")
    }

    /// Starts the probe; its output (stdout and stderr) collects in the returned pipe.
    static func start(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try probe())
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return (process, pipe)
    }

    static func finish(_ started: [(Process, Pipe)]) -> [(status: Int32, output: String)] {
        started.map { process, pipe in
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    @Test func eightProcessesLoggingFiveHundredRunsEach() throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The processes race to create the schema too: the store does not exist yet.
        let results = Self.finish(try (0..<8).map { _ in try Self.start(["log", path, "race", "500"]) })
        for result in results { #expect(result.status == 0 && result.output.isEmpty, "\(result.output)") }
        let store = try SQLiteTrackingStore(folder: path)
        let counts = try store.pool.read { db in
            (runs: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE status = 'FINISHED'")!,
             distinctNames: try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT name) FROM runs")!,
             metrics: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics")!,
             params: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM params")!,
             experiments: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM experiments")!,
             migrations: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations")!)
        }
        #expect(counts.runs == 4_000 && counts.distinctNames == 4_000 && counts.metrics == 4_000 * 12 && counts.params == 8_000)
        #expect(counts.experiments == 1 && counts.migrations == SQLiteTrackingStore.migrator.migrations.count)
        // Every run has its whole history.
        let incomplete = try store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT run_id FROM metrics GROUP BY run_id HAVING COUNT(*) != 12)")!
        }
        #expect(incomplete == 0)
    }

    @Test func eightProcessesRegisteringVersionsOfOneModel() throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteTrackingStore(folder: path)
        let run = try store.createRun(experimentID: store.experiment(named: "e").id)
        // A version registers the run's model archive.
        try store.logArtifact(runID: run.id, bytes: Array("model".utf8), path: "model.dstbx")
        let results = Self.finish(try (0..<8).map { _ in try Self.start(["register", path, "churn", "25", run.id]) })
        var versions: [Int] = []
        for result in results {
            #expect(result.status == 0, "\(result.output)")
            let mine = result.output.split(separator: "\n").compactMap { Int($0) }
            #expect(mine == mine.sorted() && mine.count == 25)
            versions += mine
        }
        #expect(versions.sorted() == Array(1...200))
        #expect(try store.modelVersions(name: "churn").map(\.version) == Array(1...200))
        #expect(try store.auditLog(model: "churn", alias: nil, limit: 1_000).filter { $0.action == "register_version" }.count == 200)
    }

    @Test func aProcessKilledAtRandomMomentsNeverCorruptsTheStore() throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        for round in 0..<100 {
            let (process, pipe) = try Self.start(["crash", path])
            usleep(UInt32.random(in: 0...120_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal || !output.contains("TrackKitProbe:"), "round \(round): \(output)")
            let store = try SQLiteTrackingStore(folder: path)
            let integrity = try store.pool.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            #expect(integrity == ["ok"], "round \(round)")
            // Every write the child reported as committed is there.
            for line in output.split(separator: "\n") where line.hasPrefix("committed ") {
                let parts = line.split(separator: " ")
                let history = try store.metricHistory(runID: String(parts[1]), key: "m")
                #expect(history.contains { $0.step == Int64(parts[2])! }, "round \(round): \(line)")
                checked += 1
            }
        }
        #expect(checked > 100)
    }
}
