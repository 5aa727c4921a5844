import DSToolbox
import Foundation
import Hummingbird
import HummingbirdTesting
import ServeKit
import ToolboxCore
import ToolboxHTTP

/// Three models on disk (a boosted classifier with a categorical column and text labels, a
/// logistic regression, a boosted regressor), a key file with every kind of key, and the rows
/// they were fitted on.
struct ServeFixture {
    let dir: String
    let table: DataTable
    let classifierPath: String, logisticPath: String, regressorPath: String
    let keyFile: String
    var keys: [String: String] = [:]
    var keyIDs: [String: String] = [:]
    static let features = ["age", "income", "tenure", "score", "plan"]

    init() throws {
        try Toolbox.registerAll()
        dir = NSTemporaryDirectory() + "dstb-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let data = try DataGenerators.classification(samples: 400, features: 4, informative: 3, redundant: 0, seed: 11)
        let plans = ["basic", "plus", "pro"]
        var columns: [(name: String, column: DataTable.Column)] = (0..<4).map { j in (Self.features[j], .numeric(data.x.column(j))) }
        columns.append(("plan", .categorical((0..<data.x.rows).map { plans[$0 % 3] })))
        columns.append(("churned", .categorical(data.y.map { $0 == 1 ? "yes" : "no" })))
        columns.append(("spend", .numeric((0..<data.x.rows).map { 3 * data.x[$0, 0] - data.x[$0, 1] + Double($0 % 3) })))
        table = try DataTable(columns)
        let features = try table.selecting(Self.features).toMatrix()
        let target = try table.target(named: "churned")
        let context = FitContext(features, targetLabels: target.labels)
        var boosting = HistGradientBoostingClassifier()
        boosting.parameters.maxIterations = 30
        classifierPath = dir + "/churn.dstbx"
        try ModelArchive.save(try boosting.fit(features.matrix, target.values, context: context), to: classifierPath)
        let numeric = try table.selecting(Array(Self.features.prefix(4))).toMatrix()
        logisticPath = dir + "/logistic.dstbx"
        try ModelArchive.save(try LogisticRegression().fit(numeric.matrix, target.values, context: FitContext(numeric, targetLabels: target.labels)), to: logisticPath)
        var regressor = HistGradientBoostingRegressor()
        regressor.parameters.maxIterations = 20
        regressorPath = dir + "/spend.dstbx"
        try ModelArchive.save(try regressor.fit(features.matrix, try table.target(named: "spend").values, context: FitContext(features)), to: regressorPath)
        keyFile = dir + "/keys.json"
        for (name, scopes, rate) in [("churn", ["predict:churn"], nil), ("explain", ["explain:churn"], nil), ("all", ["predict:*"], nil),
                                     ("metrics", ["metrics"], nil), ("admin", ["admin"], nil), ("spend", ["predict:spend"], nil),
                                     ("limited", ["predict:churn"], "2/m"), ("revoked", ["predict:*"], nil)] as [(String, [String], String?)] {
            let added = try APIKeyFile.add(to: keyFile, scopes: scopes, rate: rate)
            keys[name] = added.key
            keyIDs[name] = added.record.id
        }
        try APIKeyFile.revoke(keyIDs["revoked"]!, in: keyFile)
    }

    func repository() async throws -> ModelRepository {
        let repository = ModelRepository()
        try await repository.add(name: "churn", source: ModelSource(classifierPath))
        try await repository.add(name: "logistic", source: ModelSource(logisticPath))
        try await repository.add(name: "spend", source: ModelSource(regressorPath))
        return repository
    }

    func server(open: Bool = false, configure: (inout ServeConfiguration) -> Void = { _ in }) async throws -> InferenceServer {
        var configuration = ServeConfiguration()
        configure(&configuration)
        return InferenceServer(models: try await repository(), keys: open ? nil : try APIKeyring(path: keyFile), configuration: configuration)
    }

    /// Row `i` as a JSON object by column name.
    func record(_ i: Int, columns: [String] = ServeFixture.features, shift: [String: Double] = [:]) -> String {
        "{" + columns.map { name in
            let column = table.columnIndex(named: name)!
            switch table.columns[column] {
            case .numeric(let values): return "\"\(name)\": \(values[i] + (shift[name] ?? 0))"
            case .categorical(let values): return "\"\(name)\": \"\(values[i]!)\""
            }
        }.joined(separator: ", ") + "}"
    }

    /// Row `i` as a V2 request with one input per column.
    func v2Columns(_ i: Int) -> String {
        let inputs = ServeFixture.features.map { name in
            let column = table.columnIndex(named: name)!
            switch table.columns[column] {
            case .numeric(let values): return #"{"name": "\#(name)", "shape": [1], "datatype": "FP64", "data": [\#(values[i])]}"#
            case .categorical(let values): return #"{"name": "\#(name)", "shape": [1], "datatype": "BYTES", "data": ["\#(values[i]!)"]}"#
            }
        }
        return #"{"inputs": [\#(inputs.joined(separator: ", "))]}"#
    }

    /// A JSON value as JSONSerialization's types (numbers as NSNumber of their exact double).
    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let flag): return flag
        case .number(let number): return NSNumber(value: number)
        case .string(let text): return text
        case .array(let items): return items.map(foundation)
        case .object(let members): return members.mapValues(foundation)
        }
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: dir) }

    static func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, key: String? = nil, body: String? = nil,
                     raw: [UInt8]? = nil, headers extra: HTTPFields = [:]) async throws -> (status: Int, json: [String: Any]?, text: String, headers: HTTPFields) {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil { headers[.contentType] = "application/json" }
        let payload = body.map { ByteBuffer(string: $0) } ?? raw.map { ByteBuffer(bytes: $0) }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: payload)
        let data = Data(response.body.readableBytesView)
        // Read with the strict reader: Foundation's parser on Linux can miss a double's last bit.
        let object = (try? StrictJSON.parse(Array(data))).flatMap { foundation($0) as? [String: Any] }
        return (Int(response.status.code), object, String(decoding: data, as: UTF8.self), response.headers)
    }
}
