import Foundation
import Hummingbird
import ToolboxCore
import ToolboxHTTP
import TrackKit

/// Milliseconds since 1970, as MLflow counts time.
func milliseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

extension MLflowServer {
    // MARK: Experiments

    func experimentJSON(_ experiment: Experiment) async throws -> JSONOutput {
        let id = try await wireID(experiment.id)
        return .object([("experiment_id", .string(id)), ("name", .string(experiment.name)),
                        ("artifact_location", .string("mlflow-artifacts:/\(id)")), ("lifecycle_stage", .string("active")),
                        ("last_update_time", .integer(milliseconds(experiment.creationTime))), ("creation_time", .integer(milliseconds(experiment.creationTime)))])
    }

    /// The store's id of MLflow's experiment `Default`, made on first use: MLflow calls it `0`
    /// (a client that sets no experiment logs there), the store numbers from 1.
    func defaultExperimentID() async throws -> Int64 {
        if let known = defaultExperiment.withLock({ $0 }) { return known }
        let id = try await store.experiment(named: "Default").id
        defaultExperiment.withLock { $0 = id }
        return id
    }

    /// An experiment id as MLflow's clients see it (`0` for `Default`).
    func wireID(_ id: Int64) async throws -> String {
        id == (try await defaultExperimentID()) ? "0" : String(id)
    }

    /// The store's experiment id for an id a client sent.
    func experimentID(_ text: String) async throws -> Int64 {
        guard let id = Int64(text), id >= 0 else { throw MLflowError.missing("Could not find experiment with ID \(text)") }
        return id == 0 ? try await defaultExperimentID() : id
    }

    func getExperimentByName(_ call: Call) async throws -> Response {
        let name = try call.required("experiment_name")
        guard let found = try await store.experiments().first(where: { $0.name == name }) else {
            throw MLflowError.missing("Could not find experiment with name '\(name)'")
        }
        return HTTPSupport.json(.object([("experiment", try await experimentJSON(found))]))
    }

    func getExperiment(_ call: Call) async throws -> Response {
        let text = try call.required("experiment_id")
        let id = try await experimentID(text)
        guard let found = try await store.experiments().first(where: { $0.id == id }) else {
            throw MLflowError.missing("No Experiment with id=\(text) exists")
        }
        return HTTPSupport.json(.object([("experiment", try await experimentJSON(found))]))
    }

    func createExperiment(_ call: Call) async throws -> Response {
        let name = try call.required("name")
        // An existing name is RESOURCE_ALREADY_EXISTS, on which the client reads the experiment
        // back; two creates racing both get the one experiment.
        if try await store.experiments().contains(where: { $0.name == name }) {
            throw MLflowError.exists("Experiment(name=\(name)) already exists.")
        }
        let experiment = try await store.experiment(named: name)
        return HTTPSupport.json(.object([("experiment_id", .string(try await wireID(experiment.id)))]))
    }

    func searchExperiments(_ call: Call) async throws -> Response {
        _ = try await defaultExperimentID()
        // Newest first, as MLflow lists them.
        var experiments = try await store.experiments().sorted { $0.id > $1.id }
        if let filter = call.string("filter"), !filter.isEmpty {
            let conditions = try NameFilter(filter)
            experiments = experiments.filter { conditions.matches(name: $0.name, tags: [:]) }
        }
        let (page, next) = try paged(experiments, call)
        var members: [(String, JSONOutput)] = []
        var listed: [JSONOutput] = []
        for experiment in page { listed.append(try await experimentJSON(experiment)) }
        if !listed.isEmpty { members.append(("experiments", .array(listed))) }
        if let next { members.append(("next_page_token", .string(next))) }
        return HTTPSupport.json(.object(members))
    }

    // MARK: Runs

