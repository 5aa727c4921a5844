import FeatureKit
import Foundation
import SEGYKit
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Trace features against a NumPy implementation of their formulas")
struct TraceFeatureTests {
    init() throws { try FeatureKit.registerModels() }

    static let golden: [String: JSONValue] = (try? GoldenFiles().load(JSONValue.self, "trace_features.json"))?.objectValue ?? [:]
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TestData/segy")

    @Test(arguments: ["small.sgy", "f3.sgy", "small-ps.sgy", "1x1.sgy", "text-embed-null.sgy"])
    func conformanceFilesMatch(name: String) throws {
        let entry = try #require(Self.golden[name]?.objectValue, "trace_features.json has no \(name)")
        let file = try SEGYFile(path: Self.data.appendingPathComponent(name).path)
        let dt = file.sampleInterval() / 1e6
        #expect(dt == (try FeatureGolden.number(try #require(entry["dt"]))))
        let traces = try Matrix(rows: file.traceCount, columns: file.sampleCount, values: try file.traces().map(Double.init))
        let model = try TraceFeatureExtractor(sampleInterval: dt).fit(traces)
        let features = try model.transform(traces)
        #expect(features.columns == TraceFeatureExtractor.featureNames.count && features.columns >= 40)
        guard case .array(let rows)? = entry["features"] else { Issue.record("no features"); return }
        #expect(rows.count == file.traceCount)
        for (t, row) in rows.enumerated() {
            let expected = try FeatureGolden.numbers(row)
            for (j, value) in expected.enumerated() where !isClose(features[t, j], value, relativeTolerance: 1e-9, absoluteTolerance: 1e-10) {
                Issue.record("\(name) trace \(t) \(TraceFeatureExtractor.featureNames[j]): \(features[t, j]) vs \(value)")
            }
        }
    }

    @Test func degenerateTracesGiveFiniteDocumentedValues() throws {
        let computer = try TraceFeatureComputer(count: 5, sampleInterval: 0.002)
        let zeros = try computer.features([0, 0, 0, 0, 0])
        #expect(zeros.allSatisfy { $0 == 0 })
        let constant = try computer.features([3, 3, 3, 3, 3])
        #expect(constant.allSatisfy { $0.isFinite })
        let single = try TraceFeatureComputer(count: 1, sampleInterval: 0.004).features([2])
        #expect(throws: ToolboxError.self) { try computer.features([1, 2, 3]) }
        #expect(try computer.features([1, .nan, 3, 4, 5]).allSatisfy(\.isNaN))
        #expect(try computer.features([1, 2, -.infinity, 4, 5]).allSatisfy(\.isNaN))
        #expect(throws: ToolboxError.self) { try TraceFeatureComputer(count: 0, sampleInterval: 0.004) }
        #expect(throws: ToolboxError.self) { try TraceFeatureComputer(count: 5, sampleInterval: .nan) }
        #expect(single.allSatisfy { $0.isFinite } && single.count == TraceFeatureExtractor.featureNames.count)
        #expect(throws: ToolboxError.self) { try TraceFeatureExtractor(sampleInterval: 0).fit(Matrix(rows: 2, columns: 4, repeating: 1)) }
        try checkEstimator(TraceFeatureExtractor(sampleInterval: 0.004), task: .unsupervised)
    }

    @Test func embeddingsFitOnASampleAndApplyToAll() throws {
        let file = try SEGYFile(path: Self.data.appendingPathComponent("f3.sgy").path)
        let traces = try Matrix(rows: file.traceCount, columns: file.sampleCount, values: try file.traces().map(Double.init))
        let embedding = TraceEmbedding(components: 8, sampleSize: 100, seed: 5)
        let model = try embedding.fit(traces)
        let sample = try traces.rows(at: embedding.sampledRows(traces.rows))
        #expect(sample.rows == 100)
        let direct = try PCA(components: .count(8), seed: 5).fit(sample)
        #expect(try model.transform(traces) == direct.transform(traces))
        #expect(model.outputFeatureNames(input: []) == (0..<8).map { "pca\($0)" })
        #expect(throws: ToolboxError.self) { try TraceEmbedding(components: 200, sampleSize: 100).fit(traces) }
        try checkEstimator(TraceEmbedding(components: 2, sampleSize: 40), task: .unsupervised)
    }
}
