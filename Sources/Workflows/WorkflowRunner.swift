public import DriftKit
public import ToolboxCore
public import TrackKit
public import TuneKit
import Foundation
import LearnKit

/// Runs a checked workflow against a tracking store: one workflow run (experiment: the
/// workflow's name) with a child run per section, each tagged with its section and holding the
/// state after it (`state.json`), so that ``WorkflowOptions/resume`` continues after the last
/// completed section.
///
/// Sections: `data` (fingerprints), `validate` (the contract on train and test), `drift` (with
/// `monitor.retrain`: the new data against the alias holder's reference profile, and the
/// decision to retrain), `pipeline` (the resolved spec), `tune` (a TuneKit study kept in the
/// store, so a resumed tuning keeps its finished trials), `train` (the fit on the training
/// rows with the best parameters, its holdout scores; the model's run), `evaluate`, `explain`,
/// `register`, `monitor`, `report`.
public final class WorkflowRunner: Sendable {
    /// The tag naming a workflow run's workflow.
    public static let workflowTag = "dstoolbox.workflow"
    /// The tag naming a section run's section.
    public static let sectionTag = "dstoolbox.workflow.section"
    /// The tag holding the workflow's fingerprint (its text and data) on the workflow run.
    public static let digestTag = "dstoolbox.workflow.digest"
    /// The tag linking a section run to its workflow run.
    public static let parentTag = "dstoolbox.workflow.run"

    public let plan: WorkflowPlan
    public let store: any TrackingStore
    public let studies: any StudyStorage
    public let options: WorkflowOptions

    /// A runner of `plan` against `store` (and `studies` for tuning; in memory when nil).
    public init(plan: WorkflowPlan, store: any TrackingStore, studies: (any StudyStorage)?, options: WorkflowOptions = WorkflowOptions()) {
        self.plan = plan
        self.store = store
        self.studies = studies ?? InMemoryStudyStorage()
        self.options = options
    }

    var workflow: Workflow { plan.workflow }

    /// The sections this workflow runs, in order.
    public var sections: [String] { Self.sections(of: workflow) }

    /// The sections `workflow` runs, in order.
    public static func sections(of workflow: Workflow) -> [String] {
        var names = ["data"]
        if workflow.validate != nil { names.append("validate") }
        if workflow.monitor?.retrain != nil { names.append("drift") }
        names.append("pipeline")
        if workflow.tune != nil { names.append("tune") }
        names.append("train")
        if workflow.evaluate != nil { names.append("evaluate") }
        if workflow.explain?.shap == true { names.append("explain") }
        if workflow.register != nil { names.append("register") }
        if workflow.monitor?.referenceProfile == true { names.append("monitor") }
        if workflow.report != nil { names.append("report") }
        return names
    }

