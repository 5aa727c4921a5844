import Foundation
import ToolboxCore

/// The truncated normal as Optuna's TPE computes it (`optuna.samplers._tpe._truncnorm`), step
/// for step, so the same seed gives Optuna's trials: its own Newton inverse of `log_ndtr`
/// (`_ndtri_exp`, relative tolerance 1e-8), `log_ndtr` by `erf`/`erfc` (glibc's, as Python's
/// `math` module) with an asymptotic series below −20, and `erf` of 2,000 or more values by the
/// FreeBSD rational approximations Optuna vectorizes.
///
/// ToolboxCore's ``TruncatedNormal`` computes what scipy computes (to the last bit against
/// scipy); this one computes what Optuna computes, which differs from scipy in the last bits.
enum OptunaTruncatedNormal {
    static let normPdfLogC = Foundation.log(Foundation.sqrt(2 * Double.pi))
    static let ndtriExpApproxC = Foundation.sqrt(3.0) / Double.pi
    static let sqrt2 = 1.4142135623730951   // 2 ** 0.5
    static let loge2 = 0.693147180559945309417232121458176568

    /// NumPy's `logaddexp`.
    @inline(__always)
    static func logSum(_ x: Double, _ y: Double) -> Double {
        if x == y { return x + loge2 }
        let tmp = x - y
        if tmp > 0 { return x + Foundation.log1p(Foundation.exp(-tmp)) }
        if tmp <= 0 { return y + Foundation.log1p(Foundation.exp(tmp)) }
        return tmp
    }

    /// `log_p + log1p(-exp(log_q - log_p))`.
    @inline(__always)
    static func logDiff(_ logP: Double, _ logQ: Double) -> Double {
        logP + Foundation.log1p(-Foundation.exp(logQ - logP))
    }

    /// `_ndtr_single`.
    static func ndtrSingle(_ a: Double) -> Double {
        let x = a / sqrt2
        if x < -1 / sqrt2 { return 0.5 * Foundation.erfc(-x) }
        if x < 1 / sqrt2 { return 0.5 + 0.5 * Foundation.erf(x) }
        return 1.0 - 0.5 * Foundation.erfc(x)
    }

    /// `_log_ndtr_single`.
    static func logNdtr(_ a: Double) -> Double {
        if a > 6 { return -ndtrSingle(-a) }
        if a > -20 { return Foundation.log(ndtrSingle(a)) }
        let logLHS = -0.5 * a * a - Foundation.log(-a) - 0.5 * Foundation.log(2 * Double.pi)
        var lastTotal = 0.0, rightHandSide = 1.0, numerator = 1.0, denominatorFactor = 1.0
        let denominatorConstant = 1 / (a * a)
        var sign = 1.0, i = 0.0
        while abs(lastTotal - rightHandSide) > Double.ulpOfOne {
            i += 1
            lastTotal = rightHandSide
            sign = -sign
            denominatorFactor *= denominatorConstant
            numerator *= 2 * i - 1
            rightHandSide += sign * numerator * denominatorFactor
        }
        return logLHS + Foundation.log(rightHandSide)
    }

    /// `_log_gauss_mass(a, b)`: the log of the standard normal's mass on `[a, b]`, each pair
    /// by the left tail (`b <= 0`), the right tail (`a > 0`, mirrored) or the centre.
    static func logGaussMass(_ a: [Double], _ b: [Double]) -> [Double] {
        // How erf is computed depends on how many pairs are central: counted first, then every
        // pair in one pass (no temporary arrays).
        var centralCount = 0
        for i in a.indices where !(b[i] <= 0) && !(a[i] > 0) { centralCount += 1 }
        let vectorized = centralCount >= 2000
        return [Double](unsafeUninitializedCapacity: a.count) { out, initialized in
            for i in a.indices {
                if b[i] <= 0 {
                    out[i] = logDiff(logNdtr(b[i]), logNdtr(a[i]))
                } else if a[i] > 0 {
                    out[i] = logDiff(logNdtr(-a[i]), logNdtr(-b[i]))
                } else {
                    let left = 0.5 + 0.5 * erf(a[i] / sqrt2, vectorized: vectorized)
                    let right = 0.5 + 0.5 * erf(-b[i] / sqrt2, vectorized: vectorized)
                    out[i] = Foundation.log1p(-left - right)
                }
            }
            initialized = a.count
        }
    }

    /// `_ndtri_exp(y)`: `x` with `log_ndtr(x) == y`, by Newton's method from Optuna's initial
    /// guesses, all values iterated together until every step is below 1e-8 of its `x`.
    static func ndtriExp(_ y: [Double]) -> [Double] {
        var z = y
        var flipped = [Bool](repeating: false, count: y.count)
        for i in y.indices where y[i] > -1e-2 {
            flipped[i] = true
            z[i] = Foundation.log(-Foundation.expm1(y[i]))
        }
        var x = [Double](repeating: 0, count: y.count)
        for i in z.indices {
            if z[i] < -5 {
                x[i] = -Foundation.sqrt(-2.0 * (z[i] + normPdfLogC))
            } else if z[i] >= -5 {
                x[i] = -ndtriExpApproxC * Foundation.log(Foundation.expm1(-z[i]))
            }
        }
        for _ in 0..<100 {
            var converged = true
            for i in x.indices {
                let logNdtrX = logNdtr(x[i])
                let logNormPdfX = -0.5 * (x[i] * x[i]) - normPdfLogC
                let dx = (logNdtrX - z[i]) * Foundation.exp(logNdtrX - logNormPdfX)
                x[i] -= dx
                if !(abs(dx) < 1e-8 * abs(x[i])) { converged = false }
            }
            if converged { break }
        }
        for i in x.indices where flipped[i] { x[i] *= -1 }
        return x
    }

