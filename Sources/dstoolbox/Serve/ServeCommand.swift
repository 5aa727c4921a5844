import ArgumentParser
import DSToolbox
import Dispatch
import Foundation
import Hummingbird
import Logging
import ServeKit
import ServiceLifecycle
import ToolboxHTTP

/// `dstoolbox serve --model NAME=SOURCE [--model ...] [--host 127.0.0.1] [--port 8080]
/// (--api-keys KEYS | --open) [--store S] [--max-body BYTES] [--timeout SECONDS]`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over KServe's V1 protocol and the Open Inference Protocol (V2), with API keys, rate limits and Prometheus metrics.",
        discussion: """
            SOURCE is a model file (a DS Toolbox archive, a LightGBM text model, an XGBoost JSON/UBJSON model) or \
            models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/PATH in the store. Keys need scopes predict:NAME \
            (or predict:*), explain:NAME, metrics, admin; make them with `dstoolbox serve keys add`. Without keys the \
            server runs only with --open on a loopback address. Prints `listening on http://HOST:PORT` once serving. \
            On SIGTERM readiness fails first, then in-flight requests finish.
            """,
        subcommands: [KeysCommand.self]
    )

    @Option(name: .customLong("model"), help: "NAME=SOURCE (repeatable).") var models: [String] = []
    @Option(help: "The address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "The port (0 picks a free one).") var port: Int = 8080
    @Option(name: .customLong("api-keys"), help: "The API key file (make keys with `dstoolbox serve keys add`).") var apiKeys: String?
    @Flag(help: "Serve without authentication (loopback addresses only).") var open = false
    @Option(help: "A routes file (YAML or JSON): per served name, a strategy (ab, canary, shadow, bandit), arms over served models, a breaker.") var route: String?
    @Option(help: "The store models:/ and runs:/ sources are read from (default: DSTOOLBOX_STORE, then ./dstoolbox-store).") var store: String?
    @Option(name: .customLong("max-body"), help: "The largest request body, in bytes.") var maxBody: Int = 16 << 20
    @Option(help: "The longest a request may take, queueing included, in seconds (504 after).") var timeout: Double = 30
    @Option(name: .customLong("max-queue"), help: "Requests that may wait for a worker; one more is answered 503.") var maxQueue: Int = 1024
    @Option(help: "Seconds between checks of each model's source (a moved alias, a replaced file); 0 turns polling off.") var poll: Double = 10
    @Option(name: .customLong("log-dir"), help: "Log a sample of predictions (inputs, outputs, arm, latency) as JSON lines in this folder, rotated at --log-max-bytes.")
    var logDir: String?
    @Option(name: .customLong("log-sample"), help: "The share of requests logged and watched for drift, in (0, 1].") var logSample: Double = 1
    @Option(name: .customLong("log-max-bytes"), help: "The prediction log's size before it rotates (two files are kept).") var logMaxBytes: Int = 64 << 20
    @Option(name: .customLong("reference"), help: "NAME=PROFILE.json: watch the live inputs of model NAME for drift against a reference profile (`dstoolbox drift profile`); repeatable. A models:/ source's run artifact reference_profile.json is used when none is given.")
    var references: [String] = []
    @Option(name: .customLong("alert-url"), help: "POST a JSON alert here when drift appears or an arm's error rate crosses --alert-error-rate.") var alertURL: String?
    @Option(name: .customLong("alert-error-rate"), help: "The share of server errors in an arm's recent requests that raises an alert.") var alertErrorRate: Double = 0.2
    @Option(name: .customLong("track-every"), help: "With --store: log every route's arms (requests, errors, rewards, accuracy, shadow agreement) to the store every this many seconds; 0 turns it off.")
    var trackEvery: Double = 30
    @Option(name: .customLong("log-level"), help: "trace, debug, info (a structured line per request, with its request id), notice, warning, error, critical.")
    var logLevel: String = "warning"
    @Option(name: .customLong("header-timeout"), help: "Seconds a client has to send a request's headers (slow clients are dropped).") var headerTimeout: Double = 10
    @Option(name: .customLong("drain-seconds"), help: "On SIGTERM, seconds readiness fails before the listener closes.") var drainSeconds: Double = 1

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard maxBody >= 1 else { throw ValidationError("--max-body must be at least 1, got \(maxBody)") }
        guard timeout.isFinite, timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must be at least 0, got \(maxQueue)") }
        guard poll.isFinite, poll >= 0 else { throw ValidationError("--poll must be 0 or more seconds, got \(poll)") }
        guard logSample > 0, logSample <= 1 else { throw ValidationError("--log-sample must be in (0, 1], got \(logSample)") }
        guard logMaxBytes >= 1024 else { throw ValidationError("--log-max-bytes must be at least 1024, got \(logMaxBytes)") }
        guard alertErrorRate > 0, alertErrorRate <= 1 else { throw ValidationError("--alert-error-rate must be in (0, 1], got \(alertErrorRate)") }
        guard trackEvery.isFinite, trackEvery >= 0 else { throw ValidationError("--track-every must be 0 or more seconds, got \(trackEvery)") }
        if let alertURL, URL(string: alertURL)?.scheme?.hasPrefix("http") != true { throw ValidationError("--alert-url must be an http(s) URL, got \(alertURL)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level is one of trace, debug, info, notice, warning, error, critical; got \(logLevel)") }
        guard headerTimeout.isFinite, headerTimeout > 0 else { throw ValidationError("--header-timeout must be a positive number of seconds, got \(headerTimeout)") }
        guard drainSeconds.isFinite, drainSeconds >= 0, drainSeconds <= 300 else { throw ValidationError("--drain-seconds must be 0...300, got \(drainSeconds)") }
    }

    func run() async throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model NAME=SOURCE") }
        try HTTPSupport.checkAccess(host: host, keys: apiKeys, open: open)
        let keys = try apiKeys.map { try APIKeyring(path: $0) }
        try Toolbox.registerAll()
        let named = try models.map(ModelSource.named)
        let needsStore = named.contains { $0.source.isURI }
        // Routing outcomes are logged only to a store given explicitly.
        let trackingStore = (store ?? ProcessInfo.processInfo.environment["DSTOOLBOX_STORE"]) != nil && trackEvery > 0 ? try await RunsCommand.store(store) : nil
        var modelStore: (any TrackingStore)? = trackingStore
        if needsStore, modelStore == nil { modelStore = try await RunsCommand.store(store, readOnly: true) }
        let repository = ModelRepository(store: needsStore ? modelStore : nil)
        for (name, source) in named { try await repository.add(name: name, source: source) }
        if open {
            FileHandle.standardError.write(Data("warning: serving without authentication (--open): anyone who can reach \(host) can use every route\n".utf8))
        }
        var settings = ServeConfiguration()
        settings.maxBody = maxBody
        settings.timeout = timeout
        settings.maxQueue = maxQueue
        let routes = RouteTable()
        if let route {
            let text = String(decoding: try RegularFile.read(route, limit: 1 << 20), as: UTF8.self)
            do {
                for (name, spec) in try RouteSpec.routes(text: text) { try routes.set(name, spec, models: repository) }
            } catch var error as ToolboxError {
                error.context.path = route
                throw error
            }
        }
        var watch = MonitorConfiguration()
        watch.sampleRate = logSample
        watch.logDirectory = logDir
        watch.logMaxBytes = logMaxBytes
        watch.alertURL = alertURL.flatMap(URL.init(string:))
        watch.alertErrorRate = alertErrorRate
        for pair in references {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, repository.model(parts[0]) != nil else {
                throw ValidationError("--reference takes NAME=PROFILE.json for a served model NAME, got \(pair)")
            }
            watch.references[parts[0]] = try ReferenceProfile.load(from: parts[1])
        }
        // A registered model's run may carry its reference profile (`reference_profile.json`).
        if let modelStore = repository.store {
            for (name, source) in named where source.isURI && watch.references[name] == nil {
                guard let runID = repository.model(name)?.runID,
                      let bytes = try? await modelStore.readArtifact(runID: runID, path: "reference_profile.json") else { continue }
                do {
                    watch.references[name] = try ReferenceProfile.decode(bytes, source: "runs:/\(runID)/reference_profile.json")
                } catch {
                    FileHandle.standardError.write(Data("warning: the reference profile of \(name) (run \(runID)) is not readable; drift is not watched: \(error)\n".utf8))
                }
            }
        }
        let monitor = try LiveMonitor(configuration: watch)
        var logger = Logger(label: "dstoolbox.serve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let server = InferenceServer(models: repository, keys: keys, routes: routes, monitor: monitor, configuration: settings, logger: logger)
        let host = self.host
        let app = Application(
            responder: server,
            server: HTTPSupport.server(headerTimeout: headerTimeout),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "dstoolbox-serve"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                FileHandle.standardOutput.write(Data("listening on http://\(host):\(bound)\n".utf8))
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger))
        // SIGTERM and SIGINT: readiness fails first, then the listener closes and in-flight requests finish.
        let drain = drainSeconds
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                server.beginDraining()
                Task {
                    try? await Task.sleep(for: .milliseconds(Int(drain * 1000)))
                    await group.triggerGracefulShutdown()
                }
            }
            source.resume()
            sources.append(source)
        }
        let eventLog = logger
        let poller = poll > 0 ? Task { [poll] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(poll * 1000)))
                for (name, outcome) in await repository.poll() {
                    switch outcome {
                    case .success(let version): eventLog.warning("reloaded \(name): now serving version \(version)")
                    case .failure(let error): eventLog.error("reloading \(name) failed; the served version stays: \(error)")
                    }
                }
            }
        } : nil
        let watcher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                monitor.checkErrorRates(routes, names: routes.names)
            }
        }
        let tracker = trackingStore.map { RouteTracker(store: $0) }
        let trackerTask = tracker.map { tracker in
            Task { [trackEvery] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int(trackEvery * 1000)))
                    do { try await tracker.log(routes) } catch { eventLog.error("logging routes to the store failed: \(error)") }
                }
            }
        }
        defer {
            poller?.cancel()
            watcher.cancel()
            trackerTask?.cancel()
        }
        try await group.run()
        // The last numbers reach the store before the process ends.
        try? await tracker?.log(routes)
        withExtendedLifetime(sources) {}
    }
}
