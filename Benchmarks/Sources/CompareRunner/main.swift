// Runs one DS Toolbox workload and prints a line `name seconds detail`, the best of N runs.
// Benchmarks/Compare/run.sh calls it beside the Python reference on the same data.
import BenchmarkSupport
import DriftKit
import FeatureKit
import Foundation
import LearnKit
import VectorKit
import SEGYKit
import ToolboxCore
import TrackKit
import TuneKit
import Synchronization
import PostgresStore

func best(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return fastest
}

/// The searches `track-search` and `store-compare` time: a name, a filter, an order.
let trackingSearches: [(String, String?, [String])] = [
    ("newest-1000", nil, []),
    ("metric-and-or", "metrics.rmse < 0.1 AND (params.model = 'forest' OR tags.stage = 'prod')", ["metrics.rmse ASC"]),
    ("param-equals", "params.model = 'linear' AND attributes.status = 'FINISHED'", []),
    ("order-by-metric", nil, ["metrics.acc DESC"]),
]

let arguments = CommandLine.arguments.dropFirst()
guard let workload = arguments.first else {
    print("usage: CompareRunner make-csv MB | csv-read PATH [RUNS] | make-segy | segy PATH [RUNS]")
    exit(2)
}
switch workload {
case "tpe", "random-sampler":
    // TRIALS trials of a 5-parameter objective in memory; prints the mean seconds per trial
    // over the last 100 (TPE's cost grows with the history).
    let trials = Int(arguments.dropFirst().first ?? "1000") ?? 1_000
    let sampler: any Sampler = workload == "tpe" ? try TPESampler(seed: 1) : try RandomSampler(seed: 1)
    let study = try await Study.create(name: "bench", direction: .minimize, sampler: sampler, pruner: NopPruner())
    let clock = ContinuousClock()
    let start = clock.now
    let recorded = Mutex<[Double]>([])
    try await study.optimize(trials: trials) { trial in
        var total = 0.0
        for name in ["a", "b", "c", "d", "e"] { let x = try await trial.suggestFloat(name, -5, 5); total += (x - 1) * (x - 1) }
        let elapsed = clock.now - start
        recorded.withLock { $0.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) }
        return total
    }
    let marks = recorded.withLock { $0 }
    let last = min(100, trials - 1)
    print("\(workload) \((marks[trials - 1] - marks[trials - 1 - last]) / Double(last)) total=\(marks[trials - 1])")
case "tune-sqlite":
    // TRIALS trials of a 5-parameter objective in a store folder, by the random sampler (or
    // TPE with `tpe` after TRIALS); prints the mean seconds per trial.
    let trials = Int(arguments.dropFirst().first ?? "200") ?? 200
    let useTPE = arguments.dropFirst(2).first == "tpe"
    let folder = "/tmp/dstoolbox-tune-sqlite-\(getpid())"
    try? FileManager.default.removeItem(atPath: folder)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let study = try await Study.create(name: "stored", direction: .minimize, sampler: useTPE ? try TPESampler(seed: 1) : try RandomSampler(seed: 1), pruner: NopPruner(),
                                       storage: try SQLiteStudyStorage(folder: folder))
    let clock = ContinuousClock(), start = clock.now
    try await study.optimize(trials: trials) { trial in
        var total = 0.0
        for name in ["a", "b", "c", "d", "e"] { let x = try await trial.suggestFloat(name, -5, 5); total += (x - 1) * (x - 1) }
        return total
    }
    let elapsed = clock.now - start
    print("tune-sqlite \((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) / Double(trials))")
