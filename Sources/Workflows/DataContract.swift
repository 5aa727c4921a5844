public import ToolboxCore
import Foundation

/// A data contract: what a workflow's data must hold, checked on the training data, the
/// holdout and anything scored later (`dstoolbox validate-data`).
///
/// ```yaml
/// validate:
///   min_rows: 100
///   columns:
///     age: {type: numeric, min: 0, max: 120, max_missing: 0.05}
///     plan: {type: categorical, values: [a, b, c]}
///     note: {type: text, required: false}
///   unique: [customer_id]
/// ```
public struct DataContract: Sendable, Hashable, Codable {
    /// One column's rules.
    public struct ColumnRule: Sendable, Hashable, Codable {
        /// `numeric`, `integer`, `categorical` or `text` (nil: any).
        public var type: String?
        /// The smallest and largest value allowed (numeric columns).
        public var min: Double?
        public var max: Double?
        /// The largest share of missing values allowed (0: none missing; default: any).
        public var maxMissing: Double?
        /// The values allowed (categorical columns).
        public var values: [String]?
        /// Whether the column must be present (default true).
        public var required: Bool

        enum CodingKeys: String, CodingKey {
            case type, min, max, values, required
            case maxMissing = "max_missing"
        }
    }

    /// The fewest rows allowed.
    public var minRows: Int?
    /// The most rows allowed.
    public var maxRows: Int?
    /// Column rules, in the order written.
    public var columns: [(name: String, rule: ColumnRule)] {
        get { zip(columnNames, columnRules).map { ($0, $1) } }
        set {
            columnNames = newValue.map(\.name)
            columnRules = newValue.map(\.rule)
        }
    }
    private var columnNames: [String] = []
    private var columnRules: [ColumnRule] = []
    /// Columns whose present values must all differ.
    public var unique: [String] = []

    /// A contract with no rules.
    public init() {}

    public static func == (lhs: DataContract, rhs: DataContract) -> Bool {
        lhs.minRows == rhs.minRows && lhs.maxRows == rhs.maxRows && lhs.columnNames == rhs.columnNames && lhs.columnRules == rhs.columnRules && lhs.unique == rhs.unique
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(minRows)
        hasher.combine(columnNames)
        hasher.combine(unique)
    }

    enum CodingKeys: String, CodingKey {
        case minRows = "min_rows", maxRows = "max_rows", columnNames = "column_names", columnRules = "column_rules", unique
    }

    /// Reads the contract at `key` of a workflow document, naming the line of anything wrong.
    init(document: WorkflowDocument, key: String, value: JSONValue) throws {
        let section = try SectionReader(document, key: key, value: value, allowed: ["min_rows", "max_rows", "columns", "unique"])
        minRows = try section.integer("min_rows", in: 0...Int(Int32.max))
        maxRows = try section.integer("max_rows", in: 0...Int.max >> 1)
        unique = try section.strings("unique") ?? []
        if let value = section.value("columns") {
            guard case .object(let members) = value else {
                throw document.error("must be a mapping of column names to rules, got \(SectionReader.kind(value))", key: "\(key).columns")
            }
            // In the order written, as the document lists them.
            let ordered = members.keys.sorted { (document.place(of: "\(key).columns.\($0)")?.line ?? 0, $0) < (document.place(of: "\(key).columns.\($1)")?.line ?? 0, $1) }
            for name in ordered {
                let path = "\(key).columns.\(name)"
                let rule = try SectionReader(document, key: path, value: members[name] ?? .null, allowed: ["type", "min", "max", "max_missing", "values", "required"])
                var parsed = ColumnRule(type: try rule.choice("type", ["numeric", "integer", "categorical", "text"]), min: try rule.number("min"), max: try rule.number("max"),
                                        maxMissing: try rule.number("max_missing", in: 0...1), values: try rule.strings("values"), required: try rule.flag("required") ?? true)
                if let low = parsed.min, let high = parsed.max, low > high {
                    throw document.error("min \(low) is larger than max \(high)", key: "\(path).min")
                }
                if parsed.values != nil, parsed.type == "numeric" || parsed.type == "integer" {
                    throw document.error("values lists categories; a numeric column takes min and max", key: "\(path).values")
                }
                if parsed.type == nil, parsed.values != nil { parsed.type = "categorical" }
                columnNames.append(name)
                columnRules.append(parsed)
            }
        }
    }

