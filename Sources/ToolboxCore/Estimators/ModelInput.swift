/// A model whose input names were made up by the library that wrote it (LightGBM's
/// `Column_0`, XGBoost's `f0`): a table of exactly its feature count is read by position when
/// its names do not match.
public protocol PositionalInput: FittedModel {}

extension FittedModel {
    /// The matrix for the rows of any table holding the model's inputs: its columns by name, in
    /// fit order (other columns, the target say, are left out), categorical ones coded as in
    /// fit; a model without names, or a ``PositionalInput`` model given exactly its feature
    /// count of other names, reads the table by position.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` naming the missing columns.
    public func inputMatrix(selectingFrom table: DataTable) throws -> Matrix<Double> {
        // A pipeline with table steps reads the raw table (its schema names what those steps make).
        if let pipeline = self as? DynamicPipelineModel, !pipeline.tableSteps.isEmpty { return try inputMatrix(table) }
        guard let names = schema.featureNames else { return try inputMatrix(table) }
        let missing = names.filter { table.columnIndex(named: $0) == nil }
        if missing.isEmpty { return try inputMatrix(try table.selecting(names)) }
        let positional = self is any PositionalInput
        guard positional, table.columnCount == inputFeatureCount else {
            throw ToolboxError(.shapeMismatch, "the data lacks the model's columns \(DataTable.listing(missing, limit: 10))"
                               + (positional ? " and has \(table.columnCount) columns, not the model's \(inputFeatureCount), to read by position" : ""),
                               context: ErrorContext(column: missing[0]))
        }
        return try table.toMatrix(columns: table.columnNames, categories: [:]).matrix
    }
}

extension DataTable {
    /// The rows of a JSON request as a table of a model's inputs: each record an object by
    /// column name (other keys are ignored) or an array in the model's column order (KServe's
    /// `instances`), checked against the schema: numbers (or booleans, as 1 and 0) in numeric
    /// columns, text of a category seen in fit in categorical ones, `null` for missing.
    ///
    /// ```swift
    /// let rows = try DataTable(records: body["instances"]!.arrayValue!, schema: model.schema, path: "instances")
    /// let predictions = try model.predictions(rows)
    /// ```
    /// - Parameter path: names the records in errors (`instances[3].age`).
    /// - Throws: ``ToolboxError/Code/invalidData`` naming the JSON path for a record of the
    ///   wrong shape, a value of the wrong type or an unknown category;
    ///   ``ToolboxError/Code/notFound`` for a missing column; ``ToolboxError/Code/tooLarge`` past
    ///   `maximumRows`.
    public init(records: [JSONValue], schema: ModelSchema, inputCount: Int, path: String = "instances", maximumRows: Int = 1_000_000) throws {
        guard records.count <= maximumRows else {
            throw ToolboxError(.tooLarge, "\(path) holds \(records.count) rows; at most \(maximumRows) are taken", context: ErrorContext(parameter: path))
        }
        guard !records.isEmpty else {
            throw ToolboxError(.invalidData, "\(path) holds no rows", context: ErrorContext(parameter: path))
        }
        let names = schema.featureNames ?? (0..<inputCount).map { "x\($0)" }
        var categories: [Int: Set<String>] = [:]
        for feature in schema.categoricalFeatures where feature.column < names.count { categories[feature.column] = Set(feature.categories) }
        var numbers = [[Double]](repeating: [], count: names.count)
        var texts = [[String?]](repeating: [], count: names.count)
        for j in names.indices {
            if categories[j] != nil { texts[j].reserveCapacity(records.count) } else { numbers[j].reserveCapacity(records.count) }
        }
        for (row, record) in records.enumerated() {
            let values: [(JSONValue, String)]
            switch record {
            case .object(let members):
                guard schema.featureNames != nil else {
                    throw ToolboxError(.invalidData, "\(path)[\(row)] is an object, but the model has no column names: give each row as a list in its column order",
                                       context: ErrorContext(row: row, parameter: "\(path)[\(row)]"))
                }
                values = try names.map { name in
                    guard let value = members[name] else {
                        throw ToolboxError(.notFound, "\(path)[\(row)] lacks column \(name); the model takes \(DataTable.listing(names))",
                                           context: ErrorContext(column: name, row: row, parameter: "\(path)[\(row)].\(name)"))
                    }
                    return (value, "\(path)[\(row)].\(name)")
                }
            case .array(let items):
                guard items.count == names.count else {
                    throw ToolboxError(.invalidData, "\(path)[\(row)] holds \(items.count) values; the model takes \(names.count) (\(DataTable.listing(names)))",
                                       context: ErrorContext(row: row, parameter: "\(path)[\(row)]"))
                }
                values = items.enumerated().map { ($1, "\(path)[\(row)][\($0)]") }
            default:
                throw ToolboxError(.invalidData, "\(path)[\(row)] is \(record.compactDescription); a row is an object by column name or a list of values",
                                   context: ErrorContext(row: row, parameter: "\(path)[\(row)]"))
            }
            for (j, (value, location)) in values.enumerated() {
                if let known = categories[j] {
                    switch value {
                    case .null: texts[j].append(nil)
                    case .string(let text):
                        guard known.contains(text) else {
                            throw ToolboxError(.invalidData, "\(location) is \(ToolboxError.excerpt(text)), a category of \(names[j]) not seen in fit; known: \(DataTable.listing(known.sorted()))",
                                               context: ErrorContext(column: names[j], row: row, parameter: location))
                        }
                        texts[j].append(text)
                    default:
                        throw ToolboxError(.invalidData, "\(location) is \(value.compactDescription); \(names[j]) is categorical and takes text",
                                           context: ErrorContext(column: names[j], row: row, parameter: location))
                    }
                } else {
                    switch value {
                    case .null: numbers[j].append(.nan)
                    case .number(let number): numbers[j].append(number)
                    case .bool(let flag): numbers[j].append(flag ? 1 : 0)
                    default:
                        throw ToolboxError(.invalidData, "\(location) is \(value.compactDescription); \(names[j]) takes a number",
                                           context: ErrorContext(column: names[j], row: row, parameter: location))
                    }
                }
            }
        }
        try self.init(names.indices.map { j in (names[j], categories[j] != nil ? .categorical(texts[j]) : .numeric(numbers[j])) })
    }
}

