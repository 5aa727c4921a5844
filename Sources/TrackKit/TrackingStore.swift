public import Foundation

/// Where experiments, runs, parameters, metrics and tags live, as MLflow's tracking store: the
/// SQLite implementation (``SQLiteTrackingStore``) for one machine, and a PostgreSQL one for
/// teams to follow behind the same protocol.
public protocol TrackingStore: Sendable {
    /// The experiment called `name`, created if it does not exist.
    func experiment(named name: String) throws -> Experiment
    /// Starts a run in an experiment (status ``RunStatus/running``).
    func createRun(experimentID: Int64, name: String?, parentRunID: String?, source: String?, user: String?) throws -> Run
    /// A run by id.
    func run(id: String) throws -> Run
    /// Ends a run with a final status.
    func endRun(id: String, status: RunStatus) throws
    /// Logs parameters, metrics and tags in one transaction: all of them or none.
    /// Parameters are write-once (the same value again is fine, another value is an error);
    /// metrics append to their history; tags overwrite.
    func logBatch(runID: String, params: [String: String], metrics: [RunMetric], tags: [String: String]) throws
    /// A run's parameters.
    func params(runID: String) throws -> [String: String]
    /// A run's tags.
    func tags(runID: String) throws -> [String: String]
    /// A metric's history in a run, by step, then timestamp, then logging order.
    func metricHistory(runID: String, key: String) throws -> [RunMetric]
    /// The latest value of each metric of a run (the last logged at the largest step).
    func latestMetrics(runID: String) throws -> [String: RunMetric]
    /// Runs of the experiments (all when empty) that pass the filter, in order, a page at a time.
    func searchRuns(experimentIDs: [Int64], filter: RunFilter?, orderBy: [RunOrder], maxResults: Int, offset: Int) throws -> [Run]
}

/// An experiment: a named group of runs.
public struct Experiment: Sendable, Hashable, Codable {
    public var id: Int64
    public var name: String
    /// Seconds since 1970.
    public var creationTime: Double
}

/// A run's life cycle, as MLflow names it.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running = "RUNNING"
    case scheduled = "SCHEDULED"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"
}

/// One run: a fit, an evaluation, a job.
public struct Run: Sendable, Hashable, Codable {
    /// 32 hexadecimal digits, as MLflow's run ids.
    public var id: String
    public var experimentID: Int64
    public var name: String?
    public var status: RunStatus
    /// Seconds since 1970.
    public var startTime: Double
    public var endTime: Double?
    public var parentRunID: String?
    public var source: String?
    public var user: String?
}

/// One metric value: key, value (NaN and ±∞ kept exactly), step and time.
public struct RunMetric: Sendable, Hashable, Codable {
    public var key: String
    public var value: Double
    public var step: Int64
    /// Seconds since 1970.
    public var timestamp: Double

    public init(key: String, value: Double, step: Int64 = 0, timestamp: Double = Date().timeIntervalSince1970) {
        self.key = key
        self.value = value
        self.step = step
        self.timestamp = timestamp
    }

    /// Equal when every field is, NaN equal to NaN of the same bits.
    public static func == (lhs: RunMetric, rhs: RunMetric) -> Bool {
        lhs.key == rhs.key && lhs.value.bitPattern == rhs.value.bitPattern && lhs.step == rhs.step && lhs.timestamp == rhs.timestamp
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(value.bitPattern)
        hasher.combine(step)
        hasher.combine(timestamp)
    }
}
