import Foundation
import ToolboxCore

/// A discrete Fourier transform of any length, as NumPy's `numpy.fft` computes it
/// (`X_k = Σ x_j e^{−2πi jk/n}`, no scaling forward, 1/n backward).
///
/// Lengths whose prime factors are all at most 13 use a mixed-radix Cooley–Tukey transform
/// (decimation in time, radix-4 and radix-2 butterflies specialised, other factors by a general
/// butterfly); any other length uses Bluestein's chirp-z algorithm ("A Linear Filtering Approach
/// to the Computation of the Discrete Fourier Transform", 1970) over a power-of-two transform,
/// so every length costs O(n log n). Twiddle factors are computed directly from their angles
/// (never by repeated multiplication), for accuracy near NumPy's pocketfft.
///
/// ```swift
/// let fft = try FFT(count: 1000)
/// let (re, im) = try fft.forwardReal(samples)     // n/2 + 1 bins, as numpy.fft.rfft
/// ```
///
/// Lengths are checked: a plan of fewer than 1 or more than ``maximumCount`` points, or a
/// signal whose length is not the plan's, is a typed error, never a trap.
public struct FFT: Sendable {
    /// The transform length.
    public let count: Int
    private let plan: Plan

    private enum Plan: Sendable {
        case trivial
        case mixedRadix(MixedRadix)
        case bluestein(chirpRe: [Double], chirpIm: [Double], kernelRe: [Double], kernelIm: [Double], inner: MixedRadix)
    }

    /// A mixed-radix plan (also the power-of-two transform inside Bluestein's).
    struct MixedRadix: Sendable {
        let count: Int
        let factors: [Int]
        let cosines: [Double]
        let sines: [Double]
        /// Input index of each slot before the first stage (mixed-radix digit reversal).
        let permutation: [Int]

        init(count: Int, factors: [Int]) {
            self.count = count
            self.factors = factors
            permutation = FFT.digitReversal(factors)
            // cos and sin of 2πj/n, by octant symmetry from angles no larger than π/4.
            var cosines = [Double](repeating: 0, count: count), sines = [Double](repeating: 0, count: count)
            for j in 0..<count {
                let (c, s) = FFT.unitRoot(j, count)
                cosines[j] = c
                sines[j] = s
            }
            self.cosines = cosines
            self.sines = sines
        }
    }

    /// The longest transform a plan is made for (2²⁶ points: a Bluestein plan of that length
    /// holds about 4 GB of tables and buffers).
    public static let maximumCount = 1 << 26

    /// A transform of `count` points.
    /// - Throws: `ToolboxError/Code/invalidParameter` unless `count` is in 1...``maximumCount``.
    public init(count: Int) throws {
        guard count >= 1, count <= FFT.maximumCount else {
            throw ToolboxError(.invalidParameter, "an FFT takes 1...\(FFT.maximumCount) points, got \(count)",
                               context: ErrorContext(parameter: "count"))
        }
        self.init(checkedCount: count)
    }

    /// A plan for a length already checked to be in 1...maximumCount.
    init(checkedCount count: Int) {
        self.count = count
        if count == 1 {
            plan = .trivial
            return
        }
        if let factors = FFT.smallFactors(count) {
            plan = .mixedRadix(MixedRadix(count: count, factors: factors))
            return
        }
        // Bluestein: x_k w_k convolved with conj(w) over a power of two ≥ 2n − 1.
        var size = 1
        while size < 2 * count - 1 { size <<= 1 }
        let inner = MixedRadix(count: size, factors: FFT.smallFactors(size) ?? [size])
        var chirpRe = [Double](repeating: 0, count: count), chirpIm = [Double](repeating: 0, count: count)
        for k in 0..<count {
            // w_k = e^{−πi k²/n}: k² mod 2n keeps the angle exact.
            let (c, s) = FFT.unitRoot((k * k) % (2 * count), 2 * count)
            chirpRe[k] = c
            chirpIm[k] = -s
        }
        var kernelRe = [Double](repeating: 0, count: size), kernelIm = [Double](repeating: 0, count: size)
        for k in 0..<count {
            kernelRe[k] = chirpRe[k]
            kernelIm[k] = -chirpIm[k]
            if k > 0 {
                kernelRe[size - k] = chirpRe[k]
                kernelIm[size - k] = -chirpIm[k]
            }
        }
        FFT.transform(&kernelRe, &kernelIm, inner)
        plan = .bluestein(chirpRe: chirpRe, chirpIm: chirpIm, kernelRe: kernelRe, kernelIm: kernelIm, inner: inner)
    }

