import Foundation
public import ToolboxCore

/// A study as stored: its identity, objectives and sampler.
public struct StudyRecord: Sendable, Hashable, Codable {
    /// The storage's identifier of the study.
    public var id: Int
    /// The study's unique name.
    public var name: String
    /// One direction per objective.
    public var directions: [StudyDirection]
    /// The sampler's name (`tpe`, `random`, ...) and seed, as the study was created with them.
    public var sampler: String
    /// The sampler's seed, when one was given.
    public var seed: UInt64?
    /// The pruner's name (`median`, `none`, ...).
    public var pruner: String

    /// A record with every field given.
    public init(id: Int, name: String, directions: [StudyDirection], sampler: String, seed: UInt64?, pruner: String) {
        self.id = id
        self.name = name
        self.directions = directions
        self.sampler = sampler
        self.seed = seed
        self.pruner = pruner
    }
}

/// Where studies and their trials live. Every method is atomic: trial numbers are handed out
/// once each, in order, whatever the number of workers; a waiting (enqueued) trial is taken by
/// one worker only; a finished trial cannot be finished again.
public protocol StudyStorage: Sendable {
    /// Creates a study, or returns the existing one of that name when `loadIfExists`.
    /// - Throws: ``ToolboxError/Code/conflict`` when the name is taken and not `loadIfExists`.
    func createStudy(_ record: StudyRecord, loadIfExists: Bool) async throws -> StudyRecord
    /// The study named `name`.
    /// - Throws: ``ToolboxError/Code/notFound`` when there is none.
    func study(named name: String) async throws -> StudyRecord
    /// Every study.
    func studies() async throws -> [StudyRecord]
    /// Adds a waiting trial with fixed parameters (Optuna's `enqueue_trial`).
    func enqueueTrial(study: Int, parameters: [String: ParameterValue], userAttributes: [String: JSONValue]) async throws -> FrozenTrial
    /// Starts a trial: the oldest waiting one if any (taken by this caller alone), else a new
    /// one with the next number; `nil` when the study holds `limit` trials already (checked in
    /// the same atomic step, so workers sharing a limit never exceed it).
    func startTrial(study: Int, limit: Int?) async throws -> FrozenTrial?
    /// Records that the worker running trial `trial` is alive.
    func heartbeat(study: Int, trial: Int) async throws
    /// Fails every running trial whose last heartbeat is older than `gracePeriod` seconds (its
    /// worker died), atomically, and returns them as failed.
    func failStaleTrials(study: Int, gracePeriod: Double) async throws -> [FrozenTrial]
    /// Records a parameter of a running trial.
    func setParameter(study: Int, trial: Int, _ parameter: TrialParameter) async throws
    /// Records an intermediate value of a running trial.
    func setIntermediateValue(study: Int, trial: Int, step: Int, value: Double) async throws
    /// Sets a user attribute of a trial.
    func setUserAttribute(study: Int, trial: Int, key: String, value: JSONValue) async throws
    /// Sets a system attribute of a trial.
    func setSystemAttribute(study: Int, trial: Int, key: String, value: JSONValue) async throws
    /// Finishes a running trial.
    /// - Throws: ``ToolboxError/Code/conflict`` for a trial already finished,
    ///   ``ToolboxError/Code/notFound`` for an unknown one.
    func finishTrial(study: Int, trial: Int, state: TrialState, values: [Double]?, failure: String?) async throws -> FrozenTrial
    /// The study's trials, by number.
    func trials(study: Int) async throws -> [FrozenTrial]
    /// One trial.
    func trial(study: Int, number: Int) async throws -> FrozenTrial
    /// The sampler's saved state, if any.
    func samplerState(study: Int) async throws -> JSONValue?
    /// Saves the sampler's state.
    func setSamplerState(study: Int, _ state: JSONValue) async throws
}

