import DriftKit
import Foundation
import LearnKit
import ToolboxCore
import TrackKit
import TuneKit

/// One workflow run's sections and what they share (the data, the pipeline, the model).
struct SectionContext {
    let runner: WorkflowRunner
    let runID: String
    let experimentID: Int64
    var state: WorkflowState
    /// The run of the section running now.
    var sectionRunID = ""
    /// A line for the progress output when the section ends.
    var note: String?
    /// Set by `drift` when the data did not drift: only the report runs after it.
    var stopAfterDrift = false

    private var loadedData: WorkflowData?
    private var fittedModel: DynamicPipelineModel?

    init(runner: WorkflowRunner, runID: String, experimentID: Int64, state: WorkflowState) {
        self.runner = runner
        self.runID = runID
        self.experimentID = experimentID
        self.state = state
        stopAfterDrift = state.retrain?.retrain == false
    }

    var workflow: Workflow { runner.workflow }
    var store: any TrackingStore { runner.store }
    var target: String { workflow.data.target }

    mutating func run(_ section: String) async throws {
        switch section {
        case "data": try await dataSection()
        case "validate": try await validate()
        case "drift": try await drift()
        case "pipeline": try await pipeline()
        case "tune": try await tune()
        case "train": try await train()
        case "evaluate": try await evaluate()
        case "explain": try await explain()
        case "register": try await register()
        case "monitor": try await monitor()
        case "report": try await report()
        default: throw ToolboxError(.invalidParameter, "unknown section \(section)")
        }
    }

    // MARK: Shared pieces

    /// Whether the pipeline classifies: the plan's, else the target's look.
    mutating func isClassifier() throws -> Bool {
        if let task = state.task { return task == "classification" }
        if let classifier = runner.plan.classifier { return classifier }
        return try data().classifier
    }

    /// The data (read once per process; a resumed run reads it again).
    @discardableResult
    mutating func data() throws -> WorkflowData {
        if let loadedData { return loadedData }
        let loaded = try WorkflowData.load(workflow, classifier: state.task.map { $0 == "classification" } ?? runner.plan.classifier)
        if let recorded = state.data, recorded.trainDigest != loaded.trainDigest || recorded.testDigest != loaded.testDigest {
            throw ToolboxError(.conflict, "the data changed since run \(runID) read it; rerun without --resume", context: ErrorContext(path: workflow.data.train))
        }
        loadedData = loaded
        if state.task == nil { state.task = loaded.classifier ? "classification" : "regression" }
        return loaded
    }

    /// The pipeline: the workflow's, or histogram gradient boosting for the task.
    mutating func builtPipeline() throws -> DynamicPipeline {
        if let pipeline = runner.plan.pipeline { return pipeline }
        return try WorkflowPlan.defaultPipeline(classifier: try isClassifier())
    }

    /// The fitted model (from the model run's artifact after a resume).
    mutating func model() async throws -> DynamicPipelineModel {
        if let fittedModel { return fittedModel }
        guard let run = state.modelRunID else { throw ToolboxError(.notFound, "no model was trained in run \(runID)") }
        let loaded = try await store.loadModel(runID: run)
        guard let pipeline = loaded as? DynamicPipelineModel else {
            throw ToolboxError(.corruptArchive, "run \(run)'s model.dstbx is a \(type(of: loaded).modelTypeName), not a workflow's pipeline")
        }
        fittedModel = pipeline
        return pipeline
    }

    func logJSON(_ value: some Encodable, path: String, runs: [String]) async throws {
        let bytes = Array(try WorkflowRunner.encoder.encode(value))
        for run in runs { _ = try await store.logArtifact(runID: run, bytes: bytes, path: path) }
    }

    /// The pipeline with the tuned parameters, when tuning ran.
    mutating func tunedPipeline() throws -> DynamicPipeline {
        let pipeline = try builtPipeline()
        guard let best = state.tuning?.bestParameters, !best.isEmpty else { return pipeline }
        return try pipeline.settingHyperparameters(best)
    }

