import DSToolbox
import Foundation
import Testing
import ToolboxTesting

@Suite("dstoolbox learn")
struct LearnCLITests {
    static func folder() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-learn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A classification CSV with a label target ("yes"/"no") and a categorical column.
    static func classificationCSV(_ directory: URL) throws -> String {
        var generator = SeededGenerator(seed: 21)
        var lines = ["a,b,colour,label"]
        for _ in 0..<600 {
            let a = generator.nextNormal(), b = generator.nextNormal()
            let colour = ["red", "green", "blue"][generator.nextInt(below: 3)]
            let score = a - 0.5 * b + (colour == "red" ? 1 : 0) + 0.3 * generator.nextNormal()
            lines.append("\(a),\(b),\(colour),\(score > 0.3 ? "yes" : "no")")
        }
        let path = directory.appendingPathComponent("train.csv").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func object(_ output: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    @Test func cvMatchesTheLibraryWithStratifiedFolds() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = try Self.classificationCSV(directory)
        let result = try CLITests().run(["learn", "cv", csv, "--target", "label", "--model", "hist_gradient_boosting_classifier",
                                         "--set", "max_iter=30", "--set", "learning_rate=0.2", "--folds", "4", "--json"])
        #expect(result.status == 0, "\(result.output)")
        // JSONDecoder, not JSONSerialization: on Linux the latter can misread the last digit of a
        // shortest round-trip number.
        struct Scores: Decodable { var scores: [Double]; var mean: Double }
        let decoded = try JSONDecoder().decode(Scores.self, from: Data(result.output.utf8))
        let scores = decoded.scores, mean = decoded.mean
        // The same in-process: stratified folds, accuracy, the categorical column coded.
        let table = try DataTable(csvFile: csv)
        let features = try table.dropping(["label"]).toMatrix()
        let target = try table.target(named: "label")
        var parameters = BoostingParameters()
        parameters.maxIterations = 30
        parameters.learningRate = 0.2
        let expected = try ModelSelection.crossValidate(HistGradientBoostingClassifier(parameters: parameters), x: features.matrix, y: target.values,
                                                        cv: StratifiedKFold(folds: 4), scoring: [.accuracy], context: FitContext(features, targetLabels: target.labels))
        let expectedMean = try expected.meanTestScore("accuracy")
        #expect(scores == expected.testScores["accuracy"] && mean == expectedMean && mean > 0.8, "\(mean) vs \(String(describing: try? expected.meanTestScore("accuracy")))")
        let regression = try CLITests().run(["learn", "cv", csv, "--target", "a", "--model", "ridge", "--scoring", "neg_mean_squared_error", "--json"])
        #expect(regression.status == 0, "\(regression.output)")
        let regressionScores = try Self.object(regression.output)["scores"] as? [Double]
        #expect(regressionScores?.count == 5 && regressionScores!.allSatisfy { $0 < 0 })
    }

    /// `learn cv --pipeline` on a spec with a TF-IDF table step equals scikit-learn's
    /// `cross_val_score` of TfidfVectorizer + LogisticRegression on StratifiedKFold's folds.
    @Test func cvOfAPipelineWithATextStep() throws {
        let golden = GoldenFiles()
        struct Expected: Decodable { var accuracy: [Double]; var roc_auc: [Double]; var r2: [Double] }
        let expected = try golden.load(Expected.self, "table_cv.json")
        struct Output: Decodable { var model: String; var scoring: String; var folds: Int; var scores: [Double]; var mean: Double; var std: Double; var fit_times: [Double] }
        let csv = golden.url("reviews.csv").path, spec = golden.url("reviews_pipeline.yaml").path
        for (scoring, values) in [("accuracy", expected.accuracy), ("roc_auc", expected.roc_auc)] {
            let run = try CLITests().run(["learn", "cv", csv, "--target", "label", "--pipeline", spec, "--folds", "5", "--scoring", scoring, "--json"])
            #expect(run.status == 0, "\(run.output)")
            let output = try JSONDecoder().decode(Output.self, from: Data(run.output.utf8))
            #expect(output.model == spec && output.scoring == scoring && output.folds == 5 && output.fit_times.count == 5)
            #expect(ToolboxTesting.mismatch(output.scores, values, relativeTolerance: 1e-9, absoluteTolerance: 1e-12) == nil, "\(output.scores) vs \(values)")
        }
        let regression = try CLITests().run(["learn", "cv", csv, "--target", "grade", "--pipeline", golden.url("reviews_regression.yaml").path, "--json"])
        let r2 = try JSONDecoder().decode(Output.self, from: Data(regression.output.utf8))
        #expect(r2.scoring == "r2" && ToolboxTesting.mismatch(r2.scores, expected.r2, relativeTolerance: 1e-8, absoluteTolerance: 1e-10) == nil)
        // Hyperparameters by their nested names; an unknown one is named.
        let tuned = try CLITests().run(["learn", "cv", csv, "--target", "label", "--pipeline", spec, "--set", "model__C=0.5", "--json"])
        #expect(tuned.status == 0, "\(tuned.output)")
        let tunedScores = try JSONDecoder().decode(Output.self, from: Data(tuned.output.utf8)).scores
        #expect(tunedScores != expected.accuracy)
        let unknown = try CLITests().run(["learn", "cv", csv, "--target", "label", "--pipeline", spec, "--set", "model__depth=3"])
        #expect(unknown.status == 1 && unknown.output.contains("model__depth"))
        let both = try CLITests().run(["learn", "cv", csv, "--target", "label", "--pipeline", spec, "--model", "ridge"])
        #expect(both.status == 64)
    }

    /// `learn predict models:/NAME@ALIAS` predicts what `learn predict FILE` predicts for the
    /// registered file; so does explain.
    @Test func predictFromTheRegistry() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = try Self.classificationCSV(directory)
        let store = directory.appendingPathComponent("store").path
        let file = directory.appendingPathComponent("model.dstbx").path
        #expect(try CLITests().run(["learn", "train", csv, "--target", "label", "--model", "hist_gradient_boosting_classifier", "--set", "max_iter=20", "-o", file]).status == 0)
        let run = try RunsCLITests.create(store, ["--experiment", "churn", "--artifact", file, "--status", "FINISHED"])
        #expect(try CLITests().run(["models", "register", "churn", "--run", run, "--store", store]).status == 0)
        #expect(try CLITests().run(["models", "alias", "churn", "champion", "1", "--store", store]).status == 0)
        for arguments in [["--proba"], []] {
            let direct = try CLITests().run(["learn", "predict", file, csv] + arguments)
            #expect(direct.status == 0)
            for uri in ["models:/churn@champion", "models:/churn/1", "runs:/\(run)/model.dstbx"] {
                let registered = try CLITests().run(["learn", "predict", uri, csv, "--store", store] + arguments)
                #expect(registered.status == 0 && registered.output == direct.output, "\(uri): \(registered.output.prefix(200))")
            }
        }
        let explained = try CLITests().run(["learn", "explain", "models:/churn@champion", csv, "--store", store])
        let explainedFile = try CLITests().run(["learn", "explain", file, csv])
        #expect(explained.status == 0 && explained.output == explainedFile.output)
        let unknown = try CLITests().run(["learn", "predict", "models:/churn@nobody", csv, "--store", store])
        #expect(unknown.status == 1 && unknown.output.contains("nobody"))
        let nowhere = directory.appendingPathComponent("absent").path
        let absent = try CLITests().run(["learn", "predict", "models:/churn@champion", csv, "--store", nowhere])
        #expect(absent.status == 1 && absent.output.contains("no tracking store") && !FileManager.default.fileExists(atPath: nowhere))
    }

