import Foundation
import PostgresStore
import StoreConformance
import Testing
import ToolboxTesting
import TuneKit

/// `--store postgresql://...` and `DSTOOLBOX_STORE` reach a PostgreSQL database from every
/// command, and `store migrate` copies a store into PostgreSQL and back, verified.
@Suite("dstoolbox on a PostgreSQL store", .enabled(if: PostgresTesting.available))
struct PostgresCLITests {
    @Test func runsModelsStudiesAndMigrateRoundTrip() async throws {
        let url = try await PostgresTesting.freshDatabase()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cli = CLITests()
        func ok(_ arguments: [String]) throws -> String {
            let result = try cli.run(arguments, timeout: 120)
            #expect(result.status == 0, "\(arguments.prefix(3)): \(result.output.prefix(2000))")
            return result.output
        }
        // Runs, a model, a registered version with an alias and a rule, NaN and ∞ metrics.
        let data = work + "/d.csv", model = work + "/m.dstbx"
        _ = try ok(["data", "generate", "--kind", "classification", "--rows", "200", "--features", "3", "--seed", "2", "-o", data])
        _ = try ok(["learn", "train", data, "--target", "target", "--model", "logistic_regression", "-o", model])
        var ids: [String] = []
        for (index, auc) in ["0.7", "nan", "inf", "0.9"].enumerated() {
            ids.append(try ok(["runs", "create", "--experiment", "pg", "--name", "r\(index)", "--param", "i=\(index)", "--metric", "auc=\(auc)",
                               "--tag", "stage=\(index % 2 == 0 ? "dev" : "Prod")", "--status", "FINISHED", "--artifact", model, "--store", url])
                .trimmingCharacters(in: .whitespacesAndNewlines))
        }
        _ = try ok(["models", "register", "churn", "--run", ids[0], "--store", url])
        _ = try ok(["models", "register", "churn", "--run", ids[3], "--store", url])
        _ = try ok(["models", "alias", "churn", "champion", "2", "--store", url])
        let predicted = try ok(["learn", "predict", "models:/churn@champion", data, "--store", url])
        let local = try ok(["learn", "predict", model, data])
        #expect(predicted == local)
        // A study optimized by two workers at once on the database.
        let objective = work + "/objective.sh"
        try "#!/bin/sh\necho \"$DSTOOLBOX_PARAMS\" | sed 's/.*: *\\([-0-9.e]*\\).*/\\1/'\n".write(toFile: objective, atomically: true, encoding: .utf8)
        chmod(objective, 0o755)
        _ = try ok(["study", "create", "s", "--sampler", "tpe", "--seed", "1", "--store", url])
        let workers = try (0..<2).map { _ -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try BuiltProducts.executable("dstoolbox"))
            process.arguments = ["study", "optimize", "s", "--space", #"{"x": {"type": "float", "low": 0, "high": 1}}"#, "--total-trials", "20", "--", objective]
            process.environment = ProcessInfo.processInfo.environment.merging(["DSTOOLBOX_STORE": url]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for worker in workers { worker.waitUntilExit() }
        let trials = try ok(["study", "trials", "s", "--json", "--store", url])
        let numbers = try #require(try JSONSerialization.jsonObject(with: Data(trials.utf8)) as? [[String: Any]]).compactMap { $0["number"] as? Int }
        #expect(numbers.sorted() == Array(0..<20))

        // PostgreSQL -> folder -> another PostgreSQL database: the same searches, registry and trials.
        let folder = work + "/copy", back = try await PostgresTesting.freshDatabase()
        let first = try ok(["store", "migrate", "--from", url, "--to", folder, "--json"])
        #expect(first.contains("\"verified\": true") && first.contains("\"trials\": 20"), "\(first)")
        _ = try ok(["store", "migrate", "--from", folder, "--to", back])
        // And SQLite -> PostgreSQL -> SQLite: the folder copied into `back` comes back whole.
        let folderAgain = work + "/again"
        _ = try ok(["store", "migrate", "--from", back, "--to", folderAgain])
        let views: [[String]] = [["runs", "search", "--experiment", "pg", "--order-by", "metrics.auc DESC"], ["runs", "search", "--experiment", "pg", "--filter", "tags.stage ILIKE 'prod'"],
                                 ["models", "show", "churn"], ["models", "history", "churn"], ["study", "trials", "s"]]
        for view in views {
            let original = try ok(view + ["--store", url])
            #expect(try ok(view + ["--store", folder]) == original, "\(view)")
            #expect(try ok(view + ["--store", back]) == original, "\(view)")
            #expect(try ok(view + ["--store", folderAgain]) == original, "\(view)")
        }
        // Into a store that is not empty: refused, nothing written.
        let refused = try cli.run(["store", "migrate", "--from", folder, "--to", back])
        #expect(refused.status != 0 && refused.output.contains("not empty"), "\(refused.output)")
        let server = try cli.run(["store", "migrate", "--from", folder, "--to", "http://127.0.0.1:1"])
        #expect(server.status != 0 && server.output.contains("tracking server"), "\(server.output)")
    }
}

extension PostgresCLITests {
    /// A worker killed with SIGKILL mid-trial: after the grace period (by the server's clock) the
    /// next worker fails its trial, and the study goes on.
    @Test func killedWorkersTrialFailsAfterTheGracePeriod() async throws {
        let url = try await PostgresTesting.freshDatabase()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-pgkill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let slow = work + "/slow.sh", fast = work + "/fast.sh"
        try "#!/bin/sh\nsleep 60\necho 1\n".write(toFile: slow, atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho 0.5\n".write(toFile: fast, atomically: true, encoding: .utf8)
        chmod(slow, 0o755)
        chmod(fast, 0o755)
        let cli = CLITests()
        #expect(try cli.run(["study", "create", "k", "--store", url]).status == 0)
        let space = #"{"x": {"type": "float", "low": 0, "high": 1}}"#
        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: try BuiltProducts.executable("dstoolbox"))
        worker.arguments = ["study", "optimize", "k", "--space", space, "--trials", "1", "--heartbeat-interval", "0.2", "--grace-period", "1.5", "--store", url, "--", slow]
        worker.standardOutput = FileHandle.nullDevice
        worker.standardError = FileHandle.nullDevice
        try worker.run()
        func states() throws -> [String] {
            let listed = try cli.run(["study", "trials", "k", "--json", "--store", url])
            let trials = (try? JSONSerialization.jsonObject(with: Data(listed.output.utf8))) as? [[String: Any]] ?? []
            return trials.compactMap { $0["state"] as? String }
        }
        let end = Date().addingTimeInterval(60)
        while Date() < end, try states() != ["RUNNING"] { usleep(100_000) }
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()
        // Alive beats only: the trial is still running right after the kill.
        #expect(try states() == ["RUNNING"])
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let next = try cli.run(["study", "optimize", "k", "--space", space, "--trials", "1", "--heartbeat-interval", "0.2", "--grace-period", "1.5", "--store", url, "--", fast])
        #expect(next.status == 0, "\(next.output)")
        let listed = try cli.run(["study", "trials", "k", "--json", "--store", url])
        let trials = try #require(try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
        #expect(trials.compactMap { $0["state"] as? String } == ["FAIL", "COMPLETE"], "\(listed.output)")
        let storage = try await PostgresStudyStorage(url: url)
        let failure = try await storage.trial(study: try await storage.study(named: "k").id, number: 0).failure
        #expect(failure?.contains("heartbeats") == true, "\(failure ?? "no failure")")
    }
}

/// Several machines, simulated: three network namespaces the test makes (Scripts/multihost-check),
/// PostgreSQL in one, workers in the two others reaching it over veth links.
@Suite("dstoolbox across machines on one PostgreSQL database", .enabled(if: PostgresTesting.available && MultiHost.possible))
struct MultiHostTests {
    @Test func studiesRunsAndVersionsFromTwoHosts() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-mh-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/multihost-check").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [try BuiltProducts.executable("dstoolbox"), work]
        // Output to files: the server the script starts must not hold a pipe of ours open.
        let out = work + "/out", err = work + "/err"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        let output = try String(contentsOfFile: out, encoding: .utf8), errors = try String(contentsOfFile: err, encoding: .utf8)
        #expect(process.terminationStatus == 0, "\(errors.suffix(2000))")
        var lines: [String: [Int]] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if let name = parts.first { lines[String(name)] = parts.dropFirst().compactMap { Int($0) } }
        }
        #expect(lines["trials"] == Array(0..<200), "4 workers, --total-trials 200: \(lines["trials"]?.count ?? 0) trials")
        #expect(lines["runs"] == [4_000], "8 x 500 runs create")
        #expect(lines["versions"] == Array(1...200), "8 processes registering: \(lines["versions"]?.count ?? 0) versions")
    }
}

enum MultiHost {
    /// Whether this machine lets the test make network namespaces (root, iproute2).
    static let possible: Bool = {
        let probe = "dstb-probe-\(getpid())"
        func ip(_ arguments: [String]) -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return false }
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
        let possible = getuid() == 0 && ip(["netns", "add", probe])
        if possible { _ = ip(["netns", "del", probe]) } else {
            print("◇ multi-host PostgreSQL tests skipped: making network namespaces needs root and iproute2 (ip netns)")
        }
        return possible
    }()
}
