import ArgumentParser
import DSToolbox
import Foundation

/// `dstoolbox runs ...`: experiment tracking from shell scripts and CI jobs.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Experiment runs: create them with parameters, metrics and tags; show them.",
        discussion: "The store is --store PATH, or the DSTOOLBOX_STORE environment variable, or ./dstoolbox-store.",
        subcommands: [RunsCreateCommand.self, RunsShowCommand.self]
    )

    /// The store folder: the option, the environment, or ./dstoolbox-store.
    static func store(_ option: String?) throws -> SQLiteTrackingStore {
        let path = option ?? ProcessInfo.processInfo.environment["DSTOOLBOX_STORE"] ?? "dstoolbox-store"
        return try SQLiteTrackingStore(folder: path)
    }

    /// KEY=VALUE pairs.
    static func pairs(_ values: [String], option: String) throws -> [(String, String)] {
        try values.map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--\(option) takes KEY=VALUE, got \(item)") }
            return (String(parts[0]), String(parts[1]))
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
struct RunsCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a run and print its id.")

    @Option(help: "The experiment (created if new).") var experiment: String
    @Option(help: "A run name.") var name: String?
    @Option(help: "A parameter KEY=VALUE (repeatable; written once).") var param: [String] = []
    @Option(help: "A metric KEY=NUMBER at step 0 (repeatable; nan and inf accepted).") var metric: [String] = []
    @Option(help: "A tag KEY=VALUE (repeatable).") var tag: [String] = []
    @Option(help: "Parent run id.") var parent: String?
    @Option(help: "Final status: RUNNING (default, left open), FINISHED, FAILED or KILLED.") var status: String = "RUNNING"
    @Option(help: "The store folder.") var store: String?
    @Flag(help: "Print {\"run_id\": ...} as JSON.") var json = false

    func validate() throws {
        guard RunStatus(rawValue: status.uppercased()) != nil else { throw ValidationError("--status takes RUNNING, FINISHED, FAILED or KILLED") }
        _ = try metrics()
        _ = try RunsCommand.pairs(param, option: "param")
        _ = try RunsCommand.pairs(tag, option: "tag")
    }

    func metrics() throws -> [RunMetric] {
        try RunsCommand.pairs(metric, option: "metric").map { key, text in
            let lowered = text.lowercased()
            let value: Double? = ["nan": Double.nan, "inf": .infinity, "+inf": .infinity, "-inf": -.infinity][lowered] ?? Double(text)
            guard let value else { throw ValidationError("--metric \(key)=\(text): the value is not a number") }
            return RunMetric(key: key, value: value)
        }
    }

    func run() throws {
        let tracking = try RunsCommand.store(store)
        let experimentRecord = try tracking.experiment(named: experiment)
        let created = try tracking.createRun(experimentID: experimentRecord.id, name: name, parentRunID: parent, source: "dstoolbox runs create",
                                             user: ProcessInfo.processInfo.environment["USER"])
        try tracking.logBatch(runID: created.id, params: Dictionary(try RunsCommand.pairs(param, option: "param"), uniquingKeysWith: { _, last in last }),
                              metrics: try metrics(), tags: Dictionary(try RunsCommand.pairs(tag, option: "tag"), uniquingKeysWith: { _, last in last }))
        let final = RunStatus(rawValue: status.uppercased()) ?? .running
        if final != .running { try tracking.endRun(id: created.id, status: final) }
        print(json ? try RunsCommand.json(["run_id": created.id]) : created.id)
    }
}

/// `dstoolbox runs show RUN_ID [--json]`
struct RunsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A run: its attributes, parameters, latest metrics and tags.")

    @Argument(help: "The run id.") var runID: String
    @Option(help: "The store folder.") var store: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let tracking = try RunsCommand.store(store)
        let record = try tracking.run(id: runID)
        let params = try tracking.params(runID: runID), tags = try tracking.tags(runID: runID)
        let metrics = try tracking.latestMetrics(runID: runID).mapValues(\.value)
        if json {
            struct Output: Encodable {
                var run_id: String, experiment_id: Int64, name: String?, status: String, start_time: Double, end_time: Double?
                var params: [String: String], metrics: [String: Double], tags: [String: String]
            }
            print(try RunsCommand.json(Output(run_id: record.id, experiment_id: record.experimentID, name: record.name, status: record.status.rawValue,
                                              start_time: record.startTime, end_time: record.endTime, params: params, metrics: metrics, tags: tags)))
            return
        }
        var lines = ["run \(record.id) (\(record.status.rawValue)) in experiment \(record.experimentID)\(record.name.map { ": \($0)" } ?? "")"]
        for (key, value) in params.sorted(by: { $0.key < $1.key }) { lines.append("param  \(key) = \(value)") }
        for (key, value) in metrics.sorted(by: { $0.key < $1.key }) { lines.append("metric \(key) = \(value)") }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) { lines.append("tag    \(key) = \(value)") }
        print(lines.joined(separator: "\n"))
    }
}
