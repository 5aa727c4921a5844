import Benchmark
import Foundation
import ToolboxCore
import VectorKit

/// n vectors of d dimensions around 100 centres.
func clustered(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    var centres = SeededGenerator(seed: 99)
    let centre = (0..<(100 * d)).map { _ in Float(centres.nextNormal() * 4) }
    return (0..<n).flatMap { _ -> [Float] in
        let c = generator.nextInt(below: 100)
        return (0..<d).map { centre[c * d + $0] + Float(generator.nextNormal()) }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 10)

    Benchmark("Flat L2 search, 50k x 128, 200 queries, k 10") { benchmark in
        let index = try FlatIndex(dimension: 128)
        try index.add(clustered(50_000, 128, seed: 1))
        let queries = clustered(200, 128, seed: 2)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try index.search(queries, k: 10)) }
    }

    Benchmark("Flat L2 search, 50k x 128, one query, k 10") { benchmark in
        let index = try FlatIndex(dimension: 128)
        try index.add(clustered(50_000, 128, seed: 1))
        let query = clustered(1, 128, seed: 3)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try index.search(query, k: 10)) }
    }

    Benchmark("IVF-Flat search, 50k x 128, nlist 256, nprobe 8, 200 queries") { benchmark in
        let data = clustered(50_000, 128, seed: 1)
        let index = try IVFFlatIndex(dimension: 128, lists: 256)
        try index.train(data, kmeans: KMeans(k: 256, iterations: 10))
        try index.add(data)
        index.nprobe = 8
        let queries = clustered(200, 128, seed: 2)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try index.search(queries, k: 10)) }
    }

    Benchmark("K-means, 50k x 128, k 256, 10 iterations") { benchmark in
        let data = clustered(50_000, 128, seed: 1)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try KMeans(k: 256, iterations: 10).train(data, dimension: 128)) }
    }
}
