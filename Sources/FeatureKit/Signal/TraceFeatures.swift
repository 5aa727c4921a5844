public import ToolboxCore
import Foundation

/// Forty-two features of a seismic trace (or any evenly sampled signal), one row per trace, in
/// the order of ``TraceFeatureExtractor/featureNames``. With `x` the samples, `n` their count,
/// `dt` the sample interval in seconds, `μ` the mean and `σ` the population standard deviation:
///
/// | name | formula |
/// |---|---|
/// | `mean`, `std`, `variance` | μ; σ = √(Σ(x−μ)²/n); σ² |
/// | `min`, `max`, `peak_to_peak` | min x; max x; max − min |
/// | `abs_mean`, `abs_max` | mean \|x\|; max \|x\| |
/// | `rms`, `energy` | √(Σx²/n); Σx² |
/// | `skewness`, `kurtosis` | m₃/m₂^1.5; m₄/m₂² − 3, mₖ = Σ(x−μ)ᵏ/n (scipy.stats' biased defaults, Fisher excess); 0 when m₂ = 0 |
/// | `median`, `percentile_05/25/75/95`, `iqr` | NumPy's linear percentiles; iqr = p75 − p25 |
/// | `crest_factor` | abs_max / rms (0 when rms = 0) |
/// | `zero_crossing_rate` | #{i : (x_i < 0) ≠ (x_{i+1} < 0)} / (n − 1) |
/// | `mean_crossing_rate` | the same for x − μ |
/// | `mean_abs_change` | Σ\|x_{i+1} − x_i\| / (n − 1) |
/// | `autocorrelation_lag_1/2/5/10` | Σ(x_i−μ)(x_{i+k}−μ) / Σ(x_i−μ)² (0 when the denominator is 0 or k ≥ n) |
/// | `peak_time` | dt · (first index of max \|x\|), seconds |
/// | `dominant_frequency`, `dominant_amplitude` | f_k and \|X_k\| of the largest \|rfft\| bin excluding DC (the first on ties; 0 when all are 0); f_k = k/(n·dt) Hz |
/// | `spectral_centroid` | Σ f_k\|X_k\| / Σ\|X_k\| over every rfft bin |
/// | `spectral_bandwidth` | √(Σ\|X_k\|(f_k − centroid)² / Σ\|X_k\|) |
/// | `spectral_rolloff` | the smallest f_k with Σ_{j≤k}\|X_j\| ≥ 0.85·Σ\|X_j\| |
/// | `spectral_flatness` | exp(mean log P_k) / mean P_k, P_k = max(\|X_k\|², 1e-20) |
/// | `spectral_entropy` | −Σ p_k ln p_k / ln(bins), p_k = \|X_k\|² / Σ\|X_j\|² |
/// | `band_energy_0...3` | Σ\|X_k\|² over f_k in the b-th quarter of [0, Nyquist] (the last closed) / Σ\|X_k\|² |
/// | `envelope_mean`, `envelope_max`, `envelope_std` | of \|x + i·H(x)\|, the analytic signal (scipy.signal.hilbert) |
/// | `instantaneous_frequency_mean` | mean of diff(unwrap(angle(x + i·H(x)))) / (2π·dt), Hz; steps where the envelope is below 1e-9 of its maximum, or of ±π within 1e-6 (a polarity flip), have no defined direction and count as 0 |
///
/// Spectral magnitudes below 1e-13 of the largest are taken as 0 (rounding noise, such as a
/// constant trace's non-DC bins).
///
/// Spectral ratios are 0 for an all-zero trace; a one-sample trace has rates, autocorrelations
/// and frequencies 0. Nothing is NaN unless a sample is: ``TraceFeatureComputer`` gives a trace
/// with a NaN or infinite sample NaN for every feature (a dead or corrupt trace is marked, not
/// half-described), and the fitted extractor's `transform` rejects such input naming the row and
/// column, as every transformer does.
public struct TraceFeatureExtractor: UnsupervisedEstimator, Configurable, Hashable {
    /// `sample_interval` (seconds > 0, default 0.004): the time between samples (SEG-Y gives
    /// it in microseconds: divide by 1e6).
    public var sampleInterval: Double