    // MARK: Checking

    /// One rule's outcome on one column.
    public struct Check: Sendable, Hashable, Codable {
        /// The column (empty for a rule on the whole table, such as `min_rows`).
        public var column: String
        /// The rule: `present`, `type`, `finite`, `min`, `max`, `max_missing`, `values`, `unique`, `min_rows`, `max_rows`.
        public var rule: String
        /// Whether it held.
        public var passed: Bool
        /// Values (or rows) that broke it.
        public var failing: Int
        /// What was expected and what was found.
        public var detail: String
        /// The first rows (zero-based data rows) that broke it, at most 5.
        public var rows: [Int]
    }

    /// A contract's outcome on one data set.
    public struct Result: Sendable, Hashable, Codable {
        /// The data set's name (`train`, `test`, a file).
        public var data: String
        /// Its rows.
        public var rowCount: Int
        /// Whether every rule held.
        public var passed: Bool { checks.allSatisfy(\.passed) }
        /// Every rule checked, failures first.
        public var checks: [Check]
        /// The rules that failed.
        public var failures: [Check] { checks.filter { !$0.passed } }

        enum CodingKeys: String, CodingKey { case data, rowCount = "rows", checks, passed, failures }

        public init(data: String, rowCount: Int, checks: [Check]) {
            self.data = data
            self.rowCount = rowCount
            self.checks = checks
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            data = try container.decode(String.self, forKey: .data)
            rowCount = try container.decode(Int.self, forKey: .rowCount)
            checks = try container.decode([Check].self, forKey: .checks)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(data, forKey: .data)
            try container.encode(rowCount, forKey: .rowCount)
            try container.encode(passed, forKey: .passed)
            try container.encode(failures, forKey: .failures)
            try container.encode(checks, forKey: .checks)
        }

        /// One line per failed rule (or a line saying all held).
        public var summary: String {
            guard !passed else { return "\(data): \(checks.count) checks passed on \(rowCount) rows" }
            return (["\(data): \(failures.count) of \(checks.count) checks failed on \(rowCount) rows"]
                + failures.map { check in
                    let rows = check.rows.isEmpty ? "" : " (rows \(check.rows.map(String.init).joined(separator: ", "))\(check.failing > check.rows.count ? ", ..." : ""))"
                    return "  \(check.column.isEmpty ? "table" : check.column): \(check.rule): \(check.failing) failing: \(check.detail)\(rows)"
                }).joined(separator: "\n")
        }
    }

    /// Checks every rule on `table`.
    public func check(_ table: DataTable, data: String) -> Result {
        var checks: [Check] = []
        let rows = table.rowCount
        if let minRows {
            checks.append(Check(column: "", rule: "min_rows", passed: rows >= minRows, failing: rows >= minRows ? 0 : minRows - rows,
                                detail: "at least \(minRows) rows, found \(rows)", rows: []))
        }
        if let maxRows {
            checks.append(Check(column: "", rule: "max_rows", passed: rows <= maxRows, failing: max(0, rows - maxRows),
                                detail: "at most \(maxRows) rows, found \(rows)", rows: []))
        }
        for (name, rule) in columns {
            guard let column = table[name] else {
                checks.append(Check(column: name, rule: "present", passed: !rule.required, failing: rule.required ? 1 : 0,
                                    detail: rule.required ? "the column is missing" : "optional, absent", rows: []))
                continue
            }
            checks += Self.check(column, name: name, rule: rule, rows: rows)
        }
        for name in unique {
            guard let column = table[name] else {
                checks.append(Check(column: name, rule: "present", passed: false, failing: 1, detail: "the column is missing (unique)", rows: []))
                continue
            }
            var seen: [String: Int] = [:]
            var failing: [Int] = []
            for row in 0..<rows {
                let key: String
                switch column {
                case .numeric(let values):
                    guard !values[row].isNaN else { continue }
                    key = String(values[row].bitPattern == (-0.0).bitPattern ? 0.0 : values[row])
                case .categorical(let values):
                    guard let value = values[row] else { continue }
                    key = value
                }
                if seen[key] != nil { failing.append(row) } else { seen[key] = row }
            }
            checks.append(Check(column: name, rule: "unique", passed: failing.isEmpty, failing: failing.count,
                                detail: failing.isEmpty ? "every value differs" : "\(failing.count) repeated values", rows: Array(failing.prefix(5))))
        }
        return Result(data: data, rowCount: rows, checks: checks.sorted { !$0.passed && $1.passed })
    }

