import Foundation
public import ToolboxCore

/// A parameter's value as a trial holds it: a whole number, a real number, or a categorical
/// choice (text, a Boolean, a number or none), as Optuna's parameters are Python `int`,
/// `float`, `str`, `bool` or `None`.
public enum ParameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case float(Double)
    case string(String)
    case bool(Bool)
    case none

    /// The value as a Double, for numbers; `nil` otherwise.
    public var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .float(let value): value
        default: nil
        }
    }

    /// The value in JSON form (whole numbers without a fraction, real numbers in their shortest
    /// round-trip form).
    public var json: JSONValue {
        switch self {
        case .int(let value): .number(Double(value))
        case .float(let value): .number(value)
        case .string(let value): .string(value)
        case .bool(let value): .bool(value)
        case .none: .null
        }
    }

    /// The value as Python prints it (`3`, `0.5`, `'a'`, `True`, `None`).
    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .float(let value): "\(value)"
        case .string(let value): "'\(value)'"
        case .bool(let value): value ? "True" : "False"
        case .none: "None"
        }
    }

    /// The value with the number kind `distribution` holds: a real parameter's `1` as `1.0`, an
    /// integer parameter's `3.0` as `3` (JSON does not keep the difference).
    public func typed(for distribution: Distribution) -> ParameterValue {
        switch (distribution, self) {
        case (.float, .int(let value)): return .float(Double(value))
        case (.int, .float(let value)) where value == value.rounded() && abs(value) < 9.0e15: return .int(Int(value))
        case (.categorical(let d), _): return d.index(of: self).map { d.choices[$0] } ?? self
        default: return self
        }
    }

    /// Reads a JSON value: whole numbers as ``int(_:)`` only when `integers` asks for it.
    public init(json: JSONValue, integers: Bool = false) throws {
        switch json {
        case .null: self = .none
        case .bool(let value): self = .bool(value)
        case .string(let value): self = .string(value)
        case .number(let value):
            if integers, value == value.rounded(), abs(value) < 9.0e15 { self = .int(Int(value)) } else { self = .float(value) }
        case .array, .object:
            throw ToolboxError(.invalidParameter, "a parameter value must be a number, text, a Boolean or null")
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .none; return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Int.self) { self = .int(value); return }
        if let value = try? container.decode(Double.self) { self = .float(value); return }
        self = .string(try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .float(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .none: try container.encodeNil()
        }
    }
}

/// Real values in `low...high`: uniform, uniform in the logarithm (`log`), or on a grid of
/// `step` from `low` (Optuna's `FloatDistribution`).
public struct FloatDistribution: Sendable, Hashable {
    /// The smallest value.
    public let low: Double
    /// The largest value.
    public let high: Double
    /// Whether values are drawn uniformly in the logarithm.
    public let log: Bool
    /// The spacing of the values from `low`, or `nil` for a continuous range.
    public let step: Double?

    /// A range, checked as Optuna checks it, and more strictly: a `step` that does not divide
    /// `high - low` is refused (Optuna moves `high` down with a warning).
    /// - Throws: `ToolboxError/Code/invalidParameter` naming `name` when a bound is not
    ///   finite, `low > high`, `log` has `low <= 0`, `log` and `step` are both given, or the
    ///   step is not positive or does not divide the range.
    public init(low: Double, high: Double, log: Bool = false, step: Double? = nil, name: String = "parameter") throws {
        func fail(_ message: String) -> ToolboxError {
            ToolboxError(.invalidParameter, "\(name): \(message)", context: ErrorContext(parameter: name))
        }
        guard low.isFinite, high.isFinite else { throw fail("low and high must be finite, got low=\(low), high=\(high)") }
        guard low <= high else { throw fail("low must not exceed high, got low=\(low), high=\(high)") }
        if log {
            guard step == nil else { throw fail("log and step cannot be used together") }
            guard low > 0 else { throw fail("a log-scale range needs low > 0, got low=\(low)") }
        }
        if let step {
            guard step.isFinite, step > 0 else { throw fail("step must be positive, got \(step)") }
            guard Self.divides(step: step, low: low, high: high) else {
                throw fail("step \(step) does not divide the range [\(low), \(high)]")
            }
        }
        self.low = low
        self.high = high
        self.log = log
        self.step = step
    }

    /// Whether `step` divides `high - low`, computed in decimal from the values' shortest forms
    /// as Optuna does (`0.1` divides `[0, 1]`).
    static func divides(step: Double, low: Double, high: Double) -> Bool {
        guard let s = Decimal(string: "\(step)"), let l = Decimal(string: "\(low)"), let h = Decimal(string: "\(high)"), s > 0 else { return false }
        var quotient = (h - l) / s
        var whole = Decimal()
        NSDecimalRound(&whole, &quotient, 0, .down)
        return (h - l) - whole * s == 0
    }