    @Test func trainPredictAndExplain() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = try Self.classificationCSV(directory)
        let model = directory.appendingPathComponent("model.dstbx").path
        let trained = try CLITests().run(["learn", "train", csv, "--target", "label", "--model", "hist_gradient_boosting_classifier",
                                          "--set", "max_iter=40", "--output", model, "--progress"])
        #expect(trained.status == 0 && trained.output.contains("iteration 40"), "\(trained.output)")
        let predictions = directory.appendingPathComponent("predictions.csv").path
        #expect(try CLITests().run(["learn", "predict", model, csv, "--output", predictions]).status == 0)
        let predicted = try DataTable(csvFile: predictions)
        #expect(predicted.columnNames == ["prediction"] && predicted.rowCount == 600)
        let labels = try predicted.column(named: "prediction")
        if case .categorical(let values) = labels { #expect(Set(values.compactMap { $0 }).isSubset(of: ["yes", "no"])) } else { Issue.record("labels expected") }
        let proba = try CLITests().run(["learn", "predict", model, csv, "--proba"])
        let probabilities = try DataTable(csv: proba.output)
        #expect(probabilities.columnNames == ["probability_no", "probability_yes"] && probabilities.rowCount == 600)
        let no = try probabilities.numericColumn(named: "probability_no"), yes = try probabilities.numericColumn(named: "probability_yes")
        #expect(zip(no, yes).allSatisfy { abs($0 + $1 - 1) < 1e-12 })
        // SHAP values plus the expected value give the log-odds of "yes".
        let shapPath = directory.appendingPathComponent("shap.csv").path
        #expect(try CLITests().run(["learn", "explain", model, csv, "--output", shapPath]).status == 0)
        let shap = try DataTable(csvFile: shapPath)
        #expect(shap.columnNames == ["a", "b", "colour", "expected_value"] && shap.rowCount == 600)
        let a = try shap.numericColumn(named: "a"), b = try shap.numericColumn(named: "b"), colour = try shap.numericColumn(named: "colour")
        let base = try shap.numericColumn(named: "expected_value")
        for row in 0..<600 {
            let logit = log(yes[row] / no[row])
            #expect(abs(a[row] + b[row] + colour[row] + base[row] - logit) < 1e-6 * max(1, abs(logit)), "row \(row)")
        }
        // Interaction values: a column per pair; each row's pairs plus the expected value give the
        // log-odds, and a feature's row of pairs sums to its SHAP value.
        let pairs = try DataTable(csv: try CLITests().run(["learn", "explain", model, csv, "--interactions"]).output)
        let features = ["a", "b", "colour"]
        #expect(pairs.columnNames == features.flatMap { i in features.map { "\(i)|\($0)" } } + ["expected_value"] && pairs.rowCount == 600)
        let pairColumns = try features.map { i in try features.map { try pairs.numericColumn(named: "\(i)|\($0)") } }
        let pairBase = try pairs.numericColumn(named: "expected_value")
        for row in 0..<600 {
            let logit = log(yes[row] / no[row])
            let total = pairColumns.joined().reduce(0) { $0 + $1[row] } + pairBase[row]
            #expect(abs(total - logit) < 1e-6 * max(1, abs(logit)), "row \(row)")
            #expect(abs(pairColumns[0].reduce(0) { $0 + $1[row] } - a[row]) < 1e-9 * max(1, abs(a[row])), "row \(row)")
            #expect(abs(pairColumns[0][1][row] - pairColumns[1][0][row]) < 1e-12, "symmetric, row \(row)")
        }
        // Bad input: unknown model, unknown column, bad hyperparameter, not an archive, --proba on a regressor.
        let regressor = directory.appendingPathComponent("ridge.dstbx").path
        #expect(try CLITests().run(["learn", "train", csv, "--target", "a", "--model", "ridge", "--output", regressor]).status == 0)
        let notModel = directory.appendingPathComponent("model.txt").path
        try "tree\nversion=v4\n".write(toFile: notModel, atomically: true, encoding: .utf8)
        for arguments in [["learn", "cv", csv, "--target", "label", "--model", "gradient_magic"], ["learn", "cv", csv, "--target", "nope", "--model", "ridge"],
                          ["learn", "train", csv, "--target", "label", "--model", "hist_gradient_boosting_classifier", "--set", "max_bins=999", "--output", model],
                          ["learn", "predict", notModel, csv], ["learn", "predict", regressor, csv, "--proba"], ["learn", "explain", regressor, csv],
                          ["learn", "cv", csv, "--target", "label", "--model", "ridge", "--folds", "1"]] {
            let failed = try CLITests().run(arguments)
            #expect(failed.status != 0 && failed.status != -1 && failed.output.contains("rror"), "\(arguments): \(failed.output)")
        }
    }

