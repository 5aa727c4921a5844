// Generated from Documentation/Guides/TuneKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import TuneKit
import Foundation

func snippet_Documentation_Guides_TuneKit_1() async throws {
    let study = try await Study.create(name: "quadratic", direction: .minimize, sampler: try TPESampler(seed: 1))
    try await study.optimize(trials: 50) { trial in
        let x = try await trial.suggestFloat("x", -10, 10)
        return (x - 2) * (x - 2)
    }
    print(try await study.bestTrial.parameters)
}
