import ArgumentParser
import DSToolbox
import Foundation
import Synchronization

/// `dstoolbox learn ...`: cross-validate, train, predict and explain any LearnKit model by its
/// registry name (scikit-learn's class names in snake case).
struct LearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Cross-validate, train, predict with and explain models by name (hist_gradient_boosting_classifier, random_forest_classifier, ...).",
        subcommands: [LearnCVCommand.self, LearnTrainCommand.self, LearnPredictCommand.self, LearnExplainCommand.self]
    )

    /// The estimator `name` with `--set key=value` hyperparameters (the registry builds it).
    static func estimator(_ name: String, settings: [String]) throws -> any Estimator {
        try Toolbox.registerAll()
        return try ModelRegistry.shared.estimator(named: name, hyperparameters: try settingValues(settings), path: "--set")
    }

    /// `--set KEY=VALUE` pairs as hyperparameter values (JSON, a YAML flow collection, or text).
    static func settingValues(_ settings: [String]) throws -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--set takes KEY=VALUE, got \(setting)") }
            values[String(parts[0])] = JSONValue(commandLineText: String(parts[1]))
        }
        return values
    }

    /// The features and target of a CSV: every column but the target (and `drop`), categorical columns coded.
    static func data(_ path: String, target: String, drop: [String] = []) throws -> (features: FeatureMatrix, target: TargetColumn) {
        let table = try table(path, drop: drop)
        guard table.columnIndex(named: target) != nil else {
            throw ToolboxError(.notFound, "no column \(target) in \(path); columns: \(DataTable.listing(table.columnNames))",
                               context: ErrorContext(path: path, column: target))
        }
        let features = try table.dropping([target]).toMatrix()
        return (features, try table.target(named: target))
    }

    /// A CSV without the `drop` columns (identifiers, say), each of which must be there.
    static func table(_ path: String, drop: [String]) throws -> DataTable {
        let table = try DataTable(csvFile: path)
        let names = drop.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        for name in names where table.columnIndex(named: name) == nil {
            throw ToolboxError(.notFound, "--drop \(name): no such column in \(path); columns: \(DataTable.listing(table.columnNames))",
                               context: ErrorContext(path: path, column: name, parameter: "--drop"))
        }
        return names.isEmpty ? table : try table.dropping(names)
    }

    static func isClassifier<E: Estimator>(_ estimator: E) -> Bool { E.Model.self is any Classifier.Type }

    static func json(_ value: some Encodable) throws -> String { try RunsCommand.json(value) }

    /// Prints a line on standard error (progress of long fits).
    static func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

    /// A fit context that reports progress on standard error: every 10 iterations with
    /// `--progress`, otherwise every 5 seconds once a fit has run that long (so a long fit
    /// always shows it is alive, and a short one prints nothing).
    static func context(_ features: FeatureMatrix, labels: [String]?, progress: Bool) -> FitContext {
        var context = FitContext(features, targetLabels: labels)
        let start = Date()
        let last = Mutex(start)
        context.progress = { report in
            let now = Date()
            let due = progress ? report.iteration % 10 == 0 : last.withLock { previous in
                guard now.timeIntervalSince(previous) >= 5 else { return false }
                previous = now
                return true
            }
            if due {
                let train = report.trainLoss.map { String(format: " train loss %.6g", $0) } ?? ""
                let validation = report.validationLoss.map { String(format: " validation loss %.6g", $0) } ?? ""
                note(String(format: "iteration %d%@%@ (%.1f s)", report.iteration, train, validation, now.timeIntervalSince(start)))
            }
            return .proceed
        }
        return context
    }

    /// A fitted model from MODEL: a file (a DSToolbox archive, a LightGBM text model or an
    /// XGBoost JSON/UBJSON model, recognised by content) or a registry URI (`models:/NAME@ALIAS`,
    /// `models:/NAME/VERSION`, `runs:/RUN_ID/PATH`) in the store.
    static func load(_ model: String, store: String? = nil) async throws -> any FittedModel {
        try Toolbox.registerAll()
        if ModelURI.isURI(model) { return try await RunsCommand.store(store, readOnly: true).loadModel(uri: model) }
        return try ModelFile.load(model)
    }

    /// Writes a table to `output` (atomically) or prints it.
    static func emit(_ table: DataTable, output: String?) throws {
        if let output { try table.writeCSV(to: output) } else { print(try table.csvString(), terminator: "") }
    }
}

