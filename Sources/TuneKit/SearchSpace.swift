import Foundation
import ToolboxCore
import Yams

/// Named distributions in order: the parameters a declarative study suggests, in the order
/// define-by-run code calling `suggest_*` in that order would suggest them.
///
/// Read from YAML or JSON in either of two forms, one per parameter:
///
/// ```yaml
/// learning_rate: {type: float, low: 0.001, high: 0.3, log: true}
/// max_leaf_nodes: {type: int, low: 8, high: 256, step: 8}
/// loss: {type: categorical, choices: [log_loss, exponential]}
/// x: {name: FloatDistribution, attributes: {low: 0.0, high: 1.0, log: false, step: null}}   # Optuna's JSON
/// ```
public struct SearchSpace: Sendable, Hashable {
    /// One parameter: its name and distribution.
    public struct Parameter: Sendable, Hashable {
        /// The parameter's name.
        public var name: String
        /// Its distribution.
        public var distribution: Distribution

        /// A parameter named `name` drawn from `distribution`.
        public init(name: String, distribution: Distribution) {
            self.name = name
            self.distribution = distribution
        }
    }

    /// The parameters, in suggestion order.
    public var parameters: [Parameter]

    /// A space of the given parameters, in order.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a name given twice.
    public init(_ parameters: [Parameter]) throws {
        var seen = Set<String>()
        for parameter in parameters where !seen.insert(parameter.name).inserted {
            throw ToolboxError(.invalidParameter, "parameter \(parameter.name) is given twice", context: ErrorContext(parameter: parameter.name))
        }
        self.parameters = parameters
    }

    /// The distribution of `name`, if the space has it.
    public subscript(name: String) -> Distribution? {
        parameters.first { $0.name == name }?.distribution
    }

    /// The parameter names, in order.
    public var names: [String] { parameters.map(\.name) }

    /// The largest space text read (1 MiB).
    public static let maximumTextSize = 1 << 20

    /// Reads a space from YAML or JSON text (see ``SearchSpace``).
    /// - Parameter source: the file the text came from, named in errors.
    /// - Parameter text: YAML or JSON, a mapping of parameter names to distributions.
    /// - Throws: `ToolboxError/Code/parseError` for text that is not YAML/JSON, naming the line
    ///   and column; `ToolboxError/Code/invalidParameter` naming the parameter and key for an
    ///   empty space, an unknown type or key, a missing or wrong-typed field, `low > high`, a log
    ///   range with `low <= 0`, or a step that does not divide the range.
    public init(text: String, source: String? = nil) throws {
        try self.init(text: text, source: source, at: [])
    }

    /// Reads the space at `keyPath` in a larger YAML or JSON document (a workflow's
    /// `tune.space`), so that errors name the document's own lines and columns.
    public init(text: String, source: String?, at keyPath: [String]) throws {
        guard text.utf8.count <= Self.maximumTextSize else {
            throw ToolboxError(.tooLarge, "a search space of \(text.utf8.count) bytes is larger than \(Self.maximumTextSize)", context: ErrorContext(path: source))
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            var context = ErrorContext(path: source)
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                context.line = mark.line
                context.column = String(mark.column)
            default: break
            }
            throw ToolboxError(.parseError, "a search space must be YAML or JSON: \(error)", context: context)
        } catch {
            throw ToolboxError(.parseError, "a search space must be YAML or JSON: \(error)", context: ErrorContext(path: source))
        }
        var reader = SpaceReader(source: source)
        var found = node
        for key in keyPath {
            var child: Node?
            if case .mapping(let members)? = found {
                for (name, value) in members where name.string == key { child = value }
            }
            guard let child else { throw reader.error("no \(keyPath.joined(separator: ".")) in the document", node: found, parameter: nil) }
            found = child
        }
        guard let node = found, case .mapping(let mapping) = node else {
            throw reader.error("a search space must be a mapping of parameter names to distributions", node: node, parameter: nil)
        }
        guard !mapping.isEmpty else { throw reader.error("the search space is empty", node: node, parameter: nil) }
        var parameters: [Parameter] = []
        for (key, value) in mapping {
            let name = try reader.name(key)
            guard !parameters.contains(where: { $0.name == name }) else {
                throw reader.error("parameter \(name) is given twice", node: key, parameter: name)
            }
            parameters.append(Parameter(name: name, distribution: try reader.distribution(value, name: name)))
        }
        try self.init(parameters)
    }

    /// Reads a space from a file, or from inline JSON/YAML when `argument` starts with `{`.
    public init(fileOrInline argument: String) throws {
        if argument.drop(while: \.isWhitespace).first == "{" {
            try self.init(text: argument, source: nil)
        } else {
            let bytes = try RegularFile.read(argument, limit: Self.maximumTextSize)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ToolboxError(.parseError, "the search space is not UTF-8 text", context: ErrorContext(path: argument))
            }
            try self.init(text: text, source: argument)
        }
    }
}

