import FeatureKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("FFT against NumPy")
struct FFTTests {
    static let golden: [String: JSONValue] = (try? GoldenFiles().load(JSONValue.self, "fft.json"))?.objectValue ?? [:]

    /// The test signal, from integers only (as the generator script builds it).
    static func signal(_ n: Int) -> [Double] {
        (0..<n).map { (j: Int) -> Double in
            let first: Double = Double((7919 * j + 13) % 1009) / 1009
            let second: Double = Double((j * j) % 17) / 17
            return first - 0.5 + second
        }
    }

    /// Every length 1...4096 (every prime among them through Bluestein): energy and three bins.
    @Test func everyLengthUpTo4096() throws {
        guard case .array(let summary)? = Self.golden["summary"] else { Issue.record("fft.json is missing"); return }
        #expect(summary.count == 4096)
        var worst = 0.0
        for entry in summary {
            let object = try #require(entry.objectValue)
            let n = Int(try FeatureGolden.number(try #require(object["n"])))
            let fft = try FFT(count: n)
            let (re, im) = try fft.forwardReal(full: Self.signal(n))
            let energy = zip(re, im).reduce(0) { $0 + $1.0 * $1.0 + $1.1 * $1.1 }
            let expectedEnergy = try FeatureGolden.number(try #require(object["energy"]))
            #expect(isClose(energy, expectedEnergy, relativeTolerance: 1e-11), "n = \(n): energy")
            let bins = try FeatureGolden.numbers(try #require(object["bins"])).map { Int($0) }
            let expectedRe = try FeatureGolden.numbers(try #require(object["re"])), expectedIm = try FeatureGolden.numbers(try #require(object["im"]))
            let scale = expectedEnergy.squareRoot()
            for (b, bin) in bins.enumerated() {
                let error = max(abs(re[bin] - expectedRe[b]), abs(im[bin] - expectedIm[b])) / max(scale, 1)
                worst = max(worst, error)
                #expect(error < 1e-12, "n = \(n), bin \(bin): \(re[bin]) + \(im[bin])i vs \(expectedRe[b]) + \(expectedIm[b])i")
            }
        }
        #expect(worst < 1e-12)
    }

    /// Every bin of rfft and of the analytic signal (scipy.signal.hilbert) for awkward lengths.
    @Test func everyBinForAwkwardLengths() throws {
        guard case .object(let full)? = Self.golden["full"] else { Issue.record("fft.json is missing"); return }
        for (key, value) in full.sorted(by: { Int($0.key)! < Int($1.key)! }) {
            let n = try #require(Int(key))
            let object = try #require(value.objectValue)
            let fft = try FFT(count: n)
            let x = Self.signal(n)
            let (re, im) = try fft.forwardReal(x)
            let norm = max(x.reduce(0) { $0 + $1 * $1 }.squareRoot() * Double(n).squareRoot(), 1)
            expectClose(re.map { $0 / norm }, try FeatureGolden.numbers(try #require(object["rfft_re"])).map { $0 / norm }, "rfft re \(n)",
                        tolerance: 1e-9, absolute: 1e-13)
            expectClose(im.map { $0 / norm }, try FeatureGolden.numbers(try #require(object["rfft_im"])).map { $0 / norm }, "rfft im \(n)",
                        tolerance: 1e-9, absolute: 1e-13)
            let analytic = try fft.analyticSignal(x)
            expectClose(analytic.re, try FeatureGolden.numbers(try #require(object["analytic_re"])), "analytic re \(n)", tolerance: 1e-9, absolute: 1e-11)
            expectClose(analytic.im, try FeatureGolden.numbers(try #require(object["analytic_im"])), "analytic im \(n)", tolerance: 1e-9, absolute: 1e-11)
        }
    }

    @Test func inverseRestoresTheSignal() throws {
        for n in [1, 2, 7, 64, 97, 1000, 4093] {
            let fft = try FFT(count: n)
            var re = Self.signal(n), im = [Double](repeating: 0.25, count: n)
            let (originalRe, originalIm) = (re, im)
            try fft.forward(&re, &im)
            try fft.inverse(&re, &im)
            expectClose(re, originalRe, "re \(n)", tolerance: 1e-12, absolute: 1e-12)
            expectClose(im, originalIm, "im \(n)", tolerance: 1e-12, absolute: 1e-12)
        }
    }

    /// Impossible lengths and mismatched signals are typed errors, never traps.
    @Test func lengthsAreChecked() throws {
        for count in [0, -3, FFT.maximumCount + 1, Int.max] {
            #expect(throws: ToolboxError.self, "\(count)") { try FFT(count: count) }
        }
        let fft = try FFT(count: 8)
        var (re, im) = ([Double](repeating: 1, count: 8), [Double](repeating: 0, count: 7))
        #expect(throws: ToolboxError.self) { try fft.forward(&re, &im) }
        #expect(throws: ToolboxError.self) { try fft.inverse(&im, &re) }
        #expect(throws: ToolboxError.self) { try fft.forwardReal([1, 2, 3]) }
        #expect(throws: ToolboxError.self) { try fft.forwardReal(full: []) }
        #expect(throws: ToolboxError.self) { try fft.analyticSignal([Double](repeating: 0, count: 9)) }
        #expect(throws: ToolboxError.self) { try fft.analyticSignal(spectrum: (re: re, im: im)) }
    }
}
