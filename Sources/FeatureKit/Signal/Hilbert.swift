import Foundation
import ToolboxCore

extension FFT {
    /// The analytic signal `x + i·H(x)` of a real signal, as `scipy.signal.hilbert`: the
    /// transform's negative frequencies zeroed, the positive ones doubled (DC and, for even
    /// lengths, the Nyquist bin kept once), transformed back.
    ///
    /// Its magnitude is the envelope (instantaneous amplitude); the derivative of its unwrapped
    /// phase is the instantaneous frequency.
    /// - Throws: `ToolboxError/Code/shapeMismatch` when the signal does not have `count` points.
    public func analyticSignal(_ signal: [Double]) throws -> (re: [Double], im: [Double]) {
        try checkLength(signal.count, "signal")
        return analyticChecked(spectrum: realChecked(signal))
    }

    /// The analytic signal from the full transform of a real signal (saves a transform when the
    /// spectrum is at hand).
    /// - Throws: `ToolboxError/Code/shapeMismatch` when the spectrum does not have `count` bins.
    public func analyticSignal(spectrum: (re: [Double], im: [Double])) throws -> (re: [Double], im: [Double]) {
        try checkLength(spectrum.re.count, "spectrum.re")
        try checkLength(spectrum.im.count, "spectrum.im")
        return analyticChecked(spectrum: spectrum)
    }

    /// ``analyticSignal(spectrum:)`` for a spectrum of the plan's length.
    func analyticChecked(spectrum: (re: [Double], im: [Double])) -> (re: [Double], im: [Double]) {
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
        inverseChecked(&re, &im)
        return (re, im)
    }
}
