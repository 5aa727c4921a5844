import Foundation
import Synchronization
public import ToolboxCore
public import TrackKit

/// Thrown by an objective (or answered by ``Trial/shouldPrune()``) to end its trial as pruned,
/// as Optuna's `TrialPruned`.
public struct TrialPruned: Error, Sendable {
    /// A pruned trial with an optional reason.
    public init(_ reason: String = "") { self.reason = reason }
    /// Why the trial was pruned.
    public var reason: String
}

/// An optimization: a sampler suggesting parameters, trials evaluated and told, stored in a
/// ``StudyStorage`` (Optuna's `Study`).
///
/// ```swift
/// let study = try await Study.create(name: "branin", direction: .minimize, sampler: TPESampler(seed: 1))
/// try await study.optimize(trials: 100) { trial in
///     let x = try await trial.suggestFloat("x", -5, 10)
///     let y = try await trial.suggestFloat("y", 0, 15)
///     return branin(x, y)
/// }
/// print(try await study.bestTrial.params)
/// ```
public actor Study {
    /// The study as stored.
    public nonisolated let record: StudyRecord
    let storage: any StudyStorage
    var sampler: any Sampler
    var pruner: any Pruner
    /// Where every finished trial is also logged as a run, under the study's parent run.
    let tracking: (any TrackingStore)?
    private var parentRun: (experiment: Int64, id: String)?
    /// Joint samples per running trial, made at its first suggestion (Optuna's `relative_params`).
    private var relative: [Int: (space: [(name: String, distribution: Distribution)], params: [String: ParameterValue])] = [:]

    init(record: StudyRecord, storage: any StudyStorage, sampler: any Sampler, pruner: any Pruner, tracking: (any TrackingStore)? = nil) {
        self.record = record
        self.storage = storage
        self.sampler = sampler
        self.pruner = pruner
        self.tracking = tracking
    }

    /// The tag marking a study's parent run in its experiment (`study:NAME`).
    public static let parentRunTag = "study_role"

    /// The study's parent run in the tracking store: found by its tag, created on first use.
    private func parent() async throws -> (experiment: Int64, id: String)? {
        guard let tracking else { return nil }
        if let parentRun { return parentRun }
        let experiment = try await tracking.experiment(named: "study:\(record.name)")
        let found = try await tracking.searchRuns(experimentIDs: [experiment.id], filter: try RunFilter(parsing: "tags.\(Self.parentRunTag) = 'parent'"),
                                                  orderBy: [], maxResults: 1, offset: 0)
        let id: String
        if let existing = found.first {
            id = existing.id
        } else {
            id = try await tracking.createRun(experimentID: experiment.id, name: record.name, parentRunID: nil, source: "dstoolbox study", user: nil).id
            var tags = [Self.parentRunTag: "parent", "sampler": record.sampler, "pruner": record.pruner,
                        "directions": record.directions.map(\.rawValue).joined(separator: ",")]
            if let seed = record.seed { tags["seed"] = String(seed) }
            try await tracking.logBatch(runID: id, params: [:], metrics: [], tags: tags)
        }
        parentRun = (experiment.id, id)
        return parentRun
    }

    /// Logs `model` in a new run `refit` under the study's parent run in its tracking store
    /// (finished, tagged with `tags`, `study` and `refit`); that run's ID, or `nil` for a study
    /// without a tracking store.
    @discardableResult
    public func logModel<Model: FittedModel>(_ model: Model, path: String = "model.dstbx", tags: [String: String] = [:]) async throws -> String? {
        guard let tracking, let (experiment, parentID) = try await parent() else { return nil }
        // A run of its own under the study's parent: tuning the study again refits into a new
        // run, never over an earlier model (artifacts are written once).
        let run = try await tracking.createRun(experimentID: experiment, name: "refit", parentRunID: parentID, source: "dstoolbox tune", user: nil)
        try await tracking.logModel(runID: run.id, model: model, path: path)
        try await tracking.logBatch(runID: run.id, params: [:], metrics: [], tags: tags.merging(["study": record.name, "refit": "true"]) { a, _ in a })
        try await tracking.endRun(id: run.id, status: .finished)
        return run.id
    }

    /// Logs a finished trial as a run under the study's parent run: its parameters, its
    /// objective values (`value`, or `value_0`, `value_1`, ...), its intermediate values as the
    /// history of `intermediate_value`, its number and state; FINISHED, KILLED (pruned) or FAILED.
    func track(_ trial: FrozenTrial) async throws {
        guard let tracking, trial.state.isFinished, let (experiment, parentID) = try await parent() else { return }
        let run = try await tracking.createRun(experimentID: experiment, name: "trial \(trial.number)", parentRunID: parentID, source: "dstoolbox study", user: nil)
        var params: [String: String] = [:]
        for parameter in trial.parameters {
            // As Python's str() writes them (MLflow logs str(value)): text as is, 0.5, 3, True, None.
            if case .string(let text) = parameter.value { params[parameter.name] = text } else { params[parameter.name] = parameter.value.description }
        }
        var metrics: [RunMetric] = []
        if let values = trial.values {
            if values.count == 1 { metrics.append(RunMetric(key: "value", value: values[0])) } else {
                for (i, value) in values.enumerated() { metrics.append(RunMetric(key: "value_\(i)", value: value)) }
            }
        }
        for (step, value) in trial.intermediateValues.sorted(by: { $0.key < $1.key }) {
            metrics.append(RunMetric(key: "intermediate_value", value: value, step: Int64(step)))
        }
        var tags = ["trial_number": String(trial.number), "trial_state": trial.state.rawValue, "study": record.name]
        if let failure = trial.failure { tags["error"] = String(failure.prefix(4_000)) }
        try await tracking.logBatch(runID: run.id, params: params, metrics: metrics, tags: tags)
        try await tracking.endRun(id: run.id, status: trial.state == .complete ? .finished : trial.state == .pruned ? .killed : .failed)
    }

    /// Finishes a trial in the storage and logs it.
    @discardableResult
    func finish(_ number: Int, state: TrialState, values: [Double]?, failure: String?) async throws -> FrozenTrial {
        relative[number] = nil
        let finished = try await storage.finishTrial(study: record.id, trial: number, state: state, values: values, failure: failure)
        try await track(finished)
        return finished
    }

    /// Saves the sampler's and the pruner's states with the study.
    private func saveState() async throws {
        guard storage.isPersistent else { return }
        try await storage.setSamplerState(study: record.id, .object(["sampler": sampler.state, "pruner": pruner.state]))
    }

    /// The pruner a study record names, with Optuna's defaults.
    /// - Throws: `ToolboxError/Code/invalidParameter` for an unknown name.
    public static func pruner(named name: String) throws -> any Pruner {
        switch name {
        case "none": NopPruner()
        case "median": PercentilePruner.defaultMedian
        case "percentile": try PercentilePruner(percentile: 25)
        case "successive_halving": try SuccessiveHalvingPruner()
        case "hyperband": try HyperbandPruner()
        default:
            throw ToolboxError(.invalidParameter, "unknown pruner \(name) (none, median, percentile, successive_halving or hyperband)", context: ErrorContext(parameter: "pruner"))
        }
    }

    /// Creates a study (or loads the one of that name, with `loadIfExists`).
    /// - Throws: `ToolboxError/Code/conflict` when the name is taken and not `loadIfExists`;
    ///   `ToolboxError/Code/invalidParameter` for no directions.
    ///   With `tracking`, every finished trial is also logged as a run in the experiment
    ///   `study:NAME`, under the study's parent run.
    public static func create(name: String, directions: [StudyDirection], sampler: any Sampler, pruner: any Pruner = PercentilePruner.defaultMedian,
                              seed: UInt64? = nil, storage: any StudyStorage = InMemoryStudyStorage(), loadIfExists: Bool = false,
                              tracking: (any TrackingStore)? = nil) async throws -> Study {
        guard !directions.isEmpty else {
            throw ToolboxError(.invalidParameter, "a study needs at least one direction", context: ErrorContext(parameter: "directions"))
        }
        guard !name.isEmpty else { throw ToolboxError(.invalidParameter, "a study needs a name", context: ErrorContext(parameter: "name")) }
        let record = try await storage.createStudy(StudyRecord(id: 0, name: name, directions: directions, sampler: sampler.name, seed: seed, pruner: pruner.name),
                                                   loadIfExists: loadIfExists)
        var restored = sampler, restoredPruner = pruner
        if let state = try await storage.samplerState(study: record.id) {
            if case .object(let parts) = state, let samplerState = parts["sampler"] {
                try restored.restore(samplerState)
                if let prunerState = parts["pruner"] { try restoredPruner.restore(prunerState) }
            } else {
                try restored.restore(state)
            }
        }
        return Study(record: record, storage: storage, sampler: restored, pruner: restoredPruner, tracking: tracking)
    }

    /// Creates a single-objective study.
    public static func create(name: String, direction: StudyDirection = .minimize, sampler: any Sampler, pruner: any Pruner = PercentilePruner.defaultMedian,
                              seed: UInt64? = nil, storage: any StudyStorage = InMemoryStudyStorage(), loadIfExists: Bool = false,
                              tracking: (any TrackingStore)? = nil) async throws -> Study {
        try await create(name: name, directions: [direction], sampler: sampler, pruner: pruner, seed: seed, storage: storage, loadIfExists: loadIfExists,
                         tracking: tracking)
    }

    /// The study's directions.
    public nonisolated var directions: [StudyDirection] { record.directions }

    /// Every trial, by number.
    public var trials: [FrozenTrial] {
        get async throws { try await storage.trials(study: record.id) }
    }

    /// The best complete trial of a single-objective study (the first of equals).
    /// - Throws: `ToolboxError/Code/notFound` before any trial completes;
    ///   `ToolboxError/Code/invalidParameter` for a study of several objectives.
    public var bestTrial: FrozenTrial {
        get async throws {
            guard record.directions.count == 1 else {
                throw ToolboxError(.invalidParameter, "a study of several objectives has best trials (the Pareto front), not one best trial")
            }
            let complete = try await trials.filter { $0.state == .complete && $0.value != nil }
            let maximize = record.directions[0] == .maximize
            guard let best = complete.reduce(nil as FrozenTrial?, { best, trial in
                guard let best, let b = best.value, let v = trial.value else { return best ?? trial }
                return (maximize ? v > b : v < b) ? trial : best
            }) else {
                throw ToolboxError(.notFound, "study \(record.name) has no complete trial yet")
            }
            return best
        }
    }

    /// The best trials: for one objective the best trial, for several the Pareto front (complete
    /// trials no other complete trial dominates), by number.
    public var bestTrials: [FrozenTrial] {
        get async throws {
            if record.directions.count == 1 { return [try await bestTrial] }
            let complete = try await trials.filter { $0.state == .complete && $0.values?.count == record.directions.count }
            let signs = record.directions.map { $0 == .minimize ? 1.0 : -1.0 }
            func dominates(_ a: [Double], _ b: [Double]) -> Bool {
                var strictly = false
                for i in a.indices {
                    let x = a[i] * signs[i], y = b[i] * signs[i]
                    if x > y { return false }
                    if x < y { strictly = true }
                }
                return strictly
            }
            return complete.filter { trial in !complete.contains { dominates($0.values!, trial.values!) } }
        }
    }

    /// Adds a trial with fixed parameters, taken by the next ``ask()`` (Optuna's `enqueue_trial`).
    @discardableResult
    public func enqueue(_ parameters: [String: ParameterValue], userAttributes: [String: JSONValue] = [:]) async throws -> Int {
        try await storage.enqueueTrial(study: record.id, parameters: parameters, userAttributes: userAttributes).number
    }

    /// Starts a trial (an enqueued one first).
    public func ask() async throws -> Trial {
        guard let trial = try await storage.startTrial(study: record.id, limit: nil) else {
            throw ToolboxError(.conflict, "no trial could be started")
        }
        return Trial(study: self, number: trial.number)
    }

    /// Starts a trial unless the study holds `limit` trials already (`nil` then).
    public func ask(limit: Int?) async throws -> Trial? {
        guard let trial = try await storage.startTrial(study: record.id, limit: limit) else { return nil }
        return Trial(study: self, number: trial.number)
    }

    /// A handle on running trial `number` (asked by another process, say).
    /// - Throws: `ToolboxError/Code/notFound` for an unknown trial,
    ///   `ToolboxError/Code/conflict` for a finished or waiting one.
    public func runningTrial(_ number: Int) async throws -> Trial {
        let trial = try await storage.trial(study: record.id, number: number)
        guard trial.state == .running else {
            throw ToolboxError(.conflict, "trial \(number) is \(trial.state.rawValue), not RUNNING", context: ErrorContext(parameter: "trial"))
        }
        return Trial(study: self, number: number)
    }

    /// Starts a trial and suggests every parameter of `space`, in its order.
    public func ask(_ space: SearchSpace) async throws -> (trial: Trial, params: [TrialParameter]) {
        try sampler.prepare(for: space)
        let trial = try await ask()
        for parameter in space.parameters {
            _ = try await suggest(trial: trial.number, name: parameter.name, distribution: parameter.distribution)
        }
        return (trial, try await storage.trial(study: record.id, number: trial.number).parameters)
    }

    /// Finishes trial `number` with objective values, one per direction; NaN values, or the
    /// wrong count, fail the trial instead (and say why).
    /// - Throws: `ToolboxError/Code/conflict` for a trial told already.
    @discardableResult
    public func tell(_ number: Int, values: [Double]) async throws -> FrozenTrial {
        if values.count != record.directions.count {
            return try await finish(number, state: .fail, values: nil, failure: "the objective returned \(values.count) values for \(record.directions.count) directions")
        }
        if let nan = values.firstIndex(where: \.isNaN) {
            return try await finish(number, state: .fail, values: nil, failure: "the objective returned NaN (value \(nan))")
        }
        return try await finish(number, state: .complete, values: values, failure: nil)
    }

    /// Finishes trial `number` as pruned or failed.
    /// - Throws: `ToolboxError/Code/invalidParameter` for another state,
    ///   `ToolboxError/Code/conflict` for a trial told already.
    @discardableResult
    public func tell(_ number: Int, state: TrialState, failure: String? = nil) async throws -> FrozenTrial {
        guard state == .pruned || state == .fail else {
            throw ToolboxError(.invalidParameter, "a trial is told COMPLETE with its values, or PRUNED or FAIL; not \(state.rawValue)", context: ErrorContext(parameter: "state"))
        }
        var value: [Double]?
        if state == .pruned, record.directions.count == 1, let last = try await storage.trial(study: record.id, number: number).lastIntermediate {
            value = [last.value]
        }
        return try await finish(number, state: state, values: value, failure: failure)
    }

    /// Runs `trials` trials of `objective` one after another, or until `timeout` seconds pass.
    ///
    /// A trial whose objective throws ``TrialPruned`` is pruned; one that throws anything else
    /// fails with the error recorded, and the error is rethrown unless `catchErrors` (Optuna's
    /// `catch`); a NaN result fails the trial.
    ///
    /// With `jobs` above 1, that many trials run at once, each objective's parallel loops limited
    /// to its share of the cores (`Parallel/withThreadLimit(_:_:)`).
    public func optimize(trials: Int? = nil, timeout: Double? = nil, jobs: Int = 1, catchErrors: Bool = false,
                         _ objective: @escaping @Sendable (Trial) async throws -> Double) async throws {
        try await optimizeMany(trials: trials, timeout: timeout, jobs: jobs, catchErrors: catchErrors) { [try await objective($0)] }
    }

    /// `optimize(trials:timeout:catchErrors:_:)` for an objective with one value per direction.
    public func optimizeMany(trials: Int? = nil, timeout: Double? = nil, jobs: Int = 1, catchErrors: Bool = false,
                             _ objective: @escaping @Sendable (Trial) async throws -> [Double]) async throws {
        guard trials != nil || timeout != nil else {
            throw ToolboxError(.invalidParameter, "optimize needs a number of trials or a timeout", context: ErrorContext(parameter: "trials"))
        }
        guard jobs >= 1 else { throw ToolboxError(.invalidParameter, "jobs must be at least 1, got \(jobs)", context: ErrorContext(parameter: "jobs")) }
        let start = Date()
        permits = trials
        stopped = false
        if jobs == 1 {
            try await work(start: start, timeout: timeout, threads: nil, catchErrors: catchErrors, objective)
            return
        }
        // Several trials at once, each limited to its share of the cores.
        let threads = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / jobs)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<jobs {
                group.addTask { try await self.work(start: start, timeout: timeout, threads: threads, catchErrors: catchErrors, objective) }
            }
            try await group.waitForAll()
        }
    }

    /// Trials left to start in the running ``optimizeMany(trials:timeout:jobs:catchErrors:_:)``
    /// (`nil`: no count), and whether it should stop.
    private var permits: Int?
    private var stopped = false

    /// Seconds between heartbeats of this process's running trials (persistent storage only).
    public private(set) var heartbeatInterval: Double = 5
    /// Seconds without a heartbeat after which a running trial's worker counts as dead.
    public private(set) var gracePeriod: Double = 30

    /// Sets how often running trials send heartbeats and how long a silent one lives.
    /// - Throws: `ToolboxError/Code/invalidParameter` unless 0 < interval < grace period.
    public func setHeartbeat(interval: Double, gracePeriod: Double) throws {
        guard interval > 0, gracePeriod > interval else {
            throw ToolboxError(.invalidParameter, "the heartbeat interval must be positive and below the grace period", context: ErrorContext(parameter: "heartbeat_interval"))
        }
        heartbeatInterval = interval
        self.gracePeriod = gracePeriod
    }

    private func takePermit() -> Bool {
        guard !stopped else { return false }
        guard let left = permits else { return true }
        guard left > 0 else { return false }
        permits = left - 1
        return true
    }

    private func stop() { stopped = true }

    /// One worker of an optimization: trials until the permits, the time or the sampler run out.
    private nonisolated func work(start: Date, timeout: Double?, threads: Int?, catchErrors: Bool,
                                  _ objective: @escaping @Sendable (Trial) async throws -> [Double]) async throws {
        while await takePermit() {
            if let timeout, Date().timeIntervalSince(start) >= timeout { await stop(); return }
            try Task.checkCancellation()
            // Trials of dead workers (no heartbeat for the grace period) fail first.
            if storage.isPersistent {
                for stale in try await storage.failStaleTrials(study: record.id, gracePeriod: await gracePeriod) { try await track(stale) }
            }
            let trial = try await ask()
            let beat = storage.isPersistent ? HeartbeatLoop(storage: storage, study: record.id, trial: trial.number, interval: await heartbeatInterval) : nil
            defer { beat?.stop() }
            do {
                let values: [Double]
                if let threads {
                    values = try await Parallel.withThreadLimit(threads) { try await objective(trial) }
                } else {
                    values = try await objective(trial)
                }
                try await tell(trial.number, values: values)
            } catch let pruned as TrialPruned {
                try await tell(trial.number, state: .pruned, failure: pruned.reason.isEmpty ? nil : pruned.reason)
            } catch {
                try await tell(trial.number, state: .fail, failure: "\(error)")
                if !catchErrors { await stop(); throw error }
            }
            if try await samplerIsExhausted() { await stop(); return }
        }
    }

    /// Whether the sampler has nothing left to try.
    func samplerIsExhausted() async throws -> Bool {
        sampler.isExhausted(StudySnapshot(directions: record.directions, trials: try await storage.trials(study: record.id)))
    }

    /// Readies the sampler for a declarative space.
    func prepareSampler(for space: SearchSpace) throws {
        try sampler.prepare(for: space)
    }

    // MARK: Suggestion

    /// The value of parameter `name` for running trial `number`: the one it holds already, an
    /// enqueued value, the single value of a one-value range, the joint sample, or the
    /// sampler's independent draw.
    func suggest(trial number: Int, name: String, distribution: Distribution) async throws -> ParameterValue {
        let trial = try await storage.trial(study: record.id, number: number)
        if let existing = trial.parameters.first(where: { $0.name == name }) { return existing.value }
        guard trial.state == .running else {
            throw ToolboxError(.conflict, "trial \(number) is \(trial.state.rawValue); only a running trial takes suggestions", context: ErrorContext(parameter: "trial"))
        }
        var value: ParameterValue?
        if case .object(let fixed)? = trial.systemAttributes["fixed_params"], let given = fixed[name],
           let candidate = try? ParameterValue(json: given, integers: { if case .int = distribution { true } else { false } }()),
           (try? distribution.internalValue(candidate, name: name)) != nil {
            value = candidate
        } else if distribution.isSingle {
            value = distribution.externalValue(try singleInternal(distribution))
        } else if let (space, params) = relative[number], let sampled = params[name],
                  space.contains(where: { $0.name == name && $0.distribution == distribution }),
                  (try? distribution.internalValue(sampled, name: name)) != nil {
            // Sampled jointly at the trial's first suggestion: no need to read the study again.
            value = sampled
        } else {
            let all = StudySnapshot(directions: record.directions, trials: try await storage.trials(study: record.id))
            let current = all.trials.first { $0.number == number } ?? trial
            let snapshot = pruner.samplerView(all, studyName: record.name, trial: current)
            if relative[number] == nil {
                let space = sampler.inferRelativeSearchSpace(snapshot, trial: current)
                let params = try sampler.sampleRelative(snapshot, trial: current, space: space)
                relative[number] = (space, params)
                for (key, value) in sampler.takeTrialAttributes() {
                    try await storage.setSystemAttribute(study: record.id, trial: number, key: key, value: value)
                }
                try await saveState()
                if !params.isEmpty {
                    var json: [String: JSONValue] = [:]
                    for (key, param) in params { json[key] = param.json }
                    try await storage.setSystemAttribute(study: record.id, trial: number, key: TPESampler.relativeParametersKey, value: .object(json))
                }
            }
            if let (space, params) = relative[number], let sampled = params[name],
               space.contains(where: { $0.name == name && $0.distribution == distribution }),
               (try? distribution.internalValue(sampled, name: name)) != nil {
                value = sampled
            } else {
                value = try sampler.sampleIndependent(snapshot, trial: current, name: name, distribution: distribution)
                for (key, attribute) in sampler.takeTrialAttributes() {
                    try await storage.setSystemAttribute(study: record.id, trial: number, key: key, value: attribute)
                }
                try await saveState()
            }
        }
        guard let value else { throw ToolboxError(.invalidParameter, "no value for \(name)", context: ErrorContext(parameter: name)) }
        _ = try distribution.internalValue(value, name: name)
        try await storage.setParameter(study: record.id, trial: number, TrialParameter(name: name, value: value, distribution: distribution))
        return value
    }

    private func singleInternal(_ distribution: Distribution) throws -> Double {
        switch distribution {
        case .float(let d): d.low
        case .int(let d): Double(d.low)
        case .categorical: 0
        }
    }

    func report(trial number: Int, step: Int, value: Double) async throws {
        try await storage.setIntermediateValue(study: record.id, trial: number, step: step, value: value)
    }

    /// Whether running trial `number` should stop, by the study's pruner, at its last
    /// reported step (Optuna's `should_prune`).
    /// - Throws: `ToolboxError/Code/unsupported` for a study of several objectives (as Optuna).
    public func shouldPrune(trial number: Int) async throws -> Bool {
        guard record.directions.count == 1 else {
            throw ToolboxError(.unsupported, "pruning is not supported for several objectives (as in Optuna)")
        }
        let snapshot = StudySnapshot(directions: record.directions, trials: try await storage.trials(study: record.id))
        guard let trial = snapshot.trials.first(where: { $0.number == number }) else {
            throw ToolboxError(.notFound, "the study has no trial \(number)", context: ErrorContext(parameter: "trial"))
        }
        let decision = pruner.prune(snapshot, studyName: record.name, trial: trial)
        for (key, value) in decision.attributes {
            try await storage.setSystemAttribute(study: record.id, trial: number, key: key, value: value)
        }
        try await saveState()
        return decision.prune
    }

    func setUserAttribute(trial number: Int, key: String, value: JSONValue) async throws {
        try await storage.setUserAttribute(study: record.id, trial: number, key: key, value: value)
    }
}

