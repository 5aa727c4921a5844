import Foundation
import Testing
import ToolboxCore
public import TrackKit

/// What every ``TrackKit/TrackingStore`` does, whatever holds the data: the SQLite store, the
/// remote store talking MLflow's REST API to DS Toolbox's tracking server over real HTTP, and
/// every store to come (PostgreSQL). A test-support target: each store's tests call ``check(_:label:)``.
public enum StoreConformance {
    /// Runs every check on `store`; `label` names the store in failures. `promotionRules`:
    /// whether the store sets promotion rules (MLflow's REST API has no call for them, so the
    /// remote store refuses them as `unsupported`).
    public static func check(_ store: any TrackingStore, label: String, promotionRules: Bool = true) async throws {
        // Experiments: by name, created once.
        let experiment = try await store.experiment(named: "conformance")
        #expect(try await store.experiment(named: "conformance").id == experiment.id, "\(label)")
        #expect(try await store.experiments().contains { $0.id == experiment.id && $0.name == "conformance" }, "\(label)")

        // Runs: created running, logged, ended.
        let run = try await store.createRun(experimentID: experiment.id, name: "first", parentRunID: nil, source: "tests", user: "ana")
        #expect(run.status == .running && run.name == "first" && run.experimentID == experiment.id, "\(label): \(run)")
        let fetched = try await store.run(id: run.id)
        #expect(fetched.id == run.id && fetched.name == "first" && fetched.user == "ana", "\(label): \(fetched)")
        let t0 = 1_700_000_000.0
        try await store.logBatch(runID: run.id, params: ["alpha": "0.5", "kind": "tree"],
                                 metrics: [RunMetric(key: "loss", value: 0.5, step: 0, timestamp: t0), RunMetric(key: "loss", value: 0.25, step: 1, timestamp: t0 + 1),
                                           RunMetric(key: "odd", value: .nan, step: 0, timestamp: t0), RunMetric(key: "odd", value: .infinity, step: 1, timestamp: t0 + 1),
                                           RunMetric(key: "low", value: -.infinity, step: 0, timestamp: t0), RunMetric(key: "auc", value: 0.9, step: 2, timestamp: t0 + 2)],
                                 tags: ["stage": "dev"])
        // Parameters are written once: the same value again is fine, another is a conflict.
        try await store.logBatch(runID: run.id, params: ["alpha": "0.5"], metrics: [], tags: ["stage": "test"])
        let changed = await #expect(throws: ToolboxError.self, "\(label)") {
            try await store.logBatch(runID: run.id, params: ["alpha": "0.7"], metrics: [], tags: [:])
        }
        #expect(changed?.code == .conflict, "\(label): \(String(describing: changed))")
        #expect(try await store.params(runID: run.id) == ["alpha": "0.5", "kind": "tree"], "\(label)")
        #expect(try await store.tags(runID: run.id)["stage"] == "test", "\(label): tags overwrite")
        let loss = try await store.metricHistory(runID: run.id, key: "loss")
        #expect(loss.map(\.value) == [0.5, 0.25] && loss.map(\.step) == [0, 1] && loss.map(\.timestamp) == [t0, t0 + 1], "\(label): \(loss)")
        let odd = try await store.metricHistory(runID: run.id, key: "odd")
        #expect(odd.count == 2 && odd[0].value.isNaN && odd[1].value == .infinity, "\(label): NaN and ∞ exact: \(odd)")
        let latest = try await store.latestMetrics(runID: run.id)
        #expect(latest["loss"]?.value == 0.25 && latest["low"]?.value == -.infinity && latest["auc"]?.step == 2, "\(label): \(latest)")
        let data = try await store.runData(runIDs: [run.id, "ffffffffffffffffffffffffffffffff"])
        #expect(data.keys.sorted() == [run.id] && data[run.id]?.params["kind"] == "tree" && data[run.id]?.metrics["odd"]?.value == .infinity, "\(label)")

        // Inputs.
        try await store.logInputs(runID: run.id, inputs: [DatasetInput(name: "train", digest: "abc123", source: "train.csv")])
        let inputs = try await store.inputs(runID: run.id)
        #expect(inputs.map(\.name) == ["train"] && inputs.first?.digest == "abc123", "\(label): \(inputs)")
        #expect(try await store.runData(runIDs: [run.id])[run.id]?.inputs.map(\.digest) == ["abc123"], "\(label): inputs in a page of runs")

