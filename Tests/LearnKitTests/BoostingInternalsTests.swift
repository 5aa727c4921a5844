import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

@Suite("Boosting's spinning worker pool")
struct WorkerPoolTests {
    /// Every chunk runs exactly once, from several threads at once (callers that find the pool
    /// busy run on Parallel) and from inside a region (which runs nested work without the pool).
    @Test func everyChunkOnceUnderContention() throws {
        let results = try Parallel.map(count: 4, grain: 1, threads: 4) { callers -> Int in
            let caller = callers.lowerBound
            var total = 0
            for round in 0..<2_000 {
                var hits = [Int](repeating: 0, count: 37)
                hits.withUnsafeMutableBufferPointer { buffer in
                    let out = UnsafeSendable(buffer)
                    WorkerPool.forEach(count: 37, grain: 1 + (round + caller) % 5, threads: 2) { range in
                        for k in range { out.value[k] += 1 }
                        if round % 500 == 0 {
                            // Nested: must not deadlock or take the pool's other chunks.
                            WorkerPool.forEach(count: 4, grain: 1, threads: 2) { _ in }
                        }
                    }
                }
                #expect(hits.allSatisfy { $0 == 1 })
                total += hits.reduce(0, +)
            }
            return total
        }
        #expect(results == [Int](repeating: 37 * 2_000, count: 4))
        let mapped = WorkerPool.map(count: 100, grain: 7, threads: 2) { range in range.reduce(0, +) }
        #expect(mapped.count == 15 && mapped.reduce(0, +) == 4_950)
    }
}

@Suite("Boosting's binning")
struct BinningTests {
    /// The guided search bins every value as the plain halving search does: normal, heavy-tailed,
    /// few distinct values, exact edges, extremes and NaN.
    @Test func guidedBinningEqualsHalvingSearch() throws {
        var generator = SeededGenerator(seed: 4)
        let n = 20_000
        var values: [Double] = []
        for i in 0..<n {
            let normal = generator.nextNormal()
            values += [normal, exp(3 * normal), Double(i % 7), i % 50 == 0 ? .nan : normal * 1e-300,
                       i % 3 == 0 ? -Double.greatestFiniteMagnitude : (i % 3 == 1 ? Double.greatestFiniteMagnitude : normal)]
        }
        let x = try Matrix(rows: n, columns: 5, values: values)
        let mapper = try BinMapper(fitting: x, maxBins: 255)
        let binned = try mapper.transformColumnMajor(x, threads: 2)
        var probes = x
        // Values exactly on edges, too.
        for feature in 0..<5 {
            for (k, edge) in mapper.thresholds[feature].enumerated() where k < n { probes[k, feature] = edge }
        }
        let probed = try mapper.transformColumnMajor(probes, threads: 2)
        for feature in 0..<5 {
            for row in 0..<n {
                #expect(binned[feature * n + row] == mapper.bin(x[row, feature], feature: feature), "feature \(feature) row \(row)")
                #expect(probed[feature * n + row] == mapper.bin(probes[row, feature], feature: feature), "edge probe \(feature) \(row)")
            }
        }
    }

    /// NumPy's default_rng: SeedSequence state words, PCG64 outputs and Generator.shuffle equal
    /// NumPy's own (golden values from NumPy).
    @Test func numPyGeneratorIsNumPys() throws {
        struct Golden: Decodable {
            struct Case: Decodable { var seed: String; var state: [UInt32]; var raw: [String]; var shuffled: [Int]; var mask: [Bool] }
            struct Sum: Decodable { var values: [Double]; var sum: Double }
            var cases: [Case]
            var sums: [Sum]
        }
        let golden = try GoldenFiles().load(Golden.self, "numpy_generator.json")
        #expect(golden.cases.count == 5)
        for test in golden.cases {
            let seed = try #require(UInt64(test.seed))
            #expect(NumPyGenerator.seedSequenceState(seed: seed, words: 8) == test.state, "seed \(seed) state")
            var raw = NumPyGenerator(seed: seed)
            #expect((0..<6).map { _ in String(raw.nextUInt64()) } == test.raw, "seed \(seed) raw")
            var generator = NumPyGenerator(seed: seed)
            var values = Array(0..<13)
            generator.shuffle(&values)
            #expect(values == test.shuffled, "seed \(seed) shuffle")
            var mask = [true, true, true, false, false, false, false, false, false, false]
            generator.shuffle(&mask)
            #expect(mask == test.mask, "seed \(seed) mask")
        }
        // np.sum's pairwise summation, to the bit (the root's totals are summed so).
        #expect(golden.sums.count == 9)
        for test in golden.sums {
            #expect(NumPySum.pairwise(count: test.values.count) { test.values[$0] } == test.sum, "\(test.values.count) values")
        }
    }

    /// Python sets of integers iterate as CPython's do (golden orders from CPython 3.11): the
    /// order scikit-learn scans the features an interaction constraint allows.
    @Test func pythonIntSetsIterateAsCPython() throws {
        struct Golden: Decodable {
            struct Case: Decodable { var kind: String; var groups: [[Int]]; var order: [Int]; var n: Int? }
            var cases: [Case]
        }
        let golden = try GoldenFiles().load(Golden.self, "python_sets.json")
        #expect(golden.cases.count == 12)
        for (index, test) in golden.cases.enumerated() {
            let order: [Int]
            switch test.kind {
            case "list": order = PythonIntSet(test.groups[0]).elements
            case "update": order = TreeGrower.allowedFeatures(test.groups.map { PythonIntSet($0) }, Array(test.groups.indices))
            default:
                var union = PythonIntSet()
                for group in test.groups { union.merge(PythonIntSet(group)) }
                order = PythonIntSet(0..<(test.n ?? 0)).subtracting(union).elements
            }
            #expect(order == test.order, "case \(index) (\(test.kind))")
        }
        var set = PythonIntSet([3, 11, 19])
        #expect(set.contains(11) && !set.contains(4))
        set.discard(11)
        #expect(!set.contains(11) && set.contains(19) && set.used == 2)
    }

    /// Weighted binning above the subsample draws rows in proportion to their weights: rows of
    /// weight 0 never shape the edges, heavy rows shape them most.
    @Test func weightedSubsampleDrawsByWeight() throws {
        let n = 3_000
        // Rows 0..<1000 weigh 0 and hold huge values; rows 1000..<2000 weigh 9, values in [0, 1); the rest weigh 1, values in [1, 2).
        var values: [Double] = [], weights: [Double] = []
        for i in 0..<n {
            switch i {
            case ..<1_000: values.append(1e6 + Double(i)); weights.append(0)
            case ..<2_000: values.append(Double(i - 1_000) / 1_000); weights.append(9)
            default: values.append(1 + Double(i - 2_000) / 1_000); weights.append(1)
            }
        }
        let x = try Matrix(rows: n, columns: 1, values: values)
        let mapper = try BinMapper(fitting: x, maxBins: 20, subsample: 1_000, seed: 3, weights: weights)
        let edges = mapper.thresholds[0]
        #expect(!edges.isEmpty && edges.allSatisfy { $0 < 2 }, "\(edges)")
        // About nine tenths of the drawn rows lie below 1, so most of the 19 edges do too.
        #expect(edges.filter { $0 < 1 }.count >= 14, "\(edges)")
        #expect(throws: ToolboxError.self) { try BinMapper(fitting: x, maxBins: 20, weights: [1, 2]) }
    }
}
