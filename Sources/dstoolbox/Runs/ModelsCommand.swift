import ArgumentParser
import DSToolbox
import Foundation

/// `dstoolbox models ...`: the model registry.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "The model registry: registered models, versions, aliases, promotion rules and the audit log.",
        discussion: "The store is --store PATH, or the DSTOOLBOX_STORE environment variable, or ./dstoolbox-store.",
        subcommands: [ModelsListCommand.self, ModelsShowCommand.self, ModelsRegisterCommand.self, ModelsAliasCommand.self,
                      ModelsRuleCommand.self, ModelsHistoryCommand.self]
    )
}

/// A registered model as JSON.
struct ModelOutput: Encodable {
    var name: String, description: String?, creation_time: Double, last_updated_time: Double, latest_version: Int?
    var tags: [String: String], aliases: [String: Int], promotion_rules: [String: RuleOutput]

    init(_ model: RegisteredModel) {
        name = model.name
        description = model.description
        creation_time = model.creationTime
        last_updated_time = model.lastUpdatedTime
        latest_version = model.latestVersion
        tags = model.tags
        aliases = model.aliases
        promotion_rules = model.promotionRules.mapValues(RuleOutput.init)
    }
}

struct RuleOutput: Encodable {
    var metric: String, higher_is_better: Bool, minimum_improvement: Double
    init(_ rule: PromotionRule) {
        metric = rule.metric
        higher_is_better = rule.higherIsBetter
        minimum_improvement = rule.minimumImprovement
    }
}

/// A model version as JSON.
struct VersionOutput: Encodable {
    var name: String, version: Int, run_id: String, artifact_path: String?, artifact_sha256: String?, description: String?
    var creation_time: Double, tags: [String: String], aliases: [String]

    init(_ version: ModelVersion) {
        name = version.name
        self.version = version.version
        run_id = version.runID
        artifact_path = version.artifactPath
        artifact_sha256 = version.artifactSHA256
        description = version.description
        creation_time = version.creationTime
        tags = version.tags
        aliases = version.aliases
    }
}

struct AuditOutput: Encodable {
    var sequence: Int64, time: Double, actor: String, action: String, model: String, version: Int?, alias: String?, details: JSONValue, reason: String?

    init(_ entry: AuditEntry) {
        sequence = entry.sequence
        time = entry.time
        actor = entry.actor
        action = entry.action
        model = entry.model
        version = entry.version
        alias = entry.alias
        details = (try? JSONValue(jsonText: entry.details)) ?? .string(entry.details)
        reason = entry.reason
    }

    var line: String {
        let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: time))
        return "#\(sequence) \(when) \(actor) \(action) \(model)" + (version.map { " v\($0)" } ?? "") + (alias.map { " @\($0)" } ?? "")
            + (reason.map { " (\($0))" } ?? "")
    }
}

/// The store and who acts, for the commands that change the registry.
struct RegistryOptions: ParsableArguments {
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Option(help: "Who makes the change (default: $USER), recorded in the audit log.") var actor: String?
    @Option(help: "Why, recorded in the audit log.") var reason: String?
    @Flag(help: "Print JSON.") var json = false
}

/// `dstoolbox models list`
struct ModelsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Registered models.")
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print JSON: {\"models\": [...]}.") var json = false

    func run() async throws {
        let models = try await RunsCommand.store(store, readOnly: true).registeredModels()
        if json {
            struct Output: Encodable { var models: [ModelOutput] }
            print(try RunsCommand.json(Output(models: models.map(ModelOutput.init))))
            return
        }
        guard !models.isEmpty else { print("no registered models"); return }
        for model in models {
            let aliases = model.aliases.sorted { $0.key < $1.key }.map { "\($0.key)=v\($0.value)" }.joined(separator: ", ")
            print("\(model.name)  latest v\(model.latestVersion.map(String.init) ?? "-")" + (aliases.isEmpty ? "" : "  aliases: \(aliases)"))
        }
    }
}