    /// (cos, sin) of 2π·j/n, computed from the nearest multiple of π/4 for accuracy.
    static func unitRoot(_ j: Int, _ n: Int) -> (Double, Double) {
        // Reduce to j/n in [0, 1/8] and rebuild by symmetry.
        let eighth = 8 * j
        let octant = eighth / n
        var cosine: Double, sine: Double
        func angle(_ numerator: Int) -> Double { 2 * Double.pi * Double(numerator) / Double(8 * n) }
        switch octant {
        case 0: let a = angle(eighth); (cosine, sine) = (cos(a), sin(a))
        case 1: let a = angle(2 * n - eighth); (cosine, sine) = (sin(a), cos(a))
        case 2: let a = angle(eighth - 2 * n); (cosine, sine) = (-sin(a), cos(a))
        case 3: let a = angle(4 * n - eighth); (cosine, sine) = (-cos(a), sin(a))
        case 4: let a = angle(eighth - 4 * n); (cosine, sine) = (-cos(a), -sin(a))
        case 5: let a = angle(6 * n - eighth); (cosine, sine) = (-sin(a), -cos(a))
        case 6: let a = angle(eighth - 6 * n); (cosine, sine) = (sin(a), -cos(a))
        default: let a = angle(8 * n - eighth); (cosine, sine) = (cos(a), -sin(a))
        }
        return (cosine, sine)
    }

    /// The factors of `n` (4s first, then 2, 3, 5, ..., 13), or `nil` when a larger prime divides it.
    static func smallFactors(_ n: Int) -> [Int]? {
        var rest = n, factors: [Int] = []
        while rest % 4 == 0 { factors.append(4); rest /= 4 }
        for p in [2, 3, 5, 7, 11, 13] {
            while rest % p == 0 { factors.append(p); rest /= p }
        }
        return rest == 1 ? factors : nil
    }

    // MARK: Transforms

    /// Throws unless `length` is the plan's.
    func checkLength(_ length: Int, _ parameter: String) throws {
        guard length == count else {
            throw ToolboxError(.shapeMismatch, "the signal must have \(count) points, got \(length)",
                               context: ErrorContext(parameter: parameter))
        }
    }

    /// The forward transform of a complex signal, in place.
    /// - Throws: `ToolboxError/Code/shapeMismatch` when `re` or `im` does not have `count` points.
    public func forward(_ re: inout [Double], _ im: inout [Double]) throws {
        try checkLength(re.count, "re")
        try checkLength(im.count, "im")
        forwardChecked(&re, &im)
    }

