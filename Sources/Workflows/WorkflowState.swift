public import DriftKit
public import ToolboxCore
import Foundation

/// Everything a workflow run has produced so far: each section adds its part, and the state
/// after each completed section is kept with that section's run (`state.json`), so a resumed
/// run picks up where the last one stopped.
public struct WorkflowState: Sendable, Codable {
    /// The format version written.
    public static let formatVersion = 1
    public var version = formatVersion
    /// Sections completed, in order.
    public var completed: [String] = []
    /// `classification` or `regression`.
    public var task: String?
    /// The data read.
    public var data: DataInfo?
    /// The data contract's results (train, then test).
    public var contract: [DataContract.Result] = []
    /// The drift of the new data from the alias holder's reference (retraining workflows).
    public var drift: DriftSummary?
    /// Whether a retraining workflow retrains, and why.
    public var retrain: Decision?
    /// The pipeline as fitted: every step with all of its hyperparameters.
    public var pipeline: PipelineSpec?
    /// The study's outcome.
    public var tuning: TuningSummary?
    /// The run holding the fitted model (`model.dstbx`), its metrics and reference profile.
    public var modelRunID: String?
    /// The model's flattened hyperparameters, as logged.
    public var hyperparameters: [String: String] = [:]
    /// Holdout scores and curves.
    public var evaluation: WorkflowEvaluation?
    /// SHAP summary and dependence.
    public var explanation: WorkflowExplanation?
    /// The registered version and the promotion decision.
    public var registration: Registration?
    /// The reference profile kept with the model.
    public var monitor: MonitorSummary?
    /// Seconds each section took.
    public var seconds: [String: Double] = [:]

    public struct DataInfo: Sendable, Codable, Hashable {
        public var trainRows: Int
        public var testRows: Int
        public var columns: [String]
        public var trainDigest: String
        public var testDigest: String
        public var features: [String]
        /// The classes and their holdout counts (classification).
        public var classCounts: [String: Int]?
    }

    public struct DriftSummary: Sendable, Codable, Hashable {
        /// The registered version the data was compared with (nil: no holder yet).
        public var referenceVersion: Int?
        public var datasetDrift: Bool
        public var shareOfDriftedColumns: Double
        public var driftedColumns: [String]
        public var columns: [Column]

        public struct Column: Sendable, Codable, Hashable {
            public var column: String
            public var test: String
            public var statistic: Double?
            public var pValue: Double?
            public var drifted: Bool
        }

        init(report: DriftReport, version: Int?) {
            referenceVersion = version
            datasetDrift = report.datasetDrift
            shareOfDriftedColumns = report.shareOfDriftedColumns
            driftedColumns = report.columns.filter(\.drifted).map(\.column)
            columns = report.columns.map { Column(column: $0.column, test: $0.test, statistic: $0.statistic, pValue: $0.pValue, drifted: $0.drifted) }
        }
    }

    public struct Decision: Sendable, Codable, Hashable {
        public var retrain: Bool
        public var reason: String
    }

    public struct TuningSummary: Sendable, Codable, Hashable {
        public var study: String
        public var scoring: String
        public var bestScore: Double
        public var bestParameters: [String: JSONValue]
        /// Every trial: number, state and value (nil for a pruned or failed one).
        public var trials: [Trial]

        public struct Trial: Sendable, Codable, Hashable {
            public var number: Int
            public var state: String
            public var value: Double?
        }
    }

    public struct Registration: Sendable, Codable, Hashable {
        public var model: String
        public var version: Int
        public var alias: String?
        /// Whether the alias now points at the new version (nil: no alias asked).
        public var promoted: Bool?
        /// Why it was or was not promoted.
        public var reason: String
        /// The version the alias pointed at before.
        public var previousVersion: Int?
    }

    public struct MonitorSummary: Sendable, Codable, Hashable {
        /// The run the profile is kept with (the model's).
        public var runID: String
        public var artifact: String
        public var columns: Int
        public var rows: Int
    }

    public init() {}
}
