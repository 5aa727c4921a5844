/// The uniforms the golden-value scripts generate (Scripts/golden/generate_drift.py's
/// `splitmix`): SplitMix64 from `seed`, each output's top 53 bits scaled to [0, 1). Tests build
/// the scripts' samples from these with exactly rounded operations, so no data is stored.
public enum SplitMix {
    public static func uniforms(seed: UInt64, count: Int) -> [Double] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) * (1.0 / 9_007_199_254_740_992.0)
        }
    }
}
