public import ToolboxCore

/// Applies different transformers to different columns and puts the results side by side, as
/// scikit-learn's `ColumnTransformer`: each entry names its columns (by feature name, or by
/// index), the columns no entry takes are passed through or dropped (`remainder`).
///
/// Output columns are named `entry__feature` (scikit-learn's `verbose_feature_names_out`), and
/// categorical columns stay categorical where a transformer keeps them (an ordinal encoder's
/// output, a passed-through categorical column), so boosting downstream sees them.
///
/// ```swift
/// let prepare = ColumnTransformer([
///     .init(name: "num", StandardScaler(), columns: ["area", "rooms"]),
///     .init(name: "cat", OneHotEncoder(handleUnknown: .ignore), columns: ["district"]),
/// ], remainder: .drop)
/// let features = try table.toMatrix()
/// let model = try prepare.fit(features.matrix, context: FitContext(features))
/// model.outputFeatureNames(input: features.featureNames)   // ["num__area", "num__rooms", "cat__district_north", ...]
/// ```
///
/// In YAML: `{type: column_transformer, parameters: {remainder: passthrough, transformers:
/// [{name: num, type: standard_scaler, columns: [area, rooms]}, ...]}}`.
public struct ColumnTransformer: UnsupervisedEstimator, Configurable, Hashable {
    /// Which columns an entry takes.
    public enum Columns: Sendable, Hashable {
        /// By feature name (needs names in the fit context).
        case names([String])
        /// By position.
        case indices([Int])
    }

    /// What happens to the columns no entry takes.
    public enum Remainder: String, Sendable, Hashable, Codable, CaseIterable {
        case drop
        case passthrough
    }

    /// One transformer and the columns it takes.
    public struct Entry: Sendable {
        /// The entry's name, the prefix of its output names.
        public var name: String
        /// The estimator; its fitted model must be a transformer.
        public var estimator: any Estimator
        /// The input columns the entry takes, by name or by index.
        public var columns: Columns

        /// An entry named `name` applying `estimator` to the columns named `columns`.
        public init(name: String, _ estimator: any Estimator, columns: [String]) {
            self.name = name
            self.estimator = estimator
            self.columns = .names(columns)
        }

        /// An entry named `name` applying `estimator` to the columns at `indices`.
        public init(name: String, _ estimator: any Estimator, indices: [Int]) {
            self.name = name
            self.estimator = estimator
            self.columns = .indices(indices)
        }
    }

    /// `transformers` (a list of `{name, type, columns, parameters}`): the entries, in output order.
    public var transformers: [Entry]
    /// `remainder` (`drop` or `passthrough`, default `drop`).
    public var remainder: Remainder

    /// The estimator with its defaults (scikit-learn's).
    public init() {
        transformers = []
        remainder = .drop
    }

    /// The entries, in order, and what happens to the columns no entry takes (`remainder`, dropped by default).
    public init(_ transformers: [Entry], remainder: Remainder = .drop) {
        self.transformers = transformers
        self.remainder = remainder
    }

    /// The hyperparameters by scikit-learn's names (`transformers`, `remainder`); each entry's own are reached as `entry__name`.
    public static let hyperparameterSchema: [Hyperparameter<ColumnTransformer>] = [
        Hyperparameter("transformers", kind: .structured("a list of {name, type, columns, parameters}"),
                       summary: "entries {name, type, columns, parameters}: a registered transformer and the columns it takes",
                       read: { .array($0.transformers.map(Self.describe)) },
                       write: { root, value in root.transformers = try Self.entries(from: value) }),
        .choice("remainder", \.remainder, "columns no entry takes: drop or passthrough"),
    ]

    /// What the estimator does with NaN and infinity in its input.
    public static var nonFiniteInput: NonFiniteInputPolicy { .missingAllowed }

    /// Each entry honours what its estimator does.
    public var contextUsage: FitContextUsage {
        transformers.reduce(into: FitContextUsage()) { $0.formUnion($1.estimator.contextUsage.subtracting([.evaluationSet, .progress])) }
    }

