import Foundation
public import ToolboxCore

/// The CMA-ES of the `cmaes` package (`cmaes.CMA`, Hansen's 2016 tutorial with negative
/// weights), on a box of bounds: ask samples N(m, σ²C) (resampled up to `maxResampling` times
/// inside the bounds, then clipped), tell updates the mean, the paths, σ and C from a
/// generation's solutions.
struct CMA: Sendable {
    let n: Int
    let populationSize: Int
    let mu: Int
    let muEff: Double, cc: Double, c1: Double, cmu: Double, cSigma: Double, dSigma: Double, cm: Double, chiN: Double
    let weights: [Double]
    var pSigma: [Double]
    var pc: [Double]
    var mean: [Double]
    /// The covariance, row-major n × n.
    var c: [Double]
    var sigma: Double
    var generation = 0
    let bounds: [(Double, Double)]
    let maxResampling: Int
    var rng: NumPyRandomState
    var eigen: (b: [Double], d: [Double])?

    static let epsilon = 1e-8, sigmaMax = 1e32

    init(mean: [Double], sigma: Double, bounds: [(Double, Double)], maxResampling: Int, seed: UInt32, populationSize: Int?) {
        let n = mean.count
        let lambda = populationSize ?? 4 + Int((3 * Foundation.log(Double(n))).rounded(.down))
        let mu = lambda / 2
        let prime = (0..<lambda).map { Foundation.log(Double(lambda + 1) / 2) - Foundation.log(Double($0 + 1)) }
        func sum(_ values: [Double]) -> Double { NumPySum.pairwise(count: values.count) { values[$0] } }
        let head = Array(prime[..<mu]), tail = Array(prime[mu...])
        let muEff = (sum(head) * sum(head)) / sum(head.map { $0 * $0 })
        let muEffMinus = (sum(tail) * sum(tail)) / sum(tail.map { $0 * $0 })
        let alphaCov = 2.0
        let nd = Double(n)
        let c1 = alphaCov / ((nd + 1.3) * (nd + 1.3) + muEff)
        let cmu = Swift.min(1 - c1 - 1e-8, alphaCov * (muEff - 2 + 1 / muEff) / ((nd + 2) * (nd + 2) + alphaCov * muEff / 2))
        let minAlpha = Swift.min(1 + c1 / cmu, 1 + (2 * muEffMinus) / (muEff + 2), (1 - c1 - cmu) / (nd * cmu))
        let positiveSum = sum(prime.filter { $0 > 0 }), negativeSum = sum(prime.filter { $0 < 0 }.map { abs($0) })
        weights = prime.map { $0 >= 0 ? 1 / positiveSum * $0 : minAlpha / negativeSum * $0 }
        self.n = n
        self.populationSize = lambda
        self.mu = mu
        self.muEff = muEff
        self.c1 = c1
        self.cmu = cmu
        cm = 1
        cSigma = (muEff + 2) / (nd + muEff + 5)
        dSigma = 1 + 2 * Swift.max(0, ((muEff - 1) / (nd + 1)).squareRoot() - 1) + cSigma
        cc = (4 + muEff / nd) / (nd + 4 + 2 * muEff / nd)
        chiN = nd.squareRoot() * (1.0 - (1.0 / (4.0 * nd)) + 1.0 / (21.0 * (nd * nd)))
        pSigma = [Double](repeating: 0, count: n)
        pc = [Double](repeating: 0, count: n)
        self.mean = mean
        c = (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 }
        self.sigma = sigma
        self.bounds = bounds
        self.maxResampling = maxResampling
        rng = NumPyRandomState(seed: seed)
    }