    /// Whether the range holds one value.
    public var isSingle: Bool {
        if let step { return high - low < step }
        return low == high
    }

    /// Whether `value` lies in the range (on the grid, for a stepped range).
    public func contains(_ value: Double) -> Bool {
        guard value >= low, value <= high else { return false }
        guard let step else { return true }
        let k = (value - low) / step
        return abs(k - k.rounded()) < 1e-8
    }
}

/// Whole numbers in `low...high`: every `step`-th from `low`, or uniform in the logarithm
/// (`log`, step 1) (Optuna's `IntDistribution`).
public struct IntDistribution: Sendable, Hashable {
    /// The smallest value.
    public let low: Int
    /// The largest value.
    public let high: Int
    /// Whether values are drawn uniformly in the logarithm.
    public let log: Bool
    /// The spacing of the values from `low`.
    public let step: Int

    /// A range, checked as Optuna checks it, and more strictly: a `step` that does not divide
    /// `high - low` is refused.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming `name` when `low > high`, `log`
    ///   has `low < 1` or a step other than 1, or the step is not positive or does not divide
    ///   the range.
    public init(low: Int, high: Int, log: Bool = false, step: Int = 1, name: String = "parameter") throws {
        func fail(_ message: String) -> ToolboxError {
            ToolboxError(.invalidParameter, "\(name): \(message)", context: ErrorContext(parameter: name))
        }
        guard low <= high else { throw fail("low must not exceed high, got low=\(low), high=\(high)") }
        guard step > 0 else { throw fail("step must be positive, got \(step)") }
        if log {
            guard step == 1 else { throw fail("log and a step other than 1 cannot be used together") }
            guard low >= 1 else { throw fail("a log-scale range needs low >= 1, got low=\(low)") }
        }
        let (range, overflow) = high.subtractingReportingOverflow(low)
        guard !overflow, range % step == 0 else { throw fail("step \(step) does not divide the range [\(low), \(high)]") }
        self.low = low
        self.high = high
        self.log = log
        self.step = step
    }

    /// Whether the range holds one value.
    public var isSingle: Bool { high - low < step }

    /// Whether `value` lies in the range, on the grid.
    public func contains(_ value: Int) -> Bool {
        value >= low && value <= high && (value - low) % step == 0
    }
}

/// One of a list of choices (Optuna's `CategoricalDistribution`).
public struct CategoricalDistribution: Sendable, Hashable {
    /// The choices, in order; a trial's internal value is a choice's index.
    public let choices: [ParameterValue]

    /// Choices, at least one.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming `name` for an empty list.
    public init(choices: [ParameterValue], name: String = "parameter") throws {
        guard !choices.isEmpty else {
            throw ToolboxError(.invalidParameter, "\(name): choices must not be empty", context: ErrorContext(parameter: name))
        }
        self.choices = choices
    }

    /// The index of `value` among the choices (NaN equals NaN, as in Optuna).
    public func index(of value: ParameterValue) -> Int? {
        if case .float(let x) = value, x.isNaN {
            return choices.firstIndex { if case .float(let c) = $0 { c.isNaN } else { false } }
        }
        if let exact = choices.firstIndex(of: value) { return exact }
        // Python's `1 == 1.0 == True`: a number matches an equal numeric choice.
        if let number = value.number { return choices.firstIndex { $0.number == number } }
        return nil
    }
}

/// The range a parameter is drawn from.
///
/// Its JSON form is Optuna's (`distribution_to_json`):
/// `{"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0, "log": false, "step": null}}`,
/// so a study's stored distributions read in Optuna's terms.
public enum Distribution: Sendable, Hashable, Codable {
    case float(FloatDistribution)
    case int(IntDistribution)
    case categorical(CategoricalDistribution)

    /// Whether the distribution holds one value (such parameters are not searched).
    public var isSingle: Bool {
        switch self {
        case .float(let d): d.isSingle
        case .int(let d): d.isSingle
        case .categorical(let d): d.choices.count == 1
        }
    }

    /// The value a sampler works with: the number itself, or a choice's index.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming `name` for a value of the wrong
    ///   kind or outside the distribution.
    public func internalValue(_ value: ParameterValue, name: String = "parameter") throws -> Double {
        func fail(_ message: String) -> ToolboxError {
            ToolboxError(.invalidParameter, "\(name): \(message)", context: ErrorContext(parameter: name))
        }
        switch self {
        case .float(let d):
            guard let x = value.number, !x.isNaN else { throw fail("\(value) is not a real number") }
            guard d.contains(x) else { throw fail("\(value) is outside \(self)") }
            return x
        case .int(let d):
            guard let x = value.number, x == x.rounded(), abs(x) < 9.0e15 else { throw fail("\(value) is not a whole number") }
            guard d.contains(Int(x)) else { throw fail("\(value) is outside \(self)") }
            return x
        case .categorical(let d):
            guard let index = d.index(of: value) else { throw fail("\(value) is not one of the choices \(d.choices.map(\.description))") }
            return Double(index)
        }
    }

