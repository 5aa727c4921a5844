/// An estimator with a step name, for static pipelines: its hyperparameters appear as
/// `name__parameter` in the pipeline's (as scikit-learn's `Pipeline([("forest", ...)])`).
///
/// Unnamed steps are named as scikit-learn's `make_pipeline` names them, by their type: the
/// registered alias (`random_forest_classifier`), with `-1`, `-2` appended when two share it.
///
/// ```swift
/// let pipeline = Pipeline {
///     StandardScaler().named("scaler")
///     RandomForestClassifier().named("forest")
/// }
/// ```
public struct NamedStep<Wrapped: Estimator>: Estimator {
    /// The step's name in its pipeline.
    public var name: String
    /// The estimator.
    public var estimator: Wrapped

    /// Names `estimator` `name` in its pipeline.
    public init(_ name: String, _ estimator: Wrapped) {
        self.name = name
        self.estimator = estimator
    }

    /// Fits the wrapped estimator.
    public func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Wrapped.Model {
        try estimator.fit(x, y, context: context)
    }

    /// The wrapped type's policy.
    public static var nonFiniteInput: NonFiniteInputPolicy { Wrapped.nonFiniteInput }
    /// The wrapped type's usage.
    public static var fitContextUsage: FitContextUsage { Wrapped.fitContextUsage }
    /// The wrapped estimator's policy.
    public var nonFiniteInputPolicy: NonFiniteInputPolicy { estimator.nonFiniteInputPolicy }
    /// The wrapped estimator's usage.
    public var contextUsage: FitContextUsage { estimator.contextUsage }
}

extension NamedStep: Tunable where Wrapped: Tunable {
    /// The wrapped estimator's own names; a pipeline adds the step name.
    public var hyperparameterSpace: [HyperparameterDescription] { estimator.hyperparameterSpace }
    /// The wrapped estimator's values, by its own names.
    public var flattenedHyperparameters: [String: JSONValue] { estimator.flattenedHyperparameters }
    /// The step with the wrapped estimator's hyperparameters set.
    public func settingHyperparameters(_ values: [String: JSONValue]) throws -> NamedStep<Wrapped> {
        NamedStep(name, try estimator.settingHyperparameters(values))
    }
}

extension Estimator {
    /// This estimator as a pipeline step called `name`.
    public func named(_ name: String) -> NamedStep<Self> { NamedStep(name, self) }
}

/// Something that carries its step name (``NamedStep``).
protocol StepNaming {
    var stepName: String { get }
}

extension NamedStep: StepNaming {
    var stepName: String { name }
}

/// A run of tunable steps folded into chains, seen as one flat list.
protocol TunableStepList {
    /// The steps in order, each with its explicit name (if any).
    var tunableSteps: [(name: String?, step: any Tunable)] { get }
    /// A copy with the steps at flat positions `offset...` updated from `groups` (keyed by flat position).
    func settingSteps(_ groups: [Int: [String: JSONValue]], offset: Int) throws -> Self
}

extension Chain: TunableStepList where First: Tunable, Second: Tunable {
    var tunableSteps: [(name: String?, step: any Tunable)] {
        Self.steps(of: first) + Self.steps(of: second)
    }

    private static func steps(of step: some Tunable) -> [(name: String?, step: any Tunable)] {
        (step as? any TunableStepList)?.tunableSteps ?? [((step as? any StepNaming)?.stepName, step)]
    }

    func settingSteps(_ groups: [Int: [String: JSONValue]], offset: Int) throws -> Chain<First, Second> {
        var copy = self
        copy.first = try Self.set(first, groups, offset: offset)
        copy.second = try Self.set(second, groups, offset: offset + Self.steps(of: first).count)
        return copy
    }

    private static func set<Step: Tunable>(_ step: Step, _ groups: [Int: [String: JSONValue]], offset: Int) throws -> Step {
        if let list = step as? any TunableStepList {
            guard let updated = try list.settingSteps(groups, offset: offset) as? Step else {
                throw ToolboxError(.unsupported, "pipeline steps changed type while being set")
            }
            return updated
        }
        guard let values = groups[offset] else { return step }
        return try step.settingHyperparameters(values)
    }
}

