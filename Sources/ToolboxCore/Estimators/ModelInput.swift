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
    /// - Parameter records: the rows: objects by column name, or arrays in the model's column order.
    /// - Parameter schema: the model's feature schema.
    /// - Parameter inputCount: the model's input width, for models without column names.
    /// - Parameter maximumRows: the most rows accepted.
    /// - Throws: ``ToolboxError/Code/invalidData`` naming the JSON path for a record of the
    ///   wrong shape, a value of the wrong type or an unknown category;
    ///   ``ToolboxError/Code/notFound`` for a missing column; ``ToolboxError/Code/tooLarge`` past
    ///   `maximumRows`.
    public init(records: [JSONValue], schema: ModelSchema, inputCount: Int, path: String = "instances", maximumRows: Int = 1_000_000) throws {
        try JSONRecords.checkCount(records.count, path: path, maximumRows: maximumRows)
        let names = schema.featureNames ?? (0..<inputCount).map { "x\($0)" }
        var categories: [Int: Set<String>] = [:]
        for feature in schema.categoricalFeatures where feature.column < names.count { categories[feature.column] = Set(feature.categories) }
        var numbers = [[Double]](repeating: [], count: names.count)
        var texts = [[String?]](repeating: [], count: names.count)
        for j in names.indices {
            if categories[j] != nil { texts[j].reserveCapacity(records.count) } else { numbers[j].reserveCapacity(records.count) }
        }
        let hasNames = schema.featureNames != nil
        for (row, record) in records.enumerated() {
            let values = try JSONRecords.values(of: record, row: row, names: names, hasNames: hasNames, path: path)
            for (j, value) in values.enumerated() {
                if let known = categories[j] {
                    switch value {
                    case .null: texts[j].append(nil)
                    case .string(let text):
                        guard known.contains(text) else {
                            let location = JSONRecords.location(record, row: row, column: j, names: names, path: path)
                            throw ToolboxError(.invalidData, "\(location) is \(ToolboxError.excerpt(text)), a category of \(names[j]) not seen in fit; known: \(DataTable.listing(known.sorted()))",
                                               context: ErrorContext(column: names[j], row: row, parameter: location))
                        }
                        texts[j].append(text)
                    default:
                        let location = JSONRecords.location(record, row: row, column: j, names: names, path: path)
                        throw ToolboxError(.invalidData, "\(location) is \(value.compactDescription); \(names[j]) is categorical and takes text",
                                           context: ErrorContext(column: names[j], row: row, parameter: location))
                    }
                } else {
                    numbers[j].append(try JSONRecords.number(value, name: names[j], row: row,
                                                             location: JSONRecords.location(record, row: row, column: j, names: names, path: path)))
                }
            }
        }
        try self.init(names.indices.map { j in (names[j], categories[j] != nil ? .categorical(texts[j]) : .numeric(numbers[j])) })
    }
}

/// Reading the rows of a JSON request (KServe's `instances`, V2's tensors as rows): the checks
/// and messages `DataTable(records:schema:inputCount:)` and `FittedModel.inputMatrix(records:)` share.
enum JSONRecords {
    /// At least one row, at most `maximumRows`.
    static func checkCount(_ count: Int, path: String, maximumRows: Int) throws {
        guard count <= maximumRows else {
            throw ToolboxError(.tooLarge, "\(path) holds \(count) rows; at most \(maximumRows) are taken", context: ErrorContext(parameter: path))
        }
        guard count > 0 else { throw ToolboxError(.invalidData, "\(path) holds no rows", context: ErrorContext(parameter: path)) }
    }

    /// Row `row`'s values in the model's column order: a list of exactly the model's width, or
    /// an object holding every column by name (other keys ignored).
    static func values(of record: JSONValue, row: Int, names: [String], hasNames: Bool, path: String) throws -> [JSONValue] {
        switch record {
        case .object(let members):
            guard hasNames else {
                throw ToolboxError(.invalidData, "\(path)[\(row)] is an object, but the model has no column names: give each row as a list in its column order",
                                   context: ErrorContext(row: row, parameter: "\(path)[\(row)]"))
            }
            return try names.map { name in
                guard let value = members[name] else {
                    throw ToolboxError(.notFound, "\(path)[\(row)] lacks column \(name); the model takes \(DataTable.listing(names))",
                                       context: ErrorContext(column: name, row: row, parameter: "\(path)[\(row)].\(name)"))
                }
                return value
            }
        case .array(let items):
            guard items.count == names.count else {
                throw ToolboxError(.invalidData, "\(path)[\(row)] holds \(items.count) values; the model takes \(names.count) (\(DataTable.listing(names)))",
                                   context: ErrorContext(row: row, parameter: "\(path)[\(row)]"))
            }
            return items
        default:
            throw ToolboxError(.invalidData, "\(path)[\(row)] is \(record.compactDescription); a row is an object by column name or a list of values",
                               context: ErrorContext(row: row, parameter: "\(path)[\(row)]"))
        }
    }

