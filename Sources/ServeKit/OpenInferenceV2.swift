import Foundation
import Hummingbird
import ToolboxCore
import ToolboxHTTP

/// The Open Inference Protocol (KServe V2): tensors in, tensors out.
enum OpenInferenceV2 {
    /// The datatype a column is described with: `BYTES` for categorical, `FP64` otherwise.
    static func datatype(_ served: ServedModel, column: Int) -> String { served.categories[column] != nil ? "BYTES" : "FP64" }

    static func labelDatatype(_ classes: [ClassLabel]) -> String {
        if classes.allSatisfy({ if case .number(let n) = $0 { n == n.rounded() && abs(n) < 9e15 } else { false } }) { return "INT64" }
        if classes.allSatisfy({ if case .number = $0 { true } else { false } }) { return "FP64" }
        return "BYTES"
    }

    /// `GET /v2/models/NAME`: name, versions, platform, inputs and outputs.
    static func metadata(_ served: ServedModel, versions: [String]) -> JSONOutput {
        let inputs: [JSONOutput] = served.inputNames.indices.map { j in
            .object([("name", .string(served.inputNames[j])), ("datatype", .string(datatype(served, column: j))), ("shape", .array([.integer(-1)]))])
        }
        var outputs: [JSONOutput] = []
        if let classes = served.classes {
            outputs.append(.object([("name", .string("label")), ("datatype", .string(labelDatatype(classes))), ("shape", .array([.integer(-1)]))]))
            outputs.append(.object([("name", .string("probabilities")), ("datatype", .string("FP64")), ("shape", .array([.integer(-1), .integer(Int64(classes.count))])),
                                    ("parameters", .object([("classes", .array(classes.map(KServeV1.label)))]))]))
        } else {
            outputs.append(.object([("name", .string("value")), ("datatype", .string("FP64")), ("shape", .array([.integer(-1)]))]))
        }
        return .object([("name", .string(served.name)), ("versions", .array(versions.map(JSONOutput.string))), ("platform", .string("dstoolbox")),
                        ("inputs", .array(inputs)), ("outputs", .array(outputs))])
    }

    static let integerRanges: [String: ClosedRange<Double>] = [
        "INT8": -128...127, "INT16": -32_768...32_767, "INT32": -2_147_483_648...2_147_483_647, "INT64": -9_223_372_036_854_775_808...9_223_372_036_854_775_807,
        "UINT8": 0...255, "UINT16": 0...65_535, "UINT32": 0...4_294_967_295, "UINT64": 0...18_446_744_073_709_551_615,
    ]

    /// One input tensor, checked: its name, shape, datatype and flat data.
    struct Tensor {
        var name: String
        var shape: [Int]
        var datatype: String
        var data: [JSONValue]
    }

