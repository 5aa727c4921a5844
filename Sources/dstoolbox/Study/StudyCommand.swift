import ArgumentParser
import DSToolbox
import Foundation

/// `dstoolbox study ...`: Optuna-style studies from the shell, shared by any number of
/// processes through the store.
struct StudyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Hyperparameter studies: create one, ask for parameters, tell results, read the best trial and the trials.",
        discussion: "The store is --store, or the DSTOOLBOX_STORE environment variable, or ./dstoolbox-store: a folder, a PostgreSQL database (postgresql://USER:PASSWORD@HOST:PORT/DB?pool=8&retry_seconds=30) shared by many machines, or (runs and models) a tracking server (http://HOST:PORT).",
        subcommands: [StudyCreateCommand.self, StudyAskCommand.self, StudyTellCommand.self, StudyIntermediateCommand.self, StudyOptimizeCommand.self, StudyBestCommand.self, StudyImportanceCommand.self, StudyReportCommand.self,
                      StudyTrialsCommand.self]
    )

    /// The studies of the store (see ``StoreLocation``). With `readOnly`, a store folder
    /// without studies is an error rather than created.
    static func storage(_ option: String?, readOnly: Bool = false) async throws -> any StudyStorage {
        try await StoreLocation(option).studyStorage(readOnly: readOnly)
    }

    /// The sampler a study record names, seeded as it was created.
    static func sampler(named name: String, seed: UInt64?) throws -> any Sampler {
        switch name {
        case "tpe": return try TPESampler(seed: seed)
        case "random": return try RandomSampler(seed: seed)
        case "nsga2": return try NSGAIISampler(seed: seed)
        case "grid": return try GridSampler(seed: seed)
        case "cmaes": return try CmaEsSampler(seed: seed)
        default:
            throw ToolboxError(.invalidParameter, "unknown sampler \(name) (tpe, random, grid, cmaes or nsga2)", context: ErrorContext(parameter: "sampler"))
        }
    }

    /// Opens an existing study with its sampler; with `tracked`, finished trials are also
    /// logged as runs in the store's tracking database (commands that only read leave it alone).
    static func open(_ name: String, store: String?, tracked: Bool = false) async throws -> Study {
        let storage = try await storage(store, readOnly: true)
        let record = try await storage.study(named: name)
        return try await Study.create(name: name, directions: record.directions, sampler: try sampler(named: record.sampler, seed: record.seed),
                                      pruner: try Study.pruner(named: record.pruner), seed: record.seed, storage: storage, loadIfExists: true,
                                      tracking: tracked ? try await RunsCommand.store(store) : nil)
    }

    /// A number as JSON: the shortest form that reads back as the same Double; non-finite as
    /// the strings `nan`, `inf`, `-inf`.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "\"nan\"" }
        if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
        return "\(value)"
    }

    static func text(_ value: String) -> String { Study.jsonText(value) }

    static func value(_ value: ParameterValue) -> String { Study.jsonValue(value) }

    /// Parameters as a JSON object, in suggestion order.
    static func params(_ parameters: [TrialParameter]) -> String { Study.parametersJSON(parameters) }

    static func values(_ values: [Double]?) -> String {
        values.map { "[" + $0.map(number).joined(separator: ", ") + "]" } ?? "null"
    }

    /// A trial as `study trials --json` and `study best --json` print it.
    static func trialJSON(_ trial: FrozenTrial) -> String {
        var fields = ["\"number\": \(trial.number)", "\"state\": \(text(trial.state.rawValue))", "\"params\": \(params(trial.parameters))",
                      "\"values\": \(values(trial.values))", "\"duration\": \(trial.duration.map(number) ?? "null")"]
        if let value = trial.value { fields.append("\"value\": \(number(value))") }
        if let failure = trial.failure { fields.append("\"error\": \(text(failure))") }
        if !trial.intermediateValues.isEmpty {
            fields.append("\"intermediate_values\": {" + trial.intermediateValues.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \(number($0.value))" }.joined(separator: ", ") + "}")
        }
        if !trial.userAttributes.isEmpty, let attributes = try? String(decoding: JSONEncoder().encode(trial.userAttributes), as: UTF8.self) {
            fields.append("\"user_attrs\": \(attributes)")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}

/// `dstoolbox study create NAME [--direction D | --directions D,D] [--sampler S] [--seed N] [--pruner P] [--store S] [--load-if-exists]`
struct StudyCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a study and print its name.")

    @Argument(help: "The study's name, unique in the store.") var name: String
    @Option(help: "minimize (default) or maximize, for one objective.") var direction: String?
    @Option(help: "One direction per objective, comma-separated (minimize,maximize).") var directions: String?
    @Option(help: "tpe (default), random, grid, cmaes or nsga2.") var sampler: String = "tpe"
    @Option(help: "The sampler's seed (0...4294967295); the same seed gives Optuna's trials.") var seed: UInt64?
    @Option(help: "median (default, as Optuna's), percentile (25th), hyperband, successive_halving or none.") var pruner: String = "median"
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Load the study when one of that name exists, instead of failing.") var loadIfExists = false

    func validate() throws {
        if direction != nil, directions != nil { throw ValidationError("give --direction or --directions, not both") }
        guard ["none", "median", "percentile", "hyperband", "successive_halving"].contains(pruner) else {
            throw ValidationError("--pruner takes none, median, percentile, hyperband or successive_halving, got \(pruner)")
        }
    }

    func run() async throws {
        let list = try (directions.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? [direction ?? "minimize"])
            .map { try StudyDirection(parsing: $0.trimmingCharacters(in: .whitespaces)) }
        let chosen = try StudyCommand.sampler(named: sampler, seed: seed)
        let storage = try await StudyCommand.storage(store)
        let study = try await Study.create(name: name, directions: list, sampler: chosen, pruner: try Study.pruner(named: pruner), seed: seed,
                                           storage: storage, loadIfExists: loadIfExists, tracking: try await RunsCommand.store(store))
        print(study.record.name)
    }
}