    /// `ppf(q, a, b)`: the quantile `q` of the standard normal truncated to `[a, b]`.
    static func ppf(_ q: [Double], _ a: [Double], _ b: [Double]) -> [Double] {
        let logMass = logGaussMass(a, b)
        var out = [Double](repeating: 0, count: q.count)
        var left: [Int] = [], right: [Int] = []
        for i in q.indices { if a[i] < 0 { left.append(i) } else { right.append(i) } }
        if !left.isEmpty {
            let values = ndtriExp(left.map { logSum(logNdtr(a[$0]), Foundation.log(q[$0]) + logMass[$0]) })
            for (k, i) in left.enumerated() { out[i] = values[k] }
        }
        if !right.isEmpty {
            let values = ndtriExp(right.map { logSum(logNdtr(-b[$0]), Foundation.log1p(-q[$0]) + logMass[$0]) })
            for (k, i) in right.enumerated() { out[i] = -values[k] }
        }
        for i in q.indices {
            if q[i] == 0 { out[i] = a[i] }
            if q[i] == 1 { out[i] = b[i] }
            if a[i] == b[i] { out[i] = .nan }
        }
        return out
    }

    /// `logpdf(x, a, b, loc, scale)` of one value per entry.
    static func logPdf(_ x: [Double], _ a: [Double], _ b: [Double], _ loc: [Double], _ scale: [Double]) -> [Double] {
        let mass = logGaussMass(a, b)
        return x.indices.map { i in
            let standard = (x[i] - loc[i]) / scale[i]
            if a[i] == b[i] { return .nan }
            if standard < a[i] || standard > b[i] { return -.infinity }
            return (-(standard * standard) / 2.0 - normPdfLogC) - mass[i] - Foundation.log(scale[i])
        }
    }

    // MARK: erf

    /// Optuna's `erf` of one value: Python's `math.erf` when Optuna evaluates fewer than 2,000
    /// values at once, its vectorized FreeBSD approximations (`vectorized`) from 2,000 on.
    @inline(__always)
    static func erf(_ value: Double, vectorized: Bool) -> Double {
        guard vectorized else { return Foundation.erf(value) }
        let a = abs(value)
        if a.isNaN { return .nan }
        let magnitude = a < 6 ? erfRightNonBig(a) : 1.0
        let sign: Double = value > 0 ? 1 : (value < 0 ? -1 : 0)
        return sign * magnitude
    }

    /// NumPy's `polyval` (Horner's rule from the highest coefficient).
    @inline(__always)
    private static func polynomial(_ c: [Double], _ x: Double) -> Double {
        var value = c[c.count - 1] + x * 0
        for i in stride(from: c.count - 2, through: 0, by: -1) { value = c[i] + value * x }
        return value
    }

    private static let efx = 1.28379167095512586316e-01, erx = 8.45062911510467529297e-01
    private static let pp = [1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02, -5.77027029648944159157e-03, -2.37630166566501626084e-05]
    private static let qq = [1, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06]
    private static let pa = [-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01, 3.18346619901161753674e-01,
                             -1.10894694282396677476e-01, 3.54783043256182359371e-02, -2.16637559486879084300e-03]
    private static let qa = [1, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02, 1.26171219808761642112e-01,
                             1.36370839120290507362e-02, 1.19844998467991074170e-02]
    private static let ra = [-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e01, -6.23753324503260060396e01,
                             -1.62396669462573470355e02, -1.84605092906711035994e02, -8.12874355063065934246e01, -9.81432934416914548592e00]
    private static let sa = [1, 1.96512716674392571292e01, 1.37657754143519042600e02, 4.34565877475229228821e02, 6.45387271733267880336e02,
                             4.29008140027567833386e02, 1.08635005541779435134e02, 6.57024977031928170135e00, -6.04244152148580987438e-02]
    private static let rb = [-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e01, -1.60636384855821916062e02,
                             -6.37566443368389627722e02, -1.02509513161107724954e03, -4.83519191608651397019e02]
    private static let sb = [1, 3.03380607434824582924e01, 3.25792512996573918826e02, 1.53672958608443695994e03, 3.19985821950859553908e03,
                             2.55305040643316442583e03, 4.74528541206955367215e02, -2.24409524465858183362e01]

    private static func erfRightNonBig(_ x: Double) -> Double {
        if x < 0x1p-28 { return (1 + efx) * x }
        if x < 0.84375 { let z = x * x; return x * (1 + polynomial(pp, z) / polynomial(qq, z)) }
        if x < 1.25 { let s = x - 1; return erx + polynomial(pa, s) / polynomial(qa, s) }
        let z = x * x, s = 1 / z
        if x < 1 / 0.35 { return 1 - Foundation.exp(-z - 0.5625 + polynomial(ra, s) / polynomial(sa, s)) / x }
        return 1 - Foundation.exp(-z - 0.5625 + polynomial(rb, s) / polynomial(sb, s)) / x
    }
}
