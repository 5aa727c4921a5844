import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Seeded generator")
struct RandomTests {
    struct Golden: Decodable {
        var streams: [String: [String]]
        var uniform_seed42: [Double]
    }

    @Test(arguments: ["0", "42", "18446744073709551615"])
    func matchesReferenceStream(seed: String) throws {
        let golden = try GoldenFiles().load(Golden.self, "rng.json")
        var rng = SeededGenerator(seed: UInt64(seed)!)
        let produced = (0..<12).map { _ in String(rng.next()) }
        #expect(produced == golden.streams[seed])
    }

    @Test func uniformMatchesReference() throws {
        let golden = try GoldenFiles().load(Golden.self, "rng.json")
        var rng = SeededGenerator(seed: 42)
        #expect((0..<12).map { _ in rng.nextUniform() } == golden.uniform_seed42)
    }

    @Test func boundedIntegersAreUniform() {
        var rng = SeededGenerator(seed: 3)
        var counts = [Int](repeating: 0, count: 7)
        let n = 70_000
        for _ in 0..<n { counts[rng.nextInt(below: 7)] += 1 }
        // Chi-square with 6 degrees of freedom; the 0.999 quantile is 22.46.
        let expected = Double(n) / 7
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chi2 < 22.46)
    }

    @Test func normalMoments() {
        var rng = SeededGenerator(seed: 11)
        let n = 200_000
        let draws = (0..<n).map { _ in rng.nextNormal() }
        let mean = draws.reduce(0, +) / Double(n)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        // Standard errors: 1/sqrt(n) ≈ 0.0022 for the mean, sqrt(2/n) ≈ 0.0032 for the variance.
        #expect(abs(mean) < 0.012)
        #expect(abs(variance - 1) < 0.016)
    }

    @Test func shuffleAndSamplingAreReproducible() throws {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        #expect(a.permutation(50) == b.permutation(50))
        let sample = try a.sampleWithoutReplacement(10, from: 1_000)
        #expect(Set(sample).count == 10 && sample.allSatisfy { $0 >= 0 && $0 < 1_000 })
        let dense = try a.sampleWithoutReplacement(90, from: 100)
        #expect(Set(dense).count == 90)
        #expect(Set(a.permutation(100)) == Set(0..<100))
        #expect(throws: ToolboxError.self) { try a.sampleWithoutReplacement(5, from: 4) }
        let weighted = try a.sampleWeighted(2_000, weights: [0, 1, 3])
        #expect(!weighted.contains(0))
        let threes = weighted.filter { $0 == 2 }.count
        #expect(threes > 1_400 && threes < 1_600)
        #expect(throws: ToolboxError.self) { try a.sampleWeighted(1, weights: [0, -1]) }
        #expect(throws: ToolboxError.self) { try a.sampleWeighted(1, weights: [0, 0]) }
    }

    @Test func derivedStreamsDiffer() {
        let base = SeededGenerator(seed: 9)
        var s1 = base.derived(stream: 1), s2 = base.derived(stream: 2), s1again = base.derived(stream: 1)
        let x = s1.next()
        #expect(x != s2.next())
        #expect(x == s1again.next())
    }
}

@Suite("Deterministic parallel loops")
struct ParallelTests {
    @Test(arguments: [1, 2, 3, 8])
    func sumIsIdenticalForAnyThreadCount(threads: Int) throws {
        var rng = SeededGenerator(seed: 1)
        let values = (0..<100_003).map { _ in rng.nextNormal() * 1e6 }
        func parallelSum(_ threads: Int) throws -> Double {
            try values.withUnsafeBufferPointer { buffer in
                let shared = buffer
                return try Parallel.map(count: shared.count, grain: 4_096, threads: threads) { range in
                    range.reduce(0.0) { $0 + shared[$1] }
                }.reduce(0, +)
            }
        }
        #expect(try parallelSum(threads).bitPattern == parallelSum(1).bitPattern)
    }

    @Test func resultsComeInChunkOrder() throws {
        let chunks = try Parallel.map(count: 1_000, grain: 7, threads: 4) { $0 }
        #expect(chunks == Parallel.chunks(count: 1_000, grain: 7))
        #expect(chunks.last == 994..<1_000)
        #expect(try Parallel.map(indices: 5, threads: 3) { $0 * $0 } == [0, 1, 4, 9, 16])
        #expect(try Parallel.map(count: 0, grain: 5) { $0 }.isEmpty)
    }

    @Test func firstChunkErrorWins() {
        struct Failure: Error, Equatable { var chunk: Int }
        for threads in [1, 4] {
            #expect(throws: Failure(chunk: 3)) {
                try Parallel.forEach(count: 100, grain: 10, threads: threads) { range in
                    let chunk = range.lowerBound / 10
                    if chunk >= 3 { throw Failure(chunk: chunk) }
                }
            }
        }
    }
}

@Suite("SHA-256 against hashlib")
struct SHA256Tests {
    struct Golden: Decodable {
        var messages_hex: [String: String]
        var digests: [String: String]
    }

    @Test func digestsMatch() throws {
        let golden = try GoldenFiles().load(Golden.self, "sha256.json")
        for (name, hex) in golden.messages_hex {
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(UInt8(hex[index..<next], radix: 16)!)
                index = next
            }
            #expect(ContentSHA256.hash(bytes).hexString == golden.digests[name], "message \(name)")
            // Feeding in uneven pieces gives the same digest.
            var hasher = ContentSHA256()
            var offset = 0
            var piece = 1
            while offset < bytes.count {
                let end = min(bytes.count, offset + piece)
                hasher.update(Array(bytes[offset..<end]))
                offset = end
                piece = piece * 3 + 1
            }
            #expect(hasher.finalize().hexString == golden.digests[name], "message \(name) in pieces")
        }
    }
}
