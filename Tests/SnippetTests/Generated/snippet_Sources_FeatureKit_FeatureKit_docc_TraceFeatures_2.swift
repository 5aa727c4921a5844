// Generated from Sources/FeatureKit/FeatureKit.docc/TraceFeatures.md, snippet 2 by SnippetTests; do not edit (see SnippetTests.swift).
import FeatureKit
import SEGYKit
import Foundation

func snippet_Sources_FeatureKit_FeatureKit_docc_TraceFeatures_2() async throws {
    let file = try SEGYFile(path: "survey.sgy")
    let dt = file.sampleInterval() / 1e6
    let computer = try TraceFeatureComputer(count: file.sampleCount, sampleInterval: dt)
    let row = try computer.features(file.trace(0).map(Double.init))   // a wrong length throws
}
