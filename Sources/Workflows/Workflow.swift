public import ToolboxCore
public import TuneKit
import Foundation
import LearnKit

/// A workflow file: one model's whole job, from a data contract to a registered, reported and
/// monitored model. Sections run in this order; every section but `data` is optional.
///
/// ```yaml
/// name: churn
/// store: ./dstoolbox-store
/// data: {train: data/train.csv, target: churned, split: {test_fraction: 0.2, seed: 1, stratify: true}}
/// validate: {min_rows: 100, columns: {age: {type: numeric, min: 0, max: 120}}, unique: [customer_id]}
/// pipeline: {steps: [{type: hist_gradient_boosting_classifier}]}
/// tune: {trials: 20, sampler: tpe, seed: 1, pruner: median, scoring: roc_auc}
/// evaluate: {cv: 5, scoring: [roc_auc, accuracy], costs: {false_positive: 50, false_negative: 500}}
/// explain: {shap: true, sample: 500}
/// register: {model: churn, alias: champion, promote_if: {metric: roc_auc, higher_is_better: true, margin: 0.0}}
/// monitor: {reference_profile: true}
/// report: report.html
/// ```
///
/// Relative paths are read relative to the workflow file's folder (then the working folder).
/// See the workflow schema reference in Documentation/ for every key.
public struct Workflow: Sendable {
    /// The section names, in the order they run.
    public static let sectionNames = ["name", "store", "data", "validate", "pipeline", "tune", "evaluate", "explain", "register", "monitor", "report"]

    /// Where the training data comes from and what it predicts.
    public struct DataSection: Sendable, Hashable, Codable {
        /// The training data: a CSV, or a SEG-Y file with `features: traces`.
        public var train: String
        /// The column predicted (for SEG-Y, the column of the labels file).
        public var target: String
        /// A separate holdout CSV (instead of `split`).
        public var test: String?
        /// The holdout fraction cut from `train` when no `test` is given (default 0.2).
        public var testFraction: Double
        /// The split's seed.
        public var splitSeed: UInt64
        /// Whether the split keeps class shares (default: true for a classifier).
        public var stratify: Bool?
        /// `traces`: one row per trace of a SEG-Y file, its 42 trace features.
        public var features: String?
        /// PCA components of the raw traces added as columns `pca0...` (`embedding: pca:32`).
        public var embedding: Int?
        /// The labels of a SEG-Y file's traces: a CSV with a `trace` column and the target.
        public var labels: String?
        /// Columns kept out of the model's features (identifiers, for example).
        public var drop: [String]
        /// Whether the train file is SEG-Y (`features: traces`).
        public var isSurvey: Bool { features == "traces" }
    }

    /// Tuning: a TuneKit study over the pipeline's hyperparameters.
    public struct TuneSection: Sendable {
        /// The search space (default: every hyperparameter with a search range).
        public var space: SearchSpace?
        /// Trials to run in all (a resumed workflow runs only those still missing).
        public var trials: Int
        /// `tpe`, `random`, `cmaes` or `grid`.
        public var sampler: String
        /// The sampler's seed.
        public var seed: UInt64?
        /// `median`, `hyperband`, `successive_halving` or `none`.
        public var pruner: String
        /// The score maximized (default: accuracy or r2).
        public var scoring: String?
        /// Folds of each trial's cross-validation (default 3).
        public var cv: Int
    }

    /// Evaluation: cross-validation on the training data, scores on the holdout, fairness, costs.
    public struct EvaluateSection: Sendable, Hashable {
        /// Folds of the cross-validation (0: none).
        public var cv: Int
        /// The scores computed (default: accuracy and roc_auc, or r2 and neg_mean_squared_error).
        public var scoring: [String]
        /// The column whose groups the fairness table compares.
        public var fairnessGroup: String?
        /// The cost of a false positive and a false negative, which pick the threshold.
        public var falsePositiveCost: Double?
        public var falseNegativeCost: Double?
    }

    /// Explanations: TreeSHAP on a sample of the holdout.
    public struct ExplainSection: Sendable, Hashable {
        /// Whether SHAP values are computed.
        public var shap: Bool
        /// Rows explained (at most).
        public var sample: Int
        /// Features whose dependence is drawn.
        public var top: Int
    }

    /// Registration in the model registry, with a promotion rule for the alias.
    public struct RegisterSection: Sendable, Hashable {
        /// The registered model's name.
        public var model: String
        /// The alias moved to the new version when the rule holds (none: only registered).
        public var alias: String?
        /// The rule: the new version must beat the alias's holder on `metric` by `margin`.
        public var promoteMetric: String?
        public var higherIsBetter: Bool
        public var margin: Double
    }

