import ArgumentParser
import DSToolbox
import Foundation

/// `dstoolbox runs ...`: experiment tracking from shell scripts and CI jobs.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Experiment runs: create them with parameters, metrics and tags; show, list, search and compare them.",
        discussion: "The store is --store, or the DSTOOLBOX_STORE environment variable, or ./dstoolbox-store: a folder, a PostgreSQL database (postgresql://USER:PASSWORD@HOST:PORT/DB?pool=8&retry_seconds=30) shared by many machines, or (runs and models) a tracking server (http://HOST:PORT).",
        subcommands: [RunsCreateCommand.self, RunsLogCommand.self, RunsShowCommand.self, RunsListCommand.self, RunsSearchCommand.self, RunsCompareCommand.self, RunsExportCommand.self, RunsImportCommand.self]
    )

    /// The store: the option, the environment, or ./dstoolbox-store (see ``StoreLocation``).
    /// With `readOnly`, a store folder that does not exist is an error rather than created:
    /// reading never leaves an empty store behind.
    static func store(_ option: String?, readOnly: Bool = false) async throws -> any TrackingStore {
        try await StoreLocation(option).trackingStore(readOnly: readOnly)
    }

    /// KEY=VALUE pairs.
    static func pairs(_ values: [String], option: String) throws -> [(String, String)] {
        try values.map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--\(option) takes KEY=VALUE, got \(item)") }
            return (String(parts[0]), String(parts[1]))
        }
    }

    /// KEY=NUMBER metrics (nan, inf, -inf accepted) at a step.
    static func metrics(_ values: [String], step: Int64) throws -> [RunMetric] {
        try pairs(values, option: "metric").map { key, text in
            let lowered = text.lowercased()
            let value: Double? = ["nan": Double.nan, "inf": .infinity, "+inf": .infinity, "-inf": -.infinity][lowered] ?? Double(text)
            guard let value else { throw ValidationError("--metric \(key)=\(text): the value is not a number") }
            return RunMetric(key: key, value: value, step: step)
        }
    }

    /// Stores files under their names and directories whole, under their names.
    /// Who a command acts as in the audit log: the store's default, or the user.
    static func actor(_ store: any TrackingStore) -> String {
        (store as? SQLiteTrackingStore)?.defaultActor ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }

    static func logArtifacts(_ paths: [String], runID: String, store: any TrackingStore) async throws {
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                try await store.logArtifacts(runID: runID, directory: path, path: URL(fileURLWithPath: path).standardized.lastPathComponent)
            } else {
                try await store.logArtifact(runID: runID, file: path, path: nil)
            }
        }
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// `dstoolbox runs create --experiment NAME [--param k=v]... [--metric k=v]... [--tag k=v]...`
struct RunsCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a run and print its id.")

    @Option(help: "The experiment (created if new).") var experiment: String
    @Option(help: "A run name.") var name: String?
    @Option(help: "A parameter KEY=VALUE (repeatable; written once).") var param: [String] = []
    @Option(help: "A metric KEY=NUMBER at step 0 (repeatable; nan and inf accepted).") var metric: [String] = []
    @Option(help: "A tag KEY=VALUE (repeatable).") var tag: [String] = []
    @Option(help: "A file to store as an artifact under its name (repeatable); a directory is stored whole.") var artifact: [String] = []
    @Option(help: "Parent run id.") var parent: String?
    @Option(help: "Final status: RUNNING (default, left open), FINISHED, FAILED or KILLED.") var status: String = "RUNNING"
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print {\"run_id\": ...} as JSON.") var json = false

    func validate() throws {
        guard RunStatus(rawValue: status.uppercased()) != nil else { throw ValidationError("--status takes RUNNING, FINISHED, FAILED or KILLED") }
        _ = try metrics()
        _ = try RunsCommand.pairs(param, option: "param")
        _ = try RunsCommand.pairs(tag, option: "tag")
    }

    func metrics() throws -> [RunMetric] { try RunsCommand.metrics(metric, step: 0) }

    func run() async throws {
        let tracking = try await RunsCommand.store(store)
        let experimentRecord = try await tracking.experiment(named: experiment)
        let created = try await tracking.createRun(experimentID: experimentRecord.id, name: name, parentRunID: parent, source: "dstoolbox runs create",
                                             user: RunsCommand.actor(tracking))
        try await tracking.logBatch(runID: created.id, params: Dictionary(try await RunsCommand.pairs(param, option: "param"), uniquingKeysWith: { _, last in last }),
                              metrics: try metrics(), tags: Dictionary(try RunsCommand.pairs(tag, option: "tag"), uniquingKeysWith: { _, last in last }))
        try await RunsCommand.logArtifacts(artifact, runID: created.id, store: tracking)
        let final = RunStatus(rawValue: status.uppercased()) ?? .running
        if final != .running { try await tracking.endRun(id: created.id, status: final) }
        print(json ? try RunsCommand.json(["run_id": created.id]) : created.id)
    }
}