    /// The estimator with its defaults (scikit-learn's).
    public init() { sampleInterval = 0.004 }
    /// An extractor for traces sampled every `sampleInterval` seconds.
    public init(sampleInterval: Double) { self.sampleInterval = sampleInterval }

    /// The hyperparameters by their snake_case names (`sample_interval`).
    public static let hyperparameterSchema: [Hyperparameter<TraceFeatureExtractor>] = [
        .real("sample_interval", \.sampleInterval, minimum: 0, exclusiveMinimum: true, "seconds between samples"),
    ]

    /// The feature names, in column order.
    public static let featureNames: [String] = [
        "mean", "std", "variance", "min", "max", "peak_to_peak", "abs_mean", "abs_max", "rms", "energy", "skewness", "kurtosis",
        "median", "percentile_05", "percentile_25", "percentile_75", "percentile_95", "iqr", "crest_factor", "zero_crossing_rate",
        "mean_crossing_rate", "mean_abs_change", "autocorrelation_lag_1", "autocorrelation_lag_2", "autocorrelation_lag_5",
        "autocorrelation_lag_10", "peak_time", "dominant_frequency", "dominant_amplitude", "spectral_centroid",
        "spectral_bandwidth", "spectral_rolloff", "spectral_flatness", "spectral_entropy", "band_energy_0", "band_energy_1",
        "band_energy_2", "band_energy_3", "envelope_mean", "envelope_max", "envelope_std", "instantaneous_frequency_mean",
    ]

    /// Checks the interval; the extractor learns nothing from data.
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        guard sampleInterval > 0, sampleInterval.isFinite else {
            throw ToolboxError(.invalidParameter, "sample_interval must be a positive number of seconds", context: ErrorContext(parameter: "sample_interval"))
        }
        try x.validateNotEmpty()
        try x.validateFinite()
        return Model(hyperparameters: self, inputFeatureCount: x.columns,
                     schema: try context.validated(x: x, y: [Double](repeating: 0, count: x.rows)))
    }

    /// A fitted extractor: the trace length it takes.
    public struct Model: Transformer {
        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.TraceFeatureExtractor"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: TraceFeatureExtractor
        /// Samples per trace.
        public let inputFeatureCount: Int
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of columns the transform outputs.
        public var outputFeatureCount: Int { TraceFeatureExtractor.featureNames.count }
        /// The output column names given the input names (scikit-learn's `get_feature_names_out`).
        public func outputFeatureNames(input: [String]) -> [String] { TraceFeatureExtractor.featureNames }
        /// The categorical columns of the output, given those of the input.
        public func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] { [] }

        /// The features of every row (trace), in parallel over traces.
        /// - Complexity: O(n log n) per trace.
        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(inputFeatureCount)
            try x.validateFinite()
            let extractor = try TraceFeatureComputer(count: inputFeatureCount, sampleInterval: hyperparameters.sampleInterval)
            let width = outputFeatureCount
            let blocks = try Parallel.map(count: x.rows, grain: 256) { range -> [Double] in
                var out: [Double] = []
                out.reserveCapacity(range.count * width)
                for i in range { out += extractor.unchecked(x.row(i)) }
                return out
            }
            return try Matrix(rows: x.rows, columns: width, values: blocks.flatMap { $0 })
        }
    }
}

/// Computes ``TraceFeatureExtractor``'s features for traces of one length (the FFT plan is shared).
public struct TraceFeatureComputer: Sendable {
    /// The trace length (samples) this computer serves.
    public let count: Int
    /// The sampling interval, in seconds.
    public let sampleInterval: Double
    private let fft: FFT

