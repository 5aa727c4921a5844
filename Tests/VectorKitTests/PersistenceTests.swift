import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import VectorKit

@Suite("Saving, loading and FAISS files")
struct PersistenceTests {
    static let golden = GoldenFiles()

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vectorkit-\(UUID().uuidString)-\(name)").path
    }

    static var queries: [Float] { Array(VectorGolden.mixture(seed: 7, n: 310, d: 8, centres: 5, spread: 1)[(300 * 8)...]) }

    /// FAISS's own files load here and answer as FAISS did; exporting them again gives FAISS's
    /// bytes back.
    @Test(arguments: ["flat_l2", "flat_ip", "idmap", "ivf", "ivf_sparse"])
    func faissFilesLoadAndExportByteForByte(name: String) throws {
        let answers = try #require(VectorGolden.file?.faiss_files[name])
        let path = Self.golden.url("\(name).faiss").path
        let index = try VectorIndexFile.load(from: path).index
        let results = try index.search(Self.queries, k: 5)
        for i in 0..<10 {
            let mine: [Int64] = Array(results.ids[(i * 5)..<(i * 5 + 5)])
            #expect(mine == answers.ids[i], "\(name) query \(i)")
            for (mine, theirs) in zip(results.scores[(i * 5)..<(i * 5 + 5)], answers.scores[i]) where theirs.isFinite {
                #expect(abs(mine - theirs) <= 1e-4 * max(1, abs(theirs)), "\(name) score \(mine) vs \(theirs)")
            }
        }
        let exported = Self.temporary("\(name).faiss")
        defer { try? FileManager.default.removeItem(atPath: exported) }
        try FAISSFormat.export(index, to: exported)
        #expect(try Data(contentsOf: URL(fileURLWithPath: exported)) == (try Data(contentsOf: URL(fileURLWithPath: path))), "\(name): the export is FAISS's file")
    }

    @Test func ownFormatRoundTripsEveryKind() throws {
        let (base, queries) = try #require(VectorGolden.data)
        let d = 32, sample = Array(base.prefix(3_000 * d)), q = Array(queries.prefix(20 * d))
        for metric in Metric.allCases {
            let flat = try FlatIndex(dimension: d, metric: metric)
            try flat.add(sample, ids: (0..<3_000).map { Int64($0 * 5 + 1) })
            let ivf = try IVFFlatIndex(dimension: d, lists: 8, metric: metric)
            try ivf.train(sample)
            try ivf.add(sample)
            ivf.nprobe = 3
            for index in [flat, ivf] as [any VectorIndex] {
                let path = Self.temporary("index.dstv")
                defer { try? FileManager.default.removeItem(atPath: path) }
                try VectorIndexFile.save(index, to: path)
                let loaded = try VectorIndexFile.load(from: path).index
                #expect(loaded.metric == metric && loaded.count == 3_000 && type(of: loaded) == type(of: index))
                #expect(try loaded.search(q, k: 7) == (try index.search(q, k: 7)), "\(metric) \(type(of: index))")
            }
        }
    }

    /// Truncated, mutated and lying files are typed errors, never crashes or huge allocations.
    @Test func damagedFilesAreTypedErrors() throws {
        let index = try FlatIndex(dimension: 4)
        try index.add((0..<40).map(Float.init))
        let path = Self.temporary("good.dstv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try VectorIndexFile.save(index, to: path)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func check(_ bytes: [UInt8], _ label: String) {
            let file = Self.temporary("bad.bin")
            defer { try? FileManager.default.removeItem(atPath: file) }
            FileManager.default.createFile(atPath: file, contents: Data(bytes))
            #expect(throws: ToolboxError.self, "\(label)") { try VectorIndexFile.load(from: file) }
        }
        check(Array(good.prefix(good.count - 10)), "truncated")
        var flipped = good
        flipped[60] ^= 0x40
        check(flipped, "a flipped byte")
        check([], "empty")
        // A header claiming 2^40 vectors, with a valid checksum: refused before allocating.
        var lying = Array(good.prefix(good.count - 32))
        lying.replaceSubrange(24..<32, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian, Array.init))
        check(lying + ContentSHA256.hash(lying).bytes, "a huge count")
        // FAISS files: every prefix, and random mutations.
        let faiss = [UInt8](try Data(contentsOf: Self.golden.url("ivf.faiss")))
        for cut in stride(from: 0, to: faiss.count, by: 97) { check(Array(faiss.prefix(cut)), "FAISS prefix \(cut)") }
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            var mutated = faiss
            for _ in 0..<3 { mutated[generator.nextInt(below: 200)] = UInt8(generator.nextInt(below: 256)) }
            let file = Self.temporary("mutated.faiss")
            FileManager.default.createFile(atPath: file, contents: Data(mutated))
            _ = try? VectorIndexFile.load(from: file)
            try? FileManager.default.removeItem(atPath: file)
        }
        #expect(throws: ToolboxError.self) { try VectorIndexFile.load(from: FileManager.default.temporaryDirectory.path) }
    }

    /// Content errors inside a file with a valid checksum name the file and the byte offset.
    @Test func contentErrorsNameTheFileAndOffset() throws {
        func resealed(_ bytes: [UInt8]) -> [UInt8] {
            let body = Array(bytes[..<(bytes.count - 32)])
            return body + ContentSHA256.hash(body).bytes
        }
        func expectLocated(_ bytes: [UInt8], _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try VectorIndexFile.decode(bytes, path: "index.dstv")
                Issue.record("accepted", sourceLocation: sourceLocation)
            } catch let error as ToolboxError {
                #expect(error.code == .corruptArchive && error.context.path == "index.dstv" && error.context.byteOffset != nil,
                        "\(error)", sourceLocation: sourceLocation)
                #expect(error.message.contains(text), "\(error)", sourceLocation: sourceLocation)
            } catch {
                Issue.record("untyped \(error)", sourceLocation: sourceLocation)
            }
        }
        let d = 4
        let flat = try FlatIndex(dimension: d)
        try flat.add([Float](repeating: 1, count: 3 * d), ids: [5, 6, 7])
        var bytes = try VectorIndexFile.encode(flat)
        // Header: magic 8, version 4, kind 4, metric 4, dimension 4, count 8, lists 8, nprobe 8 = 48; then ids.
        let idsStart = 48
        var duplicate = bytes
        for k in 0..<8 { duplicate[idsStart + 8 + k] = duplicate[idsStart + k] }
        expectLocated(resealed(duplicate), "already in the index")
        let huge = withUnsafeBytes(of: Float(1e30).bitPattern.littleEndian) { Array($0) }
        for k in 0..<4 { bytes[idsStart + 24 + k] = huge[k] }
        expectLocated(resealed(bytes), "overflow")

        let ivf = try IVFFlatIndex(dimension: d, lists: 2)
        let training = VectorGolden.mixture(seed: 3, n: 40, d: d, centres: 2, spread: 1)
        try ivf.train(training, kmeans: KMeans(k: 2, iterations: 5, seed: 1))
        try ivf.add(training)
        var ivfBytes = try VectorIndexFile.encode(ivf)
        // After the header and the trained flag, the first centroid value.
        for k in 0..<4 { ivfBytes[52 + k] = huge[k] }
        expectLocated(resealed(ivfBytes), "centroids")
    }
}