    /// Fits every entry on its columns.
    /// - Throws: `ToolboxError/Code/notFound` for a column name not among the features (or
    ///   names without names in the context), `ToolboxError/Code/invalidParameter` for an
    ///   index out of range or an estimator whose model is not a transformer.
    public func fit(_ x: Matrix<Double>, context: FitContext) throws -> Model {
        try x.validateNotEmpty()
        let schema = try context.validated(x: x, y: [Double](repeating: 0, count: x.rows))
        var fitted: [Model.Step] = []
        var used = Set<Int>()
        var names = Set<String>()
        for (k, entry) in transformers.enumerated() {
            guard names.insert(entry.name).inserted, !entry.name.isEmpty, !entry.name.contains("__") else {
                throw ToolboxError(.invalidParameter, "entry names must be distinct, non-empty and free of \"__\"; \(entry.name) is not",
                                   context: ErrorContext(parameter: "transformers[\(k)].name"))
            }
            let columns = try resolve(entry.columns, context: context, columns: x.columns, entry: k)
            used.formUnion(columns)
            let subset = Matrix<Double>(rows: x.rows, columns: columns.count) { i, j in x[i, columns[j]] }
            var routed = context.routed(to: entry.estimator.contextUsage)
            routed.featureNames = context.featureNames.map { names in columns.map { names[$0] } }
            routed.categoricalFeatures = context.categoricalFeatures.compactMap { feature in
                columns.firstIndex(of: feature.column).map { CategoricalFeature(column: $0, categories: feature.categories) }
            }
            routed.stepName = entry.name
            let model = try entry.estimator.fit(subset, [Double](repeating: 0, count: x.rows), context: routed)
            guard let transformer = model.transformer else {
                throw ToolboxError(.invalidParameter, "entry \(entry.name) is not a transformer", context: ErrorContext(parameter: "transformers[\(k)]"))
            }
            fitted.append(Model.Step(name: entry.name, model: transformer, columns: columns))
        }
        let rest = remainder == .passthrough ? (0..<x.columns).filter { !used.contains($0) } : []
        return Model(hyperparameters: self, steps: fitted, remainderColumns: rest, inputFeatureCount: x.columns, schema: schema)
    }

    private func resolve(_ selection: Columns, context: FitContext, columns: Int, entry: Int) throws -> [Int] {
        switch selection {
        case .indices(let indices):
            for index in indices where index < 0 || index >= columns {
                throw ToolboxError(.invalidParameter, "column index \(index) is outside 0..<\(columns)",
                                   context: ErrorContext(parameter: "transformers[\(entry)].columns"))
            }
            return indices
        case .names(let wanted):
            guard let names = context.featureNames else {
                throw ToolboxError(.notFound, "columns are chosen by name, but the data has no feature names",
                                   context: ErrorContext(parameter: "transformers[\(entry)].columns"))
            }
            return try wanted.map { name in
                guard let index = names.firstIndex(of: name) else {
                    throw ToolboxError(.notFound, "no column \(name); the columns are \(DataTable.listing(names))",
                                       context: ErrorContext(column: name, parameter: "transformers[\(entry)].columns"))
                }
                return index
            }
        }
    }

    // MARK: Hyperparameters as data

    private static func describe(_ entry: Entry) -> JSONValue {
        var type = ModelRegistry.shared.name(of: Swift.type(of: entry.estimator))
        var parameters = (entry.estimator as? any Configurable)?.hyperparameterValues ?? [:]
        if let pipeline = entry.estimator as? DynamicPipeline {
            type = "pipeline"
            parameters = (try? JSONValue(encoding: pipeline.spec))?.objectValue ?? [:]
        }
        let columns: JSONValue = switch entry.columns {
        case .names(let names): .array(names.map(JSONValue.string))
        case .indices(let indices): .array(indices.map { .number(Double($0)) })
        }
        return .object(["name": .string(entry.name), "type": type.map(JSONValue.string) ?? .null, "columns": columns,
                        "parameters": .object(parameters)])
    }