    /// Monitoring: the drift reference saved with the registered version, and retraining on drift.
    public struct MonitorSection: Sendable, Hashable {
        /// Save the training data's reference profile with the model (`reference_profile.json`).
        public var referenceProfile: Bool
        /// `drift`: train only when the data drifted from the alias holder's reference profile;
        /// `always`: train whatever it shows (the drift is still measured and recorded).
        public var retrain: String?
        /// Columns that must drift for the data set to count as drifted (share, default 0.5).
        public var driftShare: Double
    }

    /// The workflow's name (default: the file's name).
    public var name: String
    /// The store, as written (a folder, `postgresql://...` or `http://...`), resolved for a folder.
    public var store: String?
    public var data: DataSection
    public var validate: DataContract?
    public var pipeline: PipelineSpec?
    public var tune: TuneSection?
    public var evaluate: EvaluateSection?
    public var explain: ExplainSection?
    public var register: RegisterSection?
    public var monitor: MonitorSection?
    /// The HTML report's path (resolved).
    public var report: String?
    /// The document the workflow was read from (for errors that name its lines).
    public let document: WorkflowDocument

    /// Reads and checks the workflow at `path` (see ``init(document:)``).
    public init(contentsOf path: String) throws {
        try self.init(document: try WorkflowDocument(contentsOf: path))
    }

