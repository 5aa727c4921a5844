import Foundation

extension FFT {
    /// The analytic signal `x + i·H(x)` of a real signal, as `scipy.signal.hilbert`: the
    /// transform's negative frequencies zeroed, the positive ones doubled (DC and, for even
    /// lengths, the Nyquist bin kept once), transformed back.
    ///
    /// Its magnitude is the envelope (instantaneous amplitude); the derivative of its unwrapped
    /// phase is the instantaneous frequency.
    public func analyticSignal(_ signal: [Double]) -> (re: [Double], im: [Double]) {
        precondition(signal.count == count, "the signal must have \(count) points")
        return analyticSignal(spectrum: forwardReal(full: signal))
    }

    /// The analytic signal from the full transform of a real signal (saves a transform when the
    /// spectrum is at hand).
    public func analyticSignal(spectrum: (re: [Double], im: [Double])) -> (re: [Double], im: [Double]) {
        var (re, im) = spectrum
        let half = count / 2
        for k in 1..<max(count, 1) {
            let factor: Double
            if count % 2 == 0 {
                factor = k < half ? 2 : (k == half ? 1 : 0)
            } else {
                factor = k <= half ? 2 : 0
            }
            re[k] *= factor
            im[k] *= factor
        }
        inverse(&re, &im)
        return (re, im)
    }
}
