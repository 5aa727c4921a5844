public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
public import DriftKit
public import ToolboxCore
import ToolboxHTTP

/// What a server watches on live traffic: a sample of requests logged to a bounded file,
/// live inputs compared with each model's reference profile (DriftKit), and webhook alerts
/// when drift appears or an arm's error rate crosses its threshold.
public struct MonitorConfiguration: Sendable {
    /// The share of requests logged and fed to drift monitoring, in (0, 1].
    public var sampleRate: Double = 1
    /// The folder of the prediction log (`predictions.jsonl`, and `predictions.1.jsonl` when it
    /// rotates); `nil` logs nothing.
    public var logDirectory: String?
    /// The size at which the log rotates; at most two files are kept.
    public var logMaxBytes: Int = 64 << 20
    /// Reference profiles by served model name (drift is watched for these).
    public var references: [String: ReferenceProfile] = [:]
    /// Rows in the drift window, and rows between checks.
    public var driftWindow: Int = 1_000, driftCheckEvery: Int = 500
    /// Where alerts are posted (JSON); `nil` sends none.
    public var alertURL: URL?
    /// The share of server errors in an arm's recent requests that raises an alert.
    public var alertErrorRate: Double = 0.2
    /// The fewest requests in a period before its error rate may alert.
    public var alertMinRequests: Int = 20

    /// Nothing watched.
    public init() {}
}

/// The live monitor of a server: see ``MonitorConfiguration``.
public final class LiveMonitor: Sendable {
    /// What is watched.
    public let configuration: MonitorConfiguration
    private let counter = Atomic<Int>(0)
    private let every: Int
    private let log: PredictionLog?
    private let monitors: [String: DriftMonitor]
    /// The models whose reference profile has a `prediction` column: their predictions are watched too.
    private let watchesPredictions: Set<String>
    private let checks = Mutex<[String: DriftMonitor.Check]>([:])
    private struct AlertState {
        var drifting: Set<String> = []
        var erring: Set<String> = []
        var lastCounts: [String: (requests: Int, errors: Int)] = [:]
        var sent: [JSONValue] = []
    }
    private let alerts = Mutex(AlertState())

    /// A monitor watching what `configuration` says.
    /// - Throws: what opening the log folder or making a drift monitor throws.
    public init(configuration: MonitorConfiguration) throws {
        self.configuration = configuration
        guard configuration.sampleRate > 0, configuration.sampleRate <= 1 else {
            throw ToolboxError(.invalidParameter, "the sample rate is a share in (0, 1], got \(configuration.sampleRate)", context: ErrorContext(parameter: "sample"))
        }
        every = max(1, Int((1 / configuration.sampleRate).rounded()))
        log = try configuration.logDirectory.map { try PredictionLog(directory: $0, maxBytes: configuration.logMaxBytes) }
        var monitors: [String: DriftMonitor] = [:]
        var predictions: Set<String> = []
        for (name, profile) in configuration.references {
            monitors[name] = try DriftMonitor(profile: profile, window: .sliding(configuration.driftWindow), checkEvery: configuration.driftCheckEvery)
            if profile.columns.contains(where: { $0.name == "prediction" }) { predictions.insert(name) }
        }
        self.monitors = monitors
        watchesPredictions = predictions
    }

    /// Whether anything is watched per request.
    var watchesRequests: Bool { log != nil || !monitors.isEmpty }

    /// Takes one answered request (sampled): logs it and feeds its inputs to the drift monitor
    /// of its model. Runs off the request's path.
    func observe(id: String, route: String, arm: String, served: ServedModel, inputs: @escaping @Sendable () -> DataTable?, predictions: Predictions, seconds: Double) {
        guard watchesRequests else { return }
        guard counter.add(1, ordering: .relaxed).newValue % every == 0 else { return }
        let monitor = monitors[served.name]
        let log = self.log
        Task.detached(priority: .low) {
            guard let table = inputs() else { return }
            if let log {
                var rows: [JSONOutput] = []
                for i in 0..<table.rowCount {
                    rows.append(.object(table.columnNames.indices.map { j in
                        switch table.columns[j] {
                        case .numeric(let values): (table.columnNames[j], values[i].isNaN ? .null : .number(values[i]))
                        case .categorical(let values): (table.columnNames[j], values[i].map(JSONOutput.string) ?? .null)
                        }
                    }))
                }
                let outputs: JSONOutput = predictions.labels.map { .array($0.map(KServeV1.label)) } ?? .array((predictions.values ?? []).map(JSONOutput.number))
                let line = JSONOutput.object([("time", .number(Date().timeIntervalSince1970)), ("id", .string(id)), ("route", .string(route)), ("arm", .string(arm)),
                                              ("model", .string(served.name)), ("version", .string(served.version)), ("latency_ms", .number(seconds * 1000)),
                                              ("inputs", .array(rows)), ("outputs", outputs)])
                log.append(line.text)
            }
            // A profile with a `prediction` column watches the model's predictions beside its inputs.
            var watched = table
            if self.watchesPredictions.contains(served.name) {
                let column: DataTable.Column = predictions.labels.map { .categorical($0.map(\.description)) } ?? .numeric(predictions.values ?? [])
                watched = (try? table.adding("prediction", column)) ?? table
            }
            if let monitor, let checks = try? monitor.add(watched) {
                for check in checks { self.checked(served.name, check) }
            }
        }
    }