/// `dstoolbox models show NAME [--version N | --alias A]`
struct ModelsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A registered model and its versions, or one version.")
    @Argument(help: "The model name.") var name: String
    @Option(parsing: .unconditional, help: "One version by number.") var version: Int?
    @Option(help: "One version by alias.") var alias: String?
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if version != nil && alias != nil { throw ValidationError("give --version or --alias, not both") }
    }

    func run() async throws {
        let tracking = try await RunsCommand.store(store, readOnly: true)
        if version != nil || alias != nil {
            let entry: ModelVersion
            if let alias { entry = try await tracking.modelVersion(name: name, alias: alias) } else { entry = try await tracking.modelVersion(name: name, version: version!) }
            if json { print(try RunsCommand.json(VersionOutput(entry))); return }
            print("\(entry.name) v\(entry.version) from run \(entry.runID)" + (entry.artifactPath.map { " artifact \($0)" } ?? "")
                  + (entry.aliases.isEmpty ? "" : " aliases: " + entry.aliases.joined(separator: ", ")))
            return
        }
        let model = try await tracking.registeredModel(name: name)
        let versions = try await tracking.modelVersions(name: name)
        if json {
            struct Output: Encodable { var model: ModelOutput, versions: [VersionOutput] }
            print(try RunsCommand.json(Output(model: ModelOutput(model), versions: versions.map(VersionOutput.init))))
            return
        }
        var lines = ["\(model.name)" + (model.description.map { ": \($0)" } ?? "")]
        for (alias, rule) in model.promotionRules.sorted(by: { $0.key < $1.key }) {
            lines.append("rule @\(alias): \(rule.metric) must be \(rule.higherIsBetter ? "higher" : "lower") than the holder's by more than \(rule.minimumImprovement)")
        }
        for entry in versions {
            lines.append("v\(entry.version)  run \(entry.runID)" + (entry.artifactPath.map { "  \($0)" } ?? "")
                         + (entry.aliases.isEmpty ? "" : "  @" + entry.aliases.joined(separator: " @")))
        }
        print(lines.joined(separator: "\n"))
    }
}

/// `dstoolbox models register NAME --run RUN_ID [--artifact PATH]`
struct ModelsRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register", abstract: "Register a new version of a model from a run; prints the version number.",
        discussion: "The source is --run RUN_ID [--artifact PATH], or runs:/RUN_ID/PATH as the second argument (MLflow's form).")
    @Argument(help: "The model name (created if new).") var name: String
    @Argument(help: "runs:/RUN_ID/PATH or a run id (instead of --run and --artifact).") var source: String?
    @Option(name: .customLong("run"), help: "The run the version comes from.") var runID: String?
    @Option(help: "The run's model artifact (e.g. model.dstbx).") var artifact: String?
    @Option(help: "A description of the version.") var description: String?
    @OptionGroup var options: RegistryOptions

    func resolved() throws -> (run: String, artifact: String?) {
        if let source {
            guard runID == nil else { throw ValidationError("give the source once: as runs:/RUN_ID/PATH or with --run") }
            if source.hasPrefix("runs:/") {
                let rest = source.dropFirst("runs:/".count)
                let parts = rest.split(separator: "/", maxSplits: 1)
                guard let id = parts.first, !id.isEmpty else { throw ValidationError("runs:/ needs a run id: runs:/RUN_ID/PATH") }
                guard artifact == nil || parts.count == 1 else { throw ValidationError("give the artifact once") }
                return (String(id), parts.count == 2 ? String(parts[1]) : artifact)
            }
            return (source, artifact)
        }
        guard let runID else { throw ValidationError("give the run: --run RUN_ID or runs:/RUN_ID/PATH") }
        return (runID, artifact)
    }

    func validate() throws { _ = try resolved() }

    func run() async throws {
        let (runID, artifactPath) = try resolved()
        let tracking = try await RunsCommand.store(options.store)
        let version = try await tracking.registerModelVersion(name: name, runID: runID, artifactPath: artifactPath, description: description,
                                                        actor: options.actor, reason: options.reason)
        print(options.json ? try RunsCommand.json(VersionOutput(version)) : "\(version.version)")
    }
}

