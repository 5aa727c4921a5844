public import ToolboxCore

/// How classes are weighted in a classifier's loss or impurity (scikit-learn's `class_weight`).
///
/// In YAML or JSON: `null` (none), `balanced`, or a mapping from class label to weight, with the
/// labels as the data has them: `{yes: 2, no: 1}` or `{0: 1, 1: 5}`.
public enum ClassWeight: Sendable, Hashable, Codable {
    /// Every sample counts once.
    case none
    /// n / (k · count of the class): rare classes count more.
    case balanced
    /// A weight per class value; unlisted classes weigh 1.
    case custom([Double: Double])
    /// A weight per class label as written (`"spam"`, or `"1"` for the class 1); unlisted
    /// classes weigh 1, a label that is not a class is an error at fit time.
    case byLabel([String: Double])

    /// The kind of value `class_weight` takes.
    public static let hyperparameterKind = HyperparameterKind.optional(.oneOf([
        .choice(["balanced"]), .mapping(.real(minimum: 0, maximum: nil, exclusiveMinimum: false)),
    ]))

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        switch try container.decode(JSONValue.self) {
        case .null: self = .none
        case .string("balanced"): self = .balanced
        case .object(let members):
            var table: [String: Double] = [:]
            for (label, value) in members {
                guard case .number(let weight) = value, weight.isFinite, weight >= 0 else {
                    throw ToolboxError(.invalidParameter, "class_weight for \(label) must be a non-negative number",
                                       context: ErrorContext(parameter: "class_weight.\(label)"))
                }
                table[label] = weight
            }
            self = .byLabel(table)
        case let other:
            throw ToolboxError(.invalidParameter, "class_weight is \(other.compactDescription); it takes null, balanced or {label: weight}",
                               context: ErrorContext(parameter: "class_weight"))
        }
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .none: try container.encodeNil()
        case .balanced: try container.encode("balanced")
        case .custom(let table):
            try container.encode(Dictionary(uniqueKeysWithValues: table.map { (ClassLabel.number($0.key).description, $0.value) }))
        case .byLabel(let table): try container.encode(table)
        }
    }

    /// `weights` scaled by each row's class weight.
    /// - Parameters:
    ///   - labels: each row's class index into `classes`.
    ///   - targetLabels: the label of each class code, when the target came as labels.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` for a weighted label that is not a class,
    ///   or when every sample ends up with weight 0.
    func apply(to weights: [Double], labels: [Int], classes: [Double], targetLabels: [String]?) throws -> [Double] {
        let perClass: [Double]
        switch self {
        case .none:
            return weights
        case .balanced:
            var counts = [Double](repeating: 0, count: classes.count)
            for k in labels { counts[k] += 1 }
            perClass = counts.map { Double(labels.count) / (Double(classes.count) * $0) }
        case .custom(let table):
            perClass = classes.map { table[$0] ?? 1 }
        case .byLabel(let table):
            let names = classes.map { value -> String in
                if let targetLabels, let code = Int(exactly: value), targetLabels.indices.contains(code) { return targetLabels[code] }
                return ClassLabel.number(value).description
            }
            for key in table.keys.sorted() where !names.contains(key) && !classes.contains(where: { Double(key) == $0 }) {
                throw ToolboxError(.invalidParameter, "class_weight names \(key), which is not a class; the classes are \(names.joined(separator: ", "))",
                                   context: ErrorContext(parameter: "class_weight.\(key)"))
            }
            perClass = zip(classes, names).map { value, name in
                table[name] ?? table.first(where: { Double($0.key) == value })?.value ?? 1
            }
        }
        let weighted = weights.indices.map { weights[$0] * perClass[labels[$0]] }
        guard weighted.contains(where: { $0 > 0 }) else {
            throw ToolboxError(.invalidParameter, "class_weight leaves every sample with weight 0; nothing is left to fit",
                               context: ErrorContext(parameter: "class_weight"))
        }
        return weighted
    }
}
