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

    Benchmark("Histogram gradient boosting 50 rounds fit 50k x 20") { benchmark in
        let (x, y) = try Workloads.loadClassificationData(try Workloads.classificationData(rows: 50_000, features: 20), features: 20)
        var parameters = BoostingParameters()
        parameters.maxIterations = 50
        parameters.earlyStopping = .off
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try HistGradientBoostingClassifier(parameters: parameters).fit(x, y)) }
    }

    Benchmark("Histogram gradient boosting predict 50k x 20, 100 trees; one row at a time") { benchmark in
        let (x, y) = try Workloads.loadClassificationData(try Workloads.classificationData(rows: 50_000, features: 20), features: 20)
        var parameters = BoostingParameters()
        parameters.earlyStopping = .off
        let model = try HistGradientBoostingClassifier(parameters: parameters).fit(x, y)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try model.predictProbabilities(x))
            var total = 0.0
            x.values.withUnsafeBufferPointer { values in
                for row in 0..<1_000 { total += model.ensemble.rawPrediction(row: values.baseAddress! + row * x.columns) }
            }
            blackHole(total)
        }
    }

    Benchmark("TreeSHAP of 1,000 rows, 100 trees of 31 leaves, 20 features") { benchmark in
        let (x, y) = try Workloads.loadClassificationData(try Workloads.classificationData(rows: 50_000, features: 20), features: 20)
        var parameters = BoostingParameters()
        parameters.earlyStopping = .off
        let model = try HistGradientBoostingClassifier(parameters: parameters).fit(x, y)
        let rows = try x.rows(at: Array(0..<1_000))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try model.shapValues(rows, threads: nil)) }
    }

    Benchmark("Metrics: ROC AUC of 1M scores") { benchmark in
        var rng = SeededGenerator(seed: 1)
        let y = (0..<1_000_000).map { _ in Double(rng.nextInt(below: 2)) }
        let scores = y.map { $0 * 0.3 + rng.nextUniform() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try Metrics.rocAUC(y, scores: scores)) }
    }
}