    private static func check(_ column: DataTable.Column, name: String, rule: ColumnRule, rows: Int) -> [Check] {
        var checks: [Check] = []
        func add(_ ruleName: String, _ failing: [Int], _ count: Int? = nil, _ detail: String) {
            checks.append(Check(column: name, rule: ruleName, passed: failing.isEmpty && (count ?? 0) == 0, failing: count ?? failing.count, detail: detail,
                                rows: Array(failing.prefix(5))))
        }
        // Numbers: from a numeric column, or the cells of a text column that parse as numbers.
        var numbers: [Double]?
        switch (column, rule.type) {
        case (.numeric(let values), _):
            numbers = values
        case (.categorical(let values), "numeric"?), (.categorical(let values), "integer"?):
            var parsed: [Double] = []
            var bad: [Int] = []
            for (row, value) in values.enumerated() {
                guard let value else { parsed.append(.nan); continue }
                if let number = Double(value.trimmingCharacters(in: .whitespaces)) { parsed.append(number) } else { bad.append(row); parsed.append(.nan) }
            }
            add("type", bad, nil, "\(rule.type ?? "") values; \(bad.count) cells are not numbers")
            numbers = parsed
        case (.categorical, _):
            if rule.min != nil || rule.max != nil {
                add("type", Array(0..<rows), rows, "min and max need a numeric column; the column holds text")
            }
        }
        if let numbers {
            let infinite = numbers.indices.filter { numbers[$0].isInfinite }
            add("finite", infinite, nil, infinite.isEmpty ? "no infinite values" : "\(infinite.count) infinite values")
            if rule.type == "integer" {
                let fractional = numbers.indices.filter { numbers[$0].isFinite && numbers[$0] != numbers[$0].rounded() }
                add("type", fractional, nil, "whole numbers; \(fractional.count) values have a fraction")
            }
            if let low = rule.min {
                let below = numbers.indices.filter { numbers[$0] < low }
                add("min", below, nil, "values >= \(low); \(below.count) below" + (below.isEmpty ? "" : " (smallest \(below.map { numbers[$0] }.min() ?? low))"))
            }
            if let high = rule.max {
                let above = numbers.indices.filter { numbers[$0] > high }
                add("max", above, nil, "values <= \(high); \(above.count) above" + (above.isEmpty ? "" : " (largest \(above.map { numbers[$0] }.max() ?? high))"))
            }
        }
        if let allowed = rule.values {
            let set = Set(allowed)
            var bad: [Int] = []
            var unknown: [String: Int] = [:]
            switch column {
            case .categorical(let values):
                for (row, value) in values.enumerated() {
                    if let value, !set.contains(value) {
                        bad.append(row)
                        unknown[value, default: 0] += 1
                    }
                }
            case .numeric(let values):
                for (row, value) in values.enumerated() where !value.isNaN {
                    let text = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
                    if !set.contains(text) && !set.contains(String(value)) {
                        bad.append(row)
                        unknown[text, default: 0] += 1
                    }
                }
            }
            let seen = unknown.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5).map { "\(ToolboxError.excerpt($0.key)) x\($0.value)" }
            add("values", bad, nil, "one of \(allowed.joined(separator: ", "))" + (bad.isEmpty ? "" : "; found " + seen.joined(separator: ", ")))
        }
        let missing: [Int]
        switch column {
        case .numeric(let values): missing = values.indices.filter { values[$0].isNaN }
        case .categorical(let values): missing = values.indices.filter { values[$0] == nil }
        }
        if let share = rule.maxMissing {
            let found = rows == 0 ? 0 : Double(missing.count) / Double(rows)
            let ok = found <= share
            checks.append(Check(column: name, rule: "max_missing", passed: ok, failing: ok ? 0 : missing.count,
                                detail: "at most \(share * 100)% missing; \(missing.count) of \(rows) (\(String(format: "%.2f", found * 100))%) missing",
                                rows: ok ? [] : Array(missing.prefix(5))))
        }
        return checks
    }
}
