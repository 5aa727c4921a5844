import Foundation
public import ToolboxCore

/// A run with everything stored about it, as `store migrate` copies it: the run itself (its id
/// kept), parameters, tags, every metric value in logging order, inputs and artifacts.
public struct RunRecord: Sendable, Hashable {
    /// The run, with its id, times, status and lineage.
    public var run: Run
    /// Its parameters.
    public var params: [String: String]
    /// Its tags.
    public var tags: [String: String]
    /// Every metric value, in the order it was logged.
    public var metrics: [RunMetric]
    /// The data sets it read, in order.
    public var inputs: [DatasetInput]
    /// Its artifacts, by path.
    public var artifacts: [ArtifactInfo]

    /// A record from its parts.
    public init(run: Run, params: [String: String], tags: [String: String], metrics: [RunMetric], inputs: [DatasetInput], artifacts: [ArtifactInfo]) {
        self.run = run
        self.params = params
        self.tags = tags
        self.metrics = metrics
        self.inputs = inputs
        self.artifacts = artifacts
    }
}

/// The model registry whole: models (with their tags, aliases and promotion rules), versions
/// (with their tags) and the audit log, entries kept with their sequence numbers and times.
public struct RegistryRecord: Sendable, Hashable {
    /// Every registered model.
    public var models: [RegisteredModel]
    /// Every version of every model.
    public var versions: [ModelVersion]
    /// The audit log, oldest first.
    public var audit: [AuditEntry]

    /// A record from its parts.
    public init(models: [RegisteredModel], versions: [ModelVersion], audit: [AuditEntry]) {
        self.models = models
        self.versions = versions
        self.audit = audit
    }
}

/// A tracking store that can be copied whole, ids and history kept (`dstoolbox store migrate`):
/// the SQLite and PostgreSQL stores. Writing goes into an empty store only.
public protocol MigratableTrackingStore: TrackingStore {
    /// Whether the store holds no experiment, run or registered model.
    func isEmpty() async throws -> Bool
    /// Run ids in order, `limit` after `after` (from the start when nil).
    func runIDs(after: String?, limit: Int) async throws -> [String]
    /// The runs with these ids, whole, in the order given.
    func runRecords(ids: [String]) async throws -> [RunRecord]
    /// The registry, whole.
    func registryRecord() async throws -> RegistryRecord
    /// Writes experiments with their ids.
    func writeExperiments(_ experiments: [Experiment]) async throws
    /// Writes runs whole (ids kept; artifacts' content comes from `content`, by SHA-256).
    func writeRuns(_ records: [RunRecord], content: @Sendable (ArtifactInfo, RunRecord) async throws -> [UInt8]) async throws
    /// Writes the registry whole, after the runs its versions name.
    func writeRegistry(_ record: RegistryRecord) async throws
}

/// Copying a store whole, and checking a copy.
public enum StoreMigration {
    /// What a store holds: counts and one SHA-256 over everything, in a fixed order.
    public struct Digest: Sendable, Hashable, CustomStringConvertible {
        /// Experiments.
        public var experiments = 0
        /// Runs.
        public var runs = 0
        /// Metric values (every step).
        public var metrics = 0
        /// Artifacts.
        public var artifacts = 0
        /// Registered models.
        public var models = 0
        /// Model versions.
        public var versions = 0
        /// Audit log entries.
        public var auditEntries = 0
        /// SHA-256 over every field of everything counted, hexadecimal.
        public var sha256 = ""

        /// `N experiments, N runs, ... (sha256 ...)`.
        public var description: String {
            "\(experiments) experiments, \(runs) runs, \(metrics) metric values, \(artifacts) artifacts, \(models) models, \(versions) versions, \(auditEntries) audit entries (sha256 \(sha256))"
        }
    }

    /// Runs read and written at a time.
    static let page = 500

    /// Copies `source` into the empty store `target`: experiments and runs with their ids,
    /// every metric value, inputs, artifacts (content checked against its hash), the registry
    /// and its audit log. Returns both stores' digests (the source's from what the copy read),
    /// which are equal when the copy is whole.
    /// - Throws: `ToolboxError/Code/conflict` when the target is not empty;
    ///   `ToolboxError/Code/corruptStore` when the copy's digest differs from the source's.
    public static func copy(from source: any MigratableTrackingStore, to target: any MigratableTrackingStore,
                            progress: (String) -> Void = { _ in }) async throws -> (source: Digest, target: Digest) {
        guard try await target.isEmpty() else {
            throw ToolboxError(.conflict, "the target store is not empty; store migrate copies into an empty store only (nothing was written)",
                               context: ErrorContext(parameter: "to"))
        }
        var read = DigestBuilder()
        let experiments = try await source.experiments()
        read.add(experiments)
        try await target.writeExperiments(experiments)
        var copied = 0
        try await forEachPage(of: source) { records in
            read.add(records)
            try await target.writeRuns(records) { artifact, record in try await source.readArtifact(runID: record.run.id, path: artifact.path) }
            copied += records.count
            progress("copied \(copied) runs")
        }
        let registry = try await source.registryRecord()
        read.add(registry)
        try await target.writeRegistry(registry)
        let digests = (read.digest, try await digest(target))
        guard digests.0 == digests.1 else {
            throw ToolboxError(.corruptStore, "the copy differs from the source: source \(digests.0), copy \(digests.1)", context: ErrorContext(parameter: "to"))
        }
        return digests
    }

