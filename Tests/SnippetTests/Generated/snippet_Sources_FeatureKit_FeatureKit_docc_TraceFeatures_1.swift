// Generated from Sources/FeatureKit/FeatureKit.docc/TraceFeatures.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import FeatureKit
import SEGYKit
import ToolboxCore
import Foundation

func snippet_Sources_FeatureKit_FeatureKit_docc_TraceFeatures_1() async throws {
    let file = try SEGYFile(path: "survey.sgy")
    let dt = file.sampleInterval() / 1e6                       // microseconds to seconds
    let traces = try Matrix(rows: file.traceCount, columns: file.sampleCount,
                            values: try file.traces(0..<file.traceCount).map(Double.init))

    let features = try TraceFeatureExtractor(sampleInterval: dt).fit(traces).transform(traces)
    let embedding = try TraceEmbedding(components: 32).fit(traces)
    let vectors = try embedding.transform(traces)              // columns pca0...pca31
}
