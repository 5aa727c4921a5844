import Foundation
import ToolboxCore

/// How ``Study/optimize(command:space:settings:)`` runs an external program per trial.
public struct CommandOptimizationSettings: Sendable {
    /// Trials this worker runs (every job of it together); `nil` for no per-worker limit.
    public var trials: Int?
    /// Trials the whole study may hold, counted atomically across every worker.
    public var totalTrials: Int?
    /// Seconds after which no new trial starts.
    public var timeout: Double?
    /// Trials run at once in this worker.
    public var jobs: Int = 1
    /// How many times a failed trial's parameters are run again.
    public var retryFailed: Int = 0
    /// Seconds between a worker's heartbeats for its running trials.
    public var heartbeatInterval: Double = 5
    /// Seconds without a heartbeat after which a running trial counts as dead and fails.
    public var gracePeriod: Double = 30

    /// Settings with the given limits; the rest keep their defaults.
    public init(trials: Int? = nil, totalTrials: Int? = nil, timeout: Double? = nil, jobs: Int = 1, retryFailed: Int = 0) {
        self.trials = trials
        self.totalTrials = totalTrials
        self.timeout = timeout
        self.jobs = jobs
        self.retryFailed = retryFailed
    }
}

/// What a worker did.
public struct CommandOptimizationSummary: Sendable, Hashable {
    /// Trials this worker ran, by final state.
    public var states: [TrialState: Int] = [:]
    /// Stale trials of dead workers this worker failed.
    public var revived: Int = 0
}

extension Study {
    /// The environment variable holding a trial's parameters as JSON.
    public static let parametersVariable = "DSTOOLBOX_PARAMS"
    /// The environment variable holding a trial's number.
    public static let trialVariable = "DSTOOLBOX_TRIAL"

