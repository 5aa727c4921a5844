import Foundation
public import ToolboxCore

/// What a sampler sees of a study: its directions and every trial so far, the one being
/// sampled included.
public struct StudySnapshot: Sendable {
    /// The study's directions, one per objective.
    public var directions: [StudyDirection]
    /// The trials, by number.
    public var trials: [FrozenTrial]

    /// A snapshot of a study's directions and trials.
    public init(directions: [StudyDirection], trials: [FrozenTrial]) {
        self.directions = directions
        self.trials = trials
    }

    /// Whether the study has several objectives.
    public var isMultiObjective: Bool { directions.count > 1 }

    /// How many trials are in the given states.
    public func count(in states: Set<TrialState>) -> Int {
        var count = 0
        for trial in trials where states.contains(trial.state) { count += 1 }
        return count
    }

    /// The trials in the given states, in number order.
    public func trials(in states: Set<TrialState>) -> [FrozenTrial] {
        trials.filter { states.contains($0.state) }
    }
}

/// A search strategy, as Optuna's `BaseSampler`: parameters drawn jointly for a relative
/// search space (the parameters every finished trial shares), the others one at a time.
///
/// A sampler is a value the study owns and mutates (its random state); ``state`` saves it with
/// the study, so a study resumed in another process draws what one process would have.
public protocol Sampler: Sendable {
    /// The sampler's name as the CLI and the study record give it (`tpe`, `random`, ...).
    var name: String { get }
    /// The parameters to sample jointly for `trial`, in order.
    mutating func inferRelativeSearchSpace(_ study: StudySnapshot, trial: FrozenTrial) -> [(name: String, distribution: Distribution)]
    /// Joint values for the relative search space; empty to leave every parameter to
    /// ``sampleIndependent(_:trial:name:distribution:)``.
    mutating func sampleRelative(_ study: StudySnapshot, trial: FrozenTrial, space: [(name: String, distribution: Distribution)]) throws -> [String: ParameterValue]
    /// A value for one parameter outside the relative search space.
    mutating func sampleIndependent(_ study: StudySnapshot, trial: FrozenTrial, name: String, distribution: Distribution) throws -> ParameterValue
    /// Readies the sampler for a declarative space (a grid sampler takes its grid from it).
    mutating func prepare(for space: SearchSpace) throws
    /// Whether the sampler has nothing left to try (a grid fully run): ``Study/optimize(trials:timeout:jobs:catchErrors:_:)`` stops.
    func isExhausted(_ study: StudySnapshot) -> Bool
    /// Attributes to record on the trial just sampled (a genetic sampler's generation), taken
    /// once.
    mutating func takeTrialAttributes() -> [String: JSONValue]
    /// The sampler's state (its random generators), to save with the study.
    var state: JSONValue { get }
    /// Restores a state ``state`` gave.
    mutating func restore(_ state: JSONValue) throws
}

extension Sampler {
    /// No relative search space.
    public mutating func inferRelativeSearchSpace(_ study: StudySnapshot, trial: FrozenTrial) -> [(name: String, distribution: Distribution)] { [] }
    /// No attributes.
    public mutating func takeTrialAttributes() -> [String: JSONValue] { [:] }
    /// Nothing to ready.
    public mutating func prepare(for space: SearchSpace) throws {}
    /// Never exhausted.
    public func isExhausted(_ study: StudySnapshot) -> Bool { false }
    /// Nothing sampled jointly.
    public mutating func sampleRelative(_ study: StudySnapshot, trial: FrozenTrial, space: [(name: String, distribution: Distribution)]) throws -> [String: ParameterValue] { [:] }
}

/// Optuna's `_SearchSpaceTransform` for one parameter, as its random sampler uses it: the bounds
/// of the transformed value (logarithm for log ranges, half a step beyond each end for stepped
/// ones, one unit column per categorical choice) and the way back.
enum SearchSpaceTransform {
    /// The transformed bounds, one pair per encoded column.
    static func bounds(_ distribution: Distribution) -> [(low: Double, high: Double)] {
        switch distribution {
        case .categorical(let d):
            return [(low: Double, high: Double)](repeating: (0, 1), count: d.choices.count)
        case .float(let d):
            if let step = d.step {
                let half = 0.5 * step
                return [(d.low - half, d.high + half)]
            }
            return d.log ? [(Foundation.log(d.low), Foundation.log(d.high))] : [(d.low, d.high)]
        case .int(let d):
            let half = 0.5 * Double(d.step)
            if d.log { return [(Foundation.log(Double(d.low) - half), Foundation.log(Double(d.high) + half))] }
            return [(Double(d.low) - half, Double(d.high) + half)]
        }
    }

    /// `np.nextafter(high, high - 1)`: the double below `high`, or `high` itself where
    /// `high - 1` rounds back to it.
    static func belowHigh(_ high: Double) -> Double {
        high - 1 < high ? high.nextDown : high
    }

    /// The parameter value for transformed values (one per encoded column).
    static func untransform(_ values: [Double], _ distribution: Distribution) -> ParameterValue {
        switch distribution {
        case .categorical(let d):
            var best = 0
            for i in values.indices where values[i] > values[best] { best = i }
            return d.choices[best]
        case .float(let d):
            let t = values[0]
            if d.log {
                let x = Foundation.exp(t)
                return .float(d.isSingle ? x : Swift.min(Swift.max(x, d.low), belowHigh(d.high)))
            }
            if let step = d.step {
                return .float(Swift.min(Swift.max(numpyRound((t - d.low) / step) * step + d.low, d.low), d.high))
            }
            return .float(d.isSingle ? t : Swift.min(t, belowHigh(d.high)))
        case .int(let d):
            let t = values[0]
            if d.log {
                // Python's round: half to even.
                let x = Int(Foundation.exp(t).rounded(.toNearestOrEven))
                return .int(Swift.min(Swift.max(x, d.low), d.high))
            }
            let index = Int(((t - Double(d.low)) / Double(d.step) + 0.5).rounded(.down))
            return .int(Swift.min(Swift.max(index * d.step + d.low, d.low), d.high))
        }
    }
}

/// Optuna's `RandomSampler`: every parameter drawn independently and uniformly in its
/// transformed range by NumPy's `RandomState`, the same draws for the same seed.
public struct RandomSampler: Sampler {
    /// `random`.
    public var name: String { "random" }
    var rng: NumPyRandomState

    /// A sampler seeded with `seed` (0...2³²−1, as NumPy's `RandomState` takes), or from the
    /// system's entropy.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a seed above 2³²−1.
    public init(seed: UInt64? = nil) throws {
        rng = NumPyRandomState(seed: try NumPyRandomState.validatedSeed(seed ?? UInt64(UInt32.random(in: 0...UInt32.max)), parameter: "seed"))
    }

    /// Draws `distribution` uniformly in its transformed range.
    public mutating func sampleIndependent(_ study: StudySnapshot, trial: FrozenTrial, name: String, distribution: Distribution) throws -> ParameterValue {
        Self.draw(distribution, &rng)
    }

    /// `rng.uniform(bounds[:, 0], bounds[:, 1])` and back.
    static func draw(_ distribution: Distribution, _ rng: inout NumPyRandomState) -> ParameterValue {
        let bounds = SearchSpaceTransform.bounds(distribution)
        let values = bounds.map { bound in bound.low + (bound.high - bound.low) * rng.randomSample() }
        return SearchSpaceTransform.untransform(values, distribution)
    }

    /// The generator's state.
    public var state: JSONValue { rng.json }

    /// Restores the generator's state.
    public mutating func restore(_ state: JSONValue) throws { rng = try NumPyRandomState(json: state) }
}
