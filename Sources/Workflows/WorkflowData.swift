public import ToolboxCore
import Foundation
public import FeatureKit
import LearnKit
import SEGYKit
import TuneKit

/// A workflow's data, loaded: the training and holdout tables (target included, dropped
/// columns still there for the contract), their fingerprints and the task.
public struct WorkflowData: Sendable {
    /// The training rows.
    public var train: DataTable
    /// The holdout rows.
    public var test: DataTable
    /// SHA-256 of the training source (the survey and its labels for SEG-Y).
    public var trainDigest: String
    /// SHA-256 of the holdout's source (the training source's when split from it).
    public var testDigest: String
    /// Columns that are not features (dropped ones, and a survey's trace, inline and crossline).
    public var excluded: [String]
    /// The PCA embedding of a survey's traces (`data.embedding`), kept with the model so new
    /// surveys are embedded the same way.
    public var embedding: TraceEmbedding.Model?

    /// The training table without the excluded columns, as the pipeline is fitted on it.
    public var trainFeatures: DataTable { get throws { try train.dropping(excluded.filter { train.columnIndex(named: $0) != nil }) } }
    /// The holdout table without the excluded columns.
    public var testFeatures: DataTable { get throws { try test.dropping(excluded.filter { test.columnIndex(named: $0) != nil }) } }

    /// Whether the task is classification (the pipeline's, or the target's look without one).
    public var classifier: Bool

    /// Loads the data a workflow names and cuts the holdout (stratified for a classifier unless
    /// `split.stratify` is false). Without `classifier` (no pipeline names the task), the target
    /// decides (``looksCategorical(_:)``).
    public static func load(_ workflow: Workflow, classifier known: Bool?) throws -> WorkflowData {
        let data = workflow.data
        let whole: DataTable, digest: String
        var excluded = data.drop
        var embedding: TraceEmbedding.Model?
        if data.isSurvey {
            (whole, digest, embedding) = try loadSurvey(workflow)
            excluded += ["trace", "inline", "crossline"].filter { whole.columnIndex(named: $0) != nil && !excluded.contains($0) }
        } else {
            whole = try table(data.train, workflow: workflow, key: "data.train")
            digest = try fileDigest(data.train)
        }
        try requireColumn(data.target, in: whole, workflow: workflow, key: "data.target", file: data.train)
        let classifier = try known ?? looksCategorical(whole.column(named: data.target))
        let train: DataTable, test: DataTable, testDigest: String
        if let testPath = data.test {
            train = whole
            test = try table(testPath, workflow: workflow, key: "data.test")
            try requireColumn(data.target, in: test, workflow: workflow, key: "data.target", file: testPath)
            testDigest = try fileDigest(testPath)
        } else {
            guard whole.rowCount >= 2 else {
                throw workflow.document.error("\(data.train) has \(whole.rowCount) rows: too few to split off a holdout", key: "data.train", code: .invalidData)
            }
            let stratify = (data.stratify ?? classifier) && classifier
            if stratify {
                do {
                    (train, test) = try whole.split(testFraction: data.testFraction, stratifyBy: data.target, seed: data.splitSeed)
                } catch let error as ToolboxError {
                    throw workflow.document.error("a stratified split failed: \(error.message); set stratify: false or give more rows", key: "data.split", code: error.code)
                }
            } else {
                (train, test) = try whole.split(testFraction: data.testFraction, seed: data.splitSeed)
            }
            testDigest = digest
        }
        return WorkflowData(train: train, test: test, trainDigest: digest, testDigest: testDigest, excluded: excluded, embedding: embedding, classifier: classifier)
    }

    /// A CSV's table, errors naming the workflow key that names it.
    static func table(_ path: String, workflow: Workflow, key: String) throws -> DataTable {
        do {
            return try DataTable(csvFile: path)
        } catch var error as ToolboxError {
            error.message = "\(key) (\(path)): \(error.message)"
            throw error
        }
    }

    static func requireColumn(_ column: String, in table: DataTable, workflow: Workflow, key: String, file: String) throws {
        guard table.columnIndex(named: column) != nil else {
            throw workflow.document.error("no column \(column) in \(file); columns: \(DataTable.listing(table.columnNames))", key: key, code: .notFound)
        }
    }

    /// The survey's feature table joined with its labels by trace index (unlabelled traces left out).
    static func loadSurvey(_ workflow: Workflow) throws -> (DataTable, String, TraceEmbedding.Model?) {
        let data = workflow.data
        let (features, embedding) = try SurveyFeatures.features(path: data.train, embedding: data.embedding, seed: data.splitSeed)
        let labelsPath = data.labels ?? ""
        let labels = try table(labelsPath, workflow: workflow, key: "data.labels")
        try requireColumn("trace", in: labels, workflow: workflow, key: "data.labels", file: labelsPath)
        try requireColumn(data.target, in: labels, workflow: workflow, key: "data.target", file: labelsPath)
        let traces = try labels.numericColumn(named: "trace")
        let target = try labels.column(named: data.target)
        var rowOfTrace: [Int: Int] = [:]
        for (row, trace) in traces.enumerated() {
            guard trace.isFinite, trace == trace.rounded(), trace >= 0, trace < Double(features.rowCount) else {
                throw ToolboxError(.invalidData, "data.labels: trace \(trace) is not a trace of \(data.train) (0..<\(features.rowCount))",
                                   context: ErrorContext(path: labelsPath, column: "trace", row: row))
            }
            guard rowOfTrace[Int(trace)] == nil else {
                throw ToolboxError(.invalidData, "data.labels: trace \(Int(trace)) is labelled twice", context: ErrorContext(path: labelsPath, column: "trace", row: row))
            }
            rowOfTrace[Int(trace)] = row
        }
        let labelled = (0..<features.rowCount).filter { rowOfTrace[$0] != nil }
        var joined = try features.rows(at: labelled)
        let order = labelled.map { rowOfTrace[$0] ?? 0 }
        switch target {
        case .numeric(let values): try joined.setColumn(data.target, .numeric(order.map { values[$0] }))
        case .categorical(let values): try joined.setColumn(data.target, .categorical(order.map { values[$0] }))
        }
        var hasher = ContentSHA256()
        hasher.update(Array(try fileDigest(data.train).utf8))
        hasher.update(Array(try fileDigest(labelsPath).utf8))
        return (joined, hasher.finalize().hexString, embedding)
    }

    /// The SHA-256 of a file's bytes, read in blocks.
    public static func fileDigest(_ path: String) throws -> String {
        let (descriptor, _) = try RegularFile.openForReading(path)
        defer { close(descriptor) }
        var hasher = ContentSHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { throw ToolboxError(.ioError, "cannot read \(path): errno \(errno)", context: ErrorContext(path: path)) }
            if count == 0 { break }
            hasher.update(Array(buffer[0..<count]))
        }
        return hasher.finalize().hexString
    }

    /// Whether a target column makes a classification task: text labels, or whole numbers
    /// with at most 20 distinct values.
    public static func looksCategorical(_ column: DataTable.Column) -> Bool {
        switch column {
        case .categorical: return true
        case .numeric(let values):
            let present = values.filter { !$0.isNaN }
            guard present.allSatisfy({ $0 == $0.rounded() }) else { return false }
            return Set(present).count <= 20
        }
    }
}
