import Foundation

/// NumPy's legacy `RandomState`: the Mersenne Twister MT19937 (Matsumoto and Nishimura, 1998)
/// seeded with `init_genrand`, and `randint` by masked rejection sampling.
///
/// The tree and forest estimators derive their random choices from it exactly as
/// scikit-learn does from `random_state`, so a seed here grows the trees scikit-learn grows
/// with the same `random_state`.
package struct NumPyRandomState {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624
    /// The second value of the last polar Box–Muller pair, kept for the next normal draw.
    private var cachedGaussian: Double?

    package init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    package mutating func nextUInt32() -> UInt32 {
        if index >= 624 {
            for i in 0..<624 {
                let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
                var next = state[(i + 397) % 624] ^ (y >> 1)
                if y & 1 != 0 { next ^= 0x9908_B0DF }
                state[i] = next
            }
            index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// `randint(low, high)` for a range below 2³²: draws masked to the smallest covering power
    /// of two, rejected until in range.
    package mutating func randint(_ low: Int, _ high: Int) -> Int {
        let range = UInt32(high - low - 1)
        if range == 0 { return low }
        var mask = range
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        while true {
            let value = nextUInt32() & mask
            if value <= range { return low + Int(value) }
        }
    }

    /// `standard_normal()` / `randn()`: NumPy's legacy polar Box–Muller, which draws pairs and
    /// keeps the second value for the next call.
    package mutating func standardNormal() -> Double {
        if let cached = cachedGaussian {
            cachedGaussian = nil
            return cached
        }
        var x1 = 0.0, x2 = 0.0, r2 = 0.0
        repeat {
            x1 = 2.0 * randomSample() - 1.0
            x2 = 2.0 * randomSample() - 1.0
            r2 = x1 * x1 + x2 * x2
        } while r2 >= 1.0 || r2 == 0.0
        let f = (-2.0 * log(r2) / r2).squareRoot()
        cachedGaussian = f * x1
        return f * x2
    }

    /// `random_sample()`: a double in [0, 1) from two draws (27 and 26 bits), as NumPy's
    /// legacy `random_double`.
    package mutating func randomSample() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864 + b) / 9_007_199_254_740_992
    }

    /// `shuffle(array)`: Fisher–Yates from the end, each swap partner `random_interval(i)`.
    package mutating func shuffle(_ array: inout [Int]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, through: 1, by: -1) {
            array.swapAt(i, randint(0, i + 1))
        }
    }

    /// `permutation(n)`: `0..<n` shuffled.
    package mutating func permutation(_ n: Int) -> [Int] {
        var array = Array(0..<n)
        shuffle(&array)
        return array
    }

    /// scikit-learn's `_approximate_mode(counts, draws, rng)`: each class's share of `draws`
    /// floored, the rest added to the largest remainders, ties broken by `choice(replace=False)`.
    package mutating func approximateMode(_ counts: [Int], draws: Int) -> [Int] {
        let total = Double(counts.reduce(0, +))
        let continuous = counts.map { Double($0) / total * Double(draws) }
        var floored = continuous.map { $0.rounded(.down) }
        var needed = draws - Int(floored.reduce(0, +))
        guard needed > 0 else { return floored.map { Int($0) } }
        let remainder = zip(continuous, floored).map { $0 - $1 }
        for value in Set(remainder).sorted(by: >) {
            let tied = remainder.indices.filter { remainder[$0] == value }
            let take = min(tied.count, needed)
            for position in permutation(tied.count).prefix(take) { floored[tied[position]] += 1 }
            needed -= take
            if needed == 0 { break }
        }
        return floored.map { Int($0) }
    }

    /// scikit-learn's `MAX_INT` / `RAND_R_MAX`: 2³¹ − 1.
    package static let maxInt = 2_147_483_647

    /// `seed` as NumPy's `RandomState` takes it: 0...2³²−1, larger seeds rejected (NumPy
    /// raises), never truncated.
    package static func validatedSeed(_ seed: UInt64, parameter: String = "random_state") throws -> UInt32 {
        guard let state = UInt32(exactly: seed) else {
            throw ToolboxError(.invalidParameter, "\(parameter) must be in 0...\(UInt32.max) (NumPy's RandomState takes 32 bits), got \(seed)",
                               context: ErrorContext(parameter: parameter))
        }
        return state
    }

    /// The generator's state, as NumPy's `get_state()` holds it: the 624 key words (big-endian,
    /// base64) and the position, to save and restore a generator mid-stream.
    package var json: JSONValue {
        var bytes = [UInt8]()
        bytes.reserveCapacity(624 * 4)
        for word in state { bytes += [UInt8(word >> 24), UInt8((word >> 16) & 0xFF), UInt8((word >> 8) & 0xFF), UInt8(word & 0xFF)] }
        var members: [String: JSONValue] = ["algorithm": .string("MT19937"), "key": .string(Data(bytes).base64EncodedString()), "pos": .number(Double(index))]
        if let cachedGaussian { members["cached_gaussian"] = .number(cachedGaussian) }
        return .object(members)
    }

    /// A generator in a state ``json`` gave.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` for anything else.
    package init(json: JSONValue) throws {
        guard case .object(let members) = json, case .number(let position)? = members["pos"], position >= 0, position <= 624, position == position.rounded() else {
            throw ToolboxError(.invalidParameter, "not a Mersenne Twister state (624 key words and a position)")
        }
        // The key as 624 numbers (NumPy's `get_state()` list) or as their big-endian bytes in base64.
        if case .array(let words)? = members["key"], words.count == 624 {
            state = try words.map { word in
                guard case .number(let value) = word, let exact = UInt32(exactly: value) else {
                    throw ToolboxError(.invalidParameter, "a Mersenne Twister key word must be a 32-bit whole number")
                }
                return exact
            }
            index = Int(position)
            if case .number(let cached)? = members["cached_gaussian"] { cachedGaussian = cached }
            return
        }
        guard case .string(let key)? = members["key"], let data = Data(base64Encoded: key), data.count == 624 * 4 else {
            throw ToolboxError(.invalidParameter, "not a Mersenne Twister state (624 key words and a position)")
        }
        let bytes = [UInt8](data)
        var words = [UInt32](repeating: 0, count: 624)
        for i in 0..<624 {
            let high = UInt32(bytes[4 * i]) << 24 | UInt32(bytes[4 * i + 1]) << 16
            words[i] = high | UInt32(bytes[4 * i + 2]) << 8 | UInt32(bytes[4 * i + 3])
        }
        state = words
        index = Int(position)
        if case .number(let cached)? = members["cached_gaussian"] { cachedGaussian = cached }
    }
}