/// A model's predictions shaped for people and protocols: labels as trained for classifiers
/// (text stays text), their probabilities with the class names, numbers for regressors.
public struct Predictions: Sendable, Hashable {
    /// The predicted class of each row (classifiers).
    public var labels: [ClassLabel]?
    /// The predicted value of each row (regressors and other predictors).
    public var values: [Double]?
    /// One row per input row, one column per class of ``classes`` (when asked for).
    public var probabilities: Matrix<Double>?
    /// The classes, in the probability columns' order (classifiers).
    public var classes: [ClassLabel]?

    /// Predictions: labels (with the classes and, when asked, probabilities) or values.
    public init(labels: [ClassLabel]? = nil, values: [Double]? = nil, probabilities: Matrix<Double>? = nil, classes: [ClassLabel]? = nil) {
        self.labels = labels
        self.values = values
        self.probabilities = probabilities
        self.classes = classes
    }

    /// The predictions as JSON values: labels as text or numbers, values as numbers.
    public var json: [JSONValue] {
        if let labels {
            return labels.map { label in
                switch label {
                case .text(let text): .string(text)
                case .number(let number): .number(number)
                }
            }
        }
        return (values ?? []).map(JSONValue.number)
    }
}

extension FittedModel {
    /// Predicts for a table of the model's inputs (``inputMatrix(selectingFrom:)``): labels for a
    /// classifier, values otherwise, and with `probabilities` each class's probability.
    /// - Throws: ``ToolboxError/Code/unsupported`` when the model does not predict, or
    ///   probabilities are asked of one that is not a classifier; what mapping the input throws.
    public func predictions(_ table: DataTable, probabilities: Bool = false) throws -> Predictions {
        let x = try inputMatrix(selectingFrom: table)
        if let classifier {
            var result = Predictions(labels: try classifier.predictLabels(x), classes: classifier.classLabels)
            if probabilities { result.probabilities = try classifier.predictProbabilities(x) }
            return result
        }
        guard !probabilities else {
            throw ToolboxError(.unsupported, "probabilities need a classifier; \(Self.modelTypeName) is not one", context: ErrorContext(parameter: "probabilities"))
        }
        guard let predictor else {
            throw ToolboxError(.unsupported, "\(Self.modelTypeName) does not predict", context: ErrorContext(parameter: "model"))
        }
        return Predictions(values: try predictor.predict(x))
    }
}
