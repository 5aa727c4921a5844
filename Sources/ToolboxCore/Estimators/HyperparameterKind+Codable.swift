/// A kind saves as a tagged mapping (`{"kind": "integer", "minimum": 1, "maximum": null}`), so a
/// description read back from JSON (a workflow's schema, a server's model card) keeps it.
extension HyperparameterKind: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, minimum, maximum, exclusiveMinimum = "exclusive_minimum", choices, inner, kinds, count, description
    }

    private enum Tag: String, Codable {
        case bool, integer, real, choice, optional, oneOf = "one_of", mapping, seed, list, sequence, text, structured
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Tag.self, forKey: .kind) {
        case .bool: self = .bool
        case .integer:
            self = .integer(minimum: try c.decodeIfPresent(Int.self, forKey: .minimum),
                            maximum: try c.decodeIfPresent(Int.self, forKey: .maximum))
        case .real:
            self = .real(minimum: try c.decodeIfPresent(Double.self, forKey: .minimum),
                         maximum: try c.decodeIfPresent(Double.self, forKey: .maximum),
                         exclusiveMinimum: try c.decodeIfPresent(Bool.self, forKey: .exclusiveMinimum) ?? false)
        case .choice: self = .choice(try c.decode([String].self, forKey: .choices))
        case .optional: self = .optional(try c.decode(HyperparameterKind.self, forKey: .inner))
        case .oneOf: self = .oneOf(try c.decode([HyperparameterKind].self, forKey: .kinds))
        case .mapping: self = .mapping(try c.decode(HyperparameterKind.self, forKey: .inner))
        case .seed: self = .seed(maximum: try c.decode(UInt64.self, forKey: .maximum))
        case .list:
            let count = try c.decode(Int.self, forKey: .count)
            guard count >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: .count, in: c, debugDescription: "a list kind has a negative count")
            }
            self = .list(try c.decode(HyperparameterKind.self, forKey: .inner), count: count)
        case .sequence: self = .sequence(try c.decode(HyperparameterKind.self, forKey: .inner))
        case .text: self = .text
        case .structured: self = .structured(try c.decode(String.self, forKey: .description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .bool: try c.encode(Tag.bool, forKey: .kind)
        case .integer(let minimum, let maximum):
            try c.encode(Tag.integer, forKey: .kind)
            try c.encode(minimum, forKey: .minimum)
            try c.encode(maximum, forKey: .maximum)
        case .real(let minimum, let maximum, let exclusive):
            try c.encode(Tag.real, forKey: .kind)
            try c.encode(minimum, forKey: .minimum)
            try c.encode(maximum, forKey: .maximum)
            try c.encode(exclusive, forKey: .exclusiveMinimum)
        case .choice(let names):
            try c.encode(Tag.choice, forKey: .kind)
            try c.encode(names, forKey: .choices)
        case .optional(let inner):
            try c.encode(Tag.optional, forKey: .kind)
            try c.encode(inner, forKey: .inner)
        case .oneOf(let kinds):
            try c.encode(Tag.oneOf, forKey: .kind)
            try c.encode(kinds, forKey: .kinds)
        case .mapping(let inner):
            try c.encode(Tag.mapping, forKey: .kind)
            try c.encode(inner, forKey: .inner)
        case .seed(let maximum):
            try c.encode(Tag.seed, forKey: .kind)
            try c.encode(maximum, forKey: .maximum)
        case .list(let inner, let count):
            try c.encode(Tag.list, forKey: .kind)
            try c.encode(inner, forKey: .inner)
            try c.encode(count, forKey: .count)
        case .sequence(let inner):
            try c.encode(Tag.sequence, forKey: .kind)
            try c.encode(inner, forKey: .inner)
        case .text: try c.encode(Tag.text, forKey: .kind)
        case .structured(let description):
            try c.encode(Tag.structured, forKey: .kind)
            try c.encode(description, forKey: .description)
        }
    }
}

/// Where a search looks for a numeric hyperparameter by default: TuneKit's default space for an
/// estimator or a pipeline is made of these (an Optuna user would write
/// `trial.suggest_float("learning_rate", 0.01, 1, log=True)`).
///
/// For a hyperparameter that also takes names (`max_features: sqrt | 0.5 | 10`), the hint
/// covers its numeric form.
public struct SearchHint: Sendable, Hashable, Codable {
    /// The smallest value searched.
    public var low: Double
    /// The largest value searched.
    public var high: Double
    /// Whether the search is uniform in the logarithm (`low` > 0).
    public var log: Bool
    /// The spacing of searched values from `low`, or `nil` for a continuous range.
    public var step: Double?
    /// Whether the values are whole numbers.
    public var integer: Bool

    /// A range; `log` needs `low` > 0, and `step` excludes `log` (as Optuna requires).
    public init(low: Double, high: Double, log: Bool = false, step: Double? = nil, integer: Bool = false) {
        precondition(low <= high, "a search hint's low must not exceed its high")
        precondition(!log || low > 0, "a log-scale search hint needs low > 0")
        precondition(!(log && step != nil), "a search hint is either log-scale or stepped")
        self.low = low
        self.high = high
        self.log = log
        self.step = step
        self.integer = integer
    }

    private enum CodingKeys: String, CodingKey { case low, high, log, step, integer }

    /// Decodes a hint, refusing one whose range is empty or not finite (the checks ``init(low:high:log:step:integer:)`` makes).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let low = try c.decode(Double.self, forKey: .low), high = try c.decode(Double.self, forKey: .high)
        let log = try c.decodeIfPresent(Bool.self, forKey: .log) ?? false
        let step = try c.decodeIfPresent(Double.self, forKey: .step)
        guard low.isFinite, high.isFinite, low <= high, !log || low > 0, !(log && step != nil), step.map({ $0 > 0 && $0.isFinite }) ?? true else {
            throw DecodingError.dataCorruptedError(forKey: .low, in: c, debugDescription: "a search hint needs finite low <= high, low > 0 on a log scale, and a positive step only off it")
        }
        self.init(low: low, high: high, log: log, step: step, integer: try c.decodeIfPresent(Bool.self, forKey: .integer) ?? false)
    }

    /// Real values uniform in `low...high` (stepped by `step` when given).
    public static func uniform(_ low: Double, _ high: Double, step: Double? = nil) -> SearchHint {
        SearchHint(low: low, high: high, step: step)
    }

    /// Real values uniform in the logarithm over `low...high`.
    public static func logUniform(_ low: Double, _ high: Double) -> SearchHint {
        SearchHint(low: low, high: high, log: true)
    }

    /// Whole numbers in `low...high`, uniform or uniform in the logarithm.
    public static func integer(_ low: Int, _ high: Int, log: Bool = false) -> SearchHint {
        SearchHint(low: Double(low), high: Double(high), log: log, step: log ? nil : 1, integer: true)
    }
}
