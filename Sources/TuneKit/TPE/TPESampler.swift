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
    var intersectionCache = IntersectionCache(includePruned: true)
    /// Per numerical parameter: the transformed observations seen so far, sorted, with their
    /// trial numbers, so an estimator's argsort is a filter of it rather than a sort.
    var sortedObservations = SortedObservations()

    /// The key under which a running trial's jointly sampled parameters are kept.
    static let relativeParametersKey = "tpe:relative_params"

    /// A sampler with Optuna's defaults, seeded with `seed` (0...2³²−1) or from the system's
    /// entropy.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a seed above 2³²−1 or fewer than
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
        return intersectionCache.calculate(study.trials)
    }

    /// The parameters every trial in `states` holds with the same distribution, single-valued
    /// ones left out, by name (Optuna's `IntersectionSearchSpace`).
    static func intersection(_ trials: [FrozenTrial], states: Set<TrialState>) -> [(name: String, distribution: Distribution)] {
        var space: [TrialParameter]?
        for other in trials where states.contains(other.state) {
            if let current = space {
                space = current.filter { kept in other.parameters.contains { $0.name == kept.name && $0.distribution == kept.distribution } }
                if space!.isEmpty { break }
            } else {
                space = other.parameters
            }
        }
        var seen = Set<String>()
        return (space ?? []).filter { !$0.distribution.isSingle && seen.insert($0.name).inserted }
            .sorted { $0.name < $1.name }.map { ($0.name, $0.distribution) }
    }

    /// The joint sample once the startup trials are done.
    public mutating func sampleRelative(_ study: StudySnapshot, trial: FrozenTrial, space: [(name: String, distribution: Distribution)]) throws -> [String: ParameterValue] {
        guard !space.isEmpty else { return [:] }
        guard study.count(in: [.complete, .pruned]) >= startupTrials else { return [:] }
        return try sample(study, trial: trial, space: space)
    }

    /// Random during the startup trials, then the estimator on this parameter alone.
    public mutating func sampleIndependent(_ study: StudySnapshot, trial: FrozenTrial, name: String, distribution: Distribution) throws -> ParameterValue {
        guard study.count(in: [.complete, .pruned]) >= startupTrials else {
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
        let states: Set<TrialState> = constantLiar ? [.complete, .pruned, .running] : [.complete, .pruned]
        let trials = study.trials.indices.filter { states.contains(study.trials[$0].state) && study.trials[$0].number != trial.number }
        let n = trials.filter { study.trials[$0].state != .running }.count
        let gamma = study.isMultiObjective ? Self.defaultGammaMultiObjective(n) : Self.defaultGamma(n)
        let (below, above) = study.isMultiObjective ? splitMultiObjective(trials, study, below: gamma) : split(trials, study, below: gamma)
        // Several objectives: the good trials weigh alike (Optuna's MOTPE in 5.x).
        let good = estimator(below, space, study, uniformWeights: study.isMultiObjective)
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

    /// The Parzen estimator of the trials at `indices` (those holding every parameter of `space`).
    mutating func estimator(_ indices: [Int], _ space: [(name: String, distribution: Distribution)], _ study: StudySnapshot, uniformWeights: Bool = false) -> ParzenEstimator {
        var observations = [[Double]](repeating: [], count: space.count)
        var numbers: [Int] = []
        for j in observations.indices { observations[j].reserveCapacity(indices.count) }
        var row = [Double](repeating: 0, count: space.count)
        let multivariate = isMultivariate(study)
        // A finished trial's internal values are read once and kept (its parameters do not
        // change); a study that shrank is another study: the kept values go.
        if study.trials.count < sortedObservations.trialCount { sortedObservations = SortedObservations() }
        sortedObservations.trialCount = study.trials.count
        var kept = space.map { sortedObservations.finished.removeValue(forKey: SortedObservations.Key(name: $0.name, distribution: $0.distribution)) ?? .init() }
        defer {
            for (j, parameter) in space.enumerated() {
                sortedObservations.finished[SortedObservations.Key(name: parameter.name, distribution: parameter.distribution)] = kept[j]
            }
        }
        for index in indices {
            var complete = true
            let number = study.trials[index].number, finished = study.trials[index].state.isFinished
            if finished {
                var known = true
                for j in kept.indices where !kept[j].contains(number) { known = false; break }
                if known {
                    for j in kept.indices { row[j] = kept[j].values[number] }
                    for j in row.indices { observations[j].append(row[j]) }
                    numbers.append(number)
                    continue
                }
            }
            // Fields read in place: copying each trial would retain every one of its members.
            if !finished, multivariate, study.trials[index].systemAttributes[Self.relativeParametersKey] != nil {
                let params = parameters(of: study.trials[index], study)
                for (j, parameter) in space.enumerated() {
                    guard let value = params[parameter.name], let encoded = try? parameter.distribution.internalValue(value, name: parameter.name) else {
                        complete = false
                        break
                    }
                    row[j] = encoded
                }
            } else {
                for (j, parameter) in space.enumerated() {
                    guard let held = study.trials[index].parameters.first(where: { $0.name == parameter.name }),
                          let encoded = try? parameter.distribution.internalValue(held.value, name: parameter.name) else {
                        complete = false
                        break
                    }
                    row[j] = encoded
                }
            }
            guard complete else { continue }
            if finished { for j in kept.indices { kept[j].set(number, row[j]) } }
            for j in row.indices { observations[j].append(row[j]) }
            numbers.append(number)
        }
        let count = observations.first?.count ?? 0
        let orders: [[Int]?] = space.indices.map { j in
            sortedObservations.order(of: observations[j], numbers: numbers, key: space[j].name, distribution: space[j].distribution)
        }
        return ParzenEstimator(observations: observations, space: space, parameters: parameters,
                               predeterminedWeights: uniformWeights ? [Double](repeating: 1, count: count) : nil, orders: orders)
    }

    /// Optuna's split of complete trials for several objectives: whole non-domination ranks
    /// while they fit in `count`, the next rank cut by greedy hypervolume subset selection;
    /// running trials bad. Both in number order.
    func splitMultiObjective(_ trials: [Int], _ study: StudySnapshot, below count: Int) -> (below: [Int], above: [Int]) {
        let all = study.trials
        let complete = trials.filter { all[$0].state == .complete }
        let others = trials.filter { all[$0].state != .complete }
        let take = Swift.min(count, complete.count)
        guard take > 0 else { return ([], (complete + others).sorted()) }
        guard take < complete.count else { return (complete.sorted(), others.sorted()) }
        let signs = study.directions.map { $0 == .maximize ? -1.0 : 1.0 }
        let losses = complete.map { i in zip(all[i].values ?? [], signs).map { $0 * $1 } }
        let ranks = Self.nondominationRanks(losses)
        var counts: [Int: Int] = [:]
        for rank in ranks { counts[rank, default: 0] += 1 }
        var lastRank = -1, cumulative = 0
        for rank in counts.keys.sorted() {
            cumulative += counts[rank]!
            if cumulative <= take { lastRank = rank } else { break }
        }
        var chosen = Set(complete.indices.filter { ranks[$0] <= lastRank })
        if chosen.count < take {
            let tied = complete.indices.filter { ranks[$0] == lastRank + 1 }
            let selected = Self.hypervolumeSubset(tied.map { losses[$0] }, indices: tied, size: take - chosen.count)
            chosen.formUnion(selected)
        }
        let below = complete.indices.filter { chosen.contains($0) }.map { complete[$0] }
        let above = complete.indices.filter { !chosen.contains($0) }.map { complete[$0] } + others
        return (below.sorted(), above.sorted())
    }

    /// Non-domination ranks (0 for the Pareto front) of loss vectors; equal vectors share a rank.
    static func nondominationRanks(_ losses: [[Double]]) -> [Int] {
        var ranks = [Int](repeating: -1, count: losses.count)
        var remaining = Array(losses.indices), rank = 0
        while !remaining.isEmpty {
            let front = remaining.filter { i in !remaining.contains { j in NSGAIISampler.dominates(losses[j], losses[i]) } }
            for i in front { ranks[i] = rank }
            remaining.removeAll { ranks[$0] == rank }
            rank += 1
        }
        return ranks
    }

    /// Optuna's `_solve_hssp`: `size` of the vectors by greedy hypervolume contribution, over
    /// the unique vectors in lexicographic order (duplicates fill in when too few are unique).
    static func hypervolumeSubset(_ losses: [[Double]], indices: [Int], size: Int) -> [Int] {
        guard size < indices.count else { return indices }
        // np.unique(axis=0, return_index): lexicographic order, each vector's first position.
        var firstOf: [[Double]: Int] = [:]
        for (k, loss) in losses.enumerated() where firstOf[loss] == nil { firstOf[loss] = k }
        let unique = firstOf.keys.sorted { $0.lexicographicallyPrecedes($1) }
        let uniqueIndices = unique.map { firstOf[$0]! }
        if unique.count < size {
            var chosen = Set(uniqueIndices)
            for k in losses.indices where !chosen.contains(k) && chosen.count < size { chosen.insert(k) }
            return losses.indices.filter { chosen.contains($0) }.map { indices[$0] }
        }
        let worst = (0..<losses[0].count).map { j in losses.map { $0[j] }.max()! }
        let reference = worst.map { w -> Double in let r = Swift.max(1.1 * w, 0.9 * w); return r == 0 ? 1e-12 : r }
        guard reference.allSatisfy(\.isFinite) else { return uniqueIndices.prefix(size).map { indices[$0] } }
        guard unique.count > size else { return uniqueIndices.map { indices[$0] } }
        if reference.count == 2 {
            // The 2-D greedy on lexicographically sorted points, contributions from rectangles.
            var order = Array(unique.indices), points = unique
            var diagonals = [[Double]](repeating: reference, count: unique.count)
            var selected: [Int] = []
            for _ in 0..<size {
                // np.argmax: the first maximum.
                let contributions = points.indices.map { k in (diagonals[k][0] - points[k][0]) * (diagonals[k][1] - points[k][1]) }
                var best = 0
                for k in contributions.indices.dropFirst() where contributions[k] > contributions[best] { best = k }
                selected.append(uniqueIndices[order[best]])
                let chosen = points[best]
                order.remove(at: best); points.remove(at: best); diagonals.remove(at: best)
                for k in 0..<best { diagonals[k][0] = Swift.min(chosen[0], diagonals[k][0]) }
                for k in best..<points.count { diagonals[k][1] = Swift.min(chosen[1], diagonals[k][1]) }
            }
            return selected.map { indices[$0] }
        }
        // More objectives: the plain greedy on exact hypervolume contributions.
        var remaining = Array(unique.indices), selectedVectors: [[Double]] = [], selected: [Int] = []
        var current = 0.0
        for _ in 0..<size {
            var best = 0, bestValue = -Double.infinity
            for (position, k) in remaining.enumerated() {
                let contribution = hypervolume(selectedVectors + [unique[k]], reference) - current
                if contribution > bestValue { best = position; bestValue = contribution }
            }
            let k = remaining.remove(at: best)
            selectedVectors.append(unique[k])
            current = hypervolume(selectedVectors, reference)
            selected.append(uniqueIndices[k])
        }
        return selected.map { indices[$0] }
    }

    /// The hypervolume dominated by `points` up to `reference` (minimization), by slicing along
    /// the last objective.
    static func hypervolume(_ points: [[Double]], _ reference: [Double]) -> Double {
        let inside = points.filter { p in zip(p, reference).allSatisfy { $0 < $1 } }
        guard !inside.isEmpty else { return 0 }
        let d = reference.count
        if d == 1 { return reference[0] - inside.map { $0[0] }.min()! }
        let sorted = inside.sorted { $0[d - 1] < $1[d - 1] }
        var volume = 0.0
        for (k, point) in sorted.enumerated() {
            let top = k + 1 < sorted.count ? sorted[k + 1][d - 1] : reference[d - 1]
            let height = top - point[d - 1]
            guard height > 0 else { continue }
            let slice = sorted[0...k].map { Array($0[0..<(d - 1)]) }
            volume += height * hypervolume(slice, Array(reference[0..<(d - 1)]))
        }
        return volume
    }

    /// The positions of the `count` smallest of `values` (no NaN), ascending, ties by position:
    /// the start of the stable argsort.
    static func smallest(_ count: Int, of values: [Double]) -> [Int] {
        guard count > 0 else { return [] }
        var kept: [(value: Double, position: Int)] = []
        kept.reserveCapacity(count + 1)
        for (position, value) in values.enumerated() {
            // Later positions lose ties: a value equal to the last kept one is not taken.
            if kept.count == count, !(value < kept[count - 1].value) { continue }
            var lo = 0, hi = kept.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if kept[mid].value <= value { lo = mid + 1 } else { hi = mid }
            }
            kept.insert((value, position), at: lo)
            if kept.count > count { kept.removeLast() }
        }
        return kept.map(\.position)
    }

    /// Optuna's `_split_trials` for one objective: the best complete trials, then the best
    /// pruned ones (latest step, then value), good; the rest and every running trial bad; both
    /// in number order.
    func split(_ trials: [Int], _ study: StudySnapshot, below count: Int) -> (below: [Int], above: [Int]) {
        let all = study.trials
        let complete = trials.filter { all[$0].state == .complete }
        let pruned = trials.filter { all[$0].state == .pruned }
        let maximize = study.directions.first == .maximize
        // A stable sort, as Python's `sorted` (with `reverse=True` for maximizing): indices
        // ascend with trial numbers, so ties keep index order.
        let values = complete.map { all[$0].value ?? .nan }
        let order: [Int]
        if values.allSatisfy({ !$0.isNaN }) {
            // Only the first `count` of the stable order matter: the smallest (value, position)
            // pairs, kept sorted in a buffer of `count`; maximizing takes the negated values.
            order = Self.smallest(count, of: maximize ? values.map { -$0 } : values)
        } else {
            order = complete.indices.sorted { x, y in
                let a = values[x], b = values[y]
                if maximize { return a > b || (!(a < b) && !(a > b) && x < y) }
                return a < b || (!(a < b) && !(a > b) && x < y)
            }
        }
        let takeComplete = Swift.min(count, complete.count)
        var below = order.prefix(takeComplete).map { complete[$0] }
        let remaining = Swift.max(0, count - takeComplete)
        func score(_ trial: FrozenTrial) -> (Double, Double) {
            guard let (step, value) = trial.lastIntermediate else { return (1, 0) }
            if value.isNaN { return (-Double(step), .infinity) }
            return (-Double(step), maximize ? -value : value)
        }
        let scores = pruned.map { score(all[$0]) }
        let prunedOrder = pruned.indices.sorted { x, y in scores[x] < scores[y] || (scores[x] == scores[y] && x < y) }
        let takePruned = Swift.min(remaining, pruned.count)
        below += prunedOrder.prefix(takePruned).map { pruned[$0] }
        // Number order (the snapshot is in number order, so index order; `trials` ascends and
        // holds exactly the complete, pruned and running ones): the rest are bad.
        var isBelow = [Bool](repeating: false, count: all.count)
        for index in below { isBelow[index] = true }
        return (trials.filter { isBelow[$0] }, trials.filter { !isBelow[$0] })
    }
}

