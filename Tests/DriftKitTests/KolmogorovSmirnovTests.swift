@testable import DriftKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Kolmogorov-Smirnov against scipy")
struct KolmogorovSmirnovTests {
    let golden = DriftGolden.file

    @Test func samplesAreTheScriptsBitForBit() throws {
        let golden = try #require(golden)
        #expect(DriftGolden.uniforms(seed: 7, count: 5) == golden.uniforms)
        for (kind, values) in golden.samples {
            #expect(DriftGolden.sample(kind, seed: 11, count: 6, shift: 0.25) == values, "\(kind)")
        }
    }

    /// kstwo.sf and smirnov on a grid that reaches the Ruben-Gambino, Durbin, Pomeranz,
    /// Pelz-Good and Smirnov branches.
    @Test func oneSampleDistributionsMatchScipy() throws {
        let golden = try #require(golden)
        for c in golden.kolmogorov {
            let sf = KolmogorovDistribution.sf(n: c.n, x: c.x)
            let smirnov = KolmogorovDistribution.smirnovSF(n: c.n, x: c.x)
            if c.kstwo_sf > 1e-300 {
                #expect(relativelyClose(sf, c.kstwo_sf, 1e-9), "kstwo.sf(\(c.x), \(c.n)) = \(sf), scipy \(c.kstwo_sf)")
            } else {
                #expect(sf < 1e-290, "kstwo.sf(\(c.x), \(c.n)) = \(sf), scipy \(c.kstwo_sf)")
            }
            if c.smirnov > 1e-300 {
                #expect(relativelyClose(smirnov, c.smirnov, 1e-9), "smirnov(\(c.n), \(c.x)) = \(smirnov), scipy \(c.smirnov)")
            }
        }
    }

    /// Sizes from 5 to 1,000,000, ties, shifted and unshifted, every alternative, exact and
    /// asymptotic: statistic, p-value (1e-8 relative), location and sign as scipy reports them.
    @Test func twoSampleTestMatchesScipy() throws {
        let golden = try #require(golden)
        var samples: [String: [Double]] = [:]
        func cached(_ kind: String, _ seed: UInt64, _ count: Int, _ shift: Double) -> [Double] {
            let key = "\(kind) \(seed) \(count) \(shift)"
            if let values = samples[key] { return values }
            let values = DriftGolden.sample(kind, seed: seed, count: count, shift: shift)
            samples[key] = values
            return values
        }
        for c in golden.ks {
            let a = cached(c.kind, c.seed1, c.n1, 0), b = cached(c.kind, c.seed2, c.n2, c.shift)
            let alternative = try #require(Alternative(rawValue: c.alternative))
            let method: KolmogorovSmirnov.Method = c.method == "asymp" ? .asymptotic : .auto
            let result = try KolmogorovSmirnov.test(a, b, alternative: alternative, method: method)
            let label = "\(c.kind) \(c.n1)x\(c.n2) shift \(c.shift) \(c.alternative) \(c.method)"
            #expect(result.statistic == c.statistic, "\(label): statistic \(result.statistic), scipy \(c.statistic)")
            #expect(relativelyClose(result.pValue, c.pvalue, 1e-8), "\(label): p \(result.pValue), scipy \(c.pvalue)")
            #expect(result.location == c.location && result.sign == c.sign, "\(label): location \(result.location) sign \(result.sign)")
        }
    }

    @Test func badSamplesAreTypedErrors() throws {
        let empty = #expect(throws: ToolboxError.self) { try KolmogorovSmirnov.test([], [1, 2]) }
        #expect(empty?.context.parameter == "reference")
        let nan = #expect(throws: ToolboxError.self) { try KolmogorovSmirnov.test([1, 2], [3, .nan]) }
        #expect(nan?.context.parameter == "current" && nan?.context.row == 1)
        // Identical samples: no gap, p = 1; a constant sample against another constant.
        let same = try KolmogorovSmirnov.test([1, 2, 3], [1, 2, 3])
        #expect(same.statistic == 0 && same.pValue == 1)
        let constants = try KolmogorovSmirnov.test([5, 5, 5], [6, 6])
        #expect(constants.statistic == 1 && constants.pValue > 0 && constants.pValue < 1)
    }
}
