/// The kind of value a hyperparameter takes, with its allowed range or values.
public indirect enum HyperparameterKind: Sendable, Hashable, CustomStringConvertible {
    /// `true` or `false`.
    case bool
    /// A whole number in `minimum...maximum` (either end open when `nil`).
    case integer(minimum: Int?, maximum: Int?)
    /// A real number between the bounds; `exclusiveMinimum` makes the lower bound open.
    case real(minimum: Double?, maximum: Double?, exclusiveMinimum: Bool)
    /// One of a fixed set of names.
    case choice([String])
    /// The inner kind, or `null` for "none".
    case optional(HyperparameterKind)
    /// Any one of several kinds (scikit-learn's `max_features: "sqrt" | 0.5 | 10`).
    case oneOf([HyperparameterKind])
    /// A mapping from names to values of the inner kind (`class_weight: {yes: 2, no: 1}`).
    case mapping(HyperparameterKind)
    /// A seed for the random generator: a whole number in `0...maximum`.
    case seed(maximum: UInt64)
    /// A list of exactly `count` values of the inner kind (`feature_range: [0, 1]`).
    case list(HyperparameterKind, count: Int)
    /// A list of any length (including empty) of values of the inner kind (`lags: [1, 7]`).
    case sequence(HyperparameterKind)
    /// A piece of text, such as a column name.
    case text
    /// A structured value (nested estimators, say) that its hyperparameter checks itself.
    case structured(String)

    public var description: String {
        switch self {
        case .bool: return "true or false"
        case .integer(let minimum, let maximum):
            return "an integer" + Self.range(minimum.map(String.init), maximum.map(String.init), open: false)
        case .real(let minimum, let maximum, let open):
            return "a number" + Self.range(minimum.map { "\($0)" }, maximum.map { "\($0)" }, open: open)
        case .choice(let names): return "one of " + names.joined(separator: ", ")
        case .optional(let inner): return "\(inner), or null"
        case .oneOf(let kinds): return kinds.map(\.description).joined(separator: "; or ")
        case .mapping(let inner): return "a mapping from names to \(inner)"
        case .seed(let maximum): return "a seed, an integer in 0...\(maximum)"
        case .list(let inner, let count): return "a list of \(count) values, each \(inner)"
        case .sequence(let inner): return "a list of values, each \(inner)"
        case .text: return "text"
        case .structured(let description): return description
        }
    }

    private static func range(_ low: String?, _ high: String?, open: Bool) -> String {
        switch (low, high) {
        case (nil, nil): ""
        case (let low?, nil): open ? " greater than \(low)" : " of at least \(low)"
        case (nil, let high?): " of at most \(high)"
        case (let low?, let high?): open ? " in (\(low), \(high)]" : " in [\(low), \(high)]"
        }
    }

    /// Whether `value` is of this kind and within its range.
    public func accepts(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.bool, .bool): return true
        case (.integer(let minimum, let maximum), .number(let number)):
            guard number == number.rounded(), abs(number) < 9.0e15 else { return false }
            return minimum.map { number >= Double($0) } ?? true && (maximum.map { number <= Double($0) } ?? true)
        case (.real(let minimum, let maximum, let open), .number(let number)):
            guard number.isFinite else { return false }
            if let minimum, open ? number <= minimum : number < minimum { return false }
            if let maximum, number > maximum { return false }
            return true
        case (.choice(let names), .string(let name)): return names.contains(name)
        case (.optional, .null): return true
        case (.optional(let inner), _): return inner.accepts(value)
        case (.oneOf(let kinds), _): return kinds.contains { $0.accepts(value) }
        case (.mapping(let inner), .object(let members)): return members.values.allSatisfy(inner.accepts)
        case (.seed(let maximum), .number(let number)):
            return number >= 0 && number == number.rounded() && number <= Double(maximum)
        case (.structured, _): return true
        case (.list(let inner, let count), .array(let items)):
            return items.count == count && items.allSatisfy(inner.accepts)
        case (.sequence(let inner), .array(let items)): return items.allSatisfy(inner.accepts)
        case (.text, .string): return true
        default: return false
        }
    }
}

