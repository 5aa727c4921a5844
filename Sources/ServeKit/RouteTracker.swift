import Foundation
import Synchronization
import ToolboxCore
import ToolboxHTTP
public import TrackKit

/// Logs routing decisions and outcomes to a TrackKit store: one run per served name in the
/// experiment `serving` (tagged with the route as JSON, re-tagged when it changes), and at
/// each call of ``log(_:)`` every arm's counts as metrics at the next step (`ARM.requests`,
/// `ARM.errors`, `ARM.feedback`, `ARM.mean_reward`, `ARM.accuracy`, `ARM.mae`,
/// `ARM.shadow_agreement`, `ARM.breaker_trips`).
public final class RouteTracker: Sendable {
    /// The store logged to.
    public let store: any TrackingStore
    private struct Entry: Sendable {
        var runID: String
        var routeJSON: String
        var step: Int64
    }
    private let runs = Mutex<[String: Entry]>([:])

    /// A tracker logging to `store`.
    public init(store: any TrackingStore) { self.store = store }

    /// The run of each served name logged so far.
    public var runIDs: [String: String] { runs.withLock { $0.mapValues(\.runID) } }

    /// Logs every route's arms once (a step further than the last time).
    public func log(_ routes: RouteTable) async throws {
        for name in routes.names {
            guard let router = routes.router(name) else { continue }
            let routeJSON = JSONOutput(router.spec.json).text
            var entry = runs.withLock { $0[name] }
            var tags: [String: String] = [:]
            if entry == nil {
                let experiment = try await store.experiment(named: "serving")
                let run = try await store.createRun(experimentID: experiment.id, name: "serve:\(name)", parentRunID: nil, source: "dstoolbox serve", user: nil)
                entry = Entry(runID: run.id, routeJSON: "", step: 0)
                tags["served_name"] = name
            }
            guard var current = entry else { continue }
            if current.routeJSON != routeJSON {
                tags["route"] = routeJSON
                tags["strategy"] = router.spec.strategy.rawValue
                current.routeJSON = routeJSON
            }
            let now = Date().timeIntervalSince1970
            var metrics: [RunMetric] = []
            for (arm, stats) in zip(router.spec.arms, router.stats) {
                func add(_ key: String, _ value: Double?) {
                    if let value { metrics.append(RunMetric(key: "\(arm.name).\(key)", value: value, step: current.step, timestamp: now)) }
                }
                add("requests", Double(stats.requests))
                add("errors", Double(stats.errors))
                add("feedback", Double(stats.feedback))
                add("mean_reward", stats.meanReward)
                add("accuracy", stats.labelled > 0 ? Double(stats.correct) / Double(stats.labelled) : nil)
                add("mae", stats.valued > 0 ? stats.absoluteError / Double(stats.valued) : nil)
                add("shadow_agreement", stats.shadowCompared > 0 ? Double(stats.shadowAgreed) / Double(stats.shadowCompared) : nil)
                add("breaker_trips", Double(stats.trips))
            }
            try await store.logBatch(runID: current.runID, params: [:], metrics: metrics, tags: tags)
            current.step += 1
            let updated = current
            runs.withLock { $0[name] = updated }
        }
    }
}
