public import Foundation
public import ToolboxCore

/// The pleasant way to track from Swift: a run is a scope.
///
/// ```swift
/// let tracker = try Tracker(store: SQLiteTrackingStore(folder: "runs"))
/// try await tracker.run("churn", name: "forest") { run in
///     try run.log(params: ["max_depth": "5"])
///     for epoch in 0..<10 { try run.log(metric: "loss", loss[epoch], step: epoch) }
/// }                                   // FINISHED; FAILED if the body throws (and the error rethrown)
/// ```
public struct Tracker: Sendable {
    /// The store runs are tracked in.
    public let store: any TrackingStore
    /// Recorded as each run's user.
    public var user: String?

    /// A tracker writing to `store`, recording `user` as each run's user.
    public init(store: any TrackingStore, user: String? = ProcessInfo.processInfo.environment["USER"]) {
        self.store = store
        self.user = user
    }

    /// Runs `body` inside a new run of `experiment`: FINISHED when it returns, FAILED when it
    /// throws (the error is rethrown after the run is ended).
    ///
    /// The body runs in the caller's isolation (`#isolation`), so `@MainActor` code (an app, a
    /// notebook-style tool) can use its own state inside it and return values that are not
    /// `Sendable`.
    @discardableResult
    public func run<T>(_ experiment: String, name: String? = nil, parent: String? = nil, source: String? = nil,
                       isolation: isolated (any Actor)? = #isolation,
                       _ body: (ActiveRun) async throws -> T) async throws -> T {
        let record = try await store.createRun(experimentID: try await store.experiment(named: experiment).id, name: name, parentRunID: parent,
                                               source: source, user: user)
        let active = ActiveRun(id: record.id, store: store)
        do {
            let result = try await body(active)
            try await store.endRun(id: record.id, status: .finished)
            return result
        } catch {
            try? await store.endRun(id: record.id, status: .failed)
            throw error
        }
    }
}

/// The run a ``Tracker/run(_:name:parent:source:isolation:_:)`` body logs to.
public struct ActiveRun: Sendable {
    /// The run's id.
    public let id: String
    let store: any TrackingStore

    /// Logs parameters (write-once: the same value again is fine, another is an error).
    public func log(params: [String: String]) async throws { try await store.logBatch(runID: id, params: params, metrics: [], tags: [:]) }

    /// Logs one metric value at a step.
    public func log(metric key: String, _ value: Double, step: Int = 0) async throws {
        try await store.logBatch(runID: id, params: [:], metrics: [RunMetric(key: key, value: value, step: Int64(step))], tags: [:])
    }

    /// Logs several metrics at one step, in one transaction.
    public func log(metrics: [String: Double], step: Int = 0) async throws {
        try await store.logBatch(runID: id, params: [:], metrics: metrics.map { RunMetric(key: $0.key, value: $0.value, step: Int64(step)) }, tags: [:])
    }

    /// Sets tags (a tag set again is overwritten).
    public func tag(_ tags: [String: String]) async throws { try await store.logBatch(runID: id, params: [:], metrics: [], tags: tags) }

    /// Logs an estimator's or a whole pipeline's hyperparameters as parameters, by their
    /// flattened names (`max_depth`, `forest__max_depth`, `columns__numeric__scaler__with_mean`):
    /// strings as they are and other values as JSON text (`5`, `0.5`, `true`, `{"yes":2}`), whole.
    public func log(hyperparameters estimator: some Tunable) async throws {
        var params: [String: String] = [:]
        for (key, value) in estimator.flattenedHyperparameters {
            if case .string(let text) = value { params[key] = text } else { params[key] = value.jsonText }
        }
        try await log(params: params)
    }

    /// Logs a fitted model as the artifact `path` (a model archive any program loads by name).
    @discardableResult
    public func log<Model: FittedModel>(model: Model, path: String = "model.dstbx") async throws -> ArtifactInfo {
        try await store.logModel(runID: id, model: model, path: path)
    }

    /// Stores a file (or with `directory`, a folder) as artifacts.
    @discardableResult
    public func log(artifact file: String, path: String? = nil) async throws -> ArtifactInfo {
        try await store.logArtifact(runID: id, file: file, path: path)
    }

    /// Records the data sets the run reads.
    public func log(inputs: DatasetInput...) async throws { try await store.logInputs(runID: id, inputs: inputs) }

    /// A fit context progress callback that records each iteration's losses as metric history
    /// (`train_loss`, `validation_loss`), continuing the fit.
    ///
    /// A fit is synchronous: on the SQLite store each report is written as it comes; on a store
    /// across a network the reports are sent in order by one task and a fit never waits on it.
    public func progressLogger() -> @Sendable (FitProgress) -> FitDirective {
        let store = self.store, id = self.id
        let (stream, continuation) = AsyncStream<[RunMetric]>.makeStream()
        if !(store is SQLiteTrackingStore) {
            Task { for await metrics in stream { try? await store.logBatch(runID: id, params: [:], metrics: metrics, tags: [:]) } }
        }
        return { progress in
            var metrics: [RunMetric] = []
            if let train = progress.trainLoss { metrics.append(RunMetric(key: "train_loss", value: train, step: Int64(progress.iteration))) }
            if let validation = progress.validationLoss { metrics.append(RunMetric(key: "validation_loss", value: validation, step: Int64(progress.iteration))) }
            guard !metrics.isEmpty else { return .proceed }
            if let sqlite = store as? SQLiteTrackingStore {
                try? sqlite.logBatch(runID: id, params: [:], metrics: metrics, tags: [:])
            } else {
                continuation.yield(metrics)
            }
            return .proceed
        }
    }
}