/// What a hyperparameter is, for help texts, workflow validation and search spaces.
public struct HyperparameterDescription: Sendable, Hashable, Codable {
    /// The snake_case name, as scikit-learn spells it (`step__name` inside a pipeline).
    public var name: String
    /// The allowed values, in words (``HyperparameterKind/description``).
    public var type: String
    /// The default value.
    public var defaultValue: JSONValue
    /// What it does, in one line.
    public var summary: String
    /// Where a search looks by default, for numeric hyperparameters worth tuning; `nil` for the
    /// others. TuneKit builds an estimator's default search space from these.
    public var searchHint: SearchHint?
    /// The kind, for programs (TuneKit builds search spaces from it).
    public var kind: HyperparameterKind {
        get { storedKind }
        set { storedKind = newValue; type = newValue.description }
    }
    private var storedKind: HyperparameterKind

    /// Describes the hyperparameter `name`: its kind, default, one-line summary and, for numbers, the range a search draws from.
    public init(name: String, kind: HyperparameterKind, defaultValue: JSONValue, summary: String, searchHint: SearchHint? = nil) {
        self.name = name
        self.type = kind.description
        self.defaultValue = defaultValue
        self.summary = summary
        self.searchHint = searchHint
        self.storedKind = kind
    }

    private enum CodingKeys: String, CodingKey { case name, type, defaultValue = "default", summary, kind, searchHint = "search" }

    /// Decodes a description; one written before kinds were saved (no `kind` key) keeps its
    /// words as a ``HyperparameterKind/structured(_:)`` kind.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        type = try c.decode(String.self, forKey: .type)
        defaultValue = try c.decode(JSONValue.self, forKey: .defaultValue)
        summary = try c.decode(String.self, forKey: .summary)
        searchHint = try c.decodeIfPresent(SearchHint.self, forKey: .searchHint)
        storedKind = try c.decodeIfPresent(HyperparameterKind.self, forKey: .kind) ?? .structured(type)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(defaultValue, forKey: .defaultValue)
        try c.encode(summary, forKey: .summary)
        try c.encode(storedKind, forKey: .kind)
        try c.encodeIfPresent(searchHint, forKey: .searchHint)
    }
}

/// One hyperparameter of `Root`: its description and how to read and write it as JSON.
public struct Hyperparameter<Root>: Sendable {
    /// The snake_case name.
    public let name: String
    /// The values it takes.
    public let kind: HyperparameterKind
    /// What it does, in one line.
    public let summary: String
    /// Where a search looks by default (``hinted(_:)``); `nil` when it is not worth tuning.
    public private(set) var searchHint: SearchHint?
    let read: @Sendable (Root) -> JSONValue
    let write: @Sendable (inout Root, JSONValue) throws -> Void