/// `dstoolbox learn cv DATA.csv --target COL --model NAME [--set k=v]... [--folds K] [--scoring NAME] [--json]`
struct LearnCVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cv", abstract: "Cross-validate a model: stratified folds for classifiers, as scikit-learn's cross_val_score.")
    @Argument(help: "The data (CSV with a header).") var data: String
    @Option(help: "The target column.") var target: String
    @Option(help: "The model's registry name, e.g. hist_gradient_boosting_classifier.") var model: String?
    @Option(help: "A pipeline spec (YAML or JSON: steps by registered name, table steps such as tfidf_vectorizer first), instead of --model.")
    var pipeline: String?
    @Option(name: .customLong("set"), help: "A hyperparameter KEY=VALUE (repeatable), scikit-learn's names (step__name for a pipeline).")
    var settings: [String] = []
    @Option(help: "Columns left out of the features (identifiers, say), comma-separated; repeatable.") var drop: [String] = []
    @Option(parsing: .unconditional, help: "Number of folds.") var folds: Int = 5
    @Option(help: "The score: accuracy, balanced_accuracy, f1_macro, roc_auc, r2, neg_mean_squared_error, neg_mean_absolute_error (default: accuracy or r2).")
    var scoring: String?
    @Flag(help: "Print JSON: {\"scores\": [...], \"mean\": ...}.") var json = false

    func validate() throws {
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
        guard (model == nil) != (pipeline == nil) else { throw ValidationError("give --model NAME or --pipeline SPEC, one of them") }
    }

    func run() throws {
        let result: CrossValidationResult, scorer: Scorer, name: String
        if let pipeline {
            (result, scorer) = try crossValidate(pipelineAt: pipeline)
            name = pipeline
        } else {
            let model = model ?? ""
            let estimator = try LearnCommand.estimator(model, settings: settings)
            let (features, target) = try LearnCommand.data(data, target: self.target, drop: drop)
            let classifier = LearnCommand.isClassifier(estimator)
            scorer = try scoring.map(Scorer.named) ?? (classifier ? .accuracy : .r2)
            let cv: any CrossValidator = classifier ? StratifiedKFold(folds: folds) : KFold(folds: folds)
            let context = FitContext(features, targetLabels: target.labels)
            result = try ModelSelection.crossValidate(estimator, x: features.matrix, y: target.values, cv: cv, scoring: [scorer], context: context)
            name = model
        }
        let scores = result.testScores[scorer.name] ?? []
        let mean = try result.meanTestScore(scorer)
        let deviation = (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(scores.count, 1))).squareRoot()
        if json {
            struct Output: Encodable { var model: String, scoring: String, folds: Int, scores: [Double], mean: Double, std: Double, fit_times: [Double] }
            print(try LearnCommand.json(Output(model: name, scoring: scorer.name, folds: folds, scores: scores, mean: mean, std: deviation, fit_times: result.fitTimes)))
        } else {
            print("\(name) \(scorer.name) over \(folds) folds: \(mean) ± \(deviation)")
            print("scores: " + scores.map { "\($0)" }.joined(separator: ", "))
        }
    }
}

extension LearnCVCommand {
    /// Cross-validates the pipeline spec at `path` on the CSV, table steps refitted per fold:
    /// stratified folds when its last step classifies.
    func crossValidate(pipelineAt path: String) throws -> (CrossValidationResult, Scorer) {
        try Toolbox.registerAll()
        let text = String(decoding: try RegularFile.read(path, limit: 16 << 20), as: UTF8.self)
        var pipeline: DynamicPipeline
        do {
            pipeline = try DynamicPipeline(yaml: text)
        } catch var error as ToolboxError {
            error.context.path = error.context.path ?? path
            throw error
        }
        let values = try LearnCommand.settingValues(settings)
        if !values.isEmpty { pipeline = try pipeline.settingHyperparameters(values) }
        let table = try LearnCommand.table(data, drop: drop)
        guard table.columnIndex(named: target) != nil else {
            throw ToolboxError(.notFound, "no column \(target) in \(data); columns: \(DataTable.listing(table.columnNames))",
                               context: ErrorContext(path: data, column: target))
        }
        let classifier = pipeline.steps.last.map { LearnCommand.isClassifier($0.estimator) } ?? false
        let scorer = try scoring.map(Scorer.named) ?? (classifier ? .accuracy : .r2)
        let cv: any CrossValidator = classifier ? StratifiedKFold(folds: folds) : KFold(folds: folds)
        return (try ModelSelection.crossValidate(pipeline, table: table, target: target, cv: cv, scoring: [scorer]), scorer)
    }
}

