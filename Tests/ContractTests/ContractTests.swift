import DSToolbox
import Foundation
import Testing
import ToolboxTesting

/// The estimator contract across every kit, as a workflow file, a server or a CLI uses it.
@Suite("The shared contract, end to end")
struct ContractTests {
    init() throws {
        try Toolbox.registerAll()
        try ColumnShift.register()
    }

    // MARK: Registry

    /// Hyperparameters for estimators whose defaults need wider data than the 4 columns used here.
    static let narrowDataOverrides: [String: [String: JSONValue]] = [
        "FeatureKit.TraceEmbedding": ["n_components": .number(2)],
    ]

    /// Every registered estimator is fitted with its defaults (or, for the few listed in
    /// ``narrowDataOverrides``, parameters that fit 4 columns), saved, and loaded through the
    /// registry by name alone; every registered model type is covered.
    @Test func everyModelTypeLoadsByNameAlone() throws {
        let classification = try DataGenerators.classification(samples: 80, features: 4, informative: 2, redundant: 1,
                                                                classes: 3, clustersPerClass: 1, seed: 3)
        let regression = DataGenerators.regression(samples: 80, features: 4, noise: 1, seed: 3)
        let registry = ModelRegistry.shared
        var covered: Set<String> = [DynamicPipelineModel.modelTypeName]
        for name in registry.estimatorNames where !name.hasPrefix("ToolboxCore.") && !name.hasPrefix("ToolboxTesting.")
            && !name.hasPrefix("ToolboxCoreTests.") {
            let estimatorType = try #require(registry.estimatorType(named: name))
            let configurable = try #require(estimatorType as? any Configurable.Type, "\(name) cannot be built by name")
            let estimator = try #require(try configurable.init(hyperparameters: Self.narrowDataOverrides[name] ?? [:], path: nil)
                                       as? any Estimator)
            let model = try fitForEither(estimator, classification: classification, regression: regression)
            let x = model.classifier != nil ? classification.x : regression.x
            let bytes = try ModelArchive.encode(model)
            #expect(try ModelArchive.manifest(of: bytes).modelType == type(of: model).modelTypeName)
            let loaded = try ModelArchive.decode(from: bytes)
            #expect(type(of: loaded).modelTypeName == type(of: model).modelTypeName, "\(name)")
            #expect(try outputs(loaded, x) == outputs(model, x), "\(name) predicts differently after loading by name")
            covered.insert(type(of: model).modelTypeName)
        }
        // Imported models are not fitted: they come from LightGBM (or XGBoost) files.
        for text in [ModelFixtures.lightGBMBinary, ModelFixtures.lightGBMRegression] {
            let model = try ModelImport.decode(Array(text.utf8))
            let x = model.classifier != nil ? classification.x : regression.x
            let loaded = try ModelArchive.decode(from: try ModelArchive.encode(model))
            #expect(type(of: loaded).modelTypeName == type(of: model).modelTypeName)
            #expect(try outputs(loaded, x) == outputs(model, x), "\(type(of: model).modelTypeName) predicts differently after loading by name")
            covered.insert(type(of: model).modelTypeName)
        }
        let registered = Set(registry.modelTypeNames.filter { !$0.hasPrefix("ToolboxTesting.") && !$0.hasPrefix("ToolboxCoreTests.") })
        #expect(registered.subtracting(covered).isEmpty, "model types not covered: \(registered.subtracting(covered).sorted())")
    }

    /// Every registered table step is built by name from YAML, fitted in a pipeline on a table
    /// (text, a time column and a group column reach it as text), and the fitted pipeline saves,
    /// loads by name alone and predicts labels from a table as it did, with or without the
    /// target column in it.
    @Test func tableStepsRunFromYAMLAndLoadByName() throws {
        var generator = SeededGenerator(seed: 8)
        let words = ["great", "awful"], filler = ["the", "pump", "arrived", "on", "time", "valve", "seal"]
        var reviews: [String?] = [], labels: [String?] = [], shops: [String?] = [], days: [Double] = [], amounts: [Double] = []
        for row in 0..<120 {
            let good = generator.nextUniform() < 0.5
            let noise = (0..<5).map { _ in filler[generator.nextInt(below: filler.count)] }
            reviews.append((noise + [words[good ? 0 : 1]]).shuffled(using: &generator).joined(separator: " "))
            labels.append(good ? "good" : "bad")
            shops.append(["north", "south", "east"][row % 3])
            days.append(Double(row / 3))
            amounts.append(100 + generator.nextNormal() * 10)
        }
        let table = try DataTable([("review", .categorical(reviews)), ("shop", .categorical(shops)), ("day", .numeric(days)),
                                   ("amount", .numeric(amounts)), ("label", .categorical(labels))])
        let yaml = """
            steps:
              - name: history
                type: time_series_features
                parameters: {time: day, group: shop, values: [amount], lags: [1, 2], windows: [3], calendar: false}
              - type: tfidf_vectorizer
                parameters: {column: review, ngram_range: [1, 2], max_features: 30, sublinear_tf: true}
              - type: simple_imputer
              - type: logistic_regression
                parameters: {C: 10}
            """
        let pipeline = try DynamicPipeline(yaml: yaml)
        #expect(pipeline.tableSteps.map(\.type) == ["FeatureKit.TimeSeriesFeatures", "FeatureKit.TfidfVectorizer"])
        #expect(Set(pipeline.tableSteps.map(\.type)) == Set(ModelRegistry.shared.tableEstimatorNames), "a registered table step is not exercised")
        #expect(throws: ToolboxError.self) { try pipeline.fit(Matrix<Double>(rows: 2, columns: 2), [0, 1]) }
        let model = try pipeline.fit(table, target: "label")
        let predicted = try model.predictLabels(table)
        let accuracy = Double(zip(predicted, labels).filter { $0.0 == .text($0.1!) }.count) / Double(labels.count)
        #expect(accuracy >= 0.95, "training accuracy \(accuracy): the review's word decides the label")
        let loaded = try #require(try ModelArchive.decode(from: try ModelArchive.encode(model)) as? DynamicPipelineModel)
        #expect(loaded.tableSteps.map(\.name) == ["history", "tfidf_vectorizer"])
        #expect(try loaded.predictLabels(table) == predicted)
        #expect(try loaded.predictLabels(try table.dropping(["label"])) == predicted)
        #expect(try loaded.predictProbabilities(try loaded.inputMatrix(table)) == model.predictProbabilities(try model.inputMatrix(table)))
        // The spec round-trips through YAML's shape with every parameter spelled out.
        #expect(try DynamicPipeline(spec: pipeline.spec) == pipeline)
        #expect(try pipeline.setting(["tfidf_vectorizer__max_features": .number(5)]).spec.steps[1].parameters?["max_features"] == .number(5))
    }

    @Test func aStaticPipelineLoadsByNameAlone() throws {
        let data = try DataGenerators.classification(samples: 60, features: 3, informative: 2, redundant: 0, seed: 5)
        let pipeline = Pipeline {
            ColumnShift(amount: 2)
            LogisticRegression(c: 0.5)
        }
        let model = try pipeline.fit(data.x, data.y)
        let loaded = try ModelArchive.decode(from: try ModelArchive.encode(model))
        let dynamic = try #require(loaded as? DynamicPipelineModel)
        #expect(dynamic.steps.map { type(of: $0.model).modelTypeName } == ["ToolboxTesting.ColumnShift", "LearnKit.LogisticRegression"])
        #expect(try dynamic.predictProbabilities(data.x) == model.predictProbabilities(data.x))
        #expect(dynamic.hyperparameters == model.hyperparameters)
        #expect(dynamic.hyperparameters.steps[1].parameters.objectValue?["C"] == .number(0.5))
    }

    @Test func registeringANameToAnotherTypeIsAnError() throws {
        let registry = ModelRegistry()
        try LearnKit.registerModels(in: registry)
        try LearnKit.registerModels(in: registry)   // the same types again: harmless
        #expect(throws: ToolboxError.self) {
            try registry.register(estimator: Lasso.self, name: "LearnKit.Ridge", aliases: [])
        }
        #expect(throws: ToolboxError.self) {
            try registry.register(estimator: ColumnShift.self, name: "ToolboxTesting.ColumnShift", aliases: ["ridge"])
        }
        #expect(throws: ToolboxError.self) {
            try registry.register(estimator: ColumnShift.self, name: "ColumnShift", aliases: [])
        }
        #expect(registry.estimatorType(named: "ridge") == registry.estimatorType(named: "LearnKit.Ridge"))
        #expect(registry.aliases(of: "LearnKit.RandomForestClassifier") == ["random_forest_classifier"])
    }

    // MARK: Workflow specs

    static let forestYAML = """
    steps:
      - name: forest
        type: random_forest_classifier
        parameters:
          n_estimators: 15
          max_features: sqrt
          class_weight: balanced
          random_state: 7
    """

    /// The acceptance case: a forest from YAML, cross-validated with sample weights.
    @Test func yamlPipelineCrossValidatesWithSampleWeights() throws {
        let data = try DataGenerators.classification(samples: 150, features: 6, informative: 3, redundant: 1, seed: 11)
        let weights = (0..<data.x.rows).map { 0.5 + Double($0 % 4) }
        let pipeline = try DynamicPipeline(yaml: Self.forestYAML)
        let forest = try #require(pipeline.steps.first?.estimator as? RandomForestClassifier)
        #expect(forest.parameters.tree.maxFeatures == .sqrt && forest.classWeight == .balanced)
        #expect(forest.parameters.treeCount == 15 && forest.parameters.seed == 7)

        let cv = StratifiedKFold(folds: 4)
        let viaPipeline = try ModelSelection.crossValidate(pipeline, x: data.x, y: data.y, cv: cv, scoring: [.accuracy],
                                                           context: FitContext(sampleWeights: weights))
        let direct = try ModelSelection.crossValidate(forest, x: data.x, y: data.y, cv: cv, scoring: [.accuracy],
                                                      context: FitContext(sampleWeights: weights))
        #expect(viaPipeline.testScores["accuracy"] == direct.testScores["accuracy"])
        // The weights reach the forest: the same folds fitted by hand with them agree.
        let splits = try cv.splits(count: data.x.rows, y: data.y, groups: nil)
        let first = splits[0]
        let byHand = try forest.fit(try data.x.rows(at: first.train), first.train.map { data.y[$0] },
                                    sampleWeights: first.train.map { weights[$0] })
        let accuracy = try Metrics.accuracy(first.test.map { data.y[$0] }, try byHand.predict(try data.x.rows(at: first.test)))
        #expect(viaPipeline.testScores["accuracy"]?.first == accuracy)
        // A pipeline is an estimator like any other: it passes the conformance suite.
        try checkEstimator(pipeline, task: .classification(classes: 2),
                           skipping: [EstimatorCheck.zeroWeightEqualsDroppedRow: "bootstrap draws depend on the row count"])
    }

    @Test(arguments: [
        ("max_feature: sqrt", "steps[0].parameters.max_feature", ToolboxError.Code.invalidParameter),
        ("n_estimators: many", "steps[0].parameters.n_estimators", .invalidParameter),
        ("max_features: cube", "steps[0].parameters.max_features", .invalidParameter),
        ("class_weight: {yes: two}", "steps[0].parameters.class_weight", .invalidParameter),
        ("random_state: 4294967296", "steps[0].parameters.random_state", .invalidParameter),
        ("min_samples_leaf: 0", "steps[0].parameters.min_samples_leaf", .invalidParameter),
    ])
    func badParametersFailBeforeFittingNamingTheKey(line: String, key: String, code: ToolboxError.Code) throws {
        let name = line.prefix { $0 != ":" }
        let yaml = Self.forestYAML.split(separator: "\n").filter { !$0.hasPrefix("      \(name):") }.joined(separator: "\n")
            + "\n      \(line)\n"
        do {
            _ = try DynamicPipeline(yaml: yaml)
            Issue.record("accepted: \(line)")
        } catch let error as ToolboxError {
            #expect(error.code == code)
            #expect(error.context.parameter == key, "\(error)")
            #expect(error.message.contains("takes") || error.message.contains("has no hyperparameter"), "\(error.message)")
        }
    }

    @Test func anUnknownEstimatorNameFailsNamingTheStep() throws {
        let yaml = Self.forestYAML.replacingOccurrences(of: "random_forest_classifier", with: "random_forest_clasifier")
        do {
            _ = try DynamicPipeline(yaml: yaml)
            Issue.record("an unknown estimator was accepted")
        } catch let error as ToolboxError {
            #expect(error.code == .notFound)
            #expect(error.context.parameter == "steps[0].type")
            #expect(error.message.contains("random_forest_classifier"))
        }
    }

    @Test func malformedYAMLIsATypedError() throws {
        for text in ["steps: [", "steps:\n  - type: ridge\n  - type: ridge\n    type: lasso", "a: &a [*a]", "- just\n- a list"] {
            #expect(throws: ToolboxError.self, "\(text)") { _ = try DynamicPipeline(yaml: text) }
        }
        // A billion-laughs document is refused within its node budget, not expanded.
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect(throws: ToolboxError.self) { _ = try JSONValue(yamlText: bomb) }
    }

    @Test func pipelineHyperparametersAreTheStepsOwn() throws {
        let pipeline = try DynamicPipeline(yaml: Self.forestYAML)
        let forestValues = try #require(pipeline.hyperparameterValues["forest"]?.objectValue)
        #expect(forestValues["max_features"] == .string("sqrt"))
        #expect(forestValues["class_weight"] == .string("balanced"))
        #expect(forestValues["n_estimators"] == .number(15))
        // Nested groups merge deeply; scikit-learn's step__parameter form works too.
        let deeper = try pipeline.setting(["forest": .object(["max_depth": .number(3)])])
        let deeperForest = try #require(deeper.steps[0].estimator as? RandomForestClassifier)
        #expect(deeperForest.parameters.tree.maxDepth == 3 && deeperForest.parameters.treeCount == 15)
        let flat = try pipeline.setting(["forest__min_samples_leaf": .number(4)])
        #expect((flat.steps[0].estimator as? RandomForestClassifier)?.parameters.tree.minSamplesLeaf == 4)
        #expect(throws: ToolboxError.self) { try pipeline.setting(["trees__max_depth": .number(3)]) }
        let names = pipeline.hyperparameterDescriptions.map(\.name)
        #expect(names.contains("forest__max_features") && names.contains("forest__class_weight"))
        // Saved and loaded, the spec (with every hyperparameter) comes back.
        let encoded = try JSONEncoder().encode(pipeline)
        #expect(try JSONDecoder().decode(DynamicPipeline.self, from: encoded) == pipeline)
    }

    @Test func hyperparametersAsPeopleWriteThem() throws {
        let forest = try RandomForestClassifier(hyperparameters: [
            "max_features": .number(0.5), "class_weight": .object(["yes": .number(2), "no": .number(1)]),
            "max_depth": .null, "splitter": .string("random"),
        ])
        #expect(forest.parameters.tree.maxFeatures == .fraction(0.5))
        #expect(forest.classWeight == .byLabel(["yes": 2, "no": 1]))
        #expect(!forest.bestSplits)
        #expect(try RandomForestClassifier().setting("max_features", text: "10").parameters.tree.maxFeatures == .count(10))
        #expect(try RandomForestClassifier().setting("max_features", text: "log2").parameters.tree.maxFeatures == .log2)
        // Command-line text: JSON first, then a YAML flow collection, else the text itself.
        #expect(try RandomForestClassifier().setting("class_weight", text: "{yes: 2, no: 1}").classWeight == .byLabel(["yes": 2, "no": 1]))
        #expect(try RandomForestClassifier().setting("class_weight", text: "{\"yes\": 3}").classWeight == .byLabel(["yes": 3]))
        #expect(JSONValue(commandLineText: "[age, income]") == .array([.string("age"), .string("income")]))
        #expect(JSONValue(commandLineText: "[1, 2") == .string("[1, 2"))
        #expect(JSONValue(commandLineText: "balanced") == .string("balanced"))
        let descriptions = Dictionary(uniqueKeysWithValues: RandomForestClassifier.hyperparameterDescriptions.map { ($0.name, $0) })
        #expect(descriptions["max_features"]?.defaultValue == .string("sqrt"))
        #expect(descriptions["n_estimators"]?.defaultValue == .number(100))
        #expect(descriptions["random_state"]?.type == "a seed, an integer in 0...4294967295")
        #expect(descriptions["criterion"]?.type == "one of gini, entropy")
        #expect(LogisticRegression.hyperparameterDescriptions.map(\.name) == ["penalty", "C", "l1_ratio", "fit_intercept", "max_iter", "tol", "class_weight"])
        // YAML 1.2: yes and no are labels, not booleans.
        let value = try JSONValue(yamlText: "class_weight: {yes: 2, no: 1}\nbootstrap: true")
        #expect(value == .object(["class_weight": .object(["yes": .number(2), "no": .number(1)]), "bootstrap": .bool(true)]))
    }

    /// Messages name classes by their labels as they came, never by internal codes.
    @Test func messagesNameClassesByLabel() throws {
        let x = try Matrix(rows: 4, columns: 1, values: [1, 2, 3, 4])
        let context = FitContext(featureNames: ["a"], targetLabels: ["churned"])
        for fit in [{ _ = try LogisticRegression().fit(x, [0, 0, 0, 0], context: context) },
                    { _ = try HistGradientBoostingClassifier().fit(x, [0, 0, 0, 0], context: context) }] {
            do {
                try fit()
                Issue.record("a single class was accepted")
            } catch let error as ToolboxError {
                #expect(error.message.contains("\"churned\"") && !error.message.contains("0.0"), "\(error)")
            }
        }
    }

    @Test func seedsThatDoNotFitAreRejected() throws {
        let data = try DataGenerators.classification(samples: 40, features: 3, informative: 2, redundant: 0, seed: 1)
        var tree = DecisionTreeClassifier()
        tree.seed = UInt64(UInt32.max) + 1
        do {
            _ = try tree.fit(data.x, data.y)
            Issue.record("a 33-bit seed was accepted")
        } catch let error as ToolboxError {
            #expect(error.context.parameter == "random_state")
        }
        var forest = RandomForestRegressor(parameters: ForestParameters(treeCount: 2))
        forest.parameters.seed = 1 << 40
        #expect(throws: ToolboxError.self) { try forest.fit(data.x, data.y) }
        tree.seed = UInt64(UInt32.max)
        _ = try tree.fit(data.x, data.y)
    }

    // MARK: Labels and names

    static func table(rows: Int, seed: UInt64) throws -> DataTable {
        let data = try DataGenerators.classification(samples: rows, features: 3, informative: 2, redundant: 0, seed: seed)
        let labels: [String?] = data.y.map { $0 == 1 ? "spam" : "ham" }
        let colours: [String?] = (0..<rows).map { ["red", "green", "blue"][$0 % 3] }
        return try DataTable([
            ("length", .numeric(data.x.column(0))), ("links", .numeric(data.x.column(1))),
            ("colour", .categorical(colours)), ("caps", .numeric(data.x.column(2))), ("label", .categorical(labels)),
        ])
    }

    /// The acceptance case: string labels come back as strings after save and load, and a
    /// table with reordered columns is refused naming the column.
    @Test func stringLabelsAndNamedColumnsSurviveSaveAndLoad() throws {
        let table = try Self.table(rows: 120, seed: 4)
        let featureNames = ["length", "links", "colour", "caps"]
        let features = try table.toMatrix(columns: featureNames)
        let target = try table.target(named: "label")
        #expect(target.labels == ["ham", "spam"])
        let context = FitContext(features, targetLabels: target.labels)
        let model = try RandomForestClassifier(parameters: ForestParameters(treeCount: 10, tree: TreeParameters(maxFeatures: .sqrt)))
            .fit(features.matrix, target.values, context: context)
        #expect(model.classLabels == [.text("ham"), .text("spam")])
        #expect(model.schema.categoricalFeatures == [CategoricalFeature(column: 2, categories: ["blue", "green", "red"])])

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID()).dstb").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelArchive.save(model, to: path)
        #expect(try ModelArchive.manifest(at: path).features?.map(\.name) == featureNames)
        let loaded = try #require(try ModelArchive.load(from: path).classifier)
        let fresh = try Self.table(rows: 30, seed: 9)
        let freshFeatures = try DataTable(featureNames.map { ($0, try fresh.column(named: $0)) })
        let predicted = try loaded.predictLabels(freshFeatures)
        #expect(predicted.count == 30)
        #expect(predicted.allSatisfy { $0 == .text("spam") || $0 == .text("ham") })
        #expect(predicted == (try model.predictLabels(freshFeatures)))

        let reordered = try DataTable(["links", "length", "colour", "caps"].map { ($0, try fresh.column(named: $0)) })
        do {
            _ = try loaded.predictLabels(reordered)
            Issue.record("reordered columns were accepted")
        } catch let error as ToolboxError {
            #expect(error.code == .shapeMismatch)
            #expect(error.context.column == "links")
            #expect(error.message.contains("another order"))
        }
        let renamed = try DataTable(["length", "links", "color", "caps"].map { ($0 == "color" ? "color" : $0, try fresh.column(named: $0 == "color" ? "colour" : $0)) })
        #expect(throws: ToolboxError.self) { try loaded.predictLabels(renamed) }
        let missing = try DataTable(["length", "links", "colour"].map { ($0, try fresh.column(named: $0)) })
        #expect(throws: ToolboxError.self) { try loaded.predictLabels(missing) }
    }

    @Test func classWeightsByLabel() throws {
        let table = try Self.table(rows: 100, seed: 2)
        let features = try table.toMatrix(columns: ["length", "links", "caps"])
        let target = try table.target(named: "label")
        let context = FitContext(features, targetLabels: target.labels)
        let byLabel = try LogisticRegression(classWeight: .byLabel(["spam": 3])).fit(features.matrix, target.values, context: context)
        let byValue = try LogisticRegression(classWeight: .custom([1: 3])).fit(features.matrix, target.values, context: context)
        #expect(try byLabel.predictProbabilities(features.matrix) == byValue.predictProbabilities(features.matrix))
        #expect(throws: ToolboxError.self) {
            try LogisticRegression(classWeight: .byLabel(["eggs": 3])).fit(features.matrix, target.values, context: context)
        }
    }

    // MARK: Helpers

    private func fitForEither(_ estimator: any Estimator, classification: SyntheticData,
                              regression: SyntheticData) throws -> any FittedModel {
        if let model = try? estimator.fit(classification.x, classification.y), model.classifier != nil { return model }
        return try estimator.fit(regression.x, regression.y)
    }

    private func outputs(_ model: any FittedModel, _ x: Matrix<Double>) throws -> [Double] {
        var values: [Double] = []
        if let classifier = model.classifier { values += try classifier.predictProbabilities(x).values }
        if let predictor = model.predictor { values += try predictor.predict(x) }
        if let transformer = model.transformer { values += try transformer.transform(x).values }
        return values
    }
}
