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
    /// `orders[i]`, when given, is the argsort of parameter `i`'s transformed observations
    /// (ascending, ties by position), known from an earlier estimator.
    init(observations: [[Double]], space: [(name: String, distribution: Distribution)], parameters: ParzenEstimatorParameters,
         predeterminedWeights: [Double]? = nil, orders: [[Int]?]? = nil) {
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
            Self.distribution(observations.isEmpty ? [] : observations[i], space[i].distribution, parameters, order: orders?[i] ?? nil)
        }
    }

    static func distribution(_ observations: [Double], _ distribution: Distribution, _ parameters: ParzenEstimatorParameters,
                             order: [Int]? = nil) -> BatchedDistribution {
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
            return numerical(observations, low: d.low, high: d.high, step: d.step, log: d.log, parameters, order: order)
        case .int(let d):
            return numerical(observations, low: Double(d.low), high: Double(d.high), step: Double(d.step), log: d.log, parameters, order: order)
        }
    }

    static func numerical(_ observations: [Double], low originalLow: Double, high originalHigh: Double, step: Double?, log: Bool,
                          _ parameters: ParzenEstimatorParameters, order known: [Int]? = nil) -> BatchedDistribution {
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
            let order = known ?? Self.argsort(mus)
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
    ///
    /// Row by row, with one buffer of a density per kernel: each kernel's term adds, per
    /// parameter, what Optuna's batched evaluation adds, in its order (categorical and discrete
    /// parameters in order, then the continuous ones' sum, then the log weight), so the values
    /// are Optuna's; no candidates × kernels matrix is made.
    func logPdf(_ samples: [[Double]]) -> [Double] {
        let n = samples.first?.count ?? 0, kernels = weights.count
        // Categorical and discrete parameters, in order: what each adds to sample r's kernel k.
        enum Part {
            /// `table[choice * kernels + k]`: the log of kernel k's weight for the choice.
            case categorical(parameter: Int, table: [Double])
            /// `masses[lookup[r * kernels + k]]` minus `normalizers[k]`.
            case discrete(masses: [Double], lookup: [Int], normalizers: [Double])
        }
        var parts: [Part] = []
        var continuous: [Int] = []
        for (i, d) in distributions.enumerated() {
            switch d {
            case .categorical(let w):
                let choices = w.first?.count ?? 0
                var table = [Double](repeating: 0, count: choices * kernels)
                for c in 0..<choices { for k in 0..<kernels { table[c * kernels + k] = Foundation.log(w[k][c]) } }
                parts.append(.categorical(parameter: i, table: table))
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
                let unique = OptunaTruncatedNormal.logGaussMass(ka, kb)
                parts.append(.discrete(masses: masses, lookup: lookup, normalizers: kernelLookup.map { unique[$0] }))
            }
        }
        let dense = continuous.isEmpty ? nil : ContinuousKernels(continuous.map { distributions[$0] }, samples: continuous.map { samples[$0] }, kernels: kernels)
        let logWeights = weights.map { Foundation.log($0) }
        var row = [Double](repeating: 0, count: kernels), exps = row
        var scratch = [Double](repeating: 0, count: kernels * Swift.max(1, continuous.count < 8 ? 1 : continuous.count))
        var out = [Double](repeating: 0, count: n)
        for r in 0..<n {
            row.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            for part in parts {
                switch part {
                case .categorical(let i, let table):
                    let offset = Int(samples[i][r]) * kernels
                    for k in 0..<kernels { row[k] += table[offset + k] }
                case .discrete(let masses, let lookup, let normalizers):
                    for k in 0..<kernels {
                        row[k] += masses[lookup[r * kernels + k]]
                        row[k] -= normalizers[k]
                    }
                }
            }
            if let dense {
                row.withUnsafeMutableBufferPointer { w in scratch.withUnsafeMutableBufferPointer { dense.add(row: r, to: w.baseAddress!, scratch: $0.baseAddress!) } }
            }
            var maximum = -Double.infinity
            for k in 0..<kernels {
                row[k] += logWeights[k]
                maximum = Swift.max(maximum, row[k])
            }
            if maximum == -.infinity { maximum = 0 }
            // exp of anything below −746 is 0 in doubles: those kernels are not computed.
            for k in 0..<kernels {
                let shifted = row[k] - maximum
                exps[k] = shifted < -746 ? 0 : Foundation.exp(shifted)
            }
            let total = exps.withUnsafeBufferPointer { NumPySum.pairwise($0) }
            out[r] = Foundation.log(total) + maximum
        }
        return out
    }
}

