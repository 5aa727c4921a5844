import Foundation
import ToolboxCore
public import TrackKit

extension PostgresTrackingStore {
    // MARK: Search

    /// Runs that pass `filter` (see `TrackKit/RunFilter`), ordered by `orderBy` then by start
    /// time (newest first) and id, `maxResults` from `offset`.
    public func searchRuns(experimentIDs: [Int64], filter: RunFilter?, orderBy: [RunOrder], maxResults: Int, offset: Int) async throws -> [Run] {
        guard (1...50_000).contains(maxResults), offset >= 0 else {
            throw ToolboxError(.invalidParameter, "max results must be in 1...50000 and the offset at least 0", context: ErrorContext(parameter: "max_results"))
        }
        var conditions: [String] = [], arguments: [SQLValue] = []
        if experimentIDs.count == 1 {
            conditions.append("runs.experiment_id = ?")
            arguments.append(.int(experimentIDs[0]))
        } else if !experimentIDs.isEmpty {
            conditions.append("runs.experiment_id = ANY(?::bigint[])")
            arguments.append(.ints(experimentIDs))
        }
        if orderBy.count == 1, case .metric(let key) = orderBy[0].field {
            return try await searchOrderedByMetric(key: key, descending: orderBy[0].descending, filter: filter, conditions: conditions, arguments: arguments,
                                                   maxResults: maxResults, offset: offset)
        }
        if let filter { conditions.append(PostgresFilter.condition(filter, &arguments)) }
        var joins = "", order: [String] = [], joinArguments: [SQLValue] = []
        for (index, item) in orderBy.enumerated() {
            let direction = item.descending ? "DESC" : "ASC"
            if case .attribute(let name) = item.field {
                order.append("runs.\(PostgresFilter.column(name).name) \(direction) NULLS LAST")
            } else if let (table, key) = PostgresFilter.keyed(item.field) {
                joins += " LEFT JOIN \(table) o\(index) ON o\(index).run_id = runs.id AND o\(index).key = ?"
                joinArguments.append(.text(key))
                order.append("o\(index).value \(direction) NULLS LAST")
            }
        }
        if order.first != "runs.start_time DESC NULLS LAST" { order.append("runs.start_time DESC") }
        order.append("runs.id")
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT runs.* FROM runs" + joins + whereClause + " ORDER BY " + order.joined(separator: ", ") + " LIMIT ? OFFSET ?"
        let bound = joinArguments + arguments + [.int(Int64(maxResults)), .int(Int64(offset))]
        return try await transaction("tracking store") { db in try await db.rows(sql, bound).map(Self.run) }
    }
}

extension PostgresTrackingStore {
    /// Ordered by one metric: runs that have it (not NaN) come from the (key, value) index in
    /// order, so a page is read without sorting every run; runs without it follow, newest first.
    ///
    /// The filter's top-level comparisons of that metric test `o.value` itself; its other terms
    /// are checked per run found (an index lookup each), so the walk in metric order drives.
    func searchOrderedByMetric(key: String, descending: Bool, filter: RunFilter?, conditions: [String], arguments: [SQLValue],
                               maxResults: Int, offset: Int) async throws -> [Run] {
        let direction = descending ? "DESC" : "ASC"
        var conditions = conditions, arguments = arguments
        var onMetric: [String] = [], metricArguments: [SQLValue] = []
        for term in filter.map(PostgresFilter.conjuncts) ?? [] {
            if case .comparison(.metric(let name), let op, .number) = term, name == key, op != .like, op != .caseInsensitiveLike {
                onMetric.append(PostgresFilter.condition(term, &metricArguments, form: .check, metricOperand: "o.value"))
            } else {
                conditions.append(PostgresFilter.condition(term, &arguments, form: .check))
            }
        }
        // Runs without the metric pass no comparison of it: with one, none of them is listed.
        let anyMissing = onMetric.isEmpty
        let having = conditions + ["o.key = ?", "o.value IS NOT NULL"] + onMetric
        let havingArguments = arguments + [.text(key)] + metricArguments
        let first = "SELECT runs.* FROM latest_metrics o JOIN runs ON runs.id = o.run_id WHERE " + having.joined(separator: " AND ")
            + " ORDER BY o.value \(direction), runs.start_time DESC, runs.id LIMIT ? OFFSET ?"
        let count = "SELECT COUNT(*) FROM latest_metrics o JOIN runs ON runs.id = o.run_id WHERE " + having.joined(separator: " AND ")
        let missing = "SELECT runs.* FROM runs WHERE " + (conditions + ["NOT EXISTS (SELECT 1 FROM latest_metrics o WHERE o.run_id = runs.id AND o.key = ? AND o.value IS NOT NULL)"])
            .joined(separator: " AND ") + " ORDER BY runs.start_time DESC, runs.id LIMIT ? OFFSET ?"
        let missingArguments = arguments + [.text(key)]
        return try await transaction("tracking store") { db in
            var runs = try await db.rows(first, havingArguments + [.int(Int64(maxResults)), .int(Int64(offset))]).map(Self.run)
            guard runs.count < maxResults, anyMissing else { return runs }
            // How many runs with the metric precede the ones without it.
            let withMetric = !runs.isEmpty ? offset + runs.count : Int(try await db.scalar(count, havingArguments, as: Int64.self) ?? 0)
            runs += try await db.rows(missing, missingArguments + [.int(Int64(maxResults - runs.count)), .int(Int64(max(0, offset - withMetric)))])
                .map(Self.run)
            return runs
        }
    }
}

