import DSToolbox
import Foundation
import Hummingbird
import HummingbirdTesting
import ServeKit
import Testing
import ToolboxHTTP

/// KServe V1 and Open Inference V2 answer with the exact shapes their clients expect, and their
/// predictions are the model's own, bit for bit.
@Suite("Model server: protocols")
struct ProtocolTests {
    @Test func v1PredictEqualsTheModel() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await fixture.server())
        let model = try ModelFile.load(fixture.classifierPath)
        let rows = Array(0..<25)
        let expected = try model.predictions(try fixture.table.selecting(ServeFixture.features).rows(at: rows), probabilities: true)
        try await app.test(.router) { client in
            let key = fixture.keys["churn"]!
            // Objects by column name (extra keys ignored), with probabilities.
            let body = #"{"instances": ["# + rows.map { fixture.record($0) }.joined(separator: ", ") + #"], "parameters": {"probabilities": true}}"#
            let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: key, body: body)
            #expect(answer.status == 200, "\(answer.text)")
            let labels = try #require(answer.json?["predictions"] as? [String])
            #expect(labels == expected.labels!.map(\.description))
            #expect(answer.json?["classes"] as? [String] == ["no", "yes"])
            let probabilities = try #require(answer.json?["probabilities"] as? [[Double]])
            for (i, row) in probabilities.enumerated() { #expect(row == expected.probabilities!.row(i)) }
            // Rows as lists in the model's column order; no probabilities unless asked.
            let lists = #"{"instances": [[1.5, -0.25, 0.125, 3, "plus"]]}"#
            let listed = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: key, body: lists)
            #expect(listed.status == 200 && (listed.json?["predictions"] as? [String])?.count == 1 && listed.json?["probabilities"] == nil, "\(listed.text)")
            // A regressor answers numbers.
            let spend = try await ServeFixture.call(client, .post, "/v1/models/spend:predict", key: fixture.keys["spend"]!, body: #"{"instances": [\#(fixture.record(3))]}"#)
            let regressor = try ModelFile.load(fixture.regressorPath)
            let value = try regressor.predictions(try fixture.table.selecting(ServeFixture.features).rows(at: [3])).values![0]
            #expect(spend.json?["predictions"] as? [Double] == [value], "\(spend.text)")
            // Listing and readiness.
            let listing = try await ServeFixture.call(client, .get, "/v1/models", key: key)
            #expect(listing.json?["models"] as? [String] == ["churn", "logistic", "spend"])
            let ready = try await ServeFixture.call(client, .get, "/v1/models/churn", key: key)
            #expect(ready.json?["name"] as? String == "churn" && ready.json?["ready"] as? Bool == true)
        }
    }

    @Test func v1ExplainGivesSHAPPerFeature() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await fixture.server())
        let model = try ModelFile.load(fixture.classifierPath)
        let x = try model.inputMatrix(selectingFrom: try fixture.table.rows(at: [0, 1, 2]))
        let shap = try (model as! any TreeExplainable).shapValues(x, threads: 1)
        try await app.test(.router) { client in
            let body = #"{"instances": [\#(fixture.record(0)), \#(fixture.record(1)), \#(fixture.record(2))]}"#
            let answer = try await ServeFixture.call(client, .post, "/v1/models/churn:explain", key: fixture.keys["explain"]!, body: body)
            #expect(answer.status == 200, "\(answer.text)")
            let explanations = try #require(answer.json?["explanations"] as? [[String: Any]])
            #expect(explanations.count == 3 && (answer.json?["predictions"] as? [String])?.count == 3)
            for (row, explanation) in explanations.enumerated() {
                let values = try #require(explanation["shap_values"] as? [String: Double])
                for (j, name) in ServeFixture.features.enumerated() { #expect(values[name] == shap.values[0][row, j]) }
                #expect(explanation["expected_value"] as? Double == shap.expectedValue[0])
                #expect(explanation["class"] as? String == "yes")
            }
            // Predict keys do not explain; a linear model is not explained.
            #expect(try await ServeFixture.call(client, .post, "/v1/models/churn:explain", key: fixture.keys["churn"]!, body: body).status == 403)
            let linear = try await ServeFixture.call(client, .post, "/v1/models/logistic:explain", key: fixture.keys["admin"]!, body: #"{"instances": [[1, 2, 3, 4]]}"#)
            #expect(linear.status == 400 && (linear.json?["error"] as? String)?.contains("tree model") == true, "\(linear.text)")
        }
    }

    @Test func v2InferWithColumnsOrOneTensor() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await fixture.server())
        let model = try ModelFile.load(fixture.classifierPath)
        let rows = [4, 5, 6]
        let expected = try model.predictions(try fixture.table.rows(at: rows), probabilities: true)
        let numeric: @Sendable (String) -> [Double] = { name in rows.map { (try! fixture.table.numericColumn(named: name))[$0] } }
        let plans = rows.map { (try! fixture.table.categoricalColumn(named: "plan"))[$0]! }
        try await app.test(.router) { client in
            let key = fixture.keys["all"]!
            let inputs = ServeFixture.features.prefix(4).map { name in
                #"{"name": "\#(name)", "shape": [3], "datatype": "FP64", "data": \#(numeric(name))}"#
            } + [#"{"name": "plan", "shape": [3], "datatype": "BYTES", "data": ["\#(plans.joined(separator: "\", \""))"]}"#]
            let body = #"{"id": "request-7", "inputs": [\#(inputs.joined(separator: ", "))]}"#
            let answer = try await ServeFixture.call(client, .post, "/v2/models/churn/infer", key: key, body: body)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json?["id"] as? String == "request-7" && answer.json?["model_name"] as? String == "churn" && answer.json?["model_version"] as? String == "1")
            let outputs = try #require(answer.json?["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == ["label", "probabilities"])
            #expect(outputs[0]["datatype"] as? String == "BYTES" && outputs[0]["shape"] as? [Int] == [3])
            #expect(outputs[0]["data"] as? [String] == expected.labels!.map(\.description))
            #expect(outputs[1]["shape"] as? [Int] == [3, 2] && outputs[1]["data"] as? [Double] == expected.probabilities!.values)
            // One [n, d] tensor of the logistic model's four numeric columns; an id is generated.
            let logistic = try ModelFile.load(fixture.logisticPath)
            let x = try fixture.table.selecting(Array(ServeFixture.features.prefix(4))).rows(at: rows)
            let expectedLogistic = try logistic.predictions(x)
            let flat = rows.flatMap { i in ServeFixture.features.prefix(4).map { (try! fixture.table.numericColumn(named: $0))[i] } }
            let tensor = #"{"inputs": [{"name": "input-0", "shape": [3, 4], "datatype": "FP64", "data": \#(flat)}], "outputs": [{"name": "label"}]}"#
            let matrix = try await ServeFixture.call(client, .post, "/v2/models/logistic/infer", key: key, body: tensor)
            #expect(matrix.status == 200, "\(matrix.text)")
            let matrixOutputs = try #require(matrix.json?["outputs"] as? [[String: Any]])
            #expect(matrixOutputs.count == 1 && matrixOutputs[0]["data"] as? [String] == expectedLogistic.labels!.map(\.description))
            #expect((matrix.json?["id"] as? String)?.count == 36)
            // A regressor's output is `value`; the version path works.
            let spend = try await ServeFixture.call(client, .post, "/v2/models/spend/versions/1/infer", key: key, body: body)
            let spendOutputs = try #require(spend.json?["outputs"] as? [[String: Any]])
            let regressor = try ModelFile.load(fixture.regressorPath)
            let values = try regressor.predictions(try fixture.table.rows(at: rows)).values
            #expect(spendOutputs[0]["name"] as? String == "value" && spendOutputs[0]["data"] as? [Double] == values)
        }
    }

    @Test func v2MetadataHealthAndServer() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let server = try await fixture.server()
        let app = Application(responder: server)
        try await app.test(.router) { client in
            let key = fixture.keys["churn"]!
            #expect(try await ServeFixture.call(client, .get, "/v2/health/live").json?["live"] as? Bool == true)
            #expect(try await ServeFixture.call(client, .get, "/v2/health/ready").json?["ready"] as? Bool == true)
            let meta = try await ServeFixture.call(client, .get, "/v2/models/churn", key: key)
            #expect(meta.status == 200 && meta.json?["name"] as? String == "churn" && meta.json?["versions"] as? [String] == ["1"])
            let inputs = try #require(meta.json?["inputs"] as? [[String: Any]])
            #expect(inputs.map { $0["name"] as? String } == ServeFixture.features)
            #expect(inputs.map { $0["datatype"] as? String } == ["FP64", "FP64", "FP64", "FP64", "BYTES"])
            #expect(inputs.allSatisfy { $0["shape"] as? [Int] == [-1] })
            let outputs = try #require(meta.json?["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == ["label", "probabilities"])
            #expect(try await ServeFixture.call(client, .get, "/v2/models/churn/versions/1", key: key).status == 200)
            #expect(try await ServeFixture.call(client, .get, "/v2/models/churn/versions/9", key: key).status == 404)
            #expect(try await ServeFixture.call(client, .get, "/v2/models/churn/ready", key: key).json?["ready"] as? Bool == true)
            #expect(try await ServeFixture.call(client, .get, "/v2/models/nope", key: fixture.keys["admin"]!).status == 404)
            let info = try await ServeFixture.call(client, .get, "/v2", key: key)
            #expect(info.json?["name"] as? String == "dstoolbox" && info.json?["extensions"] as? [String] == [])
            // Draining: readiness fails first.
            server.beginDraining()
            let draining = try await ServeFixture.call(client, .get, "/v2/health/ready")
            #expect(draining.status == 503 && draining.json?["ready"] as? Bool == false)
            #expect(try await ServeFixture.call(client, .get, "/v2/models/churn/ready", key: key).status == 503)
            #expect(try await ServeFixture.call(client, .get, "/v2/health/live").status == 200)
        }
    }

    @Test func metricsAndOpenAPI() async throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        let app = Application(responder: try await fixture.server())
        try await app.test(.router) { client in
            for _ in 0..<3 {
                _ = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: #"{"instances": [\#(fixture.record(0))]}"#)
            }
            _ = try await ServeFixture.call(client, .post, "/v1/models/churn:predict", key: fixture.keys["churn"]!, body: #"{"instances": 3}"#)
            #expect(try await ServeFixture.call(client, .get, "/metrics", key: fixture.keys["churn"]!).status == 403)
            let metrics = try await ServeFixture.call(client, .get, "/metrics", key: fixture.keys["metrics"]!)
            #expect(metrics.status == 200)
            let text = metrics.text
            #expect(text.contains(#"dstoolbox_serve_requests_total{model="churn",version="1",arm="default",route="v1_predict",status="200"} 3"#), "\(text)")
            #expect(text.contains(#"dstoolbox_serve_errors_total{model="churn",route="v1_predict",status="400"} 1"#))
            #expect(text.contains("dstoolbox_serve_request_duration_seconds_bucket{"))
            #expect(text.contains("dstoolbox_serve_requests_in_flight"))
            let document = try await ServeFixture.call(client, .get, "/openapi.json", key: fixture.keys["churn"]!)
            let paths = try #require(document.json?["paths"] as? [String: Any])
            for path in ["/v1/models", "/v1/models/{name}", "/v1/models/{name}:predict", "/v1/models/{name}:explain", "/v2", "/v2/health/live", "/v2/health/ready",
                         "/v2/models/{name}", "/v2/models/{name}/ready", "/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}",
                         "/v2/models/{name}/versions/{version}/ready", "/v2/models/{name}/versions/{version}/infer", "/metrics", "/openapi.json",
                         "/admin/models/{name}/reload", "/v1/models/{name}/feedback", "/v1/models/{name}/monitor", "/admin/routes", "/admin/routes/{name}"] {
                #expect(paths[path] != nil, "\(path)")
            }
            #expect(document.json?["openapi"] as? String == "3.1.0")
        }
    }
}
