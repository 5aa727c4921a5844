@testable import DriftKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Chi-square, Z, Fisher, Anderson-Darling, Cramér-von Mises and distances against scipy and NumPy")
struct StatisticalTestsTests {
    let golden = DriftGolden.file

    func expectClose(_ actual: Double, _ expected: Double, _ tolerance: Double, _ label: String) {
        if expected.isInfinite || expected.isNaN {
            #expect(actual == expected || (actual.isNaN && expected.isNaN), "\(label): \(actual), reference \(expected)")
        } else {
            #expect(relativelyClose(actual, expected, tolerance) || abs(actual - expected) < 1e-300, "\(label): \(actual), reference \(expected)")
        }
    }

    @Test func categoricalTestsMatchScipy() throws {
        let golden = try #require(golden)
        for c in golden.categorical {
            let reference = CategoryCounts(c.reference), current = CategoryCounts(c.current)
            let label = "\(c.reference) vs \(c.current)"
            let gof = try ChiSquare.goodnessOfFit(reference: reference, current: current)
            expectClose(gof.statistic, c.gof[0], 1e-10, "\(label) chi-square")
            expectClose(gof.pValue, c.gof[1], 1e-8, "\(label) chi-square p")
            let contingency = try ChiSquare.contingency(reference: reference, current: current)
            expectClose(contingency.statistic, c.contingency[0], 1e-10, "\(label) contingency")
            expectClose(contingency.pValue, c.contingency[1], 1e-8, "\(label) contingency p")
            let z = try ZTest.proportions(reference: reference, current: current)
            expectClose(z.statistic, c.z[0], 1e-10, "\(label) z")
            expectClose(z.pValue, c.z[1], 1e-8, "\(label) z p")
            let (_, p, q) = try Distance.categoryProportions(reference: reference, current: current)
            expectClose(Distance.psi(referenceProportions: p, currentProportions: q), c.distances.psi, 1e-10, "\(label) psi")
            expectClose(Distance.kullbackLeibler(referenceProportions: p, currentProportions: q), c.distances.kl, 1e-10, "\(label) kl")
            expectClose(Distance.jensenShannon(referenceProportions: p, currentProportions: q), c.distances.js, 1e-10, "\(label) js")
            expectClose(Distance.hellinger(referenceProportions: p, currentProportions: q), c.distances.hellinger, 1e-10, "\(label) hellinger")
        }
        #expect(throws: ToolboxError.self) { try ChiSquare.goodnessOfFit(reference: CategoryCounts([:]), current: CategoryCounts(["a": 1])) }
    }

    @Test func numericDistancesMatchNumPy() throws {
        let golden = try #require(golden)
        for c in golden.numeric_distances {
            let a = DriftGolden.sample(c.kind, seed: c.seed1, count: c.n1, shift: 0)
            let b = DriftGolden.sample(c.kind, seed: c.seed2, count: c.n2, shift: c.shift)
            let label = "\(c.kind) \(c.n1)x\(c.n2) shift \(c.shift)"
            expectClose(try Distance.wasserstein(a, b), c.wasserstein, 1e-10, "\(label) wasserstein")
            expectClose(try Distance.normedWasserstein(a, b), c.wasserstein_normed, 1e-10, "\(label) normed wasserstein")
            for (binning, expected) in [(Binning.fixed(10), c.fixed10), (.quantile(10), c.quantile10), (.fixed(30), c.fixed30), (.quantile(4), c.quantile4)] {
                let (p, q) = try Distance.binnedProportions(reference: a, current: b, binning: binning)
                #expect(p == expected.reference && q == expected.current, "\(label) \(binning) proportions")
                expectClose(Distance.psi(referenceProportions: p, currentProportions: q), expected.psi, 1e-10, "\(label) \(binning) psi")
                expectClose(Distance.kullbackLeibler(referenceProportions: p, currentProportions: q), expected.kl, 1e-10, "\(label) \(binning) kl")
                expectClose(Distance.jensenShannon(referenceProportions: p, currentProportions: q), expected.js, 1e-10, "\(label) \(binning) js")
                expectClose(Distance.hellinger(referenceProportions: p, currentProportions: q), expected.hellinger, 1e-10, "\(label) \(binning) hellinger")
            }
        }
    }

