// Should-cost modelling: what a part ought to cost next month, from a generated procurement
// history (monthly unit costs of parts from several suppliers, a commodity index, quantities).
//
// - Time-series features per part without look-ahead: the cost's own past (lags 1, 2, 3, 12)
//   and the index's recent level; no feature of month t reads month t's cost or anything later,
//   which the example checks by recomputing the features on the history cut at t.
// - Time-series cross-validation (scikit-learn's TimeSeriesSplit: train on the past, test on the
//   next six months), then a holdout of the last six months.
// - Histogram gradient boosting, explained with TreeSHAP.
//
// swift run -c release ShouldCost [--months N] [--parts P]
// The last line printed is a JSON summary (what the example's test checks).

import DSToolbox
import Foundation
import Workflows

func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let months = Int(option("months", "60")) ?? 60
let parts = Int(option("parts", "15")) ?? 15
try Toolbox.registerAll()

// Rows by month, then part: the order every split below relies on.
let history = try ExampleData.procurement(months: months, parts: parts, seed: 11)
print("history: \(history.rowCount) rows (\(months) months x \(parts) parts), columns \(history.columnNames.joined(separator: ", "))")

/// The features of a history: the cost's past and the index's recent level, per part.
func features(_ table: DataTable) throws -> DataTable {
    // The cost's own past only: lags (shift(k) in pandas); no difference, window or
    // percentage of the cost itself, which would read month t's cost.
    var costs = TimeSeriesFeatures(time: "date", group: "part", values: ["unit_cost"])
    costs.lags = [1, 2, 3, 12]
    costs.differences = []
    costs.percentChanges = []
    costs.windows = []
    costs.expanding = []
    costs.ewmSpans = []
    costs.calendar = false
    // The index is published before the month's purchases: its level, lags and a 3-month mean.
    var index = TimeSeriesFeatures(time: "date", group: "part", values: ["steel_index"])
    index.lags = [1, 2, 3]
    index.differences = [1]
    index.percentChanges = [3]
    index.windows = [3]
    index.windowStatistics = [.mean]
    index.windowQuantiles = []
    index.expanding = []
    index.ewmSpans = [6]
    index.calendar = true
    return try index.transform(try costs.transform(table)).dropping(["date"])
}

let table = try features(history)
let featureNames = table.columnNames.filter { $0 != "unit_cost" }
print("features: \(featureNames.count) (\(featureNames.prefix(8).joined(separator: ", ")), ...)")

// No look-ahead: the features of month t from the whole history equal those from the history
// cut after month t, for a month in the middle.
let cutMonth = months / 2
let cutRows = cutMonth * parts
let truncated = try features(try history.rows(at: Array(0..<(cutRows + parts))))
var lookAheadFree = true
for name in featureNames {
    let whole = try table.column(named: name), cut = try truncated.column(named: name)
    for row in cutRows..<(cutRows + parts) {
        switch (whole, cut) {
        case (.numeric(let a), .numeric(let b)): if a[row].bitPattern != b[row].bitPattern { lookAheadFree = false }
        case (.categorical(let a), .categorical(let b)): if a[row] != b[row] { lookAheadFree = false }
        default: lookAheadFree = false
        }
    }
}
print("look-ahead check (month \(cutMonth) from the full history equals from the history cut there): \(lookAheadFree ? "passed" : "FAILED")")

// Time-series cross-validation on all but the last six months, then the holdout.
let holdoutRows = 6 * parts
let train = try table.rows(at: Array(0..<(table.rowCount - holdoutRows)))
let holdout = try table.rows(at: Array((table.rowCount - holdoutRows)..<table.rowCount))
let pipeline = try DynamicPipeline(spec: PipelineSpec(steps: [
    PipelineSpec.Step(name: "model", type: "hist_gradient_boosting_regressor", parameters: ["max_iter": .number(300), "learning_rate": .number(0.05)]),
]))
let cv = try ModelSelection.crossValidate(pipeline, table: train, target: "unit_cost", cv: TimeSeriesSplit(splits: 4, testSize: 6 * parts),
                                          scoring: [.r2, .negativeMeanAbsoluteError])
let foldR2 = cv.testScores["r2"] ?? []
print("time-series CV (4 folds of 6 months, each trained on the months before): r2 " + foldR2.map { String(format: "%.3f", $0) }.joined(separator: ", "))

let model = try pipeline.fit(train, target: "unit_cost")
let predicted = try model.predictions(holdout).values ?? []
let actual = try holdout.numericColumn(named: "unit_cost")
let r2 = try Metrics.r2(actual, predicted)
let mape = try Metrics.meanAbsolutePercentageError(actual, predicted)
print(String(format: "holdout (last 6 months): r2 %.3f, mean absolute percentage error %.2f%%", r2, mape * 100))

// SHAP: which features drive the should-cost.
guard let explainer = model.finalModel as? any TreeExplainable else { throw ToolboxError(.unsupported, "the model is not a tree model") }
let x = try model.inputMatrix(selectingFrom: holdout)
let shap = try explainer.shapValues(x, threads: nil)
let names = model.schema.featureNames ?? []
let importance = (0..<x.columns).map { j in (names[j], shap.values[0].column(j).reduce(0) { $0 + abs($1) } / Double(x.rows)) }.sorted { $0.1 > $1.1 }
print("top SHAP features: " + importance.prefix(5).map { "\($0.0) (\(String(format: "%.3f", $0.1)))" }.joined(separator: ", "))

struct Summary: Encodable {
    var lookahead_check: Bool
    var cv_r2: [Double]
    var holdout_r2: Double
    var holdout_mape: Double
    var top_features: [String]
}
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
print(String(decoding: try encoder.encode(Summary(lookahead_check: lookAheadFree, cv_r2: foldR2, holdout_r2: r2, holdout_mape: mape,
                                                   top_features: importance.prefix(5).map(\.0))), as: UTF8.self))
