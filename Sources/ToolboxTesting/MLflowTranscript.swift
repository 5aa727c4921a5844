public import Foundation

/// What MLflow's Python client sent to a tracking server and what a stock `mlflow server`
/// answered, recorded by `Scripts/golden/record_mlflow.py`, for replaying against DS Toolbox's
/// server: the exchanges in order, with the ids the other server chose mapped to this one's.
public struct MLflowTranscript: @unchecked Sendable {
    /// One request and MLflow's answer.
    public struct Exchange {
        /// The client call that made it (`set_experiment`, `log_batch`, ...).
        public let step: String
        /// The HTTP method.
        public let method: String
        /// The path, without the query.
        public let path: String
        /// The query string, percent-encoded.
        public let query: String
        /// MLflow's status.
        public let status: Int
        /// The JSON body, parsed.
        public let body: Any?
        /// A body that is not JSON (an artifact), as bytes.
        public let rawBody: [UInt8]?
        /// MLflow's JSON answer, parsed.
        public let response: Any?
        /// An answer that is not JSON, as bytes.
        public let rawResponse: [UInt8]?
    }

    /// The exchanges, in order.
    public let exchanges: [Exchange]

    /// The transcript in the JSON file at `url`.
    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any], let items = root["exchanges"] as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        exchanges = items.map { item in
            Exchange(step: item["step"] as? String ?? "", method: item["method"] as? String ?? "", path: item["path"] as? String ?? "",
                     query: item["query"] as? String ?? "", status: item["status"] as? Int ?? 0, body: item["body"],
                     rawBody: (item["body_base64"] as? String).flatMap { Data(base64Encoded: $0) }.map { Array($0) },
                     response: item["response"], rawResponse: (item["response_base64"] as? String).flatMap { Data(base64Encoded: $0) }.map { Array($0) })
        }
    }

    /// The exchange's request for this server: its path and query, and its body, with recorded
    /// ids replaced by `ids`.
    public static func request(_ exchange: Exchange, ids: [String: String]) throws -> (uri: String, body: [UInt8]?, json: Bool) {
        let query = mapped(exchange.query, ids)
        let uri = mapped(exchange.path, ids) + (query.isEmpty ? "" : "?" + query)
        if let json = exchange.body {
            return (uri, Array(mapped(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self), ids).utf8), true)
        }
        return (uri, exchange.rawBody, false)
    }

    /// Recorded ids replaced by this server's wherever they appear (run ids are 32 hex digits;
    /// the experiment id in paths, queries and bodies).
    public static func mapped(_ text: String, _ ids: [String: String]) -> String {
        var out = text
        for (recorded, ours) in ids where recorded.count == 32 { out = out.replacingOccurrences(of: recorded, with: ours) }
        for (recorded, ours) in ids where recorded.count < 32 {
            for (before, after) in [("experiment_id=\(recorded)&", "experiment_id=\(ours)&"), ("\"experiment_id\":\"\(recorded)\"", "\"experiment_id\":\"\(ours)\""),
                                    ("\"experiment_ids\":[\"\(recorded)\"]", "\"experiment_ids\":[\"\(ours)\"]"), ("artifacts/\(recorded)/", "artifacts/\(ours)/"),
                                    ("path=\(recorded)%2F", "path=\(ours)%2F")] {
                out = out.replacingOccurrences(of: before, with: after)
            }
            if out.hasSuffix("experiment_id=\(recorded)") { out = String(out.dropLast(recorded.count)) + ours }
        }
        return out
    }

    /// Ids the server chose: experiment and run ids in matching places of the two answers.
    public static func learnIDs(_ expected: Any, _ ours: Any, _ ids: inout [String: String]) {
        if let e = expected as? [String: Any], let o = ours as? [String: Any] {
            for key in ["experiment_id", "run_id", "run_uuid"] {
                if let a = e[key] as? String, let b = o[key] as? String, ids[a] == nil { ids[a] = b }
            }
            for (key, value) in e { if let other = o[key] { learnIDs(value, other, &ids) } }
        } else if let e = expected as? [Any], let o = ours as? [Any] {
            for (a, b) in zip(e, o) { learnIDs(a, b, &ids) }
        }
    }
}
