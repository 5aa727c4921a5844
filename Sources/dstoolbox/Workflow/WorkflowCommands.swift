import ArgumentParser
import DSToolbox
import Foundation
import Workflows

/// `dstoolbox run WORKFLOW [--store S] [--resume] [--force] [--json]`
struct RunWorkflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a workflow file: data, contract, pipeline, tuning, evaluation, SHAP, registry, drift reference and report.",
        discussion: """
            Each section is a child run of one workflow run in the store (experiment: the workflow's name). \
            With --resume, the latest unfinished run of the same workflow (same file and data) continues after its last \
            completed section. Progress goes to standard error; the summary (JSON with --json) to standard output. \
            Exit status 1 when a section fails (a broken data contract, say).
            """
    )

    @Argument(help: "The workflow file (YAML or JSON).") var workflow: String
    @Option(help: "The store: a folder, postgresql://USER:PASSWORD@HOST:PORT/DB or http://HOST:PORT (default: the workflow's store:, DSTOOLBOX_STORE, ./dstoolbox-store).")
    var store: String?
    @Flag(help: "Continue the latest unfinished run of this workflow after its last completed section.") var resume = false
    @Flag(help: "Retrain even when the data has not drifted (workflows with monitor.retrain: drift).") var force = false
    @Flag(help: "Print the summary as JSON: run id, metrics, registered version, promoted or not and why.") var json = false
    @Flag(help: "No progress lines on standard error.") var quiet = false

    func run() async throws {
        let plan = try WorkflowPlan(try Workflow(contentsOf: workflow))
        let location = try StoreLocation(store ?? plan.workflow.store)
        let tracking = try await location.trackingStore()
        let studies: (any StudyStorage)? = plan.workflow.tune == nil ? nil : try? await location.studyStorage()
        let quiet = self.quiet
        let options = WorkflowOptions(resume: resume, force: force, user: RunsCommand.actor(tracking)) { line in
            if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        let runner = WorkflowRunner(plan: plan, store: tracking, studies: studies, options: options)
        let summary: WorkflowSummary
        do {
            summary = try await runner.run()
        } catch let failure as WorkflowFailure {
            // The error first: standard error is unbuffered, and a long JSON line must not be cut by it.
            FileHandle.standardError.write(Data("error: \(failure.error)\n".utf8))
            if json { print(try Self.json(failure.summary, error: failure.error)) }
            throw ExitCode(1)
        }
        if json {
            print(try Self.json(summary, error: nil))
        } else {
            print(Self.text(summary))
        }
    }

    static func json(_ summary: WorkflowSummary, error: (any Error)?) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var text = String(decoding: try encoder.encode(summary), as: UTF8.self)
        if let error {
            text.removeLast()
            text += ",\"error\":" + JSONValue.quoted("\(error)") + "}"
        }
        return text
    }

    static func format(_ value: Double) -> String { value.isFinite ? String(format: "%.4f", value) : "\(value)" }

    /// The short report printed at the end.
    static func text(_ summary: WorkflowSummary) -> String {
        var lines = ["workflow \(summary.workflow): \(summary.status) (run \(summary.runID))"]
        if let retrain = summary.retrain { lines.append("retrain: \(retrain.retrain ? "yes" : "no"): \(retrain.reason)") }
        let scores = (summary.state.evaluation?.scores ?? [:]).sorted { $0.key < $1.key }
        if !scores.isEmpty { lines.append("holdout: " + scores.map { "\($0.key) \(Self.format($0.value))" }.joined(separator: ", ")) }
        if let tuning = summary.state.tuning { lines.append("tuning: best \(tuning.scoring) \(Self.format(tuning.bestScore)) over \(tuning.trials.count) trials") }
        if let costs = summary.state.evaluation?.costs {
            lines.append("threshold: \(Self.format(costs.threshold)) (mean cost per row \(Self.format(costs.expectedCost)); at 0.5: \(Self.format(costs.costAtHalf)))")
        }
        if let fairness = summary.state.evaluation?.fairness, let parity = fairness.demographicParityDifference {
            lines.append("fairness by \(fairness.column): demographic parity difference \(Self.format(parity)), equalized odds difference \(Self.format(fairness.equalizedOddsDifference ?? .nan))")
        }
        let cv = summary.metrics.filter { $0.key.hasPrefix("cv_") && $0.key.hasSuffix("_mean") }.sorted { $0.key < $1.key }
        if !cv.isEmpty { lines.append("cross-validated: " + cv.map { "\($0.key) \(Self.format($0.value))" }.joined(separator: ", ")) }
        if let top = summary.topFeatures, !top.isEmpty { lines.append("top features: " + top.joined(separator: ", ")) }
        if let registration = summary.registration {
            var line = "registered: \(registration.model) v\(registration.version)"
            if let alias = registration.alias, let promoted = registration.promoted {
                line += promoted ? "; \(alias) -> v\(registration.version)" : "; \(alias) stays on v\(registration.previousVersion ?? 0)"
                line += " (\(registration.reason))"
            }
            lines.append(line)
        }
        if !summary.skipped.isEmpty { lines.append("skipped: " + summary.skipped.joined(separator: ", ")) }
        if let report = summary.report { lines.append("report: \(report)") }
        return lines.joined(separator: "\n")
    }
}

