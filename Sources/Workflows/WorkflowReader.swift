import Foundation
import ToolboxCore

/// Typed, strict access to a mapping of a workflow document: every read names the key path,
/// and ``finish()`` refuses any key that was not read.
struct SectionReader {
    let document: WorkflowDocument
    /// The mapping's key path (`data`, `validate.columns.age`).
    let key: String
    let members: [String: JSONValue]
    let allowed: [String]

    /// The mapping at `key` (or `value` if given), allowing only `allowed` keys.
    init(_ document: WorkflowDocument, key: String, value: JSONValue, allowed: [String]) throws {
        self.document = document
        self.key = key
        self.allowed = allowed
        guard case .object(let members) = value else {
            throw document.error("must be a mapping (\(allowed.joined(separator: ", "))), got \(Self.kind(value))", key: key)
        }
        self.members = members
        for name in members.keys.sorted() where !allowed.contains(name) {
            let near = Self.nearest(name, in: allowed).map { "; did you mean \($0)?" } ?? ""
            throw document.error("unknown key \(name) (known: \(allowed.joined(separator: ", ")))\(near)", key: path(name), atKey: true)
        }
    }

    func path(_ name: String) -> String { key.isEmpty ? name : "\(key).\(name)" }

    func has(_ name: String) -> Bool {
        if let value = members[name], value != .null { return true }
        return false
    }

    func value(_ name: String) -> JSONValue? {
        guard let value = members[name], value != .null else { return nil }
        return value
    }

    func required<T>(_ name: String, _ read: (String) throws -> T?) throws -> T {
        guard let value = try read(name) else { throw document.error("is required in \(key.isEmpty ? "the workflow" : key)", key: path(name), atKey: true) }
        return value
    }

    func string(_ name: String) throws -> String? {
        guard let value = value(name) else { return nil }
        switch value {
        case .string(let text):
            guard !text.isEmpty else { throw document.error("must not be empty", key: path(name)) }
            return text
        case .number(let number) where number.isFinite && number == number.rounded(): return String(Int(number))
        default: throw document.error("must be text, got \(Self.kind(value))", key: path(name))
        }
    }

    func number(_ name: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let value = value(name) else { return nil }
        guard case .number(let number) = value, number.isFinite else {
            throw document.error("must be a finite number, got \(Self.kind(value))", key: path(name))
        }
        if let range, !range.contains(number) {
            throw document.error("must be in \(range.lowerBound)...\(range.upperBound), got \(number)", key: path(name))
        }
        return number
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = value(name) else { return nil }
        guard case .number(let number) = value, number.isFinite, number == number.rounded(), abs(number) < 1e15 else {
            throw document.error("must be a whole number, got \(Self.kind(value))", key: path(name))
        }
        guard range.contains(Int(number)) else {
            throw document.error("must be in \(range.lowerBound)...\(range.upperBound), got \(Int(number))", key: path(name))
        }
        return Int(number)
    }

    func seed(_ name: String) throws -> UInt64? {
        try integer(name, in: 0...Int(Int32.max)).map(UInt64.init)
    }

    func flag(_ name: String) throws -> Bool? {
        guard let value = value(name) else { return nil }
        guard case .bool(let flag) = value else { throw document.error("must be true or false, got \(Self.kind(value))", key: path(name)) }
        return flag
    }

    func strings(_ name: String) throws -> [String]? {
        guard let value = value(name) else { return nil }
        if case .string(let one) = value { return [one] }
        guard case .array(let items) = value else { throw document.error("must be a list of text, got \(Self.kind(value))", key: path(name)) }
        return try items.enumerated().map { index, item in
            switch item {
            case .string(let text): return text
            case .number(let number) where number.isFinite && number == number.rounded(): return String(Int(number))
            case .bool(let flag): return String(flag)
            default: throw document.error("must be text, got \(Self.kind(item))", key: "\(path(name))[\(index)]")
            }
        }
    }

    func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let text = try string(name) else { return nil }
        guard choices.contains(text) else {
            let near = Self.nearest(text, in: choices).map { "; did you mean \($0)?" } ?? ""
            throw document.error("unknown value \(text) (one of \(choices.joined(separator: ", ")))\(near)", key: path(name))
        }
        return text
    }

    func section(_ name: String, allowed: [String]) throws -> SectionReader? {
        guard let value = value(name) else { return nil }
        return try SectionReader(document, key: path(name), value: value, allowed: allowed)
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "nothing"
        case .bool(let flag): "\(flag)"
        case .number(let number): "the number \(number)"
        case .string(let text): "the text \(ToolboxError.excerpt(text))"
        case .array: "a list"
        case .object: "a mapping"
        }
    }

    /// The closest of `names` to `name` (edit distance at most 2), for a "did you mean".
    static func nearest(_ name: String, in names: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, x) in a.enumerated() {
                var current = [i + 1]
                for (j, y) in b.enumerated() { current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))) }
                previous = current
            }
            return previous[b.count]
        }
        let scored = names.map { ($0, distance(Array(name.lowercased()), Array($0.lowercased()))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }
}
