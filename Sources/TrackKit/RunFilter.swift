import Foundation
import ToolboxCore

/// A run search filter in MLflow's syntax, with OR and parentheses besides AND:
///
///     metrics.rmse < 0.5 AND (params.model = 'forest' OR tags.`release candidate` = 'yes')
///     attributes.status = 'FINISHED' AND params.lr LIKE '0.0%'
///
/// Identifiers are `metrics.NAME` (the latest value by step), `params.NAME`, `tags.NAME` or
/// `attributes.NAME` (`status`, `run_name`, `run_id`, `user`, `start_time`, `end_time`); the
/// singular prefixes are accepted too, and a NAME with spaces is quoted with backticks or double
/// quotes. Comparisons are `=`, `!=`, `<`, `<=`, `>`, `>=`, `LIKE` and `ILIKE`; values are numbers
/// or quoted strings; AND binds tighter than OR.
public indirect enum RunFilter: Sendable, Hashable {
    case comparison(Field, Operator, Value)
    case and(RunFilter, RunFilter)
    case or(RunFilter, RunFilter)

    /// What a comparison reads.
    public enum Field: Sendable, Hashable {
        case metric(String)
        case param(String)
        case tag(String)
        case attribute(String)
    }

    /// How a comparison compares: MLflow's operators, with `LIKE` and `ILIKE` on text.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case like = "LIKE", caseInsensitiveLike = "ILIKE"
    }

    /// What a field is compared with: a number (metrics, times) or quoted text.
    public enum Value: Sendable, Hashable {
        case number(Double)
        case text(String)
    }

    static let attributes = ["status": "status", "run_name": "name", "run_id": "id", "user": "user", "start_time": "start_time", "end_time": "end_time"]

    /// Parses a filter.
    /// - Throws: `ToolboxError/Code/parseError` naming the position (in characters, from 0)
    ///   and what was expected there.
    public init(parsing text: String) throws {
        var parser = Parser(Array(text))
        let filter = try parser.expression()
        parser.skipSpaces()
        guard parser.position == parser.characters.count else {
            throw parser.error("expected AND, OR or the end of the filter")
        }
        self = filter
    }

    struct Parser {
        let characters: [Character]
        var position = 0
        /// Bounds on hostile filters: parentheses nest at most 32 deep, at most 200 comparisons.
        var depth = 0
        var comparisons = 0
        static let maximumDepth = 32, maximumComparisons = 200

        init(_ characters: [Character]) { self.characters = characters }

        func error(_ message: String) -> ToolboxError {
            ToolboxError(.parseError, "filter: \(message) at position \(position)", context: ErrorContext(byteOffset: position, parameter: "filter"))
        }

        mutating func skipSpaces() { while position < characters.count && characters[position].isWhitespace { position += 1 } }

        mutating func keyword(_ word: String) -> Bool {
            skipSpaces()
            let end = position + word.count
            guard end <= characters.count, String(characters[position..<end]).uppercased() == word else { return false }
            if end < characters.count, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" { return false }
            position = end
            return true
        }

        mutating func expression() throws -> RunFilter {
            var left = try term()
            while keyword("OR") { left = .or(left, try term()) }
            return left
        }

        mutating func term() throws -> RunFilter {
            var left = try factor()
            while keyword("AND") { left = .and(left, try factor()) }
            return left
        }

        mutating func factor() throws -> RunFilter {
            skipSpaces()
            if position < characters.count && characters[position] == "(" {
                guard depth < Self.maximumDepth else { throw error("parentheses nest deeper than \(Self.maximumDepth)") }
                position += 1
                depth += 1
                defer { depth -= 1 }
                let inner = try expression()
                skipSpaces()
                guard position < characters.count && characters[position] == ")" else { throw error("expected )") }
                position += 1
                return inner
            }
            guard comparisons < Self.maximumComparisons else { throw error("more than \(Self.maximumComparisons) comparisons") }
            comparisons += 1
            let field = try self.field()
            let op = try self.comparisonOperator()
            let value = try self.value()
            if case .metric = field, case .text = value { throw error("a metric compares with a number") }
            if op == .like || op == .caseInsensitiveLike, case .number = value { throw error("LIKE compares with a quoted string") }
            return .comparison(field, op, value)
        }

        mutating func name() throws -> String {
            skipSpaces()
            guard position < characters.count else { throw error("expected a name") }
            let quote = characters[position]
            if quote == "`" || quote == "\"" {
                position += 1
                let start = position
                while position < characters.count && characters[position] != quote { position += 1 }
                guard position < characters.count else { position = start - 1; throw error("unterminated \(quote)") }
                defer { position += 1 }
                return String(characters[start..<position])
            }
            let start = position
            while position < characters.count && (characters[position].isLetter || characters[position].isNumber || "_-/:".contains(characters[position])) {
                position += 1
            }
            guard position > start else { throw error("expected a name") }
            return String(characters[start..<position])
        }

        mutating func field() throws -> Field {
            skipSpaces()
            let start = position
            let kind = try name().lowercased()
            guard position < characters.count, characters[position] == "." else {
                position = start
                throw error("expected metrics., params., tags. or attributes. before a name")
            }
            position += 1
            let keyStart = position
            let key = try name()
            switch kind {
            case "metrics", "metric": return .metric(key)
            case "params", "param", "parameters": return .param(key)
            case "tags", "tag": return .tag(key)
            case "attributes", "attribute", "attr", "run":
                guard RunFilter.attributes[key] != nil else {
                    position = keyStart
                    throw error("unknown attribute \(key); attributes are \(RunFilter.attributes.keys.sorted().joined(separator: ", "))")
                }
                return .attribute(key)
            default:
                position = start
                throw error("\(kind) is not metrics, params, tags or attributes")
            }
        }

        mutating func comparisonOperator() throws -> Operator {
            skipSpaces()
            for symbol in ["<=", ">=", "!=", "=", "<", ">"] {
                let end = position + symbol.count
                if end <= characters.count, String(characters[position..<end]) == symbol {
                    position = end
                    return Operator(rawValue: symbol)!
                }
            }
            if keyword("ILIKE") { return .caseInsensitiveLike }
            if keyword("LIKE") { return .like }
            throw error("expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE)")
        }

        mutating func value() throws -> Value {
            skipSpaces()
            guard position < characters.count else { throw error("expected a value") }
            let quote = characters[position]
            if quote == "'" || quote == "\"" {
                position += 1
                let start = position
                while position < characters.count && characters[position] != quote { position += 1 }
                guard position < characters.count else { position = start - 1; throw error("unterminated string") }
                defer { position += 1 }
                return .text(String(characters[start..<position]))
            }
            let start = position
            while position < characters.count && (characters[position].isNumber || "+-.eE".contains(characters[position]) || characters[position].isLetter) {
                position += 1
            }
            let text = String(characters[start..<position])
            guard let number = Double(text), !text.isEmpty else {
                position = start
                throw error("expected a number or a quoted string")
            }
            return .number(number)
        }
    }

    /// How a comparison on metrics, params or tags reads its table: as the list of matching
    /// runs (`runs.id IN (...)`, an index range scan that drives the query) or as a check per
    /// run (`EXISTS (...)`, a primary-key lookup for runs another condition found).
    enum Form { case list, check }

    /// The top-level AND terms.
    var conjuncts: [RunFilter] {
        if case .and(let a, let b) = self { return a.conjuncts + b.conjuncts }
        return [self]
    }

    /// The top-level OR terms.
    var disjuncts: [RunFilter] {
        if case .or(let a, let b) = self { return a.disjuncts + b.disjuncts }
        return [self]
    }

    /// The SQL condition on `runs` and its arguments.
    func sql(_ form: Form = .list) -> (condition: String, arguments: [any Sendable & Hashable]) {
        switch self {
        case .and, .or:
            // A chain of one operator is one flat group, so SQLite's parser never sees deeper
            // nesting than the filter's own parentheses.
            let isAnd = if case .and = self { true } else { false }
            var parts: [String] = [], arguments: [any Sendable & Hashable] = []
            for term in isAnd ? conjuncts : disjuncts {
                let (condition, termArguments) = term.sql(form)
                parts.append(condition)
                arguments += termArguments
            }
            return ("(" + parts.joined(separator: isAnd ? " AND " : " OR ") + ")", arguments)
        case .comparison(let field, _, _):
            guard let (table, key) = Self.keyed(field) else { return test(operand: Self.operand(field)) }
            let (condition, arguments) = test(operand: ("value", []))
            switch form {
            case .list: return ("runs.id IN (SELECT run_id FROM \(table) WHERE key = ? AND \(condition))", [key] + arguments)
            case .check: return ("EXISTS (SELECT 1 FROM \(table) WHERE run_id = runs.id AND key = ? AND \(condition))", [key] + arguments)
            }
        }
    }

    /// A query counting (up to `cap`) the runs a term selects, to choose the term that drives a
    /// search; nil for terms that are not a comparison on metrics, params or tags.
    func countSQL(cap: Int) -> (String, [any Sendable & Hashable])? {
        guard case .comparison(let field, _, _) = self, let (table, key) = Self.keyed(field) else { return nil }
        let (condition, arguments) = test(operand: ("value", []))
        return ("SELECT COUNT(*) FROM (SELECT 1 FROM \(table) WHERE key = ? AND \(condition) LIMIT \(cap))", [key] + arguments)
    }

    /// The table and key a field reads (nil for attributes). A run without the key passes no
    /// comparison, as in MLflow.
    static func keyed(_ field: Field) -> (String, String)? {
        switch field {
        case .metric(let name): ("latest_metrics", name)
        case .param(let name): ("params", name)
        case .tag(let name): ("tags", name)
        case .attribute: nil
        }
    }

    /// A comparison's test on an operand.
    private func test(operand: (String, [any Sendable & Hashable])) -> (String, [any Sendable & Hashable]) {
        guard case .comparison(_, let op, let value) = self else { return ("1", []) }
        let argument: any Sendable & Hashable = switch value {
        case .number(let number): number
        case .text(let text): text
        }
        switch op {
        case .like:
            // LIKE is case-sensitive, as in MLflow: the pattern runs as a GLOB.
            if case .text(let pattern) = value { return ("\(operand.0) GLOB ?", operand.1 + [Self.glob(fromLike: pattern)]) }
            return ("\(operand.0) LIKE ?", operand.1 + [argument])
        case .caseInsensitiveLike: return ("LOWER(\(operand.0)) LIKE LOWER(?)", operand.1 + [argument])
        default: return ("\(operand.0) \(op.rawValue) ?", operand.1 + [argument])
        }
    }

    /// A LIKE pattern (`%` any run, `_` one character) as the GLOB pattern matching the same
    /// strings, case-sensitively.
    static func glob(fromLike pattern: String) -> String {
        var out = ""
        for character in pattern {
            switch character {
            case "%": out += "*"
            case "_": out += "?"
            case "*": out += "[*]"
            case "?": out += "[?]"
            case "[": out += "[[]"
            default: out.append(character)
            }
        }
        return out
    }

    /// The SQL expression a field reads, and its arguments.
    static func operand(_ field: Field) -> (String, [any Sendable & Hashable]) {
        switch field {
        case .metric(let key):
            return ("(SELECT value FROM latest_metrics m WHERE m.run_id = runs.id AND m.key = ?)", [key])
        case .param(let key):
            return ("(SELECT value FROM params p WHERE p.run_id = runs.id AND p.key = ?)", [key])
        case .tag(let key):
            return ("(SELECT value FROM tags t WHERE t.run_id = runs.id AND t.key = ?)", [key])
        case .attribute(let key):
            return ("runs.\(attributes[key] ?? "id")", [])
        }
    }
}