    /// B and D with C = B diag(D²) Bᵀ (C symmetrized and rebuilt from them, as `cmaes` does).
    mutating func decompose() -> (b: [Double], d: [Double]) {
        if let eigen { return eigen }
        var symmetric = c
        for i in 0..<n { for j in 0..<n { symmetric[i * n + j] = (c[i * n + j] + c[j * n + i]) / 2 } }
        guard let matrix = try? Matrix(rows: n, columns: n, values: symmetric) else { return (c, [Double](repeating: 1, count: n)) }
        var values: [Double], vectors: [Double]
        if let (v, e) = try? LinearAlgebra.symmetricEigen(matrix) {
            values = v
            vectors = (0..<(n * n)).map { e[$0 / n, $0 % n] }
        } else {
            values = [Double](repeating: 1, count: n)
            vectors = (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 }
        }
        let d = values.map { ($0 < 0 ? Self.epsilon : $0).squareRoot() }
        var rebuilt = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var total = 0.0
                for k in 0..<n { total += vectors[i * n + k] * (d[k] * d[k]) * vectors[j * n + k] }
                rebuilt[i * n + j] = total
            }
        }
        c = rebuilt
        eigen = (vectors, d)
        return (vectors, d)
    }

    mutating func sample() -> [Double] {
        let (b, d) = decompose()
        let z = (0..<n).map { _ in rng.standardNormal() }
        return (0..<n).map { i in
            var y = 0.0
            for j in 0..<n { y += (b[i * n + j] * d[j]) * z[j] }
            return mean[i] + sigma * y
        }
    }

    func feasible(_ x: [Double]) -> Bool {
        x.indices.allSatisfy { x[$0] >= bounds[$0].0 && x[$0] <= bounds[$0].1 }
    }

    mutating func ask() -> [Double] {
        for _ in 0..<maxResampling {
            let x = sample()
            if feasible(x) { return x }
        }
        return sample().enumerated().map { Swift.min(Swift.max($0.element, bounds[$0.offset].0), bounds[$0.offset].1) }
    }

    mutating func tell(_ solutions: [(x: [Double], value: Double)]) {
        generation += 1
        let sorted = solutions.enumerated().sorted { $0.element.value < $1.element.value || ($0.element.value == $1.element.value && $0.offset < $1.offset) }.map(\.element)
        let (b, d) = decompose()
        eigen = nil
        let yk = sorted.map { s in (0..<n).map { (s.x[$0] - mean[$0]) / sigma } }
        let yw = (0..<n).map { i in NumPySum.pairwise(count: mu) { yk[$0][i] * weights[$0] } }
        for i in 0..<n { mean[i] += cm * sigma * yw[i] }
        // C^(-1/2) = B D⁻¹ Bᵀ.
        var c2 = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { var t = 0.0; for k in 0..<n { t += b[i * n + k] * (1 / d[k]) * b[j * n + k] }; c2[i * n + j] = t } }
        func apply(_ v: [Double]) -> [Double] { (0..<n).map { i in var t = 0.0; for j in 0..<n { t += c2[i * n + j] * v[j] }; return t } }
        let scaled = apply(yw)
        let factor = (cSigma * (2 - cSigma) * muEff).squareRoot()
        for i in 0..<n { pSigma[i] = (1 - cSigma) * pSigma[i] + factor * scaled[i] }
        let norm = pSigma.reduce(0) { $0 + $1 * $1 }.squareRoot()
        sigma *= Foundation.exp((cSigma / dSigma) * (norm / chiN - 1))
        sigma = Swift.min(sigma, Self.sigmaMax)
        let left = norm / (1 - Foundation.pow(1 - cSigma, Double(2 * (generation + 1)))).squareRoot()
        let hSigma: Double = left < (1.4 + 2 / Double(n + 1)) * chiN ? 1 : 0
        let pcFactor = hSigma * (cc * (2 - cc) * muEff).squareRoot()
        for i in 0..<n { pc[i] = (1 - cc) * pc[i] + pcFactor * yw[i] }
        let wio = weights.indices.map { k -> Double in
            guard weights[k] < 0 else { return weights[k] }
            let v = apply(yk[k])
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return weights[k] * (Double(n) / (norm * norm + Self.epsilon))
        }
        let delta = (1 - hSigma) * cc * (2 - cc)
        let weightSum = NumPySum.pairwise(count: weights.count) { weights[$0] }
        let keep = 1 + c1 * delta - c1 - cmu * weightSum
        for i in 0..<n {
            for j in 0..<n {
                // NumPy sums the first axis in order (not pairwise).
                var rankMu = wio[0] * (yk[0][i] * yk[0][j])
                for k in 1..<wio.count { rankMu += wio[k] * (yk[k][i] * yk[k][j]) }
                c[i * n + j] = keep * c[i * n + j] + c1 * (pc[i] * pc[j]) + cmu * rankMu
            }
        }
    }

    var json: JSONValue {
        .object(["mean": .array(mean.map { .number($0) }), "c": .array(c.map { .number($0) }), "sigma": .number(sigma),
                 "p_sigma": .array(pSigma.map { .number($0) }), "pc": .array(pc.map { .number($0) }), "generation": .number(Double(generation)),
                 "population": .number(Double(populationSize))])
    }

    /// A CMA restored from ``json`` (the constants recomputed from the dimension and population).
    init?(json: JSONValue, bounds: [(Double, Double)], maxResampling: Int) {
        guard case .object(let m) = json, case .array(let meanValues)? = m["mean"], case .array(let cValues)? = m["c"],
              case .number(let sigma)? = m["sigma"], case .array(let ps)? = m["p_sigma"], case .array(let pcValues)? = m["pc"],
              case .number(let generation)? = m["generation"], case .number(let population)? = m["population"] else { return nil }
        func numbers(_ values: [JSONValue]) -> [Double] { values.compactMap { if case .number(let x) = $0 { x } else { nil } } }
        let mean = numbers(meanValues)
        guard mean.count == bounds.count, numbers(cValues).count == mean.count * mean.count else { return nil }
        self.init(mean: mean, sigma: sigma, bounds: bounds, maxResampling: maxResampling, seed: 0, populationSize: Int(population))
        c = numbers(cValues)
        pSigma = numbers(ps)
        pc = numbers(pcValues)
        self.generation = Int(generation)
    }
}