    /// Reads the sections' shapes: unknown sections and keys, wrong types and values are
    /// errors naming the file, line, column and key. Files, columns and model names are checked
    /// by `WorkflowChecker`.
    public init(document: WorkflowDocument) throws {
        self.document = document
        let root = try SectionReader(document, key: "", value: document.root, allowed: Self.sectionNames)
        name = try root.string("name") ?? URL(fileURLWithPath: document.path).deletingPathExtension().lastPathComponent
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"#, options: .regularExpression) != nil else {
            throw document.error("must be letters, digits, _, . and - (at most 128), got \(ToolboxError.excerpt(name))", key: "name")
        }
        store = try root.string("store").map { Self.isURL($0) ? $0 : document.resolve($0) }
        guard let dataValue = root.value("data") else {
            throw document.error("the workflow has no data section; it needs at least data: {train: FILE, target: COLUMN}", key: "data")
        }
        data = try Self.readData(try SectionReader(document, key: "data", value: dataValue,
                                                   allowed: ["train", "target", "test", "split", "features", "embedding", "labels", "drop"]))
        if let value = root.value("validate") { validate = try DataContract(document: document, key: "validate", value: value) }
        if let value = root.value("pipeline") {
            do {
                pipeline = try PipelineSpec(value)
            } catch let error as ToolboxError {
                let key = "pipeline" + (error.context.parameter.map { "." + $0 } ?? "")
                throw document.error(error.message, key: key)
            }
        }
        if let section = try root.section("tune", allowed: ["space", "trials", "sampler", "seed", "pruner", "scoring", "cv"]) {
            tune = try Self.readTune(section)
        }
        if let section = try root.section("evaluate", allowed: ["cv", "scoring", "fairness", "costs"]) {
            evaluate = try Self.readEvaluate(section)
        }
        if let section = try root.section("explain", allowed: ["shap", "sample", "top"]) {
            explain = ExplainSection(shap: try section.flag("shap") ?? true, sample: try section.integer("sample", in: 1...100_000) ?? 500,
                                     top: try section.integer("top", in: 1...20) ?? 3)
        }
        if let section = try root.section("register", allowed: ["model", "alias", "promote_if"]) {
            register = try Self.readRegister(section)
        }
        if let section = try root.section("monitor", allowed: ["reference_profile", "retrain", "drift_share"]) {
            monitor = MonitorSection(referenceProfile: try section.flag("reference_profile") ?? true, retrain: try section.choice("retrain", ["drift", "always"]),
                                     driftShare: try section.number("drift_share", in: 0...1) ?? 0.5)
            if monitor?.retrain != nil, register?.alias == nil {
                throw document.error("retraining compares new data with an alias holder's reference profile: give register: {model: NAME, alias: ALIAS}", key: "monitor.retrain")
            }
        }
        report = try root.string("report").map(document.resolve)
    }

    static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") || text.hasPrefix("http://") || text.hasPrefix("https://")
    }

    private static func readData(_ section: SectionReader) throws -> DataSection {
        let document = section.document
        let train = try section.required("train", section.string)
        let features = try section.choice("features", ["traces"])
        let target = try section.string("target") ?? (features == "traces" ? "label" : nil)
        guard let target else { throw document.error("is required in data: the column to predict", key: "data.target", atKey: true) }
        var embedding: Int?
        if let text = try section.string("embedding") {
            let parts = text.split(separator: ":")
            guard parts.count == 2, parts[0] == "pca", let count = Int(parts[1]), (1...4_096).contains(count) else {
                throw document.error("takes pca:N with N in 1...4096, got \(text)", key: "data.embedding")
            }
            guard features == "traces" else { throw document.error("embeds SEG-Y traces: it needs features: traces", key: "data.embedding") }
            embedding = count
        }
        let labels = try section.string("labels")
        if features == "traces", labels == nil {
            throw document.error("a SEG-Y survey needs labels: a CSV with a trace column and the target, keyed by trace index", key: "data.labels", atKey: true)
        }
        if labels != nil, features != "traces" { throw document.error("labels a SEG-Y survey's traces: it needs features: traces", key: "data.labels") }
        let test = try section.string("test")
        var fraction = 0.2, seed: UInt64 = 0, stratify: Bool?
        if let split = try section.section("split", allowed: ["test_fraction", "seed", "stratify"]) {
            guard test == nil else { throw document.error("give test or split, not both", key: "data.split") }
            fraction = try split.number("test_fraction") ?? 0.2
            guard fraction > 0, fraction < 1 else { throw document.error("must be between 0 and 1 (exclusive), got \(fraction)", key: "data.split.test_fraction") }
            seed = try split.seed("seed") ?? 0
            stratify = try split.flag("stratify")
        }
        return DataSection(train: document.resolveInput(train), target: target, test: test.map(document.resolveInput), testFraction: fraction, splitSeed: seed,
                           stratify: stratify, features: features, embedding: embedding, labels: labels.map(document.resolveInput),
                           drop: try section.strings("drop") ?? [])
    }

    private static func readTune(_ section: SectionReader) throws -> TuneSection {
        var space: SearchSpace?
        if section.has("space") {
            do {
                space = try SearchSpace(text: section.document.text, source: section.document.path, at: ["tune", "space"])
            } catch let error as ToolboxError {
                let key = "tune.space" + (error.context.parameter.map { "." + $0 } ?? "")
                var located = section.document.error(error.message, key: key)
                if let line = error.context.line {
                    located = WorkflowDocument.located(error.message, at: WorkflowDocument.Place(line: line, column: Int(error.context.column ?? "") ?? 1),
                                                       path: section.document.path, key: key)
                }
                throw located
            }
        }
        return TuneSection(space: space, trials: try section.integer("trials", in: 1...100_000) ?? 20,
                           sampler: try section.choice("sampler", ["tpe", "random", "cmaes", "grid"]) ?? "tpe", seed: try section.seed("seed"),
                           pruner: try section.choice("pruner", ["median", "hyperband", "successive_halving", "none"]) ?? "median",
                           scoring: try section.choice("scoring", Scorer.all.map(\.name)), cv: try section.integer("cv", in: 2...50) ?? 3)
    }

    private static func readEvaluate(_ section: SectionReader) throws -> EvaluateSection {
        var scoring: [String] = []
        for (index, name) in (try section.strings("scoring") ?? []).enumerated() {
            guard Scorer.all.contains(where: { $0.name == name }) else {
                throw section.document.error("unknown score \(name) (one of \(Scorer.all.map(\.name).joined(separator: ", ")))", key: "evaluate.scoring[\(index)]")
            }
            scoring.append(name)
        }
        var result = EvaluateSection(cv: try section.integer("cv", in: 0...50) ?? 5, scoring: scoring)
        if result.cv == 1 { throw section.document.error("must be 0 (no cross-validation) or at least 2", key: "evaluate.cv") }
        if let fairness = try section.section("fairness", allowed: ["group"]) {
            result.fairnessGroup = try fairness.required("group", fairness.string)
        }
        if let costs = try section.section("costs", allowed: ["false_positive", "false_negative"]) {
            result.falsePositiveCost = try costs.required("false_positive") { try costs.number($0, in: 0...1e15) }
            result.falseNegativeCost = try costs.required("false_negative") { try costs.number($0, in: 0...1e15) }
        }
        return result
    }

    private static func readRegister(_ section: SectionReader) throws -> RegisterSection {
        var result = RegisterSection(model: try section.required("model", section.string), alias: try section.string("alias"), higherIsBetter: true, margin: 0)
        if let rule = try section.section("promote_if", allowed: ["metric", "higher_is_better", "margin"]) {
            guard result.alias != nil else { throw section.document.error("a promotion rule moves an alias: give register.alias", key: "register.promote_if") }
            result.promoteMetric = try rule.required("metric", rule.string)
            result.higherIsBetter = try rule.flag("higher_is_better") ?? true
            result.margin = try rule.number("margin", in: 0...1e15) ?? 0
        }
        return result
    }
}

extension WorkflowDocument {
    /// An input path: relative to the workflow's folder, or to the working folder when only it has the file.
    func resolveInput(_ relative: String) -> String {
        let beside = resolve(relative)
        if FileManager.default.fileExists(atPath: beside) || relative.hasPrefix("/") { return beside }
        return FileManager.default.fileExists(atPath: relative) ? relative : beside
    }
}
