import Foundation
import ToolboxCore

extension DriftReport {
    /// The report as one self-contained HTML page: the dataset verdict, a summary table, and per
    /// column a bar chart (inline SVG) of the reference's and the current data's shares per bin
    /// or category, drifted columns first. No scripts, fonts or images are loaded from anywhere.
    public func html(title: String = "Drift report") -> String {
        let ordered = Self.chartOrder(columns).map { columns[$0] }
        var page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title))</title>
        <style>
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1f2933; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin-bottom: .25rem; }
        .verdict { padding: .9rem 1.2rem; border-radius: 8px; margin: 1rem 0 1.5rem; font-size: 1.1rem; }
        .verdict.drift { background: #fdecea; border: 1px solid #f5a097; }
        .verdict.stable { background: #e8f5e9; border: 1px solid #9ccc9f; }
        table { border-collapse: collapse; width: 100%; font-size: .92rem; }
        th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e4e7eb; }
        th { background: #f5f7fa; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        .badge { display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; }
        .badge.yes { background: #d64545; color: white; }
        .badge.no { background: #3f9142; color: white; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(500px, 1fr)); gap: 1rem; margin-top: 1.5rem; }
        .card { border: 1px solid #e4e7eb; border-radius: 8px; padding: .8rem 1rem; }
        .card h2 { font-size: 1.05rem; margin: 0 0 .3rem; }
        .card p { margin: .2rem 0 .5rem; color: #52606d; font-size: .88rem; }
        .legend span { display: inline-block; width: .8rem; height: .8rem; margin: 0 .3rem 0 .8rem; vertical-align: middle; }
        </style>
        </head>
        <body>
        <h1>\(Self.escape(title))</h1>
        <p>Reference: \(referenceRows) rows. Current: \(currentRows) rows.\(correction == .none ? "" : " P-values corrected (\(correction.rawValue)).")</p>
        <div class="verdict \(datasetDrift ? "drift" : "stable")"><strong>\(datasetDrift ? "Dataset drift detected" : "No dataset drift")</strong>: \
        \(numberOfDriftedColumns) of \(numberOfColumns) feature columns drifted (\(Self.percent(shareOfDriftedColumns))); the threshold is \(Self.percent(driftShare)).</div>
        <table>
        <thead><tr><th>Column</th><th>Role</th><th>Type</th><th>Test</th><th>Statistic</th><th>p-value</th><th>Threshold</th><th>Effect size</th><th>Drift</th></tr></thead>
        <tbody>

        """
        let charted = Set(ordered.prefix(Self.maximumCharts).map(\.column))
        for column in ordered {
            let name = charted.contains(column.column) ? "<a href=\"#\(Self.anchor(column.column))\">\(Self.escape(column.column))</a>" : Self.escape(column.column)
            page += "<tr><td>\(name)</td><td>\(column.role.rawValue)</td><td>\(column.type)</td>"
            page += "<td>\(column.test)</td><td class=\"number\">\(Self.number(column.statistic))</td>"
            page += "<td class=\"number\">\(Self.number(column.adjustedPValue ?? column.pValue))</td><td class=\"number\">\(Self.number(column.threshold))</td>"
            page += "<td class=\"number\">\(Self.number(column.effectSize))</td>"
            page += "<td><span class=\"badge \(column.drifted ? "yes" : "no")\">\(column.drifted ? "drift" : "ok")</span></td></tr>\n"
        }
        page += "</tbody>\n</table>\n<div class=\"legend\"><span style=\"background:#5b7db1\"></span>reference<span style=\"background:#f08c3a\"></span>current</div>\n<div class=\"cards\">\n"
        for column in ordered.prefix(Self.maximumCharts) {
            page += "<section class=\"card\" id=\"\(Self.anchor(column.column))\">\n<h2>\(Self.escape(column.column)) "
            page += "<span class=\"badge \(column.drifted ? "yes" : "no")\">\(column.drifted ? "drift" : "ok")</span></h2>\n"
            var detail = "\(column.test): \(Self.number(column.statistic))"
            if let p = column.adjustedPValue ?? column.pValue { detail += ", p = \(Self.number(p))" }
            detail += "; threshold \(Self.number(column.threshold)). Missing: \(column.referenceMissing) reference, \(column.currentMissing) current."
            if let note = column.note { detail += " " + note + "." }
            page += "<p>\(Self.escape(detail))</p>\n"
            if let histogram = column.histogram { page += Self.chart(histogram, title: column.column) }
            page += "</section>\n"
        }
        page += "</div>\n"
        if ordered.count > Self.maximumCharts {
            page += "<p>Charts for the first \(Self.maximumCharts) columns (drifted ones first); the other \(ordered.count - Self.maximumCharts) are in the table.</p>\n"
        }
        page += "</body>\n</html>\n"
        return page
    }

    /// A grouped bar chart of the two samples' shares.
    static func chart(_ histogram: ColumnDrift.Histogram, title: String) -> String {
        let (width, height, left, bottom, top) = (480.0, 220.0, 44.0, 46.0, 10.0)
        let count = max(histogram.labels.count, 1)
        let plotWidth = width - left - 8, plotHeight = height - bottom - top
        let highest = max((histogram.reference + histogram.current).max() ?? 0, 1e-12)
        let scale = plotHeight / highest
        let slot = plotWidth / Double(count)
        let bar = max(slot * 0.4, 0.5)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"\(escape("Shares of \(title), reference and current"))\">\n"
        for tick in 0...4 {
            let value = highest * Double(tick) / 4
            let y = top + plotHeight - value * scale
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - 8))\" y2=\"\(f(y))\" stroke=\"#e4e7eb\"/>"
            svg += "<text x=\"\(f(left - 4))\" y=\"\(f(y + 3))\" font-size=\"9\" text-anchor=\"end\" fill=\"#52606d\">\(percent(value))</text>\n"
        }
        let labelEvery = max(1, (count + 4) / 5)
        for index in 0..<histogram.labels.count {
            let x = left + Double(index) * slot + (slot - 2 * bar) / 2
            let reference = index < histogram.reference.count ? histogram.reference[index] : 0
            let current = index < histogram.current.count ? histogram.current[index] : 0
            svg += "<rect x=\"\(f(x))\" y=\"\(f(top + plotHeight - reference * scale))\" width=\"\(f(bar))\" height=\"\(f(reference * scale))\" fill=\"#5b7db1\"><title>reference \(escape(histogram.labels[index])): \(percent(reference))</title></rect>"
            svg += "<rect x=\"\(f(x + bar))\" y=\"\(f(top + plotHeight - current * scale))\" width=\"\(f(bar))\" height=\"\(f(current * scale))\" fill=\"#f08c3a\"><title>current \(escape(histogram.labels[index])): \(percent(current))</title></rect>\n"
            if index % labelEvery == 0 {
                let label = histogram.labels[index]
                let shown = label.count > 12 ? String(label.prefix(11)) + "…" : label
                svg += "<text x=\"\(f(x + bar))\" y=\"\(f(top + plotHeight + 14))\" font-size=\"9\" text-anchor=\"middle\" fill=\"#52606d\">\(escape(shown))</text>\n"
            }
        }
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(width - 8))\" y2=\"\(f(top + plotHeight))\" stroke=\"#9aa5b1\"/>\n</svg>\n"
        return svg
    }

    static func f(_ value: Double) -> String { CFormat.string("%.1f", value) }

    static func percent(_ share: Double) -> String { CFormat.string(share < 0.1 && share > 0 ? "%.1f" : "%.0f", share * 100) + "%" }

    static func number(_ value: Double?) -> String {
        guard let value else { return "–" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        if value != 0 && (abs(value) < 1e-3 || abs(value) >= 1e5) { return CFormat.string("%.3e", value) }
        return CFormat.string("%.4g", value)
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    static func anchor(_ name: String) -> String {
        "column-" + name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : String(format: "-%X", $0.value) }.joined()
    }
}

/// The CLI's name for the HTML renderer.
public enum DriftHTML {
    /// ``DriftReport/html(title:)``.
    public static func render(_ report: DriftReport) -> String { report.html() }
}
