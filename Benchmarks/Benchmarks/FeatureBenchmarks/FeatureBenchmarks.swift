import Benchmark
import BenchmarkSupport
import FeatureKit
import Foundation
import ToolboxCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 10)

    Benchmark("StandardScaler fit and transform 100k x 50") { benchmark in
        let (x, _) = try Workloads.loadClassificationData(try Workloads.classificationData(rows: 100_000, features: 50), features: 50)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try StandardScaler().fit(x).transform(x)) }
    }

    Benchmark("PCA 10 components fit and transform 100k x 50") { benchmark in
        let (x, _) = try Workloads.loadClassificationData(try Workloads.classificationData(rows: 100_000, features: 50), features: 50)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try PCA(components: .count(10)).fit(x).transform(x)) }
    }

    Benchmark("KNNImputer 20k x 20, 10% missing") { benchmark in
        let x = try Workloads.loadMissingData(try Workloads.missingData(rows: 20_000, features: 20), features: 20)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try KNNImputer().fit(x).transform(x)) }
    }

    Benchmark("FFT of 1,000 and 1,021 (prime) points") { benchmark in
        let signal = (0..<1_000).map { sin(Double($0) * 0.1) }, prime = (0..<1_021).map { cos(Double($0) * 0.2) }
        let (fft, primeFFT) = (try FFT(count: 1_000), try FFT(count: 1_021))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try fft.forwardReal(signal))
            blackHole(try primeFFT.forwardReal(prime))
        }
    }

    Benchmark("Trace features of 10k traces x 1,000 samples") { benchmark in
        var rng = SeededGenerator(seed: 3)
        let x = Matrix<Double>(rows: 10_000, columns: 1_000) { _, _ in rng.nextNormal() }
        let model = try TraceFeatureExtractor(sampleInterval: 0.002).fit(x.rows(0..<1))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try model.transform(x)) }
    }

    Benchmark("TF-IDF fit and transform 20k documents") { benchmark in
        let path = try Workloads.documents(count: 20_000)
        let documents = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try TfidfVectorizer().fit(documents).transform(documents)) }
    }
}
