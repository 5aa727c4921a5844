import Foundation

/// The seeded pseudo-random generator every DS Toolbox estimator uses: xoshiro256** 1.0
/// (Blackman and Vigna, "Scrambled Linear Pseudorandom Number Generators", ACM TOMS 2021).
///
/// The 256-bit state is filled from the 64-bit seed with SplitMix64, as the authors recommend,
/// so `SeededGenerator(seed: s)` produces the same stream as the reference C code seeded the
/// same way, on every platform and Swift version. Period 2²⁵⁶ − 1; passes BigCrush.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let u = rng.nextUniform()          // [0, 1)
/// let z = rng.nextNormal()           // N(0, 1)
/// var order = Array(0..<10); rng.shuffle(&order)
/// ```
///
/// Swift's own `shuffled(using:)` and `random(in:using:)` accept this generator too, but their
/// algorithms are not promised to stay the same across Swift releases: use the methods here
/// where a result must be reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable, Codable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// A second normal deviate from the last Box–Muller pair, if not yet used.
    private var spareNormal: Double?

    /// Seeds the generator, expanding `seed` into the state with SplitMix64.
    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
        spareNormal = nil
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A generator for stream `index`, independent of this one: used to give each tree of a
    /// forest (or each parallel chunk) its own stream, whatever the thread count.
    public func derived(stream index: UInt64) -> SeededGenerator {
        var copy = self
        let mixed = copy.next() ^ (index &* 0x9E37_79B9_7F4A_7C15)
        return SeededGenerator(seed: mixed)
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

extension SeededGenerator {
    /// A uniform double in `[0, 1)` with 53 random bits (`(next() >> 11) · 2⁻⁵³`).
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in `[lower, upper)`.
    public mutating func nextUniform(in lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUniform()
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-and-reject).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A standard normal deviate by the Box–Muller transform; deviates come in pairs and the
    /// second is kept for the next call.
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - nextUniform()
        let u2 = nextUniform()
        let radius = (-2.0 * log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }

    /// A normal deviate with the given mean and standard deviation.
    public mutating func nextNormal(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * nextNormal()
    }

    /// Shuffles `array` in place (Fisher–Yates, from the end).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// A random permutation of `0..<count`.
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        shuffle(&order)
        return order
    }

    /// `count` distinct indices from `0..<population`, in random order.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when `count > population`.
    public mutating func sampleWithoutReplacement(_ count: Int, from population: Int) throws -> [Int] {
        guard count >= 0, count <= population else {
            throw ToolboxError(.invalidParameter, "cannot draw \(count) distinct items from \(population)",
                               context: ErrorContext(parameter: "count"))
        }
        if count * 4 >= population {
            // Partial Fisher–Yates over the whole range.
            var pool = Array(0..<population)
            for i in 0..<count {
                let j = i + nextInt(below: population - i)
                pool.swapAt(i, j)
            }
            return Array(pool[0..<count])
        }
        // Floyd's algorithm keeps memory proportional to `count`.
        var chosen = Set<Int>(minimumCapacity: count)
        var result: [Int] = []
        result.reserveCapacity(count)
        for j in (population - count)..<population {
            let t = nextInt(below: j + 1)
            if chosen.insert(t).inserted { result.append(t) } else { chosen.insert(j); result.append(j) }
        }
        shuffle(&result)
        return result
    }

    /// `count` indices from `0..<population` drawn with replacement (bootstrap sampling).
    public mutating func sampleWithReplacement(_ count: Int, from population: Int) -> [Int] {
        precondition(population > 0 || count == 0, "cannot sample from an empty population")
        return (0..<count).map { _ in nextInt(below: population) }
    }

    /// `count` indices drawn with replacement with probability proportional to `weights`.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` for negative, non-finite or all-zero weights.
    public mutating func sampleWeighted(_ count: Int, weights: [Double]) throws -> [Int] {
        var cumulative: [Double] = []
        cumulative.reserveCapacity(weights.count)
        var total = 0.0
        for (i, w) in weights.enumerated() {
            guard w.isFinite, w >= 0 else {
                throw ToolboxError(.invalidParameter, "weight \(w) at index \(i) is not a finite non-negative number",
                                   context: ErrorContext(row: i, parameter: "weights"))
            }
            total += w
            cumulative.append(total)
        }
        guard total > 0 else {
            throw ToolboxError(.invalidParameter, "weights sum to zero", context: ErrorContext(parameter: "weights"))
        }
        return (0..<count).map { _ in
            let target = nextUniform() * total
            var lo = 0, hi = cumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] > target { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
    }
}
