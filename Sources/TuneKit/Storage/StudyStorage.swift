import Foundation
public import ToolboxCore
import Synchronization

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
    /// - Throws: `ToolboxError/Code/conflict` when the name is taken and not `loadIfExists`.
    func createStudy(_ record: StudyRecord, loadIfExists: Bool) async throws -> StudyRecord
    /// The study named `name`.
    /// - Throws: `ToolboxError/Code/notFound` when there is none.
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
    /// Sets a user attribute of a trial that has not finished (a finished one is a `conflict`).
    func setUserAttribute(study: Int, trial: Int, key: String, value: JSONValue) async throws
    /// Sets a system attribute of a trial that has not finished (a finished one is a `conflict`).
    func setSystemAttribute(study: Int, trial: Int, key: String, value: JSONValue) async throws
    /// Finishes a running trial.
    /// - Throws: `ToolboxError/Code/conflict` for a trial already finished,
    ///   `ToolboxError/Code/notFound` for an unknown one.
    func finishTrial(study: Int, trial: Int, state: TrialState, values: [Double]?, failure: String?) async throws -> FrozenTrial
    /// The study's trials, by number.
    func trials(study: Int) async throws -> [FrozenTrial]
    /// One trial.
    func trial(study: Int, number: Int) async throws -> FrozenTrial
    /// Whether the storage outlives the process (so a study's sampler state is worth saving
    /// after every draw).
    var isPersistent: Bool { get }
    /// The sampler's saved state, if any.
    func samplerState(study: Int) async throws -> JSONValue?
    /// Saves the sampler's state.
    func setSamplerState(study: Int, _ state: JSONValue) async throws
}

/// Studies in memory, for one process (Optuna's `InMemoryStorage`). Its methods run in the
/// caller's context under a lock, so a study's calls never hop threads.
public final class InMemoryStudyStorage: StudyStorage, Sendable {
    private struct State {
        var records: [StudyRecord] = []
        var trialLists: [Int: [FrozenTrial]] = [:]
        var samplerStates: [Int: JSONValue] = [:]
        var heartbeats: [Int: [Int: Date]] = [:]
        /// Waiting (enqueued) trials per study, so starting a trial scans for one only when any wait.
        var waiting: [Int: Int] = [:]

        func count(_ study: Int) throws -> Int {
            guard let list = trialLists[study] else { throw ToolboxError(.notFound, "no study with id \(study)") }
            return list.count
        }

        func index(_ study: Int, _ trial: Int) throws -> Int {
            guard let list = trialLists[study] else { throw ToolboxError(.notFound, "no study with id \(study)") }
            guard list.indices.contains(trial), list[trial].number == trial else {
                throw ToolboxError(.notFound, "the study has no trial \(trial)", context: ErrorContext(parameter: "trial"))
            }
            return trial
        }

        func requireRunning(_ study: Int, _ i: Int) throws {
            let trial = trialLists[study]![i]
            guard trial.state == .running else {
                throw ToolboxError(.conflict, "trial \(trial.number) is \(trial.state.rawValue), not RUNNING", context: ErrorContext(parameter: "trial"))
            }
        }
    }

    private let state = Mutex(State())

    /// An empty storage.
    public init() {}

    /// In memory: nothing outlives the process.
    public var isPersistent: Bool { false }

    /// Creates the study, or returns the existing one of that name with `loadIfExists`.
    public func createStudy(_ record: StudyRecord, loadIfExists: Bool) async throws -> StudyRecord {
        try state.withLock { state in
            if let existing = state.records.first(where: { $0.name == record.name }) {
                guard loadIfExists else {
                    throw ToolboxError(.conflict, "a study named \(record.name) exists already (load it, or pass --load-if-exists)", context: ErrorContext(parameter: "name"))
                }
                return existing
            }
            var created = record
            created.id = state.records.count + 1
            state.records.append(created)
            state.trialLists[created.id] = []
            return created
        }
    }

    /// The study named `name`.
    public func study(named name: String) async throws -> StudyRecord {
        try state.withLock { state in
            guard let record = state.records.first(where: { $0.name == name }) else {
                throw ToolboxError(.notFound, "no study named \(name)", context: ErrorContext(parameter: "name"))
            }
            return record
        }
    }

    /// Every study, by id.
    public func studies() async throws -> [StudyRecord] { state.withLock { $0.records } }

    /// Adds a waiting trial with fixed parameters.
    public func enqueueTrial(study: Int, parameters: [String: ParameterValue], userAttributes: [String: JSONValue]) async throws -> FrozenTrial {
        try state.withLock { state in
            let number = try state.count(study)
            var fixed: [String: JSONValue] = [:]
            for (name, value) in parameters { fixed[name] = value.json }
            let trial = FrozenTrial(number: number, state: .waiting, userAttributes: userAttributes, systemAttributes: ["fixed_params": .object(fixed)])
            state.trialLists[study]!.append(trial)
            state.waiting[study, default: 0] += 1
            return trial
        }
    }