    static func tensor(_ value: JSONValue, at path: String, maxElements: Int) throws -> Tensor {
        guard case .object(let members) = value else { throw ServeError(.badRequest, "\(path) is \(value.compactDescription); an input is an object {name, shape, datatype, data}") }
        guard case .string(let name)? = members["name"] else { throw ServeError(.badRequest, "\(path).name is missing or not a string") }
        guard case .array(let shapeItems)? = members["shape"] else { throw ServeError(.badRequest, "\(path).shape is missing or not a list of sizes") }
        let shape = try shapeItems.enumerated().map { index, item -> Int in
            guard case .number(let size) = item, size >= 0, size == size.rounded(), size <= Double(maxElements) else {
                throw ServeError(.badRequest, "\(path).shape[\(index)] is \(item.compactDescription); a size is a whole number from 0 to \(maxElements)")
            }
            return Int(size)
        }
        guard case .string(let datatype)? = members["datatype"] else { throw ServeError(.badRequest, "\(path).datatype is missing or not a string") }
        guard datatype == "BOOL" || datatype == "BYTES" || datatype == "FP32" || datatype == "FP64" || datatype == "FP16" || integerRanges[datatype] != nil else {
            throw ServeError(.badRequest, "\(path).datatype is \(ToolboxError.excerpt(datatype)); it is one of BOOL, INT8-64, UINT8-64, FP16, FP32, FP64, BYTES")
        }
        guard let data = members["data"] else { throw ServeError(.badRequest, "\(path).data is missing") }
        let expected = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard expected <= maxElements else { throw ServeError(.contentTooLarge, "\(path).shape \(shape) holds more than \(maxElements) elements") }
        var flat: [JSONValue] = []
        flat.reserveCapacity(expected)
        func flatten(_ item: JSONValue) {
            if case .array(let items) = item { for inner in items { flatten(inner) } } else { flat.append(item) }
        }
        flatten(data)
        guard flat.count == expected else {
            throw ServeError(.badRequest, "\(path).data holds \(flat.count) values; its shape \(shape) needs \(expected)")
        }
        // Each value must be of the declared type.
        for (index, item) in flat.enumerated() {
            let location = "\(path).data[\(index)]"
            switch datatype {
            case "BOOL":
                guard case .bool = item else { throw ServeError(.badRequest, "\(location) is \(item.compactDescription); BOOL data are true or false") }
            case "BYTES":
                guard case .string = item else { throw ServeError(.badRequest, "\(location) is \(item.compactDescription); BYTES data are strings") }
            case "FP16", "FP32", "FP64":
                guard case .number(let number) = item else {
                    throw ServeError(.badRequest, "\(location) is \(item.compactDescription); \(datatype) data are numbers (NaN and Infinity are not JSON)")
                }
                if datatype == "FP32", abs(number) > Double(Float.greatestFiniteMagnitude) { throw ServeError(.badRequest, "\(location) is \(number), out of FP32's range") }
                if datatype == "FP16", abs(number) > 65_504 { throw ServeError(.badRequest, "\(location) is \(number), out of FP16's range") }
            default:
                guard case .number(let number) = item, number == number.rounded(), integerRanges[datatype]!.contains(number) else {
                    throw ServeError(.badRequest, "\(location) is \(item.compactDescription); \(datatype) data are whole numbers in \(integerRanges[datatype]!)")
                }
            }
        }
        if datatype == "FP32" { flat = flat.map { if case .number(let n) = $0 { .number(Double(Float(n))) } else { $0 } } }
        return Tensor(name: name, shape: shape, datatype: datatype, data: flat)
    }

    /// The request's inputs as rows: named inputs per column (shape `[n]` or `[n, 1]`), or one
    /// input of shape `[n, d]` in the model's column order.
    static func rows(_ served: ServedModel, inputs: [Tensor], configuration: ServeConfiguration) throws -> [JSONValue] {
        let names = served.inputNames
        let d = names.count
        if inputs.count == 1, inputs[0].shape.count == 2, !(d == 1 && inputs[0].name == names[0]) {
            let tensor = inputs[0]
            guard tensor.shape[1] == d else {
                throw ServeError(.badRequest, "inputs[0] has shape \(tensor.shape); the model takes \(d) features per row (\(DataTable.listing(names)))")
            }
            let n = tensor.shape[0]
            return (0..<n).map { i in .array(Array(tensor.data[(i * d)..<((i + 1) * d)])) }
        }
        var byName: [String: Tensor] = [:]
        for (index, tensor) in inputs.enumerated() {
            guard names.contains(tensor.name) else {
                throw ServeError(.badRequest, "inputs[\(index)] is named \(ToolboxError.excerpt(tensor.name)), not an input of the model; inputs: \(DataTable.listing(names))")
            }
            guard byName[tensor.name] == nil else { throw ServeError(.badRequest, "inputs[\(index)]: input \(tensor.name) is given twice") }
            guard tensor.shape.count == 1 || (tensor.shape.count == 2 && tensor.shape[1] == 1) else {
                throw ServeError(.badRequest, "inputs[\(index)] (\(tensor.name)) has shape \(tensor.shape); a column is [n] or [n, 1]")
            }
            byName[tensor.name] = tensor
        }
        let missing = names.filter { byName[$0] == nil }
        guard missing.isEmpty else { throw ServeError(.badRequest, "the request lacks the inputs \(DataTable.listing(missing, limit: 10))") }
        let n = byName[names[0]]!.shape[0]
        for name in names where byName[name]!.shape[0] != n {
            throw ServeError(.badRequest, "input \(name) has \(byName[name]!.shape[0]) rows; \(names[0]) has \(n)")
        }
        let columns = names.map { byName[$0]!.data }
        return (0..<n).map { i in .array(columns.map { $0[i] }) }
    }

