import Foundation
public import ToolboxCore

/// Optuna's `NSGAIISampler` for several objectives (and one): generations of
/// `populationSize` trials; each new generation's parents are the elite of the last generation
/// and its parents (non-dominated sorting, then crowding distance), children made by uniform
/// crossover of two tournament-selected parents (probability 0.9, swapping probability 0.5)
/// and mutated by dropping each parameter with probability 1/n, which the random sampler then
/// draws. The first generation is random. The same seed gives Optuna's trials.
public struct NSGAIISampler: Sampler {
    /// `nsga2`.
    public var name: String { "nsga2" }
    /// Trials per generation.
    public let populationSize: Int
    /// The probability of crossover (else a parent is copied).
    public let crossoverProbability: Double
    /// The probability of taking each parameter from the second parent.
    public let swappingProbability: Double
    /// The probability of mutating each parameter; `nil` for 1 / the number of parameters.
    public let mutationProbability: Double?
    var rng: NumPyRandomState
    var random: RandomSampler
    /// Each generation's parents, by trial number, once selected (Optuna caches them in the
    /// study).
    var parents: [Int: [Int]] = [:]
    /// Attributes to set on the trial being sampled (its generation).
    var pendingAttributes: [String: JSONValue] = [:]

    /// The key of a trial's generation.
    static let generationKey = "NSGAIISampler:generation"

    /// A sampler with Optuna's defaults.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a population below 2, a
    ///   probability outside 0...1 or a seed above 2³²−1.
    public init(populationSize: Int = 50, crossoverProbability: Double = 0.9, swappingProbability: Double = 0.5,
                mutationProbability: Double? = nil, seed: UInt64? = nil) throws {
        guard populationSize >= 2 else {
            throw ToolboxError(.invalidParameter, "population_size must be at least 2, got \(populationSize)", context: ErrorContext(parameter: "population_size"))
        }
        for (name, value) in [("crossover_prob", crossoverProbability), ("swapping_prob", swappingProbability), ("mutation_prob", mutationProbability ?? 0.5)]
        where !(0...1).contains(value) {
            throw ToolboxError(.invalidParameter, "\(name) must be in 0...1, got \(value)", context: ErrorContext(parameter: name))
        }
        let chosen = seed ?? UInt64(UInt32.random(in: 0...UInt32.max))
        rng = NumPyRandomState(seed: try NumPyRandomState.validatedSeed(chosen, parameter: "seed"))
        random = try RandomSampler(seed: chosen)
        self.populationSize = populationSize
        self.crossoverProbability = crossoverProbability
        self.swappingProbability = swappingProbability
        self.mutationProbability = mutationProbability
    }

