import Foundation
import GRDB
import Testing
import ToolboxCore
import ToolboxTesting
@testable import TrackKit

@Suite("Artifacts, the model registry and the audit log")
struct ArtifactsAndRegistryTests {
    @Test func artifactsAreContentAddressedVerifiedAndConfined() throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteTrackingStore(folder: path)
        let run = try store.createRun(experimentID: store.experiment(named: "e").id)
        let info = try store.logArtifact(runID: run.id, bytes: Array("hello".utf8), path: "notes/hello.txt")
        // SHA-256("hello"), as `sha256sum` prints it.
        #expect(info.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" && info.size == 5)
        #expect(FileManager.default.fileExists(atPath: path + "/artifacts/sha256/2c/" + info.sha256))
        #expect(try store.readArtifact(runID: run.id, path: "notes/hello.txt") == Array("hello".utf8))
        // Written once: the same content again is fine, other content is not.
        try store.logArtifact(runID: run.id, bytes: Array("hello".utf8), path: "notes/hello.txt")
        #expect(throws: ToolboxError.self) { try store.logArtifact(runID: run.id, bytes: Array("bye".utf8), path: "notes/hello.txt") }

        // A directory, with a nested folder and a link inside it; a link out of it is refused.
        let source = path + "-src"
        defer { try? FileManager.default.removeItem(atPath: source) }
        try FileManager.default.createDirectory(atPath: source + "/deep", withIntermediateDirectories: true)
        try Data("a".utf8).write(to: URL(fileURLWithPath: source + "/a.txt"))
        try Data(repeating: 7, count: (1 << 20) + 12_345).write(to: URL(fileURLWithPath: source + "/deep/big.bin"))
        try FileManager.default.createSymbolicLink(atPath: source + "/same.txt", withDestinationPath: source + "/a.txt")
        let logged = try store.logArtifacts(runID: run.id, directory: source, path: "data")
        #expect(logged.map(\.path) == ["data/a.txt", "data/deep/big.bin", "data/same.txt"])
        #expect(try store.artifacts(runID: run.id, under: "data").map(\.path) == ["data/a.txt", "data/deep/big.bin", "data/same.txt"])
        #expect(try store.artifacts(runID: run.id, under: nil).count == 4)
        #expect(try store.readArtifact(runID: run.id, path: "data/deep/big.bin") == [UInt8](repeating: 7, count: (1 << 20) + 12_345))
        try FileManager.default.createSymbolicLink(atPath: source + "/escape", withDestinationPath: "/etc/hostname")
        let escape = #expect(throws: ToolboxError.self) { try store.logArtifacts(runID: run.id, directory: source, path: "again") }
        #expect(escape?.context.path == source + "/escape")
        let fifo = source + "-fifo"
        mkfifo(fifo, 0o600)
        defer { unlink(fifo) }
        #expect(throws: ToolboxError.self) { try store.logArtifact(runID: run.id, file: fifo, path: "fifo") }

        // Paths that would leave the run are refused, naming the path.
        for bad in ["../x", "/etc/passwd", "a/../../b", "a//b", "./a", "", "a\\b"] {
            let error = #expect(throws: ToolboxError.self) { try store.logArtifact(runID: run.id, bytes: [1], path: bad) }
            #expect(error?.code == .invalidParameter && error?.context.parameter == "artifact_path", "\(bad)")
            #expect(throws: ToolboxError.self) { try store.readArtifact(runID: run.id, path: bad) }
        }
        #expect((try? store.readArtifact(runID: "nope", path: "a"))  == nil)

        // Tampered content: a hash mismatch; a link planted in the store: refused.
        let blob = store.blobPath(info.sha256)
        try Data("jello".utf8).write(to: URL(fileURLWithPath: blob))
        let mismatch = #expect(throws: ToolboxError.self) { try store.readArtifact(runID: run.id, path: "notes/hello.txt") }
        #expect(mismatch?.code == .corruptStore && mismatch?.message.contains("hash") == true)
        try FileManager.default.removeItem(atPath: blob)
        try FileManager.default.createSymbolicLink(atPath: blob, withDestinationPath: source + "/a.txt")
        #expect(throws: ToolboxError.self) { try store.readArtifact(runID: run.id, path: "notes/hello.txt") }

