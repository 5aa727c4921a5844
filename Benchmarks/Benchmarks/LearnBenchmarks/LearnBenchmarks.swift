import Benchmark
import BenchmarkSupport
import Foundation
import LearnKit
import ToolboxCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 10)

    Benchmark("Logistic regression fit 50k x 20") { benchmark in
        let (x, y) = try Workloads.loadClassificationData(try Workloads.classificationData(rows: 50_000, features: 20), features: 20)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try LogisticRegression().fit(x, y)) }
    }

    Benchmark("Decision tree fit 50k x 20") { benchmark in
        let (x, y) = try Workloads.loadClassificationData(try Workloads.classificationData(rows: 50_000, features: 20), features: 20)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try DecisionTreeClassifier().fit(x, y)) }
    }

    Benchmark("Random forest 20 trees fit and predict 50k x 20") { benchmark in
        let (x, y) = try Workloads.loadClassificationData(try Workloads.classificationData(rows: 50_000, features: 20), features: 20)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let model = try RandomForestClassifier(parameters: ForestParameters(treeCount: 20, tree: TreeParameters(maxFeatures: .sqrt))).fit(x, y)
            blackHole(try model.predictProbabilities(x))
        }
    }

    Benchmark("Metrics: ROC AUC of 1M scores") { benchmark in
        var rng = SeededGenerator(seed: 1)
        let y = (0..<1_000_000).map { _ in Double(rng.nextInt(below: 2)) }
        let scores = y.map { $0 * 0.3 + rng.nextUniform() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try Metrics.rocAUC(y, scores: scores)) }
    }
}