/// A running trial: suggest parameters, report intermediate values (Optuna's `Trial`).
public struct Trial: Sendable {
    /// The study the trial belongs to.
    public let study: Study
    /// The trial's number.
    public let number: Int

    /// A real parameter in `low...high`, uniform, log-uniform (`log`), or on a `step` grid.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming `name` for an invalid range.
    public func suggestFloat(_ name: String, _ low: Double, _ high: Double, step: Double? = nil, log: Bool = false) async throws -> Double {
        let value = try await suggest(name, .float(try FloatDistribution(low: low, high: high, log: log, step: step, name: name)))
        guard case .float(let x) = value else { return value.number ?? .nan }
        return x
    }

    /// A whole-number parameter in `low...high`, every `step`-th, or log-uniform (`log`).
    /// - Throws: `ToolboxError/Code/invalidParameter` naming `name` for an invalid range.
    public func suggestInt(_ name: String, _ low: Int, _ high: Int, step: Int = 1, log: Bool = false) async throws -> Int {
        let value = try await suggest(name, .int(try IntDistribution(low: low, high: high, log: log, step: step, name: name)))
        guard case .int(let x) = value else { return Int(value.number ?? 0) }
        return x
    }

    /// One of `choices`.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming `name` for no choices.
    public func suggestCategorical(_ name: String, _ choices: [ParameterValue]) async throws -> ParameterValue {
        try await suggest(name, .categorical(try CategoricalDistribution(choices: choices, name: name)))
    }

