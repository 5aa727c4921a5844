import Foundation
import Hummingbird
import LearnKit
import ToolboxCore
import ToolboxHTTP

/// A protocol's answer: the JSON, the predictions behind it and the rows they are for.
struct Answer {
    var output: JSONOutput
    var predictions: Predictions
    /// The rows, as a table (the slow path) or a matrix in the model's column order (the fast one).
    var table: DataTable?
    var matrix: Matrix<Double>?

    /// The rows as a table of the model's inputs.
    func inputs(_ served: ServedModel) -> DataTable? {
        if let table { return table }
        guard let x = matrix else { return nil }
        return try? DataTable(served.inputNames.indices.map { (served.inputNames[$0], .numeric(x.column($0))) })
    }
}

/// KServe's V1 protocol: `{"instances": [...]}` in, `{"predictions": [...]}` out.
enum KServeV1 {
    /// The request's rows as a table of the model's inputs (`instances`, or `inputs` as KServe
    /// also takes), and its `parameters`.
    static func records(_ served: ServedModel, body: JSONValue) throws -> (records: [JSONValue], field: String, parameters: [String: JSONValue]) {
        guard case .object(let members) = body else {
            throw ServeError(.badRequest, "the body is \(body.compactDescription); V1 takes an object {\"instances\": [...]}")
        }
        let field = members["instances"] != nil ? "instances" : "inputs"
        guard let value = members[field] else {
            throw ServeError(.badRequest, "the body lacks \"instances\" (a list of rows: objects by column name, or lists in the model's column order \(DataTable.listing(served.inputNames)))")
        }
        guard case .array(let records) = value else {
            throw ServeError(.badRequest, "\(field) is \(value.compactDescription); it must be a list of rows")
        }
        var parameters: [String: JSONValue] = [:]
        if let given = members["parameters"] {
            guard case .object(let object) = given else { throw ServeError(.badRequest, "parameters is \(given.compactDescription); it must be an object") }
            parameters = object
        }
        return (records, field, parameters)
    }

    static func rows(_ served: ServedModel, body: JSONValue, configuration: ServeConfiguration) throws -> (DataTable, [String: JSONValue]) {
        let (records, field, parameters) = try records(served, body: body)
        let table = try served.model.inputTable(records: records, path: field, maximumRows: configuration.maxRows)
        return (table, parameters)
    }

    static func flag(_ parameters: [String: JSONValue], _ name: String) throws -> Bool {
        switch parameters[name] {
        case nil, .null: return false
        case .bool(let value): return value
        case let other?: throw ServeError(.badRequest, "parameters.\(name) is \(other.compactDescription); it must be true or false")
        }
    }

    static func label(_ label: ClassLabel) -> JSONOutput {
        switch label {
        case .text(let text): .string(text)
        case .number(let number): number == number.rounded() && abs(number) < 9e15 ? .integer(Int64(number)) : .number(number)
        }
    }

    static func predict(_ served: ServedModel, body: JSONValue, configuration: ServeConfiguration) throws -> Answer {
        let (records, field, parameters) = try records(served, body: body)
        let probabilities = try flag(parameters, "probabilities")
        if probabilities && !served.isClassifier {
            throw ServeError(.badRequest, "parameters.probabilities needs a classifier; \(served.name) is a \(served.typeName)")
        }
        var table: DataTable?, matrix: Matrix<Double>?
        let predictions: Predictions
        // Numeric models read the rows straight into their matrix; others through a table.
        if let x = try served.model.inputMatrix(records: records, path: field, maximumRows: configuration.maxRows) {
            predictions = try served.model.predictions(matrix: x, probabilities: probabilities)
            matrix = x
        } else {
            let rows = try served.model.inputTable(records: records, path: field, maximumRows: configuration.maxRows)
            predictions = try served.model.predictions(rows, probabilities: probabilities)
            table = rows
        }
        var members: [(String, JSONOutput)] = []
        if let labels = predictions.labels {
            members.append(("predictions", .array(labels.map(label))))
        } else {
            members.append(("predictions", .array((predictions.values ?? []).map(JSONOutput.number))))
        }
        if let matrix = predictions.probabilities, let classes = predictions.classes {
            members.append(("probabilities", .array((0..<matrix.rows).map { i in .array(matrix.row(i).map(JSONOutput.number)) })))
            members.append(("classes", .array(classes.map(label))))
        }
        return Answer(output: .object(members), predictions: predictions, table: table, matrix: matrix)
    }

    static func explain(_ served: ServedModel, body: JSONValue, configuration: ServeConfiguration) throws -> Answer {
        guard let explainable = served.model as? any TreeExplainable else {
            throw ServeError(.badRequest, "explanations (TreeSHAP) need a tree model; \(served.name) is a \(served.typeName)")
        }
        let (table, _) = try rows(served, body: body, configuration: configuration)
        let x = try served.model.inputMatrix(selectingFrom: table)
        let predictions = try served.model.predictions(table)
        let shap = try explainable.shapValues(x, threads: 1)
        let names = served.inputNames
        var explanations: [JSONOutput] = []
        for row in 0..<x.rows {
            var outputs: [JSONOutput] = []
            for output in shap.values.indices {
                var entry: [(String, JSONOutput)] = []
                if let classes = shap.explainedClasses, output < classes.count { entry.append(("class", label(classes[output]))) }
                let values = shap.values[output].row(row)
                entry.append(("shap_values", .object(names.indices.map { (names[$0], .number(values[$0])) })))
                entry.append(("expected_value", .number(shap.expectedValue[output])))
                outputs.append(.object(entry))
            }
            explanations.append(outputs.count == 1 ? outputs[0] : .object([("outputs", .array(outputs))]))
        }
        let predicted: JSONOutput = predictions.labels.map { .array($0.map(label)) } ?? .array((predictions.values ?? []).map(JSONOutput.number))
        return Answer(output: .object([("predictions", predicted), ("explanations", .array(explanations))]), predictions: predictions, table: table, matrix: nil)
    }
}