    /// A run as MLflow writes it (empty lists left out, as protobuf's JSON leaves them);
    /// `outputs` as a stored run has it, not a new one.
    func runJSON(_ run: Run, new: Bool = false, data known: RunData? = nil) async throws -> JSONOutput {
        let fetched: RunData
        if let known { fetched = known } else { fetched = try await store.runData(runIDs: [run.id])[run.id] ?? RunData() }
        let (p, t, m) = (fetched.params, fetched.tags, fetched.metrics)
        var data: [(String, JSONOutput)] = []
        if !m.isEmpty { data.append(("metrics", .array(m.values.sorted { $0.key < $1.key }.map(metricJSON)))) }
        if !p.isEmpty { data.append(("params", Self.keyValues(p))) }
        if !t.isEmpty { data.append(("tags", Self.keyValues(t))) }
        let datasets = fetched.inputs
        let inputs: JSONOutput = datasets.isEmpty ? .object([]) : .object([("dataset_inputs", .array(datasets.map { input in
            .object([("dataset", .object([("name", .string(input.name)), ("digest", .string(input.digest)), ("source_type", .string("local")),
                                          ("source", .string(input.source ?? ""))]))])
        }))])
        var members: [(String, JSONOutput)] = [("info", try await runInfoJSON(run)), ("data", .object(data)), ("inputs", inputs)]
        if !new { members.append(("outputs", .object([]))) }
        return .object(members)
    }

    func runInfoJSON(_ run: Run) async throws -> JSONOutput {
        let experiment = try await wireID(run.experimentID)
        var info: [(String, JSONOutput)] = [("run_uuid", .string(run.id)), ("experiment_id", .string(experiment))]
        if let name = run.name { info.append(("run_name", .string(name))) }
        if let user = run.user { info.append(("user_id", .string(user))) }
        info.append(("status", .string(run.status.rawValue)))
        info.append(("start_time", .integer(milliseconds(run.startTime))))
        if let end = run.endTime { info.append(("end_time", .integer(milliseconds(end)))) }
        info += [("artifact_uri", .string("mlflow-artifacts:/\(experiment)/\(run.id)/artifacts")), ("lifecycle_stage", .string("active")),
                 ("run_id", .string(run.id))]
        return .object(info)
    }

    func metricJSON(_ metric: RunMetric) -> JSONOutput {
        .object([("key", .string(metric.key)), ("value", .number(metric.value)), ("timestamp", .integer(milliseconds(metric.timestamp))),
                 ("step", .integer(metric.step))])
    }

    func runID(_ call: Call) throws -> String {
        guard let id = call.string("run_id") ?? call.string("run_uuid"), !id.isEmpty else {
            throw MLflowError.invalid("Missing value for required parameter 'run_id'")
        }
        return id
    }

    func run(_ id: String) async throws -> Run {
        do {
            return try await store.run(id: id)
        } catch let error as ToolboxError where error.code == .notFound {
            throw MLflowError.missing("Run with id=\(id) not found")
        }
    }

    func createRun(_ call: Call) async throws -> Response {
        let experiment = try await experimentID(call.string("experiment_id") ?? "0")
        var tags: [String: String] = [:]
        for item in call.body["tags"] as? [[String: Any]] ?? [] {
            guard let key = item["key"] as? String else { throw MLflowError.invalid("A tag needs a key") }
            tags[key] = Self.text(item["value"]) ?? ""
        }
        let name = call.string("run_name") ?? tags["mlflow.runName"]
        // The client's own start time, as MLflow keeps it.
        let start = call.string("start_time").flatMap { Int64($0) }.map { Double($0) / 1000 }
        let created = try await store.createRun(experimentID: experiment, name: name, parentRunID: tags["mlflow.parentRunId"],
                                                source: tags["mlflow.source.name"], user: call.string("user_id") ?? tags["mlflow.user"], startTime: start)
        if let name { tags["mlflow.runName"] = name }
        if !tags.isEmpty { try await store.logBatch(runID: created.id, params: [:], metrics: [], tags: tags) }
        return HTTPSupport.json(.object([("run", try await runJSON(created, new: true))]))
    }

    func getRun(_ call: Call) async throws -> Response {
        HTTPSupport.json(.object([("run", try await runJSON(try await run(try runID(call))))]))
    }