    /// Runs the workflow (or resumes it) and returns its summary; a failed section ends the
    /// workflow run as FAILED and is thrown as a ``WorkflowFailure`` holding the summary so far.
    public func run() async throws -> WorkflowSummary {
        let digest = try fingerprint()
        let experiment = try await store.experiment(named: workflow.name)
        var state = WorkflowState()
        var runID: String
        var resumedFrom: String?
        if options.resume, let previous = try await resumable(experiment: experiment.id, digest: digest) {
            runID = previous.run
            state = previous.state
            resumedFrom = previous.state.completed.last
            options.progress("resuming workflow run \(runID) after \(resumedFrom ?? "no section")")
        } else {
            let run = try await store.createRun(experimentID: experiment.id, name: workflow.name, parentRunID: nil, source: "dstoolbox run \(workflow.document.path)", user: options.user)
            runID = run.id
            try await store.logBatch(runID: runID, params: [:], metrics: [],
                                     tags: [Self.workflowTag: workflow.name, Self.digestTag: digest, "dstoolbox.workflow.file": workflow.document.path])
            try await store.logArtifact(runID: runID, bytes: Array(workflow.document.text.utf8), path: "workflow" + Self.fileExtension(workflow.document.path))
            options.progress("workflow \(workflow.name): run \(runID) in experiment \(workflow.name)")
        }
        var context = SectionContext(runner: self, runID: runID, experimentID: experiment.id, state: state)
        var skipped: [String] = []
        do {
            for section in sections {
                if context.state.completed.contains(section) { continue }
                if context.stopAfterDrift, !["report"].contains(section) {
                    skipped.append(section)
                    continue
                }
                try Task.checkCancellation()
                options.progress("[\(section)] ...")
                let start = Date()
                let child = try await store.createRun(experimentID: experiment.id, name: section, parentRunID: runID, source: "dstoolbox run", user: options.user)
                try await store.logBatch(runID: child.id, params: [:], metrics: [], tags: [Self.sectionTag: section, Self.parentTag: runID])
                context.sectionRunID = child.id
                do {
                    try await context.run(section)
                } catch {
                    try? await store.logBatch(runID: child.id, params: [:], metrics: [], tags: ["error": String(String(describing: error).prefix(4_000))])
                    try? await store.endRun(id: child.id, status: .failed)
                    throw error
                }
                let seconds = Date().timeIntervalSince(start)
                context.state.seconds[section] = seconds
                context.state.completed.append(section)
                let encoded = try Self.encoder.encode(context.state)
                try await store.logArtifact(runID: child.id, bytes: Array(encoded), path: "state.json")
                try await store.endRun(id: child.id, status: .finished)
                options.progress("[\(section)] done in \(String(format: "%.1f", seconds)) s" + (context.note.map { ": " + $0 } ?? ""))
                context.note = nil
            }
        } catch {
            try? await store.endRun(id: runID, status: .failed)
            throw WorkflowFailure(error: error, summary: summary(context.state, runID: runID, status: "failed", resumedFrom: resumedFrom, skipped: skipped))
        }
        var metrics: [RunMetric] = []
        for (key, value) in context.state.metrics.sorted(by: { $0.key < $1.key }) { metrics.append(RunMetric(key: key, value: value)) }
        if !metrics.isEmpty { try await store.logBatch(runID: runID, params: [:], metrics: metrics, tags: [:]) }
        try await store.endRun(id: runID, status: .finished)
        return summary(context.state, runID: runID, status: "finished", resumedFrom: resumedFrom, skipped: skipped)
    }

    static let encoder: JSONEncoder = {
        let encoder = ModelArchive.makeEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func fileExtension(_ path: String) -> String {
        let ext = URL(fileURLWithPath: path).pathExtension
        return ext.isEmpty ? ".yaml" : "." + ext
    }

    /// The workflow's fingerprint: its text and its data files' contents.
    func fingerprint() throws -> String {
        var hasher = ContentSHA256()
        hasher.update(Array(workflow.document.text.utf8))
        let data = workflow.data
        for path in [data.train, data.test, data.labels].compactMap({ $0 }) {
            hasher.update(Array(try WorkflowData.fileDigest(path).utf8))
        }
        return hasher.finalize().hexString
    }

    /// The latest unfinished run of this workflow with the same fingerprint, and its state.
    func resumable(experiment: Int64, digest: String) async throws -> (run: String, state: WorkflowState)? {
        let filter = try RunFilter(parsing: "tags.`\(Self.workflowTag)` = '\(workflow.name)'")
        let runs = try await store.searchRuns(experimentIDs: [experiment], filter: filter, orderBy: [RunOrder(parsing: "attributes.start_time DESC")], maxResults: 1, offset: 0)
        guard let latest = runs.first else {
            options.progress("nothing to resume: no earlier run of workflow \(workflow.name); starting a new run")
            return nil
        }
        guard latest.status != .finished else {
            options.progress("nothing to resume: the latest run of workflow \(workflow.name) (\(latest.id)) finished; starting a new run")
            return nil
        }
        let tags = try await store.tags(runID: latest.id)
        guard tags[Self.digestTag] == digest else {
            throw ToolboxError(.conflict, "run \(latest.id) of workflow \(workflow.name) was made from another version of the workflow file or its data; rerun without --resume to start again",
                               context: ErrorContext(path: workflow.document.path))
        }
        let childFilter = try RunFilter(parsing: "tags.`\(Self.parentTag)` = '\(latest.id)' AND attributes.status = 'FINISHED'")
        let children = try await store.searchRuns(experimentIDs: [experiment], filter: childFilter, orderBy: [], maxResults: 1_000, offset: 0)
        var state = WorkflowState()
        // The state of the last section completed, as its run kept it.
        for child in children {
            guard let bytes = try? await store.readArtifact(runID: child.id, path: "state.json"),
                  let saved = try? ModelArchive.makeDecoder().decode(WorkflowState.self, from: Data(bytes)) else { continue }
            if saved.completed.count > state.completed.count { state = saved }
        }
        try await store.logBatch(runID: latest.id, params: [:], metrics: [], tags: ["dstoolbox.workflow.resumed": String(Date().timeIntervalSince1970)])
        return (latest.id, state)
    }

    func summary(_ state: WorkflowState, runID: String, status: String, resumedFrom: String?, skipped: [String]) -> WorkflowSummary {
        WorkflowSummary(workflow: workflow.name, runID: runID, status: status, task: state.task, sections: state.completed, skipped: skipped, resumedAfter: resumedFrom,
                        metrics: state.metrics, modelRunID: state.modelRunID, registration: state.registration, retrain: state.retrain,
                        contract: state.contract, report: state.completed.contains("report") ? workflow.report : nil,
                        topFeatures: state.explanation.map { Array($0.importance.prefix(5).map(\.name)) }, state: state)
    }
}

/// How a workflow runs.
public struct WorkflowOptions: Sendable {
    /// Continue the latest unfinished run of the workflow after its last completed section.
    public var resume = false
    /// Retrain even when the data has not drifted (`monitor.retrain: drift`).
    public var force = false
    /// Who the registry's audit log names.
    public var user: String?
    /// Progress lines (section started and done).
    public var progress: @Sendable (String) -> Void = { _ in }