    // MARK: Sections

    mutating func dataSection() async throws {
        let data = try data()
        let train = data.train, test = data.test
        var info = WorkflowState.DataInfo(trainRows: train.rowCount, testRows: test.rowCount, columns: train.columnNames, trainDigest: data.trainDigest,
                                          testDigest: data.testDigest, features: try data.trainFeatures.dropping([target]).columnNames)
        if state.task == "classification" {
            var counts: [String: Int] = [:]
            switch try train.column(named: target) {
            case .categorical(let values): for value in values { counts[value ?? "(missing)", default: 0] += 1 }
            case .numeric(let values): for value in values { counts[value.isNaN ? "(missing)" : ClassLabel.number(value).description, default: 0] += 1 }
            }
            info.classCounts = counts
        }
        state.data = info
        let source = workflow.data.train
        let inputs = [DatasetInput(name: "train", digest: data.trainDigest, source: source, rows: train.rowCount, columns: train.columnCount),
                      DatasetInput(name: "holdout", digest: data.testDigest, source: workflow.data.test ?? source, rows: test.rowCount, columns: test.columnCount)]
        try await store.logInputs(runID: runID, inputs: inputs)
        try await store.logInputs(runID: sectionRunID, inputs: inputs)
        try await store.logBatch(runID: runID, params: ["data.train": source, "data.target": target, "data.rows": String(train.rowCount + (workflow.data.test == nil ? test.rowCount : 0))],
                                 metrics: [], tags: ["task": state.task ?? ""])
        note = "\(train.rowCount) training rows, \(test.rowCount) holdout rows, \(info.features.count) features (\(state.task ?? ""))"
    }

    mutating func validate() async throws {
        guard let contract = workflow.validate else { return }
        let data = try data()
        let results = [contract.check(data.train, data: "train"), contract.check(data.test, data: "test")]
        state.contract = results
        try await logJSON(results, path: "contract.json", runs: [sectionRunID])
        let failures = results.reduce(0) { $0 + $1.failures.count }
        try await store.logBatch(runID: sectionRunID, params: [:], metrics: [RunMetric(key: "contract_failures", value: Double(failures))], tags: [:])
        guard failures == 0 else {
            if let path = workflow.report {
                try? WorkflowReport.write(state: state, workflow: workflow, runID: runID, to: path)
            }
            throw ToolboxError(.invalidData, "the data contract failed:\n" + results.filter { !$0.passed }.map(\.summary).joined(separator: "\n"),
                               context: ErrorContext(path: workflow.document.path, parameter: "validate"))
        }
        note = "\(results.reduce(0) { $0 + $1.checks.count }) checks passed"
    }