    /// Where column `column` of row `row` is in the request (`instances[3].age`, `instances[3][0]`).
    static func location(_ record: JSONValue, row: Int, column: Int, names: [String], path: String) -> String {
        if case .object = record { return "\(path)[\(row)].\(names[column])" }
        return "\(path)[\(row)][\(column)]"
    }

    /// A numeric column's value: a number, a boolean as 1 or 0, `null` as missing (NaN).
    @inline(__always)
    static func number(_ value: JSONValue, name: String, row: Int, location: @autoclosure () -> String) throws -> Double {
        switch value {
        case .number(let number): return number
        case .null: return .nan
        case .bool(let flag): return flag ? 1 : 0
        default:
            let place = location()
            throw ToolboxError(.invalidData, "\(place) is \(value.compactDescription); \(name) takes a number", context: ErrorContext(column: name, row: row, parameter: place))
        }
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
    /// The rows of a JSON request as a table of the model's inputs: for a pipeline with table
    /// steps, the columns it was fitted on (numbers, and any text in its text columns, `null`
    /// for missing; other keys ignored); for any other model
    /// ``DataTable/init(records:schema:inputCount:path:maximumRows:)``.
    public func inputTable(records: [JSONValue], path: String = "instances", maximumRows: Int = 1_000_000) throws -> DataTable {
        guard let pipeline = self as? DynamicPipelineModel, !pipeline.tableSteps.isEmpty, let inputs = pipeline.tableInputs else {
            return try DataTable(records: records, schema: schema, inputCount: inputFeatureCount, path: path, maximumRows: maximumRows)
        }
        try JSONRecords.checkCount(records.count, path: path, maximumRows: maximumRows)
        let names = inputs.map(\.name)
        var numbers = [[Double]](repeating: [], count: names.count)
        var texts = [[String?]](repeating: [], count: names.count)
        for (row, record) in records.enumerated() {
            let values = try JSONRecords.values(of: record, row: row, names: names, hasNames: true, path: path)
            for (j, value) in values.enumerated() {
                if inputs[j].kind == .categorical {
                    switch value {
                    case .null: texts[j].append(nil)
                    case .string(let text): texts[j].append(text)
                    case .number(let number): texts[j].append(ClassLabel.number(number).description)
                    case .bool(let flag): texts[j].append(flag ? "true" : "false")
                    default:
                        let location = JSONRecords.location(record, row: row, column: j, names: names, path: path)
                        throw ToolboxError(.invalidData, "\(location) is \(value.compactDescription); \(names[j]) takes text",
                                           context: ErrorContext(column: names[j], row: row, parameter: location))
                    }
                } else {
                    numbers[j].append(try JSONRecords.number(value, name: names[j], row: row,
                                                             location: JSONRecords.location(record, row: row, column: j, names: names, path: path)))
                }
            }
        }
        return try DataTable(names.indices.map { j in (names[j], inputs[j].kind == .categorical ? .categorical(texts[j]) : .numeric(numbers[j])) })
    }

    /// The input matrix of a JSON request's rows, straight from the JSON for a model whose inputs
    /// are all numbers (no categorical inputs, no table steps), with the checks and messages of
    /// ``DataTable/init(records:schema:inputCount:path:maximumRows:)``; `nil` for other models,
    /// whose rows go through a table.
    public func inputMatrix(records: [JSONValue], path: String = "instances", maximumRows: Int = 1_000_000) throws -> Matrix<Double>? {
        guard schema.categoricalFeatures.isEmpty, !(self is DynamicPipelineModel) else { return nil }
        try JSONRecords.checkCount(records.count, path: path, maximumRows: maximumRows)
        let names = schema.featureNames ?? (0..<inputFeatureCount).map { "x\($0)" }
        let d = names.count, hasNames = schema.featureNames != nil
        var values = [Double](repeating: 0, count: records.count * d)
        for (row, record) in records.enumerated() {
            let items = try JSONRecords.values(of: record, row: row, names: names, hasNames: hasNames, path: path)
            for j in 0..<d {
                values[row * d + j] = try JSONRecords.number(items[j], name: names[j], row: row,
                                                             location: JSONRecords.location(record, row: row, column: j, names: names, path: path))
            }
        }
        return try Matrix(rows: records.count, columns: d, values: values)
    }

    /// Predicts for a table of the model's inputs (``inputMatrix(selectingFrom:)``): labels for a
    /// classifier, values otherwise, and with `probabilities` each class's probability.
    /// - Throws: ``ToolboxError/Code/unsupported`` when the model does not predict, or
    ///   probabilities are asked of one that is not a classifier; what mapping the input throws.
    public func predictions(_ table: DataTable, probabilities: Bool = false) throws -> Predictions {
        try predictions(matrix: try inputMatrix(selectingFrom: table), probabilities: probabilities)
    }

    /// Predicts for `x`, the model's input matrix (``inputMatrix(selectingFrom:)``, or
    /// ``inputMatrix(records:path:maximumRows:)``): as ``predictions(_:probabilities:)``.
    public func predictions(matrix x: Matrix<Double>, probabilities: Bool = false) throws -> Predictions {
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
