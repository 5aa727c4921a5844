import Foundation
import ToolboxCore

/// Runs side by side: their parameters, latest metrics and metric histories, as MLflow's compare
/// view; ``html(title:)`` renders a static page with the curves as inline SVG.
public struct RunComparison: Sendable, Codable {
    /// One run's column.
    public struct Entry: Sendable, Codable, Hashable {
        /// The run.
        public var run: Run
        /// Its experiment's name.
        public var experiment: String?
        /// Its parameters.
        public var params: [String: String]
        /// Latest value of each metric.
        public var metrics: [String: Double]
        /// Its tags.
        public var tags: [String: String]
    }

    /// The runs, in the order asked for.
    public var runs: [Entry]
    /// Metric key to run id to history (by step).
    public var histories: [String: [String: [RunMetric]]]

    /// Reads `runIDs` (at least one, each once) from `store`.
    /// - Throws: `ToolboxError/Code/notFound` for an unknown run id.
    public init(store: any TrackingStore, runIDs: [String]) async throws {
        guard !runIDs.isEmpty, Set(runIDs).count == runIDs.count else {
            throw ToolboxError(.invalidParameter, "compare takes one or more distinct run ids", context: ErrorContext(parameter: "run"))
        }
        let experiments = Dictionary(try await store.experiments().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        var runs: [Entry] = [], histories: [String: [String: [RunMetric]]] = [:]
        for id in runIDs {
            let run = try await store.run(id: id)
            let latest = try await store.latestMetrics(runID: id)
            runs.append(Entry(run: run, experiment: experiments[run.experimentID], params: try await store.params(runID: id),
                              metrics: latest.mapValues(\.value), tags: try await store.tags(runID: id)))
            for key in latest.keys { histories[key, default: [:]][id] = try await store.metricHistory(runID: id, key: key) }
        }
        self.runs = runs
        self.histories = histories
    }

    /// Every parameter key of any run, sorted.
    public var parameterKeys: [String] { Set(runs.flatMap(\.params.keys)).sorted() }
    /// Every metric key of any run, sorted.
    public var metricKeys: [String] { Set(runs.flatMap(\.metrics.keys)).sorted() }
    /// Parameters whose value (or presence) differs between the runs.
    public var differingParameters: [String] {
        parameterKeys.filter { key in Set(runs.map { $0.params[key] ?? "\u{0}" }).count > 1 }
    }

    /// Whether smaller is better for a metric, judged by its name (loss, error, rmse, mae, ...).
    public static func lowerIsBetter(_ key: String) -> Bool {
        let name = key.lowercased()
        return ["loss", "error", "rmse", "mse", "mae", "mape", "deviance", "perplexity", "time", "latency", "brier"].contains { name.contains($0) }
    }

    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    func label(_ entry: Entry) -> String { entry.run.name ?? String(entry.run.id.prefix(8)) }

    /// A static HTML page (no script, no external resource): the runs, parameters (differences
    /// marked), latest metrics (the best of each row marked) and one chart per metric with a
    /// history, every run a coloured line.
    public func html(title: String = "Run comparison") -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
            h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
            .sub{color:#666;margin-top:0}table{border-collapse:collapse;width:100%;font-size:.9rem}
            th,td{border:1px solid #e3e3e3;padding:.35rem .6rem;text-align:left;vertical-align:top}
            th{background:#f6f6f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
            tr.diff td:first-child{border-left:4px solid #f28e2b}td.best{font-weight:700;background:#eef7ee}
            .swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.4rem;vertical-align:middle}
            .charts{display:flex;flex-wrap:wrap;gap:1.5rem}.chart{flex:1 1 460px}.chart h3{font-size:1rem;margin:.2rem 0}
            .note{color:#666;font-size:.85rem}code{background:#f3f3f3;padding:0 .2rem;border-radius:3px}
            </style></head><body>
            <h1>\(escape(title))</h1>
            <p class="sub">\(runs.count) run\(runs.count == 1 ? "" : "s"), \(parameterKeys.count) parameters (\(differingParameters.count) differ), \(metricKeys.count) metrics</p>
            <h2>Runs</h2>
            <table><tr><th>Run</th><th>Id</th><th>Experiment</th><th>Status</th><th>Started (UTC)</th><th>Duration</th><th>User</th></tr>

            """
        for (index, entry) in runs.enumerated() {
            let duration = entry.run.endTime.map { Self.duration($0 - entry.run.startTime) } ?? "running"
            page += "<tr><td><span class=\"swatch\" style=\"background:\(Self.palette[index % Self.palette.count])\"></span>\(escape(label(entry)))</td>"
                + "<td><code>\(escape(entry.run.id))</code></td><td>\(escape(entry.experiment ?? "\(entry.run.experimentID)"))</td>"
                + "<td>\(entry.run.status.rawValue)</td><td>\(Self.timestamp(entry.run.startTime))</td><td>\(duration)</td><td>\(escape(entry.run.user ?? ""))</td></tr>\n"
        }
        page += "</table>\n<h2>Parameters</h2>\n"
        if parameterKeys.isEmpty {
            page += "<p class=\"note\">No parameters logged.</p>\n"
        } else {
            page += "<p class=\"note\">Rows marked on the left differ between runs.</p>\n<table><tr><th>Parameter</th>"
                + runs.map { "<th>\(escape(label($0)))</th>" }.joined() + "</tr>\n"
            let differing = Set(differingParameters)
            for key in parameterKeys {
                page += "<tr\(differing.contains(key) ? " class=\"diff\"" : "")><td>\(escape(key))</td>"
                    + runs.map { "<td>\(escape($0.params[key] ?? "—"))</td>" }.joined() + "</tr>\n"
            }
            page += "</table>\n"
        }
        page += "<h2>Metrics (latest value)</h2>\n"
        if metricKeys.isEmpty {
            page += "<p class=\"note\">No metrics logged.</p>\n"
        } else {
            page += "<p class=\"note\">The best value of each row is bold (lower is better for losses and errors, higher otherwise).</p>\n<table><tr><th>Metric</th>"
                + runs.map { "<th>\(escape(label($0)))</th>" }.joined() + "</tr>\n"
            for key in metricKeys {
                let values = runs.map { $0.metrics[key] }
                let finite = values.compactMap { $0 }.filter(\.isFinite)
                let best = Self.lowerIsBetter(key) ? finite.min() : finite.max()
                page += "<tr><td>\(escape(key))</td>" + values.map { value in
                    guard let value else { return "<td class=\"num\">—</td>" }
                    let mark = runs.count > 1 && value == best ? " best" : ""
                    return "<td class=\"num\(mark)\" title=\"\(Self.number(value))\">\(Self.rounded(value))</td>"
                }.joined() + "</tr>\n"
            }
            page += "</table>\n"
        }
        let charted = metricKeys.filter { key in (histories[key] ?? [:]).values.contains { $0.count > 1 } }
        page += "<h2>Metric curves</h2>\n"
        if charted.isEmpty {
            page += "<p class=\"note\">No metric has more than one step yet.</p>\n"
        } else {
            page += "<div class=\"charts\">\n" + charted.map(chart).joined() + "</div>\n"
        }
        return page + "<p class=\"note\">Written by DSToolbox TrackKit.</p>\n</body></html>\n"
    }

    /// One metric's curves: step on x, value on y, a polyline per run; non-finite points skipped.
    func chart(_ key: String) -> String {
        let width = 520.0, height = 280.0, left = 64.0, right = 16.0, top = 16.0, bottom = 40.0
        var series: [(index: Int, points: [(Double, Double)])] = []
        var skipped = 0
        for (index, entry) in runs.enumerated() {
            let history = histories[key]?[entry.run.id] ?? []
            let points = history.filter(\.value.isFinite).map { (Double($0.step), $0.value) }
            skipped += history.count - points.count
            if !points.isEmpty { series.append((index, points)) }
        }
        let xs = series.flatMap { $0.points.map(\.0) }, ys = series.flatMap { $0.points.map(\.1) }
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin = ys.min(), let yMax = ys.max() else {
            return "<div class=\"chart\"><h3>\(escape(key))</h3><p class=\"note\">No finite values.</p></div>\n"
        }
        let xTicks = Self.ticks(xMin, xMax), yTicks = Self.ticks(yMin, yMax)
        let x0 = min(xMin, xTicks.first ?? xMin), x1 = max(xMax, xTicks.last ?? xMax)
        let y0 = min(yMin, yTicks.first ?? yMin), y1 = max(yMax, yTicks.last ?? yMax)
        func px(_ x: Double) -> Double { left + (x1 == x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - left - right) }
        func py(_ y: Double) -> Double { top + (1 - (y1 == y0 ? 0.5 : (y - y0) / (y1 - y0))) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"\(escape(key)) by step\">"
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width - left - right))\" height=\"\(f(height - top - bottom))\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
        for tick in yTicks where tick >= y0 && tick <= y1 {
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(py(tick)))\" y2=\"\(f(py(tick)))\" stroke=\"#e6e6e6\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(py(tick) + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">\(Self.short(tick))</text>"
        }
        for tick in xTicks where tick >= x0 && tick <= x1 {
            svg += "<text x=\"\(f(px(tick)))\" y=\"\(f(height - bottom + 16))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">\(Self.short(tick))</text>"
        }
        svg += "<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 6))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#333\">step</text>"
        for (index, points) in series {
            let color = Self.palette[index % Self.palette.count]
            let coordinates = points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            if points.count == 1 {
                svg += "<circle cx=\"\(f(px(points[0].0)))\" cy=\"\(f(py(points[0].1)))\" r=\"3\" fill=\"\(color)\"><title>\(escape(label(runs[index])))</title></circle>"
            } else {
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(coordinates)\"><title>\(escape(label(runs[index])))</title></polyline>"
            }
        }
        svg += "</svg>"
        let legend = series.map { "<span><span class=\"swatch\" style=\"background:\(Self.palette[$0.index % Self.palette.count])\"></span>\(escape(label(runs[$0.index])))</span>" }
            .joined(separator: " &nbsp; ")
        let note = skipped > 0 ? "<p class=\"note\">\(skipped) NaN or infinite value\(skipped == 1 ? "" : "s") not drawn.</p>" : ""
        return "<div class=\"chart\"><h3>\(escape(key))</h3>\(svg)<div class=\"note\">\(legend)</div>\(note)</div>\n"
    }

    /// About five round tick values covering `low...high`.
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        guard high > low else { return [low] }
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var tick = floor(low / step) * step
        while tick <= high + step * 1e-9 && ticks.count < 20 {
            ticks.append(tick)
            tick += step
        }
        if let last = ticks.last, last < high { ticks.append(last + step) }
        return ticks
    }

    static func short(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }

    static func number(_ value: Double) -> String {
        value.isNaN ? "NaN" : value.isInfinite ? (value > 0 ? "∞" : "−∞") : "\(value)"
    }

    /// Six significant digits for the table (the exact value is the cell's title).
    static func rounded(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : number(value)
    }

    static func timestamp(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1f s", seconds) : seconds < 3600 ? String(format: "%.1f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}

/// Text safe inside HTML elements and attributes.
func escape(_ text: String) -> String { HTMLText.escape(text) }