/// `dstoolbox runs log RUN_ID [--metric k=v]... [--step N] ...`: more to an existing run.
struct RunsLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Log parameters, metrics (at a step), tags and artifacts to a run; optionally end it.")

    @Argument(help: "The run id.") var runID: String
    @Option(help: "A parameter KEY=VALUE (repeatable; written once).") var param: [String] = []
    @Option(help: "A metric KEY=NUMBER (repeatable; nan and inf accepted).") var metric: [String] = []
    @Option(parsing: .unconditional, help: "The step of the metrics.") var step: Int64 = 0
    @Option(help: "A tag KEY=VALUE (repeatable).") var tag: [String] = []
    @Option(help: "A file or directory to store as an artifact (repeatable).") var artifact: [String] = []
    @Option(help: "End the run with this status: FINISHED, FAILED or KILLED.") var status: String?
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?

    func validate() throws {
        if let status, RunStatus(rawValue: status.uppercased()) == nil { throw ValidationError("--status takes FINISHED, FAILED or KILLED") }
        _ = try RunsCommand.metrics(metric, step: step)
        _ = try RunsCommand.pairs(param, option: "param")
        _ = try RunsCommand.pairs(tag, option: "tag")
    }

    func run() async throws {
        let tracking = try await RunsCommand.store(store)
        _ = try await tracking.run(id: runID)
        try await tracking.logBatch(runID: runID, params: Dictionary(try await RunsCommand.pairs(param, option: "param"), uniquingKeysWith: { _, last in last }),
                              metrics: try RunsCommand.metrics(metric, step: step), tags: Dictionary(try RunsCommand.pairs(tag, option: "tag"), uniquingKeysWith: { _, last in last }))
        try await RunsCommand.logArtifacts(artifact, runID: runID, store: tracking)
        if let status, let final = RunStatus(rawValue: status.uppercased()), final != .running { try await tracking.endRun(id: runID, status: final) }
    }
}

/// `dstoolbox runs show RUN_ID [--json]`
struct RunsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A run: its attributes, parameters, latest metrics and tags.")

    @Argument(help: "The run id.") var runID: String
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let tracking = try await RunsCommand.store(store, readOnly: true)
        let record = try await tracking.run(id: runID)
        let params = try await tracking.params(runID: runID), tags = try await tracking.tags(runID: runID)
        let metrics = try await tracking.latestMetrics(runID: runID).mapValues(\.value)
        if json {
            struct Output: Encodable {
                var run_id: String, experiment_id: Int64, name: String?, status: String, start_time: Double, end_time: Double?
                var params: [String: String], metrics: [String: Double], tags: [String: String]
                var artifacts: [ArtifactInfo], inputs: [DatasetInput]
            }
            print(try RunsCommand.json(Output(run_id: record.id, experiment_id: record.experimentID, name: record.name, status: record.status.rawValue,
                                              start_time: record.startTime, end_time: record.endTime, params: params, metrics: metrics, tags: tags,
                                              artifacts: try await tracking.artifacts(runID: runID, under: nil), inputs: try await tracking.inputs(runID: runID))))
            return
        }
        var lines = ["run \(record.id) (\(record.status.rawValue)) in experiment \(record.experimentID)\(record.name.map { ": \($0)" } ?? "")"]
        for (key, value) in params.sorted(by: { $0.key < $1.key }) { lines.append("param  \(key) = \(value)") }
        for (key, value) in metrics.sorted(by: { $0.key < $1.key }) { lines.append("metric \(key) = \(value)") }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) { lines.append("tag    \(key) = \(value)") }
        for artifact in try await tracking.artifacts(runID: runID, under: nil) { lines.append("artifact \(artifact.path) (\(artifact.size) bytes, sha256 \(artifact.sha256))") }
        print(lines.joined(separator: "\n"))
    }
}