    private static func entries(from value: JSONValue) throws -> [Entry] {
        guard case .array(let items) = value else {
            throw ToolboxError(.invalidParameter, "transformers must be a list of {name, type, columns, parameters}",
                               context: ErrorContext(parameter: "transformers"))
        }
        return try items.enumerated().map { k, item in
            let path = "transformers[\(k)]"
            guard case .object(let members) = item else {
                throw ToolboxError(.invalidParameter, "\(path) must be a mapping", context: ErrorContext(parameter: path))
            }
            for key in members.keys where !["name", "type", "columns", "parameters"].contains(key) {
                throw ToolboxError(.invalidParameter, "\(path) has no key \(key); an entry has name, type, columns and parameters",
                                   context: ErrorContext(parameter: "\(path).\(key)"))
            }
            guard case .string(let name)? = members["name"] else {
                throw ToolboxError(.invalidParameter, "\(path).name must be text", context: ErrorContext(parameter: "\(path).name"))
            }
            guard case .string(let typeName)? = members["type"] else {
                throw ToolboxError(.invalidParameter, "\(path).type must name a registered transformer or pipeline",
                                   context: ErrorContext(parameter: "\(path).type"))
            }
            var parameters: [String: JSONValue] = [:]
            switch members["parameters"] {
            case nil, .null?: break
            case .object(let values)?: parameters = values
            default: throw ToolboxError(.invalidParameter, "\(path).parameters must be a mapping", context: ErrorContext(parameter: "\(path).parameters"))
            }
            let estimator: any Estimator
            if typeName == "pipeline" {
                // An entry may itself be a pipeline (`parameters: {steps: [...]}`), as scikit-learn's
                // ColumnTransformer takes one; its steps are set as `entry__step__name`.
                do {
                    estimator = try DynamicPipeline(spec: try PipelineSpec(.object(parameters)))
                } catch var error as ToolboxError {
                    error.context.parameter = "\(path).parameters" + (error.context.parameter.map { ".\($0)" } ?? "")
                    throw error
                }
            } else {
                guard let type = ModelRegistry.shared.estimatorType(named: typeName), let configurable = type as? any Configurable.Type else {
                    throw ToolboxError(.notFound, "\(path).type names no registered transformer", context: ErrorContext(parameter: "\(path).type"))
                }
                guard let built = try configurable.init(hyperparameters: parameters, path: "\(path).parameters") as? any Estimator else {
                    throw ToolboxError(.invalidParameter, "\(path).type is not an estimator", context: ErrorContext(parameter: "\(path).type"))
                }
                estimator = built
            }
            guard case .array(let columns)? = members["columns"], !columns.isEmpty else {
                throw ToolboxError(.invalidParameter, "\(path).columns must be a non-empty list of names or indices",
                                   context: ErrorContext(parameter: "\(path).columns"))
            }
            if columns.allSatisfy({ if case .string = $0 { true } else { false } }) {
                return Entry(name: name, estimator, columns: columns.compactMap { if case .string(let text) = $0 { text } else { nil } })
            }
            let indices = try columns.map { column -> Int in
                guard case .number(let number) = column, number >= 0, number == number.rounded(), number < 1e9 else {
                    throw ToolboxError(.invalidParameter, "\(path).columns mixes names and indices or holds a bad index",
                                       context: ErrorContext(parameter: "\(path).columns"))
                }
                return Int(number)
            }
            return Entry(name: name, estimator, indices: indices)
        }
    }

    // MARK: Nested hyperparameters

    /// `remainder`, then each entry's hyperparameters as `entry__name` (scikit-learn's
    /// `get_params(deep=True)`); `transformers` itself is set whole through ``setting(_:path:)``.
    public var hyperparameterSpace: [HyperparameterDescription] {
        Self.hyperparameterDescriptions.filter { $0.name != "transformers" }
            + transformers.flatMap { entry in
                (entry.estimator as? any Tunable).map { NestedHyperparameters.prefixed($0.hyperparameterSpace, entry.name) } ?? []
            }
    }