        // Download: every file, checked, under the destination.
        let out = path + "-out"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let written = try store.downloadArtifacts(runID: run.id, path: "data", to: out)
        let first = try Data(contentsOf: URL(fileURLWithPath: out + "/data/a.txt"))
        #expect(written.count == 3 && first == Data("a".utf8))
    }

    @Test func inputsAreFingerprints() throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteTrackingStore(folder: path)
        let run = try store.createRun(experimentID: store.experiment(named: "e").id)
        let a = DatasetInput(name: "train", matrix: try Matrix(rows: 2, columns: 2, values: [1, 2, 3, 4]), source: "train.csv")
        let b = DatasetInput(name: "train", matrix: try Matrix(rows: 2, columns: 2, values: [1, 2, 3, 5]))
        #expect(a.digest != b.digest && a.digest.count == 64 && a.rows == 2)
        try store.logInputs(runID: run.id, inputs: [a, b, a])
        #expect(try store.inputs(runID: run.id) == [a, b])
        #expect(try store.experiments().map(\.name) == ["e"])
    }

    @Test func registryVersionsAliasesRulesAndTheAuditLog() throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteTrackingStore(folder: path, actor: "ada")
        try ColumnShift.register()
        let experiment = try store.experiment(named: "e")
        var runs: [String] = []
        for (index, rmse) in [0.5, 0.4, 0.45].enumerated() {
            let run = try store.createRun(experimentID: experiment.id)
            try store.logBatch(runID: run.id, metrics: [RunMetric(key: "rmse", value: rmse)])
            let model = try ColumnShift(amount: Double(index)).fit(Matrix(rows: 1, columns: 2, values: [0, 0]))
            try store.logModel(runID: run.id, model: model)
            runs.append(run.id)
        }
        try store.createRegisteredModel(name: "shift", description: "adds a constant")
        #expect(throws: ToolboxError.self) { try store.createRegisteredModel(name: "shift") }
        for run in runs { try store.registerModelVersion(name: "shift", runID: run, artifactPath: "model.dstbx") }
        #expect(try store.modelVersions(name: "shift").map(\.version) == [1, 2, 3])
        let unknownArtifact = #expect(throws: ToolboxError.self) { try store.registerModelVersion(name: "shift", runID: runs[0], artifactPath: "nope") }
        #expect(unknownArtifact?.code == .notFound)
        #expect(throws: ToolboxError.self) { try store.registerModelVersion(name: "shift", runID: "no-such-run") }
        // Without a named artifact, the run's one model archive is registered; a run without one is refused.
        let other = try SQLiteTrackingStore(folder: store.root.path + "-other")
        defer { try? FileManager.default.removeItem(atPath: store.root.path + "-other") }
        let withModel = try other.createRun(experimentID: other.experiment(named: "e").id)
        try other.logModel(runID: withModel.id, model: try ColumnShift(amount: 1).fit(Matrix(rows: 1, columns: 2, values: [0, 0])))
        #expect(try other.registerModelVersion(name: "shift", runID: withModel.id).artifactPath == "model.dstbx")
        let bare = try other.createRun(experimentID: other.experiment(named: "bare").id)
        let modelless = #expect(throws: ToolboxError.self) { try other.registerModelVersion(name: "shift", runID: bare.id) }
        #expect(modelless?.code == .notFound && modelless?.message.contains("no model archive") == true)

        // Promotion rule: the champion's rmse must go down.
        try store.setPromotionRule(name: "shift", alias: "champion", rule: PromotionRule(metric: "rmse", higherIsBetter: false), actor: "lead", reason: "policy")
        try store.setAlias(name: "shift", alias: "champion", version: 1)
        try store.setAlias(name: "shift", alias: "champion", version: 2, reason: "better rmse")
        let refused = #expect(throws: ToolboxError.self) { try store.setAlias(name: "shift", alias: "champion", version: 3) }
        #expect(refused?.context.parameter == "alias" && refused?.message.contains("rmse") == true)
        #expect(try store.modelVersion(name: "shift", alias: "champion").version == 2)
        try store.setAlias(name: "shift", alias: "champion", version: 3, force: true, actor: "lead", reason: "hotfix")
        #expect(throws: ToolboxError.self) { try store.setAlias(name: "shift", alias: "latest", version: 1) }
        #expect(throws: ToolboxError.self) { try store.setAlias(name: "shift", alias: "v2", version: 1) }
        #expect(throws: ToolboxError.self) { try store.setAlias(name: "shift", alias: "x", version: 9) }

        // The model loads by alias without knowing its type.
        let loaded = try store.loadModel(name: "shift", alias: "champion")
        #expect((loaded as? ColumnShift.Model)?.hyperparameters.amount == 2)
        #expect((try store.loadModel(name: "shift") as? ColumnShift.Model)?.hyperparameters.amount == 2)
        #expect((try store.loadModel(runID: runs[0]) as? ColumnShift.Model)?.hyperparameters.amount == 0)

        try store.setModelTag(name: "shift", key: "team", value: "geo")
        try store.setModelTag(name: "shift", version: 2, key: "validated", value: "yes")
        try store.setModelDescription(name: "shift", version: 2, description: "second")
        let model = try store.registeredModel(name: "shift")
        #expect(model.latestVersion == 3 && model.aliases == ["champion": 3] && model.tags == ["team": "geo"] && model.description == "adds a constant")
        #expect(model.promotionRules["champion"] == PromotionRule(metric: "rmse", higherIsBetter: false))
        let second = try store.modelVersion(name: "shift", version: 2)
        #expect(second.tags == ["validated": "yes"] && second.description == "second" && second.aliases.isEmpty && second.artifactSHA256?.count == 64)
        try store.deleteAlias(name: "shift", alias: "champion", reason: "retired")
        #expect(throws: ToolboxError.self) { try store.modelVersion(name: "shift", alias: "champion") }

        // The audit log: every change, who and why, in order; alias history.
        let log = try store.auditLog(model: "shift", alias: nil, limit: 100)
        #expect(log.map(\.action) == ["create_model", "register_version", "register_version", "register_version", "set_rule", "set_alias", "set_alias",
                                      "set_alias", "set_tag", "set_tag", "set_description", "delete_alias"])
        #expect(log.map(\.sequence) == Array(1...12).map(Int64.init))
        let history = try store.aliasHistory(name: "shift", alias: "champion")
        #expect(history.map(\.version) == [1, 2, 3, 3] && history.map(\.actor) == ["ada", "ada", "lead", "ada"])
        #expect(history.map(\.reason) == [nil, "better rmse", "hotfix", "retired"] && history[2].details.contains("\"forced\":true"))
        // Append-only, even to someone with the database.
        #expect(throws: (any Error).self) { try store.pool.write { try $0.execute(sql: "DELETE FROM audit_log") } }
        #expect(throws: (any Error).self) { try store.pool.write { try $0.execute(sql: "UPDATE audit_log SET actor = 'eve'") } }
        #expect(try store.auditLog(model: nil, alias: nil, limit: 1000).count == 12)
    }

    @Test func aFileThatIsNotSQLiteOrANewerSchemaIsATypedError() throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path + "/tracking.sqlite"))
        let notSQLite = #expect(throws: ToolboxError.self) { try SQLiteTrackingStore(folder: path) }
        #expect(notSQLite?.code == .corruptStore && notSQLite?.context.path?.hasSuffix("tracking.sqlite") == true)
        try FileManager.default.removeItem(atPath: path + "/tracking.sqlite")
        try FileManager.default.createDirectory(atPath: path + "/tracking.sqlite", withIntermediateDirectories: true)
        #expect(throws: ToolboxError.self) { try SQLiteTrackingStore(folder: path) }
        try FileManager.default.removeItem(atPath: path + "/tracking.sqlite")

        do {
            let store = try SQLiteTrackingStore(folder: path)
            try store.pool.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9: from the future')") }
        }
        let newer = #expect(throws: ToolboxError.self) { try SQLiteTrackingStore(folder: path) }
        #expect(newer?.code == .unsupported && newer?.message.contains("newer") == true)
    }
}