    /// Starts the oldest waiting trial or a new one, unless the study holds `limit` trials.
    public func startTrial(study: Int, limit: Int?) async throws -> FrozenTrial? {
        try state.withLock { state in
            let count = try state.count(study)
            // In place: the list is never copied (a study of many trials starts each in O(1)).
            if state.waiting[study, default: 0] > 0, let waiting = state.trialLists[study]!.firstIndex(where: { $0.state == .waiting }) {
                state.waiting[study, default: 0] -= 1
                state.trialLists[study]![waiting].state = .running
                state.trialLists[study]![waiting].started = Date()
                state.heartbeats[study, default: [:]][waiting] = Date()
                return state.trialLists[study]![waiting]
            }
            if let limit, count >= limit { return nil }
            let trial = FrozenTrial(number: count, state: .running, started: Date())
            state.trialLists[study]!.append(trial)
            state.heartbeats[study, default: [:]][trial.number] = Date()
            return trial
        }
    }

    /// Records that the trial's worker is alive.
    public func heartbeat(study: Int, trial: Int) async throws {
        try state.withLock { state in
            _ = try state.index(study, trial)
            state.heartbeats[study, default: [:]][trial] = Date()
        }
    }

    /// Fails the running trials without a heartbeat for `gracePeriod` seconds.
    public func failStaleTrials(study: Int, gracePeriod: Double) async throws -> [FrozenTrial] {
        try state.withLock { state in
            _ = try state.count(study)
            var failed: [FrozenTrial] = []
            let now = Date()
            for (i, trial) in state.trialLists[study]!.enumerated() where trial.state == .running {
                let last = state.heartbeats[study]?[trial.number] ?? trial.started ?? now
                guard now.timeIntervalSince(last) > gracePeriod else { continue }
                state.trialLists[study]![i].state = .fail
                state.trialLists[study]![i].failure = "its worker stopped sending heartbeats for \(gracePeriod) seconds"
                state.trialLists[study]![i].completed = now
                failed.append(state.trialLists[study]![i])
            }
            return failed
        }
    }

    /// Records a parameter of a running trial.
    public func setParameter(study: Int, trial: Int, _ parameter: TrialParameter) async throws {
        try state.withLock { state in
            let i = try state.index(study, trial)
            try state.requireRunning(study, i)
            state.trialLists[study]![i].parameters.append(parameter)
        }
    }

    /// Records an intermediate value of a running trial.
    public func setIntermediateValue(study: Int, trial: Int, step: Int, value: Double) async throws {
        try state.withLock { state in
            let i = try state.index(study, trial)
            try state.requireRunning(study, i)
            state.trialLists[study]![i].intermediateValues[step] = value
        }
    }

    /// Sets a user attribute of a trial.
    public func setUserAttribute(study: Int, trial: Int, key: String, value: JSONValue) async throws {
        try state.withLock { state in
            let i = try state.index(study, trial)
            try StudyCoding.requireUnfinished(state.trialLists[study]![i].state, trial)
            state.trialLists[study]![i].userAttributes[key] = value
        }
    }

    /// Sets a system attribute of a trial.
    public func setSystemAttribute(study: Int, trial: Int, key: String, value: JSONValue) async throws {
        try state.withLock { state in
            let i = try state.index(study, trial)
            try StudyCoding.requireUnfinished(state.trialLists[study]![i].state, trial)
            state.trialLists[study]![i].systemAttributes[key] = value
        }
    }

    /// Finishes a running trial (a finished one is a `conflict`).
    public func finishTrial(study: Int, trial: Int, state newState: TrialState, values: [Double]?, failure: String?) async throws -> FrozenTrial {
        try state.withLock { state in
            let i = try state.index(study, trial)
            let current = state.trialLists[study]![i]
            guard !current.state.isFinished else {
                throw ToolboxError(.conflict, "trial \(trial) is already \(current.state.rawValue); it cannot be told twice", context: ErrorContext(parameter: "trial"))
            }
            state.trialLists[study]![i].state = newState
            state.trialLists[study]![i].values = values
            state.trialLists[study]![i].failure = failure
            state.trialLists[study]![i].completed = Date()
            return state.trialLists[study]![i]
        }
    }

    /// The study's trials, by number.
    public func trials(study: Int) async throws -> [FrozenTrial] {
        try state.withLock { state in
            _ = try state.count(study)
            return state.trialLists[study]!
        }
    }

    /// One trial of the study.
    public func trial(study: Int, number: Int) async throws -> FrozenTrial {
        try state.withLock { state in state.trialLists[study]![try state.index(study, number)] }
    }

    /// The saved sampler state, if any.
    public func samplerState(study: Int) async throws -> JSONValue? { state.withLock { $0.samplerStates[study] } }

    /// Saves the sampler state.
    public func setSamplerState(study: Int, _ samplerState: JSONValue) async throws { state.withLock { $0.samplerStates[study] = samplerState } }
}

/// A study storage that records a heartbeat synchronously, from any thread: a study beats
/// from a thread of its own then, which objectives busy on every concurrency-pool thread
/// cannot starve.
public protocol BlockingHeartbeat: StudyStorage {
    /// Records that the worker running trial `trial` is alive, blocking the calling thread.
    func heartbeatNow(study: Int, trial: Int) throws
}