    /// The parameters every complete trial holds with the same distribution, by name.
    public mutating func inferRelativeSearchSpace(_ study: StudySnapshot, trial: FrozenTrial) -> [(name: String, distribution: Distribution)] {
        var space: [String: Distribution]?
        for other in study.trials where other.state == .complete {
            let distributions = other.distributions
            space = space.map { current in current.filter { distributions[$0.key] == $0.value } } ?? distributions
        }
        return (space ?? [:]).filter { !$0.value.isSingle }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    func generation(of trial: FrozenTrial) -> Int? {
        if case .number(let value)? = trial.systemAttributes[Self.generationKey] { return Int(value) }
        return nil
    }

    /// The trial's generation: the latest complete generation, or the next once it is full.
    mutating func trialGeneration(_ study: StudySnapshot, _ trial: FrozenTrial) -> Int {
        if let known = generation(of: trial) { return known }
        let complete = study.trials.filter { $0.state == .complete }.compactMap { t in generation(of: t).map { (t.number, $0) } }
        let latest = complete.map(\.1).max() ?? 0
        let members = complete.filter { $0.1 == latest }.count
        let value = members >= populationSize ? latest + 1 : latest
        pendingAttributes[Self.generationKey] = .number(Double(value))
        return value
    }

    func population(_ study: StudySnapshot, _ generation: Int) -> [FrozenTrial] {
        study.trials.filter { $0.state == .complete && self.generation(of: $0) == generation }
    }

    /// A generation's parents: selected once (in selection order), afterwards read back in
    /// trial order, as Optuna reads them from its cache.
    mutating func parentPopulation(_ study: StudySnapshot, _ generation: Int) -> [FrozenTrial] {
        guard generation > 0 else { return [] }
        if let cached = parents[generation] {
            let members = Set(cached)
            return study.trials.filter { members.contains($0.number) }
        }
        let selected = elite(study, population(study, generation - 1) + parentPopulation(study, generation - 1))
        parents[generation] = selected.map(\.number)
        return selected
    }

    /// Non-dominated ranks, filled rank by rank; the last rank cut by crowding distance.
    func elite(_ study: StudySnapshot, _ population: [FrozenTrial]) -> [FrozenTrial] {
        var out: [FrozenTrial] = []
        for individuals in Self.rank(population, study.directions) {
            if out.count + individuals.count < populationSize {
                out += individuals
            } else {
                out += Self.crowdingDistanceSort(individuals).prefix(populationSize - out.count)
                break
            }
        }
        return out
    }

    /// Trials by non-domination rank (rank 0 first), each rank in population order.
    static func rank(_ population: [FrozenTrial], _ directions: [StudyDirection]) -> [[FrozenTrial]] {
        let signs = directions.map { $0 == .maximize ? -1.0 : 1.0 }
        let losses = population.map { trial in zip(trial.values ?? [], signs).map { $0 * $1 } }
        var ranks = [Int](repeating: -1, count: population.count)
        var remaining = Array(population.indices)
        var current = 0
        while !remaining.isEmpty {
            let front = remaining.filter { i in !remaining.contains { j in j != i && dominates(losses[j], losses[i]) } }
            for i in front { ranks[i] = current }
            remaining.removeAll { ranks[$0] == current }
            current += 1
        }
        var out = [[FrozenTrial]](repeating: [], count: current)
        for (i, trial) in population.enumerated() { out[ranks[i]].append(trial) }
        return out
    }

    /// Whether loss vector `a` dominates `b` (no worse everywhere, better somewhere).
    static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        guard a != b else { return false }
        return zip(a, b).allSatisfy { $0 <= $1 }
    }

    /// Optuna's `_crowding_distance_sort`: stable sorts by each objective in turn (each from the
    /// last one's order), the distances summed, then a stable sort by distance, reversed.
    static func crowdingDistanceSort(_ individuals: [FrozenTrial]) -> [FrozenTrial] {
        var population = individuals
        var distances: [Int: Double] = [:]
        guard let first = population.first, let count = first.values?.count else { return population }
        for i in 0..<count {
            population = population.enumerated().sorted { x, y in
                let a = x.element.values![i], b = y.element.values![i]
                return a < b || (!(a < b) && !(b < a) && x.offset < y.offset)
            }.map(\.element)
            if population[0].values![i] == population[population.count - 1].values![i] { continue }
            let vs = [-Double.infinity] + population.map { $0.values![i] } + [Double.infinity]
            let vMin = vs.first { $0 != -.infinity } ?? 0
            let vMax = vs.last { $0 != .infinity } ?? 0
            var width = vMax - vMin
            if width <= 0 { width = 1 }
            for j in population.indices {
                let gap = vs[j] == vs[j + 2] ? 0.0 : vs[j + 2] - vs[j]
                distances[population[j].number, default: 0] += gap / width
            }
        }
        let sorted = population.enumerated().sorted { x, y in
            let a = distances[x.element.number] ?? 0, b = distances[y.element.number] ?? 0
            return a < b || (a == b && x.offset < y.offset)
        }.map(\.element)
        return sorted.reversed()
    }

    /// The child of two parents of the trial's generation (empty in the first generation).
    public mutating func sampleRelative(_ study: StudySnapshot, trial: FrozenTrial, space: [(name: String, distribution: Distribution)]) throws -> [String: ParameterValue] {
        let generation = trialGeneration(study, trial)
        let parentPopulation = parentPopulation(study, generation)
        guard !parentPopulation.isEmpty else { return [:] }
        var child: [(String, ParameterValue)]
        if rng.randomSample() < crossoverProbability {
            child = crossover(study, parentPopulation, space)
        } else {
            let parent = parentPopulation[rng.randint(0, parentPopulation.count)].params
            child = space.compactMap { p in parent[p.name].map { (p.name, $0) } }
        }
        let probability = mutationProbability ?? 1.0 / Swift.max(1.0, Double(child.count))
        var out: [String: ParameterValue] = [:]
        for (name, value) in child where rng.randomSample() >= probability { out[name] = value }
        return out
    }

