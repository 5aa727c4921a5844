import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// The server's metrics through swift-metrics, kept in a Prometheus registry of the server's own
/// (so several servers in one process never mix): requests, latency, in-flight and errors, per
/// model, version, route arm and protocol route.
final class ServeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])
    private let inFlightMeter: Meter

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        inFlightMeter = Meter(label: "dstoolbox_serve_requests_in_flight", dimensions: [], factory: factory)
    }

    /// One request in flight more (`+1`) or less (`-1`).
    func inFlight(_ delta: Int) {
        if delta > 0 { inFlightMeter.increment(by: Double(delta)) } else { inFlightMeter.decrement(by: Double(-delta)) }
    }

    /// Records a finished request.
    func record(model: String, version: String, arm: String, route: String, status: Int, seconds: Double) {
        let statusText = String(status)
        let counterKey = "\(model)\u{1}\(version)\u{1}\(arm)\u{1}\(route)\u{1}\(statusText)"
        let dimensions = [("model", model), ("version", version), ("arm", arm), ("route", route), ("status", statusText)]
        let factory = self.factory
        counters.withLock { counters in
            if let counter = counters[counterKey] { return counter }
            let counter = CoreMetrics.Counter(label: "dstoolbox_serve_requests_total", dimensions: dimensions, factory: factory)
            counters[counterKey] = counter
            return counter
        }.increment()
        if status >= 400 {
            let errorKey = "error\u{1}\(model)\u{1}\(route)\u{1}\(statusText)"
            counters.withLock { counters in
                if let counter = counters[errorKey] { return counter }
                let counter = CoreMetrics.Counter(label: "dstoolbox_serve_errors_total", dimensions: [("model", model), ("route", route), ("status", statusText)], factory: factory)
                counters[errorKey] = counter
                return counter
            }.increment()
        }
        let timerKey = "\(model)\u{1}\(version)\u{1}\(arm)\u{1}\(route)"
        timers.withLock { timers in
            if let timer = timers[timerKey] { return timer }
            let timer = CoreMetrics.Timer(label: "dstoolbox_serve_request_duration_seconds",
                                          dimensions: [("model", model), ("version", version), ("arm", arm), ("route", route)], factory: factory)
            timers[timerKey] = timer
            return timer
        }.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// The Prometheus text exposition.
    func text() -> [UInt8] { registry.emitToBuffer() }
}
