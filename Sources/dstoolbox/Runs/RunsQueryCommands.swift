import ArgumentParser
import DSToolbox
import Foundation

/// One run as the query commands print it in JSON.
struct RunSummary: Encodable {
    var run_id: String, experiment_id: Int64, experiment: String?, name: String?, status: String, start_time: Double, end_time: Double?
    var user: String?, parent_run_id: String?
    var params: [String: String], metrics: [String: Double], tags: [String: String]

    init(_ run: Run, experiment: String?, data: RunData) {
        run_id = run.id
        experiment_id = run.experimentID
        self.experiment = experiment
        name = run.name
        status = run.status.rawValue
        start_time = run.startTime
        end_time = run.endTime
        user = run.user
        parent_run_id = run.parentRunID
        params = data.params
        metrics = data.metrics.mapValues(\.value)
        tags = data.tags
    }
}

/// The options `runs list` and `runs search` share.
struct RunQueryOptions: ParsableArguments {
    @Option(help: "Only runs of this experiment (repeatable; all experiments when absent).") var experiment: [String] = []
    @Option(name: .customLong("order-by"), help: "FIELD [ASC|DESC], e.g. 'metrics.rmse ASC' (repeatable); newest first after these.") var orderBy: [String] = []
    @Option(name: .customLong("max-results"), parsing: .unconditional, help: "At most this many runs (1...50000).") var maxResults: Int = 1_000
    @Option(parsing: .unconditional, help: "Skip this many runs first (paging).") var offset: Int = 0
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print JSON: {\"runs\": [...]}.") var json = false

    func search(filter: RunFilter?) async throws {
        let tracking = try await RunsCommand.store(store, readOnly: true)
        let experiments = try await tracking.experiments()
        var ids: [Int64] = []
        for name in experiment {
            guard let found = experiments.first(where: { $0.name == name }) else {
                throw ToolboxError(.notFound, "no experiment \(name)", context: ErrorContext(parameter: "experiment"))
            }
            ids.append(found.id)
        }
        let order = try orderBy.map { try RunOrder(parsing: $0) }
        let runs = try await tracking.searchRuns(experimentIDs: ids, filter: filter, orderBy: order, maxResults: maxResults, offset: offset)
        let names = Dictionary(experiments.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let data = try await tracking.runData(runIDs: runs.map(\.id))
        let summaries = runs.map { RunSummary($0, experiment: names[$0.experimentID], data: data[$0.id] ?? RunData()) }
        if json {
            struct Output: Encodable { var runs: [RunSummary] }
            print(try RunsCommand.json(Output(runs: summaries)))
            return
        }
        guard !summaries.isEmpty else { print("no runs"); return }
        let metricKeys = Set(summaries.flatMap(\.metrics.keys)).sorted().prefix(6)
        var rows = [["run_id", "experiment", "name", "status"] + metricKeys.map { "metrics.\($0)" }]
        for summary in summaries {
            rows.append([summary.run_id, summary.experiment ?? "", summary.name ?? "", summary.status] + metricKeys.map { key in summary.metrics[key].map { "\($0)" } ?? "" })
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        print(rows.map { row in row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }.joined(separator: "\n"))
    }
}

/// `dstoolbox runs list [--experiment NAME]...`
struct RunsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest first.")
    @OptionGroup var options: RunQueryOptions
    func run() async throws { try await options.search(filter: nil) }
}

/// `dstoolbox runs search FILTER [--order-by F]...`
struct RunsSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Find runs with a filter expression.",
        discussion: """
            Filters compare metrics.NAME (latest value), params.NAME, tags.NAME and attributes.NAME (status, run_name, \
            run_id, user, start_time, end_time) with =, !=, <, <=, >, >=, LIKE and ILIKE, joined by AND and OR with \
            parentheses, e.g. "metrics.rmse < 0.5 AND (params.model = 'forest' OR tags.stage = 'prod')".
            """)
    @Argument(help: "The filter expression.") var filterText: String?
    @Option(name: .customLong("filter"), help: "The filter expression (instead of the argument).") var filterOption: String?
    @OptionGroup var options: RunQueryOptions

    func validate() throws {
        if filterText != nil && filterOption != nil { throw ValidationError("give the filter once: as the argument or with --filter") }
    }

    func run() async throws {
        let text = filterText ?? filterOption
        let filter = try text.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : try RunFilter(parsing: $0) }
        try await options.search(filter: filter)
    }
}

