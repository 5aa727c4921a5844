import Foundation
public import LearnKit
public import ToolboxCore
import Synchronization

/// What ``ModelTuning/tune(_:table:target:space:trials:folds:scoring:study:pruning:step:refit:)`` found.
public struct TuneResult: Sendable {
    /// The best trial's parameters, in suggestion order.
    public var bestParameters: [TrialParameter]
    /// The best trial's mean cross-validated score (higher is better, scikit-learn's scorers).
    public var bestScore: Double
    /// The trials the study holds.
    public var trials: Int
    /// The study's name.
    public var study: String
    /// Boosting (or other iterative) fit iterations run over all trials and folds.
    public var iterations: Int
    /// Trials stopped by the pruner.
    public var pruned: Int
    /// The pipeline with the best trial's parameters fitted on the whole table (when refitted).
    public var model: DynamicPipelineModel?
    /// The run (a `refit` child of the study's parent run) the refitted model was logged to (`model.dstbx`), when the study
    /// has a tracking store.
    public var runID: String?
}

/// Tuning estimators and pipelines by cross-validation.
public enum ModelTuning {
    /// The default search space of a pipeline: every hyperparameter with a search hint (learning
    /// rate log-uniform, leaf counts as integers, ...), by its flattened name (`step__name`).
    /// - Throws: `ToolboxError/Code/invalidParameter` when no hyperparameter has a hint.
    public static func defaultSpace(_ pipeline: DynamicPipeline, step: String? = nil) throws -> SearchSpace {
        var parameters: [SearchSpace.Parameter] = []
        for var description in pipeline.hyperparameterSpace {
            guard let hint = description.searchHint else { continue }
            if let step {
                guard description.name.hasPrefix(step + "__") else { continue }
                description.name = String(description.name.dropFirst(step.count + 2))
            }
            let distribution: Distribution
            if hint.integer {
                distribution = .int(try IntDistribution(low: Int(hint.low.rounded(.up)), high: Int(hint.high.rounded(.down)), log: hint.log,
                                                        step: Int(hint.step ?? 1), name: description.name))
            } else {
                distribution = .float(try FloatDistribution(low: hint.low, high: hint.high, log: hint.log, step: hint.step, name: description.name))
            }
            parameters.append(SearchSpace.Parameter(name: description.name, distribution: distribution))
        }
        guard !parameters.isEmpty else {
            throw ToolboxError(.invalidParameter, "the model has no hyperparameter with a default search range; give a search space", context: ErrorContext(parameter: "space"))
        }
        return try SearchSpace(parameters)
    }

    /// Checks that every parameter of `space` is a hyperparameter of `pipeline`.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming the first that is not.
    public static func check(_ space: SearchSpace, against pipeline: DynamicPipeline, step: String? = nil) throws {
        let known = Set(pipeline.hyperparameterSpace.map(\.name).compactMap { name -> String? in
            guard let step else { return name }
            return name.hasPrefix(step + "__") ? String(name.dropFirst(step.count + 2)) : nil
        })
        for parameter in space.parameters where !known.contains(parameter.name) {
            let listing = known.sorted().prefix(12).joined(separator: ", ")
            throw ToolboxError(.invalidParameter, "\(parameter.name) is not a hyperparameter of the model (known: \(listing)\(known.count > 12 ? ", ..." : ""))",
                               context: ErrorContext(parameter: parameter.name))
        }
    }

