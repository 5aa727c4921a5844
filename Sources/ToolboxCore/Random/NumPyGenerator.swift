/// NumPy's `np.random.default_rng(seed)`: a `SeedSequence` (O'Neill's hash-mixing of the
/// seed's 32-bit words into a pool of four, then the state words drawn from the pool) seeding
/// PCG64 (a 128-bit LCG with the XSL-RR output), and `shuffle` as NumPy's `Generator` does it.
///
/// scikit-learn's `HistGradientBoosting` draws the features each split considers
/// (`max_features`) from such a generator, so the same seed draws the same features.
package struct NumPyGenerator {
    private var state: UInt128
    private let increment: UInt128
    /// The upper half of the last 64-bit draw, kept for the next 32-bit draw.
    private var buffered: UInt32?

    private static let multiplier = UInt128(0x2360_ED05_1FC6_5DA4) << 64 | UInt128(0x4385_DF64_9FCC_F645)

    package init(seed: UInt64) {
        let words = Self.seedSequenceState(seed: seed, words: 8)
        // Four 64-bit words, each two 32-bit words little-endian: the state, then the stream.
        let wide = (0..<4).map { UInt64(words[2 * $0]) | UInt64(words[2 * $0 + 1]) << 32 }
        let initial = UInt128(wide[0]) << 64 | UInt128(wide[1])
        let sequence = UInt128(wide[2]) << 64 | UInt128(wide[3])
        increment = sequence << 1 | 1
        state = 0
        step()
        state &+= initial
        step()
    }

    private mutating func step() { state = state &* Self.multiplier &+ increment }

    /// The next 64-bit output (the state advanced, then XSL-RR of the new state).
    package mutating func nextUInt64() -> UInt64 {
        step()
        let folded = UInt64(truncatingIfNeeded: state >> 64) ^ UInt64(truncatingIfNeeded: state)
        let rotation = UInt64(truncatingIfNeeded: state >> 122)
        return folded >> rotation | folded << ((64 &- rotation) & 63)
    }

    /// The next 32-bit output: the low half of a 64-bit draw, then its high half.
    package mutating func nextUInt32() -> UInt32 {
        if let high = buffered {
            buffered = nil
            return high
        }
        let next = nextUInt64()
        buffered = UInt32(truncatingIfNeeded: next >> 32)
        return UInt32(truncatingIfNeeded: next)
    }

    /// `random_interval(max)`: a uniform integer in 0...max by masked rejection.
    package mutating func interval(_ max: Int) -> Int {
        guard max > 0 else { return 0 }
        var mask = UInt64(max)
        for shift in [1, 2, 4, 8, 16, 32] { mask |= mask >> UInt64(shift) }
        if max <= Int(UInt32.max) {
            while true {
                let value = UInt64(nextUInt32()) & mask
                if value <= UInt64(max) { return Int(value) }
            }
        }
        while true {
            let value = nextUInt64() & mask
            if value <= UInt64(max) { return Int(value) }
        }
    }

    /// `Generator.shuffle` of a one-dimensional array: from the end, each element swapped with
    /// one at `interval(i)`.
    package mutating func shuffle<Element>(_ array: inout [Element]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, through: 1, by: -1) { array.swapAt(i, interval(i)) }
    }

    /// `SeedSequence(seed).generate_state(words, uint32)`.
    package static func seedSequenceState(seed: UInt64, words: Int) -> [UInt32] {
        let initA: UInt32 = 0x43B0_D7E5, multiplyA: UInt32 = 0x931E_8875
        let initB: UInt32 = 0x8B51_F9DD, multiplyB: UInt32 = 0x58F3_8DED
        let mixLeft: UInt32 = 0xCA01_F9DD, mixRight: UInt32 = 0x4973_F715
        // The seed as 32-bit words, least significant first (at least one).
        var entropy = [UInt32(truncatingIfNeeded: seed)]
        if seed >> 32 != 0 { entropy.append(UInt32(truncatingIfNeeded: seed >> 32)) }
        var hashConstant = initA
        func hashmix(_ input: UInt32) -> UInt32 {
            var value = input ^ hashConstant
            hashConstant = hashConstant &* multiplyA
            value = value &* hashConstant
            return value ^ (value >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let result = mixLeft &* x &- mixRight &* y
            return result ^ (result >> 16)
        }
        var pool = [UInt32](repeating: 0, count: 4)
        for i in 0..<4 { pool[i] = hashmix(i < entropy.count ? entropy[i] : 0) }
        for source in 0..<4 {
            for destination in 0..<4 where source != destination {
                pool[destination] = mix(pool[destination], hashmix(pool[source]))
            }
        }
        var constant = initB
        return (0..<words).map { index in
            var value = pool[index % 4] ^ constant
            constant = constant &* multiplyB
            value = value &* constant
            return value ^ (value >> 16)
        }
    }
}
