import Foundation
import Testing
@testable import dstoolbox

@Suite("dstoolbox runs")
struct RunsCLITests {
    @Test func createPrintsTheIdAndShowReadsItBack() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-runs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: store) }
        let created = try CLITests().run(["runs", "create", "--experiment", "ci", "--param", "lr=0.1", "--param", "depth=5",
                                          "--metric", "loss=0.25", "--metric", "gap=-inf", "--tag", "branch=main", "--status", "FINISHED", "--store", store])
        #expect(created.status == 0, "\(created.output)")
        let id = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
        let shown = try CLITests().run(["runs", "show", id, "--store", store, "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any])
        #expect(json["run_id"] as? String == id && json["status"] as? String == "FINISHED")
        #expect(json["params"] as? [String: String] == ["lr": "0.1", "depth": "5"] && json["tags"] as? [String: String] == ["branch": "main"])
        let metrics = try #require(json["metrics"] as? [String: Any])
        #expect(metrics["loss"] as? Double == 0.25 && metrics["gap"] as? String == "-inf")
        for arguments in [["runs", "show", "nope", "--store", store], ["runs", "create", "--experiment", "ci", "--metric", "loss=high", "--store", store],
                          ["runs", "create", "--experiment", "ci", "--param", "novalue", "--store", store]] {
            let failed = try CLITests().run(arguments)
            #expect(failed.status != 0 && failed.status != -1 && failed.output.contains("rror"), "\(arguments): \(failed.output)")
        }
    }
}
