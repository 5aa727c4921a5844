public import ToolboxCore
import Foundation
import Yams

/// A workflow file read as a tree of values, each with the line and column it was written at,
/// so that every error names the file, line, column and key (`data.target`,
/// `pipeline.steps[1].parameters.max_depth`).
///
/// YAML and JSON are both read (JSON is written as YAML's flow style); plain scalars resolve
/// as YAML 1.2's core schema does (`yes` and `no` stay text).
public struct WorkflowDocument: Sendable {
    /// The file the text came from (named in errors).
    public let path: String
    /// The document's text.
    public let text: String
    /// The whole document as a value.
    public let root: JSONValue
    /// Where each key path's value starts, and where its key is written (for mapping members).
    private let places: [String: Place]

    /// A one-based line and column.
    public struct Place: Sendable, Hashable {
        /// The one-based line.
        public var line: Int
        /// The one-based column.
        public var column: Int
    }

    /// The largest workflow file read (4 MiB).
    public static let maximumSize = 4 << 20
    /// The most values a document may expand to (aliases can make a small file huge).
    static let nodeLimit = 200_000

    /// Reads the workflow at `path`.
    /// - Throws: `ToolboxError/Code/notFound` for a missing file, `ToolboxError/Code/parseError`
    ///   for text that is not YAML or JSON (naming line and column).
    public init(contentsOf path: String) throws {
        let bytes = try RegularFile.read(path, limit: Self.maximumSize)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ToolboxError(.parseError, "\(path) is not UTF-8 text", context: ErrorContext(path: path))
        }
        try self.init(text: text, path: path)
    }

    /// Reads a workflow from `text`; `path` is named in errors and resolves relative data paths.
    public init(text: String, path: String) throws {
        self.path = path
        self.text = text
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            var context = ErrorContext(path: path)
            var place = ""
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                context.line = mark.line
                context.column = String(mark.column)
                place = ":\(mark.line):\(mark.column)"
            default: break
            }
            throw ToolboxError(.parseError, "\(path)\(place): not valid YAML or JSON: \(Self.firstLine(error))", context: context)
        } catch {
            throw ToolboxError(.parseError, "\(path): not valid YAML or JSON: \(error)", context: ErrorContext(path: path))
        }
        var places: [String: Place] = [:]
        var budget = Self.nodeLimit
        guard let node else {
            throw ToolboxError(.invalidParameter, "\(path): the workflow is empty; it needs at least a data section", context: ErrorContext(path: path, line: 1))
        }
        root = try Self.convert(node, key: "", places: &places, budget: &budget, path: path)
        self.places = places
    }

    private static func firstLine(_ error: YamlError) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    }

    private static func place(_ node: Node) -> Place? {
        node.mark.map { Place(line: $0.line, column: $0.column) }
    }

    private static func convert(_ node: Node, key: String, places: inout [String: Place], budget: inout Int, path: String) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw ToolboxError(.tooLarge, "\(path): the workflow expands to more than \(nodeLimit) values", context: ErrorContext(path: path, line: node.mark?.line))
        }
        if places[key] == nil, let place = place(node) { places[key] = place }
        switch node {
        case .scalar(let scalar):
            return scalar.style == .plain ? JSONValue.plainScalar(scalar.string) : .string(scalar.string)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, key: "\(key)[\(index)]", places: &places, budget: &budget, path: path))
            }
            return .array(items)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (name, value) in mapping {
                guard case .scalar(let scalar) = name else {
                    throw located("a key must be plain text", at: place(name), path: path, key: key)
                }
                let child = key.isEmpty ? scalar.string : "\(key).\(scalar.string)"
                guard members[scalar.string] == nil else {
                    throw located("key \(scalar.string) is given twice", at: place(name), path: path, key: child)
                }
                if let place = place(name) { places["key:" + child] = place }
                members[scalar.string] = try convert(value, key: child, places: &places, budget: &budget, path: path)
            }
            return .object(members)
        case .alias:
            throw located("YAML aliases are not supported in workflows", at: place(node), path: path, key: key)
        }
    }

    /// Where the value at `key` is written; for a key path the document lacks, its nearest
    /// enclosing value.
    public func place(of key: String) -> Place? {
        var current = key
        while true {
            if let place = places[current] { return place }
            guard let cut = current.lastIndex(where: { $0 == "." || $0 == "[" }) else { return places[""] }
            current = String(current[..<cut])
        }
    }

    /// Where the key of member `key` is written (the value's place when it has none).
    public func keyPlace(of key: String) -> Place? { places["key:" + key] ?? place(of: key) }

    /// An error about `key`: `FILE:LINE:COLUMN: KEY: message`, with the same in its context.
    public func error(_ message: String, key: String, code: ToolboxError.Code = .invalidParameter, atKey: Bool = false) -> ToolboxError {
        Self.located(message, at: atKey ? keyPlace(of: key) : place(of: key), path: path, key: key, code: code)
    }

    static func located(_ message: String, at place: Place?, path: String, key: String, code: ToolboxError.Code = .invalidParameter) -> ToolboxError {
        var context = ErrorContext(path: path, parameter: key.isEmpty ? nil : key)
        var prefix = path
        if let place {
            context.line = place.line
            context.column = String(place.column)
            prefix += ":\(place.line):\(place.column)"
        }
        return ToolboxError(code, "\(prefix): \(key.isEmpty ? "" : key + ": ")\(message)", context: context)
    }

    /// The text of the document's source (a relative path in it resolves against the workflow's folder).
    public func resolve(_ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return folder == "." || folder.isEmpty ? relative : URL(fileURLWithPath: folder).appendingPathComponent(relative).path
    }
}