/// The continuous parameters' kernels, laid out parameter-major (kernels contiguous) so that
/// the loop over kernels vectorizes: a, b, the log of each kernel's mass on the range (each
/// computed once, as Optuna does) and of its scale, and each sample's value (in log space for
/// log ranges).
struct ContinuousKernels {
    let kernels: Int, d: Int
    var mus: [Double], sigmas: [Double], a: [Double], b: [Double], mass: [Double], logScale: [Double]
    /// `xs[r * d + j]`; `inside[r * d + j]` whether it lies in parameter j's range.
    var xs: [Double], inside: [Bool]
    /// Whether parameter j's kernels all have σ > 0 and a < b.
    var regular: [Bool]

    init(_ distributions: [BatchedDistribution], samples: [[Double]], kernels: Int) {
        self.kernels = kernels
        d = distributions.count
        let n = samples.first?.count ?? 0
        mus = [Double](repeating: 0, count: kernels * d)
        sigmas = mus; a = mus; b = mus
        xs = [Double](repeating: 0, count: n * d)
        inside = [Bool](repeating: false, count: n * d)
        for (j, distribution) in distributions.enumerated() {
            guard case .numerical(let mu, let sigma, _, _, _, let isLog) = distribution else { continue }
            let (low, high) = distribution.adaptedBounds
            for k in 0..<kernels {
                mus[j * kernels + k] = mu[k]
                sigmas[j * kernels + k] = sigma[k]
                a[j * kernels + k] = (low - mu[k]) / sigma[k]
                b[j * kernels + k] = (high - mu[k]) / sigma[k]
            }
            for r in 0..<n {
                let x = isLog ? Foundation.log(samples[j][r]) : samples[j][r]
                xs[r * d + j] = x
                inside[r * d + j] = x >= low && x <= high
            }
        }
        mass = OptunaTruncatedNormal.logGaussMass(a, b)
        logScale = sigmas.map { Foundation.log($0) }
        let (sigmas, a, b, kernels) = (sigmas, a, b, kernels)
        regular = (0..<d).map { j in (0..<kernels).allSatisfy { k in sigmas[j * kernels + k] > 0 && a[j * kernels + k] < b[j * kernels + k] } }
    }