    /// The value a trial records for a sampler's internal value.
    public func externalValue(_ value: Double) -> ParameterValue {
        switch self {
        case .float: .float(value)
        case .int: .int(Int(value))
        case .categorical(let d): d.choices[min(max(Int(value), 0), d.choices.count - 1)]
        }
    }

    /// Whether a sampler's internal value lies in the distribution.
    public func containsInternal(_ value: Double) -> Bool {
        switch self {
        case .float(let d): d.contains(value)
        case .int(let d): value == value.rounded() && abs(value) < 9.0e15 && d.contains(Int(value))
        case .categorical(let d): value == value.rounded() && value >= 0 && Int(value) < d.choices.count
        }
    }

    /// The number of values the distribution holds, when finite and small enough to count.
    var valueCount: Int? {
        switch self {
        case .float(let d): d.step.map { Int(((d.high - d.low) / $0).rounded()) + 1 }
        case .int(let d): (d.high - d.low) / d.step + 1
        case .categorical(let d): d.choices.count
        }
    }
}

extension Distribution: CustomStringConvertible {
    /// The distribution as Optuna's `repr` shows it.
    public var description: String {
        switch self {
        case .float(let d): "FloatDistribution(high=\(d.high), log=\(d.log ? "True" : "False"), low=\(d.low), step=\(d.step.map { "\($0)" } ?? "None"))"
        case .int(let d): "IntDistribution(high=\(d.high), log=\(d.log ? "True" : "False"), low=\(d.low), step=\(d.step))"
        case .categorical(let d): "CategoricalDistribution(choices=(\(d.choices.map(\.description).joined(separator: ", "))))"
        }
    }
}

extension Distribution {
    private enum CodingKeys: String, CodingKey { case name, attributes }
    private enum AttributeKeys: String, CodingKey { case low, high, log, step, choices }

    /// Reads Optuna's JSON form, checking the range as the initializers do.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .name)
        let attributes = try container.nestedContainer(keyedBy: AttributeKeys.self, forKey: .attributes)
        do {
            switch name {
            case "FloatDistribution":
                self = .float(try FloatDistribution(low: try attributes.decode(Double.self, forKey: .low), high: try attributes.decode(Double.self, forKey: .high),
                                                    log: try attributes.decodeIfPresent(Bool.self, forKey: .log) ?? false,
                                                    step: try attributes.decodeIfPresent(Double.self, forKey: .step)))
            case "IntDistribution":
                self = .int(try IntDistribution(low: try attributes.decode(Int.self, forKey: .low), high: try attributes.decode(Int.self, forKey: .high),
                                                log: try attributes.decodeIfPresent(Bool.self, forKey: .log) ?? false,
                                                step: try attributes.decodeIfPresent(Int.self, forKey: .step) ?? 1))
            case "CategoricalDistribution":
                self = .categorical(try CategoricalDistribution(choices: try attributes.decode([ParameterValue].self, forKey: .choices)))
            default:
                throw DecodingError.dataCorruptedError(forKey: .name, in: container, debugDescription: "unknown distribution \(name)")
            }
        } catch let error as ToolboxError {
            throw DecodingError.dataCorruptedError(forKey: .attributes, in: container, debugDescription: error.message)
        }
    }

    /// Writes Optuna's JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .float(let d):
            try container.encode("FloatDistribution", forKey: .name)
            var attributes = container.nestedContainer(keyedBy: AttributeKeys.self, forKey: .attributes)
            try attributes.encode(d.low, forKey: .low)
            try attributes.encode(d.high, forKey: .high)
            try attributes.encode(d.log, forKey: .log)
            if let step = d.step { try attributes.encode(step, forKey: .step) } else { try attributes.encodeNil(forKey: .step) }
        case .int(let d):
            try container.encode("IntDistribution", forKey: .name)
            var attributes = container.nestedContainer(keyedBy: AttributeKeys.self, forKey: .attributes)
            try attributes.encode(d.low, forKey: .low)
            try attributes.encode(d.high, forKey: .high)
            try attributes.encode(d.log, forKey: .log)
            try attributes.encode(d.step, forKey: .step)
        case .categorical(let d):
            try container.encode("CategoricalDistribution", forKey: .name)
            var attributes = container.nestedContainer(keyedBy: AttributeKeys.self, forKey: .attributes)
            try attributes.encode(d.choices, forKey: .choices)
        }
    }
}