/// `dstoolbox study ask NAME --space SPACE`: prints `{"number": N, "params": {...}}`.
struct StudyAskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ask", abstract: "Start a trial and print its number and parameters as JSON.")

    @Argument(help: "The study.") var name: String
    @Option(help: "The search space: a YAML or JSON file, or inline JSON ({\"x\": {\"type\": \"float\", \"low\": 0, \"high\": 1}}).") var space: String
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?

    func run() async throws {
        let searchSpace = try SearchSpace(fileOrInline: space)
        let study = try await StudyCommand.open(name, store: store, tracked: true)
        let (trial, parameters) = try await study.ask(searchSpace)
        print("{\"number\": \(trial.number), \"params\": \(StudyCommand.params(parameters))}")
    }
}

/// `dstoolbox study tell NAME --trial N (--values V[,V...] | --state fail|pruned)`
struct StudyTellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tell", abstract: "Finish a trial with its objective values, or as failed or pruned.")

    @Argument(help: "The study.") var name: String
    @Option(help: "The trial's number.") var trial: Int
    @Option(help: "The objective values, comma-separated, one per direction.") var values: String?
    @Option(help: "fail or pruned, for a trial without values.") var state: String?
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?

    func validate() throws {
        guard (values == nil) != (state == nil) else { throw ValidationError("give --values or --state, one of them") }
        if let state, !["fail", "pruned"].contains(state.lowercased()) { throw ValidationError("--state takes fail or pruned, got \(state)") }
    }

    func run() async throws {
        let study = try await StudyCommand.open(name, store: store, tracked: true)
        let told: FrozenTrial
        if let values {
            let parsed = try values.split(separator: ",", omittingEmptySubsequences: false).enumerated().map { index, part -> Double in
                let text = part.trimmingCharacters(in: .whitespaces)
                guard let value = ["nan": Double.nan, "inf": .infinity, "+inf": .infinity, "-inf": -.infinity][text.lowercased()] ?? Double(text) else {
                    throw ToolboxError(.invalidParameter, "value \(index + 1) is not a number: \(text)", context: ErrorContext(parameter: "values"))
                }
                return value
            }
            told = try await study.tell(trial, values: parsed)
        } else {
            let pruned = state?.lowercased() == "pruned"
            told = try await study.tell(trial, state: pruned ? .pruned : .fail, failure: pruned ? nil : "told to have failed")
        }
        print("{\"number\": \(told.number), \"state\": \(StudyCommand.text(told.state.rawValue)), \"values\": \(StudyCommand.values(told.values))}")
    }
}