/// Walks a YAML node tree of a space, with the file, line and column of every error.
private struct SpaceReader {
    let source: String?
    /// Nodes still allowed (aliases can make a small file a huge tree).
    var budget = 100_000

    func error(_ message: String, node: Node?, parameter: String?, key: String? = nil) -> ToolboxError {
        var context = ErrorContext(path: source, parameter: parameter.map { name in key.map { "\(name).\($0)" } ?? name })
        if let mark = node?.mark {
            context.line = mark.line
            context.column = String(mark.column)
        }
        let place = parameter.map { name in key.map { "parameter \(name), key \($0): " } ?? "parameter \(name): " } ?? ""
        return ToolboxError(.invalidParameter, place + message, context: context)
    }

    mutating func spend(_ node: Node, _ parameter: String?) throws {
        budget -= 1
        guard budget >= 0 else { throw error("the search space expands to too many values", node: node, parameter: parameter) }
    }

    func name(_ key: Node) throws -> String {
        guard case .scalar(let scalar) = key, !scalar.string.isEmpty else {
            throw error("a parameter name must be non-empty text", node: key, parameter: nil)
        }
        return scalar.string
    }

    /// The mapping's members by key, in order, each key once.
    mutating func members(_ node: Node, _ parameter: String, allowed: Set<String>, key parent: String? = nil) throws -> [(String, Node, Node)] {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping", node: node, parameter: parameter, key: parent)
        }
        var out: [(String, Node, Node)] = []
        for (key, value) in mapping {
            try spend(value, parameter)
            guard case .scalar(let scalar) = key else { throw error("a key must be plain text", node: key, parameter: parameter) }
            let name = scalar.string
            guard allowed.contains(name) else {
                throw error("unknown key \(name) (known: \(allowed.sorted().joined(separator: ", ")))", node: key, parameter: parameter, key: name)
            }
            guard !out.contains(where: { $0.0 == name }) else { throw error("key \(name) is given twice", node: key, parameter: parameter, key: name) }
            out.append((name, key, value))
        }
        return out
    }

    mutating func distribution(_ node: Node, name: String) throws -> Distribution {
        try spend(node, name)
        guard case .mapping(let mapping) = node else {
            throw error("a distribution must be a mapping such as {type: float, low: 0, high: 1}", node: node, parameter: name)
        }
        let keys = Set(mapping.keys.compactMap { if case .scalar(let s) = $0 { s.string } else { nil } })
        if keys.contains("name") || keys.contains("attributes") {
            return try optunaForm(node, name: name)
        }
        let fields = try members(node, name, allowed: ["type", "low", "high", "log", "step", "choices"])
        func field(_ key: String) -> (Node, Node)? { fields.first { $0.0 == key }.map { ($0.1, $0.2) } }
        guard let (_, typeNode) = field("type") else { throw error("missing key type (float, int or categorical)", node: node, parameter: name, key: "type") }
        let type = try text(typeNode, name, "type")
        return try build(type: type, field: field, node: node, name: name)
    }

    /// `{name: FloatDistribution, attributes: {...}}`, as Optuna's `distribution_to_json` writes.
    mutating func optunaForm(_ node: Node, name: String) throws -> Distribution {
        let fields = try members(node, name, allowed: ["name", "attributes"])
        guard let typeNode = fields.first(where: { $0.0 == "name" })?.2 else { throw error("missing key name", node: node, parameter: name, key: "name") }
        guard let attributes = fields.first(where: { $0.0 == "attributes" })?.2 else {
            throw error("missing key attributes", node: node, parameter: name, key: "attributes")
        }
        let type: String
        switch try text(typeNode, name, "name") {
        case "FloatDistribution": type = "float"
        case "IntDistribution": type = "int"
        case "CategoricalDistribution": type = "categorical"
        case let other:
            throw error("unknown distribution \(other) (FloatDistribution, IntDistribution or CategoricalDistribution)", node: typeNode, parameter: name, key: "name")
        }
        let inner = try members(attributes, name, allowed: ["low", "high", "log", "step", "choices"], key: "attributes")
        return try build(type: type, field: { key in inner.first { $0.0 == key }.map { ($0.1, $0.2) } }, node: attributes, name: name)
    }

    func build(type: String, field: (String) -> (Node, Node)?, node: Node, name: String) throws -> Distribution {
        func required(_ key: String) throws -> Node {
            guard let (_, value) = field(key) else { throw error("missing key \(key)", node: node, parameter: name, key: key) }
            return value
        }
        func forbid(_ keys: [String]) throws {
            for key in keys { if let (keyNode, _) = field(key) { throw error("a \(type) distribution takes no \(key)", node: keyNode, parameter: name, key: key) } }
        }
        let log = try field("log").map { try flag($0.1, name, "log") } ?? false
        func located(_ body: () throws -> Distribution) throws -> Distribution {
            do { return try body() } catch let failure as ToolboxError {
                var located = error(failure.message.replacingOccurrences(of: "\(name): ", with: ""), node: node, parameter: name)
                located.code = failure.code
                throw located
            }
        }
        switch type {
        case "float":
            try forbid(["choices"])
            let low = try number(try required("low"), name, "low"), high = try number(try required("high"), name, "high")
            let step = try field("step").flatMap { try isNull($0.1) ? nil : number($0.1, name, "step") }
            return try located { .float(try FloatDistribution(low: low, high: high, log: log, step: step, name: name)) }
        case "int":
            try forbid(["choices"])
            let low = try integer(try required("low"), name, "low"), high = try integer(try required("high"), name, "high")
            let step = try field("step").flatMap { try isNull($0.1) ? nil : integer($0.1, name, "step") } ?? 1
            return try located { .int(try IntDistribution(low: low, high: high, log: log, step: step, name: name)) }
        case "categorical":
            try forbid(["low", "high", "log", "step"])
            let choicesNode = try required("choices")
            guard case .sequence(let sequence) = choicesNode else { throw error("choices must be a list", node: choicesNode, parameter: name, key: "choices") }
            let choices = try sequence.map { try choice($0, name) }
            return try located { .categorical(try CategoricalDistribution(choices: choices, name: name)) }
        default:
            throw error("unknown type \(type) (float, int or categorical)", node: field("type")?.1 ?? node, parameter: name, key: "type")
        }
    }

    func scalar(_ node: Node, _ name: String, _ key: String) throws -> Node.Scalar {
        guard case .scalar(let scalar) = node else { throw error("expected a single value", node: node, parameter: name, key: key) }
        return scalar
    }

    func isNull(_ node: Node) throws -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL", "None"].contains(scalar.string)
    }

    func text(_ node: Node, _ name: String, _ key: String) throws -> String {
        try scalar(node, name, key).string
    }

    func flag(_ node: Node, _ name: String, _ key: String) throws -> Bool {
        let s = try scalar(node, name, key)
        switch (s.style, s.string) {
        case (.plain, "true"), (.plain, "True"), (.plain, "TRUE"): return true
        case (.plain, "false"), (.plain, "False"), (.plain, "FALSE"): return false
        default: throw error("expected true or false, got \(s.string)", node: node, parameter: name, key: key)
        }
    }

    func number(_ node: Node, _ name: String, _ key: String) throws -> Double {
        let s = try scalar(node, name, key)
        guard s.style == .plain, let value = Self.number(s.string) else {
            throw error("expected a number, got \(s.string.isEmpty ? "nothing" : s.string)", node: node, parameter: name, key: key)
        }
        return value.value
    }

    func integer(_ node: Node, _ name: String, _ key: String) throws -> Int {
        let s = try scalar(node, name, key)
        guard s.style == .plain, let value = Self.number(s.string), value.value == value.value.rounded(), abs(value.value) < 9.0e15 else {
            throw error("expected a whole number, got \(s.string.isEmpty ? "nothing" : s.string)", node: node, parameter: name, key: key)
        }
        return Int(value.value)
    }

    /// A choice: a plain scalar resolved as YAML 1.2's core schema (whole numbers written
    /// without a fraction or exponent stay whole, as Python's `json` reads them), quoted text as text.
    func choice(_ node: Node, _ name: String) throws -> ParameterValue {
        guard case .scalar(let s) = node else { throw error("a choice must be a single value", node: node, parameter: name, key: "choices") }
        guard s.style == .plain else { return .string(s.string) }
        switch s.string {
        case "", "~", "null", "Null", "NULL": return .none
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let value = Self.number(s.string) { return value.whole ? .int(Int(value.value)) : .float(value.value) }
        return .string(s.string)
    }

    /// A YAML/JSON number (`.inf`, `.nan` included) and whether it was written as a whole number.
    static func number(_ text: String) -> (value: Double, whole: Bool)? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf": return (.infinity, false)
        case "-.inf", "-.Inf", "-.INF": return (-.infinity, false)
        case ".nan", ".NaN", ".NAN": return (.nan, false)
        default: break
        }
        guard text.range(of: #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil,
              let value = Double(text) else { return nil }
        let whole = !text.contains(".") && !text.contains("e") && !text.contains("E") && abs(value) < 9.0e15
        return (value, whole)
    }
}
