import Foundation
import Testing
import ToolboxCore
@testable import TrackKit

@Suite("Run search: filters with AND, OR and parentheses, order, pages")
struct SearchTests {
    /// Six runs: model forest/linear, rmse, lr, a release tag on some, statuses.
    static func store() throws -> (SQLiteTrackingStore, [String: String], String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trackkit-search-\(UUID().uuidString)").path
        let store = try SQLiteTrackingStore(folder: path)
        let experiment = try store.experiment(named: "search")
        var names: [String: String] = [:]
        let rows: [(String, String, Double, String, String?, RunStatus)] = [
            ("a", "forest", 0.30, "0.1", "yes", .finished), ("b", "forest", 0.55, "0.01", nil, .finished),
            ("c", "linear", 0.42, "0.1", "no", .failed), ("d", "linear", 0.61, "0.001", "yes", .finished),
            ("e", "Forest", 0.25, "0.05", nil, .running), ("f", "boost", .nan, "0.1", nil, .finished),
        ]
        for (name, model, rmse, lr, release, status) in rows {
            let run = try store.createRun(experimentID: experiment.id, name: name)
            try store.logBatch(runID: run.id, params: ["model": model, "lr": lr],
                               metrics: [RunMetric(key: "rmse", value: rmse + 1, step: 0), RunMetric(key: "rmse", value: rmse, step: 1)],
                               tags: release.map { ["release candidate": $0] } ?? [:])
            if status != .running { try store.endRun(id: run.id, status: status) }
            names[run.id] = name
        }
        return (store, names, path)
    }

    func names(_ runs: [Run], _ map: [String: String]) -> [String] { runs.compactMap { map[$0.id] } }

    @Test func filtersSelectTheExpectedRuns() throws {
        let (store, map, path) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        func search(_ filter: String) throws -> [String] {
            names(try store.searchRuns(filter: try RunFilter(parsing: filter), orderBy: [try RunOrder(parsing: "attributes.run_name")]), map)
        }
        #expect(try search("metrics.rmse < 0.5") == ["a", "c", "e"])
        #expect(try search("params.model = 'forest' AND metrics.rmse < 0.5") == ["a"])
        #expect(try search("params.model = 'linear' OR tags.`release candidate` = 'yes'") == ["a", "c", "d"])
        #expect(try search("(params.model = 'linear' OR params.model = 'forest') AND metrics.rmse > 0.5") == ["b", "d"])
        #expect(try search("params.model = 'linear' OR params.model = 'forest' AND metrics.rmse > 0.5") == ["b", "c", "d"])
        #expect(try search("params.model ILIKE 'forest'") == ["a", "b", "e"])
        #expect(try search("params.lr LIKE '0.0%'") == ["b", "d", "e"])
        // LIKE is case-sensitive (MLflow's); `_` is one character; GLOB's own wildcards are literal.
        #expect(try search("params.model LIKE 'F%'") == ["e"])
        #expect(try search("params.model LIKE '_orest'") == ["a", "b", "e"])
        #expect(try search("params.model LIKE 'fo*'").isEmpty && search("params.lr LIKE '0.?'").isEmpty)
        #expect(try search("attributes.status = 'FAILED' OR attributes.status = 'RUNNING'") == ["c", "e"])
        #expect(try search("tags.\"release candidate\" != 'yes'") == ["c"])
        #expect(try search("metric.rmse >= 0.61 or param.model = 'boost'") == ["d", "f"])
    }

    @Test func orderAndPages() throws {
        let (store, map, path) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let byRmse = try store.searchRuns(orderBy: [try RunOrder(parsing: "metrics.rmse DESC")])
        // NaN is stored as NULL for ordering: last.
        #expect(names(byRmse, map) == ["d", "b", "c", "a", "e", "f"])
        let page1 = try store.searchRuns(orderBy: [try RunOrder(parsing: "metrics.rmse")], maxResults: 2, offset: 0)
        let page2 = try store.searchRuns(orderBy: [try RunOrder(parsing: "metrics.rmse")], maxResults: 2, offset: 2)
        #expect(names(page1, map) == ["e", "a"] && names(page2, map) == ["c", "b"])
        // Pages of every size, across runs with the metric, with NaN and without it, and with a
        // filter: the same order as one page.
        let run = try store.createRun(experimentID: store.experiment(named: "search").id, name: "g")
        try store.logBatch(runID: run.id, params: ["model": "linear"])
        var all = map
        all[run.id] = "g"
        for (order, filter) in [("metrics.rmse", nil), ("metrics.rmse DESC", nil), ("metrics.rmse", "params.model != 'boost'"),
                                ("metrics.rmse DESC", "params.model = 'linear' OR metrics.rmse < 0.3")] {
            let orderBy = [try RunOrder(parsing: order)], parsed = try filter.map { try RunFilter(parsing: $0) }
            let whole = names(try store.searchRuns(filter: parsed, orderBy: orderBy), all)
            for size in 1...4 {
                var paged: [String] = []
                for offset in stride(from: 0, to: 9, by: size) {
                    paged += names(try store.searchRuns(filter: parsed, orderBy: orderBy, maxResults: size, offset: offset), all)
                }
                #expect(paged == whole, "\(order) \(filter ?? "") pages of \(size)")
            }
            if filter == nil { #expect(whole.count == 7 && whole.suffix(2) == (order.hasSuffix("DESC") ? ["g", "f"] : ["g", "f"])) }
        }
        #expect(names(try store.searchRuns(filter: RunFilter(parsing: "params.model = 'linear' OR metrics.rmse < 0.3"),
                                           orderBy: [RunOrder(parsing: "metrics.rmse DESC")]), all) == ["d", "c", "e", "g"])
        #expect(throws: ToolboxError.self) { try store.searchRuns(maxResults: 0) }
    }

    /// Syntax errors name the position.
    @Test func badFiltersNameThePosition() throws {
        for (filter, position) in [("metrics.rmse <", 14), ("metrics.rmse < 'low'", 20), ("rmse < 1", 0), ("metrics.rmse < 1 AND", 20),
                                   ("(metrics.rmse < 1", 17), ("params.a = 'x' OR OR", 18), ("attributes.colour = 'red'", 11), ("params.`open = 1", 7)] {
            let error = #expect(throws: ToolboxError.self, "\(filter)") { try RunFilter(parsing: filter) }
            #expect(error?.code == .parseError && error?.context.byteOffset == position, "\(filter): \(String(describing: error))")
        }
        // Hostile filters: deep nesting and endless chains end in a parse error, not a crash.
        let deep = String(repeating: "(", count: 100_000) + "params.a = 'x'" + String(repeating: ")", count: 100_000)
        #expect((#expect(throws: ToolboxError.self) { try RunFilter(parsing: deep) })?.context.byteOffset == 32)
        let long = Array(repeating: "params.a = 'x'", count: 5_000).joined(separator: " OR ")
        #expect((#expect(throws: ToolboxError.self) { try RunFilter(parsing: long) })?.message.contains("200 comparisons") == true)
        let nested = String(repeating: "(", count: 32) + "params.a = 'x'" + String(repeating: ")", count: 32)
        let allowed = Array(repeating: nested, count: 200).joined(separator: " OR ")
        let (store, _, path) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try store.searchRuns(filter: RunFilter(parsing: allowed)).isEmpty)
    }

    @Test func aStoreThatIsAFileIsRefused() throws {
        let path = SQLiteTrackingStoreTests.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ToolboxError.self) { try SQLiteTrackingStore(folder: path) }
        #expect(error?.code == .ioError && error?.context.path == path && error?.message.contains("regular file") == true)
    }
}
