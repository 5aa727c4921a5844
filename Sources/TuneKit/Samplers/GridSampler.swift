import Foundation
public import ToolboxCore

/// Optuna's `GridSampler`: every combination of the given values once, in an order shuffled by
/// the seed (trial `n` takes grid `n`); once every combination ran, the study stops. Given no
/// grid, it takes one from the first search space it is asked for: every choice of a categorical
/// parameter, every value of a stepped or integer range (a continuous range cannot be gridded).
public struct GridSampler: Sampler {
    /// `grid`.
    public var name: String { "grid" }
    /// The values of each parameter, by name (sorted).
    public private(set) var grid: [(name: String, values: [ParameterValue])]
    var combinations: [[ParameterValue]] = []
    var rng: NumPyRandomState
    let seed: UInt64
    var pendingAttributes: [String: JSONValue] = [:]

    /// The most combinations a grid may have.
    public static let maximumCombinations = 10_000_000

    /// A grid of the given values per parameter (empty: taken from the first search space).
    /// - Throws: `ToolboxError/Code/invalidParameter` naming a parameter without values, or
    ///   `ToolboxError/Code/tooLarge` for more than ``maximumCombinations`` combinations.
    public init(_ grid: [String: [ParameterValue]] = [:], seed: UInt64? = nil) throws {
        self.seed = seed ?? 0
        rng = NumPyRandomState(seed: try NumPyRandomState.validatedSeed(self.seed, parameter: "seed"))
        self.grid = []
        if !grid.isEmpty { try setGrid(grid.map { ($0.key, $0.value) }) }
    }

    mutating func setGrid(_ values: [(String, [ParameterValue])]) throws {
        var count = 1
        for (name, list) in values {
            guard !list.isEmpty else {
                throw ToolboxError(.invalidParameter, "grid parameter \(name) has no values", context: ErrorContext(parameter: name))
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: list.count)
            guard !overflow, product <= Self.maximumCombinations else {
                throw ToolboxError(.tooLarge, "the grid has more than \(Self.maximumCombinations) combinations", context: ErrorContext(parameter: name))
            }
            count = product
        }
        grid = values.sorted { $0.0 < $1.0 }.map { (name: $0.0, values: $0.1) }
        // itertools.product, then RandomState(seed or 0).shuffle.
        var all: [[ParameterValue]] = [[]]
        for (_, list) in grid { all = all.flatMap { prefix in list.map { prefix + [$0] } } }
        var order = Array(all.indices)
        rng = NumPyRandomState(seed: UInt32(truncatingIfNeeded: seed))
        rng.shuffle(&order)
        combinations = order.map { all[$0] }
    }

    /// Takes the grid from `space` when none was given.
    public mutating func prepare(for space: SearchSpace) throws {
        guard grid.isEmpty else { return }
        try setGrid(try space.parameters.map { parameter in
            switch parameter.distribution {
            case .categorical(let d): return (parameter.name, d.choices)
            case .int(let d): return (parameter.name, Array(stride(from: d.low, through: d.high, by: d.step)).map { .int($0) })
            case .float(let d):
                guard let step = d.step else {
                    throw ToolboxError(.invalidParameter, "\(parameter.name): a continuous range cannot be gridded; give it a step",
                                       context: ErrorContext(parameter: parameter.name))
                }
                let count = Int(((d.high - d.low) / step).rounded()) + 1
                return (parameter.name, (0..<count).map { .float(Swift.min(d.low + Double($0) * step, d.high)) })
            }
        })
    }

    func gridID(of trial: FrozenTrial) -> Int? {
        if case .number(let value)? = trial.systemAttributes["grid_id"] { return Int(value) }
        return nil
    }

    /// The combinations no finished (nor running, while others remain) trial took.
    func unvisited(_ study: StudySnapshot) -> [Int] {
        var visited = Set<Int>(), running = Set<Int>()
        for trial in study.trials {
            guard let id = gridID(of: trial) else { continue }
            if trial.state.isFinished { visited.insert(id) } else if trial.state == .running { running.insert(id) }
        }
        var left = Set(combinations.indices).subtracting(visited).subtracting(running)
        if left.isEmpty { left = Set(combinations.indices).subtracting(visited) }
        return left.sorted()
    }

    /// The random sampler's draw (for parameters the child does not hold) or the grid's value.
    public mutating func sampleIndependent(_ study: StudySnapshot, trial: FrozenTrial, name: String, distribution: Distribution) throws -> ParameterValue {
        guard !combinations.isEmpty else {
            throw ToolboxError(.invalidParameter, "the grid sampler has no grid: give one, or a declarative search space", context: ErrorContext(parameter: "sampler"))
        }
        let id: Int
        if let known = gridID(of: trial) {
            id = known
        } else if trial.number < combinations.count {
            id = trial.number
        } else {
            var targets = unvisited(study)
            if targets.isEmpty { targets = Array(combinations.indices) }
            id = targets[rng.randint(0, targets.count)]
        }
        pendingAttributes["grid_id"] = .number(Double(id))
        guard let column = grid.firstIndex(where: { $0.name == name }) else {
            throw ToolboxError(.invalidParameter, "parameter \(name) is not in the grid (\(grid.map(\.name).joined(separator: ", ")))", context: ErrorContext(parameter: name))
        }
        return combinations[id][column].typed(for: distribution)
    }

    /// The attributes to record on the trial just sampled (its generation or grid id), once.
    public mutating func takeTrialAttributes() -> [String: JSONValue] {
        defer { pendingAttributes = [:] }
        return pendingAttributes
    }

    /// Whether every combination has been run (Optuna stops the study then).
    public func isExhausted(_ study: StudySnapshot) -> Bool {
        !combinations.isEmpty && study.trials.filter { $0.state.isFinished }.compactMap(gridID).reduce(into: Set<Int>()) { $0.insert($1) }.count >= combinations.count
    }

    /// The grid and the generator.
    public var state: JSONValue {
        .object(["rng": rng.json, "grid": .array(grid.map { .object(["name": .string($0.name), "values": .array($0.values.map(\.json))]) })])
    }

    /// Restores a state `state` gave.
    public mutating func restore(_ state: JSONValue) throws {
        guard case .object(let members) = state, let own = members["rng"] else { throw ToolboxError(.invalidParameter, "not a grid sampler state") }
        if grid.isEmpty, case .array(let entries)? = members["grid"], !entries.isEmpty {
            var values: [(String, [ParameterValue])] = []
            for entry in entries {
                guard case .object(let fields) = entry, case .string(let name)? = fields["name"], case .array(let list)? = fields["values"] else { continue }
                values.append((name, try list.map { try ParameterValue(json: $0, integers: true) }))
            }
            try setGrid(values)
        }
        rng = try NumPyRandomState(json: own)
    }
}