    /// Runs `command` once per trial: the trial's parameters as JSON in `DSTOOLBOX_PARAMS`, its
    /// number in `DSTOOLBOX_TRIAL`. The program's last line of standard output is the objective
    /// value (several values comma-separated); a line `report STEP VALUE` is an intermediate
    /// value, and a trial the pruner stops has its process ended (SIGTERM, then SIGKILL). A
    /// non-zero exit, a signal or an unreadable last line fails the trial, with the reason.
    ///
    /// While a trial runs its worker sends heartbeats; a running trial without one for
    /// `gracePeriod` seconds (its worker was killed) is failed by the next worker that starts a
    /// trial, and with `retryFailed` its parameters are enqueued again.
    public func optimize(command: [String], space: SearchSpace, settings: CommandOptimizationSettings) async throws -> CommandOptimizationSummary {
        guard let program = command.first else {
            throw ToolboxError(.invalidParameter, "no command to run after --", context: ErrorContext(parameter: "command"))
        }
        guard settings.jobs >= 1 else { throw ToolboxError(.invalidParameter, "jobs must be at least 1", context: ErrorContext(parameter: "jobs")) }
        guard settings.trials != nil || settings.totalTrials != nil || settings.timeout != nil else {
            throw ToolboxError(.invalidParameter, "give a number of trials, a total or a timeout", context: ErrorContext(parameter: "trials"))
        }
        let executable = try Self.resolve(program)
        try prepareSampler(for: space)
        let start = Date()
        let counter = TrialCounter(limit: settings.trials)
        let summary = SummaryBox()
        let threads = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / settings.jobs)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<settings.jobs {
                group.addTask {
                    while true {
                        if let timeout = settings.timeout, Date().timeIntervalSince(start) >= timeout { return }
                        try Task.checkCancellation()
                        guard await counter.take() else { return }
                        let revived = try await self.reviveStaleTrials(settings)
                        await summary.add(revived: revived)
                        guard let trial = try await self.ask(limit: settings.totalTrials) else { return }
                        let state = try await self.run(trial, executable: executable, arguments: Array(command.dropFirst()), space: space,
                                                       settings: settings, threads: threads)
                        await summary.add(state)
                        if try await self.samplerIsExhausted() { return }
                    }
                }
            }
            try await group.waitForAll()
        }
        return await summary.value
    }

    /// Fails the running trials of dead workers, enqueuing their parameters again when retries
    /// remain.
    func reviveStaleTrials(_ settings: CommandOptimizationSettings) async throws -> Int {
        let stale = try await storage.failStaleTrials(study: record.id, gracePeriod: settings.gracePeriod)
        for trial in stale {
            try await track(trial)
            try await retry(trial, settings)
        }
        return stale.count
    }

    /// Enqueues a failed trial's parameters again (Optuna's `RetryFailedCallback`), recording
    /// which trial it retries; at most `retryFailed` times per original trial.
    func retry(_ trial: FrozenTrial, _ settings: CommandOptimizationSettings) async throws {
        guard settings.retryFailed > 0, !trial.parameters.isEmpty else { return }
        var history: [JSONValue] = []
        if case .array(let previous)? = trial.systemAttributes["retry_history"] { history = previous }
        guard history.count < settings.retryFailed else { return }
        history.append(.number(Double(trial.number)))
        var params: [String: ParameterValue] = [:]
        for parameter in trial.parameters { params[parameter.name] = parameter.value }
        let retried = try await storage.enqueueTrial(study: record.id, parameters: params, userAttributes: trial.userAttributes)
        try await storage.setSystemAttribute(study: record.id, trial: retried.number, key: "retry_history", value: .array(history))
        try await storage.setSystemAttribute(study: record.id, trial: retried.number, key: "failed_trial", value: .number(Double(trial.number)))
    }

    /// Runs one trial's process; returns the trial's final state.
    func run(_ trial: Trial, executable: String, arguments: [String], space: SearchSpace, settings: CommandOptimizationSettings, threads: Int) async throws -> TrialState {
        for parameter in space.parameters {
            _ = try await suggest(trial: trial.number, name: parameter.name, distribution: parameter.distribution)
        }
        let frozen = try await storage.trial(study: record.id, number: trial.number)
        var environment = ProcessInfo.processInfo.environment
        environment[Self.parametersVariable] = Self.parametersJSON(frozen.parameters)
        environment[Self.trialVariable] = String(trial.number)
        environment["DSTOOLBOX_THREADS"] = String(threads)
        if environment["OMP_NUM_THREADS"] == nil { environment["OMP_NUM_THREADS"] = String(threads) }
        let lines = LineReader()
        let errorTail = TailBuffer(limit: 2_000)
        let process: ChildProcess
        do {
            process = try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                       onOutput: { lines.append($0) }, onError: { errorTail.append($0) })
        } catch {
            let failed = try await finish(trial.number, state: .fail, values: nil, failure: "cannot start \(executable): \(error)")
            try await retry(failed, settings)
            return .fail
        }
        var run = RunState()
        var lastBeat = Date()
        while process.isRunning {
            try await consume(lines, &run, trial: trial.number, process: process)
            if Date().timeIntervalSince(lastBeat) >= settings.heartbeatInterval {
                try await storage.heartbeat(study: record.id, trial: trial.number)
                lastBeat = Date()
            }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        process.finish()
        lines.finish()
        try await consume(lines, &run, trial: trial.number, process: process)
        if run.pruned {
            try await tell(trial.number, state: .pruned)
            return .pruned
        }
        let (exitCode, signalNumber) = process.termination
        if signalNumber != nil || exitCode != 0 {
            let how = signalNumber.map { "was killed by signal \($0)" } ?? "exited with status \(exitCode ?? -1)"
            let detail = errorTail.text.isEmpty ? "" : ": " + errorTail.text
            let failed = try await finish(trial.number, state: .fail, values: nil, failure: "the command \(how)\(detail)")
            try await retry(failed, settings)
            return .fail
        }
        guard let lastLine = run.lastLine else {
            let failed = try await finish(trial.number, state: .fail, values: nil,
                                                       failure: "the command printed no objective value")
            try await retry(failed, settings)
            return .fail
        }
        let fields = lastLine.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = fields.compactMap(Self.number)
        guard values.count == fields.count else {
            let shown = lastLine.count > 200 ? String(lastLine.prefix(200)) + "..." : lastLine
            let failed = try await finish(trial.number, state: .fail, values: nil,
                                                       failure: "the command's last line is not a number (or comma-separated numbers): \(shown)")
            try await retry(failed, settings)
            return .fail
        }
        let told = try await tell(trial.number, values: values)
        if told.state == .fail { try await retry(told, settings) }
        return told.state
    }

    /// Handles the output lines so far: reports (asking the pruner, ending a pruned process)
    /// and the latest other line.
    fileprivate func consume(_ lines: LineReader, _ run: inout RunState, trial number: Int, process: ChildProcess) async throws {
        for line in lines.drain() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 3, parts[0] == "report", let step = Int(parts[1]), step >= 0, let value = Self.number(String(parts[2])) {
                if run.pruned { continue }
                try await report(trial: number, step: step, value: value)
                if record.directions.count == 1, try await shouldPrune(trial: number) {
                    run.pruned = true
                    process.signal(SIGTERM)
                    let deadline = Date().addingTimeInterval(2)
                    while process.isRunning, Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
                    if process.isRunning { process.signal(SIGKILL) }
                }
                continue
            }
            run.lastLine = trimmed
        }
    }

    static func number(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "inf", "+inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return Double(text)
        }
    }

    /// Parameters as a JSON object in suggestion order (numbers in their shortest round-trip form).
    public static func parametersJSON(_ parameters: [TrialParameter]) -> String {
        "{" + parameters.map { jsonText($0.name) + ": " + jsonValue($0.value) }.joined(separator: ", ") + "}"
    }

    /// A JSON string.
    public static func jsonText(_ value: String) -> String { JSONValue.quoted(value) }

    /// A parameter value as JSON (non-finite numbers as the strings `nan`, `inf`, `-inf`).
    public static func jsonValue(_ value: ParameterValue) -> String {
        switch value {
        case .int(let x): String(x)
        case .float(let x): x.isFinite ? "\(x)" : (x.isNaN ? "\"nan\"" : (x > 0 ? "\"inf\"" : "\"-inf\""))
        case .string(let s): jsonText(s)
        case .bool(let b): b ? "true" : "false"
        case .none: "null"
        }
    }

    /// The program's path: as given when it holds a slash, else found on `PATH`.
    static func resolve(_ program: String) throws -> String {
        if program.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: program) else {
                throw ToolboxError(.notFound, "\(program) is not an executable file", context: ErrorContext(path: program))
            }
            return program
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ToolboxError(.notFound, "no program \(program) on PATH", context: ErrorContext(parameter: "command"))
    }
}