    /// `remainder` and every entry's values as `entry__name`.
    public var flattenedHyperparameters: [String: JSONValue] {
        var values: [String: JSONValue] = ["remainder": .string(remainder.rawValue)]
        for entry in transformers {
            for (key, value) in (entry.estimator as? any Tunable)?.flattenedHyperparameters ?? [:] { values["\(entry.name)__\(key)"] = value }
        }
        return values
    }

    /// A copy with `remainder` or `transformers` set, or an entry's hyperparameters by
    /// `entry__name` or `{entry: {name: value}}`.
    public func settingHyperparameters(_ values: [String: JSONValue]) throws -> ColumnTransformer {
        let (own, nested) = try NestedHyperparameters.split(values, children: Set(transformers.map(\.name)))
        var copy = try setting(own)
        for (name, parameters) in nested.sorted(by: { $0.key < $1.key }) {
            guard let index = copy.transformers.firstIndex(where: { $0.name == name }) else { continue }
            guard let tunable = copy.transformers[index].estimator as? any Tunable else {
                throw ToolboxError(.unsupported, "entry \(name) does not describe its hyperparameters", context: ErrorContext(parameter: name))
            }
            let updated = try NestedHyperparameters.prefixingErrors(name) { try tunable.settingHyperparameters(parameters) }
            guard let estimator = updated as? any Estimator else {
                throw ToolboxError(.unsupported, "entry \(name) cannot be configured", context: ErrorContext(parameter: name))
            }
            copy.transformers[index].estimator = estimator
        }
        return copy
    }

    public static func == (lhs: ColumnTransformer, rhs: ColumnTransformer) -> Bool {
        lhs.remainder == rhs.remainder && lhs.transformers.map(describe) == rhs.transformers.map(describe)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(remainder)
        hasher.combine(transformers.map(Self.describe))
    }

    /// A fitted column transformer.
    public struct Model: Transformer {
        /// One fitted entry and the input columns it takes.
        public struct Step: Sendable {
            /// The entry's name.
            public var name: String
            /// The entry's fitted transformer.
            public var model: any Transformer
            /// The input columns it takes, by index.
            public var columns: [Int]
        }

        /// The name archives and the model registry know this type by.
        public static let modelTypeName = "FeatureKit.ColumnTransformer"
        /// The hyperparameters the model was fitted with.
        public let hyperparameters: ColumnTransformer
        /// The fitted entries, in order.
        public let steps: [Step]
        /// The input columns passed through after the entries' outputs.
        public let remainderColumns: [Int]
        /// The number of input features the model was fitted on.
        public let inputFeatureCount: Int
        /// What the model remembers of its inputs and target: names, categories, class labels.
        public let schema: ModelSchema

        /// The number of columns the transform outputs.
        public var outputFeatureCount: Int { steps.reduce(0) { $0 + $1.model.outputFeatureCount } + remainderColumns.count }

        /// - Complexity: the sum of the entries' transforms, plus O(n × output columns) to assemble.
        public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
            try x.validateColumnCount(inputFeatureCount)
            var parts: [Matrix<Double>] = []
            for step in steps {
                let subset = Matrix<Double>(rows: x.rows, columns: step.columns.count) { i, j in x[i, step.columns[j]] }
                parts.append(try step.model.transform(subset))
            }
            let rest = remainderColumns
            parts.append(Matrix<Double>(rows: x.rows, columns: rest.count) { i, j in x[i, rest[j]] })
            var out = Matrix<Double>(rows: x.rows, columns: outputFeatureCount)
            var offset = 0
            for part in parts {
                for i in 0..<x.rows { for j in 0..<part.columns { out[i, offset + j] = part[i, j] } }
                offset += part.columns
            }
            return out
        }

        /// `entry__feature` for every output column; `remainder__feature` for passed-through ones.
        public func outputFeatureNames(input: [String]) -> [String] {
            func name(_ j: Int) -> String { input.indices.contains(j) ? input[j] : "x\(j)" }
            return steps.flatMap { step in step.model.outputFeatureNames(input: step.columns.map(name)).map { "\(step.name)__\($0)" } }
                + remainderColumns.map { "remainder__\(name($0))" }
        }