    func updateRun(_ call: Call) async throws -> Response {
        let id = try runID(call)
        var current = try await run(id)
        if let name = call.string("run_name"), !name.isEmpty {
            try await store.logBatch(runID: id, params: [:], metrics: [], tags: ["mlflow.runName": name])
        }
        if let text = call.string("status") {
            guard let status = RunStatus(rawValue: text) else { throw MLflowError.invalid("Invalid run status \(text)") }
            if status != .running && status != .scheduled {
                let end = call.string("end_time").flatMap { Int64($0) }.map { Double($0) / 1000 }
                try await store.endRun(id: id, status: status, endTime: end)
            }
            current = try await store.run(id: id)
        }
        return HTTPSupport.json(.object([("run_info", try await runInfoJSON(current))]))
    }

    func logParameter(_ call: Call) async throws -> Response {
        let id = try runID(call)
        let key = try call.required("key")
        try await write { try await store.logBatch(runID: id, params: [key: call.string("value") ?? ""], metrics: [], tags: [:]) }
        return HTTPSupport.json(.object([]))
    }

    func logMetric(_ call: Call) async throws -> Response {
        let id = try runID(call)
        let metric = try Self.metric(call.body, fallbackKey: call.string("key"))
        try await write { try await store.logBatch(runID: id, params: [:], metrics: [metric], tags: [:]) }
        return HTTPSupport.json(.object([]))
    }

    func setTag(_ call: Call) async throws -> Response {
        let id = try runID(call)
        let key = try call.required("key")
        try await write { try await store.logBatch(runID: id, params: [:], metrics: [], tags: [key: call.string("value") ?? ""]) }
        return HTTPSupport.json(.object([]))
    }

    func logBatch(_ call: Call) async throws -> Response {
        let id = try runID(call)
        var params: [String: String] = [:], tags: [String: String] = [:]
        for item in call.body["params"] as? [[String: Any]] ?? [] {
            guard let key = item["key"] as? String else { throw MLflowError.invalid("A param needs a key") }
            if let earlier = params[key], earlier != Self.text(item["value"]) {
                throw MLflowError.invalid("Duplicate parameter keys with different values in one batch: \(key)")
            }
            params[key] = Self.text(item["value"]) ?? ""
        }
        for item in call.body["tags"] as? [[String: Any]] ?? [] {
            guard let key = item["key"] as? String else { throw MLflowError.invalid("A tag needs a key") }
            tags[key] = Self.text(item["value"]) ?? ""
        }
        let metrics = try (call.body["metrics"] as? [[String: Any]] ?? []).map { try Self.metric($0, fallbackKey: nil) }
        try await write { try await store.logBatch(runID: id, params: params, metrics: metrics, tags: tags) }
        return HTTPSupport.json(.object([]))
    }

    func logInputs(_ call: Call) async throws -> Response {
        let id = try runID(call)
        var inputs: [DatasetInput] = []
        for item in call.body["datasets"] as? [[String: Any]] ?? [] {
            guard let dataset = item["dataset"] as? [String: Any], let name = dataset["name"] as? String, let digest = dataset["digest"] as? String else {
                throw MLflowError.invalid("A dataset input needs a dataset with a name and a digest")
            }
            inputs.append(DatasetInput(name: name, digest: digest, source: dataset["source"] as? String))
        }
        try await store.logInputs(runID: id, inputs: inputs)
        return HTTPSupport.json(.object([]))
    }

    /// A store write whose "changed a written-once value" conflict is MLflow's 400.
    func write(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ToolboxError where error.code == .notFound {
            throw MLflowError.missing(error.message)
        }
    }

    static func text(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }

    /// A metric from its JSON: a value as a number or `"NaN"`, `"Infinity"`, `"-Infinity"`;
    /// the timestamp in milliseconds; the step (0 when absent).
    static func metric(_ object: [String: Any], fallbackKey: String?) throws -> RunMetric {
        guard let key = (object["key"] as? String) ?? fallbackKey, !key.isEmpty else { throw MLflowError.invalid("Missing value for required parameter 'key'") }
        let value: Double
        switch object["value"] {
        case let number as NSNumber: value = number.doubleValue
        case let text as String:
            switch text {
            case "NaN", "nan": value = .nan
            case "Infinity", "inf": value = .infinity
            case "-Infinity", "-inf": value = -.infinity
            default:
                guard let parsed = Double(text) else { throw MLflowError.invalid("Metric \(key) has a value that is not a number: \(text)") }
                value = parsed
            }
        default: throw MLflowError.invalid("Missing value for required parameter 'value' of metric \(key)")
        }
        let timestamp = (object["timestamp"] as? NSNumber)?.int64Value ?? (Self.text(object["timestamp"]).flatMap { Int64($0) }) ?? milliseconds(Date().timeIntervalSince1970)
        let step = (object["step"] as? NSNumber)?.int64Value ?? (Self.text(object["step"]).flatMap { Int64($0) }) ?? 0
        return RunMetric(key: key, value: value, step: step, timestamp: Double(timestamp) / 1000)
    }

