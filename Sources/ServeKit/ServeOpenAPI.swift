import ToolboxCore
import ToolboxHTTP

/// The OpenAPI 3.1 description of every route the server answers (`GET /openapi.json`).
enum ServeOpenAPI {
    typealias J = JSONOutput

    static func ref(_ name: String) -> J { .object([("$ref", .string("#/components/schemas/\(name)"))]) }

    static func response(_ description: String, _ schema: J?) -> J {
        var members: [(String, J)] = [("description", .string(description))]
        if let schema { members.append(("content", .object([("application/json", .object([("schema", schema)]))]))) }
        return .object(members)
    }

    static let errors: [(String, J)] = [
        ("400", response("A malformed request: the error names the JSON path, column or value", ref("Error"))),
        ("401", response("No key, or an unknown or revoked key", ref("Error"))),
        ("403", response("The key lacks the route's scope", ref("Error"))),
        ("404", response("No such model, version or route", ref("Error"))),
        ("413", response("The body is larger than the server's limit", ref("Error"))),
        ("422", response("Values the model cannot take (wrong types, unknown categories, missing values)", ref("Error"))),
        ("429", response("The key's rate limit: see Retry-After", ref("Error"))),
        ("503", response("Busy (the queue is full) or not ready", ref("Error"))),
        ("504", response("The request took longer than the server's timeout", ref("Error"))),
    ]

    static func operation(_ summary: String, scope: String?, body: J? = nil, ok: J, parameters: [String] = []) -> J {
        var members: [(String, J)] = [("summary", .string(summary))]
        if !parameters.isEmpty {
            members.append(("parameters", .array(parameters.map { name in
                .object([("name", .string(name)), ("in", .string("path")), ("required", .bool(true)), ("schema", .object([("type", .string("string"))]))])
            })))
        }
        if let body {
            members.append(("requestBody", .object([("required", .bool(true)), ("content", .object([("application/json", .object([("schema", body)]))]))])))
        }
        members.append(("responses", .object([("200", ok)] + errors)))
        if let scope {
            members.append(("security", .array([.object([("bearer", .array([]))])])))
            members.append(("x-scope", .string(scope)))
        } else {
            members.append(("security", .array([])))
        }
        return .object(members)
    }

    static let object: J = .object([("type", .string("object"))])

