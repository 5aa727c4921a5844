// Seismic facies classification, end to end, with the kits as libraries:
//
// 1. generate a SEG-Y survey whose facies follow the traces' amplitude and frequency character;
// 2. run a workflow (42 trace features + a PCA-32 embedding per trace, boosting tuned by TPE,
//    tracking, the registry, a drift reference) with `WorkflowRunner`;
// 3. check a shifted survey for drift against the registered model's reference profile;
// 4. serve the registered model over HTTP on 127.0.0.1 and ask it for one trace's facies.
//
// swift run -c release SeismicClassification [--folder DIR] [--traces N] [--trials K]
// The last line printed is a JSON summary (what the example's test checks).

import DSToolbox
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ServeKit
import ToolboxHTTP
import Workflows

/// `--name value` from the command line, or the default.
func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let folder = option("folder", FileManager.default.temporaryDirectory.appendingPathComponent("seismic-example-\(ProcessInfo.processInfo.processIdentifier)").path)
let traces = Int(option("traces", "1600")) ?? 1600
let trials = Int(option("trials", "8")) ?? 8
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
try Toolbox.registerAll()

// 1. A survey with labelled facies.
let labels = try ExampleData.survey(path: folder + "/survey.sgy", traces: traces, seed: 7)
try labels.writeCSV(to: folder + "/labels.csv")
print("survey: \(traces) traces, facies \(ExampleData.facies.joined(separator: ", "))")

// 2. The workflow: YAML, as a platform team would write it.
let workflowText = """
    name: seismic-example
    data:
      train: survey.sgy
      features: traces
      embedding: pca:32
      labels: labels.csv
      target: facies
      split: {test_fraction: 0.25, seed: 1, stratify: true}
    pipeline:
      steps:
        - {name: model, type: hist_gradient_boosting_classifier, parameters: {max_iter: 60}}
    tune:
      space:
        model__learning_rate: {type: float, low: 0.03, high: 0.3, log: true}
        model__max_leaf_nodes: {type: int, low: 8, high: 32}
      trials: \(trials)
      seed: 1
      scoring: accuracy
    evaluate: {cv: 3, scoring: [accuracy, f1_macro]}
    explain: {shap: true, sample: 200}
    register: {model: facies, alias: champion}
    monitor: {reference_profile: true}
    report: report.html

    """
try workflowText.write(toFile: folder + "/seismic.yaml", atomically: true, encoding: .utf8)
let plan = try WorkflowPlan(try Workflow(contentsOf: folder + "/seismic.yaml"))
let store = try SQLiteTrackingStore(folder: folder + "/store")
let runner = WorkflowRunner(plan: plan, store: store, studies: try SQLiteStudyStorage(folder: folder + "/store"),
                            options: WorkflowOptions { line in print("  " + line) })
let summary = try await runner.run()
let accuracy = summary.metrics["accuracy"] ?? .nan
print("holdout accuracy \(accuracy), registered facies v\(summary.registration?.version ?? 0); report: \(folder)/report.html")
print("top features: \((summary.topFeatures ?? []).joined(separator: ", "))")

// 3. Drift: a survey with stronger, higher-frequency reflections, embedded with the training
// survey's PCA (kept beside the model) and compared with the model's reference profile.
let champion = try await store.modelVersion(name: "facies", alias: "champion")
let embedding = try await store.loadModel(TraceEmbedding.Model.self, uri: "runs:/\(champion.runID)/trace_embedding.dstbx")
try ExampleData.survey(path: folder + "/shifted.sgy", traces: traces / 2, seed: 8, shift: 1.0)
let shifted = try SurveyFeatures.features(path: folder + "/shifted.sgy", fitted: embedding).table
let profile = try ReferenceProfile.decode(try await store.readArtifact(runID: champion.runID, path: "reference_profile.json"), source: "reference_profile.json")
var driftOptions = DriftOptions()
driftOptions.columns = profile.columns.map(\.name).filter { $0 != "prediction" }
let drift = try DriftReport.compute(profile: profile, current: shifted, options: driftOptions)
print("drift on the shifted survey: \(drift.numberOfDriftedColumns) of \(drift.numberOfColumns) columns drifted; dataset drift: \(drift.datasetDrift)")

// 4. Serve the champion and ask for one trace of the training survey.
let surveyFeatures = try SurveyFeatures.features(path: folder + "/survey.sgy", fitted: embedding).table
let model = try await store.loadModel(name: "facies", alias: "champion")
let row = try surveyFeatures.rows(at: [0])
let local = try model.predictions(row).labels?.first?.description ?? ""
var fields: [String] = []
for (name, column) in zip(row.columnNames, row.columns) {
    if case .numeric(let values) = column { fields.append("\(JSONValue.quoted(name)): \(values[0].isFinite ? String(values[0]) : "null")") }
}
let repository = ModelRepository(store: store)
try await repository.add(name: "facies", source: ModelSource("models:/facies@champion"))
let body = #"{"instances": [{\#(fields.joined(separator: ", "))}]}"#
let served: String = try await HTTPSupport.withLoopbackServer(InferenceServer(models: repository, keys: nil)) { base in
    var request = URLRequest(url: base.appendingPathComponent("v1/models/facies:predict"))
    request.httpMethod = "POST"
    request.httpBody = Data(body.utf8)
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    let (data, _) = try await URLSession.shared.data(for: request)
    guard case .array(let predictions)? = try StrictJSON.parse(Array(data)).objectValue?["predictions"], case .string(let label)? = predictions.first else {
        throw ToolboxError(.invalidData, "unexpected answer: \(String(decoding: data, as: UTF8.self))")
    }
    return label
}
print("served over HTTP: trace 0 is \(served) (true facies \(try labels.categoricalColumn(named: "facies")[0] ?? "?"), predicted locally \(local))")

struct Summary: Encodable {
    var holdout_accuracy: Double
    var registered_version: Int
    var dataset_drift: Bool
    var drifted_columns: Int
    var served_prediction: String
    var local_prediction: String
    var report: String
}
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
print(String(decoding: try encoder.encode(Summary(holdout_accuracy: accuracy, registered_version: summary.registration?.version ?? 0, dataset_drift: drift.datasetDrift,
                                                   drifted_columns: drift.numberOfDriftedColumns, served_prediction: served, local_prediction: local,
                                                   report: folder + "/report.html")), as: UTF8.self))
