public import Foundation
public import ToolboxCore

/// Where a trial is in its life, as Optuna names the states.
public enum TrialState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Being evaluated.
    case running = "RUNNING"
    /// Finished with objective values.
    case complete = "COMPLETE"
    /// Stopped early by a pruner.
    case pruned = "PRUNED"
    /// Failed: the objective threw, returned NaN, or its worker died.
    case fail = "FAIL"
    /// Enqueued with fixed parameters, not yet taken by a worker.
    case waiting = "WAITING"

    /// Whether the trial has ended (complete, pruned or failed).
    public var isFinished: Bool { self == .complete || self == .pruned || self == .fail }
}

/// Whether a study minimizes or maximizes an objective.
public enum StudyDirection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Smaller values are better.
    case minimize
    /// Larger values are better.
    case maximize

    /// Reads `minimize`/`maximize` (any case; Optuna's `MINIMIZE` too).
    /// - Throws: `ToolboxError/Code/invalidParameter` for anything else.
    public init(parsing text: String) throws {
        guard let direction = StudyDirection(rawValue: text.lowercased()) else {
            throw ToolboxError(.invalidParameter, "a direction is minimize or maximize, got \(text)", context: ErrorContext(parameter: "direction"))
        }
        self = direction
    }
}

/// One parameter a trial holds: its value and the distribution it was drawn from.
public struct TrialParameter: Sendable, Hashable, Codable {
    /// The parameter's name.
    public var name: String
    /// Its value.
    public var value: ParameterValue
    /// The distribution it was drawn from.
    public var distribution: Distribution

    /// A parameter with its value and distribution.
    public init(name: String, value: ParameterValue, distribution: Distribution) {
        self.name = name
        self.value = value
        self.distribution = distribution
    }
}

/// A trial as stored: its number, state, parameters (in the order they were suggested),
/// objective values, intermediate values, attributes and times (Optuna's `FrozenTrial`).
public struct FrozenTrial: Sendable, Hashable, Codable {
    /// The trial's number in its study: 0, 1, 2, ... with no gaps or repeats.
    public var number: Int
    /// Its state.
    public var state: TrialState
    /// Its parameters, in suggestion order.
    public var parameters: [TrialParameter]
    /// The objective values of a complete trial, one per direction.
    public var values: [Double]?
    /// Intermediate values reported per step.
    public var intermediateValues: [Int: Double]
    /// Attributes the user set.
    public var userAttributes: [String: JSONValue]
    /// Attributes samplers and workers set (TPE's relative parameters of a running trial, the
    /// worker's heartbeat, a retried trial's origin).
    public var systemAttributes: [String: JSONValue]
    /// When the trial started running.
    public var started: Date?
    /// When it finished.
    public var completed: Date?
    /// Why a failed trial failed.
    public var failure: String?

    /// A trial with the given number and state and nothing else yet.
    public init(number: Int, state: TrialState, parameters: [TrialParameter] = [], values: [Double]? = nil,
                intermediateValues: [Int: Double] = [:], userAttributes: [String: JSONValue] = [:], systemAttributes: [String: JSONValue] = [:],
                started: Date? = nil, completed: Date? = nil, failure: String? = nil) {
        self.number = number
        self.state = state
        self.parameters = parameters
        self.values = values
        self.intermediateValues = intermediateValues
        self.userAttributes = userAttributes
        self.systemAttributes = systemAttributes
        self.started = started
        self.completed = completed
        self.failure = failure
    }

    /// The parameters by name.
    public var params: [String: ParameterValue] {
        Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The distributions by name.
    public var distributions: [String: Distribution] {
        Dictionary(parameters.map { ($0.name, $0.distribution) }, uniquingKeysWith: { first, _ in first })
    }

    /// The single objective value of a complete single-objective trial.
    public var value: Double? { values?.count == 1 ? values?[0] : nil }

    /// Seconds from start to finish, when both are known.
    public var duration: Double? {
        guard let started, let completed else { return nil }
        return completed.timeIntervalSince(started)
    }

    /// The last reported step and its value.
    public var lastIntermediate: (step: Int, value: Double)? {
        intermediateValues.max { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