/// `dstoolbox models alias NAME ALIAS VERSION` (or `--delete`)
struct ModelsAliasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias", abstract: "Point an alias (e.g. champion) at a version, or remove it with --delete.",
        discussion: "When the model has a promotion rule for the alias, the version must pass it unless --force (recorded in the audit log).")
    @Argument(help: "The model name.") var name: String
    @Argument(help: "The alias.") var alias: String
    @Argument(help: "The version number.") var versionArgument: Int?
    @Option(name: .customLong("version"), parsing: .unconditional, help: "The version number (instead of the argument).") var versionOption: Int?
    @Flag(help: "Remove the alias.") var delete = false
    @Flag(help: "Set the alias even when the promotion rule refuses the version.") var force = false
    @OptionGroup var options: RegistryOptions

    var version: Int? { versionArgument ?? versionOption }

    func validate() throws {
        if versionArgument != nil && versionOption != nil { throw ValidationError("give the version once: as the argument or with --version") }
        if delete == (version != nil) { throw ValidationError("give a version to point the alias at, or --delete") }
    }

    func run() async throws {
        let tracking = try await RunsCommand.store(options.store)
        if delete {
            try await tracking.deleteAlias(name: name, alias: alias, actor: options.actor, reason: options.reason)
        } else if let version {
            try await tracking.setAlias(name: name, alias: alias, version: version, force: force, actor: options.actor, reason: options.reason)
        }
        let model = try await tracking.registeredModel(name: name)
        if options.json {
            struct Output: Encodable { var name: String, alias: String, version: Int? }
            print(try RunsCommand.json(Output(name: name, alias: alias, version: model.aliases[alias])))
        } else {
            print(model.aliases[alias].map { "\(name)@\(alias) -> v\($0)" } ?? "\(name)@\(alias) removed")
        }
    }
}

/// `dstoolbox models rule NAME ALIAS --metric M --higher-is-better|--lower-is-better`
struct ModelsRuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rule", abstract: "State the rule a version must pass to take an alias (its run's metric beats the holder's), or --drop it.")
    @Argument(help: "The model name.") var name: String
    @Argument(help: "The alias the rule guards.") var alias: String
    @Option(help: "The run metric compared.") var metric: String?
    @Flag(help: "Whether larger values win.") var direction: Direction?
    @Option(name: .customLong("min-improvement"), parsing: .unconditional, help: "How much better the candidate must be (default 0: strictly better).") var minimumImprovement: Double = 0
    @Flag(help: "Remove the rule.") var drop = false
    @OptionGroup var options: RegistryOptions

    enum Direction: String, EnumerableFlag {
        case higherIsBetter, lowerIsBetter
    }

    func validate() throws {
        if !drop && (metric == nil || direction == nil) { throw ValidationError("give --metric and --higher-is-better or --lower-is-better, or --drop") }
    }

    func run() async throws {
        let tracking = try await RunsCommand.store(options.store)
        let rule = drop ? nil : PromotionRule(metric: metric!, higherIsBetter: direction == .higherIsBetter, minimumImprovement: minimumImprovement)
        try await tracking.setPromotionRule(name: name, alias: alias, rule: rule, actor: options.actor, reason: options.reason)
        print(options.json ? try await RunsCommand.json(ModelOutput(try await tracking.registeredModel(name: name))) : rule.map { "\(name)@\(alias): \($0.metric) must be \($0.higherIsBetter ? "higher" : "lower")" } ?? "\(name)@\(alias): no rule")
    }
}

/// `dstoolbox models history NAME [--alias A]`
struct ModelsHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "The audit log of a model (or of one alias): who changed what, when and why.")
    @Argument(help: "The model name.") var name: String
    @Option(help: "Only changes to this alias.") var alias: String?
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB, or (runs and models) a tracking server URL.") var store: String?
    @Flag(help: "Print JSON: {\"entries\": [...]}.") var json = false

    func run() async throws {
        let tracking = try await RunsCommand.store(store, readOnly: true)
        _ = try await tracking.registeredModel(name: name)
        let entries = try await tracking.auditLog(model: name, alias: alias, limit: 1_000_000).map(AuditOutput.init)
        if json {
            struct Output: Encodable { var entries: [AuditOutput] }
            print(try RunsCommand.json(Output(entries: entries)))
        } else {
            print(entries.isEmpty ? "no changes" : entries.map(\.line).joined(separator: "\n"))
        }
    }
}
