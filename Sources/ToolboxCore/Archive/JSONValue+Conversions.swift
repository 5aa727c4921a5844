import Foundation
import Yams

extension JSONValue {
    /// The JSON form of any `Encodable` value (with NaN and ±Inf as the archive writes them).
    public init<Value: Encodable>(encoding value: Value) throws {
        let data = try ModelArchive.makeEncoder().encode(value)
        self = try ModelArchive.makeDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes a `Decodable` value from this JSON value.
    public func decoded<Value: Decodable>(as type: Value.Type) throws -> Value {
        let data = try ModelArchive.makeEncoder().encode(self)
        return try ModelArchive.makeDecoder().decode(Value.self, from: data)
    }

    /// Parses JSON text.
    /// - Throws: ``ToolboxError/Code/parseError`` for text that is not JSON.
    public init(jsonText: String) throws {
        do {
            self = try ModelArchive.makeDecoder().decode(JSONValue.self, from: Data(jsonText.utf8))
        } catch {
            throw ToolboxError(.parseError, "not valid JSON: \(error)")
        }
    }

    /// A value as a command line gives it: JSON when the text parses as JSON (`5`, `0.5`,
    /// `true`, `null`, `{"yes": 2}`), otherwise the text as a string (`sqrt`, `balanced`).
    public init(commandLineText text: String) {
        if let value = try? JSONValue(jsonText: text) {
            self = value
        } else if let first = text.first(where: { !$0.isWhitespace }), first == "{" || first == "[",
                  let value = try? JSONValue(yamlText: text), value.isCollection {
            // A YAML flow collection, as a workflow file writes it: {yes: 2, no: 1}, [[0, 1], [2]].
            self = value
        } else {
            self = .string(text)
        }
    }

    private var isCollection: Bool {
        switch self {
        case .array, .object: true
        default: false
        }
    }

    /// `other` merged over this value: objects merge key by key, recursively; anything else
    /// is replaced. Nested groups of parameters keep the defaults they do not mention.
    public func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var base) = self, case .object(let overrides) = other else { return other }
        for (key, value) in overrides {
            base[key] = base[key].map { $0.merging(value) } ?? value
        }
        return .object(base)
    }

    /// The whole value as compact JSON text (keys sorted; NaN and ±Inf as the archive writes
    /// them), for storing: unlike ``compactDescription`` nothing is cut.
    public var jsonText: String {
        let encoder = ModelArchive.makeEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// `text` as a JSON string literal appended to `out`, escaped as RFC 8259 requires (quotes,
    /// backslashes, control characters; everything else as it is).
    public static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// `text` as a JSON string literal (see ``appendQuoted(_:to:)``).
    public static func quoted(_ text: String) -> String {
        var out = ""
        appendQuoted(text, to: &out)
        return out
    }

    /// A short rendering for error messages: JSON, with long values cut.
    public var compactDescription: String {
        let text: String
        switch self {
        case .null: text = "null"
        case .bool(let flag): text = flag ? "true" : "false"
        case .number(let number):
            text = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
        case .string(let string): text = "\"\(string)\""
        case .array, .object:
            let data = (try? ModelArchive.makeEncoder().encode(self)) ?? Data()
            text = String(decoding: data, as: UTF8.self)
        }
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}

extension JSONValue {
    /// The most nodes a YAML document may expand to (aliases included): a bound on memory and
    /// time for hostile input ("billion laughs").
    public static let yamlNodeLimit = 1_000_000

    /// Parses YAML text with YAML 1.2's core schema: `true`/`false` (not `yes`/`no`, which stay
    /// strings, as do quoted scalars), `null`/`~`/empty, numbers including `.inf` and `.nan`,
    /// everything else a string. Mapping keys are always their text.
    /// - Throws: ``ToolboxError/Code/parseError`` naming the line and column of a syntax error,
    ///   a duplicate key, or a document that expands past ``yamlNodeLimit`` nodes.
    public init(yamlText: String) throws {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yamlText)
        } catch let error as YamlError {
            throw ToolboxError(.parseError, "not valid YAML: \(error)", context: ErrorContext(line: Self.line(of: error)))
        } catch {
            throw ToolboxError(.parseError, "not valid YAML: \(error)")
        }
        guard let node else {
            self = .null
            return
        }
        var budget = Self.yamlNodeLimit
        self = try Self.convert(node, budget: &budget)
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func convert(_ node: Node, budget: inout Int) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw ToolboxError(.parseError, "YAML document expands to more than \(yamlNodeLimit) values",
                               context: ErrorContext(line: node.mark?.line))
        }
        switch node {
        case .scalar(let scalar):
            return scalar.style == .plain ? plainScalar(scalar.string) : .string(scalar.string)
        case .sequence(let sequence):
            return .array(try sequence.map { try convert($0, budget: &budget) })
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ToolboxError(.parseError, "a mapping key must be a plain value", context: ErrorContext(line: key.mark?.line))
                }
                guard members[keyScalar.string] == nil else {
                    throw ToolboxError(.parseError, "key \(keyScalar.string) appears twice in one mapping",
                                       context: ErrorContext(line: key.mark?.line, parameter: keyScalar.string))
                }
                members[keyScalar.string] = try convert(value, budget: &budget)
            }
            return .object(members)
        case .alias:
            throw ToolboxError(.parseError, "unresolved YAML alias", context: ErrorContext(line: node.mark?.line))
        }
    }

    /// YAML 1.2 core schema resolution of a plain scalar (hexadecimal and octal integers too).
    package static func plainScalar(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .number(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .number(-.infinity)
        case ".nan", ".NaN", ".NAN": return .number(.nan)
        default: break
        }
        let isNumber = text.range(of: #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil
        if isNumber, let number = Double(text) { return .number(number) }
        if text.hasPrefix("0x"), let number = Int(text.dropFirst(2), radix: 16) { return .number(Double(number)) }
        if text.hasPrefix("0o"), let number = Int(text.dropFirst(2), radix: 8) { return .number(Double(number)) }
        return .string(text)
    }
}
