// Extending DS Toolbox with your own estimator:
//
// 1. write it (scikit-learn's NearestCentroid: each class's mean, the nearest one wins);
// 2. pass `checkEstimator`, the conformance suite every toolbox estimator passes;
// 3. register it under a name, so archives load it and workflow files build it by name;
// 4. use it in a workflow file (its hyperparameters are tunable like any other);
// 5. serve the registered model over HTTP from inside this program.
//
// swift run -c release CustomEstimator [--folder DIR]
// The last line printed is a JSON summary (what the example's test checks).

import DSToolbox
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ServeKit
import ToolboxHTTP
import ToolboxTesting
import Workflows

// MARK: 1. The estimator

/// Nearest centroid classification: each class's centroid (mean, or with `metric: manhattan`
/// median, as scikit-learn), and for a row the class of the nearest centroid. Probabilities are a
/// softmax of the negative distances over `temperature`.
struct NearestCentroidClassifier: Estimator, Configurable, Hashable {
    enum Metric: String, Codable, CaseIterable, Sendable { case euclidean, manhattan }

    /// `metric`: euclidean (centroids are means) or manhattan (centroids are medians).
    var metric: Metric = .euclidean
    /// `temperature` (> 0): how soft the probabilities are.
    var temperature: Double = 1

    init() {}

    static let hyperparameterSchema: [Hyperparameter<NearestCentroidClassifier>] = [
        .choice("metric", \.metric, "euclidean (means) or manhattan (medians)"),
        .real("temperature", \.temperature, minimum: 0, exclusiveMinimum: true, "softmax temperature of the probabilities"),
    ]

    func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        try x.validateFinite()
        let schema = try context.validated(x: x, y: y)
        let classes = Array(Set(y)).sorted()
        guard classes.count >= 2 else { throw ToolboxError(.invalidData, "nearest centroids need at least two classes", context: ErrorContext(parameter: "y")) }
        var centroids: [Double] = []
        for label in classes {
            let rows = y.indices.filter { y[$0] == label }
            for j in 0..<x.columns {
                var values = rows.map { x[$0, j] }
                if metric == .manhattan {
                    values.sort()
                    let middle = values.count / 2
                    centroids.append(values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2)
                } else {
                    centroids.append(values.reduce(0, +) / Double(values.count))
                }
            }
        }
        return Model(hyperparameters: self, classes: classes, centroids: BinaryArray(centroids), inputFeatureCount: x.columns, schema: schema)
    }

    struct Model: Classifier {
        static let modelTypeName = "Example.NearestCentroidClassifier"
        var hyperparameters: NearestCentroidClassifier
        var classes: [Double]
        var centroids: BinaryArray<Double>
        var inputFeatureCount: Int
        var schema: ModelSchema

        func validateStructure() throws {
            guard centroids.elements.count == classes.count * inputFeatureCount else {
                throw ToolboxError(.corruptArchive, "\(centroids.elements.count) centroid values for \(classes.count) classes x \(inputFeatureCount) features")
            }
        }

        func distances(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(inputFeatureCount)
            try x.validateFinite()
            let c = centroids.elements, d = inputFeatureCount
            var out = try Matrix<Double>(rows: x.rows, columns: classes.count, values: [Double](repeating: 0, count: x.rows * classes.count))
            for i in 0..<x.rows {
                for k in classes.indices {
                    var total = 0.0
                    for j in 0..<d {
                        let delta = x[i, j] - c[k * d + j]
                        total += hyperparameters.metric == .manhattan ? abs(delta) : delta * delta
                    }
                    out[i, k] = hyperparameters.metric == .manhattan ? total : total.squareRoot()
                }
            }
            return out
        }

        func predict(_ x: Matrix<Double>) throws -> [Double] {
            let d = try distances(x)
            return (0..<d.rows).map { i in classes[(0..<classes.count).min { d[i, $0] < d[i, $1] } ?? 0] }
        }

        func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
            var d = try distances(x)
            for i in 0..<d.rows {
                let nearest = (0..<d.columns).map { d[i, $0] }.min() ?? 0
                var total = 0.0
                for k in 0..<d.columns {
                    d[i, k] = exp(-(d[i, k] - nearest) / hyperparameters.temperature)
                    total += d[i, k]
                }
                for k in 0..<d.columns { d[i, k] /= total }
            }
            return d
        }
    }
}