        // A second run, then search: filters, OR, order, paging.
        let second = try await store.createRun(experimentID: experiment.id, name: "second", parentRunID: run.id, source: nil, user: nil)
        try await store.logBatch(runID: second.id, params: ["alpha": "0.1"], metrics: [RunMetric(key: "auc", value: 0.95, step: 0, timestamp: t0)], tags: ["stage": "prod"])
        #expect(try await store.run(id: second.id).parentRunID == run.id, "\(label): the parent run")
        try await store.endRun(id: run.id, status: .finished)
        let ended = try await store.run(id: run.id)
        #expect(ended.status == .finished && ended.endTime != nil, "\(label)")
        let byParam = try await store.searchRuns(experimentIDs: [experiment.id], filter: try RunFilter(parsing: "params.alpha = '0.5'"), orderBy: [], maxResults: 10, offset: 0)
        #expect(byParam.map(\.id) == [run.id], "\(label)")
        let either = try await store.searchRuns(experimentIDs: [experiment.id], filter: try RunFilter(parsing: "params.alpha = '0.5' OR tags.stage = 'prod'"),
                                                orderBy: [try RunOrder(parsing: "metrics.auc DESC")], maxResults: 10, offset: 0)
        #expect(either.map(\.id) == [second.id, run.id], "\(label): OR, ordered by a metric")
        let firstPage = try await store.searchRuns(experimentIDs: [experiment.id], filter: nil, orderBy: [try RunOrder(parsing: "metrics.auc ASC")], maxResults: 1, offset: 0)
        let secondPage = try await store.searchRuns(experimentIDs: [experiment.id], filter: nil, orderBy: [try RunOrder(parsing: "metrics.auc ASC")], maxResults: 1, offset: 1)
        #expect(firstPage.map(\.id) == [run.id] && secondPage.map(\.id) == [second.id], "\(label): paging")
        // Filters mean the same on every backend: LIKE is case-sensitive, ILIKE is not, a run
        // without the key passes no comparison, NaN passes none, and numbers compare as numbers.
        try await store.logBatch(runID: second.id, params: [:], metrics: [], tags: ["note": "Deep_Forest 100%"])
        func ids(_ filter: String, order: [String] = []) async throws -> [String] {
            try await store.searchRuns(experimentIDs: [experiment.id], filter: try RunFilter(parsing: filter), orderBy: try order.map(RunOrder.init(parsing:)),
                                       maxResults: 10, offset: 0).map(\.id)
        }
        #expect(try await ids("tags.note LIKE 'Deep%'") == [second.id], "\(label): LIKE")
        #expect(try await ids("tags.note LIKE 'deep%'") == [], "\(label): LIKE is case-sensitive")
        #expect(try await ids("tags.note ILIKE 'deep%'") == [second.id], "\(label): ILIKE is not")
        #expect(try await ids("tags.note LIKE 'Deep_Forest 1__%'") == [second.id], "\(label): _ is one character")
        #expect(try await ids("tags.note LIKE 'Deep\\_%'") == [], "\(label): no escape character")
        #expect(try await ids("tags.note != 'x'") == [second.id], "\(label): a run without the key passes no comparison")
        #expect(try await ids("metrics.auc > 0.92") == [second.id], "\(label)")
        #expect(try await ids("metrics.auc >= 0.9 AND metrics.auc <= 0.9") == [run.id], "\(label)")
        #expect(try await ids("metrics.odd > 0") == [run.id], "\(label): +∞ is a number")
        #expect(try await ids("metrics.odd != 1 AND metrics.low < 0") == [run.id], "\(label): -∞ too")
        #expect(try await ids("attributes.status = 'FINISHED'") == [run.id], "\(label)")
        #expect(try await ids("attributes.run_name LIKE 'sec%'") == [second.id], "\(label)")
        #expect(try await ids("params.alpha >= '0.2'") == [run.id], "\(label): parameters compare as text")
        #expect(try await ids("tags.stage = 'prod' OR tags.stage = 'test'", order: ["params.alpha ASC"]) == [second.id, run.id], "\(label): ordered by a parameter")
        #expect(try await ids("attributes.start_time > 0", order: ["tags.note DESC"]) == [second.id, run.id], "\(label): runs without the tag last")
        let missing = await #expect(throws: ToolboxError.self) { try await store.run(id: "0123456789abcdef0123456789abcdef") }
        #expect(missing?.code == .notFound, "\(label)")

        // Artifacts: bytes back exactly, listed with their digests, paths confined to the run.
        let bytes = (0..<3000).map { UInt8($0 % 251) }
        let info = try await store.logArtifact(runID: run.id, bytes: bytes, path: "model/weights.bin")
        #expect(info.sha256 == ContentSHA256.hash(bytes).hexString && info.size == 3000, "\(label)")
        try await store.logArtifact(runID: run.id, bytes: Array("model".utf8), path: "model.dstbx")
        #expect(try await store.readArtifact(runID: run.id, path: "model/weights.bin") == bytes, "\(label)")
        let listed = try await store.artifacts(runID: run.id, under: nil)
        #expect(listed.map(\.path) == ["model.dstbx", "model/weights.bin"] && listed.last?.sha256 == info.sha256, "\(label): \(listed)")
        for bad in ["../escape", "/etc/passwd", "a/../../b", "a\\b", ""] {
            let refused = await #expect(throws: ToolboxError.self, "\(label): \(bad)") { try await store.logArtifact(runID: run.id, bytes: [1], path: bad) }
            #expect(refused?.code == .invalidParameter, "\(label): \(bad): \(String(describing: refused))")
        }

