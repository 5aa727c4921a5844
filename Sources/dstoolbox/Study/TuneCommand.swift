import ArgumentParser
import DSToolbox
import Foundation

/// `dstoolbox tune DATA --target Y (--model NAME | --pipeline SPEC) [--space SPACE] --trials N [--cv K] [--scoring S] [--seed N] [--study NAME] [--store S] [-o MODEL] [--json]`
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Tune a model or pipeline by cross-validation with TPE and the median pruner.",
        discussion: """
            Without --space, every hyperparameter with a default search range is searched (learning_rate log-uniform, \
            max_leaf_nodes as integers, ...). With --study, the study is kept in the store (and resumed when it exists).
            """
    )

    @Argument(help: "The data (CSV with a header).") var data: String
    @Option(help: "The target column.") var target: String
    @Option(help: "The model's registry name, e.g. hist_gradient_boosting_classifier.") var model: String?
    @Option(help: "A pipeline spec (YAML or JSON), instead of --model; its space names are step__name.") var pipeline: String?
    @Option(help: "The search space: a YAML or JSON file, or inline JSON (default: the model's search ranges).") var space: String?
    @Option(help: "Columns left out of the features (identifiers, say), comma-separated; repeatable.") var drop: [String] = []
    @Option(help: "Trials to run.") var trials: Int
    @Option(help: "Folds of the cross-validation.") var cv: Int = 5
    @Option(help: "The score to maximize: accuracy, balanced_accuracy, f1_macro, roc_auc, r2, neg_mean_squared_error, neg_mean_absolute_error (default: accuracy or r2).")
    var scoring: String?
    @Option(help: "The sampler's seed; the same seed gives the same trials.") var seed: UInt64?
    @Option(help: "A study to keep in the store (created, or resumed when it exists).") var study: String?
    @Option(help: "The store (with --study): a folder or postgresql://USER:PASSWORD@HOST:PORT/DB.") var store: String?
    @Option(name: [.short, .long], help: "Write the best parameters' pipeline, refitted on the whole data, as a model archive.") var output: String?
    @Flag(help: "Do not prune trials.") var noPruning = false
    @Flag(help: "Print JSON: {\"best_params\": ..., \"best_score\": ..., \"trials\": N, \"study\": NAME}.") var json = false

    func validate() throws {
        guard (model == nil) != (pipeline == nil) else { throw ValidationError("give --model NAME or --pipeline SPEC, one of them") }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1, got \(trials)") }
        guard cv >= 2 else { throw ValidationError("--cv must be at least 2, got \(cv)") }
    }

    func run() async throws {
        try Toolbox.registerAll()
        let searchSpace = try space.map { try SearchSpace(fileOrInline: $0) }
        let built: DynamicPipeline, step: String?
        if let model {
            built = try DynamicPipeline(spec: PipelineSpec(steps: [PipelineSpec.Step(name: "model", type: model)]))
            step = "model"
        } else {
            let path = pipeline ?? ""
            let text = String(decoding: try RegularFile.read(path, limit: 16 << 20), as: UTF8.self)
            do {
                built = try DynamicPipeline(yaml: text)
            } catch var error as ToolboxError {
                error.context.path = error.context.path ?? path
                throw error
            }
            step = nil
        }
        if let searchSpace { try ModelTuning.check(searchSpace, against: built, step: step) }
        let scorer = try scoring.map(Scorer.named)
        let table = try LearnCommand.table(data, drop: drop)
        guard table.columnIndex(named: target) != nil else {
            throw ToolboxError(.notFound, "no column \(target) in \(data); columns: \(DataTable.listing(table.columnNames))", context: ErrorContext(path: data, column: target))
        }
        let kept: (any StudyStorage)? = study == nil ? nil : try await StudyCommand.storage(store)
        let storage: any StudyStorage = kept ?? InMemoryStudyStorage()
        let name = study ?? "tune-\(model ?? URL(fileURLWithPath: pipeline ?? "pipeline").deletingPathExtension().lastPathComponent)"
        let tuned = try await Study.create(name: name, direction: .maximize, sampler: try TPESampler(seed: seed),
                                           pruner: noPruning ? NopPruner() : PercentilePruner.defaultMedian, seed: seed, storage: storage, loadIfExists: true,
                                           tracking: kept == nil ? nil : try await RunsCommand.store(store))
        // The best parameters are refitted on the whole data when the model goes somewhere: a
        // file, or the study's parent run in the store.
        let result = try await ModelTuning.tune(built, table: table, target: target, space: searchSpace, trials: trials, folds: cv, scoring: scorer,
                                                study: tuned, pruning: !noPruning, step: step, refit: output != nil || kept != nil)
        if let output, let model = result.model { try ModelArchive.save(model, to: output) }
        if json {
            var line = "{\"best_params\": \(StudyCommand.params(result.bestParameters)), \"best_score\": \(StudyCommand.number(result.bestScore)), "
                + "\"trials\": \(result.trials), \"study\": \(StudyCommand.text(result.study)), \"pruned\": \(result.pruned), \"iterations\": \(result.iterations)"
            if let output { line += ", \"model\": \(StudyCommand.text(output))" }
            if let run = result.runID { line += ", \"run_id\": \(StudyCommand.text(run))" }
            print(line + "}")
        } else {
            print("best score \(result.bestScore) over \(result.trials) trials (\(result.pruned) pruned) of study \(result.study)")
            print("best params: \(StudyCommand.params(result.bestParameters))")
            if let output { print("refitted on all \(table.rowCount) rows; wrote \(output)") }
            if let run = result.runID { print("logged the refitted model to run \(run) (model.dstbx, under the study's parent run)") }
        }
    }
}