    func searchRuns(_ call: Call) async throws -> Response {
        var ids: [Int64] = []
        for item in call.body["experiment_ids"] as? [Any] ?? [] { ids.append(try await experimentID(Self.text(item) ?? "")) }
        var filter: RunFilter?
        if let text = call.string("filter"), !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do { filter = try RunFilter(parsing: text) } catch let error as ToolboxError { throw MLflowError.invalid(error.message) }
        }
        let orders = try (call.body["order_by"] as? [String] ?? []).map { text in
            do { return try RunOrder(parsing: text) } catch let error as ToolboxError { throw MLflowError.invalid(error.message) }
        }
        let limit = try maxResults(call, default: 1000, most: 50000)
        let offset = try pageOffset(call)
        let found = try await store.searchRuns(experimentIDs: ids, filter: filter, orderBy: orders, maxResults: limit + 1, offset: offset)
        let page = Array(found.prefix(limit))
        let data = try await store.runData(runIDs: page.map(\.id))
        var runs: [JSONOutput] = []
        for run in page { runs.append(try await runJSON(run, data: data[run.id] ?? RunData())) }
        var members: [(String, JSONOutput)] = []
        if !runs.isEmpty { members.append(("runs", .array(runs))) }
        if found.count > limit { members.append(("next_page_token", .string(Self.pageToken(offset + limit)))) }
        return HTTPSupport.json(.object(members))
    }

    func metricHistory(_ call: Call) async throws -> Response {
        let id = try runID(call)
        let key = try call.required("metric_key")
        _ = try await run(id)
        let history = try await store.metricHistory(runID: id, key: key)
        return HTTPSupport.json(history.isEmpty ? .object([]) : .object([("metrics", .array(history.map(metricJSON)))]))
    }

    // MARK: Paging

    func maxResults(_ call: Call, default fallback: Int, most: Int) throws -> Int {
        guard let text = call.string("max_results") else { return fallback }
        guard let value = Int(text), value >= 1, value <= most else {
            throw MLflowError.invalid("Invalid value \(text) for parameter 'max_results': it must be between 1 and \(most)")
        }
        return value
    }

    /// The offset a page token holds (MLflow's tokens are base64 of `{"offset": N}`).
    func pageOffset(_ call: Call) throws -> Int {
        guard let token = call.string("page_token"), !token.isEmpty else { return 0 }
        guard let data = Data(base64Encoded: token), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let offset = (object["offset"] as? NSNumber)?.intValue, offset >= 0 else {
            throw MLflowError.invalid("Invalid page token")
        }
        return offset
    }

    static func pageToken(_ offset: Int) -> String { Data("{\"offset\": \(offset)}".utf8).base64EncodedString() }

    func paged<T>(_ items: [T], _ call: Call) throws -> (page: [T], next: String?) {
        let limit = try maxResults(call, default: 1000, most: 50000)
        let offset = try pageOffset(call)
        let page = Array(items.dropFirst(offset).prefix(limit))
        return (page, offset + limit < items.count ? Self.pageToken(offset + limit) : nil)
    }
}

/// MLflow's filters over names and tags of experiments and registered models: conditions
/// joined by AND, each `name` or `tags.KEY` (`tag.`, backquoted keys too) compared by `=`,
/// `!=`, `LIKE` or `ILIKE` with a quoted string.
struct NameFilter {
    struct Condition {
        var field: String          // "name" or "tag:KEY"
        var op: String
        var value: String
    }
    var conditions: [Condition] = []