/// Optuna's `IntersectionSearchSpace` with its cache: finished trials already intersected are
/// not looked at again (trials still running when last seen are).
struct IntersectionCache: Sendable {
    let includePruned: Bool
    var space: [TrialParameter]?
    var cachedTrialNumber = -1
    var seenCount = 0

    init(includePruned: Bool) { self.includePruned = includePruned }

    mutating func calculate(_ trials: [FrozenTrial]) -> [(name: String, distribution: Distribution)] {
        if trials.count < seenCount { space = nil; cachedTrialNumber = -1 }
        seenCount = trials.count
        var next = -1
        for trial in trials.reversed() {
            let interesting = trial.state == .complete || trial.state == .waiting || trial.state == .running || (includePruned && trial.state == .pruned)
            guard interesting else { continue }
            if next == -1 { next = trial.number + 1 }
            if cachedTrialNumber > trial.number { break }
            if !trial.state.isFinished {
                next = trial.number
                continue
            }
            if let current = space {
                space = current.filter { kept in trial.parameters.contains { $0.name == kept.name && $0.distribution == kept.distribution } }
            } else {
                space = trial.parameters
            }
        }
        cachedTrialNumber = next
        var seen = Set<String>()
        return (space ?? []).filter { !$0.distribution.isSingle && seen.insert($0.name).inserted }
            .sorted { $0.name < $1.name }.map { ($0.name, $0.distribution) }
    }
}

