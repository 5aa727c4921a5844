import Foundation
import ToolboxCore

/// A study as one static HTML page (inline SVG, no script): the optimization history with the
/// best value so far, parallel coordinates of the parameters coloured by objective, fANOVA
/// importances, and for several objectives the Pareto front.
public enum StudyReport {
    /// The page for `trials` of a study named `name` with `directions`.
    public static func html(name: String, directions: [StudyDirection], trials: [FrozenTrial], importanceSeed: UInt64 = 0) -> String {
        let complete = trials.filter { $0.state == .complete && ($0.values?.count ?? 0) == directions.count }
        var body = "<h1>Study \(HTMLText.escape(name))</h1>\n"
        let counts = TrialState.allCases.compactMap { state -> String? in
            let count = trials.filter { $0.state == state }.count
            return count == 0 ? nil : "\(count) \(state.rawValue.lowercased())"
        }
        body += "<p>\(trials.count) trials: \(counts.joined(separator: ", ")); directions: \(directions.map(\.rawValue).joined(separator: ", ")).</p>\n"
        if directions.count == 1 {
            body += "<h2>Optimization history</h2>\n" + history(complete, maximize: directions[0] == .maximize)
            if let best = bestTrial(complete, maximize: directions[0] == .maximize) {
                body += "<p>Best: trial \(best.number), value \(HTMLText.escape(number(best.values![0]))), " + parameterText(best) + "</p>\n"
            }
        } else {
            body += "<h2>Pareto front</h2>\n" + pareto(complete, directions)
        }
        body += "<h2>Parallel coordinates</h2>\n" + parallelCoordinates(complete)
        if let importances = try? ParameterImportance.fanova(trials, objectiveCount: directions.count, objective: directions.count > 1 ? 0 : nil, seed: importanceSeed) {
            body += "<h2>Parameter importance (fANOVA)</h2>\n" + importanceChart(importances)
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Study \(HTMLText.escape(name))</title>
            <style>body{font-family:sans-serif;margin:2em;color:#222}svg{background:#fafafa;border:1px solid #ddd;margin:0.5em 0}
            h2{margin-top:1.5em}text{font-size:11px;fill:#333}</style></head>
            <body>
            \(body)</body></html>

            """
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return CFormat.string("%.6g", value)
    }

    static func parameterText(_ trial: FrozenTrial) -> String {
        trial.parameters.map { "\(HTMLText.escape($0.name)) = \(HTMLText.escape($0.value.description))" }.joined(separator: ", ")
    }

    static func bestTrial(_ trials: [FrozenTrial], maximize: Bool) -> FrozenTrial? {
        trials.reduce(nil as FrozenTrial?) { best, trial in
            guard let best, let b = best.values?.first, let v = trial.values?.first else { return best ?? trial }
            return (maximize ? v > b : v < b) ? trial : best
        }
    }

    static let width = 720.0, height = 320.0, margin = 48.0

    /// Maps `value` from `low...high` to pixels `from...to` (the middle for an empty range).
    static func scale(_ value: Double, _ low: Double, _ high: Double, _ from: Double, _ to: Double) -> Double {
        guard high > low, value.isFinite else { return (from + to) / 2 }
        return from + (value - low) / (high - low) * (to - from)
    }

    static func svg(_ content: String, height: Double = height) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n\(content)</svg>\n"
    }

    static func history(_ trials: [FrozenTrial], maximize: Bool) -> String {
        let points = trials.compactMap { trial in trial.values.flatMap { $0.first.map { (Double(trial.number), $0) } } }.filter { $0.1.isFinite }
        guard !points.isEmpty else { return "<p>No complete trial yet.</p>\n" }
        let xs = points.map(\.0), ys = points.map(\.1)
        let (x0, x1) = (xs.min()!, Swift.max(xs.max()!, xs.min()! + 1)), (y0, y1) = (ys.min()!, ys.max()!)
        var content = axes(xLabel: "trial", yLabel: "objective", x0: x0, x1: x1, y0: y0, y1: y1)
        for (x, y) in points {
            content += "<circle cx=\"\(f(scale(x, x0, x1, margin, width - 16)))\" cy=\"\(f(scale(y, y0, y1, height - margin, 16)))\" r=\"3\" fill=\"#4a7bd0\"/>\n"
        }
        var best = maximize ? -Double.infinity : .infinity
        var line: [String] = []
        for (x, y) in points {
            best = maximize ? Swift.max(best, y) : Swift.min(best, y)
            line.append("\(f(scale(x, x0, x1, margin, width - 16))),\(f(scale(best, y0, y1, height - margin, 16)))")
        }
        content += "<polyline fill=\"none\" stroke=\"#d0452a\" stroke-width=\"2\" points=\"\(line.joined(separator: " "))\"/>\n"
        return svg(content)
    }

    static func f(_ value: Double) -> String { CFormat.string("%.1f", value) }

    static func axes(xLabel: String, yLabel: String, x0: Double, x1: Double, y0: Double, y1: Double) -> String {
        """
        <line x1="\(f(margin))" y1="\(f(height - margin))" x2="\(f(width - 16))" y2="\(f(height - margin))" stroke="#888"/>
        <line x1="\(f(margin))" y1="16" x2="\(f(margin))" y2="\(f(height - margin))" stroke="#888"/>
        <text x="\(f(width / 2))" y="\(f(height - 12))">\(HTMLText.escape(xLabel)) (\(number(x0))–\(number(x1)))</text>
        <text x="4" y="12">\(HTMLText.escape(yLabel)) (\(number(y0))–\(number(y1)))</text>

        """
    }

    /// A value's position on its parameter's axis (0...1): log ranges in the logarithm,
    /// categorical choices evenly.
    static func position(_ value: ParameterValue, _ distribution: Distribution) -> Double {
        switch distribution {
        case .float(let d):
            guard let x = value.number else { return 0.5 }
            return d.log ? scale(Foundation.log(x), Foundation.log(d.low), Foundation.log(d.high), 0, 1) : scale(x, d.low, d.high, 0, 1)
        case .int(let d):
            guard let x = value.number else { return 0.5 }
            return d.log ? scale(Foundation.log(x), Foundation.log(Double(d.low)), Foundation.log(Double(d.high)), 0, 1) : scale(x, Double(d.low), Double(d.high), 0, 1)
        case .categorical(let d):
            guard let index = d.index(of: value) else { return 0.5 }
            return d.choices.count == 1 ? 0.5 : Double(index) / Double(d.choices.count - 1)
        }
    }

    static func parallelCoordinates(_ trials: [FrozenTrial]) -> String {
        var names: [String] = [], distributions: [String: Distribution] = [:]
        for trial in trials {
            for parameter in trial.parameters where distributions[parameter.name] == nil {
                names.append(parameter.name)
                distributions[parameter.name] = parameter.distribution
            }
        }
        guard !names.isEmpty, !trials.isEmpty else { return "<p>No parameters to show.</p>\n" }
        let objectives = trials.compactMap { $0.values?.first }.filter(\.isFinite)
        let (v0, v1) = (objectives.min() ?? 0, objectives.max() ?? 1)
        let axes = names.count + 1
        let step = (width - 2 * margin) / Double(Swift.max(axes - 1, 1))
        var content = ""
        for (i, name) in (names + ["objective"]).enumerated() {
            let x = margin + Double(i) * step
            content += "<line x1=\"\(f(x))\" y1=\"24\" x2=\"\(f(x))\" y2=\"\(f(height - margin))\" stroke=\"#888\"/>"
            content += "<text x=\"\(f(x - 20))\" y=\"\(f(height - margin + 16))\">\(HTMLText.escape(name))</text>\n"
        }
        for trial in trials {
            guard let objective = trial.values?.first, objective.isFinite else { continue }
            var points: [String] = []
            for (i, name) in names.enumerated() {
                guard let parameter = trial.parameters.first(where: { $0.name == name }), let distribution = distributions[name] else { continue }
                let y = scale(position(parameter.value, distribution), 0, 1, height - margin, 24)
                points.append("\(f(margin + Double(i) * step)),\(f(y))")
            }
            points.append("\(f(margin + Double(names.count) * step)),\(f(scale(objective, v0, v1, height - margin, 24)))")
            let shade = Int(scale(objective, v0, v1, 0, 200))
            content += "<polyline fill=\"none\" stroke=\"rgb(\(shade),80,\(200 - shade))\" stroke-opacity=\"0.6\" points=\"\(points.joined(separator: " "))\"/>\n"
        }
        return svg(content)
    }

    static func importanceChart(_ importances: [(name: String, importance: Double)]) -> String {
        let rowHeight = 22.0
        let chartHeight = Double(importances.count) * rowHeight + 24
        var content = ""
        for (i, item) in importances.enumerated() {
            let y = 12 + Double(i) * rowHeight
            let barWidth = scale(item.importance, 0, 1, 0, width - 220)
            content += "<text x=\"8\" y=\"\(f(y + 14))\">\(HTMLText.escape(item.name))</text>"
            content += "<rect x=\"160\" y=\"\(f(y + 2))\" width=\"\(f(barWidth))\" height=\"16\" fill=\"#4a7bd0\"/>"
            content += "<text x=\"\(f(166 + barWidth))\" y=\"\(f(y + 14))\">\(CFormat.string("%.3f", item.importance))</text>\n"
        }
        return svg(content, height: chartHeight)
    }

    static func pareto(_ trials: [FrozenTrial], _ directions: [StudyDirection]) -> String {
        let points = trials.compactMap { trial -> (FrozenTrial, Double, Double)? in
            guard let values = trial.values, values.count >= 2, values[0].isFinite, values[1].isFinite else { return nil }
            return (trial, values[0], values[1])
        }
        guard !points.isEmpty else { return "<p>No complete trial yet.</p>\n" }
        let signs = directions.map { $0 == .minimize ? 1.0 : -1.0 }
        func dominates(_ a: [Double], _ b: [Double]) -> Bool {
            var strictly = false
            for i in a.indices {
                let x = a[i] * signs[i], y = b[i] * signs[i]
                if x > y { return false }
                if x < y { strictly = true }
            }
            return strictly
        }
        let front = Set(points.filter { p in !points.contains { dominates($0.0.values!, p.0.values!) } }.map(\.0.number))
        let xs = points.map(\.1), ys = points.map(\.2)
        let (x0, x1, y0, y1) = (xs.min()!, xs.max()!, ys.min()!, ys.max()!)
        var content = axes(xLabel: "objective 0", yLabel: "objective 1", x0: x0, x1: x1, y0: y0, y1: y1)
        for (trial, x, y) in points {
            let onFront = front.contains(trial.number)
            content += "<circle cx=\"\(f(scale(x, x0, x1, margin, width - 16)))\" cy=\"\(f(scale(y, y0, y1, height - margin, 16)))\" r=\"\(onFront ? 4 : 3)\" "
                + "fill=\"\(onFront ? "#d0452a" : "#9bb3e0")\"/>\n"
        }
        return svg(content)
    }
}