    mutating func drift() async throws {
        guard let monitor = workflow.monitor, let register = workflow.register, let alias = register.alias else { return }
        let data = try data()
        let holder: ModelVersion?
        do {
            holder = try await store.modelVersion(name: register.model, alias: alias)
        } catch let error as ToolboxError where error.code == .notFound {
            holder = nil
        }
        guard let holder else {
            state.retrain = WorkflowState.Decision(retrain: true, reason: "no version of \(register.model) holds \(alias) yet: training the first")
            note = state.retrain?.reason
            return
        }
        let bytes = try await store.readArtifact(runID: holder.runID, path: "reference_profile.json")
        let profile = try ReferenceProfile.decode(bytes, source: "runs:/\(holder.runID)/reference_profile.json")
        let current = try data.trainFeatures.appendingRows(try data.testFeatures)
        var options = DriftOptions()
        options.driftShare = monitor.driftShare
        options.columns = profile.columns.map(\.name).filter { $0 != "prediction" && current.columnIndex(named: $0) != nil }
        let report = try DriftReport.compute(profile: profile, current: current, options: options)
        let summary = WorkflowState.DriftSummary(report: report, version: holder.version)
        state.drift = summary
        try await logJSON(report, path: "drift.json", runs: [sectionRunID])
        let found = "\(summary.driftedColumns.count) of \(report.numberOfColumns) columns drifted from \(register.model) v\(holder.version) (\(alias))"
            + (summary.driftedColumns.isEmpty ? "" : ": " + summary.driftedColumns.prefix(8).joined(separator: ", "))
        if report.datasetDrift {
            state.retrain = WorkflowState.Decision(retrain: true, reason: "drift: \(found)")
        } else if runner.options.force {
            state.retrain = WorkflowState.Decision(retrain: true, reason: "forced (--force); no dataset drift: \(found)")
        } else {
            state.retrain = WorkflowState.Decision(retrain: false, reason: "no dataset drift: \(found); \(alias) stays on v\(holder.version)")
            stopAfterDrift = true
        }
        // The decision, in the registry's audit log.
        try await store.setModelTag(name: register.model, version: holder.version, key: "retrain_decision", value: state.retrain?.retrain == true ? "retrain" : "keep",
                                    actor: runner.options.user, reason: "workflow \(workflow.name) run \(runID): \(state.retrain?.reason ?? "")")
        try await store.logBatch(runID: sectionRunID, params: [:], metrics: [RunMetric(key: "drift_share", value: summary.shareOfDriftedColumns)],
                                 tags: ["retrain": String(state.retrain?.retrain ?? false)])
        note = state.retrain?.reason
    }

    mutating func pipeline() async throws {
        let pipeline = try builtPipeline()
        state.pipeline = pipeline.spec
        try await logJSON(pipeline.spec, path: "pipeline.json", runs: [sectionRunID])
        note = (pipeline.tableSteps.map(\.type) + pipeline.steps.map(\.type)).joined(separator: " -> ")
    }

    mutating func tune() async throws {
        guard let tune = workflow.tune else { return }
        let data = try data()
        let pipeline = try builtPipeline()
        let sampler: any Sampler
        switch tune.sampler {
        case "random": sampler = try RandomSampler(seed: tune.seed)
        case "cmaes": sampler = try CmaEsSampler(seed: tune.seed)
        case "grid": sampler = try GridSampler(seed: tune.seed)
        default: sampler = try TPESampler(seed: tune.seed)
        }
        let pruner: any Pruner
        switch tune.pruner {
        case "hyperband": pruner = try HyperbandPruner()
        case "successive_halving": pruner = try SuccessiveHalvingPruner()
        case "none": pruner = NopPruner()
        default: pruner = PercentilePruner.defaultMedian
        }
        // Named after the workflow run: a resumed run finds the trials it already finished.
        let name = "workflow-\(workflow.name)-\(runID)"
        let study = try await Study.create(name: name, direction: .maximize, sampler: sampler, pruner: pruner, seed: tune.seed, storage: runner.studies,
                                           loadIfExists: true, tracking: store)
        let finished = try await study.trials.filter { $0.state == .complete || $0.state == .pruned }.count
        let classifier = try isClassifier()
        let scorer = try Scorer.named(tune.scoring ?? (classifier ? "accuracy" : "r2"))
        let table = try data.trainFeatures
        if finished < tune.trials {
            if finished > 0 { runner.options.progress("[tune] \(finished) of \(tune.trials) trials were finished before; running \(tune.trials - finished) more") }
            _ = try await ModelTuning.tune(pipeline, table: table, target: target, space: tune.space, trials: tune.trials - finished, folds: tune.cv,
                                           scoring: scorer, study: study, pruning: tune.pruner != "none", refit: false)
        }
        let best = try await study.bestTrial
        var parameters: [String: JSONValue] = [:]
        for parameter in best.parameters { parameters[parameter.name] = parameter.value.json }
        let trials = try await study.trials.map { WorkflowState.TuningSummary.Trial(number: $0.number, state: $0.state.rawValue, value: $0.values?.first) }
        state.tuning = WorkflowState.TuningSummary(study: name, scoring: scorer.name, bestScore: best.value ?? .nan, bestParameters: parameters, trials: trials)
        var params: [String: String] = [:]
        for (key, value) in parameters { params["best." + key] = Self.text(value) }
        try await store.logBatch(runID: sectionRunID, params: params, metrics: [RunMetric(key: "best_score", value: best.value ?? .nan)], tags: ["study": name])
        note = "best \(scorer.name) \(best.value ?? .nan) over \(trials.count) trials"
    }