        /// Categorical outputs of the entries (where their transformers keep or make them) and
        /// passed-through categorical columns, at their output positions.
        public func outputCategoricalFeatures(input: [CategoricalFeature]) -> [CategoricalFeature] {
            var out: [CategoricalFeature] = []
            var offset = 0
            for step in steps {
                let local = input.compactMap { feature in
                    step.columns.firstIndex(of: feature.column).map { CategoricalFeature(column: $0, categories: feature.categories) }
                }
                out += step.model.outputCategoricalFeatures(input: local).map {
                    CategoricalFeature(column: $0.column + offset, categories: $0.categories)
                }
                offset += step.model.outputFeatureCount
            }
            for (k, column) in remainderColumns.enumerated() {
                if let feature = input.first(where: { $0.column == column }) {
                    out.append(CategoricalFeature(column: offset + k, categories: feature.categories))
                }
            }
            return out
        }

        /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
        public func validateStructure() throws {
            for step in steps {
                try step.model.validateStructure()
                guard step.columns.allSatisfy({ $0 >= 0 && $0 < inputFeatureCount }), step.model.inputFeatureCount == step.columns.count else {
                    throw ToolboxError(.corruptArchive, "column transformer entry \(step.name) does not fit the \(inputFeatureCount) inputs")
                }
            }
            guard remainderColumns.allSatisfy({ $0 >= 0 && $0 < inputFeatureCount }) else {
                throw ToolboxError(.corruptArchive, "column transformer remainder columns are out of range")
            }
        }
    }
}

extension ColumnTransformer.Model {
    private enum CodingKeys: String, CodingKey { case hyperparameters, steps, remainderColumns, inputFeatureCount, schema }
    private enum StepKeys: String, CodingKey { case name, type, columns, model }

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let registry = decoder.userInfo[.modelRegistry] as? ModelRegistry ?? .shared
        var list = try c.nestedUnkeyedContainer(forKey: .steps)
        var steps: [Step] = []
        while !list.isAtEnd {
            let entry = try list.nestedContainer(keyedBy: StepKeys.self)
            let name = try entry.decode(String.self, forKey: .name)
            let typeName = try entry.decode(String.self, forKey: .type)
            guard let type = registry.modelType(named: typeName) else {
                throw ToolboxError(.unsupported, "column transformer entry \(name) has model type \(typeName), which is not registered")
            }
            guard let model = try Self.decodeModel(type, from: entry).transformer else {
                throw ToolboxError(.corruptArchive, "column transformer entry \(name) is not a transformer")
            }
            steps.append(Step(name: name, model: model, columns: try entry.decode([Int].self, forKey: .columns)))
        }
        self.init(hyperparameters: try c.decode(ColumnTransformer.self, forKey: .hyperparameters), steps: steps,
                  remainderColumns: try c.decode([Int].self, forKey: .remainderColumns),
                  inputFeatureCount: try c.decode(Int.self, forKey: .inputFeatureCount), schema: try c.decode(ModelSchema.self, forKey: .schema))
    }

    private static func decodeModel<M: FittedModel>(_ type: M.Type, from container: KeyedDecodingContainer<StepKeys>) throws -> any FittedModel {
        try container.decode(M.self, forKey: .model)
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hyperparameters, forKey: .hyperparameters)
        var list = c.nestedUnkeyedContainer(forKey: .steps)
        for step in steps {
            var entry = list.nestedContainer(keyedBy: StepKeys.self)
            try entry.encode(step.name, forKey: .name)
            try entry.encode(type(of: step.model).modelTypeName, forKey: .type)
            try entry.encode(step.columns, forKey: .columns)
            try Self.encodeModel(step.model, into: &entry)
        }
        try c.encode(remainderColumns, forKey: .remainderColumns)
        try c.encode(inputFeatureCount, forKey: .inputFeatureCount)
        try c.encode(schema, forKey: .schema)
    }

    private static func encodeModel<M: Transformer>(_ model: M, into entry: inout KeyedEncodingContainer<StepKeys>) throws {
        try entry.encode(model, forKey: .model)
    }
}