/// Names for a static pipeline's steps: explicit names as given, the others by registered alias
/// (or type name), numbered `-1`, `-2`... where two share a name, as `make_pipeline` does.
enum StaticStepNames {
    static func names(_ steps: [(name: String?, step: any Tunable)]) -> [String] {
        let base = steps.map { entry -> String in
            if let name = entry.name { return name }
            if let type = Swift.type(of: entry.step) as? any Estimator.Type, let qualified = ModelRegistry.shared.name(of: type) {
                return ModelRegistry.shared.aliases(of: qualified).first ?? qualified
            }
            return String(describing: Swift.type(of: entry.step)).lowercased()
        }
        var counts: [String: Int] = [:]
        for name in base { counts[name, default: 0] += 1 }
        var seen: [String: Int] = [:]
        return zip(base, steps).map { name, entry in
            guard entry.name == nil, counts[name, default: 0] > 1 else { return name }
            seen[name, default: 0] += 1
            return "\(name)-\(seen[name]!)"
        }
    }

    static func space(_ steps: [(name: String?, step: any Tunable)]) -> [HyperparameterDescription] {
        zip(names(steps), steps).flatMap { name, entry in NestedHyperparameters.prefixed(entry.step.hyperparameterSpace, name) }
    }

    static func values(_ steps: [(name: String?, step: any Tunable)]) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for (name, entry) in zip(names(steps), steps) {
            for (key, value) in entry.step.flattenedHyperparameters { values["\(name)__\(key)"] = value }
        }
        return values
    }

    /// `values` grouped by flat step position.
    static func groups(_ values: [String: JSONValue], steps: [(name: String?, step: any Tunable)]) throws -> [Int: [String: JSONValue]] {
        let names = names(steps)
        let (own, nested) = try NestedHyperparameters.split(values, children: Set(names))
        if let error = NestedHyperparameters.unknown(own, children: names, owner: "the pipeline") { throw error }
        var groups: [Int: [String: JSONValue]] = [:]
        for (name, group) in nested {
            if let index = names.firstIndex(of: name) { groups[index] = group }
        }
        return groups
    }

    /// Sets each group on its step, naming failures `step__parameter`.
    static func apply<List: TunableStepList>(_ list: List, _ groups: [Int: [String: JSONValue]], names: [String]) throws -> List {
        var current = list
        for (index, group) in groups.sorted(by: { $0.key < $1.key }) {
            current = try NestedHyperparameters.prefixingErrors(names[index]) { try current.settingSteps([index: group], offset: 0) }
        }
        return current
    }
}

extension Chain: Tunable where First: Tunable, Second: Tunable {
    /// The steps' hyperparameters, `step__name`.
    public var hyperparameterSpace: [HyperparameterDescription] { StaticStepNames.space(tunableSteps) }
    /// The steps' values, `step__name`.
    public var flattenedHyperparameters: [String: JSONValue] { StaticStepNames.values(tunableSteps) }
    /// The chain with hyperparameters set by `step__name` (or nested by step).
    /// - Throws: ``ToolboxError/Code/invalidParameter`` naming an unknown step or key.
    public func settingHyperparameters(_ values: [String: JSONValue]) throws -> Chain<First, Second> {
        let steps = tunableSteps
        return try StaticStepNames.apply(self, try StaticStepNames.groups(values, steps: steps), names: StaticStepNames.names(steps))
    }
}

extension Pipeline: Tunable where Steps: Tunable {
    private var stepList: [(name: String?, step: any Tunable)] {
        (steps as? any TunableStepList)?.tunableSteps ?? [((steps as? any StepNaming)?.stepName, steps)]
    }

    /// The steps' hyperparameters, `step__name` (a one-step pipeline prefixes its step too).
    public var hyperparameterSpace: [HyperparameterDescription] { StaticStepNames.space(stepList) }
    /// The steps' values, `step__name`.
    public var flattenedHyperparameters: [String: JSONValue] { StaticStepNames.values(stepList) }
    /// The pipeline with hyperparameters set by `step__name` (or nested by step).
    /// - Throws: ``ToolboxError/Code/invalidParameter`` naming an unknown step or key.
    public func settingHyperparameters(_ values: [String: JSONValue]) throws -> Pipeline<Steps> {
        let list = stepList
        let groups = try StaticStepNames.groups(values, steps: list)
        var copy = self
        if let chain = steps as? any TunableStepList {
            guard let updated = try StaticStepNames.apply(chain, groups, names: StaticStepNames.names(list)) as? Steps else {
                throw ToolboxError(.unsupported, "pipeline steps changed type while being set")
            }
            copy.steps = updated
        } else if let group = groups[0] {
            let name = StaticStepNames.names(list)[0]
            copy.steps = try NestedHyperparameters.prefixingErrors(name) { try steps.settingHyperparameters(group) }
        }
        return copy
    }
}