case "tune-quality":
    // TPE (defaults, seeds 0-9), 200 trials per function: the median best value.
    let trials = Int(arguments.dropFirst().first ?? "200") ?? 200
    let seeds = Int(arguments.dropFirst(2).first ?? "10") ?? 10
    let a6: [[Double]] = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
    let p6: [[Double]] = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
                          [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
    let alpha: [Double] = [1.0, 1.2, 3.0, 3.2]
    let objectives: [(String, @Sendable (Trial) async throws -> Double)] = [
        ("branin", { t in
            let x = try await t.suggestFloat("x", -5, 10), y = try await t.suggestFloat("y", 0, 15)
            let a: Double = y - 5.1 / (4 * Double.pi * Double.pi) * x * x + 5 / Double.pi * x - 6
            return a * a + 10 * (1 - 1 / (8 * Double.pi)) * cos(x) + 10
        }),
        ("hartmann6", { t in
            var x: [Double] = []
            for i in 0..<6 { x.append(try await t.suggestFloat("x\(i)", 0, 1)) }
            var total = 0.0
            for i in 0..<4 {
                var inner = 0.0
                for j in 0..<6 { let d: Double = x[j] - p6[i][j]; inner += a6[i][j] * d * d }
                total += alpha[i] * exp(-inner)
            }
            return -total
        }),
        ("rosenbrock5_categorical", { t in
            var x: [Double] = []
            for i in 0..<5 { x.append(try await t.suggestFloat("x\(i)", -2, 2)) }
            let c = try await t.suggestCategorical("c", ["a", "b", "c"])
            var r = 0.0
            for i in 0..<4 { let a: Double = x[i + 1] - x[i] * x[i]; let b: Double = 1 - x[i]; r += 100 * a * a + b * b }
            return r + ["a": 0.0, "b": 1.0, "c": 3.0][c]!
        }),
        ("noisy_quadratic", { t in
            var total = 0.0
            for i in 0..<3 { let v = try await t.suggestFloat("x\(i)", -1, 1); total += (v - 0.3) * (v - 0.3) }
            return total + 0.01 * sin(12.9898 * Double(t.number + 1))
        }),
    ]
    for (name, objective) in objectives {
        var bests: [Double] = []
        for seed in 0..<seeds {
            let study = try await Study.create(name: name, direction: .minimize, sampler: try TPESampler(seed: UInt64(seed)))
            try await study.optimize(trials: trials, objective)
            bests.append(try await study.bestTrial.value ?? .nan)
        }
        bests.sort()
        let median = bests.count % 2 == 1 ? bests[bests.count / 2] : (bests[bests.count / 2 - 1] + bests[bests.count / 2]) / 2
        print("\(name) \(median)")
    }
case "track-log":
    // N metrics logged to one run in batches of BATCH, on a new store each time.
    let count = Int(arguments.dropFirst().first ?? "100000") ?? 100_000
    let batch = Int(arguments.dropFirst(2).first ?? "1000") ?? 1_000
    let runs = Int(arguments.dropFirst(3).first ?? "3") ?? 3
    var stored = 0
    let seconds = try best(of: runs) {
        let folder = "/tmp/dstoolbox-track-log-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteTrackingStore(folder: folder)
        let run = try store.createRun(experimentID: store.experiment(named: "bench").id, name: nil, parentRunID: nil, source: nil, user: nil)
        let now = Date().timeIntervalSince1970
        for start in stride(from: 0, to: count, by: batch) {
            let metrics = (start..<min(count, start + batch)).map { RunMetric(key: "m\($0 % 10)", value: Double($0) * 0.001, step: Int64($0 / 10), timestamp: now) }
            try store.logBatch(runID: run.id, params: [:], metrics: metrics, tags: [:])
        }
        stored = try store.metricHistory(runID: run.id, key: "m0").count * 10
    }
    print("track-log \(seconds) metrics=\(stored) batch=\(batch)")
case "make-tracking-store":
    // A store of RUNS runs in FOLDER (replaced), for the tracking server's comparison.
    let count = Int(arguments.dropFirst().first ?? "100000") ?? 100_000
    let folder = arguments.dropFirst(2).first ?? "/tmp/dstoolbox-tracking-server-\(count)"
    try? FileManager.default.removeItem(atPath: folder)
    _ = try searchStore(count, folder)
    print(folder)
case "track-search":
    // A store of RUNS runs (params, metrics, tags), then the best of 5 of each search.
    let count = Int(arguments.dropFirst().first ?? "100000") ?? 100_000
    let folder = "/tmp/dstoolbox-track-search-\(count)"
    try? FileManager.default.removeItem(atPath: folder)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (store, experiment) = try searchStore(count, folder)
    for (name, filter, order) in trackingSearches {
        var found = 0
        let seconds = try best(of: 5) {
            found = try store.searchRuns(experimentIDs: [experiment], filter: try filter.map { try RunFilter(parsing: $0) },
                                         orderBy: try order.map { try RunOrder(parsing: $0) }, maxResults: 1_000, offset: 0).count
        }
        print("search-\(name) \(seconds) runs=\(count) returned=\(found)")
    }
case "store-compare":
    // The same work through the TrackingStore protocol on the SQLite store and on a PostgreSQL
    // database (URL), interleaved, best of 3: 100k metrics in batches of 1,000 to one run, then
    // searches over 100k runs (written with importRuns on both).
    let url = arguments.dropFirst().first ?? ""
    let count = Int(arguments.dropFirst(2).first ?? "100000") ?? 100_000
    let folder = "/tmp/dstoolbox-store-compare-\(getpid())"
    try? FileManager.default.removeItem(atPath: folder)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let sqlite = try SQLiteTrackingStore(folder: folder)
    let postgres = try await PostgresTrackingStore(url: url)
    let stores: [(String, any TrackingStore)] = [("sqlite", sqlite), ("postgres", postgres)]
    func timed(_ body: () async throws -> Void) async rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try await body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    var logTimes: [String: Double] = [:]
    for _ in 0..<3 {
        for (name, store) in stores {
            let run = try await store.createRun(experimentID: try await store.experiment(named: "log").id, name: nil, parentRunID: nil, source: nil, user: nil)
            let now = Date().timeIntervalSince1970
            let seconds = try await timed {
                for start in stride(from: 0, to: 100_000, by: 1_000) {
                    let metrics = (start..<start + 1_000).map { RunMetric(key: "m\($0 % 10)", value: Double($0) * 0.001, step: Int64($0 / 10), timestamp: now) }
                    try await store.logBatch(runID: run.id, params: [:], metrics: metrics, tags: [:])
                }
            }
            logTimes[name] = min(logTimes[name] ?? .infinity, seconds)
        }
    }
    print("log-100k-metrics sqlite=\(logTimes["sqlite"]!) postgres=\(logTimes["postgres"]!)")
    var generator = SeededGenerator(seed: 5)
    let models = ["forest", "linear", "boosting"], stages = ["dev", "staging", "prod"]
    var experiments: [String: Int64] = [:]
    for (name, store) in stores { experiments[name] = try await store.experiment(named: "search").id }
    for chunk in stride(from: 0, to: count, by: 10_000) {
        let runs = (chunk..<min(count, chunk + 10_000)).map { index in
            ImportedRun(name: "run-\(index)", status: index % 10 == 0 ? .failed : .finished, startTime: 1.7e9 + Double(index),
                        params: ["model": models[generator.nextInt(below: 3)], "lr": "\(0.001 * Double(1 + generator.nextInt(below: 100)))"],
                        metrics: [RunMetric(key: "rmse", value: generator.nextUniform(), step: 0, timestamp: 1.7e9),
                                  RunMetric(key: "acc", value: generator.nextUniform(), step: 0, timestamp: 1.7e9)],
                        tags: ["stage": stages[generator.nextInt(below: 3)]])
        }
        try sqlite.importRuns(experimentID: experiments["sqlite"]!, runs)
        try await postgres.importRuns(experimentID: experiments["postgres"]!, runs)
    }
    for (search, filter, order) in trackingSearches {
        var line = "search-\(search)", found: [String: [String]] = [:]
        for (name, store) in stores {
            var fastest = Double.infinity
            for _ in 0..<5 {
                fastest = min(fastest, try await timed {
                    found[name] = try await store.searchRuns(experimentIDs: [experiments[name]!], filter: try filter.map { try RunFilter(parsing: $0) },
                                                             orderBy: try order.map { try RunOrder(parsing: $0) }, maxResults: 1_000, offset: 0).compactMap(\.name)
                })
            }
            line += " \(name)=\(fastest)"
        }
        print(line + " same=\(found["sqlite"]! == found["postgres"]!) returned=\(found["sqlite"]!.count)")
    }
case "make-drift":
    // Reference, unshifted and shifted current samples as raw little-endian float64 files.
    let count = Int(arguments.dropFirst().first ?? "1000000") ?? 1_000_000
    let shift = Double(arguments.dropFirst(2).first ?? "0.005") ?? 0.005
    var generator = SeededGenerator(seed: 11)
    let prefix = "/tmp/dstoolbox-drift-\(count)"
    for (name, offset) in [("reference", 0.0), ("current", 0.0), ("shifted", shift)] {
        let values = (0..<count).map { _ in generator.nextNormal() + offset }
        try values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: "\(prefix)-\(name).f64")) }
    }
    print(prefix)