/// What a trial's output has said so far.
private struct RunState {
    var pruned = false
    var lastLine: String?
}

/// Trials a worker may still start.
private actor TrialCounter {
    var remaining: Int?
    init(limit: Int?) { remaining = limit }
    func take() -> Bool {
        guard let left = remaining else { return true }
        guard left > 0 else { return false }
        remaining = left - 1
        return true
    }
}

private actor SummaryBox {
    var value = CommandOptimizationSummary()
    func add(_ state: TrialState) { value.states[state, default: 0] += 1 }
    func add(revived: Int) { value.revived += revived }
}

/// Lines of a child's output as they arrive (the last, unterminated one once the output ends).
private final class LineReader: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: [UInt8] = []
    private var complete: [String] = []
    /// The longest line kept whole (longer ones are cut there).
    private let lineLimit = 1 << 20

    func append(_ data: Data) {
        guard !data.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        for byte in data {
            if byte == UInt8(ascii: "\n") {
                complete.append(String(decoding: buffer, as: UTF8.self))
                buffer.removeAll(keepingCapacity: true)
            } else if buffer.count < lineLimit {
                buffer.append(byte)
            }
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if !buffer.isEmpty {
            complete.append(String(decoding: buffer, as: UTF8.self))
            buffer.removeAll()
        }
    }

    /// The complete lines so far, taken out (so a chatty program's output is not kept).
    func drain() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let out = complete
        complete.removeAll()
        return out
    }
}

/// The last bytes of a child's standard error, for the failure message.
private final class TailBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    private let limit: Int
    init(limit: Int) { self.limit = limit }

    func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        bytes += data
        if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