    /// A hyperparameter with its own conversion to and from JSON; `decode` is called only with
    /// values `kind` accepts.
    public init(_ name: String, kind: HyperparameterKind, summary: String,
                read: @escaping @Sendable (Root) -> JSONValue,
                write: @escaping @Sendable (inout Root, JSONValue) throws -> Void) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.read = read
        self.write = write
    }

    /// A boolean stored at `keyPath`.
    public static func bool(_ name: String, _ keyPath: any WritableKeyPath<Root, Bool> & Sendable, _ summary: String) -> Self {
        Self(name, kind: .bool, summary: summary, read: { .bool($0[keyPath: keyPath]) },
             write: { root, value in if case .bool(let flag) = value { root[keyPath: keyPath] = flag } })
    }

    /// An integer stored at `keyPath`, within the bounds.
    public static func integer(_ name: String, _ keyPath: any WritableKeyPath<Root, Int> & Sendable, minimum: Int? = nil,
                               maximum: Int? = nil, _ summary: String) -> Self {
        Self(name, kind: .integer(minimum: minimum, maximum: maximum), summary: summary,
             read: { .number(Double($0[keyPath: keyPath])) },
             write: { root, value in if case .number(let number) = value { root[keyPath: keyPath] = Int(number) } })
    }

    /// An integer or `null` (none) stored at `keyPath`.
    public static func optionalInteger(_ name: String, _ keyPath: any WritableKeyPath<Root, Int?> & Sendable, minimum: Int? = nil,
                                       _ summary: String) -> Self {
        Self(name, kind: .optional(.integer(minimum: minimum, maximum: nil)), summary: summary,
             read: { $0[keyPath: keyPath].map { .number(Double($0)) } ?? .null },
             write: { root, value in
                 if case .number(let number) = value { root[keyPath: keyPath] = Int(number) } else { root[keyPath: keyPath] = nil }
             })
    }

    /// A real number stored at `keyPath`, within the bounds.
    public static func real(_ name: String, _ keyPath: any WritableKeyPath<Root, Double> & Sendable, minimum: Double? = nil,
                            maximum: Double? = nil, exclusiveMinimum: Bool = false, _ summary: String) -> Self {
        Self(name, kind: .real(minimum: minimum, maximum: maximum, exclusiveMinimum: exclusiveMinimum), summary: summary,
             read: { .number($0[keyPath: keyPath]) },
             write: { root, value in if case .number(let number) = value { root[keyPath: keyPath] = number } })
    }

    /// Text stored at `keyPath` (a column name, say).
    public static func text(_ name: String, _ keyPath: any WritableKeyPath<Root, String> & Sendable, _ summary: String) -> Self {
        Self(name, kind: .text, summary: summary, read: { .string($0[keyPath: keyPath]) },
             write: { root, value in if case .string(let text) = value { root[keyPath: keyPath] = text } })
    }

    /// Text or `null` (none) stored at `keyPath`.
    public static func optionalText(_ name: String, _ keyPath: any WritableKeyPath<Root, String?> & Sendable, _ summary: String) -> Self {
        Self(name, kind: .optional(.text), summary: summary, read: { $0[keyPath: keyPath].map(JSONValue.string) ?? .null },
             write: { root, value in
                 if case .string(let text) = value { root[keyPath: keyPath] = text } else { root[keyPath: keyPath] = nil }
             })
    }

    /// A list of any length of values of `Element`'s Codable form, each of kind `element`.
    public static func sequence<Element: Codable & Sendable>(
        _ name: String, _ keyPath: any WritableKeyPath<Root, [Element]> & Sendable, of element: HyperparameterKind, _ summary: String
    ) -> Self {
        coded(name, keyPath, kind: .sequence(element), summary)
    }

    /// One of an enumeration's cases, by raw value.
    public static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ keyPath: any WritableKeyPath<Root, Value> & Sendable, _ summary: String
    ) -> Self where Value.RawValue == String {
        Self(name, kind: .choice(Value.allCases.map(\.rawValue)), summary: summary,
             read: { .string($0[keyPath: keyPath].rawValue) },
             write: { root, value in
                 if case .string(let raw) = value, let choice = Value(rawValue: raw) { root[keyPath: keyPath] = choice }
             })
    }

    /// A seed for a random generator that takes at most `maximum` (NumPy's `RandomState` takes
    /// 32 bits): larger seeds are rejected, never truncated.
    public static func seed(_ name: String, _ keyPath: any WritableKeyPath<Root, UInt64> & Sendable, maximum: UInt64 = UInt64(UInt32.max),
                            _ summary: String) -> Self {
        Self(name, kind: .seed(maximum: maximum), summary: summary,
             read: { .number(Double($0[keyPath: keyPath])) },
             write: { root, value in if case .number(let number) = value { root[keyPath: keyPath] = UInt64(number) } })
    }

    /// A nested value of its own Codable form, checked against `kind` before decoding.
    public static func coded<Value: Codable & Sendable>(_ name: String, _ keyPath: any WritableKeyPath<Root, Value> & Sendable,
                                                        kind: HyperparameterKind, _ summary: String) -> Self {
        Self(name, kind: kind, summary: summary,
             read: { root in (try? JSONValue(encoding: root[keyPath: keyPath])) ?? .null },
             write: { root, value in root[keyPath: keyPath] = try value.decoded(as: Value.self) })
    }
}

extension Hyperparameter {
    /// The same hyperparameter of a value that `Outer` keeps at `keyPath` (a group of
    /// parameters shared by several estimators).
    public func lifted<Outer>(_ keyPath: any WritableKeyPath<Outer, Root> & Sendable) -> Hyperparameter<Outer> {
        let read = self.read, write = self.write
        var outer = Hyperparameter<Outer>(name, kind: kind, summary: summary,
                                          read: { read($0[keyPath: keyPath]) },
                                          write: { outer, value in try write(&outer[keyPath: keyPath], value) })
        outer.searchHint = searchHint
        return outer
    }