    /// ``forward(_:_:)`` for arrays of the plan's length.
    func forwardChecked(_ re: inout [Double], _ im: inout [Double]) {
        switch plan {
        case .trivial: return
        case .mixedRadix(let radix):
            FFT.transform(&re, &im, radix)
        case .bluestein(let chirpRe, let chirpIm, let kernelRe, let kernelIm, let inner):
            var aRe = [Double](repeating: 0, count: inner.count), aIm = [Double](repeating: 0, count: inner.count)
            for k in 0..<count {
                aRe[k] = re[k] * chirpRe[k] - im[k] * chirpIm[k]
                aIm[k] = re[k] * chirpIm[k] + im[k] * chirpRe[k]
            }
            FFT.transform(&aRe, &aIm, inner)
            for k in 0..<inner.count {
                let (r, i) = (aRe[k] * kernelRe[k] - aIm[k] * kernelIm[k], aRe[k] * kernelIm[k] + aIm[k] * kernelRe[k])
                // Conjugate now so the forward transform computes the inverse's sum.
                aRe[k] = r
                aIm[k] = -i
            }
            FFT.transform(&aRe, &aIm, inner)
            let scale = 1 / Double(inner.count)
            for k in 0..<count {
                let (r, i) = (aRe[k] * scale, -aIm[k] * scale)
                re[k] = r * chirpRe[k] - i * chirpIm[k]
                im[k] = r * chirpIm[k] + i * chirpRe[k]
            }
        }
    }

    /// The inverse transform (with the 1/n scaling), in place.
    /// - Throws: `ToolboxError/Code/shapeMismatch` when `re` or `im` does not have `count` points.
    public func inverse(_ re: inout [Double], _ im: inout [Double]) throws {
        try checkLength(re.count, "re")
        try checkLength(im.count, "im")
        inverseChecked(&re, &im)
    }

    /// ``inverse(_:_:)`` for arrays of the plan's length.
    func inverseChecked(_ re: inout [Double], _ im: inout [Double]) {
        for k in 0..<count { im[k] = -im[k] }
        forwardChecked(&re, &im)
        let scale = 1 / Double(count)
        for k in 0..<count {
            re[k] *= scale
            im[k] = -im[k] * scale
        }
    }

    /// The transform of a real signal: bins 0...n/2, as `numpy.fft.rfft`.
    /// - Throws: `ToolboxError/Code/shapeMismatch` when the signal does not have `count` points.
    public func forwardReal(_ signal: [Double]) throws -> (re: [Double], im: [Double]) {
        try checkLength(signal.count, "signal")
        let (re, im) = realChecked(signal)
        let bins = count / 2 + 1
        return (Array(re.prefix(bins)), Array(im.prefix(bins)))
    }

    /// The transform of a real signal, all bins.
    /// - Throws: `ToolboxError/Code/shapeMismatch` when the signal does not have `count` points.
    public func forwardReal(full signal: [Double]) throws -> (re: [Double], im: [Double]) {
        try checkLength(signal.count, "signal")
        return realChecked(signal)
    }

    /// All bins of a real signal of the plan's length.
    func realChecked(_ signal: [Double]) -> (re: [Double], im: [Double]) {
        var re = signal, im = [Double](repeating: 0, count: count)
        forwardChecked(&re, &im)
        return (re, im)
    }

    // MARK: Mixed radix

    /// Iterative decimation-in-time: digit-reversed permutation, then butterflies stage by stage.
    static func transform(_ re: inout [Double], _ im: inout [Double], _ plan: MixedRadix) {
        let n = plan.count
        guard n > 1 else { return }
        let index = plan.permutation
        var workRe = [Double](repeating: 0, count: n), workIm = [Double](repeating: 0, count: n)
        for k in 0..<n {
            workRe[k] = re[index[k]]
            workIm[k] = im[index[k]]
        }
        // Stages: sub-transforms of length `size` combined `p` at a time, last factor first.
        var size = 1
        for p in plan.factors.reversed() {
            let combined = size * p
            let twiddleStep = n / combined
            workRe.withUnsafeMutableBufferPointer { xr in
                workIm.withUnsafeMutableBufferPointer { xi in
                    plan.cosines.withUnsafeBufferPointer { cs in
                        plan.sines.withUnsafeBufferPointer { sn in
                            butterflies(xr.baseAddress!, xi.baseAddress!, n: n, size: size, radix: p, twiddleStep: twiddleStep,
                                        cosines: cs.baseAddress!, sines: sn.baseAddress!)
                        }
                    }
                }
            }
            size = combined
        }
        re = workRe
        im = workIm
    }