    /// One of the text `choices`.
    public func suggestCategorical(_ name: String, _ choices: [String]) async throws -> String {
        let value = try await suggestCategorical(name, choices.map { ParameterValue.string($0) })
        if case .string(let text) = value { return text }
        return value.description
    }

    /// A parameter from any distribution.
    public func suggest(_ name: String, _ distribution: Distribution) async throws -> ParameterValue {
        try await study.suggest(trial: number, name: name, distribution: distribution)
    }

    /// Reports an intermediate objective value at `step` (for pruners).
    public func report(_ value: Double, step: Int) async throws {
        try await study.report(trial: number, step: step, value: value)
    }

    /// Whether the study's pruner would stop this trial now.
    public func shouldPrune() async throws -> Bool {
        try await study.shouldPrune(trial: number)
    }

    /// Sets a user attribute.
    public func setUserAttribute(_ key: String, _ value: JSONValue) async throws {
        try await study.setUserAttribute(trial: number, key: key, value: value)
    }
}

/// Records a running trial's heartbeats until stopped. A storage that can write a heartbeat
/// without the concurrency pool (``BlockingHeartbeat``, as SQLite's) gets a thread of its own,
/// so the beats go on while objectives keep every pool thread busy fitting models; others beat
/// from a task.
final class HeartbeatLoop: Sendable {
    private final class Flag: Sendable { let raised = Mutex(false) }
    private let stopped = Flag()
    private let wake = DispatchSemaphore(value: 0)
    private let task: Task<Void, Never>?

    init(storage: any StudyStorage, study: Int, trial: Int, interval: Double) {
        if let blocking = storage as? any BlockingHeartbeat {
            task = nil
            let stopped = self.stopped, wake = self.wake
            let thread = Thread {
                while true {
                    // Woken early by `stop()`, else after the interval.
                    _ = wake.wait(timeout: .now() + interval)
                    if stopped.raised.withLock({ $0 }) { return }
                    try? blocking.heartbeatNow(study: study, trial: trial)
                }
            }
            thread.name = "dstoolbox-heartbeat"
            thread.start()
        } else {
            task = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                    guard !Task.isCancelled else { return }
                    try? await storage.heartbeat(study: study, trial: trial)
                }
            }
        }
    }

    func stop() {
        stopped.raised.withLock { $0 = true }
        wake.signal()
        task?.cancel()
    }
}