    /// The same hyperparameter with a default search range (`learning_rate` log-uniform in
    /// [0.01, 1], `max_leaf_nodes` an integer in [8, 256]).
    public func hinted(_ hint: SearchHint) -> Self {
        var copy = self
        copy.searchHint = hint
        return copy
    }
}

/// An estimator whose hyperparameters are described one by one, so it is built from YAML/JSON in
/// the shape a scikit-learn user writes (`max_depth: 5`, `max_features: sqrt`,
/// `class_weight: balanced`), described for help texts and search spaces, and saved in that
/// same shape.
///
/// Conforming supplies ``hyperparameterSchema``; `Codable` comes with it: an estimator encodes
/// as `{snake_case_name: value}` and decodes by applying the given keys over its defaults,
/// rejecting unknown keys and values of the wrong kind with the key and the allowed values named.
public protocol Configurable: DefaultInitializable, Codable, Tunable {
    /// Every hyperparameter, in the order help texts list them.
    static var hyperparameterSchema: [Hyperparameter<Self>] { get }
}

extension Configurable {
    /// Name, kind, default value and meaning of each hyperparameter.
    public static var hyperparameterDescriptions: [HyperparameterDescription] {
        let defaults = Self()
        return hyperparameterSchema.map {
            HyperparameterDescription(name: $0.name, kind: $0.kind, defaultValue: $0.read(defaults), summary: $0.summary,
                                      searchHint: $0.searchHint)
        }
    }

    /// The hyperparameters' values by name.
    public var hyperparameterValues: [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for parameter in Self.hyperparameterSchema { values[parameter.name] = parameter.read(self) }
        return values
    }

    /// A copy with `values` applied over this estimator's hyperparameters.
    ///
    /// Keys are the snake_case names; `path` prefixes them in errors (`steps[1].parameters`).
    /// - Throws: ``ToolboxError/Code/invalidParameter`` naming the key for an unknown key (with
    ///   the known ones) or a value of the wrong kind or out of range (with the allowed values).
    public func setting(_ values: [String: JSONValue], path: String? = nil) throws -> Self {
        var result = self
        let table = Dictionary(Self.hyperparameterSchema.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            let qualified = path.map { "\($0).\(key)" } ?? key
            guard let parameter = table[key] else {
                let known = Self.hyperparameterSchema.map(\.name).joined(separator: ", ")
                throw ToolboxError(.invalidParameter, "\(Self.self) has no hyperparameter \(key); it has \(known)",
                                   context: ErrorContext(parameter: qualified))
            }
            guard parameter.kind.accepts(value) else {
                throw ToolboxError(.invalidParameter, "\(qualified) is \(value.compactDescription), but it takes \(parameter.kind)",
                                   context: ErrorContext(parameter: qualified))
            }
            do {
                try parameter.write(&result, value)
            } catch var error as ToolboxError {
                error.context.parameter = error.context.parameter ?? qualified
                throw error
            } catch {
                throw ToolboxError(.invalidParameter, "\(qualified) is \(value.compactDescription), but it takes \(parameter.kind)",
                                   context: ErrorContext(parameter: qualified))
            }
        }
        return result
    }

    /// The estimator with defaults and `values` applied; see ``setting(_:path:)``.
    public init(hyperparameters values: [String: JSONValue], path: String? = nil) throws {
        self = try Self().setting(values, path: path)
    }

    /// Sets one hyperparameter from text as a command line gives it (`max_depth=5`,
    /// `max_features=sqrt`, `class_weight={"yes": 2}`): JSON when it parses as JSON, a
    /// string otherwise.
    public func setting(_ name: String, text: String) throws -> Self {
        try setting([name: JSONValue(commandLineText: text)])
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(JSONValue.self)
        guard case .object(let members) = value else {
            throw ToolboxError(.invalidParameter, "\(Self.self) hyperparameters must be a mapping, got \(value.compactDescription)")
        }
        self = try Self().setting(members)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(JSONValue.object(hyperparameterValues))
    }
}