/// ``TrackKit/RunFilter`` as PostgreSQL conditions on `runs`, meaning what it means on SQLite:
/// a run without the key passes no comparison; `LIKE` is case-sensitive and `ILIKE` is not (no
/// escape character in either); NaN metrics pass none.
enum PostgresFilter {
    /// The column an attribute reads, and whether it holds numbers.
    static func column(_ attribute: String) -> (name: String, numeric: Bool) {
        switch attribute {
        case "run_name": ("name", false)
        case "run_id": ("id", false)
        case "user": ("user_name", false)
        case "start_time": ("start_time", true)
        case "end_time": ("end_time", true)
        default: ("status", false)
        }
    }

    /// The table and key a field reads (nil for attributes).
    static func keyed(_ field: RunFilter.Field) -> (String, String)? {
        switch field {
        case .metric(let name): ("latest_metrics", name)
        case .param(let name): ("params", name)
        case .tag(let name): ("tags", name)
        case .attribute: nil
        }
    }

    /// How a comparison on metrics, params or tags reads its table: as the list of matching
    /// runs (`runs.id IN (...)`, which the planner can drive from) or as a check per run found
    /// otherwise (`EXISTS (...)`, an index lookup).
    enum Form { case list, check }

    /// The top-level AND terms.
    static func conjuncts(_ filter: RunFilter) -> [RunFilter] { flatten(filter, and: true) }

    /// The condition on `runs`; `metricOperand` replaces the metric lookup (a query already
    /// joined to the metric's row).
    static func condition(_ filter: RunFilter, _ arguments: inout [SQLValue], form: Form = .list, metricOperand: String? = nil) -> String {
        switch filter {
        case .and, .or:
            let isAnd = if case .and = filter { true } else { false }
            var parts: [String] = []
            for term in flatten(filter, and: isAnd) { parts.append(condition(term, &arguments, form: form)) }
            return "(" + parts.joined(separator: isAnd ? " AND " : " OR ") + ")"
        case .comparison(let field, let op, let value):
            if let metricOperand, case .metric = field { return comparison(metricOperand, numeric: true, op, value, &arguments) }
            if let (table, key) = keyed(field) {
                arguments.append(.text(key))
                let test = comparison("x.value", numeric: table == "latest_metrics", op, value, &arguments)
                switch form {
                case .list: return "runs.id IN (SELECT x.run_id FROM \(table) x WHERE x.key = ? AND \(test))"
                case .check: return "EXISTS (SELECT 1 FROM \(table) x WHERE x.run_id = runs.id AND x.key = ? AND \(test))"
                }
            }
            guard case .attribute(let name) = field else { return "FALSE" }
            let (column, numeric) = column(name)
            return comparison("runs.\(column)", numeric: numeric, op, value, &arguments)
        }
    }

    private static func flatten(_ filter: RunFilter, and: Bool) -> [RunFilter] {
        switch filter {
        case .and(let a, let b) where and: flatten(a, and: true) + flatten(b, and: true)
        case .or(let a, let b) where !and: flatten(a, and: false) + flatten(b, and: false)
        default: [filter]
        }
    }

    /// `operand OP ?` with the value bound as the operand's type (a number compared with text
    /// compares as its text, as SQLite's affinity does).
    private static func comparison(_ operand: String, numeric: Bool, _ op: RunFilter.Operator, _ value: RunFilter.Value,
                                   _ arguments: inout [SQLValue]) -> String {
        switch (numeric, value) {
        case (true, .number(let number)): arguments.append(.double(number))
        case (true, .text(let text)):
            guard let number = Double(text) else { return "FALSE" }
            arguments.append(.double(number))
        case (false, .number(let number)): arguments.append(.text("\(number)"))
        case (false, .text(let text)): arguments.append(.text(text))
        }
        switch op {
        case .like: return "\(operand) LIKE ? ESCAPE ''"
        case .caseInsensitiveLike: return "\(operand) ILIKE ? ESCAPE ''"
        default: return "\(operand) \(op.rawValue) ?"
        }
    }
}