/// Optuna's `CmaEsSampler` (plain CMA, its defaults): the continuous and integer parameters
/// every complete trial shares, mapped onto [0, 1] (logarithm for log ranges, half a step beyond
/// stepped ends), searched by CMA-ES from the middle of the box with σ = 1/6 and Optuna's seeding
/// (a fresh optimizer seed per trial until the first generation is told, then the told
/// optimizer kept on the trial that told it); categorical parameters and the first trial are
/// random.
public struct CmaEsSampler: Sampler {
    /// `cmaes`.
    public var name: String { "cmaes" }
    /// Trials sampled at random first (`n_startup_trials`).
    public let startupTrials: Int
    /// The population size; `nil` for 4 + ⌊3 ln n⌋.
    public let populationSize: Int?
    var rng: NumPyRandomState
    var random: RandomSampler
    var intersectionCache = IntersectionCache(includePruned: false)
    var pendingAttributes: [String: JSONValue] = [:]

    static let optimizerKey = "cma:optimizer", generationKey = "cma:generation"

    /// A sampler with Optuna's defaults.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a seed above 2³²−1 or a population below 2.
    public init(seed: UInt64? = nil, startupTrials: Int = 1, populationSize: Int? = nil) throws {
        guard populationSize.map({ $0 >= 2 }) ?? true else {
            throw ToolboxError(.invalidParameter, "popsize must be at least 2", context: ErrorContext(parameter: "popsize"))
        }
        let chosen = seed ?? UInt64(UInt32.random(in: 0...UInt32.max))
        rng = NumPyRandomState(seed: try NumPyRandomState.validatedSeed(chosen, parameter: "seed"))
        random = try RandomSampler(seed: chosen)
        self.startupTrials = startupTrials
        self.populationSize = populationSize
    }

    /// The continuous and integer parameters every complete trial shares (categorical ones are drawn at random).
    public mutating func inferRelativeSearchSpace(_ study: StudySnapshot, trial: FrozenTrial) -> [(name: String, distribution: Distribution)] {
        intersectionCache.calculate(study.trials).filter { if case .categorical = $0.distribution { false } else { true } }
    }

