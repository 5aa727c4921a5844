// Retraining on drift, month by month, with the `retrain` workflow template (what
// `dstoolbox init retrain` writes): three generated months of customer data arrive one after
// another. Each month the workflow compares the new data with the reference profile kept with
// the champion, retrains only when the data drifted, evaluates on the new holdout, and moves the
// champion only when the new version beats it on that same holdout. Every decision is in the
// registry's audit log.
//
// Month 1: no champion yet, so the first version is trained and promoted.
// Month 2: the same customers' behaviour: no drift, nothing retrained.
// Month 3: charges up and tenures down: drift, a new version, promoted if it is better.
//
// swift run -c release RetrainOnDrift [--folder DIR] [--rows N]
// The last line printed is a JSON summary (what the example's test checks).

import DSToolbox
import Foundation
import Workflows

func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let folder = option("folder", FileManager.default.temporaryDirectory.appendingPathComponent("retrain-example-\(ProcessInfo.processInfo.processIdentifier)").path)
let rows = Int(option("rows", "2000")) ?? 2000
try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
try Toolbox.registerAll()

// The template, as `dstoolbox init retrain -o retrain.yaml` writes it.
try WorkflowTemplates.text("retrain").write(toFile: folder + "/retrain.yaml", atomically: true, encoding: .utf8)
let store = try SQLiteTrackingStore(folder: folder + "/dstoolbox-store")

struct Month: Encodable {
    var month: Int
    var retrain: Bool
    var reason: String
    var drift_share: Double?
    var version: Int?
    var promoted: Bool?
    var promotion_reason: String?
    var champion: Int
}
var months: [Month] = []
for (month, shift) in [(1, 0.0), (2, 0.0), (3, 1.0)] {
    // This month's labelled data replaces data/latest.csv, as a nightly export would.
    try ExampleData.churn(rows: rows, seed: UInt64(month), shift: shift).writeCSV(to: folder + "/data/latest.csv")
    let plan = try WorkflowPlan(try Workflow(contentsOf: folder + "/retrain.yaml"))
    let summary = try await WorkflowRunner(plan: plan, store: store, studies: nil, options: WorkflowOptions { _ in }).run()
    let champion = try await store.modelVersion(name: "churn", alias: "champion").version
    let entry = Month(month: month, retrain: summary.retrain?.retrain ?? false, reason: summary.retrain?.reason ?? "", drift_share: summary.metrics["drift_share"],
                      version: summary.registration?.version, promoted: summary.registration?.promoted, promotion_reason: summary.registration?.reason,
                      champion: champion)
    months.append(entry)
    print("month \(month): \(entry.retrain ? "retrained" : "kept the champion"): \(entry.reason)")
    if let version = entry.version {
        print("  registered churn v\(version); champion \(entry.promoted == true ? "moved to it" : "stayed"): \(entry.promotion_reason ?? "")")
    }
}

// The audit log: every registration, alias move and decision, with its reason.
let audit = try await store.auditLog(model: "churn", alias: nil, limit: 100)
print("audit log of churn:")
for entry in audit where ["register_version", "set_alias"].contains(entry.action) || entry.details.contains("retrain_decision") || entry.details.contains("promotion") {
    print("  #\(entry.sequence) \(entry.action) v\(entry.version.map(String.init) ?? "-")\(entry.alias.map { " @\($0)" } ?? ""): \(entry.reason ?? "")")
}

struct Summary: Encodable {
    var months: [Month]
    var audit_entries: Int
    var decisions_logged: Int
}
let decisions = audit.filter { $0.details.contains("retrain_decision") }.count
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
print(String(decoding: try encoder.encode(Summary(months: months, audit_entries: audit.count, decisions_logged: decisions)), as: UTF8.self))