/// `dstoolbox study intermediate NAME --trial N --step S --value V`: prints `{"should_prune": true|false}`.
struct StudyIntermediateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "intermediate",
                                                    abstract: "Report an intermediate value of a running trial and print whether the study's pruner would stop it.")

    @Argument(help: "The study.") var name: String
    @Option(help: "The trial's number.") var trial: Int
    @Option(help: "The step (a non-negative whole number, such as the iteration).") var step: Int
    @Option(help: "The intermediate objective value.") var value: String
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?

    func validate() throws {
        guard step >= 0 else { throw ValidationError("--step must not be negative, got \(step)") }
    }

    func run() async throws {
        guard let number = ["nan": Double.nan, "inf": .infinity, "-inf": -.infinity][value.lowercased()] ?? Double(value) else {
            throw ToolboxError(.invalidParameter, "--value is not a number: \(value)", context: ErrorContext(parameter: "value"))
        }
        let study = try await StudyCommand.open(name, store: store, tracked: true)
        let handle = try await study.runningTrial(trial)
        try await handle.report(number, step: step)
        print("{\"should_prune\": \(try await handle.shouldPrune())}")
    }
}

/// `dstoolbox study best NAME [--json]`
struct StudyBestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "best", abstract: "The best trial (the Pareto front for several objectives).")

    @Argument(help: "The study.") var name: String
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let study = try await StudyCommand.open(name, store: store)
        let best = try await study.bestTrials
        if json {
            print(best.count == 1 && study.directions.count == 1 ? StudyCommand.trialJSON(best[0]) : "[" + best.map(StudyCommand.trialJSON).joined(separator: ", ") + "]")
        } else {
            for trial in best {
                print("trial \(trial.number): values \(StudyCommand.values(trial.values)), params \(StudyCommand.params(trial.parameters))")
            }
        }
    }
}

/// `dstoolbox study trials NAME [--json]`
struct StudyTrialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trials", abstract: "Every trial: number, state, parameters, values and duration.")

    @Argument(help: "The study.") var name: String
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let study = try await StudyCommand.open(name, store: store)
        let trials = try await study.trials
        if json {
            print("[" + trials.map(StudyCommand.trialJSON).joined(separator: ",\n ") + "]")
            return
        }
        let names = Array(Set(trials.flatMap { $0.parameters.map(\.name) })).sorted()
        let header = ["number", "state", "values"] + names + ["duration"]
        let rows = trials.map { trial in
            [String(trial.number), trial.state.rawValue, StudyCommand.values(trial.values)]
                + names.map { name in trial.params[name].map(StudyCommand.value) ?? "" }
                + [trial.duration.map { String(format: "%.3f", $0) } ?? ""]
        }
        print(TextTable.render([header] + rows, rightAligned: Set([0])))
    }
}

