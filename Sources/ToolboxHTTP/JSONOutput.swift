import Foundation
public import ToolboxCore

/// A JSON document written in the order it is built (servers answer with fields in the order
/// their protocols list them), numbers in their shortest round-trip form.
public indirect enum JSONOutput: Sendable, Hashable {
    case object([(String, JSONOutput)])
    case array([JSONOutput])
    case string(String)
    case integer(Int64)
    /// A finite number, or NaN and ±∞ as protobuf's JSON mapping writes them (`"NaN"`,
    /// `"Infinity"`, `"-Infinity"`).
    case number(Double)
    case bool(Bool)
    case null

    public static func == (lhs: JSONOutput, rhs: JSONOutput) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// The compact JSON text.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// The UTF-8 bytes of the compact JSON text.
    public var bytes: [UInt8] { Array(text.utf8) }

    /// Appends the compact JSON text to `out`.
    public func write(to out: inout String) {
        switch self {
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += ", " }
                Self.quote(key, into: &out)
                out += ": "
                value.write(to: &out)
            }
            out += "}"
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += ", " }
                item.write(to: &out)
            }
            out += "]"
        case .string(let text): Self.quote(text, into: &out)
        case .integer(let value): out += String(value)
        case .number(let value):
            if value.isNaN { out += "\"NaN\"" } else if value == .infinity { out += "\"Infinity\"" } else if value == -.infinity { out += "\"-Infinity\"" } else { out += "\(value)" }
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        }
    }

    /// `text` as a JSON string literal, escaped as RFC 8259 requires.
    public static func quote(_ text: String, into out: inout String) { JSONValue.appendQuoted(text, to: &out) }
}