    /// Runs `trials` trials: each sets the trial's parameters on `pipeline` and scores it by
    /// `folds`-fold cross-validation (stratified for classifiers) with `scoring` (accuracy or R²
    /// by default); the study maximizes the mean score. With `pruning`, the first fold's fit
    /// reports its loss (validation loss when it holds data out, else training loss) per
    /// iteration, negated, and a trial the study's pruner stops is cancelled there.
    ///
    /// With `step`, the space names that step's hyperparameters without the `step__` prefix (a
    /// model tuned alone). With `refit`, the pipeline with the best trial's parameters is then
    /// fitted on the whole table and, when the study has a tracking store, logged in its
    /// own `refit` run under the study's parent run as `model.dstbx` (tagged with the best trial and score).
    public static func tune(_ pipeline: DynamicPipeline, table: DataTable, target: String, space: SearchSpace? = nil, trials: Int, folds: Int = 5,
                            scoring: Scorer? = nil, study: Study, pruning: Bool = true, step: String? = nil, refit: Bool = true) async throws -> TuneResult {
        guard trials >= 1 else { throw ToolboxError(.invalidParameter, "trials must be at least 1", context: ErrorContext(parameter: "trials")) }
        guard folds >= 2 else { throw ToolboxError(.invalidParameter, "folds must be at least 2", context: ErrorContext(parameter: "cv")) }
        guard study.directions == [.maximize] else {
            throw ToolboxError(.invalidParameter, "tuning maximizes a cross-validated score: the study must have one direction, maximize", context: ErrorContext(parameter: "study"))
        }
        guard table.columnIndex(named: target) != nil else {
            throw ToolboxError(.notFound, "no column \(target); columns: \(DataTable.listing(table.columnNames))", context: ErrorContext(column: target))
        }
        let space = try space ?? defaultSpace(pipeline, step: step)
        try check(space, against: pipeline, step: step)
        let classifier = pipeline.steps.last.map { $0.estimator.producesClassifier } ?? false
        let scorer = scoring ?? (classifier ? .accuracy : .r2)
        let cv: any CrossValidator = classifier ? StratifiedKFold(folds: folds) : KFold(folds: folds)
        let iterations = Mutex(0)
        try await study.optimize(trials: trials) { trial in
            var values: [String: JSONValue] = [:]
            for parameter in space.parameters {
                let key = step.map { "\($0)__\(parameter.name)" } ?? parameter.name
                values[key] = try await trial.suggest(parameter.name, parameter.distribution).json
            }
            let configured = try pipeline.settingHyperparameters(values)
            let flag = CancellationFlag()
            var context = FitContext()
            context.cancellation = flag
            let reporter = pruning ? PruningReporter(trial: trial, flag: flag) : nil
            context.progress = { progress in
                iterations.withLock { $0 += 1 }
                guard let reporter, progress.fold ?? 0 == 0, let loss = progress.validationLoss ?? progress.trainLoss else { return .proceed }
                return reporter.report(step: progress.iteration, value: -loss) ? .cancel : .proceed
            }
            let result: CrossValidationResult
            do {
                // Off the study's executor, so the progress callback can reach the study.
                let fitContext = context
                result = try await Parallel.detached {
                    try ModelSelection.crossValidate(configured, table: table, target: target, cv: cv, scoring: [scorer], context: fitContext)
                }
            } catch let error as ToolboxError where error.code == .cancelled && reporter?.pruned == true {
                throw TrialPruned("stopped by the pruner at iteration \(reporter?.lastStep ?? 0)")
            }
            return try result.meanTestScore(scorer)
        }
        let best = try await study.bestTrial
        let all = try await study.trials
        var result = TuneResult(bestParameters: best.parameters, bestScore: best.value ?? .nan, trials: all.count, study: study.record.name,
                                iterations: iterations.withLock { $0 }, pruned: all.filter { $0.state == .pruned }.count)
        if refit {
            var values: [String: JSONValue] = [:]
            for parameter in best.parameters { values[step.map { "\($0)__\(parameter.name)" } ?? parameter.name] = parameter.value.json }
            let configured = try pipeline.settingHyperparameters(values)
            let model = try await Parallel.detached { try configured.fit(table, target: target) }
            result.model = model
            result.runID = try await study.logModel(model, tags: ["best_trial": String(best.number), "best_score": String(best.value ?? .nan)])
        }
        return result
    }
}

/// Reports a fold's losses to the trial from a fitting thread, waiting for the pruner's answer.
private final class PruningReporter: @unchecked Sendable {
    let trial: Trial
    let flag: CancellationFlag
    private let lock = NSLock()
    private(set) var pruned = false
    private(set) var lastStep = 0

    init(trial: Trial, flag: CancellationFlag) {
        self.trial = trial
        self.flag = flag
    }

    /// Whether the trial should stop after reporting `value` at `step`.
    func report(step: Int, value: Double) -> Bool {
        let semaphore = DispatchSemaphore(value: 0)
        let answer = Mutex(false)
        let trial = self.trial
        Task.detached {
            var prune = false
            if (try? await trial.report(value, step: step)) != nil { prune = (try? await trial.shouldPrune()) ?? false }
            answer.withLock { [prune] in $0 = prune }
            semaphore.signal()
        }
        semaphore.wait()
        let prune = answer.withLock { $0 }
        lock.lock()
        lastStep = step
        if prune { pruned = true }
        lock.unlock()
        return prune
    }
}