    private func checked(_ model: String, _ check: DriftMonitor.Check) {
        checks.withLock { $0[model] = check }
        let fire = alerts.withLock { state -> Bool in
            if check.isDrift { return state.drifting.insert(model).inserted }
            state.drifting.remove(model)
            return false
        }
        if fire {
            send(.object(["kind": .string("drift"), "model": .string(model), "drifted_columns": .array(check.driftedColumns.map(JSONValue.string)),
                          "share_of_drifted_columns": .number(check.report.shareOfDriftedColumns), "rows_seen": .number(Double(check.rowsSeen))]))
        }
    }

    /// The latest drift check of a model, as JSON (`null` when none ran or none is watched).
    func drift(_ model: String) -> JSONOutput {
        guard let monitor = monitors[model] else { return .null }
        guard let check = checks.withLock({ $0[model] }) else {
            return .object([("rows_seen", .integer(Int64(monitor.rowsSeen))), ("checked", .bool(false))])
        }
        return .object([("rows_seen", .integer(Int64(check.rowsSeen))), ("checked", .bool(true)), ("window_rows", .integer(Int64(check.windowRows))),
                        ("checked_at", .number(check.date.timeIntervalSince1970)), ("drift", .bool(check.isDrift)),
                        ("dataset_drift", .bool(check.report.datasetDrift)), ("drifted_columns", .array(check.driftedColumns.map(JSONOutput.string))),
                        ("share_of_drifted_columns", .number(check.report.shareOfDriftedColumns))])
    }

    /// Looks at every arm's requests and errors since the last look: an arm whose error rate
    /// crosses the threshold raises an alert (once, until it falls back below).
    public func checkErrorRates(_ routes: RouteTable, names: [String]) {
        for name in names {
            guard let router = routes.router(name) else { continue }
            for (arm, stats) in zip(router.spec.arms, router.stats) {
                let key = "\(name)/\(arm.name)"
                let fire = alerts.withLock { state -> Double? in
                    let last = state.lastCounts[key] ?? (0, 0)
                    let requests = stats.requests - last.requests, errors = stats.errors - last.errors
                    guard requests >= configuration.alertMinRequests else { return nil }
                    state.lastCounts[key] = (stats.requests, stats.errors)
                    let rate = Double(errors) / Double(requests)
                    if rate >= configuration.alertErrorRate { return state.erring.insert(key).inserted ? rate : nil }
                    state.erring.remove(key)
                    return nil
                }
                if let rate = fire {
                    send(.object(["kind": .string("error_rate"), "model": .string(name), "arm": .string(arm.name), "error_rate": .number(rate),
                                  "threshold": .number(configuration.alertErrorRate)]))
                }
            }
        }
    }

    /// Alerts sent so far (newest last), as posted.
    public var sentAlerts: [JSONValue] { alerts.withLock { $0.sent } }

    private func send(_ alert: JSONValue) {
        var alert = alert
        if case .object(var members) = alert {
            members["time"] = .number(Date().timeIntervalSince1970)
            alert = .object(members)
        }
        alerts.withLock { $0.sent.append(alert) }
        guard let url = configuration.alertURL else { return }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(JSONOutput(alert).text.utf8)
        request.timeoutInterval = 10
        URLSession.shared.dataTask(with: request) { _, _, _ in }.resume()
    }
}

/// An append-only JSON-lines file that rotates at a size: `predictions.jsonl` and one older
/// `predictions.1.jsonl`, so the log never takes more than twice the size.
final class PredictionLog: Sendable {
    let directory: String
    let maxBytes: Int
    private struct State {
        var handle: FileHandle
        var size: Int
    }
    private let state: Mutex<State>

    var current: String { directory + "/predictions.jsonl" }

    init(directory: String, maxBytes: Int) throws {
        self.directory = directory
        self.maxBytes = max(1024, maxBytes)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/predictions.jsonl"
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw ToolboxError(.ioError, "cannot create \(path)", context: ErrorContext(path: path))
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ToolboxError(.ioError, "cannot open \(path)", context: ErrorContext(path: path)) }
        let size = Int(handle.seekToEndOfFile())
        state = Mutex(State(handle: handle, size: size))
    }

    func append(_ line: String) {
        let bytes = Data((line + "\n").utf8)
        state.withLock { state in
            if state.size + bytes.count > maxBytes, state.size > 0 {
                try? state.handle.close()
                let older = directory + "/predictions.1.jsonl"
                _ = rename(current, older)
                FileManager.default.createFile(atPath: current, contents: nil, attributes: [.posixPermissions: 0o600])
                if let handle = FileHandle(forWritingAtPath: current) { state.handle = handle }
                state.size = 0
            }
            // A full disk loses log lines, never a request.
            if (try? state.handle.write(contentsOf: bytes)) != nil { state.size += bytes.count }
        }
    }
}
