import Foundation
import StoreConformance
import Testing
import ToolboxTesting

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
        let views: [[String]] = [["runs", "search", "--experiment", "pg", "--order-by", "metrics.auc DESC"], ["runs", "search", "--experiment", "pg", "--filter", "tags.stage ILIKE 'prod'"],
                                 ["models", "show", "churn"], ["models", "history", "churn"], ["study", "trials", "s"]]
        for view in views {
            let original = try ok(view + ["--store", url])
            #expect(try ok(view + ["--store", folder]) == original, "\(view)")
            #expect(try ok(view + ["--store", back]) == original, "\(view)")
        }
        // Into a store that is not empty: refused, nothing written.
        let refused = try cli.run(["store", "migrate", "--from", folder, "--to", back])
        #expect(refused.status != 0 && refused.output.contains("not empty"), "\(refused.output)")
        let server = try cli.run(["store", "migrate", "--from", folder, "--to", "http://127.0.0.1:1"])
        #expect(server.status != 0 && server.output.contains("tracking server"), "\(server.output)")
    }
}