    /// The radix-4 and radix-2 butterflies of ``butterflies(_:_:n:size:radix:twiddleStep:cosines:sines:)``
    /// on registers (the power-of-two stages every Bluestein transform runs): the same arithmetic,
    /// without the scratch arrays and the unit twiddle of the first input.
    private static func radix2or4(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>, n: Int, size: Int,
                                  radix p: Int, twiddleStep: Int, cosines: UnsafePointer<Double>, sines: UnsafePointer<Double>) {
        let combined = size * p
        var group = 0
        while group < n {
            for k in 0..<size {
                let i0 = group + k, i1 = i0 + size
                let t1 = k * twiddleStep
                let (c1, s1) = (cosines[t1], -sines[t1])
                let (y0R, y0I) = (xr[i0], xi[i0])
                let (y1R, y1I) = (xr[i1] * c1 - xi[i1] * s1, xr[i1] * s1 + xi[i1] * c1)
                if p == 2 {
                    xr[i0] = y0R + y1R
                    xi[i0] = y0I + y1I
                    xr[i1] = y0R - y1R
                    xi[i1] = y0I - y1I
                    continue
                }
                let i2 = i1 + size, i3 = i2 + size
                let (c2, s2) = (cosines[2 * t1], -sines[2 * t1])
                let (c3, s3) = (cosines[3 * t1], -sines[3 * t1])
                let (y2R, y2I) = (xr[i2] * c2 - xi[i2] * s2, xr[i2] * s2 + xi[i2] * c2)
                let (y3R, y3I) = (xr[i3] * c3 - xi[i3] * s3, xr[i3] * s3 + xi[i3] * c3)
                let (aR, aI) = (y0R + y2R, y0I + y2I)
                let (bR, bI) = (y0R - y2R, y0I - y2I)
                let (cR, cI) = (y1R + y3R, y1I + y3I)
                // −i·(y1 − y3)
                let (dR, dI) = (y1I - y3I, -(y1R - y3R))
                xr[i0] = aR + cR
                xi[i0] = aI + cI
                xr[i1] = bR + dR
                xi[i1] = bI + dI
                xr[i2] = aR - cR
                xi[i2] = aI - cI
                xr[i3] = bR - dR
                xi[i3] = bI - dI
            }
            group += combined
        }
    }

