import Foundation
import PostgresStore
import StoreConformance
import Testing
import ToolboxCore
import ToolboxTesting
import TrackKit

/// A PostgreSQL server of the test's own (its own folder and port, through Scripts/postgres),
/// which the test may stop and start.
struct PrivateServer {
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-pg-\(UUID().uuidString.prefix(8))").path

    @discardableResult
    func script(_ command: String) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/postgres").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [command]
        process.environment = ProcessInfo.processInfo.environment.merging(["DSTOOLBOX_POSTGRES_HOME": home]) { $1 }
        // Output to a file, not a pipe: the server it starts may inherit a pipe's descriptor and
        // keep it open, so reading to its end would wait forever.
        let log = home + ".out"
        FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = (try String(contentsOfFile: log, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(process.terminationStatus == 0, "Scripts/postgres \(command): \(text)")
        return text
    }

    func start() throws -> String { try script("start") }
    func stop() throws { try script("stop") }
    func clean() { _ = try? script("clean") }
}

/// A running probe (PostgresStoreProbe), its lines read as they come.
final class Probe: @unchecked Sendable {
    let process = Process()
    private let pipe = Pipe()
    private let lock = NSLock()
    private var text = ""

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: try BuiltProducts.executable("PostgresStoreProbe"))
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.text += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
    }

    var output: String { lock.lock(); defer { lock.unlock() }; return text }

    /// The steps acknowledged so far, by run.
    var committed: [(run: String, step: Int)] {
        output.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0] == "committed", let step = Int(parts[2]) else { return nil }
            return (String(parts[1]), step)
        }
    }

    /// Waits (at most `seconds`) until `condition` holds or the probe ends.
    func wait(seconds: Double, until condition: (Probe) -> Bool) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end, process.isRunning, !condition(self) { usleep(5_000) }
    }

    func finish() -> String {
        process.waitUntilExit()
        usleep(50_000)
        pipe.fileHandleForReading.readabilityHandler = nil
        return output
    }
}

@Suite("PostgreSQL store under failure", .enabled(if: PostgresTesting.available), .serialized)
struct PostgresFailureTests {
    /// Checks that every acknowledged step of every run is stored (all ten metrics of it).
    func expectStored(_ acknowledged: [String: Int], _ url: String) async throws {
        let store = try await PostgresTrackingStore(url: url)
        for (run, last) in acknowledged {
            let steps = Set(try await store.metricHistory(runID: run, key: "m9").map(\.step))
            let missing = (0...Int64(last)).filter { !steps.contains($0) }
            #expect(missing.isEmpty, "run \(run): acknowledged steps \(missing.prefix(10)) are missing")
            #expect((try await store.latestMetrics(runID: run)["m0"]?.step ?? -1) >= Int64(last), "run \(run): the latest value is behind")
        }
    }

    /// A logging worker killed with SIGKILL at random points, 100 times: every batch it was told
    /// was committed is there, whole.
    @Test func sigkillMidTransactionLosesNothingAcknowledged() async throws {
        let url = try await PostgresTesting.freshDatabase()
        var acknowledged: [String: Int] = [:]
        for round in 0..<100 {
            let probe = try Probe(["log", url, "0"])
            let wanted = 1 + round % 7
            probe.wait(seconds: 30) { $0.committed.count >= wanted }
            usleep(UInt32.random(in: 0...20_000))
            kill(probe.process.processIdentifier, SIGKILL)
            let output = probe.finish()
            #expect(!output.contains("error:"), "round \(round): \(output.suffix(500))")
            for (run, step) in probe.committed { acknowledged[run] = max(acknowledged[run] ?? -1, step) }
        }
        #expect(acknowledged.count >= 90, "only \(acknowledged.count) workers got as far as a commit")
        try await expectStored(acknowledged, url)
    }

    /// The server stopped for 5 seconds mid-run: the worker waits and continues, nothing is lost;
    /// with a retry budget shorter than the outage it stops with a clear error.
    @Test func serverStoppedForFiveSecondsMidRun() async throws {
        let server = PrivateServer()
        defer { server.clean() }
        let url = try server.start()
        let probe = try Probe(["log", url, "12"])
        probe.wait(seconds: 30) { $0.committed.count >= 20 }
        try server.stop()
        let stopped = Date()
        try await Task.sleep(nanoseconds: 5_000_000_000)
        #expect(try server.start() == url, "the server comes back on the same URL")
        let output = probe.finish()
        #expect(probe.process.terminationStatus == 0 && output.contains("done"), "\(output.suffix(800))")
        let during = probe.committed
        #expect(during.count > 20, "the worker went on after the outage")
        var acknowledged: [String: Int] = [:]
        for (run, step) in during { acknowledged[run] = max(acknowledged[run] ?? -1, step) }
        try await expectStored(acknowledged, url)
        _ = stopped

        // Down for longer than the retry budget (2 s): a clear error, not a hang.
        let impatient = try Probe(["log", url + "?retry_seconds=2", "60"])
        impatient.wait(seconds: 30) { $0.committed.count >= 5 }
        try server.stop()
        let failed = impatient.finish()
        #expect(impatient.process.terminationStatus == 1, "\(failed.suffix(500))")
        #expect(failed.contains("unavailable") && failed.contains("retry_seconds"), "\(failed.suffix(500))")
        _ = try server.start()
        var impatientAcks: [String: Int] = [:]
        for (run, step) in impatient.committed { impatientAcks[run] = max(impatientAcks[run] ?? -1, step) }
        try await expectStored(impatientAcks, url)
    }
}
