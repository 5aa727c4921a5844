// Generated from Sources/TuneKit/TuneKit.docc/TuneKit.md, snippet 2 by SnippetTests; do not edit (see SnippetTests.swift).
import TuneKit
import Foundation

func snippet_Sources_TuneKit_TuneKit_docc_TuneKit_2() async throws {
    let study = try await Study.create(name: "by-hand", direction: .maximize, sampler: try TPESampler(seed: 1))
    let (trial, parameters) = try await study.ask(try SearchSpace(fileOrInline: "space.yaml"))
    let score = parameters.isEmpty ? 0 : 0.9                      // your evaluation of the parameters
    try await study.tell(trial.number, values: [score])
}