/// `dstoolbox learn train DATA.csv --target COL --model NAME [--set k=v]... --output MODEL`
struct LearnTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Fit a model on a CSV and save it as a model archive.")
    @Argument(help: "The data (CSV with a header).") var data: String
    @Option(help: "The target column.") var target: String
    @Option(help: "The model's registry name.") var model: String
    @Option(name: .customLong("set"), help: "A hyperparameter KEY=VALUE (repeatable).") var settings: [String] = []
    @Option(help: "Columns left out of the features (identifiers, say), comma-separated; repeatable.") var drop: [String] = []
    @Option(name: [.short, .long], help: "The model archive to write.") var output: String
    @Flag(help: "Report progress every 10 iterations on standard error (iterative models); without it, a fit reports every 5 seconds once it runs that long.") var progress = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let estimator = try LearnCommand.estimator(model, settings: settings)
        let (features, target) = try LearnCommand.data(data, target: self.target, drop: drop)
        let context = LearnCommand.context(features, labels: target.labels, progress: progress)
        let start = Date()
        let fitted = try estimator.fit(features.matrix, target.values, context: context)
        let seconds = Date().timeIntervalSince(start)
        try ModelArchive.save(fitted, to: output)
        if json {
            struct Output: Encodable { var model: String, type: String, output: String, rows: Int, features: Int, fit_seconds: Double }
            print(try LearnCommand.json(Output(model: model, type: type(of: fitted).modelTypeName, output: output, rows: features.matrix.rows,
                                               features: features.matrix.columns, fit_seconds: seconds)))
        } else {
            print("fitted \(type(of: fitted).modelTypeName) on \(features.matrix.rows) rows x \(features.matrix.columns) features in \(String(format: "%.2f", seconds)) s; wrote \(output)")
        }
    }
}

/// `dstoolbox learn predict MODEL DATA.csv [--proba] [--output F]`
struct LearnPredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict", abstract: "Predict with a saved model: one output row per input row.")
    @Argument(help: "The model: a DSToolbox archive, a LightGBM text model, an XGBoost JSON/UBJSON model, or models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/PATH in the store.")
    var model: String
    @Argument(help: "The data (CSV with the model's columns; others are ignored).") var data: String
    @Flag(help: "Class probabilities, one column per class.") var proba = false
    @Option(name: [.short, .long], help: "Write CSV here (default: standard output).") var output: String?
    @Option(help: "The store a models:/ or runs:/ URI names a model in (default: DSTOOLBOX_STORE, then ./dstoolbox-store).") var store: String?

    func run() async throws {
        let fitted = try await LearnCommand.load(model, store: store)
        let predictions = try fitted.predictions(try DataTable(csvFile: data), probabilities: proba)
        let table: DataTable
        if proba, let probabilities = predictions.probabilities, let classes = predictions.classes {
            table = try DataTable(classes.map(\.description).enumerated().map { ("probability_\($1)", .numeric(probabilities.column($0))) })
        } else if let labels = predictions.labels {
            table = try DataTable([("prediction", .categorical(labels.map(\.description)))])
        } else {
            table = try DataTable([("prediction", .numeric(predictions.values ?? []))])
        }
        try LearnCommand.emit(table, output: output)
    }
}

/// `dstoolbox learn explain MODEL DATA.csv --output shap.csv`
struct LearnExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "SHAP values (exact TreeSHAP) per row and feature, or SHAP interaction values per pair of features, plus the expected value, for tree models.")
    @Argument(help: "The model: a DSToolbox archive, a LightGBM text model, an XGBoost JSON/UBJSON model, or models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/PATH in the store.")
    var model: String
    @Argument(help: "The data (CSV with the model's columns).") var data: String
    @Option(name: [.short, .long], help: "Write CSV here (default: standard output).") var output: String?
    @Flag(help: "SHAP interaction values instead: a column `A|B` per pair of features (A|A the main effect), summing with the expected value to the raw prediction.")
    var interactions = false
    @Option(help: "The store a models:/ or runs:/ URI names a model in (default: DSTOOLBOX_STORE, then ./dstoolbox-store).") var store: String?

    func run() async throws {
        let fitted = try await LearnCommand.load(model, store: store)
        let x = try fitted.inputMatrix(selectingFrom: try DataTable(csvFile: data))
        guard let explainable = fitted as? any TreeExplainable else {
            throw ToolboxError(.unsupported, "TreeSHAP explains tree models (trees, forests, boosting, imported LightGBM and XGBoost); \(type(of: fitted).modelTypeName) is not one",
                               context: ErrorContext(parameter: "model"))
        }
        let names = fitted.schema.featureNames ?? (0..<x.columns).map { "x\($0)" }
        // One block of columns per output (per class, `CLASS__` before each name, for multiclass).
        let values: [Matrix<Double>], expected: [Double], columnNames: [String]
        if interactions {
            let shap = try explainable.shapInteractionValues(x, threads: nil)
            (values, expected) = (shap.values, shap.expectedValue)
            columnNames = names.flatMap { a in names.map { b in "\(a)|\(b)" } }
        } else {
            let shap = try explainable.shapValues(x, threads: nil)
            (values, expected, columnNames) = (shap.values, shap.expectedValue, names)
        }
        var columns: [(String, DataTable.Column)] = []
        let classNames: [String]? = values.count > 1 ? fitted.classifier?.classLabels.map(\.description) : nil
        for output in 0..<values.count {
            let prefix = classNames.map { "\($0[output])__" } ?? ""
            for (index, name) in columnNames.enumerated() { columns.append((prefix + name, .numeric(values[output].column(index)))) }
            columns.append((prefix + "expected_value", .numeric([Double](repeating: expected[output], count: x.rows))))
        }
        try LearnCommand.emit(try DataTable(columns), output: output)
    }
}
