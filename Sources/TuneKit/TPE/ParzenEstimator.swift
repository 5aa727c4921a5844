import Foundation
import ToolboxCore

extension NumPyRandomState {
    /// `choice(count, p=p, size=size)`: the cumulative sums of `p` (in order) over their last,
    /// searched (right side) for `size` uniform draws.
    mutating func choice(_ p: [Double], size: Int) -> [Int] {
        var cdf = [Double](repeating: 0, count: p.count)
        var running = 0.0
        for i in p.indices { running += p[i]; cdf[i] = running }
        let last = cdf[cdf.count - 1]
        for i in cdf.indices { cdf[i] /= last }
        return (0..<size).map { _ in
            let u = randomSample()
            var lo = 0, hi = cdf.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if cdf[mid] <= u { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }
}

/// NumPy's `round` (half to even).
@inline(__always)
func numpyRound(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

/// What Optuna's `_ParzenEstimatorParameters` holds, with its defaults.
struct ParzenEstimatorParameters: Sendable {
    var priorWeight = 1.0
    var considerMagicClip = true
    var considerEndpoints = false
    var weights: @Sendable (Int) -> [Double] = TPESampler.defaultWeights
}

/// One parameter's kernels: categorical weights per kernel, or truncated normals (continuous,
/// discrete, in log space or not), as Optuna's `_Batched*Distributions`.
enum BatchedDistribution {
    case categorical(weights: [[Double]])
    /// `step` 0 for continuous values.
    case numerical(mu: [Double], sigma: [Double], low: Double, high: Double, step: Double, isLog: Bool)

    var adaptedBounds: (low: Double, high: Double) {
        guard case .numerical(_, _, let low, let high, let step, let isLog) = self else { return (0, 0) }
        let l = low - step / 2, h = high + step / 2
        return isLog ? (Foundation.log(step == 0 ? low : l), Foundation.log(step == 0 ? high : h)) : (step == 0 ? low : l, step == 0 ? high : h)
    }
}

/// Optuna's `_ParzenEstimator`: a mixture of product kernels, one per observation plus the
/// prior, weighted by recency.
struct ParzenEstimator {
    let names: [String]
    let weights: [Double]
    let distributions: [BatchedDistribution]

    /// Observations are internal values, one array per parameter of `space`, all one length.
    init(observations: [[Double]], space: [(name: String, distribution: Distribution)], parameters: ParzenEstimatorParameters,
         predeterminedWeights: [Double]? = nil) {
        names = space.map(\.name)
        let count = observations.first?.count ?? 0
        var weights: [Double]
        if count == 0 {
            weights = [1.0]
        } else {
            weights = Array((predeterminedWeights ?? parameters.weights(count)).prefix(count))
            weights.append(parameters.priorWeight)
        }
        let total = NumPySum.pairwise(count: weights.count) { weights[$0] }
        self.weights = weights.map { $0 / total }
        distributions = space.indices.map { i in
            Self.distribution(observations.isEmpty ? [] : observations[i], space[i].distribution, parameters)
        }
    }

    static func distribution(_ observations: [Double], _ distribution: Distribution, _ parameters: ParzenEstimatorParameters) -> BatchedDistribution {
        switch distribution {
        case .categorical(let d):
            let choices = d.choices.count
            if observations.isEmpty { return .categorical(weights: [[Double](repeating: 1.0 / Double(choices), count: choices)]) }
            let kernels = observations.count + 1
            var weights = [[Double]](repeating: [Double](repeating: parameters.priorWeight / Double(kernels), count: choices), count: kernels)
            for (k, observed) in observations.enumerated() { weights[k][Int(observed)] += 1 }
            for k in weights.indices {
                let sum = NumPySum.pairwise(count: choices) { weights[k][$0] }
                let divisor = sum == 0 ? 1 : sum
                for c in 0..<choices { weights[k][c] /= divisor }
            }
            return .categorical(weights: weights)
        case .float(let d):
            return numerical(observations, low: d.low, high: d.high, step: d.step, log: d.log, parameters)
        case .int(let d):
            return numerical(observations, low: Double(d.low), high: Double(d.high), step: Double(d.step), log: d.log, parameters)
        }
    }

    static func numerical(_ observations: [Double], low originalLow: Double, high originalHigh: Double, step: Double?, log: Bool,
                          _ parameters: ParzenEstimatorParameters) -> BatchedDistribution {
        var low = originalLow, high = originalHigh
        if let step {
            low -= step / 2
            high += step / 2
        }
        var mus = observations
        if log {
            mus = mus.map { Foundation.log($0) }
            low = Foundation.log(low)
            high = Foundation.log(high)
        }
        var sigmas: [Double] = []
        if !mus.isEmpty {
            // Ties keep their order (a stable sort); NumPy's default sort on AVX-512 may order
            // equal values otherwise, which can swap two tied kernels' widths.
            let order = mus.enumerated().map { ($0.element, $0.offset) }.sorted(by: <).map(\.1)
            var withEnds = [low] + order.map { mus[$0] } + [high]
            var sortedSigmas = [Double](repeating: 0, count: withEnds.count - 2)
            for j in 1..<(withEnds.count - 1) {
                let below: Double = withEnds[j] - withEnds[j - 1]
                let above: Double = withEnds[j + 1] - withEnds[j]
                sortedSigmas[j - 1] = Swift.max(below, above)
            }
            if !parameters.considerEndpoints, withEnds.count >= 4 {
                sortedSigmas[0] = withEnds[2] - withEnds[1]
                sortedSigmas[sortedSigmas.count - 1] = withEnds[withEnds.count - 2] - withEnds[withEnds.count - 3]
            }
            withEnds.removeAll()
            sigmas = [Double](repeating: 0, count: mus.count)
            for (position, index) in order.enumerated() { sigmas[index] = sortedSigmas[position] }
            let maxSigma = high - low
            let minSigma = parameters.considerMagicClip ? (high - low) / Swift.min(100.0, 1.0 + Double(observations.count + 1)) : 1e-12
            sigmas = sigmas.map { Swift.min(Swift.max($0, minSigma), maxSigma) }
        }
        mus.append(0.5 * (low + high))
        sigmas.append(high - low)
        return .numerical(mu: mus, sigma: sigmas, low: originalLow, high: originalHigh, step: step ?? 0, isLog: log)
    }

    /// `size` draws, one array per parameter (internal values), using `rng` as Optuna does:
    /// the kernels first, then each categorical parameter, then every numerical one at once.
    func sample(_ rng: inout NumPyRandomState, size: Int) -> [[Double]] {
        let active = rng.choice(weights, size: size)
        var out = [[Double]](repeating: [Double](repeating: 0, count: size), count: distributions.count)
        var numerical: [Int] = []
        for (i, d) in distributions.enumerated() {
            switch d {
            case .categorical(let w):
                let quantiles = (0..<size).map { _ in rng.randomSample() }
                for s in 0..<size {
                    let row = w[active[s]]
                    var cumulative = 0.0, index = 0
                    for c in row.indices {
                        cumulative += row[c]
                        let bound = c == row.count - 1 ? 1.0 : cumulative
                        if bound < quantiles[s] { index += 1 }
                    }
                    out[i][s] = Double(index)
                }
            case .numerical:
                numerical.append(i)
            }
        }
        guard !numerical.isEmpty else { return out }
        // rvs: quantiles of shape (parameters, size), row-major, then ppf on all of them.
        var a: [Double] = [], b: [Double] = [], loc: [Double] = [], scale: [Double] = []
        for i in numerical {
            guard case .numerical(let mu, let sigma, _, _, _, _) = distributions[i] else { continue }
            let (low, high) = distributions[i].adaptedBounds
            for s in 0..<size {
                let m = mu[active[s]], sd = sigma[active[s]]
                a.append((low - m) / sd)
                b.append((high - m) / sd)
                loc.append(m)
                scale.append(sd)
            }
        }
        let q = (0..<a.count).map { _ in rng.randomSample() }
        let standard = OptunaTruncatedNormal.ppf(q, a, b)
        for (k, i) in numerical.enumerated() {
            guard case .numerical(_, _, let low, let high, let step, let isLog) = distributions[i] else { continue }
            for s in 0..<size {
                var value = standard[k * size + s] * scale[k * size + s] + loc[k * size + s]
                if isLog { value = Foundation.exp(value) }
                if step != 0 {
                    value = Swift.min(Swift.max(low + numpyRound((value - low) / step) * step, low), high)
                }
                out[i][s] = value
            }
        }
        return out
    }

    /// The mixture's log density at each sample (`samples[parameter][row]`, internal values).
    func logPdf(_ samples: [[Double]]) -> [Double] {
        let n = samples.first?.count ?? 0, kernels = weights.count
        var weighted = [Double](repeating: 0, count: n * kernels)
        var continuous: [Int] = []
        for (i, d) in distributions.enumerated() {
            switch d {
            case .categorical(let w):
                for r in 0..<n {
                    let choice = Int(samples[i][r])
                    for k in 0..<kernels { weighted[r * kernels + k] += Foundation.log(w[k][choice]) }
                }
            case .numerical(let mu, let sigma, _, _, let step, let isLog):
                if step == 0 {
                    continuous.append(i)
                    continue
                }
                let (low, high) = d.adaptedBounds
                // Each distinct (a, b) pair once, as Optuna's unique-based evaluation (the count
                // decides how erf is computed).
                var pairIndex: [PairKey: Int] = [:]
                var pairA: [Double] = [], pairB: [Double] = []
                var lookup = [Int](repeating: 0, count: n * kernels)
                for r in 0..<n {
                    let x = samples[i][r]
                    let left = isLog ? Foundation.log(x - step / 2) : x - step / 2
                    let right = isLog ? Foundation.log(x + step / 2) : x + step / 2
                    for k in 0..<kernels {
                        let pa = (left - mu[k]) / sigma[k], pb = (right - mu[k]) / sigma[k]
                        let key = PairKey(pa, pb)
                        if let found = pairIndex[key] {
                            lookup[r * kernels + k] = found
                        } else {
                            pairIndex[key] = pairA.count
                            lookup[r * kernels + k] = pairA.count
                            pairA.append(pa)
                            pairB.append(pb)
                        }
                    }
                }
                let masses = OptunaTruncatedNormal.logGaussMass(pairA, pairB)
                for j in 0..<(n * kernels) { weighted[j] += masses[lookup[j]] }
                var kernelIndex: [PairKey: Int] = [:]
                var ka: [Double] = [], kb: [Double] = []
                var kernelLookup = [Int](repeating: 0, count: kernels)
                for k in 0..<kernels {
                    let key = PairKey(mu[k], sigma[k])
                    if let found = kernelIndex[key] { kernelLookup[k] = found; continue }
                    kernelIndex[key] = ka.count
                    kernelLookup[k] = ka.count
                    ka.append((low - mu[k]) / sigma[k])
                    kb.append((high - mu[k]) / sigma[k])
                }
                let normalizers = OptunaTruncatedNormal.logGaussMass(ka, kb)
                for r in 0..<n {
                    for k in 0..<kernels { weighted[r * kernels + k] -= normalizers[kernelLookup[k]] }
                }
            }
        }
        if !continuous.isEmpty {
            let d = continuous.count
            // a, b per (kernel, parameter); the mass of each computed once, as Optuna does.
            var a = [Double](repeating: 0, count: kernels * d), b = a, mus = a, sigmas = a
            for (j, i) in continuous.enumerated() {
                guard case .numerical(let mu, let sigma, _, _, _, _) = distributions[i] else { continue }
                let (low, high) = distributions[i].adaptedBounds
                for k in 0..<kernels {
                    mus[k * d + j] = mu[k]
                    sigmas[k * d + j] = sigma[k]
                    a[k * d + j] = (low - mu[k]) / sigma[k]
                    b[k * d + j] = (high - mu[k]) / sigma[k]
                }
            }
            let mass = OptunaTruncatedNormal.logGaussMass(a, b)
            let logScale = sigmas.map { Foundation.log($0) }
            // Each sample's value per parameter, in log space for log ranges (computed once).
            var xs = [Double](repeating: 0, count: n * d)
            for (j, i) in continuous.enumerated() {
                let isLog = distributions[i].isLogDistribution
                for r in 0..<n { xs[r * d + j] = isLog ? Foundation.log(samples[i][r]) : samples[i][r] }
            }
            let c = OptunaTruncatedNormal.normPdfLogC
            xs.withUnsafeBufferPointer { xs in
              mus.withUnsafeBufferPointer { mus in
                sigmas.withUnsafeBufferPointer { sigmas in
                  a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                      mass.withUnsafeBufferPointer { mass in
                        logScale.withUnsafeBufferPointer { logScale in
                          weighted.withUnsafeMutableBufferPointer { weighted in
                            var terms = [Double](repeating: 0, count: d)
                            for r in 0..<n {
                                let x = xs.baseAddress! + r * d
                                for k in 0..<kernels {
                                    let base = k * d
                                    for j in 0..<d {
                                        let slot = base + j
                                        let standard = (x[j] - mus[slot]) / sigmas[slot]
                                        if a[slot] == b[slot] {
                                            terms[j] = .nan
                                        } else if standard < a[slot] || standard > b[slot] {
                                            terms[j] = -.infinity
                                        } else {
                                            terms[j] = (-(standard * standard) / 2.0 - c) - mass[slot] - logScale[slot]
                                        }
                                    }
                                    var sum: Double
                                    if d < 8 {
                                        // NumPy's sum of fewer than 8 values: in order, from 0.
                                        sum = 0
                                        for j in 0..<d { sum += terms[j] }
                                    } else {
                                        sum = NumPySum.pairwise(count: d) { terms[$0] }
                                    }
                                    weighted[r * kernels + k] += sum
                                }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
        }
        let logWeights = weights.map { Foundation.log($0) }
        var exps = [Double](repeating: 0, count: kernels)
        return (0..<n).map { r in
            var maximum = -Double.infinity
            for k in 0..<kernels {
                weighted[r * kernels + k] += logWeights[k]
                maximum = Swift.max(maximum, weighted[r * kernels + k])
            }
            if maximum == -.infinity { maximum = 0 }
            for k in 0..<kernels { exps[k] = Foundation.exp(weighted[r * kernels + k] - maximum) }
            let total = exps.withUnsafeBufferPointer { NumPySum.pairwise($0) }
            return Foundation.log(total) + maximum
        }
    }
}

extension BatchedDistribution {
    var isLogDistribution: Bool {
        if case .numerical(_, _, _, _, _, let isLog) = self { return isLog }
        return false
    }
}

/// A pair of doubles compared as NumPy compares them (`0.0 == -0.0`).
struct PairKey: Hashable {
    let a: Double, b: Double
    init(_ a: Double, _ b: Double) {
        self.a = a == 0 ? 0 : a
        self.b = b == 0 ? 0 : b
    }
}