    static func text(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return value.jsonText
    }

    mutating func train() async throws {
        let data = try data()
        let pipeline = try tunedPipeline()
        let table = try data.trainFeatures
        let target = self.target
        let configured = pipeline
        let model = try await Parallel.detached { try configured.fit(table, target: target) }
        fittedModel = model
        state.modelRunID = sectionRunID
        state.pipeline = pipeline.spec
        _ = try await store.logModel(runID: sectionRunID, model: model)
        // A survey's trace embedding, beside the model: new surveys are embedded with it.
        if let embedding = data.embedding { _ = try await store.logModel(runID: sectionRunID, model: embedding, path: "trace_embedding.dstbx") }
        var params: [String: String] = [:]
        for (key, value) in pipeline.flattenedHyperparameters { params[key] = Self.text(value) }
        state.hyperparameters = params
        let classifier = try isClassifier()
        let scoring = WorkflowScoring.scores(workflow, classifier: classifier)
        // The holdout is scored once, with the evaluate section's costs and fairness group when it has them.
        let test = data.test
        let section = workflow.evaluate
        let costs = section?.falsePositiveCost.flatMap { fp in section?.falseNegativeCost.map { (fp, $0) } }
        let evaluation = try await Parallel.detached {
            try WorkflowEvaluation.evaluate(model, test: test, target: target, scoring: scoring, classifier: classifier, costs: costs, fairnessGroup: section?.fairnessGroup)
        }
        state.evaluation = evaluation
        try await store.logInputs(runID: sectionRunID, inputs: [DatasetInput(name: "train", digest: data.trainDigest, source: workflow.data.train, rows: data.train.rowCount),
                                                                DatasetInput(name: "holdout", digest: data.testDigest, source: workflow.data.test ?? workflow.data.train, rows: data.test.rowCount)])
        try await store.logBatch(runID: sectionRunID, params: params.filter { $0.value.utf8.count <= 6_000 },
                                 metrics: evaluation.scores.sorted { $0.key < $1.key }.map { RunMetric(key: $0.key, value: $0.value) },
                                 tags: ["workflow": workflow.name, "workflow_run": runID])
        note = "holdout " + evaluation.scores.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: ", ")
    }

    mutating func evaluate() async throws {
        guard let section = workflow.evaluate else { return }
        let data = try data()
        let classifier = try isClassifier()
        let scoring = WorkflowScoring.scores(workflow, classifier: classifier)
        // The holdout's scores, curves, costs and fairness came with the train section.
        guard var evaluation = state.evaluation else { throw ToolboxError(.notFound, "no holdout evaluation was kept by the train section of run \(runID)") }
        let target = self.target
        if section.cv >= 2 {
            let scorers = try scoring.map(Scorer.named)
            let table = try data.trainFeatures
            let cv: any CrossValidator = classifier ? StratifiedKFold(folds: section.cv) : KFold(folds: section.cv)
            let configured = try tunedPipeline()
            let result = try await Parallel.detached { try ModelSelection.crossValidate(configured, table: table, target: target, cv: cv, scoring: scorers) }
            for scorer in scorers {
                let scores = result.testScores[scorer.name] ?? []
                let mean = try result.meanTestScore(scorer)
                let deviation = (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(scores.count, 1))).squareRoot()
                evaluation.crossValidation["cv_\(scorer.name)_mean"] = mean
                evaluation.crossValidation["cv_\(scorer.name)_std"] = deviation
            }
        }
        state.evaluation = evaluation
        var metrics = evaluation.crossValidation
        if let costs = evaluation.costs {
            metrics["threshold"] = costs.threshold
            metrics["expected_cost"] = costs.expectedCost
            metrics["cost_at_0.5"] = costs.costAtHalf
        }
        if let fairness = evaluation.fairness {
            if let gap = fairness.demographicParityDifference { metrics["demographic_parity_difference"] = gap }
            if let gap = fairness.equalizedOddsDifference { metrics["equalized_odds_difference"] = gap }
            metrics["accuracy_difference"] = fairness.accuracyDifference
        }
        let logged = metrics.sorted { $0.key < $1.key }.map { RunMetric(key: $0.key, value: $0.value) }
        if let modelRun = state.modelRunID { try await store.logBatch(runID: modelRun, params: [:], metrics: logged, tags: [:]) }
        try await store.logBatch(runID: sectionRunID, params: [:], metrics: logged + evaluation.scores.sorted { $0.key < $1.key }.map { RunMetric(key: $0.key, value: $0.value) }, tags: [:])
        try await logJSON(evaluation, path: "evaluation.json", runs: [sectionRunID])
        var parts = evaluation.crossValidation.filter { $0.key.hasSuffix("_mean") }.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }
        if let costs = evaluation.costs { parts.append("threshold \(costs.threshold) (mean cost \(String(format: "%.4g", costs.expectedCost)) per row)") }
        note = parts.joined(separator: ", ")
    }

    mutating func explain() async throws {
        guard let section = workflow.explain else { return }
        let data = try data()
        let model = try await model()
        let (test, seed) = (data.test, workflow.data.splitSeed)
        guard let explanation = try await Parallel.detached({ try WorkflowExplanation.explain(model, table: test, sample: section.sample, top: section.top, seed: seed) }) else {
            note = "the model's last step is not a tree model: no SHAP values"
            return
        }
        state.explanation = explanation
        try await logJSON(explanation, path: "shap.json", runs: [sectionRunID])
        note = "top features: " + explanation.importance.prefix(section.top).map(\.name).joined(separator: ", ")
    }

    mutating func register() async throws {
        guard let register = workflow.register, let modelRun = state.modelRunID else { return }
        let user = runner.options.user
        let retraining = state.retrain.map { " (\($0.reason))" } ?? ""
        let version = try await store.registerModelVersion(name: register.model, runID: modelRun, artifactPath: "model.dstbx",
                                                           description: "workflow \(workflow.name), run \(runID)", actor: user,
                                                           reason: "workflow \(workflow.name) run \(runID)\(retraining)")
        var tags = ["workflow": workflow.name, "workflow_run": runID]
        if let threshold = state.evaluation?.costs?.threshold { tags["threshold"] = String(threshold) }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            try await store.setModelTag(name: register.model, version: version.version, key: key, value: value, actor: user, reason: nil)
        }
        var registration = WorkflowState.Registration(model: register.model, version: version.version, alias: register.alias, reason: "registered")
        guard let alias = register.alias else {
            state.registration = registration
            note = "\(register.model) v\(version.version)"
            return
        }
        let holder: ModelVersion?
        do {
            holder = try await store.modelVersion(name: register.model, alias: alias)
        } catch let error as ToolboxError where error.code == .notFound {
            holder = nil
        }
        registration.previousVersion = holder?.version
        var promote = true
        var reason = holder == nil ? "no version held \(alias)" : "no promotion rule"
        if let holder, let metric = register.promoteMetric {
            let candidate = state.metrics[metric] ?? .nan
            let held = try await holderMetric(metric, holder: holder)
            let rule = PromotionRule(metric: metric, higherIsBetter: register.higherIsBetter, minimumImprovement: register.margin)
            promote = rule.accepts(candidate: candidate, holder: held.value)
            let comparison = "\(metric) \(candidate) vs \(held.value) of v\(holder.version) \(held.source)"
            let direction = register.higherIsBetter ? "higher" : "lower"
            reason = promote ? "\(comparison): better by more than \(register.margin) (\(direction) is better)"
                : "\(comparison): not better by more than \(register.margin) (\(direction) is better)"
        }
        if promote {
            do {
                try await store.setAlias(name: register.model, alias: alias, version: version.version, force: false, actor: user,
                                         reason: "workflow \(workflow.name) run \(runID): \(reason)\(retraining)")
            } catch let error as ToolboxError where error.code == .conflict || error.code == .invalidParameter {
                promote = false
                reason = "the store's promotion rule for \(alias) refused: \(error.message)"
            }
        }
        if !promote {
            try await store.setModelTag(name: register.model, version: version.version, key: "promotion", value: "rejected", actor: user,
                                        reason: "workflow \(workflow.name) run \(runID): \(alias) stays on v\(holder?.version ?? 0): \(reason)")
        }
        registration.promoted = promote
        registration.reason = reason
        state.registration = registration
        try await store.logBatch(runID: sectionRunID, params: [:], metrics: [], tags: ["model": register.model, "version": String(version.version), "promoted": String(promote)])
        note = "\(register.model) v\(version.version); \(alias) \(promote ? "moved to it" : "stays on v\(holder?.version ?? 0)"): \(reason)"
    }

    /// The alias holder's value of `metric`: for a retraining workflow, the holder re-scored on
    /// the new holdout (the same rows as the candidate); otherwise what its run logged.
    mutating func holderMetric(_ metric: String, holder: ModelVersion) async throws -> (value: Double, source: String) {
        if state.retrain != nil, WorkflowScoring.classification.contains(metric) || WorkflowScoring.regression.contains(metric) {
            let loaded = try await store.loadModel(name: holder.name, version: holder.version)
            if let model = loaded as? DynamicPipelineModel {
                let data = try data()
                let classifier = try isClassifier()
                let (test, target) = (data.test, self.target)
                let evaluation = try await Parallel.detached {
                    try WorkflowEvaluation.evaluate(model, test: test, target: target, scoring: [metric], classifier: classifier, costs: nil, fairnessGroup: nil)
                }
                if let value = evaluation.scores[metric] { return (value, "on the new holdout") }
            }
        }
        let metrics = try await store.latestMetrics(runID: holder.runID)
        return (metrics[metric]?.value ?? .nan, "as its run logged it")
    }

    mutating func monitor() async throws {
        guard let modelRun = state.modelRunID else { return }
        let data = try data()
        let model = try await model()
        var table = try data.trainFeatures.dropping([target])
        let predictions = try model.predictions(table)
        if let labels = predictions.labels {
            table = try table.adding("prediction", .categorical(labels.map(\.description)))
        } else if let values = predictions.values {
            table = try table.adding("prediction", .numeric(values))
        }
        let profile = try ReferenceProfile(table)
        let bytes = try profile.encodedJSON()
        // Beside the model, where `dstoolbox serve` looks for it.
        if (try? await store.readArtifact(runID: modelRun, path: "reference_profile.json")) == nil {
            _ = try await store.logArtifact(runID: modelRun, bytes: bytes, path: "reference_profile.json")
        }
        _ = try await store.logArtifact(runID: sectionRunID, bytes: bytes, path: "reference_profile.json")
        state.monitor = WorkflowState.MonitorSummary(runID: modelRun, artifact: "runs:/\(modelRun)/reference_profile.json", columns: profile.columns.count, rows: profile.rows)
        note = "reference profile of \(profile.columns.count) columns x \(profile.rows) rows kept with the model"
    }

    mutating func report() async throws {
        guard let path = workflow.report else { return }
        var shown = state
        shown.completed.append("report")
        try WorkflowReport.write(state: shown, workflow: workflow, runID: runID, to: path)
        _ = try await store.logArtifact(runID: sectionRunID, file: path, path: "report.html")
        note = "wrote \(path)"
    }
}