        // Registry: models, versions 1, 2, aliases, tags, descriptions.
        try await store.createRegisteredModel(name: "churn", description: "the churn model", actor: nil, reason: nil)
        let twice = await #expect(throws: ToolboxError.self) { try await store.createRegisteredModel(name: "churn", description: nil, actor: nil, reason: nil) }
        #expect(twice?.code == .conflict, "\(label)")
        let v1 = try await store.registerModelVersion(name: "churn", runID: run.id, artifactPath: "model.dstbx", description: nil, actor: nil, reason: nil)
        let v2 = try await store.registerModelVersion(name: "churn", runID: run.id, artifactPath: nil, description: nil, actor: nil, reason: nil)
        #expect(v1.version == 1 && v2.version == 2 && v2.artifactPath == "model.dstbx", "\(label): \(v1) \(v2)")
        #expect(try await store.modelVersions(name: "churn").map(\.version) == [1, 2], "\(label)")
        #expect(try await store.registeredModel(name: "churn").latestVersion == 2, "\(label)")
        try await store.setAlias(name: "churn", alias: "champion", version: 1, force: false, actor: nil, reason: nil)
        #expect(try await store.modelVersion(name: "churn", alias: "champion").version == 1, "\(label)")
        #expect(try await store.registeredModel(name: "churn").aliases == ["champion": 1], "\(label)")
        try await store.setModelTag(name: "churn", version: 2, key: "validated", value: "yes", actor: nil, reason: nil)
        try await store.setModelDescription(name: "churn", version: nil, description: "updated", actor: nil, reason: nil)
        #expect(try await store.modelVersion(name: "churn", version: 2).tags == ["validated": "yes"], "\(label)")
        #expect(try await store.registeredModel(name: "churn").description == "updated", "\(label)")
        try await store.deleteAlias(name: "churn", alias: "champion", actor: nil, reason: nil)
        let gone = await #expect(throws: ToolboxError.self) { try await store.modelVersion(name: "churn", alias: "champion") }
        #expect(gone?.code == .notFound, "\(label): \(String(describing: gone))")
        #expect(try await store.registeredModels().map(\.name) == ["churn"], "\(label)")

        // Promotion rules: a version takes the alias only if its run beats the holder's metric
        // (run: auc 0.9; second: auc 0.95), unless forced; every change is in the audit log.
        try await store.logArtifact(runID: second.id, bytes: Array("better".utf8), path: "model.dstbx")
        let v3 = try await store.registerModelVersion(name: "churn", runID: second.id, artifactPath: nil, description: nil, actor: "ana", reason: "retrained")
        #expect(v3.version == 3, "\(label)")
        guard promotionRules else {
            let refused = await #expect(throws: ToolboxError.self, "\(label)") {
                try await store.setPromotionRule(name: "churn", alias: "prod", rule: PromotionRule(metric: "auc", higherIsBetter: true), actor: nil, reason: nil)
            }
            #expect(refused?.code == .unsupported, "\(label): \(String(describing: refused))")
            return
        }
        try await store.setAlias(name: "churn", alias: "prod", version: 1, force: false, actor: nil, reason: nil)
        try await store.setPromotionRule(name: "churn", alias: "prod", rule: PromotionRule(metric: "auc", higherIsBetter: true), actor: nil, reason: nil)
        try await store.setAlias(name: "churn", alias: "prod", version: 3, force: false, actor: "ana", reason: "better auc")
        let worse = await #expect(throws: ToolboxError.self, "\(label)") {
            try await store.setAlias(name: "churn", alias: "prod", version: 1, force: false, actor: nil, reason: nil)
        }
        #expect(worse?.code == .invalidParameter, "\(label): \(String(describing: worse))")
        #expect(try await store.modelVersion(name: "churn", alias: "prod").version == 3, "\(label): a refused promotion changes nothing")
        try await store.setAlias(name: "churn", alias: "prod", version: 1, force: true, actor: "ops", reason: "rollback")
        let history = try await store.aliasHistory(name: "churn", alias: "prod")
        #expect(history.map(\.version) == [1, 3, 1] && history.last?.actor == "ops" && history.last?.reason == "rollback", "\(label): \(history)")
        #expect(history.last?.details.contains("\"forced\":true") == true, "\(label): \(history.last?.details ?? "")")
        let reserved = await #expect(throws: ToolboxError.self, "\(label)") {
            try await store.setAlias(name: "churn", alias: "v2", version: 2, force: false, actor: nil, reason: nil)
        }
        #expect(reserved?.code == .invalidParameter, "\(label)")
        #expect(try await store.auditLog(model: "churn", alias: nil, limit: 1_000).map(\.action).filter { $0 == "register_version" }.count == 3, "\(label)")
    }
}