    /// `POST /v2/models/NAME/infer`.
    static func infer(_ served: ServedModel, body: JSONValue, id: String, configuration: ServeConfiguration) throws -> Answer {
        guard case .object(let members) = body else {
            throw ServeError(.badRequest, "the body is \(body.compactDescription); an inference request is an object {\"inputs\": [...]}")
        }
        guard case .array(let inputItems)? = members["inputs"], !inputItems.isEmpty else {
            throw ServeError(.badRequest, "the request lacks \"inputs\" (a non-empty list of tensors {name, shape, datatype, data})")
        }
        let maxElements = configuration.maxRows * max(1, served.inputNames.count)
        let inputs = try inputItems.enumerated().map { try tensor($1, at: "inputs[\($0)]", maxElements: maxElements) }
        let records = try rows(served, inputs: inputs, configuration: configuration)
        let known = served.isClassifier ? ["label", "probabilities"] : ["value"]
        var wanted = known
        if let requested = members["outputs"] {
            guard case .array(let items) = requested else { throw ServeError(.badRequest, "outputs is \(requested.compactDescription); it must be a list of {name}") }
            wanted = try items.enumerated().map { index, item in
                guard case .object(let output) = item, case .string(let name)? = output["name"] else {
                    throw ServeError(.badRequest, "outputs[\(index)] is \(item.compactDescription); an output is {\"name\": ...}")
                }
                guard known.contains(name) else {
                    throw ServeError(.badRequest, "outputs[\(index)] asks for \(ToolboxError.excerpt(name)); \(served.name) gives \(known.joined(separator: ", "))")
                }
                return name
            }
        }
        var table: DataTable?, matrix: Matrix<Double>?
        let predictions: Predictions
        if let x = try served.model.inputMatrix(records: records, path: "inputs", maximumRows: configuration.maxRows) {
            predictions = try served.model.predictions(matrix: x, probabilities: wanted.contains("probabilities"))
            matrix = x
        } else {
            let rows = try served.model.inputTable(records: records, path: "inputs", maximumRows: configuration.maxRows)
            predictions = try served.model.predictions(rows, probabilities: wanted.contains("probabilities"))
            table = rows
        }
        let n = records.count
        var outputs: [JSONOutput] = []
        for name in wanted {
            switch name {
            case "label":
                let classes = predictions.classes ?? []
                outputs.append(.object([("name", .string("label")), ("datatype", .string(labelDatatype(classes))), ("shape", .array([.integer(Int64(n))])),
                                        ("data", .array((predictions.labels ?? []).map(KServeV1.label)))]))
            case "probabilities":
                let matrix = predictions.probabilities!
                outputs.append(.object([("name", .string("probabilities")), ("datatype", .string("FP64")),
                                        ("shape", .array([.integer(Int64(matrix.rows)), .integer(Int64(matrix.columns))])),
                                        ("parameters", .object([("classes", .array((predictions.classes ?? []).map(KServeV1.label)))])),
                                        ("data", .array(matrix.values.map(JSONOutput.number)))]))
            default:
                outputs.append(.object([("name", .string("value")), ("datatype", .string("FP64")), ("shape", .array([.integer(Int64(n))])),
                                        ("data", .array((predictions.values ?? []).map(JSONOutput.number)))]))
            }
        }
        return Answer(output: .object([("model_name", .string(served.name)), ("model_version", .string(served.version)), ("id", .string(id)), ("outputs", .array(outputs))]),
                      predictions: predictions, table: table, matrix: matrix)
    }
}