func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let folder = option("folder", FileManager.default.temporaryDirectory.appendingPathComponent("custom-estimator-\(ProcessInfo.processInfo.processIdentifier)").path)
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
try Toolbox.registerAll()

// MARK: 2-3. Conformance, then registration

try NearestCentroidClassifier.register()
try checkEstimator(NearestCentroidClassifier(), task: .classification(classes: 3))
print("checkEstimator: NearestCentroidClassifier conforms")

extension NearestCentroidClassifier {
    /// Registers the estimator (`Example.NearestCentroidClassifier`, alias `nearest_centroid_classifier`) and its model type.
    static func register(in registry: ModelRegistry = .shared) throws {
        try registry.register(estimator: NearestCentroidClassifier.self, name: "Example.NearestCentroidClassifier", aliases: ["nearest_centroid_classifier"])
    }
}

// MARK: 4. In a workflow file

let data = try DataGenerators.classification(samples: 600, features: 4, informative: 3, redundant: 0, classes: 3, clustersPerClass: 1, seed: 5)
var table = try DataTable(data.x, columnNames: ["a", "b", "c", "d"])
try table.setColumn("kind", .categorical(data.y.map { ["red", "green", "blue"][Int($0)] }))
try table.writeCSV(to: folder + "/data.csv")
let workflowText = """
    name: centroids
    data: {train: data.csv, target: kind, split: {test_fraction: 0.25, seed: 2}}
    pipeline:
      steps:
        - {name: scale, type: standard_scaler}
        - {name: model, type: nearest_centroid_classifier, parameters: {metric: euclidean}}
    tune:
      space:
        model__metric: {type: categorical, choices: [euclidean, manhattan]}
        model__temperature: {type: float, low: 0.1, high: 5.0, log: true}
      trials: 6
      seed: 1
      scoring: roc_auc
    evaluate: {cv: 3, scoring: [accuracy, roc_auc]}
    register: {model: centroids, alias: champion}

    """
try workflowText.write(toFile: folder + "/centroids.yaml", atomically: true, encoding: .utf8)
let store = try SQLiteTrackingStore(folder: folder + "/store")
let summary = try await WorkflowRunner(plan: try WorkflowPlan(try Workflow(contentsOf: folder + "/centroids.yaml")), store: store, studies: nil,
                                       options: WorkflowOptions { print("  " + $0) }).run()
print("workflow: holdout accuracy \(summary.metrics["accuracy"] ?? .nan), registered centroids v\(summary.registration?.version ?? 0)")

// MARK: 5. Served from this program

let model = try await store.loadModel(name: "centroids", alias: "champion")
let rows = try table.rows(at: Array(0..<5)).dropping(["kind"])
let local = try model.predictions(rows).labels?.map(\.description) ?? []
let repository = ModelRepository(store: store)
try await repository.add(name: "centroids", source: ModelSource("models:/centroids@champion"))
let instances = (0..<rows.rowCount).map { i in "[" + rows.columns.map { column -> String in
    if case .numeric(let values) = column { return String(values[i]) }
    return "null"
}.joined(separator: ", ") + "]" }
let served: [String] = try await HTTPSupport.withLoopbackServer(InferenceServer(models: repository, keys: nil)) { base in
    var request = URLRequest(url: base.appendingPathComponent("v1/models/centroids:predict"))
    request.httpMethod = "POST"
    request.httpBody = Data(#"{"instances": [\#(instances.joined(separator: ", "))]}"#.utf8)
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    let (body, _) = try await URLSession.shared.data(for: request)
    guard case .array(let items)? = try StrictJSON.parse(Array(body)).objectValue?["predictions"] else {
        throw ToolboxError(.invalidData, "unexpected answer: \(String(decoding: body, as: UTF8.self))")
    }
    return items.map { if case .string(let text) = $0 { text } else { $0.compactDescription } }
}
print("served: \(served.joined(separator: ", ")); locally: \(local.joined(separator: ", "))")

struct Summary: Encodable {
    var check_estimator: String
    var holdout_accuracy: Double
    var registered_version: Int
    var best_params: [String: String]
    var served: [String]
    var local: [String]
}
let best = summary.state.tuning?.bestParameters.mapValues { value -> String in if case .string(let text) = value { text } else { value.jsonText } } ?? [:]
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
print(String(decoding: try encoder.encode(Summary(check_estimator: "passed", holdout_accuracy: summary.metrics["accuracy"] ?? .nan,
                                                   registered_version: summary.registration?.version ?? 0, best_params: best, served: served, local: local)), as: UTF8.self))
