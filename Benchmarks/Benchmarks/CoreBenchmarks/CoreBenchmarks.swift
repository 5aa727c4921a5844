import Benchmark
import BenchmarkSupport
import Foundation
import ToolboxCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(5), maxIterations: 50)

    for n in [128, 512] {
        let a = Workloads.squareMatrix(n, seed: 1), b = Workloads.squareMatrix(n, seed: 2)
        Benchmark("Matrix multiply BLAS \(n)x\(n)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try a * b) }
        }
        Benchmark("Matrix multiply naive loop \(n)x\(n)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(Workloads.naiveMultiply(a, b)) }
        }
    }

    Benchmark("SVD 300x100") { benchmark in
        let a = try Matrix(rows: 300, columns: 100, values: Workloads.squareMatrix(300, seed: 3).values.prefix(30_000).map { $0 })
        for _ in benchmark.scaledIterations { blackHole(try LinearAlgebra.svd(a)) }
    }

    // ~100 MB numeric CSV, generated once into the temporary folder.
    Benchmark("CSV read 100 MB numeric", configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(20), maxIterations: 5)) { benchmark in
        let path = try Workloads.numericCSV(megabytes: 100)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try DataTable(csvFile: path)) }
    }
}