/// Sorted transformed observations per numerical parameter, kept across trials (Optuna sorts
/// every time; the order of any subset is the subset of this order, ties by trial number).
struct SortedObservations: Sendable {
    struct Entry: Sendable {
        var value: Double
        var number: Int
    }
    struct Key: Hashable, Sendable {
        var name: String
        var distribution: Distribution
    }
    var entries: [Key: [Entry]] = [:]
    /// Each trial's kept value by trial number, and whether it is kept.
    var values: [Key: (value: [Double], kept: [Bool])] = [:]
    /// Finished trials' internal values by trial number, per parameter.
    var finished: [Key: FinishedValues] = [:]
    /// How many trials the study had when last seen.
    var trialCount = 0

    /// Internal values of finished trials, by trial number.
    struct FinishedValues: Sendable {
        var values: [Double] = []
        var known: [Bool] = []

        @inline(__always) func contains(_ number: Int) -> Bool { number < known.count && known[number] }

        mutating func set(_ number: Int, _ value: Double) {
            if number >= known.count {
                let grown = Swift.max(number + 1, known.count * 2)
                values += [Double](repeating: 0, count: grown - values.count)
                known += [Bool](repeating: false, count: grown - known.count)
            }
            values[number] = value
            known[number] = true
        }
    }

    /// The argsort of `observations` (positions, ascending, ties by position) for the trials
    /// `numbers` (ascending), from the kept order; `nil` for a categorical parameter or when a
    /// kept value disagrees.
    mutating func order(of observations: [Double], numbers: [Int], key name: String, distribution: Distribution) -> [Int]? {
        let log: Bool
        switch distribution {
        case .categorical: return nil
        case .float(let d): log = d.log
        case .int(let d): log = d.log
        }
        let key = Key(name: name, distribution: distribution)
        var list = entries.removeValue(forKey: key) ?? []
        var known = values.removeValue(forKey: key) ?? ([], [])
        defer {
            entries[key] = list
            values[key] = known
        }
        if let largest = numbers.last, largest >= known.value.count {
            known.value += [Double](repeating: 0, count: largest + 1 - known.value.count)
            known.kept += [Bool](repeating: false, count: largest + 1 - known.kept.count)
        }
        for (position, number) in numbers.enumerated() {
            let value = log ? Foundation.log(observations[position]) : observations[position]
            if known.kept[number] {
                guard known.value[number] == value else { return nil }
                continue
            }
            guard !value.isNaN else { return nil }
            known.value[number] = value
            known.kept[number] = true
            // Binary search for (value, number).
            var lo = 0, hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid].value < value || (list[mid].value == value && list[mid].number < number) { lo = mid + 1 } else { hi = mid }
            }
            list.insert(Entry(value: value, number: number), at: lo)
        }
        // Positions by trial number.
        guard let largest = numbers.last else { return [] }
        var position = [Int](repeating: -1, count: largest + 1)
        for (p, number) in numbers.enumerated() { position[number] = p }
        var order: [Int] = []
        order.reserveCapacity(numbers.count)
        for entry in list where entry.number <= largest {
            let p = position[entry.number]
            if p >= 0 { order.append(p) }
        }
        return order.count == numbers.count ? order : nil
    }
}
