// Generated from Sources/TuneKit/TuneKit.docc/TuneKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import Foundation
import TuneKit
import Foundation

private func branin(_ x: Double, _ y: Double) -> Double {
    let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
    return pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * cos(x) + 10
}

func snippet_Sources_TuneKit_TuneKit_docc_TuneKit_1() async throws {
    let study = try await Study.create(name: "branin", direction: .minimize, sampler: try TPESampler(seed: 1))
    try await study.optimize(trials: 100) { trial in
        let x = try await trial.suggestFloat("x", -5, 10)
        let y = try await trial.suggestFloat("y", 0, 15)
        return branin(x, y)
    }
    let best = try await study.bestTrial            // .params, .value, .number
}