    /// - Throws: `ToolboxError/Code/invalidParameter` unless `count` is in
    ///   1...``FFT/maximumCount`` and `sampleInterval` is a positive number of seconds.
    public init(count: Int, sampleInterval: Double) throws {
        guard sampleInterval > 0, sampleInterval.isFinite else {
            throw ToolboxError(.invalidParameter, "sample_interval must be a positive number of seconds, got \(sampleInterval)",
                               context: ErrorContext(parameter: "sample_interval"))
        }
        self.count = count
        self.sampleInterval = sampleInterval
        fft = try FFT(count: count)
    }

    /// The features of one trace of `count` samples, in ``TraceFeatureExtractor/featureNames`` order.
    ///
    /// - Throws: `ToolboxError/Code/shapeMismatch` when the trace does not have `count` samples.
    /// - Returns: NaN for every feature when a sample is NaN or infinite.
    public func features(_ x: [Double]) throws -> [Double] {
        guard x.count == count else {
            throw ToolboxError(.shapeMismatch, "a trace of \(count) samples is expected, got \(x.count)",
                               context: ErrorContext(parameter: "x"))
        }
        guard !x.contains(where: { !$0.isFinite }) else { return [Double](repeating: .nan, count: TraceFeatureExtractor.featureNames.count) }
        return unchecked(x)
    }

    /// ``features(_:)`` for a trace whose length the caller has checked.
    func unchecked(_ x: [Double]) -> [Double] {
        let n = x.count, dn = Double(n), dt = sampleInterval
        var out: [Double] = []
        out.reserveCapacity(TraceFeatureExtractor.featureNames.count)
        let mean = x.reduce(0, +) / dn
        var m2 = 0.0, m3 = 0.0, m4 = 0.0, energy = 0.0, absSum = 0.0, absMax = 0.0, peak = 0
        for (i, v) in x.enumerated() {
            let d = v - mean, d2 = d * d
            m2 += d2
            m3 += d2 * d
            m4 += d2 * d2
            energy += v * v
            absSum += abs(v)
            if abs(v) > absMax { absMax = abs(v); peak = i }
        }
        m2 /= dn
        m3 /= dn
        m4 /= dn
        let std = m2.squareRoot(), rms = (energy / dn).squareRoot()
        let low = x.min() ?? 0, high = x.max() ?? 0
        out += [mean, std, m2, low, high, high - low, absSum / dn, absMax, rms, energy]
        out.append(m2 > 0 ? m3 / (m2 * std) : 0)
        out.append(m2 > 0 ? m4 / (m2 * m2) - 3 : 0)
        let q = Quantile.linear(selecting: x, [0.05, 0.25, 0.5, 0.75, 0.95])
        out += [q[2], q[0], q[1], q[3], q[4], q[3] - q[1]]
        out.append(rms > 0 ? absMax / rms : 0)
        var zero = 0, meanCross = 0, change = 0.0
        for i in 0..<max(n - 1, 0) {
            if (x[i] < 0) != (x[i + 1] < 0) { zero += 1 }
            if (x[i] - mean < 0) != (x[i + 1] - mean < 0) { meanCross += 1 }
            change += abs(x[i + 1] - x[i])
        }
        let pairs = Double(max(n - 1, 1))
        out += n > 1 ? [Double(zero) / pairs, Double(meanCross) / pairs, change / pairs] : [0, 0, 0]
        let denominator = m2 * dn
        for lag in [1, 2, 5, 10] {
            guard lag < n, denominator > 0 else { out.append(0); continue }
            var sum = 0.0
            for i in 0..<(n - lag) { sum += (x[i] - mean) * (x[i + lag] - mean) }
            out.append(sum / denominator)
        }
        out.append(Double(peak) * dt)
        // One transform serves the spectrum and the analytic signal.
        let spectrum = fft.realChecked(x)
        out += spectral(spectrum, n: n, dt: dt)
        out += envelope(fft.analyticChecked(spectrum: spectrum), n: n, dt: dt)
        return out
    }

