public import ToolboxCore
import DSToolbox
public import TuneKit
import FeatureKit
import Foundation
import LearnKit
import SEGYKit

/// A workflow checked before any work: its files and the columns it names exist, its pipeline
/// builds from the registry, its search space names the pipeline's hyperparameters, its scores
/// fit the task. Every error names the workflow's file, line, column and key.
public struct WorkflowPlan: Sendable {
    /// The workflow.
    public let workflow: Workflow
    /// The pipeline (nil: chosen from the target once the data is read).
    public let pipeline: DynamicPipeline?
    /// Whether the pipeline classifies (nil until the data decides, without a pipeline).
    public let classifier: Bool?
    /// The columns of the training data (CSV header, or a survey's feature names).
    public let columns: [String]

    /// Checks `workflow` (reading only file headers).
    public init(_ workflow: Workflow) throws {
        try Toolbox.registerAll()
        self.workflow = workflow
        let document = workflow.document
        let data = workflow.data
        // Files and columns.
        let columns: [String]
        if data.isSurvey {
            let file: SEGYFile
            try Self.requireFile(data.train, document: document, key: "data.train")
            do {
                file = try SEGYFile(path: data.train)
            } catch let error as ToolboxError {
                throw document.error("\(data.train): \(error.message)", key: "data.train", code: error.code)
            }
            let geometry = (try? file.geometry()) != nil
            columns = ["trace"] + (geometry ? ["inline", "crossline"] : []) + TraceFeatureExtractor.featureNames
                + (data.embedding.map { count in (0..<count).map { "pca\($0)" } } ?? [])
            let labels = try Self.header(data.labels ?? "", document: document, key: "data.labels")
            for (name, key) in [("trace", "data.labels"), (data.target, "data.target")] where !labels.contains(name) {
                throw document.error("no column \(name) in \(data.labels ?? ""); columns: \(DataTable.listing(labels))", key: key, code: .notFound)
            }
        } else {
            columns = try Self.header(data.train, document: document, key: "data.train")
            guard columns.contains(data.target) else {
                throw document.error("no column \(data.target) in \(data.train); columns: \(DataTable.listing(columns))", key: "data.target", code: .notFound)
            }
        }
        if let test = data.test {
            let testColumns = try Self.header(test, document: document, key: "data.test")
            guard testColumns.contains(data.target) else {
                throw document.error("no column \(data.target) in \(test); columns: \(DataTable.listing(testColumns))", key: "data.target", code: .notFound)
            }
        }
        let known = Set(columns + (data.isSurvey ? [data.target] : []))
        func requireColumn(_ name: String, key: String) throws {
            guard known.contains(name) else {
                let near = SectionReader.nearest(name, in: Array(known)).map { "; did you mean \($0)?" } ?? ""
                throw document.error("no column \(name) in \(data.train)\(near); columns: \(DataTable.listing(columns))", key: key, code: .notFound)
            }
        }
        for (index, name) in data.drop.enumerated() { try requireColumn(name, key: "data.drop[\(index)]") }
        if data.drop.contains(data.target) { throw document.error("the target \(data.target) cannot be dropped", key: "data.drop") }
        if let contract = workflow.validate {
            for (name, rule) in contract.columns where rule.required { try requireColumn(name, key: "validate.columns.\(name)") }
            for (index, name) in contract.unique.enumerated() { try requireColumn(name, key: "validate.unique[\(index)]") }
        }
        if let group = workflow.evaluate?.fairnessGroup { try requireColumn(group, key: "evaluate.fairness.group") }
        self.columns = columns

        // The pipeline, from the registry.
        var pipeline: DynamicPipeline?
        if let spec = workflow.pipeline {
            do {
                pipeline = try DynamicPipeline(spec: spec)
            } catch let error as ToolboxError {
                throw document.error(error.message, key: "pipeline" + (error.context.parameter.map { "." + $0 } ?? ""), code: error.code)
            }
        }
        self.pipeline = pipeline
        let classifier = pipeline.map { $0.steps.last?.estimator.producesClassifier ?? false }
        self.classifier = classifier

        // Scores that fit the task.
        if let classifier {
            let allowed = Set(classifier ? WorkflowScoring.classification : WorkflowScoring.regression)
            for (index, name) in (workflow.evaluate?.scoring ?? []).enumerated() where !allowed.contains(name) {
                throw document.error("\(name) scores a \(classifier ? "regressor" : "classifier"); this pipeline is a \(classifier ? "classifier" : "regressor") (scores: \(allowed.sorted().joined(separator: ", ")))",
                                     key: "evaluate.scoring[\(index)]")
            }
            if let scoring = workflow.tune?.scoring, !allowed.contains(scoring) {
                throw document.error("\(scoring) does not score a \(classifier ? "classifier" : "regressor")", key: "tune.scoring")
            }
            if !classifier, workflow.evaluate?.falsePositiveCost != nil {
                throw document.error("costs pick a classifier's threshold; this pipeline is a regressor", key: "evaluate.costs")
            }
        }
        // The space, against the pipeline's hyperparameters.
        if let tune = workflow.tune {
            let tuned = try pipeline ?? WorkflowPlan.defaultPipeline(classifier: true)
            if let space = tune.space {
                do {
                    try ModelTuning.check(space, against: tuned)
                } catch let error as ToolboxError {
                    let name = error.context.parameter ?? ""
                    throw document.error(error.message, key: "tune.space" + (name.isEmpty ? "" : "." + name), atKey: true)
                }
            } else if pipeline != nil {
                do {
                    _ = try ModelTuning.defaultSpace(tuned)
                } catch let error as ToolboxError {
                    throw document.error(error.message, key: "tune")
                }
            }
        }
        // The promotion rule's metric is one the workflow logs.
        if let metric = workflow.register?.promoteMetric {
            let logged = WorkflowScoring.loggedMetrics(workflow, classifier: classifier)
            guard logged.contains(metric) else {
                throw document.error("\(metric) is not a metric this workflow logs (\(logged.sorted().joined(separator: ", ")))", key: "register.promote_if.metric")
            }
        }
    }

