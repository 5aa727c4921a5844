import Foundation
public import ToolboxCore

/// Optuna's Tree-structured Parzen Estimator (`TPESampler`), with its defaults: 10 random
/// startup trials, 24 candidates drawn from the good trials' Parzen estimator and the one
/// maximizing the ratio of good to bad density kept, `gamma(n) = min(ceil(0.1 n), 25)` good
/// trials, recency weights past 25 observations, a prior kernel of weight 1, magic clipping,
/// the constant liar (running trials count as bad), and the multivariate estimator over the
/// parameters every finished trial shares (Optuna's default for one objective).
///
/// The same seed gives Optuna's parameters: both of Optuna's generators (the sampler's and its
/// random startup sampler's, each seeded with the seed) are NumPy's `RandomState`, and the
/// truncated normals are computed as Optuna computes them.
public struct TPESampler: Sampler {
    /// `tpe`.
    public var name: String { "tpe" }
    /// Trials sampled at random before the estimator is used (`n_startup_trials`).
    public var startupTrials: Int
    /// Candidates drawn per parameter set (`n_ei_candidates`).
    public var candidates: Int
    /// Whether parameters are sampled jointly; `nil` for Optuna's default (jointly for one
    /// objective, independently for several).
    public var multivariate: Bool?
    /// Whether running trials count among the bad ones (`constant_liar`).
    public var constantLiar: Bool
    var parameters = ParzenEstimatorParameters()
    var rng: NumPyRandomState
    var random: RandomSampler

    /// The key under which a running trial's jointly sampled parameters are kept.
    static let relativeParametersKey = "tpe:relative_params"

    /// A sampler with Optuna's defaults, seeded with `seed` (0...2³²−1) or from the system's
    /// entropy.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` for a seed above 2³²−1 or fewer than
    ///   one candidate.
    public init(seed: UInt64? = nil, startupTrials: Int = 10, candidates: Int = 24, multivariate: Bool? = nil, constantLiar: Bool = true) throws {
        guard candidates >= 1 else {
            throw ToolboxError(.invalidParameter, "n_ei_candidates must be at least 1, got \(candidates)", context: ErrorContext(parameter: "n_ei_candidates"))
        }
        guard startupTrials >= 0 else {
            throw ToolboxError(.invalidParameter, "n_startup_trials must not be negative, got \(startupTrials)", context: ErrorContext(parameter: "n_startup_trials"))
        }
        let chosen = seed ?? UInt64(UInt32.random(in: 0...UInt32.max))
        rng = NumPyRandomState(seed: try NumPyRandomState.validatedSeed(chosen, parameter: "seed"))
        random = try RandomSampler(seed: chosen)
        self.startupTrials = startupTrials
        self.candidates = candidates
        self.multivariate = multivariate
        self.constantLiar = constantLiar
    }

    /// Optuna's `default_gamma`: `min(ceil(0.1 n), 25)` good trials of `n`.
    public static func defaultGamma(_ n: Int) -> Int { Swift.min(Int((0.1 * Double(n)).rounded(.up)), 25) }

    /// Optuna's `default_gamma_multiobjective`: `ceil(0.1 n)`.
    public static func defaultGammaMultiObjective(_ n: Int) -> Int { Int((0.1 * Double(n)).rounded(.up)) }

    /// Optuna's `default_weights`: 1 for each of fewer than 25 observations; past that, the
    /// older ones ramp linearly from `1/n` and the latest 25 weigh 1.
    @Sendable public static func defaultWeights(_ n: Int) -> [Double] {
        if n == 0 { return [] }
        if n < 25 { return [Double](repeating: 1, count: n) }
        let count = n - 25
        let start = 1.0 / Double(n), stop = 1.0
        var ramp: [Double]
        if count > 1 {
            let step = (stop - start) / Double(count - 1)
            ramp = (0..<count).map { Double($0) * step + start }
            ramp[count - 1] = stop
        } else {
            ramp = (0..<count).map { Double($0) * (stop - start) + start }
        }
        return ramp + [Double](repeating: 1, count: 25)
    }

    func isMultivariate(_ study: StudySnapshot) -> Bool { multivariate ?? !study.isMultiObjective }