    /// A store's digest (see ``Digest``).
    public static func digest(_ store: any MigratableTrackingStore) async throws -> Digest {
        var builder = DigestBuilder()
        builder.add(try await store.experiments())
        try await forEachPage(of: store) { builder.add($0) }
        builder.add(try await store.registryRecord())
        return builder.digest
    }

    /// The store's runs, whole, a page at a time in id order.
    static func forEachPage(of store: any MigratableTrackingStore, _ body: ([RunRecord]) async throws -> Void) async throws {
        var after: String?
        while true {
            let ids = try await store.runIDs(after: after, limit: page)
            guard let last = ids.last else { return }
            try await body(try await store.runRecords(ids: ids))
            after = last
        }
    }

    /// A ``Digest`` built from what a store holds, in a fixed order: experiments, runs by id, the registry.
    struct DigestBuilder {
        private var result = Digest()
        private var lines = DigestLines()

        mutating func add(_ experiments: [Experiment]) {
            for experiment in experiments.sorted(by: { $0.id < $1.id }) {
                result.experiments += 1
                lines.add("experiment", String(experiment.id), experiment.name, DigestLines.bits(experiment.creationTime))
            }
        }

        mutating func add(_ records: [RunRecord]) {
            let bits = DigestLines.bits
            for record in records {
                let run = record.run
                result.runs += 1
                lines.add("run", run.id, String(run.experimentID), run.name ?? "-", run.status.rawValue, bits(run.startTime), bits(run.endTime),
                          run.parentRunID ?? "-", run.source ?? "-", run.user ?? "-")
                for (key, value) in record.params.sorted(by: { $0.key < $1.key }) { lines.add("param", key, value) }
                for (key, value) in record.tags.sorted(by: { $0.key < $1.key }) { lines.add("tag", key, value) }
                for metric in record.metrics {
                    result.metrics += 1
                    lines.add("metric", metric.key, bits(metric.value), String(metric.step), bits(metric.timestamp))
                }
                for input in record.inputs {
                    lines.add("input", input.name, input.digest, input.source ?? "-", input.rows.map(String.init) ?? "-", input.columns.map(String.init) ?? "-")
                }
                for artifact in record.artifacts {
                    result.artifacts += 1
                    lines.add("artifact", artifact.path, artifact.sha256, String(artifact.size))
                }
            }
        }

        mutating func add(_ registry: RegistryRecord) {
            let bits = DigestLines.bits
            for model in registry.models.sorted(by: { $0.name < $1.name }) {
                result.models += 1
                lines.add("model", model.name, model.description ?? "-", bits(model.creationTime), bits(model.lastUpdatedTime))
                for (key, value) in model.tags.sorted(by: { $0.key < $1.key }) { lines.add("model tag", key, value) }
                for (alias, version) in model.aliases.sorted(by: { $0.key < $1.key }) { lines.add("alias", alias, String(version)) }
                for (alias, rule) in model.promotionRules.sorted(by: { $0.key < $1.key }) {
                    lines.add("rule", alias, rule.metric, String(rule.higherIsBetter), bits(rule.minimumImprovement))
                }
            }
            for version in registry.versions.sorted(by: { ($0.name, $0.version) < ($1.name, $1.version) }) {
                result.versions += 1
                lines.add("version", version.name, String(version.version), version.runID, version.artifactPath ?? "-", version.artifactSHA256 ?? "-",
                          version.description ?? "-", bits(version.creationTime))
                for (key, value) in version.tags.sorted(by: { $0.key < $1.key }) { lines.add("version tag", key, value) }
            }
            for entry in registry.audit {
                result.auditEntries += 1
                lines.add("audit", String(entry.sequence), bits(entry.time), entry.actor, entry.action, entry.model, entry.version.map(String.init) ?? "-",
                          entry.alias ?? "-", entry.details, entry.reason ?? "-")
            }
        }

        var digest: Digest {
            var finished = result
            finished.sha256 = lines.sha256
            return finished
        }
    }
}

/// Fields hashed for a store's digest: each field's UTF-8 bytes and a NUL, so fields cannot run
/// into each other; numbers as their bit patterns (NaN and -0 distinct, nothing rounded).
package struct DigestLines {
    private var hasher = ContentSHA256()

    package init() {}

    /// Hashes the fields, in order.
    package mutating func add(_ fields: String...) {
        for field in fields {
            hasher.update(Array(field.utf8))
            hasher.update([0])
        }
    }

    /// A number as its hexadecimal bit pattern; `-` for none.
    package static func bits(_ value: Double?) -> String { value.map { String($0.bitPattern, radix: 16) } ?? "-" }

    /// The SHA-256 of everything added, hexadecimal.
    package var sha256: String {
        var copy = hasher
        return copy.finalize().hexString
    }
}

extension MigratableTrackingStore {
    /// Whether the store holds no experiment, run or registered model (an experiment only the
    /// tracking server made, `Default` with no run, counts as empty).
    public func isEmpty() async throws -> Bool {
        let experiments = try await experiments()
        guard experiments.allSatisfy({ $0.name == "Default" }), try await runIDs(after: nil, limit: 1).isEmpty else { return false }
        return try await registeredModels().isEmpty
    }

    /// The registry, whole, through the store's own calls.
    public func registryRecord() async throws -> RegistryRecord {
        let models = try await registeredModels()
        var versions: [ModelVersion] = []
        for model in models { versions += try await modelVersions(name: model.name) }
        return RegistryRecord(models: models, versions: versions, audit: try await auditLog(model: nil, alias: nil, limit: Int(Int32.max)))
    }
}