case "ks", "psi":
    // KS (scipy's ks_2samp defaults) or PSI over 10 reference-quantile bins of two float64 files.
    func load(_ path: String) throws -> [Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    }
    let (a, b) = (try load(String(arguments.dropFirst().first ?? "")), try load(String(arguments.dropFirst(2).first ?? "")))
    let runs = Int(arguments.dropFirst(3).first ?? "3") ?? 3
    var detail = ""
    let seconds = try best(of: runs) {
        if workload == "ks" {
            let result = try KolmogorovSmirnov.test(a, b)
            detail = "statistic=\(result.statistic) pvalue=\(result.pValue)"
        } else {
            detail = "psi=\(try Distance.psi(reference: a, current: b))"
        }
    }
    print("\(workload) \(seconds) \(detail)")
case "drift-report":
    // A report over COLUMNS numeric columns of ROWS rows each side, every fifth column shifted.
    let rows = Int(arguments.dropFirst().first ?? "100000") ?? 100_000
    let columns = Int(arguments.dropFirst(2).first ?? "50") ?? 50
    let runs = Int(arguments.dropFirst(3).first ?? "3") ?? 3
    func column(_ seed: UInt64, _ shift: Double) -> DataTable.Column {
        var generator = SeededGenerator(seed: seed)
        return .numeric((0..<rows).map { _ in generator.nextNormal() + shift })
    }
    let reference = try DataTable((0..<columns).map { ("c\($0)", column(UInt64($0), 0)) })
    let current = try DataTable((0..<columns).map { ("c\($0)", column(UInt64(1_000 + $0), $0 % 5 == 0 ? 0.2 : 0)) })
    var drifted = 0
    let seconds = try best(of: runs) { drifted = try DriftReport.compute(reference: reference, current: current).numberOfDriftedColumns }
    print("drift-report \(seconds) columns=\(columns) rows=\(rows) drifted=\(drifted)")
