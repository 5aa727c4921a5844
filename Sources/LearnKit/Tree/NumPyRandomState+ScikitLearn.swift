import ToolboxCore

/// scikit-learn's uses of NumPy's `RandomState`.
extension NumPyRandomState {
    /// The two seeds scikit-learn's `HistGradientBoosting` draws from `random_state` with
    /// `RandomState(random_state).randint(2³² − 1)`: the first seeds binning's subsample and
    /// early stopping's split, the second the `max_features` generator. `nil` for seeds above
    /// 2³² − 1, which NumPy refuses.
    static func histGradientBoostingSeeds(randomState: UInt64) -> (random: UInt32, featureSubsample: UInt32)? {
        guard randomState <= UInt64(UInt32.max) else { return nil }
        var state = NumPyRandomState(seed: UInt32(randomState))
        let random = UInt32(state.randint(0, Int(UInt32.max)))
        return (random, UInt32(state.randint(0, Int(UInt32.max))))
    }

    /// The xorshift state a scikit-learn splitter takes from `random_state`.
    static func splitterState(seed: UInt32) -> UInt64 {
        var random = NumPyRandomState(seed: seed)
        return UInt64(random.randint(0, maxInt))
    }
}
