import FeatureKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Time-series features against pandas")
struct TimeSeriesTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func features() -> TimeSeriesFeatures {
        var features = TimeSeriesFeatures(time: "date", group: "part", values: ["cost", "qty"])
        features.lags = [1, 3]
        features.windows = [3, 5]
        features.windowQuantiles = [0.5, 0.9]
        features.expanding = [.mean, .std, .max]
        features.ewmSpans = [4]
        return features
    }

    @Test func matchesPandasPerGroup() throws {
        let input = try DataTable(csvFile: Self.golden.appendingPathComponent("timeseries.csv").path)
        let expected = try DataTable(csvFile: Self.golden.appendingPathComponent("timeseries_expected.csv").path)
        let output = try Self.features().transform(input)
        #expect(output.columnNames == expected.columnNames)
        for name in expected.columnNames where !["part", "date"].contains(name) {
            let actual = try output.numericColumn(named: name), reference = try expected.numericColumn(named: name)
            if let problem = mismatch(actual, reference, relativeTolerance: 1e-9, absoluteTolerance: 1e-12) {
                Issue.record("\(name): \(problem)")
            }
        }
    }

    /// A feature at time t never reads a later row of its group: changing every later value
    /// leaves every feature at t as it was.
    @Test func noLookAhead() throws {
        let input = try DataTable(csvFile: Self.golden.appendingPathComponent("timeseries.csv").path)
        let base = try Self.features().transform(input)
        let dates = try input.column(named: "date"), parts = try input.column(named: "part")
        guard case .categorical(let dateText) = dates, case .categorical(let partText) = parts else {
            Issue.record("unexpected column kinds")
            return
        }
        let costs = try input.numericColumn(named: "cost"), quantities = try input.numericColumn(named: "qty")
        let featureNames = base.columnNames.filter { $0.hasPrefix("cost_") || $0.hasPrefix("qty_") }
        for row in stride(from: 0, to: input.rowCount, by: 7) {
            var changed = input
            let later = (0..<input.rowCount).filter { partText[$0] == partText[row] && dateText[$0]! > dateText[row]! }
            var newCosts = costs, newQuantities = quantities
            for i in later {
                newCosts[i] = 1e6
                newQuantities[i] = -3
            }
            try changed.setColumn("cost", .numeric(newCosts))
            try changed.setColumn("qty", .numeric(newQuantities))
            let after = try Self.features().transform(changed)
            for name in featureNames {
                let a = try base.numericColumn(named: name)[row], b = try after.numericColumn(named: name)[row]
                #expect(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN), "row \(row) \(name) read a later row")
            }
        }
    }

    @Test func badInputIsTyped() throws {
        let table = try DataTable([("date", .categorical(["2024-01-01", "2024-13-01"])), ("v", .numeric([1, 2]))])
        do {
            _ = try TimeSeriesFeatures(time: "date", values: ["v"]).transform(table)
            Issue.record("a month 13 parsed")
        } catch let error as ToolboxError {
            #expect(error.code == .parseError && error.context.row == 1 && error.context.column == "date")
        }
        #expect(throws: ToolboxError.self) { try TimeSeriesFeatures(time: "when", values: ["v"]).transform(table) }
        var lagZero = TimeSeriesFeatures(time: "date", values: ["v"])
        lagZero.lags = [0]
        #expect(throws: ToolboxError.self) { try lagZero.transform(table) }
        // Numeric times sort numerically and give no calendar parts.
        let numeric = try DataTable([("t", .numeric([3, 1, 2])), ("v", .numeric([30, 10, 20]))])
        let out = try TimeSeriesFeatures(time: "t", values: ["v"]).transform(numeric)
        #expect(try out.numericColumn(named: "v_lag_1").map { $0.isNaN ? -1 : $0 } == [20, -1, 10])
        #expect(!out.columnNames.contains("t_year"))
    }
}