    @Test func fisherExactMatchesScipy() throws {
        let golden = try #require(golden)
        for c in golden.fisher {
            let result = try FisherExact.test(c.table, alternative: try #require(Alternative(rawValue: c.alternative)))
            expectClose(result.statistic, c.statistic, 1e-12, "\(c.table) \(c.alternative) odds ratio")
            expectClose(result.pValue, c.pvalue, 1e-8, "\(c.table) \(c.alternative) p")
        }
        #expect(throws: ToolboxError.self) { try FisherExact.test([[1, -1], [2, 3]]) }
        #expect(throws: ToolboxError.self) { try FisherExact.test([[1, 2, 3], [2, 3, 4]]) }
    }

    @Test func andersonDarlingMatchesScipy() throws {
        let golden = try #require(golden)
        for c in golden.anderson {
            let samples = zip(c.seeds, zip(c.sizes, c.shifts)).map { seed, size in
                DriftGolden.sample(c.kind, seed: seed, count: size.0, shift: size.1)
            }
            let result = try AndersonDarling.test(samples)
            expectClose(result.statistic, c.statistic, 1e-10, "\(c.kind) \(c.sizes) statistic")
            expectClose(result.pValue, c.pvalue, 1e-8, "\(c.kind) \(c.sizes) p")
        }
        #expect(throws: ToolboxError.self) { try AndersonDarling.test([[1, 1], [1, 1, 1]]) }
        #expect(throws: ToolboxError.self) { try AndersonDarling.test([[1, 2]]) }
        #expect(throws: ToolboxError.self) { try AndersonDarling.test([[1, 2], [3]]) }
    }

    @Test func cramerVonMisesMatchesScipy() throws {
        let golden = try #require(golden)
        for c in golden.cvm {
            let a = DriftGolden.sample(c.kind, seed: c.seed1, count: c.n1, shift: 0)
            let b = DriftGolden.sample(c.kind, seed: c.seed2, count: c.n2, shift: c.shift)
            let result = try CramerVonMises.test(a, b, method: c.method == "asymptotic" ? .asymptotic : .auto)
            let label = "\(c.kind) \(c.n1)x\(c.n2) shift \(c.shift) \(c.method)"
            expectClose(result.statistic, c.statistic, 1e-10, "\(label) statistic")
            expectClose(result.pValue, c.pvalue, 1e-8, "\(label) p")
        }
        #expect(throws: ToolboxError.self) { try CramerVonMises.test([1], [1, 2]) }
        let many = (0..<60).map(Double.init)
        #expect(throws: ToolboxError.self) { try CramerVonMises.test(many, many, method: .exact) }
    }

    /// MMD² and the median-heuristic σ as alibi-detect computes them; the permutation p-value
    /// is seeded (same inputs, same p) and tells shifted samples from unshifted ones.
    @Test func maximumMeanDiscrepancyMatchesAlibiDetectsFormulas() throws {
        let golden = try #require(golden)
        for c in golden.mmd {
            let x = try Matrix(rows: c.n1, columns: c.dims, values: DriftGolden.sample(c.kind, seed: c.seed1, count: c.n1 * c.dims, shift: 0))
            let y = try Matrix(rows: c.n2, columns: c.dims, values: DriftGolden.sample(c.kind, seed: c.seed2, count: c.n2 * c.dims, shift: c.shift))
            let result = try MaximumMeanDiscrepancy.test(x, y, permutations: 50, seed: 3)
            expectClose(result.sigma, c.sigma, 1e-12, "\(c.kind) \(c.dims)-d sigma")
            expectClose(result.statistic, c.mmd2, 1e-10, "\(c.kind) \(c.dims)-d MMD²")
            #expect(try MaximumMeanDiscrepancy.test(x, y, permutations: 50, seed: 3) == result)
        }
        let same = try MaximumMeanDiscrepancy.test(DriftGolden.sample("normal", seed: 1, count: 300, shift: 0),
                                                   DriftGolden.sample("normal", seed: 2, count: 300, shift: 0), seed: 1)
        let shifted = try MaximumMeanDiscrepancy.test(DriftGolden.sample("normal", seed: 1, count: 300, shift: 0),
                                                      DriftGolden.sample("normal", seed: 2, count: 300, shift: 1), seed: 1)
        #expect(same.pValue > 0.05 && shifted.pValue == 0, "p-values \(same.pValue), \(shifted.pValue)")
        #expect(throws: ToolboxError.self) { try MaximumMeanDiscrepancy.test([1, 2], [1, .nan]) }
        #expect(throws: ToolboxError.self) { try MaximumMeanDiscrepancy.test([1, 2], [1, 2], sigma: 0) }
    }
}

@Suite("Radix sort of Doubles")
struct RadixSortTests {
    @Test func sortsAsTheStandardLibrary() {
        var generator = SeededGenerator(seed: 9)
        for count in [0, 1, 5, 4_095, 4_096, 50_000] {
            var values = (0..<count).map { _ in generator.nextNormal() * pow(10, Double(generator.nextInt(below: 40)) - 20) }
            if count > 10 { values[3] = -0.0; values[4] = 0.0; values[5] = .infinity; values[6] = -.infinity; values[7] = .leastNonzeroMagnitude; values[8] = -.greatestFiniteMagnitude }
            let sorted = RadixSort.sorted(values)
            #expect(sorted.count == values.count && zip(sorted, values.sorted()).allSatisfy { $0 == $1 }, "\(count)")
            #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0 <= $1 })
        }
        let constant = [Double](repeating: 2.5, count: 10_000)
        #expect(RadixSort.sorted(constant) == constant)
    }

    /// Quantiles by selection are the sorted array's (ToolboxCore's one NumPy-linear quantile),
    /// with ties, sorted input and repeats.
    @Test func quantilesBySelectionAreTheSortedValues() {
        var generator = SeededGenerator(seed: 4)
        for values in [(0..<20_001).map { _ in generator.nextNormal() }, (0..<250_000).map { _ in generator.nextNormal() }, (0..<5_000).map { _ in Double(generator.nextInt(below: 7)) },
                       (0..<3_000).map(Double.init), [Double](repeating: 1, count: 100), [3.0]] {
            let sorted = values.sorted()
            let qs = [0, 1, 0.5, 1.0 / 3, 0.05, 0.999]
            #expect(Quantile.linear(selecting: values, qs) == qs.map { Quantile.linear(sorted, $0) }, "\(values.count)")
            #expect(Distance.quantiles(values, qs) == qs.map { Distance.quantile(sorted, $0) })
        }
    }
}