    /// A LightGBM file predicts through the CLI as the library reads it: by name when the CSV has
    /// the model's columns, by position when it has exactly as many; a forest explains with
    /// values that add up to its probabilities.
    @Test func importedModelsPredictAndTreesExplain() throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let modelPath = directory.appendingPathComponent("model.txt").path
        try ModelFixtures.lightGBMBinary.write(toFile: modelPath, atomically: true, encoding: .utf8)
        var generator = SeededGenerator(seed: 5)
        var values: [Double] = []
        var named = ["label,Column_3,Column_2,Column_1,Column_0"], positional = ["p,q,r,s"]
        for _ in 0..<50 {
            let row = (0..<4).map { _ in generator.nextNormal() }
            values += row
            named.append("x,\(row[3]),\(row[2]),\(row[1]),\(row[0])")
            positional.append(row.map { "\($0)" }.joined(separator: ","))
        }
        let model = try ModelImport.decode(Array(ModelFixtures.lightGBMBinary.utf8))
        let expected = try #require(model.classifier).predictProbabilities(try Matrix(rows: 50, columns: 4, values: values)).column(1)
        for (name, lines) in [("named.csv", named), ("positional.csv", positional)] {
            let csv = directory.appendingPathComponent(name).path
            try lines.joined(separator: "\n").write(toFile: csv, atomically: true, encoding: .utf8)
            let result = try CLITests().run(["learn", "predict", modelPath, csv, "--proba"])
            #expect(result.status == 0, "\(result.output)")
            let table = try DataTable(csv: result.output)
            let column = try table.numericColumn(named: "probability_1")
            #expect(column.count == 50)
            for (got, want) in zip(column, expected) { #expect(abs(got - want) <= 1e-12 * max(1, abs(want)), "\(name)") }
            let explained = try CLITests().run(["learn", "explain", modelPath, csv])
            #expect(explained.status == 0, "\(explained.output)")
        }
        // A random forest trained through the CLI explains per class; a row's values plus the
        // expected value give its probability.
        let csv = try Self.classificationCSV(directory)
        let forest = directory.appendingPathComponent("forest.dstbx").path
        #expect(try CLITests().run(["learn", "train", csv, "--target", "label", "--model", "random_forest_classifier", "--set", "n_estimators=5",
                                    "--set", "max_depth=4", "--output", forest]).status == 0)
        let shapPath = directory.appendingPathComponent("shap.csv").path
        let explained = try CLITests().run(["learn", "explain", forest, csv, "--output", shapPath])
        #expect(explained.status == 0, "\(explained.output)")
        let shap = try DataTable(csvFile: shapPath)
        let proba = try DataTable(csv: try CLITests().run(["learn", "predict", forest, csv, "--proba"]).output)
        for label in ["no", "yes"] {
            let total = try ["a", "b", "colour", "expected_value"].map { try shap.numericColumn(named: "\(label)__\($0)") }
            let probability = try proba.numericColumn(named: "probability_\(label)")
            for row in 0..<probability.count {
                let sum = total.reduce(0) { $0 + $1[row] }
                #expect(abs(sum - probability[row]) <= 1e-9, "row \(row) class \(label)")
            }
        }
    }
}
