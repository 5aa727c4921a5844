import DSToolbox
import Foundation
import Hummingbird
import HummingbirdTesting
import ServeKit
import Synchronization
import Testing
import ToolboxHTTP
import TrackKit

/// Hot reload: a moved registry alias is picked up by polling, a version that fails to load
/// leaves the old one serving, and 100 reloads under load fail no request.
@Suite("Model server: hot reload")
struct ReloadTests {
    @Test func aMovedAliasIsPolledAndACorruptVersionKeepsTheOld() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let store = try SQLiteTrackingStore(folder: fixture.dir + "/store")
        let experiment = try store.experiment(named: "churn")
        var versions: [Int] = []
        for (file, bytes) in [(fixture.classifierPath, nil), (fixture.regressorPath, nil), (nil, Array("not a model".utf8))] as [(String?, [UInt8]?)] {
            let run = try store.createRun(experimentID: experiment.id, name: nil, parentRunID: nil, source: nil, user: nil)
            if let file { try store.logArtifact(runID: run.id, file: file, path: "model.dstbx") } else { try store.logArtifact(runID: run.id, bytes: bytes!, path: "model.dstbx") }
            versions.append(try store.registerModelVersion(name: "churn", runID: run.id, artifactPath: "model.dstbx", description: nil, actor: nil, reason: nil).version)
        }
        try store.setAlias(name: "churn", alias: "champion", version: 1, force: false, actor: nil, reason: nil)
        let repository = ModelRepository(store: store)
        try await repository.add(name: "churn", source: ModelSource("models:/churn@champion"))
        #expect(repository.model("churn")?.version == "1" && repository.model("churn")?.isClassifier == true)
        #expect(await repository.poll().isEmpty)
        // The alias moves to version 2: the next poll serves it.
        try store.setAlias(name: "churn", alias: "champion", version: 2, force: false, actor: nil, reason: nil)
        let moved = await repository.poll()
        #expect((try? moved["churn"]?.get()) == "2")
        #expect(repository.model("churn")?.version == "2" && repository.model("churn")?.isClassifier == false)
        #expect(repository.versions("churn") == ["1", "2"])
        // Version 3 does not load: version 2 stays, the error is kept.
        try store.setAlias(name: "churn", alias: "champion", version: 3, force: false, actor: nil, reason: nil)
        let failed = await repository.poll()
        #expect(failed["churn"].map { if case .failure = $0 { true } else { false } } == true)
        #expect(repository.model("churn")?.version == "2" && repository.lastError("churn") != nil)
    }

    /// Four clients predict while 100 reloads swap the model: every request is answered 200.
    @Test func hundredReloadsUnderLoadFailNoRequest() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await fixture.server())
        let body = #"{"instances": [\#(fixture.record(0))]}"#
        try await app.test(.live) { client in
            final class Flag: Sendable { let done = Atomic<Bool>(false) }
            let flag = Flag()
            // Reload answers are recorded as -status, predictions as status.
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                group.addTask {
                    var reloads: [Int] = []
                    for _ in 0..<100 {
                        reloads.append(-(try await ServeFixture.call(client, .post, "/admin/models/churn/reload", key: fixture.keys["admin"]!).status))
                    }
                    flag.done.store(true, ordering: .relaxed)
                    return reloads
                }
                for _ in 0..<4 {
                    group.addTask {
                        var seen: [Int] = []
                        while !flag.done.load(ordering: .relaxed) {
                            seen.append(try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: body).status)
                        }
                        return seen
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            let requests = statuses.filter { $0 > 0 }
            let reloads = statuses.filter { $0 < 0 }
            #expect(reloads.count == 100 && reloads.allSatisfy { $0 == -200 }, "\(reloads.count) reload answers: \(Set(reloads))")
            #expect(requests.count > 100 && requests.allSatisfy { $0 == 200 }, "\(requests.count) requests: \(Set(requests))")
            let versions = try await ServeFixture.call(client, .get, "/v2/models/churn", key: fixture.keys["admin"]!).json?["versions"] as? [String]
            #expect(versions?.last == "101")
        }
    }
}
