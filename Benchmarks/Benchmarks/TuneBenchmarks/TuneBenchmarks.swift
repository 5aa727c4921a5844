import Benchmark
import Foundation
import TuneKit

/// A 5-parameter quadratic, as Benchmarks/Compare/tune.py sets it beside Optuna.
@Sendable func quadratic(_ trial: Trial) async throws -> Double {
    var total = 0.0
    for name in ["a", "b", "c", "d", "e"] {
        let x = try await trial.suggestFloat(name, -5, 5)
        total += (x - 1) * (x - 1)
    }
    return total
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 5)

    Benchmark("TPE: 300 trials of a 5-parameter objective in memory") { benchmark in
        for _ in benchmark.scaledIterations {
            let study = try await Study.create(name: "tpe", direction: .minimize, sampler: try TPESampler(seed: 1), pruner: NopPruner())
            try await study.optimize(trials: 300, quadratic)
        }
    }

    Benchmark("Random sampler: 1,000 trials of a 5-parameter objective in memory") { benchmark in
        for _ in benchmark.scaledIterations {
            let study = try await Study.create(name: "random", direction: .minimize, sampler: try RandomSampler(seed: 1), pruner: NopPruner())
            try await study.optimize(trials: 1_000, quadratic)
        }
    }

    Benchmark("NSGA-II: 300 trials of two objectives in memory") { benchmark in
        for _ in benchmark.scaledIterations {
            let study = try await Study.create(name: "nsga2", directions: [.minimize, .minimize], sampler: try NSGAIISampler(seed: 1), pruner: NopPruner())
            try await study.optimizeMany(trials: 300) { trial in
                let x = try await trial.suggestFloat("x", -2, 4), y = try await trial.suggestFloat("y", -2, 4)
                return [x * x + y * y, (x - 2) * (x - 2) + (y - 2) * (y - 2)]
            }
        }
    }

    Benchmark("SQLite study: ask and tell 200 trials in a store") { benchmark in
        for _ in benchmark.scaledIterations {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tunebench-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let study = try await Study.create(name: "stored", direction: .minimize, sampler: try RandomSampler(seed: 1), pruner: NopPruner(),
                                               storage: try SQLiteStudyStorage(folder: folder))
            try await study.optimize(trials: 200, quadratic)
        }
    }
}