    /// Adds to `w[k]` the summed truncated-normal log densities of sample `r` under kernel `k`
    /// over the continuous parameters: per term `-(z²)/2 - log √(2π) - log mass - log σ` with
    /// `z = (x - μ)/σ` (NaN for an empty range, -∞ outside it), summed as NumPy sums the last
    /// axis (in order from 0 below 8 terms, pairwise from 8). `scratch` holds `kernels` values
    /// below 8 parameters, `kernels × d` from 8.
    func add(row r: Int, to w: UnsafeMutablePointer<Double>, scratch acc: UnsafeMutablePointer<Double>) {
        let c = OptunaTruncatedNormal.normPdfLogC
        mus.withUnsafeBufferPointer { mus in
          sigmas.withUnsafeBufferPointer { sigmas in
            a.withUnsafeBufferPointer { a in
              b.withUnsafeBufferPointer { b in
                mass.withUnsafeBufferPointer { mass in
                  logScale.withUnsafeBufferPointer { logScale in
                    let mu = mus.baseAddress!, sigma = sigmas.baseAddress!, lower = a.baseAddress!, upper = b.baseAddress!
                    let m = mass.baseAddress!, ls = logScale.baseAddress!
                    if d < 8 {
                        acc.update(repeating: 0, count: kernels)
                        for j in 0..<d {
                            let x = xs[r * d + j], o = j * kernels
                            if inside[r * d + j] && regular[j] {
                                // Every kernel's z lies in its [a, b] (x lies in the range, and
                                // subtraction and division by σ > 0 keep order): no checks.
                                // Four kernels at a time (the same IEEE operations per lane).
                                let xv = SIMD4<Double>(repeating: x), cv = SIMD4<Double>(repeating: c), two = SIMD4<Double>(repeating: 2)
                                var k = 0
                                while k + 4 <= kernels {
                                    let muv = UnsafeRawPointer(mu + o + k).loadUnaligned(as: SIMD4<Double>.self)
                                    let sv = UnsafeRawPointer(sigma + o + k).loadUnaligned(as: SIMD4<Double>.self)
                                    let mv = UnsafeRawPointer(m + o + k).loadUnaligned(as: SIMD4<Double>.self)
                                    let lv = UnsafeRawPointer(ls + o + k).loadUnaligned(as: SIMD4<Double>.self)
                                    let z = (xv - muv) / sv
                                    let term = ((-(z * z)) / two - cv) - mv - lv
                                    let sum = UnsafeRawPointer(acc + k).loadUnaligned(as: SIMD4<Double>.self) + term
                                    UnsafeMutableRawPointer(acc + k).storeBytes(of: sum, as: SIMD4<Double>.self)
                                    k += 4
                                }
                                while k < kernels {
                                    let z = (x - mu[o + k]) / sigma[o + k]
                                    acc[k] += (-(z * z) / 2.0 - c) - m[o + k] - ls[o + k]
                                    k += 1
                                }
                                continue
                            }
                            for k in 0..<kernels {
                                let z = (x - mu[o + k]) / sigma[o + k]
                                let term = (-(z * z) / 2.0 - c) - m[o + k] - ls[o + k]
                                let outside = z < lower[o + k] || z > upper[o + k]
                                acc[k] += lower[o + k] == upper[o + k] ? .nan : (outside ? -.infinity : term)
                            }
                        }
                        for k in 0..<kernels { w[k] += acc[k] }
                    } else {
                        // Eight or more parameters: NumPy's pairwise sum of each kernel's terms.
                        for j in 0..<d {
                            let x = xs[r * d + j], o = j * kernels
                            for k in 0..<kernels {
                                let z = (x - mu[o + k]) / sigma[o + k]
                                let term = (-(z * z) / 2.0 - c) - m[o + k] - ls[o + k]
                                let outside = z < lower[o + k] || z > upper[o + k]
                                acc[k * d + j] = lower[o + k] == upper[o + k] ? .nan : (outside ? -.infinity : term)
                            }
                        }
                        for k in 0..<kernels {
                            w[k] += NumPySum.pairwise(UnsafeBufferPointer(start: acc + k * d, count: d))
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

extension ParzenEstimator {
    /// The indices of `values` in ascending order, ties by index (a stable argsort; no NaN).
    static func argsort(_ values: [Double]) -> [Int] {
        var pairs = values.enumerated().map { Pair(value: $0.element, index: $0.offset) }
        pairs.withUnsafeMutableBufferPointer { quicksort($0.baseAddress!, 0, $0.count - 1) }
        return pairs.map(\.index)
    }

    struct Pair {
        var value: Double
        var index: Int
        @inline(__always) static func before(_ x: Pair, _ y: Pair) -> Bool { x.value < y.value || (x.value == y.value && x.index < y.index) }
    }

    /// Quicksort (median of three, insertion sort below 16) on distinct keys: any order it
    /// makes is the one order.
    private static func quicksort(_ a: UnsafeMutablePointer<Pair>, _ low: Int, _ high: Int) {
        var low = low, high = high
        while high - low > 16 {
            let mid = low + (high - low) / 2
            if Pair.before(a[mid], a[low]) { swap(&a[mid], &a[low]) }
            if Pair.before(a[high], a[low]) { swap(&a[high], &a[low]) }
            if Pair.before(a[high], a[mid]) { swap(&a[high], &a[mid]) }
            let pivot = a[mid]
            var i = low, j = high
            while i <= j {
                while Pair.before(a[i], pivot) { i += 1 }
                while Pair.before(pivot, a[j]) { j -= 1 }
                if i <= j { swap(&a[i], &a[j]); i += 1; j -= 1 }
            }
            // Recurse into the smaller side, loop on the larger (bounded stack).
            if j - low < high - i {
                quicksort(a, low, j)
                low = i
            } else {
                quicksort(a, i, high)
                high = j
            }
        }
        if high <= low { return }
        for i in (low + 1)...high {
            let item = a[i]
            var j = i - 1
            while j >= low, Pair.before(item, a[j]) { a[j + 1] = a[j]; j -= 1 }
            a[j + 1] = item
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