    private func spectral(_ spectrum: (re: [Double], im: [Double]), n: Int, dt: Double) -> [Double] {
        let (re, im) = spectrum
        let bins = n / 2 + 1
        // Bins below 1e-13 of the largest are rounding noise (a constant trace's non-DC bins), 0.
        let raw = (0..<bins).map { (re[$0] * re[$0] + im[$0] * im[$0]).squareRoot() }
        let floor = 1e-13 * (raw.max() ?? 0)
        let magnitude = raw.map { $0 < floor ? 0 : $0 }
        let frequency = (0..<bins).map { Double($0) / (Double(n) * dt) }
        var dominant = 0
        for k in 1..<max(bins, 1) where dominant == 0 || magnitude[k] > magnitude[dominant] { dominant = k }
        let total = magnitude.reduce(0, +)
        let power = magnitude.map { $0 * $0 }, totalPower = power.reduce(0, +)
        var features: [Double] = dominant > 0 && magnitude[dominant] > 0 ? [frequency[dominant], magnitude[dominant]] : [0, 0]
        guard total > 0, totalPower > 0 else { return features + [Double](repeating: 0, count: 10) }
        let centroid = zip(frequency, magnitude).reduce(0) { $0 + $1.0 * $1.1 } / total
        let bandwidth = (zip(frequency, magnitude).reduce(0) { $0 + $1.1 * ($1.0 - centroid) * ($1.0 - centroid) } / total).squareRoot()
        var cumulative = 0.0, rolloff = frequency[bins - 1]
        for k in 0..<bins {
            cumulative += magnitude[k]
            if cumulative >= 0.85 * total { rolloff = frequency[k]; break }
        }
        let floored = power.map { max($0, 1e-20) }
        let flatness = exp(floored.reduce(0) { $0 + log($1) } / Double(bins)) / (floored.reduce(0, +) / Double(bins))
        let entropy = bins > 1
            ? -power.reduce(0) { p, value in value > 0 ? p + (value / totalPower) * log(value / totalPower) : p } / log(Double(bins))
            : 0
        let nyquist = frequency[bins - 1]
        var bands = [Double](repeating: 0, count: 4)
        for k in 0..<bins {
            let band = nyquist > 0 ? min(3, Int(4 * frequency[k] / nyquist)) : 0
            bands[band] += power[k]
        }
        features += [centroid, bandwidth, rolloff, flatness, entropy]
        features += bands.map { $0 / totalPower }
        return features
    }

    private func envelope(_ analytic: (re: [Double], im: [Double]), n: Int, dt: Double) -> [Double] {
        let (re, im) = analytic
        let envelope = zip(re, im).map { ($0 * $0 + $1 * $1).squareRoot() }
        let mean = envelope.reduce(0, +) / Double(n)
        let std = (envelope.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
        // Mean of the unwrapped phase's differences, each wrapped into [−π, π] (NumPy's unwrap).
        // Where the envelope is below 1e-9 of its maximum the phase is rounding noise: such
        // steps count as 0.
        var frequency = 0.0
        if n > 1 {
            let floor = 1e-9 * (envelope.max() ?? 0)
            var sum = 0.0
            var previous = atan2(im[0], re[0])
            for i in 1..<n {
                let phase = atan2(im[i], re[i])
                var step = phase - previous
                if step > Double.pi || step < -Double.pi { step -= 2 * Double.pi * (step / (2 * Double.pi)).rounded() }
                // A half-cycle jump (a polarity flip through zero) has no defined direction.
                if envelope[i] > floor && envelope[i - 1] > floor && abs(step) < Double.pi - 1e-6 { sum += step }
                previous = phase
            }
            frequency = sum / Double(n - 1) / (2 * Double.pi * dt)
        }
        return [mean, envelope.max() ?? 0, std, frequency]
    }
}
