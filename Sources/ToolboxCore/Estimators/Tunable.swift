import Foundation

/// A value whose hyperparameters are described, read and set by name: every estimator, the
/// static ``Pipeline`` and ``Chain``, ``DynamicPipeline`` and the column transformer, with the
/// nested names scikit-learn's `get_params(deep=True)` and `set_params` use.
///
/// A step's hyperparameter inside a pipeline is `step__name` (`forest__max_depth`); inside a
/// column transformer inside a pipeline, `columns__numeric__scaler__with_mean`. Setting also
/// takes nested mappings, merged deeply into the current values, so
/// `{"forest": {"max_depth": 5}}` and `{"forest__max_depth": 5}` mean the same.
///
/// ```swift
/// let pipeline = Pipeline {
///     StandardScaler().named("scaler")
///     RandomForestClassifier().named("forest")
/// }
/// let deeper = try pipeline.settingHyperparameter("forest__max_depth", to: 5)
/// try deeper.hyperparameter("forest__max_depth")      // 5
/// deeper.hyperparameterSpace.map(\.name)              // ["scaler__with_mean", ..., "forest__max_depth", ...]
/// ```
///
/// Tracking logs ``flattenedHyperparameters`` as a run's params; TuneKit's default search space
/// is the ``hyperparameterSpace`` entries that carry a ``SearchHint``.
public protocol Tunable: Sendable {
    /// Every hyperparameter, nested ones named `outer__inner`, in the order help texts list them.
    var hyperparameterSpace: [HyperparameterDescription] { get }
    /// Every hyperparameter's current value by the same names (nested estimators appear only
    /// through their own hyperparameters).
    var flattenedHyperparameters: [String: JSONValue] { get }
    /// A copy with `values` set: keys are flattened names (`forest__max_depth`) or step names
    /// whose mapping is merged deeply into that step's values.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` naming the flattened key that is unknown
    ///   or whose value is of the wrong kind.
    func settingHyperparameters(_ values: [String: JSONValue]) throws -> Self
}

extension Tunable {
    /// The current value of hyperparameter `name` (flattened, `forest__max_depth`).
    /// - Throws: ``ToolboxError/Code/invalidParameter`` for an unknown name, naming the known ones.
    public func hyperparameter(_ name: String) throws -> JSONValue {
        let values = flattenedHyperparameters
        guard let value = values[name] else {
            throw ToolboxError(.invalidParameter, "no hyperparameter \(name); known: \(values.keys.sorted().joined(separator: ", "))",
                               context: ErrorContext(parameter: name))
        }
        return value
    }

    /// A copy with hyperparameter `name` (flattened) set to `value`.
    public func settingHyperparameter(_ name: String, to value: JSONValue) throws -> Self {
        try settingHyperparameters([name: value])
    }

    /// A copy with hyperparameter `name` set from command-line text (`5`, `sqrt`, `{yes: 2}`).
    public func settingHyperparameter(_ name: String, text: String) throws -> Self {
        try settingHyperparameters([name: JSONValue(commandLineText: text)])
    }
}

// MARK: - Default implementations

extension Configurable {
    /// The type's hyperparameters, with their defaults.
    public var hyperparameterSpace: [HyperparameterDescription] { Self.hyperparameterDescriptions }

    /// The values by name (``hyperparameterValues``).
    public var flattenedHyperparameters: [String: JSONValue] { hyperparameterValues }

    /// ``setting(_:path:)`` with the keys as given.
    public func settingHyperparameters(_ values: [String: JSONValue]) throws -> Self {
        try setting(values)
    }
}

/// Splitting nested names and mappings into the part a value sets itself and the parts its
/// children (pipeline steps, column-transformer entries) set.
package enum NestedHyperparameters {
    /// `values` grouped by child: `child__rest` keys and `child: {mapping}` entries go to the
    /// child (mappings merged deeply, flattened keys inside them kept as they are); every other
    /// key stays with the owner.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when a child's name is given a value that
    ///   is not a mapping.
    package static func split(_ values: [String: JSONValue], children: Set<String>) throws
        -> (own: [String: JSONValue], nested: [String: [String: JSONValue]]) {
        var own: [String: JSONValue] = [:]
        var nested: [String: [String: JSONValue]] = [:]
        func put(_ child: String, _ key: String, _ value: JSONValue) {
            if let existing = nested[child]?[key], case .object = existing, case .object = value {
                nested[child]?[key] = existing.merging(value)
            } else {
                nested[child, default: [:]][key] = value
            }
        }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            if let range = key.range(of: "__"), children.contains(String(key[..<range.lowerBound])) {
                put(String(key[..<range.lowerBound]), String(key[range.upperBound...]), value)
            } else if children.contains(key) {
                guard case .object(let members) = value else {
                    throw ToolboxError(.invalidParameter,
                                       "\(key) is a step, not a hyperparameter: set \(key)__name or {\(key): {name: value}}, not \(value.compactDescription)",
                                       context: ErrorContext(parameter: key))
                }
                for (inner, innerValue) in members { put(key, inner, innerValue) }
            } else {
                own[key] = value
            }
        }
        return (own, nested)
    }

    /// Runs `body`, naming a failing parameter by its flattened name (`prefix__name`).
    package static func prefixingErrors<T>(_ prefix: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as ToolboxError {
            error.context.parameter = error.context.parameter.map { "\(prefix)__\($0)" } ?? prefix
            throw error
        }
    }

    /// `child`'s descriptions renamed `prefix__name`.
    package static func prefixed(_ descriptions: [HyperparameterDescription], _ prefix: String) -> [HyperparameterDescription] {
        descriptions.map { description in
            var renamed = description
            renamed.name = "\(prefix)__\(description.name)"
            return renamed
        }
    }

    /// The unknown-step error for keys no child claimed.
    package static func unknown(_ own: [String: JSONValue], children: [String], owner: String) -> ToolboxError? {
        guard let key = own.keys.sorted().first else { return nil }
        let head = key.range(of: "__").map { String(key[..<$0.lowerBound]) } ?? key
        return ToolboxError(.invalidParameter,
                            "\(owner) has no step \(head); it has \(children.joined(separator: ", ")) (set step__name or {step: {name: value}})",
                            context: ErrorContext(parameter: key))
    }
}
