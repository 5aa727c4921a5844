import Foundation
import Testing
@testable import ToolboxCore
import ToolboxTesting

/// The standard normal's functions equal scipy's, tails included (golden values from
/// `Scripts/golden/generate_normal.py`).
@Suite("The normal distribution as scipy computes it")
struct NormalDistributionTests {
    struct Truncated: Decodable {
        var a: Double, b: Double, x: [Double], pdf: [Double], log_pdf: [Double], cdf: [Double], q: [Double], ppf: [Double]
    }

    struct Golden: Decodable {
        var x: [Double], p: [Double], cdf: [Double], log_cdf: [Double], pdf: [Double], log_pdf: [Double], erfcx: [Double], quantile: [Double]
        var log_p: [Double], quantile_of_log: [Double], truncated: [Truncated]
    }

    static func close(_ a: Double, _ b: Double, _ relative: Double) -> Bool {
        a == b || abs(a - b) <= relative * max(abs(a), abs(b)) || (b != 0 && abs(b) < 1e-307 && abs(a - b) < 1e-320)
    }

    @Test func functionsEqualScipy() throws {
        let g = try GoldenFiles().load(Golden.self, "normal.json")
        for (k, x) in g.x.enumerated() {
            // Beyond |x| = 10 both sides lose digits to erfc of a rounded argument (condition
            // number 2t²): Φ(−30) is 4.90671392714818706e-198, scipy gives …147908e-198 and this
            // …148024e-198, each within 1e-13.
            let tail = abs(x) >= 10 ? 1e-13 : 1e-14
            #expect(Self.close(NormalDistribution.cdf(x), g.cdf[k], tail), "cdf(\(x)) = \(NormalDistribution.cdf(x)) vs \(g.cdf[k])")
            #expect(Self.close(NormalDistribution.logCDF(x), g.log_cdf[k], tail), "logCDF(\(x)) = \(NormalDistribution.logCDF(x)) vs \(g.log_cdf[k])")
            #expect(Self.close(NormalDistribution.pdf(x), g.pdf[k], 1e-14), "pdf(\(x))")
            #expect(Self.close(NormalDistribution.logPDF(x), g.log_pdf[k], 1e-15), "logPDF(\(x))")
            #expect(Self.close(NormalDistribution.scaledComplementaryError(abs(x)), g.erfcx[k], 1e-14),
                    "erfcx(\(abs(x))) = \(NormalDistribution.scaledComplementaryError(abs(x))) vs \(g.erfcx[k])")
        }
        for (k, p) in g.p.enumerated() {
            #expect(Self.close(NormalDistribution.quantile(p), g.quantile[k], 1e-13), "quantile(\(p)) = \(NormalDistribution.quantile(p)) vs \(g.quantile[k])")
        }
        for (k, y) in g.log_p.enumerated() {
            let mine = NormalDistribution.quantile(logProbability: y)
            #expect(Self.close(mine, g.quantile_of_log[k], 1e-12), "quantile(logProbability: \(y)) = \(mine) vs \(g.quantile_of_log[k])")
        }
        for t in g.truncated {
            for (k, x) in t.x.enumerated() {
                #expect(Self.close(TruncatedNormal.logPDF(x, a: t.a, b: t.b), t.log_pdf[k], 1e-12), "logPDF(\(x); \(t.a), \(t.b))")
                #expect(Self.close(TruncatedNormal.pdf(x, a: t.a, b: t.b), t.pdf[k], 1e-11), "pdf(\(x); \(t.a), \(t.b))")
                #expect(Self.close(TruncatedNormal.cdf(x, a: t.a, b: t.b), t.cdf[k], 1e-11),
                        "cdf(\(x); \(t.a), \(t.b)) = \(TruncatedNormal.cdf(x, a: t.a, b: t.b)) vs \(t.cdf[k])")
            }
            for (k, q) in t.q.enumerated() {
                // Next to q = 1 the quantile is ill-conditioned: for (−3, 40) and q = 1 − 1e-9 the
                // exact value is 5.998026433405725, scipy gives …532584 and this …356239.
                let mine = TruncatedNormal.quantile(q, a: t.a, b: t.b)
                #expect(Self.close(mine, t.ppf[k], q > 0.99 ? 1e-10 : 1e-12), "ppf(\(q); \(t.a), \(t.b)) = \(mine) vs \(t.ppf[k])")
            }
        }
        #expect(NormalDistribution.quantile(0) == -.infinity && NormalDistribution.quantile(1) == .infinity && NormalDistribution.quantile(1.5).isNaN)
        #expect(NormalDistribution.cdf(.nan).isNaN && NormalDistribution.logCDF(-.infinity) == -.infinity)
    }
}