case "make-vectors":
    // A Gaussian mixture of N vectors of D dimensions around 1,000 centres, and Q queries drawn
    // the same way, as raw little-endian float32 files.
    let n = Int(arguments.dropFirst().first ?? "200000") ?? 200_000
    let d = Int(arguments.dropFirst(2).first ?? "128") ?? 128
    let q = Int(arguments.dropFirst(3).first ?? "1000") ?? 1_000
    var generator = SeededGenerator(seed: 21)
    let centres = (0..<(1_000 * d)).map { _ in Float(generator.nextNormal() * 4) }
    func draw(_ count: Int) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(count * d)
        for _ in 0..<count {
            let c = generator.nextInt(below: 1_000)
            for j in 0..<d { out.append(centres[c * d + j] + Float(generator.nextNormal())) }
        }
        return out
    }
    let prefix = "/tmp/dstoolbox-vectors-\(n)x\(d)"
    for (name, values) in [("base", draw(n)), ("queries", draw(q))] {
        try values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: "\(prefix)-\(name).f32")) }
    }
    print(prefix)
case "flat-search":
    // Flat batch search, k 10: queries per second (best of RUNS) for METRIC l2|ip|cosine.
    func loadFloats(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
    let prefix = String(arguments.dropFirst().first ?? "")
    let d = Int(arguments.dropFirst(2).first ?? "128") ?? 128
    let metric = Metric(rawValue: String(arguments.dropFirst(3).first ?? "l2")) ?? .l2
    let runs = Int(arguments.dropFirst(4).first ?? "3") ?? 3
    let base = try loadFloats("\(prefix)-base.f32"), queries = try loadFloats("\(prefix)-queries.f32")
    let index = try FlatIndex(dimension: d, metric: metric)
    try index.add(base)
    var checksum: Int64 = 0
    let seconds = try best(of: runs) { checksum = try index.search(queries, k: 10).ids.reduce(0, &+) }
    print("flat-search \(seconds) qps=\(Double(queries.count / d) / seconds) checksum=\(checksum)")
case "ivf", "kmeans":
    // ivf: train (k-means, 10 iterations as FAISS's IVF), add, then per nprobe the QPS and
    // recall@10 against flat search. kmeans: LISTS centroids, 20 iterations, the training time.
    func loadVectors(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
    let prefix = String(arguments.dropFirst().first ?? "")
    let d = Int(arguments.dropFirst(2).first ?? "128") ?? 128
    let lists = Int(arguments.dropFirst(3).first ?? "1024") ?? 1_024
    let base = try loadVectors("\(prefix)-base.f32"), queries = try loadVectors("\(prefix)-queries.f32")
    if workload == "kmeans" {
        var objective = 0.0
        let initialization: KMeans.Initialization = arguments.dropFirst(4).first == "pp" ? .kmeansPlusPlus : .random
        let iterations = Int(arguments.dropFirst(5).first ?? "20") ?? 20
        let seconds = try best(of: 1) { objective = try KMeans(k: lists, iterations: iterations, seed: 1234, initialization: initialization).train(base, dimension: d).objective.last ?? 0 }
        print("kmeans \(seconds) objective=\(objective)")
    } else {
        let flat = try FlatIndex(dimension: d)
        try flat.add(base)
        let truth = try flat.search(queries, k: 10)
        let index = try IVFFlatIndex(dimension: d, lists: lists)
        let start = DispatchTime.now().uptimeNanoseconds
        let iterations = Int(arguments.dropFirst(4).first ?? "10") ?? 10
        let kmeansSeed = UInt64(arguments.dropFirst(5).first ?? "1234") ?? 1234
        // The library default (a k-means++ start) unless "random" asks for FAISS's start.
        let initialization: KMeans.Initialization = arguments.dropFirst(6).first == "random" ? .random : .kmeansPlusPlus
        try index.train(base, kmeans: KMeans(k: lists, iterations: iterations, seed: kmeansSeed, initialization: initialization))
        try index.add(base)
        let build = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("ivf-build \(build)")
        let nq = queries.count / d
        for nprobe in [1, 4, 16, 64] {
            index.nprobe = nprobe
            var results: SearchResults?
            let seconds = try best(of: 3) { results = try index.search(queries, k: 10) }
            var hits = 0
            for i in 0..<nq { hits += Set(results!.neighbours(of: i).map(\.id)).intersection(truth.neighbours(of: i).map(\.id)).count }
            print("ivf-nprobe-\(nprobe) \(seconds) qps=\(Double(nq) / seconds) recall=\(Double(hits) / Double(nq * 10))")
        }
    }
case "make-csv":
    let megabytes = Int(arguments.dropFirst().first ?? "100") ?? 100
    print(try Workloads.numericCSV(megabytes: megabytes))
case "csv-read":
    let path = String(arguments.dropFirst().first ?? "")
    let runs = Int(arguments.dropFirst(2).first ?? "3") ?? 3
    var rows = 0
    let seconds = try best(of: runs) { rows = try DataTable(csvFile: path).rowCount }
    print("csv-read \(seconds) rows=\(rows)")
case "make-segy":
    print(try Workloads.segyCube())
case "segy":
    // Same operations as Compare/segy_read.py, each the best of RUNS on an open file.
    let path = String(arguments.dropFirst().first ?? "")
    let runs = Int(arguments.dropFirst(2).first ?? "3") ?? 3
    var file: SEGYFile?
    var geometry: SEGYGeometry?
    let open = try best(of: runs) {
        file = try SEGYFile(path: path)
        geometry = try file!.geometry()
    }
    guard let file, let geometry else { exit(1) }
    let il = geometry.inlines[geometry.inlines.count / 2], xl = geometry.crosslines[geometry.crosslines.count / 2]
    print("open+geometry \(open)")
    print("whole-file \(try best(of: runs) { _ = try file.traces() })")
    print("inline \(try best(of: runs) { _ = try file.inline(il, geometry: geometry) })")
    print("crossline \(try best(of: runs) { _ = try file.crossline(xl, geometry: geometry) })")
    print("time-slice \(try best(of: runs) { _ = try file.depthSlice(file.sampleCount / 2, geometry: geometry) })")
    print("two-headers \(try best(of: runs) { _ = try file.headerValues(.inline); _ = try file.headerValues(.crossline) })")
case "make-missing":
    let rows = Int(arguments.dropFirst().first ?? "20000") ?? 20_000
    let features = Int(arguments.dropFirst(2).first ?? "20") ?? 20
    print(try Workloads.missingData(rows: rows, features: features))
case "knn":
    // KNNImputer at scikit-learn's defaults (5 neighbours, uniform), fit and transform.
    let prefix = String(arguments.dropFirst().first ?? "")
    let features = Int(arguments.dropFirst(2).first ?? "20") ?? 20
    let runs = Int(arguments.dropFirst(3).first ?? "3") ?? 3
    let x = try Workloads.loadMissingData(prefix, features: features)
    var out: Matrix<Double>?
    let seconds = try best(of: runs) { out = try KNNImputer().fit(x).transform(x) }
    print("knn-impute \(seconds) checksum=\(String(format: "%.6f", out!.values.reduce(0, +)))")
case "scaler", "pca":
    // StandardScaler, or PCA to 10 components at scikit-learn's defaults, fit and transform.
    let prefix = String(arguments.dropFirst().first ?? "")
    let features = Int(arguments.dropFirst(2).first ?? "50") ?? 50
    let runs = Int(arguments.dropFirst(3).first ?? "3") ?? 3
    let (x, _) = try Workloads.loadClassificationData(prefix, features: features)
    var out: Matrix<Double>?
    let seconds = try best(of: runs) {
        out = workload == "scaler" ? try StandardScaler().fit(x).transform(x) : try PCA(components: .count(10)).fit(x).transform(x)
    }
    print("\(workload) \(seconds) checksum=\(String(format: "%.6f", out!.values.reduce(0) { $0 + abs($1) }))")
case "trace-features":
    // Trace features of TRACES random traces of SAMPLES samples (the issue's 100k x 1000 goal).
    let traces = Int(arguments.dropFirst().first ?? "100000") ?? 100_000
    let samples = Int(arguments.dropFirst(2).first ?? "1000") ?? 1_000
    var rng = SeededGenerator(seed: 3)
    let x = Matrix<Double>(rows: traces, columns: samples) { _, _ in rng.nextNormal() }
    let model = try TraceFeatureExtractor(sampleInterval: 0.002).fit(x.rows(0..<1))
    var out: Matrix<Double>?
    let seconds = try best(of: 1) { out = try model.transform(x) }
    print("trace-features \(seconds) traces=\(traces) samples=\(samples) features=\(out!.columns)")
case "make-documents":
    print(try Workloads.documents(count: Int(arguments.dropFirst().first ?? "20000") ?? 20_000))
case "tfidf":
    // TfidfVectorizer at scikit-learn's defaults, fit and transform of the same documents.
    let path = String(arguments.dropFirst().first ?? "")
    let runs = Int(arguments.dropFirst(2).first ?? "3") ?? 3
    let documents = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    var rows: SparseMatrix?
    let seconds = try best(of: runs) { rows = try TfidfVectorizer().fit(documents).transform(documents) }
    print("tfidf \(seconds) documents=\(documents.count) terms=\(rows!.columns) nonzeros=\(rows!.values.count)")
case "make-classification":
    let rows = Int(arguments.dropFirst().first ?? "200000") ?? 200_000
    let features = Int(arguments.dropFirst(2).first ?? "50") ?? 50
    print(try Workloads.classificationData(rows: rows, features: features))
case "logistic":
    // LogisticRegression fit at scikit-learn's defaults (C 1, tol 1e-4, 100 iterations).
    let prefix = String(arguments.dropFirst().first ?? "")
    let features = Int(arguments.dropFirst(2).first ?? "50") ?? 50
    let runs = Int(arguments.dropFirst(3).first ?? "3") ?? 3
    let (x, y) = try Workloads.loadClassificationData(prefix, features: features)
    var model: LogisticRegressionModel?
    let seconds = try best(of: runs) { model = try LogisticRegression().fit(x, y) }
    print("logistic-fit \(seconds) iterations=\(model?.iterations ?? 0) accuracy=\(try Metrics.accuracy(y, try model!.predict(x)))")
case "hgb":
    // HistGradientBoostingClassifier, LightGBM's settings from the issue: 200 rounds, 31
    // leaves, learning rate 0.1, 255 bins, no early stopping; first 80% of rows to train, last
    // 20% to test. Prints the fit time, test ROC AUC, batch prediction rate and peak memory.
    let prefix = String(arguments.dropFirst().first ?? "")
    let features = Int(arguments.dropFirst(2).first ?? "50") ?? 50
    let runs = Int(arguments.dropFirst(3).first ?? "1") ?? 1
    let (x, y) = try Workloads.loadClassificationData(prefix, features: features)
    let cut = x.rows * 8 / 10
    let trainX = x.rows(0..<cut), testX = x.rows(cut..<x.rows)
    let trainY = Array(y[0..<cut]), testY = Array(y[cut...])
    var parameters = BoostingParameters()
    parameters.maxIterations = 200
    parameters.earlyStopping = .off
    parameters.threads = 2
    var model: HistGradientBoostingClassifierModel?
    let seconds = try best(of: runs) { model = try HistGradientBoostingClassifier(parameters: parameters).fit(trainX, trainY) }
    let probabilities = try model!.predictProbabilities(testX)
    let auc = try Metrics.rocAUC(testY, probabilities: probabilities, classes: model!.classes)
    let predictSeconds = try best(of: 3) { _ = try model!.predictProbabilities(x) }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print("hgb-fit \(seconds) auc=\(auc) predict_rows_per_s=\(Int(Double(x.rows) / predictSeconds)) peak_mb=\(usage.ru_maxrss / 1024)")
case "tree", "forest":
    // DecisionTreeClassifier (defaults) or a 100-tree RandomForestClassifier (sqrt features),
    // fit and predict on the same rows.
    let prefix = String(arguments.dropFirst().first ?? "")
    let features = Int(arguments.dropFirst(2).first ?? "20") ?? 20
    let runs = Int(arguments.dropFirst(3).first ?? "3") ?? 3
    let (x, y) = try Workloads.loadClassificationData(prefix, features: features)
    if workload == "tree" {
        var model: DecisionTreeClassifierModel?
        let seconds = try best(of: runs) { model = try DecisionTreeClassifier().fit(x, y) }
        print("tree-fit \(seconds) depth=\(model!.tree.depth) leaves=\(model!.tree.leafCount)")
    } else {
        var model: ForestClassifierModel?
        let fit = try best(of: runs) {
            model = try RandomForestClassifier(parameters: ForestParameters(treeCount: 100, tree: TreeParameters(maxFeatures: .sqrt))).fit(x, y)
        }
        let predict = try best(of: runs) { _ = try model!.predictProbabilities(x) }
        print("forest-fit \(fit)")
        print("forest-predict \(predict)")
    }
default:
    print("unknown workload \(workload)")
    exit(2)
}

/// A store in `folder` holding `count` runs: params `model` and `lr`, metrics `rmse` and `acc`,
/// a tag `stage`, one failed run in ten (seed 5).
func searchStore(_ count: Int, _ folder: String) throws -> (SQLiteTrackingStore, Int64) {
    let store = try SQLiteTrackingStore(folder: folder)
    let experiment = try store.experiment(named: "bench").id
    var generator = SeededGenerator(seed: 5)
    let models = ["forest", "linear", "boosting"], stages = ["dev", "staging", "prod"]
    let start = 1.7e9
    for chunk in stride(from: 0, to: count, by: 10_000) {
        try store.importRuns(experimentID: experiment, (chunk..<min(count, chunk + 10_000)).map { index in
            ImportedRun(name: "run-\(index)", status: index % 10 == 0 ? .failed : .finished, startTime: start + Double(index),
                        params: ["model": models[generator.nextInt(below: 3)], "lr": "\(0.001 * Double(1 + generator.nextInt(below: 100)))"],
                        metrics: [RunMetric(key: "rmse", value: generator.nextUniform(), step: 0, timestamp: start), RunMetric(key: "acc", value: generator.nextUniform(), step: 0, timestamp: start)],
                        tags: ["stage": stages[generator.nextInt(below: 3)]])
        })
    }
    return (store, experiment)
}
