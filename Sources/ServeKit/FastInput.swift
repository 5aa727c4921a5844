import ToolboxCore

/// The request path for models whose inputs are all numbers (no categories, no table steps):
/// the JSON rows go straight into the model's matrix, in its column order, with the checks
/// and messages of `DataTable(records:schema:)`, and without building a table per request.
enum FastInput {
    /// Whether `served` takes the fast path.
    static func applies(_ served: ServedModel) -> Bool {
        served.categories.isEmpty && !(served.model is DynamicPipelineModel)
    }

    /// The matrix of `records` (objects by column name, or lists in column order).
    static func matrix(_ records: [JSONValue], served: ServedModel, path: String, maximumRows: Int) throws -> Matrix<Double> {
        guard records.count <= maximumRows else {
            throw ToolboxError(.tooLarge, "\(path) holds \(records.count) rows; at most \(maximumRows) are taken", context: ErrorContext(parameter: path))
        }
        guard !records.isEmpty else { throw ToolboxError(.invalidData, "\(path) holds no rows", context: ErrorContext(parameter: path)) }
        let names = served.inputNames
        let d = names.count
        let hasNames = served.model.schema.featureNames != nil
        var values = [Double](repeating: 0, count: records.count * d)
        for (row, record) in records.enumerated() {
            switch record {
            case .array(let items):
                guard items.count == d else {
                    throw ToolboxError(.invalidData, "\(path)[\(row)] holds \(items.count) values; the model takes \(d) (\(DataTable.listing(names)))",
                                       context: ErrorContext(row: row, parameter: "\(path)[\(row)]"))
                }
                for j in 0..<d { values[row * d + j] = try number(items[j], names[j], "\(path)[\(row)][\(j)]", row: row) }
            case .object(let members):
                guard hasNames else {
                    throw ToolboxError(.invalidData, "\(path)[\(row)] is an object, but the model has no column names: give each row as a list in its column order",
                                       context: ErrorContext(row: row, parameter: "\(path)[\(row)]"))
                }
                for j in 0..<d {
                    guard let value = members[names[j]] else {
                        throw ToolboxError(.notFound, "\(path)[\(row)] lacks column \(names[j]); the model takes \(DataTable.listing(names))",
                                           context: ErrorContext(column: names[j], row: row, parameter: "\(path)[\(row)].\(names[j])"))
                    }
                    values[row * d + j] = try number(value, names[j], "\(path)[\(row)].\(names[j])", row: row)
                }
            default:
                throw ToolboxError(.invalidData, "\(path)[\(row)] is \(record.compactDescription); a row is an object by column name or a list of values",
                                   context: ErrorContext(row: row, parameter: "\(path)[\(row)]"))
            }
        }
        return try Matrix(rows: records.count, columns: d, values: values)
    }

    @inline(__always)
    static func number(_ value: JSONValue, _ name: String, _ location: @autoclosure () -> String, row: Int) throws -> Double {
        switch value {
        case .number(let number): return number
        case .null: return .nan
        case .bool(let flag): return flag ? 1 : 0
        default:
            let place = location()
            throw ToolboxError(.invalidData, "\(place) is \(value.compactDescription); \(name) takes a number", context: ErrorContext(column: name, row: row, parameter: place))
        }
    }

    /// The model's predictions for `x`, as ``ToolboxCore/FittedModel/predictions(_:probabilities:)`` gives them for a table.
    static func predictions(_ served: ServedModel, _ x: Matrix<Double>, probabilities: Bool) throws -> Predictions {
        let model = served.model
        if let classifier = model.classifier {
            var result = Predictions(labels: try classifier.predictLabels(x), classes: classifier.classLabels)
            if probabilities { result.probabilities = try classifier.predictProbabilities(x) }
            return result
        }
        guard !probabilities else {
            throw ToolboxError(.unsupported, "probabilities need a classifier; \(served.typeName) is not one", context: ErrorContext(parameter: "probabilities"))
        }
        guard let predictor = model.predictor else {
            throw ToolboxError(.unsupported, "\(served.typeName) does not predict", context: ErrorContext(parameter: "model"))
        }
        return Predictions(values: try predictor.predict(x))
    }

    /// The matrix as a table of the model's inputs (for logging and drift watching).
    static func table(_ x: Matrix<Double>, names: [String]) throws -> DataTable {
        try DataTable(names.indices.map { (names[$0], .numeric(x.column($0))) })
    }
}
