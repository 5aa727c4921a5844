import Benchmark
import Foundation
import ToolboxCore
import TrackKit

/// A new store in a temporary folder.
func freshStore(_ name: String) throws -> (SQLiteTrackingStore, String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trackbench-\(name)-\(UUID().uuidString)").path
    return (try SQLiteTrackingStore(folder: folder), folder)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 10)

    Benchmark("Log 10k metrics to one run in batches of 1,000") { benchmark in
        let (store, folder) = try freshStore("log")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try store.createRun(experimentID: store.experiment(named: "bench").id, name: nil, parentRunID: nil, source: nil, user: nil)
        var step: Int64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for _ in 0..<10 {
                let metrics = (0..<1_000).map { RunMetric(key: "m\($0 % 10)", value: Double($0), step: step + Int64($0 / 10)) }
                try store.logBatch(runID: run.id, params: [:], metrics: metrics, tags: [:])
                step += 100
            }
        }
    }

    Benchmark("Create a run, log a batch, end it (3 transactions)") { benchmark in
        let (store, folder) = try freshStore("runs")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let experiment = try store.experiment(named: "bench").id
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let run = try store.createRun(experimentID: experiment, name: nil, parentRunID: nil, source: nil, user: nil)
            try store.logBatch(runID: run.id, params: ["lr": "0.1"], metrics: [RunMetric(key: "loss", value: 0.5)], tags: ["stage": "dev"])
            try store.endRun(id: run.id, status: .finished)
        }
    }

    Benchmark("Search 20k runs: metric range AND (param OR tag), ordered by the metric") { benchmark in
        let (store, folder) = try freshStore("search")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let experiment = try store.experiment(named: "bench").id
        var generator = SeededGenerator(seed: 3)
        try store.importRuns(experimentID: experiment, (0..<20_000).map { index in
            ImportedRun(name: "run-\(index)", params: ["model": ["forest", "linear", "boosting"][generator.nextInt(below: 3)]],
                        metrics: [RunMetric(key: "rmse", value: generator.nextUniform())], tags: ["stage": ["dev", "prod"][generator.nextInt(below: 2)]])
        })
        let filter = try RunFilter(parsing: "metrics.rmse < 0.2 AND (params.model = 'forest' OR tags.stage = 'prod')")
        let order = [try RunOrder(parsing: "metrics.rmse")]
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try store.searchRuns(experimentIDs: [experiment], filter: filter, orderBy: order, maxResults: 1_000, offset: 0))
        }
    }

    Benchmark("Store and verify a 4 MB artifact") { benchmark in
        let (store, folder) = try freshStore("artifact")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try store.createRun(experimentID: store.experiment(named: "bench").id, name: nil, parentRunID: nil, source: nil, user: nil)
        let bytes = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        var index = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var copy = bytes
            copy[0] = UInt8(truncatingIfNeeded: index)
            index += 1
            try store.logArtifact(runID: run.id, bytes: copy, path: "blob-\(index).bin")
            blackHole(try store.readArtifact(runID: run.id, path: "blob-\(index).bin"))
        }
    }
}
