import Foundation
import ToolboxCore

/// A workflow run as one static HTML page: the data and its contract, tuning history, holdout
/// scores, ROC and calibration curves, the confusion matrix, the cost curve with the chosen
/// threshold, the fairness table, SHAP summary and dependence, drift and the registry decision.
/// Charts are inline SVG; the page loads no script, font or image.
public enum WorkflowReport {
    /// Writes the report for `state` to `path`, replacing it atomically.
    public static func write(state: WorkflowState, workflow: Workflow, runID: String, to path: String) throws {
        try RegularFile.replace(path, with: Array(html(state: state, workflow: workflow, runID: runID).utf8))
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    static func number(_ value: Double?, digits: Int = 4) -> String {
        guard let value else { return "–" }
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        if value == value.rounded(), abs(value) < 1e12 { return String(Int64(value)) }
        return String(format: "%.\(digits)g", value)
    }

    /// The page.
    public static func html(state: WorkflowState, workflow: Workflow, runID: String) -> String {
        var page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(workflow.name)): workflow report</title>
        <style>
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1f2933; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin-bottom: .25rem; }
        h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #e4e7eb; padding-bottom: .3rem; }
        table { border-collapse: collapse; font-size: .92rem; margin: .5rem 0; }
        th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e4e7eb; }
        th { background: #f5f7fa; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        .ok { color: #2f7d32; font-weight: 600; }
        .fail { color: #c62828; font-weight: 600; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1rem; }
        .card { border: 1px solid #e4e7eb; border-radius: 8px; padding: .8rem 1rem; }
        .card h3 { font-size: 1rem; margin: 0 0 .4rem; }
        .muted { color: #52606d; font-size: .9rem; }
        .verdict { padding: .8rem 1.1rem; border-radius: 8px; margin: 1rem 0; }
        .verdict.good { background: #e8f5e9; border: 1px solid #9ccc9f; }
        .verdict.bad { background: #fdecea; border: 1px solid #f5a097; }
        </style>
        </head>
        <body>
        <h1>Workflow \(escape(workflow.name))</h1>
        <p class="muted">Run <code>\(escape(runID))</code> · \(escape(state.task ?? "task not yet known")) · sections done: \(escape(state.completed.joined(separator: ", ")))</p>

        """
        page += summary(state)
        page += dataSection(state, workflow: workflow)
        page += contractSection(state)
        page += driftSection(state)
        page += tuningSection(state)
        page += evaluationSection(state)
        page += explanationSection(state)
        page += registrySection(state)
        page += "</body>\n</html>\n"
        return page
    }

    static func summary(_ state: WorkflowState) -> String {
        var lines: [String] = []
        if let failed = state.contract.first(where: { !$0.passed }) {
            return "<div class=\"verdict bad\" id=\"verdict\"><strong>The data contract failed</strong> on \(escape(failed.data)): \(failed.failures.count) rules broken. No model was trained.</div>\n"
        }
        if let retrain = state.retrain, !retrain.retrain {
            return "<div class=\"verdict good\" id=\"verdict\"><strong>No retraining</strong>: \(escape(retrain.reason))</div>\n"
        }
        if let scores = state.evaluation?.scores, !scores.isEmpty {
            lines.append("Holdout: " + scores.sorted { $0.key < $1.key }.map { "\(escape($0.key)) <strong>\(number($0.value))</strong>" }.joined(separator: ", "))
        }
        if let registration = state.registration {
            var text = "Registered <strong>\(escape(registration.model)) v\(registration.version)</strong>"
            if let alias = registration.alias, let promoted = registration.promoted {
                text += promoted ? "; \(escape(alias)) moved to it" : "; \(escape(alias)) stays on v\(registration.previousVersion ?? 0)"
            }
            lines.append(text)
        }
        guard !lines.isEmpty else { return "" }
        return "<div class=\"verdict good\" id=\"verdict\">" + lines.joined(separator: "<br>") + "</div>\n"
    }

    static func dataSection(_ state: WorkflowState, workflow: Workflow) -> String {
        guard let data = state.data else { return "" }
        var out = "<h2 id=\"data\">Data</h2>\n<table>\n"
        out += "<tr><th>Training rows</th><td class=\"n\">\(data.trainRows)</td></tr>\n<tr><th>Holdout rows</th><td class=\"n\">\(data.testRows)</td></tr>\n"
        out += "<tr><th>Features</th><td>\(data.features.count): \(escape(data.features.prefix(20).joined(separator: ", ")))\(data.features.count > 20 ? ", …" : "")</td></tr>\n"
        out += "<tr><th>Target</th><td>\(escape(workflow.data.target))</td></tr>\n"
        out += "<tr><th>Training data SHA-256</th><td><code>\(escape(data.trainDigest))</code></td></tr>\n"
        if let counts = data.classCounts {
            out += "<tr><th>Classes (training)</th><td>\(escape(counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))</td></tr>\n"
        }
        return out + "</table>\n"
    }

    static func contractSection(_ state: WorkflowState) -> String {
        guard !state.contract.isEmpty else { return "" }
        var out = "<h2 id=\"contract\">Data contract</h2>\n"
        for result in state.contract {
            out += "<p>\(escape(result.data)) (\(result.rowCount) rows): "
                + (result.passed ? "<span class=\"ok\">all \(result.checks.count) checks passed</span>" : "<span class=\"fail\">\(result.failures.count) of \(result.checks.count) checks failed</span>") + "</p>\n"
            out += "<table class=\"contract\">\n<tr><th>Column</th><th>Rule</th><th>Result</th><th>Failing</th><th>Detail</th><th>First rows</th></tr>\n"
            for check in result.checks {
                out += "<tr><td>\(escape(check.column.isEmpty ? "(table)" : check.column))</td><td>\(escape(check.rule))</td>"
                    + "<td class=\"\(check.passed ? "ok" : "fail")\">\(check.passed ? "pass" : "fail")</td><td class=\"n\">\(check.failing)</td>"
                    + "<td>\(escape(check.detail))</td><td>\(check.rows.map(String.init).joined(separator: ", "))</td></tr>\n"
            }
            out += "</table>\n"
        }
        return out
    }

    static func driftSection(_ state: WorkflowState) -> String {
        guard let drift = state.drift else {
            if let retrain = state.retrain { return "<h2 id=\"drift\">Drift</h2>\n<p>\(escape(retrain.reason))</p>\n" }
            return ""
        }
        var out = "<h2 id=\"drift\">Drift against v\(drift.referenceVersion.map(String.init) ?? "–")</h2>\n"
        out += "<p>\(escape(state.retrain?.reason ?? "")). Share of drifted columns: \(number(drift.shareOfDriftedColumns)).</p>\n"
        out += "<table>\n<tr><th>Column</th><th>Test</th><th>Statistic</th><th>p-value</th><th>Drifted</th></tr>\n"
        for column in drift.columns.sorted(by: { ($0.drifted ? 0 : 1, $0.column) < ($1.drifted ? 0 : 1, $1.column) }).prefix(60) {
            out += "<tr><td>\(escape(column.column))</td><td>\(escape(column.test))</td><td class=\"n\">\(number(column.statistic))</td>"
                + "<td class=\"n\">\(number(column.pValue))</td><td class=\"\(column.drifted ? "fail" : "ok")\">\(column.drifted ? "yes" : "no")</td></tr>\n"
        }
        return out + "</table>\n"
    }

    static func tuningSection(_ state: WorkflowState) -> String {
        guard let tuning = state.tuning else { return "" }
        var out = "<h2 id=\"tuning\">Tuning</h2>\n<p>Study <code>\(escape(tuning.study))</code>: best \(escape(tuning.scoring)) <strong>\(number(tuning.bestScore))</strong> over \(tuning.trials.count) trials "
            + "(\(tuning.trials.filter { $0.state == "PRUNED" }.count) pruned).</p>\n"
        out += "<table>\n<tr><th>Parameter</th><th>Best value</th></tr>\n"
        for (name, value) in tuning.bestParameters.sorted(by: { $0.key < $1.key }) {
            out += "<tr><td>\(escape(name))</td><td>\(escape(value.compactDescription))</td></tr>\n"
        }
        out += "</table>\n"
        // Completed trials only: a pruned trial's value is its last intermediate value, not a score.
        let finished = tuning.trials.filter { $0.state == "COMPLETE" && ($0.value.map { $0.isFinite } ?? false) }
        if !finished.isEmpty {
            var best = -Double.infinity
            let running = finished.map { trial -> Double in
                best = max(best, trial.value ?? best)
                return best
            }
            out += "<div class=\"card\"><h3>Tuning history</h3>"
                + SVGChart.lines(series: [SVGChart.Series(name: "trial", x: finished.map { Double($0.number) }, y: finished.map { $0.value ?? 0 }, color: "#9aa5b1", points: true),
                                          SVGChart.Series(name: "best so far", x: finished.map { Double($0.number) }, y: running, color: "#1f77b4")],
                                 xLabel: "trial", yLabel: tuning.scoring, id: "tuning-history")
                + "</div>\n"
        }
        return out
    }

    static func evaluationSection(_ state: WorkflowState) -> String {
        guard let evaluation = state.evaluation else { return "" }
        var out = "<h2 id=\"evaluation\">Evaluation</h2>\n<table id=\"metrics\">\n<tr><th>Metric</th><th>Value</th></tr>\n"
        for (name, value) in evaluation.scores.sorted(by: { $0.key < $1.key }) { out += "<tr><td>holdout \(escape(name))</td><td class=\"n\">\(number(value))</td></tr>\n" }
        for (name, value) in evaluation.crossValidation.sorted(by: { $0.key < $1.key }) { out += "<tr><td>\(escape(name))</td><td class=\"n\">\(number(value))</td></tr>\n" }
        out += "</table>\n<div class=\"cards\">\n"
        if let roc = evaluation.roc {
            out += "<div class=\"card\"><h3>ROC curve (positive class \(escape(evaluation.classes?.last ?? "")))</h3>"
                + SVGChart.lines(series: [SVGChart.Series(name: "model", x: roc.x, y: roc.y, color: "#1f77b4"),
                                          SVGChart.Series(name: "chance", x: [0, 1], y: [0, 1], color: "#9aa5b1", dashed: true)],
                                 xLabel: "false positive rate", yLabel: "true positive rate", id: "roc", fixed: (0, 1, 0, 1))
                + "</div>\n"
        }
        if let calibration = evaluation.calibration {
            out += "<div class=\"card\"><h3>Calibration</h3>"
                + SVGChart.lines(series: [SVGChart.Series(name: "model", x: calibration.x, y: calibration.y, color: "#ff7f0e", points: true),
                                          SVGChart.Series(name: "perfect", x: [0, 1], y: [0, 1], color: "#9aa5b1", dashed: true)],
                                 xLabel: "mean predicted probability", yLabel: "fraction of positives", id: "calibration", fixed: (0, 1, 0, 1))
                + "</div>\n"
        }
        if let costs = evaluation.costs {
            out += "<div class=\"card\"><h3>Cost per row by threshold</h3><p class=\"muted\">False positive \(number(costs.falsePositive)), false negative \(number(costs.falseNegative)). "
                + "Chosen threshold <strong id=\"threshold\">\(number(costs.threshold))</strong>: \(number(costs.expectedCost)) per row (at 0.5: \(number(costs.costAtHalf))).</p>"
                + SVGChart.lines(series: [SVGChart.Series(name: "mean cost", x: costs.thresholds, y: costs.meanCost, color: "#2ca02c")],
                                 xLabel: "threshold", yLabel: "mean cost per row", id: "cost-curve", marker: costs.threshold)
                + "</div>\n"
        }
        if let residuals = evaluation.residuals {
            let low = min(residuals.x.min() ?? 0, residuals.y.min() ?? 0), high = max(residuals.x.max() ?? 1, residuals.y.max() ?? 1)
            out += "<div class=\"card\"><h3>Predicted against true</h3>"
                + SVGChart.lines(series: [SVGChart.Series(name: "holdout rows", x: residuals.x, y: residuals.y, color: "#1f77b4", points: true, line: false),
                                          SVGChart.Series(name: "perfect", x: [low, high], y: [low, high], color: "#9aa5b1", dashed: true)],
                                 xLabel: "true", yLabel: "predicted", id: "predicted-vs-true")
                + "</div>\n"
        }
        out += "</div>\n"
        if let confusion = evaluation.confusion, let classes = evaluation.classes {
            let largest = max(confusion.flatMap { $0 }.max() ?? 1, 1)
            out += "<h3>Confusion matrix (rows: true class, columns: predicted)</h3>\n<table id=\"confusion\">\n<tr><th></th>"
                + classes.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
            for (i, row) in confusion.enumerated() {
                out += "<tr><th>\(escape(i < classes.count ? classes[i] : ""))</th>"
                for count in row {
                    let shade = Int(255 - 150 * Double(count) / Double(largest))
                    out += "<td class=\"n\" style=\"background: rgb(\(shade), \(shade + (255 - shade) / 3), 255)\">\(count)</td>"
                }
                out += "</tr>\n"
            }
            out += "</table>\n"
        }
        if let fairness = evaluation.fairness {
            out += "<h3>Fairness by \(escape(fairness.column))</h3>\n<table id=\"fairness\">\n<tr><th>Group</th><th>Rows</th><th>Accuracy</th><th>Positive rate</th><th>TPR</th><th>FPR</th></tr>\n"
            for group in fairness.groups {
                out += "<tr><td>\(escape(group.group))</td><td class=\"n\">\(group.rows)</td><td class=\"n\">\(number(group.accuracy))</td><td class=\"n\">\(number(group.positiveRate))</td>"
                    + "<td class=\"n\">\(number(group.truePositiveRate))</td><td class=\"n\">\(number(group.falsePositiveRate))</td></tr>\n"
            }
            out += "</table>\n<p>Demographic parity difference: <strong>\(number(fairness.demographicParityDifference))</strong>; "
                + "equalized odds difference: <strong>\(number(fairness.equalizedOddsDifference))</strong>; accuracy difference: \(number(fairness.accuracyDifference)).</p>\n"
        }
        return out
    }

    static func explanationSection(_ state: WorkflowState) -> String {
        guard let explanation = state.explanation else { return "" }
        let top = Array(explanation.importance.prefix(15))
        var out = "<h2 id=\"shap\">SHAP</h2>\n<p class=\"muted\">TreeSHAP on \(explanation.rows) holdout rows\(explanation.explainedClass.map { "; class \(escape($0)) explained" } ?? "").</p>\n<div class=\"cards\">\n"
        out += "<div class=\"card\"><h3>Mean |SHAP value| by feature</h3>" + SVGChart.bars(names: top.map(\.name), values: top.map(\.meanAbsoluteSHAP), id: "shap-summary") + "</div>\n"
        for dependence in explanation.dependence {
            out += "<div class=\"card\"><h3>Dependence: \(escape(dependence.feature))</h3>"
                + SVGChart.lines(series: [SVGChart.Series(name: dependence.feature, x: dependence.values, y: dependence.shap, color: "#d62728", points: true, line: false)],
                                 xLabel: dependence.feature, yLabel: "SHAP value", id: "shap-dependence")
                + "</div>\n"
        }
        return out + "</div>\n"
    }

    static func registrySection(_ state: WorkflowState) -> String {
        guard let registration = state.registration else { return "" }
        var out = "<h2 id=\"registry\">Registry</h2>\n<table>\n<tr><th>Model</th><td>\(escape(registration.model))</td></tr>\n<tr><th>Version</th><td>\(registration.version)</td></tr>\n"
        if let alias = registration.alias {
            out += "<tr><th>Alias \(escape(alias))</th><td>\(registration.promoted == true ? "moved to v\(registration.version)" : "stays on v\(registration.previousVersion ?? 0)")</td></tr>\n"
        }
        out += "<tr><th>Decision</th><td>\(escape(registration.reason))</td></tr>\n"
        if let monitor = state.monitor { out += "<tr><th>Drift reference</th><td><code>\(escape(monitor.artifact))</code> (\(monitor.columns) columns)</td></tr>\n" }
        return out + "</table>\n"
    }
}

/// Small inline SVG charts (no scripts): lines and points, horizontal bars.
enum SVGChart {
    struct Series {
        var name: String
        var x: [Double]
        var y: [Double]
        var color: String
        var points = false
        var dashed = false
        var line = true
    }

    static let width = 460.0, height = 300.0, left = 56.0, right = 14.0, top = 12.0, bottom = 42.0

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }

    static func tick(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) >= 1e4 || abs(value) < 1e-3 { return String(format: "%.2g", value) }
        return String(format: "%.3g", value)
    }

    static func lines(series: [Series], xLabel: String, yLabel: String, id: String, fixed: (Double, Double, Double, Double)? = nil, marker: Double? = nil) -> String {
        let xs = series.flatMap(\.x).filter(\.isFinite), ys = series.flatMap(\.y).filter(\.isFinite)
        var (x0, x1, y0, y1) = fixed ?? (xs.min() ?? 0, xs.max() ?? 1, ys.min() ?? 0, ys.max() ?? 1)
        if x1 <= x0 { (x0, x1) = (x0 - 0.5, x1 + 0.5) }
        if y1 <= y0 { (y0, y1) = (y0 - 0.5, y1 + 0.5) }
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotHeight }
        var svg = "<svg class=\"chart\" id=\"\(HTMLText.escape(id))\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(yLabel)) by \(HTMLText.escape(xLabel))\">\n"
        svg += "<rect x=\"\(format(left))\" y=\"\(format(top))\" width=\"\(format(plotWidth))\" height=\"\(format(plotHeight))\" fill=\"#fbfcfd\" stroke=\"#cbd2d9\"/>\n"
        for k in 0...4 {
            let fraction = Double(k) / 4
            let xv = x0 + fraction * (x1 - x0), yv = y0 + fraction * (y1 - y0)
            svg += "<line x1=\"\(format(px(xv)))\" y1=\"\(format(top + plotHeight))\" x2=\"\(format(px(xv)))\" y2=\"\(format(top + plotHeight + 4))\" stroke=\"#7b8794\"/>"
            svg += "<text x=\"\(format(px(xv)))\" y=\"\(format(top + plotHeight + 16))\" font-size=\"10\" text-anchor=\"middle\" fill=\"#52606d\">\(tick(xv))</text>\n"
            svg += "<line x1=\"\(format(left - 4))\" y1=\"\(format(py(yv)))\" x2=\"\(format(left))\" y2=\"\(format(py(yv)))\" stroke=\"#7b8794\"/>"
            svg += "<text x=\"\(format(left - 6))\" y=\"\(format(py(yv) + 3))\" font-size=\"10\" text-anchor=\"end\" fill=\"#52606d\">\(tick(yv))</text>\n"
        }
        svg += "<text x=\"\(format(left + plotWidth / 2))\" y=\"\(format(height - 6))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1f2933\">\(HTMLText.escape(xLabel))</text>\n"
        svg += "<text x=\"12\" y=\"\(format(top + plotHeight / 2))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1f2933\" transform=\"rotate(-90 12 \(format(top + plotHeight / 2)))\">\(HTMLText.escape(yLabel))</text>\n"
        for item in series {
            let pairs = zip(item.x, item.y).filter { $0.0.isFinite && $0.1.isFinite }
            if item.line, pairs.count > 1 {
                let path = pairs.map { "\(format(px($0.0))),\(format(py($0.1)))" }.joined(separator: " ")
                svg += "<polyline class=\"series\" data-name=\"\(HTMLText.escape(item.name))\" points=\"\(path)\" fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"2\"\(item.dashed ? " stroke-dasharray=\"5 4\"" : "")/>\n"
            }
            if item.points {
                for (x, y) in pairs.prefix(2_000) {
                    svg += "<circle cx=\"\(format(px(x)))\" cy=\"\(format(py(y)))\" r=\"2.5\" fill=\"\(item.color)\" fill-opacity=\"0.7\"/>"
                }
                svg += "\n"
            }
        }
        if let marker, marker >= x0, marker <= x1 {
            svg += "<line class=\"marker\" x1=\"\(format(px(marker)))\" y1=\"\(format(top))\" x2=\"\(format(px(marker)))\" y2=\"\(format(top + plotHeight))\" stroke=\"#c62828\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>\n"
        }
        return svg + "</svg>"
    }

    static func bars(names: [String], values: [Double], id: String) -> String {
        let rowHeight = 20.0, labelWidth = 170.0
        let height = Double(names.count) * rowHeight + 24
        let largest = max(values.filter(\.isFinite).max() ?? 1, 1e-300)
        var svg = "<svg class=\"chart\" id=\"\(HTMLText.escape(id))\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"bar chart\">\n"
        for (k, (name, value)) in zip(names, values).enumerated() {
            let y = 4 + Double(k) * rowHeight
            let barWidth = max(0, (value.isFinite ? value : 0) / largest * (width - labelWidth - 60))
            svg += "<text x=\"\(format(labelWidth - 6))\" y=\"\(format(y + 13))\" font-size=\"11\" text-anchor=\"end\" fill=\"#1f2933\">\(HTMLText.escape(String(name.prefix(28))))</text>"
            svg += "<rect class=\"bar\" data-name=\"\(HTMLText.escape(name))\" x=\"\(format(labelWidth))\" y=\"\(format(y + 2))\" width=\"\(format(barWidth))\" height=\"\(format(rowHeight - 6))\" fill=\"#1f77b4\"/>"
            svg += "<text x=\"\(format(labelWidth + barWidth + 4))\" y=\"\(format(y + 13))\" font-size=\"10\" fill=\"#52606d\">\(tick(value))</text>\n"
        }
        return svg + "</svg>"
    }
}