/// Studies in memory, for one process (Optuna's `InMemoryStorage`).
public actor InMemoryStudyStorage: StudyStorage {
    private var records: [StudyRecord] = []
    private var trialLists: [Int: [FrozenTrial]] = [:]
    private var samplerStates: [Int: JSONValue] = [:]

    /// An empty storage.
    public init() {}

    public func createStudy(_ record: StudyRecord, loadIfExists: Bool) throws -> StudyRecord {
        if let existing = records.first(where: { $0.name == record.name }) {
            guard loadIfExists else {
                throw ToolboxError(.conflict, "a study named \(record.name) exists already (load it, or pass --load-if-exists)", context: ErrorContext(parameter: "name"))
            }
            return existing
        }
        var created = record
        created.id = records.count + 1
        records.append(created)
        trialLists[created.id] = []
        return created
    }

    public func study(named name: String) throws -> StudyRecord {
        guard let record = records.first(where: { $0.name == name }) else {
            throw ToolboxError(.notFound, "no study named \(name)", context: ErrorContext(parameter: "name"))
        }
        return record
    }

    public func studies() -> [StudyRecord] { records }

    private func list(_ study: Int) throws -> [FrozenTrial] {
        guard let list = trialLists[study] else { throw ToolboxError(.notFound, "no study with id \(study)") }
        return list
    }

    private func index(_ study: Int, _ trial: Int) throws -> Int {
        let list = try list(study)
        guard list.indices.contains(trial), list[trial].number == trial else {
            throw ToolboxError(.notFound, "study has no trial \(trial)", context: ErrorContext(parameter: "trial"))
        }
        return trial
    }

    public func enqueueTrial(study: Int, parameters: [String: ParameterValue], userAttributes: [String: JSONValue]) throws -> FrozenTrial {
        var list = try list(study)
        var fixed: [String: JSONValue] = [:]
        for (name, value) in parameters { fixed[name] = value.json }
        let trial = FrozenTrial(number: list.count, state: .waiting, userAttributes: userAttributes, systemAttributes: ["fixed_params": .object(fixed)])
        list.append(trial)
        trialLists[study] = list
        return trial
    }

    public func startTrial(study: Int, limit: Int?) throws -> FrozenTrial? {
        var list = try list(study)
        if let waiting = list.firstIndex(where: { $0.state == .waiting }) {
            list[waiting].state = .running
            list[waiting].started = Date()
            trialLists[study] = list
            heartbeats[study, default: [:]][list[waiting].number] = Date()
            return list[waiting]
        }
        if let limit, list.count >= limit { return nil }
        let trial = FrozenTrial(number: list.count, state: .running, started: Date())
        list.append(trial)
        trialLists[study] = list
        heartbeats[study, default: [:]][trial.number] = Date()
        return trial
    }

    private var heartbeats: [Int: [Int: Date]] = [:]

    public func heartbeat(study: Int, trial: Int) throws {
        _ = try index(study, trial)
        heartbeats[study, default: [:]][trial] = Date()
    }

    public func failStaleTrials(study: Int, gracePeriod: Double) throws -> [FrozenTrial] {
        var failed: [FrozenTrial] = []
        let now = Date()
        for (i, trial) in try list(study).enumerated() where trial.state == .running {
            let last = heartbeats[study]?[trial.number] ?? trial.started ?? now
            guard now.timeIntervalSince(last) > gracePeriod else { continue }
            trialLists[study]![i].state = .fail
            trialLists[study]![i].failure = "its worker stopped sending heartbeats for \(gracePeriod) seconds"
            trialLists[study]![i].completed = now
            failed.append(trialLists[study]![i])
        }
        return failed
    }

    private func requireRunning(_ trial: FrozenTrial) throws {
        guard trial.state == .running else {
            throw ToolboxError(.conflict, "trial \(trial.number) is \(trial.state.rawValue), not RUNNING", context: ErrorContext(parameter: "trial"))
        }
    }

    public func setParameter(study: Int, trial: Int, _ parameter: TrialParameter) throws {
        let i = try index(study, trial)
        try requireRunning(trialLists[study]![i])
        trialLists[study]![i].parameters.append(parameter)
    }

    public func setIntermediateValue(study: Int, trial: Int, step: Int, value: Double) throws {
        let i = try index(study, trial)
        try requireRunning(trialLists[study]![i])
        trialLists[study]![i].intermediateValues[step] = value
    }

    public func setUserAttribute(study: Int, trial: Int, key: String, value: JSONValue) throws {
        let i = try index(study, trial)
        trialLists[study]![i].userAttributes[key] = value
    }

    public func setSystemAttribute(study: Int, trial: Int, key: String, value: JSONValue) throws {
        let i = try index(study, trial)
        trialLists[study]![i].systemAttributes[key] = value
    }

    public func finishTrial(study: Int, trial: Int, state: TrialState, values: [Double]?, failure: String?) throws -> FrozenTrial {
        let i = try index(study, trial)
        let current = trialLists[study]![i]
        guard !current.state.isFinished else {
            throw ToolboxError(.conflict, "trial \(trial) is already \(current.state.rawValue); it cannot be told twice", context: ErrorContext(parameter: "trial"))
        }
        trialLists[study]![i].state = state
        trialLists[study]![i].values = values
        trialLists[study]![i].failure = failure
        trialLists[study]![i].completed = Date()
        return trialLists[study]![i]
    }

    public func trials(study: Int) throws -> [FrozenTrial] { try list(study) }

    public func trial(study: Int, number: Int) throws -> FrozenTrial {
        trialLists[study]![try index(study, number)]
    }

    public func samplerState(study: Int) -> JSONValue? { samplerStates[study] }

    public func setSamplerState(study: Int, _ state: JSONValue) { samplerStates[study] = state }
}