/// `dstoolbox study optimize NAME --space SPACE --trials N [--total-trials N] [--timeout S] [--jobs J] [--retry-failed K] -- COMMAND [ARGS...]`
struct StudyOptimizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Run a program once per trial: parameters as JSON in DSTOOLBOX_PARAMS, the trial number in DSTOOLBOX_TRIAL.",
        discussion: """
            The last line the program prints is the objective value (several values comma-separated). A line \
            "report STEP VALUE" is an intermediate value: when the study's pruner stops the trial, the program is ended. \
            A non-zero exit fails the trial. Many workers may run on one study at once; --total-trials bounds them all.
            """
    )

    @Argument(help: "The study.") var name: String
    @Option(help: "The search space: a YAML or JSON file, or inline JSON.") var space: String
    @Option(help: "Trials this worker runs.") var trials: Int?
    @Option(help: "Trials the whole study may hold, across every worker.") var totalTrials: Int?
    @Option(help: "Seconds after which no new trial starts.") var timeout: Double?
    @Option(help: "Trials run at once by this worker (each told its share of the cores in DSTOOLBOX_THREADS).") var jobs: Int = 1
    @Option(help: "How many times a failed trial's parameters are run again.") var retryFailed: Int = 0
    @Option(help: "Seconds between heartbeats of running trials.") var heartbeatInterval: Double = 5
    @Option(help: "Seconds without a heartbeat after which a running trial counts as dead (its worker killed) and fails.") var gracePeriod: Double = 30
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Argument(parsing: .postTerminator, help: "The program and its arguments, after --.") var command: [String] = []

    func validate() throws {
        if trials == nil, totalTrials == nil, timeout == nil { throw ValidationError("give --trials, --total-trials or --timeout") }
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1, got \(trials)") }
        if let totalTrials, totalTrials < 1 { throw ValidationError("--total-trials must be at least 1, got \(totalTrials)") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be positive, got \(timeout)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        guard retryFailed >= 0 else { throw ValidationError("--retry-failed must not be negative, got \(retryFailed)") }
        guard heartbeatInterval > 0, gracePeriod > heartbeatInterval else {
            throw ValidationError("--heartbeat-interval must be positive and below --grace-period")
        }
        guard !command.isEmpty else { throw ValidationError("give the program to run after --") }
    }

    func run() async throws {
        let searchSpace = try SearchSpace(fileOrInline: space)
        let study = try await StudyCommand.open(name, store: store, tracked: true)
        var settings = CommandOptimizationSettings(trials: trials, totalTrials: totalTrials, timeout: timeout, jobs: jobs, retryFailed: retryFailed)
        settings.heartbeatInterval = heartbeatInterval
        settings.gracePeriod = gracePeriod
        let summary = try await study.optimize(command: command, space: searchSpace, settings: settings)
        let counts = TrialState.allCases.compactMap { state in summary.states[state].map { "\($0) \(state.rawValue.lowercased())" } }
        print("ran \(summary.states.values.reduce(0, +)) trials" + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", "))
              + (summary.revived > 0 ? "; failed \(summary.revived) trials of dead workers" : ""))
    }
}

/// `dstoolbox study importance NAME [--objective K] [--seed N] [--json]`
struct StudyImportanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "importance",
                                                    abstract: "Each parameter's importance by fANOVA (Optuna's evaluator), summing to 1, most important first.")

    @Argument(help: "The study.") var name: String
    @Option(help: "Which objective to explain, from 0, for a study of several.") var objective: Int?
    @Option(help: "The random forest's seed.") var seed: UInt64 = 0
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print JSON: {\"importances\": {name: share, ...}}.") var json = false

    func run() async throws {
        let study = try await StudyCommand.open(name, store: store)
        if let objective, !(0..<study.directions.count).contains(objective) {
            throw ToolboxError(.invalidParameter, "--objective must be in 0..<\(study.directions.count)", context: ErrorContext(parameter: "objective"))
        }
        let importances = try ParameterImportance.fanova(try await study.trials, objectiveCount: study.directions.count, objective: objective, seed: seed)
        if json {
            print("{\"importances\": {" + importances.map { "\(StudyCommand.text($0.name)): \(StudyCommand.number($0.importance))" }.joined(separator: ", ") + "}}")
        } else {
            print(TextTable.render([["parameter", "importance"]] + importances.map { [$0.name, String(format: "%.4f", $0.importance)] }, rightAligned: [1]))
        }
    }
}

/// `dstoolbox study report-html NAME -o FILE`
struct StudyReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report-html",
                                                    abstract: "Write the study as a static HTML page: history, parallel coordinates, importances, Pareto front.")

    @Argument(help: "The study.") var name: String
    @Option(name: .shortAndLong, help: "The HTML file (replaced atomically).") var output: String
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?

    func run() async throws {
        let study = try await StudyCommand.open(name, store: store)
        let html = StudyReport.html(name: name, directions: study.directions, trials: try await study.trials)
        try RegularFile.replace(output, with: Array(html.utf8))
        print("wrote \(output)")
    }
}