    /// Combines `radix` sub-transforms of length `size` into transforms of length `size·radix`,
    /// for every group: X[k + q·size] = Σ_r W^{r(k + q·size)} Y_r[k], W = e^{−2πi/(size·radix)}.
    private static func butterflies(_ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>, n: Int, size: Int,
                                    radix p: Int, twiddleStep: Int, cosines: UnsafePointer<Double>, sines: UnsafePointer<Double>) {
        let combined = size * p
        if p == 4 || p == 2 {
            radix2or4(xr, xi, n: n, size: size, radix: p, twiddleStep: twiddleStep, cosines: cosines, sines: sines)
            return
        }
        var scratchRe = [Double](repeating: 0, count: p), scratchIm = [Double](repeating: 0, count: p)
        var group = 0
        while group < n {
            for k in 0..<size {
                // Twiddled inputs t_r = W^{rk} Y_r[k].
                for r in 0..<p {
                    let at = group + r * size + k
                    let t = r * k * twiddleStep          // < n: r < p, k < size, step = n / (size·p)
                    let (c, s) = (cosines[t], -sines[t])
                    scratchRe[r] = xr[at] * c - xi[at] * s
                    scratchIm[r] = xr[at] * s + xi[at] * c
                }
                switch p {
                case 3:
                    let (aR, aI) = (scratchRe[1] + scratchRe[2], scratchIm[1] + scratchIm[2])
                    let (bR, bI) = (radix3Sine * (scratchRe[1] - scratchRe[2]), radix3Sine * (scratchIm[1] - scratchIm[2]))
                    let (cR, cI) = (scratchRe[0] - 0.5 * aR, scratchIm[0] - 0.5 * aI)
                    xr[group + k] = scratchRe[0] + aR
                    xi[group + k] = scratchIm[0] + aI
                    xr[group + k + size] = cR + bI
                    xi[group + k + size] = cI - bR
                    xr[group + k + 2 * size] = cR - bI
                    xi[group + k + 2 * size] = cI + bR
                case 5:
                    let (a1R, a1I) = (scratchRe[1] + scratchRe[4], scratchIm[1] + scratchIm[4])
                    let (a2R, a2I) = (scratchRe[2] + scratchRe[3], scratchIm[2] + scratchIm[3])
                    let (b1R, b1I) = (scratchRe[1] - scratchRe[4], scratchIm[1] - scratchIm[4])
                    let (b2R, b2I) = (scratchRe[2] - scratchRe[3], scratchIm[2] - scratchIm[3])
                    let (t0R, t0I) = (scratchRe[0], scratchIm[0])
                    let (c1, c2, s1, s2) = (radix5.c1, radix5.c2, radix5.s1, radix5.s2)
                    let (pR, pI) = (t0R + c1 * a1R + c2 * a2R, t0I + c1 * a1I + c2 * a2I)
                    let (qR, qI) = (s1 * b1R + s2 * b2R, s1 * b1I + s2 * b2I)
                    let (uR, uI) = (t0R + c2 * a1R + c1 * a2R, t0I + c2 * a1I + c1 * a2I)
                    let (vR, vI) = (s2 * b1R - s1 * b2R, s2 * b1I - s1 * b2I)
                    xr[group + k] = t0R + a1R + a2R
                    xi[group + k] = t0I + a1I + a2I
                    xr[group + k + size] = pR + qI
                    xi[group + k + size] = pI - qR
                    xr[group + k + 4 * size] = pR - qI
                    xi[group + k + 4 * size] = pI + qR
                    xr[group + k + 2 * size] = uR + vI
                    xi[group + k + 2 * size] = uI - vR
                    xr[group + k + 3 * size] = uR - vI
                    xi[group + k + 3 * size] = uI + vR
                default:
                    // A small DFT of the twiddled inputs: X_q = Σ_r t_r e^{−2πi rq/p}.
                    let rootStep = n / p
                    for q in 0..<p {
                        var sumR = 0.0, sumI = 0.0
                        for r in 0..<p {
                            let t = ((r * q) % p) * rootStep
                            let (c, s) = (cosines[t], -sines[t])
                            sumR += scratchRe[r] * c - scratchIm[r] * s
                            sumI += scratchRe[r] * s + scratchIm[r] * c
                        }
                        xr[group + k + q * size] = sumR
                        xi[group + k + q * size] = sumI
                    }
                }
            }
            group += combined
        }
    }
}

/// sin(2π/3), and cos/sin of 2π/5 and 4π/5, for the radix-3 and radix-5 butterflies.
private let radix3Sine = 3.0.squareRoot() / 2
private let radix5 = (c1: cos(2 * Double.pi / 5), c2: cos(4 * Double.pi / 5), s1: sin(2 * Double.pi / 5), s2: sin(4 * Double.pi / 5))

extension FFT {
    /// The permutation before the first stage: slot r0·(n/f0) + r1·(n/f0f1) + ... holds input
    /// r0 + f0·r1 + f0·f1·r2 + ..., built from the last factor (least significant slot digit).
    static func digitReversal(_ factors: [Int]) -> [Int] {
        var weights = [Int](repeating: 1, count: factors.count)
        for i in 1..<max(factors.count, 1) { weights[i] = weights[i - 1] * factors[i - 1] }
        var index = [0]
        for i in factors.indices.reversed() {
            var next: [Int] = []
            next.reserveCapacity(index.count * factors[i])
            for r in 0..<factors[i] { for position in index { next.append(position + r * weights[i]) } }
            index = next
        }
        return index
    }
}