@Suite("Schema upgrades")
struct SchemaUpgradeTests {
    /// A store written before v3 (latest metrics) opens with each run's latest values filled in.
    @Test func latestMetricsAreFilledInFromTheHistory() throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        do {
            let queue = try DatabaseQueue(path: path + "/tracking.sqlite")
            try SQLiteTrackingStore.migrator.migrate(queue, upTo: "v2: inputs, artifacts, model registry, audit log")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO experiments (name, creation_time) VALUES ('old', 0)")
                try db.execute(sql: "INSERT INTO runs (id, experiment_id, status, start_time) VALUES ('r', 1, 'FINISHED', 0)")
                for (value, step, time) in [(0.9, 0, 1.0), (0.5, 2, 1.0), (0.7, 1, 5.0), (0.4, 2, 1.0)] {
                    try db.execute(sql: "INSERT INTO metrics (run_id, key, value, bits, step, timestamp) VALUES ('r', 'loss', ?, ?, ?, ?)",
                                   arguments: [value, Int64(bitPattern: value.bitPattern), step, time])
                }
            }
        }
        let store = try SQLiteTrackingStore(folder: path)
        #expect(try store.latestMetrics(runID: "r")["loss"]?.value == 0.4)
        #expect(try store.searchRuns(filter: RunFilter(parsing: "metrics.loss < 0.45")).map(\.id) == ["r"])
        try store.logBatch(runID: "r", metrics: [RunMetric(key: "loss", value: 0.1, step: 1, timestamp: 9)])
        #expect(try store.latestMetrics(runID: "r")["loss"]?.value == 0.4, "an older step does not move the latest value")
        try store.logBatch(runID: "r", metrics: [RunMetric(key: "loss", value: 0.3, step: 2, timestamp: 1)])
        #expect(try store.latestMetrics(runID: "r")["loss"]?.value == 0.3, "the same step and time: the last logged")
    }
}