    /// The parameters every complete or pruned trial holds with the same distribution, by
    /// name, single-valued ones left out (Optuna's `IntersectionSearchSpace`).
    public mutating func inferRelativeSearchSpace(_ study: StudySnapshot, trial: FrozenTrial) -> [(name: String, distribution: Distribution)] {
        guard isMultivariate(study) else { return [] }
        var space: [String: Distribution]?
        for other in study.trials where other.state == .complete || other.state == .pruned {
            let distributions = other.distributions
            if let current = space {
                space = current.filter { distributions[$0.key] == $0.value }
            } else {
                space = distributions
            }
        }
        return (space ?? [:]).filter { !$0.value.isSingle }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The joint sample once the startup trials are done.
    public mutating func sampleRelative(_ study: StudySnapshot, trial: FrozenTrial, space: [(name: String, distribution: Distribution)]) throws -> [String: ParameterValue] {
        guard !space.isEmpty else { return [:] }
        guard study.trials(in: [.complete, .pruned]).count >= startupTrials else { return [:] }
        return try sample(study, trial: trial, space: space)
    }

    /// Random during the startup trials, then the estimator on this parameter alone.
    public mutating func sampleIndependent(_ study: StudySnapshot, trial: FrozenTrial, name: String, distribution: Distribution) throws -> ParameterValue {
        guard study.trials(in: [.complete, .pruned]).count >= startupTrials else {
            return try random.sampleIndependent(study, trial: trial, name: name, distribution: distribution)
        }
        guard let value = try sample(study, trial: trial, space: [(name, distribution)])[name] else {
            throw ToolboxError(.invalidParameter, "no value sampled for \(name)", context: ErrorContext(parameter: name))
        }
        return value
    }

    /// Both generators' states.
    public var state: JSONValue { .object(["rng": rng.json, "random": random.state]) }

    /// Restores both generators.
    public mutating func restore(_ state: JSONValue) throws {
        guard case .object(let members) = state, let own = members["rng"], let randomState = members["random"] else {
            throw ToolboxError(.invalidParameter, "not a TPE sampler state")
        }
        rng = try NumPyRandomState(json: own)
        try random.restore(randomState)
    }

    // MARK: Sampling

    /// A trial's parameters as TPE reads them: a running trial's jointly sampled ones too (so
    /// the constant liar sees what running trials will try).
    func parameters(of trial: FrozenTrial, _ study: StudySnapshot) -> [String: ParameterValue] {
        var params = trial.params
        guard !trial.state.isFinished, isMultivariate(study), case .object(let relative)? = trial.systemAttributes[Self.relativeParametersKey] else { return params }
        for (name, value) in relative where params[name] == nil {
            if let decoded = try? ParameterValue(json: value, integers: true) { params[name] = decoded }
        }
        return params
    }

    mutating func sample(_ study: StudySnapshot, trial: FrozenTrial, space: [(name: String, distribution: Distribution)]) throws -> [String: ParameterValue] {
        guard !study.isMultiObjective else {
            throw ToolboxError(.unsupported, "TPE for several objectives is not available yet; use nsga2 or random")
        }
        let states: Set<TrialState> = constantLiar ? [.complete, .pruned, .running] : [.complete, .pruned]
        let trials = study.trials(in: states).filter { $0.number != trial.number }
        let n = trials.filter { $0.state != .running }.count
        let (below, above) = split(trials, study, below: Self.defaultGamma(n))
        let good = estimator(below, space, study)
        let bad = estimator(above, space, study)
        let samples = good.sample(&rng, size: candidates)
        let scoreGood = good.logPdf(samples), scoreBad = bad.logPdf(samples)
        var best = 0, bestValue = scoreGood[0] - scoreBad[0]
        for i in 1..<candidates {
            let value = scoreGood[i] - scoreBad[i]
            if bestValue.isNaN { break }
            if value > bestValue || value.isNaN { best = i; bestValue = value }
        }
        var out: [String: ParameterValue] = [:]
        for (j, parameter) in space.enumerated() { out[parameter.name] = parameter.distribution.externalValue(samples[j][best]) }
        return out
    }

    func estimator(_ trials: [FrozenTrial], _ space: [(name: String, distribution: Distribution)], _ study: StudySnapshot) -> ParzenEstimator {
        var observations = [[Double]](repeating: [], count: space.count)
        for trial in trials {
            let params = parameters(of: trial, study)
            guard space.allSatisfy({ params[$0.name] != nil }) else { continue }
            var row: [Double] = []
            for parameter in space {
                guard let value = params[parameter.name], let encoded = try? parameter.distribution.internalValue(value, name: parameter.name) else { break }
                row.append(encoded)
            }
            guard row.count == space.count else { continue }
            for j in row.indices { observations[j].append(row[j]) }
        }
        return ParzenEstimator(observations: observations, space: space, parameters: parameters)
    }

    /// Optuna's `_split_trials` for one objective: the best complete trials, then the best
    /// pruned ones (latest step, then value), good; the rest and every running trial bad; both
    /// in number order.
    func split(_ trials: [FrozenTrial], _ study: StudySnapshot, below count: Int) -> (below: [FrozenTrial], above: [FrozenTrial]) {
        let complete = trials.filter { $0.state == .complete }
        let pruned = trials.filter { $0.state == .pruned }
        let running = trials.filter { $0.state == .running }
        let maximize = study.directions.first == .maximize
        // A stable sort, as Python's `sorted` (with `reverse=True` for maximizing).
        let sortedComplete = complete.enumerated().sorted { x, y in
            let a = x.element.value ?? .nan, b = y.element.value ?? .nan
            if maximize { return a > b || (!(a < b) && !(a > b) && x.offset < y.offset) }
            return a < b || (!(a < b) && !(a > b) && x.offset < y.offset)
        }.map(\.element)
        let takeComplete = Swift.min(count, sortedComplete.count)
        var below = Array(sortedComplete.prefix(takeComplete)), above = Array(sortedComplete.dropFirst(takeComplete))
        let remaining = Swift.max(0, count - takeComplete)
        func score(_ trial: FrozenTrial) -> (Double, Double) {
            guard let (step, value) = trial.lastIntermediate else { return (1, 0) }
            if value.isNaN { return (-Double(step), .infinity) }
            return (-Double(step), maximize ? -value : value)
        }
        let sortedPruned = pruned.enumerated().sorted { x, y in
            let a = score(x.element), b = score(y.element)
            return a < b || (a == b && x.offset < y.offset)
        }.map(\.element)
        let takePruned = Swift.min(remaining, sortedPruned.count)
        below += sortedPruned.prefix(takePruned)
        above += sortedPruned.dropFirst(takePruned)
        above += running
        return (below.sorted { $0.number < $1.number }, above.sorted { $0.number < $1.number })
    }
}