extension RunFilter {
    /// The filter as text in MLflow's grammar (parsing it gives this filter back); `OR` and
    /// parentheses are TrackKit's, which a stock MLflow server does not take.
    public var text: String {
        switch self {
        case .and(let a, let b): "(\(a.text) AND \(b.text))"
        case .or(let a, let b): "(\(a.text) OR \(b.text))"
        case .comparison(let field, let op, let value):
            "\(field.text) \(op.rawValue) \(value.text)"
        }
    }
}

extension RunFilter.Field {
    /// The field as a filter writes it: `metrics.NAME`, `params.NAME`, `tags.NAME` or `attributes.NAME` (a NAME with spaces in backticks).
    public var text: String {
        switch self {
        case .metric(let name): "metrics.`\(name)`"
        case .param(let name): "params.`\(name)`"
        case .tag(let name): "tags.`\(name)`"
        case .attribute(let name): "attributes.\(name)"
        }
    }
}

extension RunFilter.Value {
    /// A number in its shortest round-trip form, or a quoted string.
    public var text: String {
        switch self {
        case .number(let number): "\(number)"
        case .text(let text): text.contains("'") ? "\"\(text)\"" : "'\(text)'"
        }
    }
}

extension RunOrder {
    /// `FIELD ASC|DESC` in MLflow's grammar.
    public var text: String { "\(field.text) \(descending ? "DESC" : "ASC")" }
}

/// How searched runs are ordered: `metrics.rmse DESC`, `attributes.start_time`, ...
public struct RunOrder: Sendable, Hashable {
    /// What to order by (a metric, a parameter, a tag, an attribute).
    public var field: RunFilter.Field
    /// Largest first.
    public var descending: Bool

    /// Parses `FIELD [ASC|DESC]`.
    /// - Throws: `ToolboxError/Code/parseError` naming the position.
    public init(parsing text: String) throws {
        var parser = RunFilter.Parser(Array(text))
        field = try parser.field()
        if parser.keyword("DESC") { descending = true } else { _ = parser.keyword("ASC"); descending = false }
        parser.skipSpaces()
        guard parser.position == parser.characters.count else { throw parser.error("expected ASC, DESC or the end") }
    }
}