    init(_ text: String) throws {
        var parser = Parser(Array(text))
        repeat {
            parser.spaces()
            let field = try parser.field()
            parser.spaces()
            let op = try parser.op()
            parser.spaces()
            let value = try parser.quoted()
            conditions.append(Condition(field: field, op: op, value: value))
            parser.spaces()
        } while parser.keyword("AND")
        parser.spaces()
        guard parser.atEnd else { throw MLflowError.invalid("Invalid filter '\(text)': expected AND or the end at position \(parser.position)") }
    }

    func matches(name: String, tags: [String: String]) -> Bool {
        conditions.allSatisfy { condition in
            let subject: String? = condition.field == "name" ? name : tags[String(condition.field.dropFirst(4))]
            switch condition.op {
            case "=": return subject == condition.value
            case "!=": return subject != condition.value
            case "LIKE": return subject.map { Self.like($0, condition.value, caseSensitive: true) } ?? false
            default: return subject.map { Self.like($0, condition.value, caseSensitive: false) } ?? false
            }
        }
    }

    /// SQL LIKE: `%` any run, `_` one character.
    static func like(_ text: String, _ pattern: String, caseSensitive: Bool) -> Bool {
        let t = Array(caseSensitive ? text : text.lowercased()), p = Array(caseSensitive ? pattern : pattern.lowercased())
        var memo = [[Bool?]](repeating: [Bool?](repeating: nil, count: p.count + 1), count: t.count + 1)
        func match(_ i: Int, _ j: Int) -> Bool {
            if let known = memo[i][j] { return known }
            let result: Bool
            if j == p.count { result = i == t.count } else if p[j] == "%" { result = match(i, j + 1) || (i < t.count && match(i + 1, j)) } else {
                result = i < t.count && (p[j] == "_" || p[j] == t[i]) && match(i + 1, j + 1)
            }
            memo[i][j] = result
            return result
        }
        return match(0, 0)
    }

    struct Parser {
        let characters: [Character]
        var position = 0
        init(_ characters: [Character]) { self.characters = characters }
        var atEnd: Bool { position >= characters.count }
        mutating func spaces() { while !atEnd && characters[position].isWhitespace { position += 1 } }
        mutating func keyword(_ word: String) -> Bool {
            spaces()
            let end = position + word.count
            guard end <= characters.count, String(characters[position..<end]).uppercased() == word,
                  end == characters.count || characters[end].isWhitespace else { return false }
            position = end
            return true
        }
        mutating func identifier() throws -> String {
            if !atEnd && (characters[position] == "`" || characters[position] == "\"") {
                return try quoted()
            }
            let start = position
            while !atEnd && (characters[position].isLetter || characters[position].isNumber || "_.-".contains(characters[position])) { position += 1 }
            guard position > start else { throw MLflowError.invalid("Invalid filter: expected a name at position \(start)") }
            return String(characters[start..<position])
        }
        mutating func field() throws -> String {
            var first = try identifier()
            // tags.`key with dots`: the key quoted after the prefix.
            if first.hasSuffix("."), !atEnd, "`\"".contains(characters[position]) { first += try quoted() }
            if first.lowercased() == "name" || first.lowercased() == "attributes.name" { return "name" }
            for prefix in ["tags.", "tag."] where first.lowercased().hasPrefix(prefix) && first.count > prefix.count {
                return "tag:" + first.dropFirst(prefix.count)
            }
            throw MLflowError.invalid("Invalid filter: unsupported attribute '\(first)' (name and tags.KEY are searchable)")
        }
        mutating func op() throws -> String {
            for symbol in ["!=", "="] {
                let end = position + symbol.count
                if end <= characters.count, String(characters[position..<end]) == symbol { position = end; return symbol }
            }
            if keyword("ILIKE") { return "ILIKE" }
            if keyword("LIKE") { return "LIKE" }
            throw MLflowError.invalid("Invalid filter: expected =, !=, LIKE or ILIKE at position \(position)")
        }
        mutating func quoted() throws -> String {
            guard !atEnd, "'\"`".contains(characters[position]) else { throw MLflowError.invalid("Invalid filter: expected a quoted string at position \(position)") }
            let quote = characters[position]
            position += 1
            var out = ""
            while !atEnd && characters[position] != quote {
                out.append(characters[position])
                position += 1
            }
            guard !atEnd else { throw MLflowError.invalid("Invalid filter: an unterminated string") }
            position += 1
            return out
        }
    }
}