/// `dstoolbox validate WORKFLOW`
struct ValidateWorkflowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a workflow file without running it: sections, keys, types, files, columns, model and step names, search space.")
    @Argument(help: "The workflow file (YAML or JSON).") var workflow: String
    @Flag(help: "Print JSON: {\"valid\": true, \"name\": ..., \"sections\": [...]}.") var json = false

    func run() throws {
        let plan = try WorkflowPlan(try Workflow(contentsOf: workflow))
        let sections = WorkflowRunner.sections(of: plan.workflow)
        if json {
            print("{\"valid\": true, \"name\": \(JSONValue.quoted(plan.workflow.name)), \"sections\": [\(sections.map(JSONValue.quoted).joined(separator: ", "))]}")
        } else {
            print("\(workflow): valid; workflow \(plan.workflow.name) runs \(sections.joined(separator: ", "))")
        }
    }
}

/// `dstoolbox validate-data --contract WORKFLOW DATA.csv [--json]`
struct ValidateDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-data",
        abstract: "Check a CSV against a workflow's data contract (its validate section); exit status 1 when a rule fails.")
    @Option(help: "The workflow whose validate section is the contract.") var contract: String
    @Argument(help: "The data (CSV with a header).") var data: String
    @Flag(help: "Print JSON: {\"data\", \"rows\", \"passed\", \"failures\": [{column, rule, failing, detail, rows}], \"checks\"}.") var json = false

    func run() throws {
        let workflow = try Workflow(contentsOf: contract)
        guard let rules = workflow.validate else {
            throw ToolboxError(.notFound, "\(contract) has no validate section: there is no contract to check", context: ErrorContext(path: contract, parameter: "validate"))
        }
        let result = rules.check(try DataTable(csvFile: data), data: data)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.summary)
        }
        if !result.passed { throw ExitCode(1) }
    }
}

/// `dstoolbox init classification|regression|seismic|retrieval|retrain -o FILE`
struct InitWorkflowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write a commented workflow template: classification, regression, seismic, retrieval or retrain.")
    @Argument(help: "The template: \(WorkflowTemplates.names.joined(separator: ", ")).") var template: String
    @Option(name: [.short, .long], help: "The file to write (never replaced unless --force).") var output: String
    @Flag(help: "Replace an existing file.") var force = false

    func validate() throws {
        guard WorkflowTemplates.names.contains(template) else {
            throw ValidationError("unknown template \(template); one of \(WorkflowTemplates.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        guard force || !FileManager.default.fileExists(atPath: output) else {
            throw ToolboxError(.conflict, "\(output) exists; give --force to replace it", context: ErrorContext(path: output))
        }
        try RegularFile.replace(output, with: Array(WorkflowTemplates.text(template).utf8))
        print("wrote the \(template) template to \(output)")
    }
}