    /// Uniform crossover of two tournament-selected parents, repeated until the child lies in
    /// the space: categorical parameters first, numerical ones through Optuna's transform.
    mutating func crossover(_ study: StudySnapshot, _ population: [FrozenTrial], _ space: [(name: String, distribution: Distribution)]) -> [(String, ParameterValue)] {
        let categorical = space.filter { if case .categorical = $0.distribution { true } else { false } }
        let numerical = space.filter { if case .categorical = $0.distribution { false } else { true } }
        while true {
            var chosen: [FrozenTrial] = []
            for _ in 0..<2 {
                let pool = population.filter { candidate in !chosen.contains { $0.number == candidate.number } }
                let a = pool[rng.randint(0, pool.count)], b = pool[rng.randint(0, pool.count)]
                chosen.append(Self.trialDominates(a, b, study.directions) ? a : b)
            }
            var child: [(String, ParameterValue)] = []
            if !categorical.isEmpty {
                let masks = (0..<categorical.count).map { _ in rng.randomSample() >= swappingProbability }
                for (k, parameter) in categorical.enumerated() {
                    let parent = masks[k] ? chosen[chosen.count - 1] : chosen[0]
                    if let value = parent.params[parameter.name] { child.append((parameter.name, value)) }
                }
            }
            if !numerical.isEmpty {
                let masks = (0..<numerical.count).map { _ in rng.randomSample() >= swappingProbability }
                for (k, parameter) in numerical.enumerated() {
                    let parent = masks[k] ? chosen[1] : chosen[0]
                    guard let value = parent.params[parameter.name], let transformed = Self.transform(value, parameter.distribution) else { continue }
                    child.append((parameter.name, SearchSpaceTransform.untransform([transformed], parameter.distribution)))
                }
            }
            let contained = child.allSatisfy { name, value in
                guard let distribution = space.first(where: { $0.name == name })?.distribution,
                      let encoded = try? distribution.internalValue(value, name: name) else { return false }
                return distribution.containsInternal(encoded)
            }
            if contained { return child }
        }
    }

    /// `_SearchSpaceTransform.transform` of one numerical value (logarithm for log ranges).
    static func transform(_ value: ParameterValue, _ distribution: Distribution) -> Double? {
        guard let x = value.number else { return nil }
        switch distribution {
        case .float(let d): return d.log ? Foundation.log(x) : x
        case .int(let d): return d.log ? Foundation.log(x) : x
        case .categorical: return nil
        }
    }

    /// Optuna's `_dominates` on trials: a complete trial dominates an incomplete one.
    static func trialDominates(_ a: FrozenTrial, _ b: FrozenTrial, _ directions: [StudyDirection]) -> Bool {
        guard a.state == .complete else { return false }
        guard b.state == .complete else { return true }
        let signs = directions.map { $0 == .maximize ? -1.0 : 1.0 }
        let x = zip(a.values ?? [], signs).map { $0 * $1 }, y = zip(b.values ?? [], signs).map { $0 * $1 }
        return dominates(x, y)
    }

    /// The random sampler's draw (for parameters the child does not hold) or the grid's value.
    public mutating func sampleIndependent(_ study: StudySnapshot, trial: FrozenTrial, name: String, distribution: Distribution) throws -> ParameterValue {
        try random.sampleIndependent(study, trial: trial, name: name, distribution: distribution)
    }

    /// The attributes to record on the trial just sampled (its generation or grid id), once.
    public mutating func takeTrialAttributes() -> [String: JSONValue] {
        defer { pendingAttributes = [:] }
        return pendingAttributes
    }

    /// Both generators and the selected parents.
    public var state: JSONValue {
        var cache: [String: JSONValue] = [:]
        for (generation, numbers) in parents { cache[String(generation)] = .array(numbers.map { .number(Double($0)) }) }
        return .object(["rng": rng.json, "random": random.state, "parents": .object(cache)])
    }

    /// Restores a state `state` gave.
    public mutating func restore(_ state: JSONValue) throws {
        guard case .object(let members) = state, let own = members["rng"], let randomState = members["random"] else {
            throw ToolboxError(.invalidParameter, "not an NSGA-II sampler state")
        }
        rng = try NumPyRandomState(json: own)
        try random.restore(randomState)
        parents = [:]
        if case .object(let cache)? = members["parents"] {
            for (key, value) in cache {
                guard let generation = Int(key), case .array(let numbers) = value else { continue }
                parents[generation] = numbers.compactMap { if case .number(let n) = $0 { Int(n) } else { nil } }
            }
        }
    }
}