    /// A CSV's column names (its header), errors naming the workflow key.
    static func header(_ path: String, document: WorkflowDocument, key: String) throws -> [String] {
        try requireFile(path, document: document, key: key)
        do {
            var reader = try CSVChunkReader(path: path, rowsPerChunk: 1, blockSize: 1 << 16)
            _ = try reader.next()
            return reader.columnNames
        } catch let error as ToolboxError {
            let what = error.code == .notFound ? "no such file" : error.message
            throw document.error("\(path): \(what)", key: key, code: error.code)
        }
    }

    /// A missing input file, as `notFound` naming the workflow key.
    static func requireFile(_ path: String, document: WorkflowDocument, key: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw document.error("\(path): no such file", key: key, code: .notFound)
        }
        if isDirectory.boolValue { throw document.error("\(path) is a folder, not a file", key: key) }
    }

    /// The pipeline used when a workflow names none: histogram gradient boosting.
    public static func defaultPipeline(classifier: Bool) throws -> DynamicPipeline {
        try DynamicPipeline(spec: PipelineSpec(steps: [PipelineSpec.Step(name: "model", type: classifier ? "hist_gradient_boosting_classifier" : "hist_gradient_boosting_regressor")]))
    }
}

/// The scores a workflow computes.
public enum WorkflowScoring {
    /// Scores of a classifier.
    public static let classification = ["accuracy", "balanced_accuracy", "f1_macro", "roc_auc"]
    /// Scores of a regressor.
    public static let regression = ["r2", "neg_mean_squared_error", "neg_mean_absolute_error"]

    /// The holdout scores of a workflow: the evaluate section's, or accuracy and roc_auc
    /// (r2 and neg_mean_squared_error for a regressor).
    public static func scores(_ workflow: Workflow, classifier: Bool) -> [String] {
        if let scoring = workflow.evaluate?.scoring, !scoring.isEmpty { return scoring }
        return classifier ? ["accuracy", "roc_auc"] : ["r2", "neg_mean_squared_error"]
    }

    /// Every metric name a workflow logs on its model's run (nil task: either's).
    static func loggedMetrics(_ workflow: Workflow, classifier: Bool?) -> Set<String> {
        var names = Set<String>()
        for task in classifier.map({ [$0] }) ?? [true, false] {
            for score in scores(workflow, classifier: task) {
                names.insert(score)
                if (workflow.evaluate?.cv ?? 0) >= 2 { names.formUnion(["cv_\(score)_mean", "cv_\(score)_std"]) }
            }
        }
        if workflow.evaluate?.falsePositiveCost != nil { names.formUnion(["expected_cost", "threshold"]) }
        if workflow.tune != nil { names.insert("tune_best_score") }
        return names
    }
}
