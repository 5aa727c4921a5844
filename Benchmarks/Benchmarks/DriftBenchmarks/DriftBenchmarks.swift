import Benchmark
import DriftKit
import Foundation
import ToolboxCore

/// Samples of `count` normal values, shifted by `shift`.
func normals(_ count: Int, seed: UInt64, shift: Double = 0) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in generator.nextNormal() + shift }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 10)

    Benchmark("KS two-sample 1M vs 1M, unshifted") { benchmark in
        let (a, b) = (normals(1_000_000, seed: 1), normals(1_000_000, seed: 2))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try KolmogorovSmirnov.test(a, b)) }
    }

    Benchmark("KS two-sample 1M vs 1M, shifted 0.005") { benchmark in
        let (a, b) = (normals(1_000_000, seed: 1), normals(1_000_000, seed: 2, shift: 0.005))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try KolmogorovSmirnov.test(a, b)) }
    }

    Benchmark("PSI 1M vs 1M, 10 quantile bins") { benchmark in
        let (a, b) = (normals(1_000_000, seed: 1), normals(1_000_000, seed: 2, shift: 0.1))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try Distance.psi(reference: a, current: b)) }
    }

    Benchmark("Drift report, 50 numeric columns, 100k vs 100k rows") { benchmark in
        let reference = try DataTable((0..<50).map { ("c\($0)", DataTable.Column.numeric(normals(100_000, seed: UInt64($0)))) })
        let current = try DataTable((0..<50).map { ("c\($0)", DataTable.Column.numeric(normals(100_000, seed: UInt64(100 + $0), shift: $0 % 5 == 0 ? 0.2 : 0))) })
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try DriftReport.compute(reference: reference, current: current)) }
    }
}