    static let document: J = {
        let name = ["name"], nameVersion = ["name", "version"]
        let v1Body: J = .object([("type", .string("object")), ("required", .array([.string("instances")])),
                                 ("properties", .object([("instances", .object([("type", .string("array")), ("items", .object([]))])),
                                                         ("parameters", .object([("type", .string("object")),
                                                                                 ("properties", .object([("probabilities", .object([("type", .string("boolean"))]))]))]))]))])
        let paths: [(String, J)] = [
            ("/v1/models", .object([("get", operation("The served models' names", scope: "any key", ok: response("{\"models\": [...]}", object)))])),
            ("/v1/models/{name}", .object([("get", operation("A model's readiness", scope: "predict:NAME or explain:NAME", ok: response("{\"name\", \"ready\"}", object), parameters: name))])),
            ("/v1/models/{name}:predict", .object([("post", operation("Predictions for rows (objects by column name, or lists in the model's column order)", scope: "predict:NAME",
                                                                      body: v1Body, ok: response("{\"predictions\": [...]} and, when asked, probabilities and classes", object), parameters: name))])),
            ("/v1/models/{name}:explain", .object([("post", operation("Predictions and SHAP values per feature with the expected value (tree models)", scope: "explain:NAME",
                                                                      body: v1Body, ok: response("{\"predictions\", \"explanations\"}", object), parameters: name))])),
            ("/v2", .object([("get", operation("Server metadata", scope: "any key", ok: response("{\"name\", \"version\", \"extensions\"}", object)))])),
            ("/v2/health/live", .object([("get", operation("Liveness", scope: nil, ok: response("{\"live\": true}", object)))])),
            ("/v2/health/ready", .object([("get", operation("Readiness (503 while draining)", scope: nil, ok: response("{\"ready\": true}", object)))])),
            ("/v2/models/{name}", .object([("get", operation("Model metadata: inputs and outputs with datatypes and shapes", scope: "predict:NAME or explain:NAME",
                                                             ok: response("Model metadata", object), parameters: name))])),
            ("/v2/models/{name}/versions/{version}", .object([("get", operation("A version's metadata", scope: "predict:NAME or explain:NAME",
                                                                                ok: response("Model metadata", object), parameters: nameVersion))])),
            ("/v2/models/{name}/ready", .object([("get", operation("A model's readiness", scope: "predict:NAME or explain:NAME", ok: response("{\"name\", \"ready\"}", object), parameters: name))])),
            ("/v2/models/{name}/versions/{version}/ready", .object([("get", operation("A version's readiness", scope: "predict:NAME or explain:NAME",
                                                                                      ok: response("{\"name\", \"ready\"}", object), parameters: nameVersion))])),
            ("/v2/models/{name}/infer", .object([("post", operation("Inference on tensors: one per column (shape [n]) or one of shape [n, d]", scope: "predict:NAME",
                                                                    body: ref("InferenceRequest"), ok: response("Outputs label, probabilities or value", ref("InferenceResponse")), parameters: name))])),
            ("/v2/models/{name}/versions/{version}/infer", .object([("post", operation("Inference on a served version", scope: "predict:NAME", body: ref("InferenceRequest"),
                                                                                       ok: response("Outputs label, probabilities or value", ref("InferenceResponse")), parameters: nameVersion))])),
            ("/metrics", .object([("get", operation("Prometheus metrics: requests, latency, in-flight and errors per model, version and arm", scope: "metrics",
                                                    ok: .object([("description", .string("Prometheus text exposition"))])))])),
            ("/openapi.json", .object([("get", operation("This document", scope: "any key", ok: response("OpenAPI 3.1", object)))])),
            ("/v1/models/{name}/feedback", .object([("post", operation("Feedback for a request by its id: a reward, a true label or a true value", scope: "predict:NAME",
                                                                       body: .object([("type", .string("object")), ("required", .array([.string("id")]))]),
                                                                       ok: response("{\"id\", \"arm\", \"reward\"}", object), parameters: name))])),
            ("/v1/models/{name}/monitor", .object([("get", operation("Live numbers per arm: requests, errors, latency, accuracy or error, rewards, shadow agreement, breaker, drift",
                                                                     scope: "metrics or predict:NAME", ok: response("Per-arm live numbers", object), parameters: name))])),
            ("/admin/routes", .object([("get", operation("Every route", scope: "admin", ok: response("Routes by served name", object)))])),
            ("/admin/routes/{name}", .object([("get", operation("A route", scope: "admin", ok: response("The route", object), parameters: name)),
                                              ("put", operation("Set a route (strategy, arms, sticky_key, fallback, breaker, reward, seed)", scope: "admin", body: object,
                                                                ok: response("The route", object), parameters: name)),
                                              ("delete", operation("Remove a route", scope: "admin", ok: response("{\"name\", \"removed\"}", object), parameters: name))])),
            ("/admin/models/{name}/reload", .object([("post", operation("Reload a model from its source; the served version stays if the new one fails", scope: "admin",
                                                                        ok: response("{\"name\", \"version\", \"reloaded\"}", object), parameters: name))])),
        ]
        let tensor: J = .object([("type", .string("object")), ("required", .array(["name", "shape", "datatype", "data"].map(J.string))),
                                 ("properties", .object([("name", .object([("type", .string("string"))])),
                                                         ("shape", .object([("type", .string("array")), ("items", .object([("type", .string("integer"))]))])),
                                                         ("datatype", .object([("type", .string("string")),
                                                                               ("enum", .array(["BOOL", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64",
                                                                                                "FP16", "FP32", "FP64", "BYTES"].map(J.string)))])),
                                                         ("data", .object([("type", .string("array"))]))]))])
        let schemas: [(String, J)] = [
            ("Error", .object([("type", .string("object")), ("required", .array([.string("error")])), ("properties", .object([("error", .object([("type", .string("string"))]))]))])),
            ("Tensor", tensor),
            ("InferenceRequest", .object([("type", .string("object")), ("required", .array([.string("inputs")])),
                                          ("properties", .object([("id", .object([("type", .string("string"))])),
                                                                  ("inputs", .object([("type", .string("array")), ("items", ref("Tensor"))])),
                                                                  ("outputs", .object([("type", .string("array")), ("items", .object([("type", .string("object"))]))]))]))])),
            ("InferenceResponse", .object([("type", .string("object")),
                                           ("properties", .object([("model_name", .object([("type", .string("string"))])), ("model_version", .object([("type", .string("string"))])),
                                                                   ("id", .object([("type", .string("string"))])),
                                                                   ("outputs", .object([("type", .string("array")), ("items", ref("Tensor"))]))]))])),
        ]
        return .object([
            ("openapi", .string("3.1.0")),
            ("info", .object([("title", .string("DS Toolbox model server")), ("version", .string(DSToolboxVersion.current))])),
            ("paths", .object(paths)),
            ("components", .object([("schemas", .object(schemas)),
                                    ("securitySchemes", .object([("bearer", .object([("type", .string("http")), ("scheme", .string("bearer"))]))]))])),
        ])
    }()
}