/// `dstoolbox runs compare RUN_ID RUN_ID... [--html F] [--json]`
struct RunsCompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare", abstract: "Runs side by side: parameters, metrics, metric curves.")
    @Argument(help: "The runs to compare.") var runIDs: [String]
    @Option(help: "Write a static HTML page (parameters, metrics, metric curves as SVG) to this file.") var html: String?
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard !runIDs.isEmpty else { throw ValidationError("give one or more run ids") }
    }

    func run() async throws {
        let tracking = try await RunsCommand.store(store, readOnly: true)
        let comparison = try await RunComparison(store: tracking, runIDs: runIDs)
        if let html { try RegularFile.replace(html, with: Array(comparison.html().utf8)) }
        if json {
            struct Point: Encodable { var step: Int64, value: Double, timestamp: Double }
            struct Output: Encodable {
                var runs: [RunSummary], params: [String: [String?]], metrics: [String: [Double?]], differing_params: [String]
                var histories: [String: [String: [Point]]]
            }
            let experiments = Dictionary(try await tracking.experiments().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            let data = try await tracking.runData(runIDs: comparison.runs.map(\.run.id))
            let output = Output(
                runs: comparison.runs.map { RunSummary($0.run, experiment: experiments[$0.run.experimentID], data: data[$0.run.id] ?? RunData()) },
                params: Dictionary(uniqueKeysWithValues: comparison.parameterKeys.map { key in (key, comparison.runs.map { $0.params[key] }) }),
                metrics: Dictionary(uniqueKeysWithValues: comparison.metricKeys.map { key in (key, comparison.runs.map { $0.metrics[key] }) }),
                differing_params: comparison.differingParameters,
                histories: comparison.histories.mapValues { $0.mapValues { $0.map { Point(step: $0.step, value: $0.value, timestamp: $0.timestamp) } } })
            print(try RunsCommand.json(output))
            return
        }
        let labels = comparison.runs.map { $0.run.name ?? String($0.run.id.prefix(8)) }
        var rows = [[""] + labels]
        let differing = Set(comparison.differingParameters)
        for key in comparison.parameterKeys { rows.append([(differing.contains(key) ? "* " : "  ") + "params." + key] + comparison.runs.map { $0.params[key] ?? "-" }) }
        for key in comparison.metricKeys { rows.append(["  metrics." + key] + comparison.runs.map { $0.metrics[key].map { "\($0)" } ?? "-" }) }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        print(rows.map { row in row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }.joined(separator: "\n"))
        if let html { print("wrote \(html)") }
    }
}

/// `dstoolbox runs export [--experiment NAME]... -o DIR`: MLflow's file-store layout.
struct RunsExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write experiments' runs in MLflow's file-store layout (mlruns/), for `mlflow ui --backend-store-uri DIR`.",
        discussion: "DIR must not exist: it is written beside its place and moved there when complete."
    )
    @Option(help: "An experiment to export (repeatable; all when absent).") var experiment: [String] = []
    @Option(name: [.short, .long], help: "The folder to write (must not exist).") var output: String
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or a tracking server URL.") var store: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let tracking = try await RunsCommand.store(store, readOnly: true)
        let summary = try await MLflowFileStore.export(tracking, experiments: experiment, to: output)
        print(json ? try RunsCommand.json(summary)
                   : "exported \(summary.experiments) experiments, \(summary.runs) runs, \(summary.metrics) metric values, \(summary.artifacts) artifacts to \(output)")
    }
}

/// `dstoolbox runs import DIR`: an MLflow file store's runs into the store.
struct RunsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read the experiments and runs of an MLflow file store (mlruns/) into the store (runs get new ids)."
    )
    @Argument(help: "The MLflow file store folder.") var folder: String
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or a tracking server URL.") var store: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let tracking = try await RunsCommand.store(store)
        let summary = try await MLflowFileStore.importStore(from: folder, into: tracking)
        print(json ? try RunsCommand.json(summary)
                   : "imported \(summary.experiments) experiments, \(summary.runs) runs, \(summary.metrics) metric values, \(summary.artifacts) artifacts from \(folder)")
    }
}