    public init(resume: Bool = false, force: Bool = false, user: String? = nil, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.resume = resume
        self.force = force
        self.user = user
        self.progress = progress
    }
}

/// A workflow that stopped on an error, with what it had done.
public struct WorkflowFailure: Error, CustomStringConvertible {
    public var error: any Error
    public var summary: WorkflowSummary
    public var description: String { "\(error)" }
}

/// What a workflow run did: the `--json` output of `dstoolbox run`.
public struct WorkflowSummary: Sendable, Encodable {
    public var workflow: String
    public var runID: String
    /// `finished` or `failed`.
    public var status: String
    public var task: String?
    /// Sections completed, in order.
    public var sections: [String]
    /// Sections not run (a retraining workflow whose data did not drift).
    public var skipped: [String]
    /// The section a resumed run continued after.
    public var resumedAfter: String?
    /// Holdout scores, cross-validated scores, tuning's best score, cost and threshold.
    public var metrics: [String: Double]
    /// The run holding the model.
    public var modelRunID: String?
    public var registration: WorkflowState.Registration?
    public var retrain: WorkflowState.Decision?
    public var contract: [DataContract.Result]
    public var report: String?
    public var topFeatures: [String]?
    /// The whole state (not encoded).
    public var state: WorkflowState

    enum CodingKeys: String, CodingKey {
        case workflow, runID = "run_id", status, task, sections, skipped, resumedAfter = "resumed_after", metrics, modelURI = "model_uri", registeredModel = "registered_model",
             registeredVersion = "registered_version", alias, promoted, promotionReason = "promotion_reason", retrain, contract, report, topFeatures = "top_features"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workflow, forKey: .workflow)
        try container.encode(runID, forKey: .runID)
        try container.encode(status, forKey: .status)
        try container.encode(task, forKey: .task)
        try container.encode(sections, forKey: .sections)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(resumedAfter, forKey: .resumedAfter)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(modelRunID.map { "runs:/\($0)/model.dstbx" }, forKey: .modelURI)
        try container.encode(registration?.model, forKey: .registeredModel)
        try container.encode(registration?.version, forKey: .registeredVersion)
        try container.encode(registration?.alias, forKey: .alias)
        try container.encode(registration?.promoted, forKey: .promoted)
        try container.encode(registration?.reason, forKey: .promotionReason)
        try container.encode(retrain, forKey: .retrain)
        try container.encode(contract, forKey: .contract)
        try container.encode(report, forKey: .report)
        try container.encode(topFeatures, forKey: .topFeatures)
    }
}

extension WorkflowState {
    /// Every metric the workflow run logs on itself.
    var metrics: [String: Double] {
        var metrics: [String: Double] = [:]
        if let evaluation {
            metrics.merge(evaluation.scores) { a, _ in a }
            metrics.merge(evaluation.crossValidation) { a, _ in a }
            if let costs = evaluation.costs {
                metrics["threshold"] = costs.threshold
                metrics["expected_cost"] = costs.expectedCost
            }
            if let fairness = evaluation.fairness {
                if let gap = fairness.demographicParityDifference { metrics["demographic_parity_difference"] = gap }
                if let gap = fairness.equalizedOddsDifference { metrics["equalized_odds_difference"] = gap }
            }
        }
        if let tuning { metrics["tune_best_score"] = tuning.bestScore }
        if let drift { metrics["drift_share"] = drift.shareOfDriftedColumns }
        return metrics
    }
}