    /// The CMA-ES proposal once a complete trial exists.
    public mutating func sampleRelative(_ study: StudySnapshot, trial: FrozenTrial, space: [(name: String, distribution: Distribution)]) throws -> [String: ParameterValue] {
        guard !study.isMultiObjective else { throw ToolboxError(.unsupported, "CMA-ES samples one objective; use nsga2 for several") }
        guard !space.isEmpty else { return [:] }
        let complete = study.trials.filter { $0.state == .complete }
        guard complete.count >= startupTrials else { return [:] }
        let raw = space.map { SearchSpaceTransform.bounds($0.distribution)[0] }
        let unit = [(Double, Double)](repeating: (0, 1), count: space.count)
        var optimizer: CMA
        if let saved = complete.reversed().lazy.compactMap({ $0.systemAttributes[Self.optimizerKey] }).first,
           let restored = CMA(json: saved, bounds: unit, maxResampling: 10 * space.count) {
            optimizer = restored
        } else {
            let seed = UInt32(rng.randint(1, (1 << 31) - 2))
            optimizer = CMA(mean: [Double](repeating: 0.5, count: space.count), sigma: Swift.max(1.0 / 6, CMA.epsilon), bounds: unit,
                            maxResampling: 10 * space.count, seed: seed, populationSize: populationSize)
        }
        guard optimizer.n == space.count else { return [:] }
        let solutions = complete.filter { trial in
            if case .number(let g)? = trial.systemAttributes[Self.generationKey] { return Int(g) == optimizer.generation }
            return false
        }
        if solutions.count >= optimizer.populationSize {
            let maximize = study.directions.first == .maximize
            optimizer.tell(solutions.prefix(optimizer.populationSize).map { trial in
                let x = space.indices.map { j -> Double in
                    let value = trial.params[space[j].name]?.number ?? 0
                    let t = NSGAIISampler.transform(trial.params[space[j].name] ?? .float(value), space[j].distribution) ?? value
                    return raw[j].1 == raw[j].0 ? 0.5 : (t - raw[j].0) / (raw[j].1 - raw[j].0)
                }
                let value = trial.values?.first ?? .nan
                return (x, maximize ? -value : value)
            })
            pendingAttributes[Self.optimizerKey] = optimizer.json
        }
        let seed = UInt32(rng.randint(1, 1 << 16) + trial.number)
        optimizer.rng = NumPyRandomState(seed: seed)
        let x = optimizer.ask()
        pendingAttributes[Self.generationKey] = .number(Double(optimizer.generation))
        var out: [String: ParameterValue] = [:]
        for (j, parameter) in space.enumerated() {
            out[parameter.name] = SearchSpaceTransform.untransform([raw[j].0 + x[j] * (raw[j].1 - raw[j].0)], parameter.distribution)
        }
        return out
    }

    /// The random sampler's draw, for categorical parameters and the first trials.
    public mutating func sampleIndependent(_ study: StudySnapshot, trial: FrozenTrial, name: String, distribution: Distribution) throws -> ParameterValue {
        try random.sampleIndependent(study, trial: trial, name: name, distribution: distribution)
    }

    /// The trial's generation and, after a tell, the told optimizer, once.
    public mutating func takeTrialAttributes() -> [String: JSONValue] {
        defer { pendingAttributes = [:] }
        return pendingAttributes
    }

    /// Both generators (the optimizer itself lives on the trial that told it).
    public var state: JSONValue { .object(["rng": rng.json, "random": random.state]) }

    /// Restores a state `state` gave.
    public mutating func restore(_ state: JSONValue) throws {
        guard case .object(let members) = state, let own = members["rng"], let randomState = members["random"] else {
            throw ToolboxError(.invalidParameter, "not a CMA-ES sampler state")
        }
        rng = try NumPyRandomState(json: own)
        try random.restore(randomState)
    }
}
