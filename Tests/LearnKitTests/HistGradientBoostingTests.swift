import Foundation
import Synchronization
import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct BoostingGolden: Decodable {
    struct Case: Decodable { var prediction: [Double]; var raw: [Double]; var iterations: Int; var leaves_first_tree: Int }
    var missing_x: [Double]
    var nan_split_x: [Double]
    var nan_split_y: [Double]
    var weights_breast: [Double]
    var weights_diabetes: [Double]
    var bin_thresholds_breast: [[Double]]
    var large_bins: [String: [[Double]]]
    struct Resampled: Decodable { var iterations: Int; var prediction: [Double] }
    var resample_cases: [String: Resampled]
    var cases: [String: Case]
    var cv: [String: Double]
    struct SHAP: Decodable { var values: [Double]; var expected: [Double] }
    var shap: [String: SHAP]
}

@Suite("Histogram gradient boosting against scikit-learn")
struct HistGradientBoostingTests {
    let g: BoostingGolden
    let data: TreeGolden

    init() throws {
        try LearnKit.registerModels()
        g = try GoldenFiles().load(BoostingGolden.self, "boosting.json")
        data = try GoldenFiles().load(TreeGolden.self, "trees.json")
    }

    func matrix(_ d: TreeGolden.Data, values: [Double]? = nil) throws -> Matrix<Double> {
        try Matrix(rows: d.rows, columns: d.columns, values: values ?? d.x)
    }

    static func parameters(_ iterations: Int, _ change: (inout BoostingParameters) -> Void = { _ in }) -> BoostingParameters {
        var p = BoostingParameters()
        p.maxIterations = iterations
        p.earlyStopping = .off
        change(&p)
        return p
    }

    @Test func binEdgesMatchScikitLearn() throws {
        let mapper = try BinMapper(fitting: try matrix(data.breast))
        #expect(mapper.thresholds.count == g.bin_thresholds_breast.count)
        for (feature, (ours, theirs)) in zip(mapper.thresholds, g.bin_thresholds_breast).enumerated() {
            #expect(ours == theirs, "feature \(feature)")
        }
    }

    @Test func regressorsMatchScikitLearn() throws {
        let x = try matrix(data.diabetes), y = data.diabetes.y
        let cases: [(String, HistGradientBoostingRegressor)] = [
            ("diabetes_squared", HistGradientBoostingRegressor(parameters: Self.parameters(50))),
            ("diabetes_depth3_l2", HistGradientBoostingRegressor(parameters: Self.parameters(40) { $0.maxDepth = 3; $0.l2Regularization = 1; $0.learningRate = 0.2 })),
            ("diabetes_leaves8_minleaf5", HistGradientBoostingRegressor(parameters: Self.parameters(30) { $0.maxLeafNodes = 8; $0.minSamplesLeaf = 5 })),
            ("diabetes_poisson", HistGradientBoostingRegressor(loss: .poisson, parameters: Self.parameters(30))),
        ]
        for (name, estimator) in cases {
            let expected = try #require(g.cases[name])
            let model = try estimator.fit(x, y)
            #expect(model.iterationCount == expected.iterations && model.ensemble.trees[0][0].leafCount == expected.leaves_first_tree, "\(name)")
            let mismatch = ToolboxTesting.mismatch(try model.predict(x), expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
    }

    /// Fewer rows than two leaves need: every tree is a leaf, with scikit-learn's values.
    @Test func rootsTooSmallToSplitMatchScikitLearn() throws {
        let regressor = try HistGradientBoostingRegressor(parameters: Self.parameters(10)).fit(try matrix(data.diabetes).rows(0..<30), Array(data.diabetes.y[0..<30]))
        let classifier = try HistGradientBoostingClassifier(parameters: Self.parameters(10)).fit(try matrix(data.breast).rows(0..<30), Array(data.breast.y[0..<30]))
        for (name, ours, leaves) in [("diabetes_first30_root_leaf", try regressor.predict(try matrix(data.diabetes).rows(0..<30)), regressor.ensemble.trees[0][0].leafCount),
                                     ("breast_first30_root_leaf", try classifier.predictProbabilities(try matrix(data.breast).rows(0..<30)).values, classifier.ensemble.trees[0][0].leafCount)] {
            let expected = try #require(g.cases[name])
            #expect(leaves == 1 && expected.leaves_first_tree == 1, "\(name)")
            let mismatch = ToolboxTesting.mismatch(ours, expected.prediction, relativeTolerance: 1e-12, absoluteTolerance: 1e-12)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
    }

    @Test func classifiersMatchScikitLearn() throws {
        let cases: [(String, Matrix<Double>, [Double], HistGradientBoostingClassifier)] = [
            ("breast_binary", try matrix(data.breast), data.breast.y, HistGradientBoostingClassifier(parameters: Self.parameters(50))),
            ("breast_binary_missing", try matrix(data.breast, values: g.missing_x), data.breast.y, HistGradientBoostingClassifier(parameters: Self.parameters(40))),
            ("breast_bins16", try matrix(data.breast), data.breast.y, HistGradientBoostingClassifier(parameters: Self.parameters(30) { $0.maxBins = 16 })),
            ("wine_multiclass", try matrix(data.wine), data.wine.y, HistGradientBoostingClassifier(parameters: Self.parameters(30))),
            ("breast_class_weight_balanced", try matrix(data.breast), data.breast.y,
             HistGradientBoostingClassifier(parameters: Self.parameters(30), classWeight: .balanced)),
            ("wine_class_weight_dict", try matrix(data.wine), data.wine.y,
             try HistGradientBoostingClassifier(hyperparameters: ["max_iter": .number(20), "early_stopping": .bool(false),
                                                                  "class_weight": .object(["0": .number(1), "1": .number(3), "2": .number(0.5)])], path: nil)),
        ]
        for (name, x, y, estimator) in cases {
            let expected = try #require(g.cases[name])
            let model = try estimator.fit(x, y)
            #expect(model.iterationCount == expected.iterations && model.ensemble.trees[0][0].leafCount == expected.leaves_first_tree, "\(name)")
            let mismatch = ToolboxTesting.mismatch(try model.predictProbabilities(x).values, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
    }

    /// `interaction_cst` (groups, `pairwise`, `no_interactions`) grows scikit-learn's trees:
    /// below a split on f, only features of the groups that hold f split.
    @Test func interactionConstraintsMatchScikitLearn() throws {
        let groups = try HistGradientBoostingRegressor(hyperparameters: ["max_iter": .number(30), "early_stopping": .bool(false),
                                                                         "interaction_cst": .array([.array([.number(0), .number(1)]), .array([.number(2), .number(3), .number(4)])])],
                                                       path: nil)
        let pairwise = try HistGradientBoostingClassifier(hyperparameters: ["max_iter": .number(20), "early_stopping": .bool(false), "interaction_cst": .string("pairwise")],
                                                          path: nil)
        let none = try HistGradientBoostingClassifier(hyperparameters: ["max_iter": .number(20), "early_stopping": .bool(false), "interaction_cst": .string("no_interactions")],
                                                      path: nil)
        let diabetes = try groups.fit(try matrix(data.diabetes), data.diabetes.y)
        let breast = try pairwise.fit(try matrix(data.breast), data.breast.y)
        let wine = try none.fit(try matrix(data.wine), data.wine.y)
        for (name, ours) in [("diabetes_interaction_groups", try diabetes.predict(try matrix(data.diabetes))),
                             ("breast_interaction_pairwise", try breast.predictProbabilities(try matrix(data.breast)).values),
                             ("wine_no_interactions", try wine.predictProbabilities(try matrix(data.wine)).values)] {
            let expected = try #require(g.cases[name])
            let mismatch = ToolboxTesting.mismatch(ours, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
        // No interactions: every path splits on one feature only.
        for tree in wine.ensemble.trees.joined() {
            let used = Set(tree.feature.filter { $0 >= 0 })
            #expect(used.count <= 1, "\(used)")
        }
        // Bad groups: a feature past the data's, an unknown name.
        #expect(throws: ToolboxError.self) {
            try HistGradientBoostingRegressor(hyperparameters: ["interaction_cst": .array([.array([.number(0), .number(99)])])], path: nil)
                .fit(try matrix(data.diabetes), data.diabetes.y)
        }
        #expect(throws: ToolboxError.self) { try HistGradientBoostingRegressor(hyperparameters: ["interaction_cst": .string("some")], path: nil) }
        #expect(throws: ToolboxError.self) { try InteractionConstraints.pairwise.resolve(columns: 5_000) }
        #expect(try InteractionConstraints.groups([[1, 0, 1]]).resolve(columns: 4).map(\.elements) == [[0, 1], [2, 3]])
    }

    /// `max_features` draws each split's features as scikit-learn does (a shuffled mask from
    /// NumPy's default_rng seeded from random_state), so the trees are scikit-learn's.
    @Test func maxFeaturesDrawsScikitLearnsFeatures() throws {
        let breast = try HistGradientBoostingClassifier(parameters: Self.parameters(20) { $0.maxFeatures = 0.5 }).fit(try matrix(data.breast), data.breast.y)
        let wine = try HistGradientBoostingClassifier(parameters: Self.parameters(15) { $0.maxFeatures = 0.3; $0.seed = 3 }).fit(try matrix(data.wine), data.wine.y)
        let diabetes = try HistGradientBoostingRegressor(parameters: Self.parameters(25) {
            $0.maxFeatures = 0.4; $0.seed = 11; $0.interactionConstraints = .groups([[0, 1, 2, 3], [4, 5]])
        }).fit(try matrix(data.diabetes), data.diabetes.y)
        for (name, ours) in [("breast_max_features", try breast.predictProbabilities(try matrix(data.breast)).values),
                             ("wine_max_features_seed3", try wine.predictProbabilities(try matrix(data.wine)).values),
                             ("diabetes_max_features_groups", try diabetes.predict(try matrix(data.diabetes)))] {
            let expected = try #require(g.cases[name])
            let mismatch = ToolboxTesting.mismatch(ours, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
    }

    /// A split that sends only missing values right has threshold +∞: NaN still goes right,
    /// a number (+∞ too) left, in batch and single-row prediction alike.
    @Test func missingOnlySplitsSendNaNRight() throws {
        let x = try Matrix(rows: g.nan_split_y.count, columns: 3, values: g.nan_split_x)
        let model = try HistGradientBoostingClassifier(parameters: Self.parameters(10)).fit(x, g.nan_split_y)
        let root = model.ensemble.trees[0][0]
        #expect(root.feature[0] == 0 && root.threshold[0] == .infinity && !root.missingGoesLeft[0])
        let expected = try #require(g.cases["nan_only_split"])
        let probabilities = try model.predictProbabilities(x).values
        let mismatch = ToolboxTesting.mismatch(probabilities, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
        #expect(mismatch == nil, "\(String(describing: mismatch))")
        let raw = try model.decisionFunction(x).values
        try x.values.withUnsafeBufferPointer { values in
            for row in 0..<x.rows {
                #expect(abs(model.ensemble.rawPrediction(row: values.baseAddress! + row * 3) - raw[row]) < 1e-12, "row \(row)")
            }
            // +∞ is a number: left of a +∞ threshold, unlike NaN.
            var infinite = Array(values[0..<3]), missing = infinite
            infinite[0] = .infinity
            missing[0] = .nan
            let tree = model.ensemble.trees[0][0]
            let numberLeaf = infinite.withUnsafeBufferPointer { tree.predict($0.baseAddress!) }
            let missingLeaf = missing.withUnsafeBufferPointer { tree.predict($0.baseAddress!) }
            #expect(numberLeaf != missingLeaf)
            let batch = try model.decisionFunction(try Matrix(rows: 2, columns: 3, values: infinite + missing)).values
            #expect(batch[0] != batch[1])
            #expect(batch[0] == infinite.withUnsafeBufferPointer { model.ensemble.rawPrediction(row: $0.baseAddress!) })
            #expect(batch[1] == missing.withUnsafeBufferPointer { model.ensemble.rawPrediction(row: $0.baseAddress!) })
        }
    }

    /// Early stopping holds out scikit-learn's validation rows (its train_test_split from the
    /// seed random_state gives, stratified for classifiers) and so stops where it stops.
    @Test func earlyStoppingStopsWhereScikitLearnStops() throws {
        func stopping(_ seed: UInt64, fraction: Double = 0.1) -> BoostingParameters {
            Self.parameters(300) { $0.earlyStopping = .on; $0.iterationsWithoutChange = 5; $0.learningRate = 0.3; $0.seed = seed; $0.validationFraction = .fraction(fraction) }
        }
        let breast = try HistGradientBoostingClassifier(parameters: stopping(0)).fit(try matrix(data.breast), data.breast.y)
        let wine = try HistGradientBoostingClassifier(parameters: stopping(5, fraction: 0.2)).fit(try matrix(data.wine), data.wine.y)
        let diabetes = try HistGradientBoostingRegressor(parameters: stopping(3)).fit(try matrix(data.diabetes), data.diabetes.y)
        for (name, iterations, ours) in [("breast_early_stopping", breast.iterationCount, try breast.predictProbabilities(try matrix(data.breast)).values),
                                         ("wine_early_stopping_seed5", wine.iterationCount, try wine.predictProbabilities(try matrix(data.wine)).values),
                                         ("diabetes_early_stopping", diabetes.iterationCount, try diabetes.predict(try matrix(data.diabetes)))] {
            let expected = try #require(g.cases[name])
            #expect(iterations == expected.iterations, "\(name): \(iterations) iterations, scikit-learn \(expected.iterations)")
            let mismatch = ToolboxTesting.mismatch(ours, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
    }

    /// Early stopping on a scorer (`scoring`) stops where scikit-learn stops: the scorer is
    /// computed from the raw scores on scikit-learn's validation rows.
    @Test func earlyStoppingOnAScorerStopsWhereScikitLearnStops() throws {
        func stopping(_ seed: UInt64, _ scoring: EarlyStoppingScoring, fraction: Double = 0.1) -> BoostingParameters {
            Self.parameters(300) {
                $0.earlyStopping = .on; $0.iterationsWithoutChange = 5; $0.learningRate = 0.3; $0.seed = seed; $0.scoring = scoring; $0.validationFraction = .fraction(fraction)
            }
        }
        let breast = try matrix(data.breast), wine = try matrix(data.wine), diabetes = try matrix(data.diabetes)
        let classifiers: [(String, HistGradientBoostingClassifierModel, Matrix<Double>)] = [
            ("breast_stop_accuracy", try HistGradientBoostingClassifier(parameters: stopping(1, .accuracy)).fit(breast, data.breast.y), breast),
            ("breast_stop_roc_auc", try HistGradientBoostingClassifier(parameters: stopping(2, .rocAUC)).fit(breast, data.breast.y), breast),
            ("wine_stop_f1_macro", try HistGradientBoostingClassifier(parameters: stopping(0, .f1Macro, fraction: 0.25)).fit(wine, data.wine.y), wine),
        ]
        for (name, model, x) in classifiers {
            let expected = try #require(g.cases[name])
            #expect(model.iterationCount == expected.iterations, "\(name): \(model.iterationCount) iterations, scikit-learn \(expected.iterations)")
            let mismatch = ToolboxTesting.mismatch(try model.predictProbabilities(x).values, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
        for (name, seed, scoring) in [("diabetes_stop_r2", UInt64(0), EarlyStoppingScoring.r2), ("diabetes_stop_mae", 4, .negativeMeanAbsoluteError)] {
            let model = try HistGradientBoostingRegressor(parameters: stopping(seed, scoring)).fit(diabetes, data.diabetes.y)
            let expected = try #require(g.cases[name])
            #expect(model.iterationCount == expected.iterations, "\(name): \(model.iterationCount) iterations, scikit-learn \(expected.iterations)")
            let mismatch = ToolboxTesting.mismatch(try model.predict(diabetes), expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
        // A scorer for the other kind of model, roc_auc on three classes: typed errors.
        #expect(throws: ToolboxError.self) { try HistGradientBoostingRegressor(parameters: stopping(0, .accuracy)).fit(diabetes, data.diabetes.y) }
        #expect(throws: ToolboxError.self) { try HistGradientBoostingClassifier(parameters: stopping(0, .r2)).fit(breast, data.breast.y) }
        #expect(throws: ToolboxError.self) { try HistGradientBoostingClassifier(parameters: stopping(0, .rocAUC)).fit(wine, data.wine.y) }
    }

    /// `validation_fraction` as a count, or `nil` (early stopping on the training rows; a scorer
    /// on scikit-learn's resample of 10,000 of them above that): scikit-learn's stops.
    @Test func validationCountsAndTrainingRowsStopAsScikitLearn() throws {
        func stopping(_ seed: UInt64, _ scoring: EarlyStoppingScoring, held: ValidationRows?, patience: Int = 5, rate: Double = 0.3) -> BoostingParameters {
            Self.parameters(300) {
                $0.earlyStopping = .on; $0.iterationsWithoutChange = patience; $0.learningRate = rate; $0.seed = seed; $0.scoring = scoring
                $0.validationFraction = held
            }
        }
        let breast = try matrix(data.breast), diabetes = try matrix(data.diabetes)
        let cases: [(String, any FittedModel, Matrix<Double>)] = [
            ("breast_validation_count", try HistGradientBoostingClassifier(parameters: stopping(3, .loss, held: 50, patience: 3)).fit(breast, data.breast.y), breast),
            ("breast_train_loss", try HistGradientBoostingClassifier(parameters: stopping(0, .loss, held: nil, rate: 0.1)).fit(breast, data.breast.y), breast),
            ("breast_train_accuracy", try HistGradientBoostingClassifier(parameters: stopping(0, .accuracy, held: nil)).fit(breast, data.breast.y), breast),
            ("diabetes_train_r2", try HistGradientBoostingRegressor(parameters: stopping(0, .r2, held: nil, patience: 2)).fit(diabetes, data.diabetes.y), diabetes),
        ]
        for (name, model, x) in cases {
            let expected = try #require(g.cases[name])
            let iterations = (model as? HistGradientBoostingClassifierModel)?.iterationCount ?? (model as! HistGradientBoostingRegressorModel).iterationCount
            #expect(iterations == expected.iterations, "\(name): \(iterations) iterations, scikit-learn \(expected.iterations)")
            let ours = try (model as? HistGradientBoostingClassifierModel)?.predictProbabilities(x).values ?? (model as! HistGradientBoostingRegressorModel).predict(x)
            let mismatch = ToolboxTesting.mismatch(ours, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
        // 12,000 rows by a formula: a scorer on the training rows sees scikit-learn's resample.
        let n = 12_000
        var values = [Double](repeating: 0, count: n * 4), labels = [Double](repeating: 0, count: n), targets = labels
        for i in 0..<n {
            for j in 0..<4 { values[i * 4 + j] = Double((i * 7919 + j * 104_729) % 1_000_003) / 1_000_003.0 * Double(j + 1) - 0.5 * Double(j + 1) }
            let noise = Double((i * 48_271) % 2_147_483_647) / 2_147_483_647.0 - 0.5
            labels[i] = values[i * 4] + values[i * 4 + 1] - 0.5 * values[i * 4 + 2] + noise > 0.1 ? 1 : 0
            targets[i] = values[i * 4] * 2 + noise
        }
        let x = try Matrix(rows: n, columns: 4, values: values), head = try x.rows(at: Array(0..<200))
        func large(_ seed: UInt64, _ scoring: EarlyStoppingScoring) -> BoostingParameters {
            Self.parameters(200) { $0.earlyStopping = .on; $0.iterationsWithoutChange = 4; $0.learningRate = 0.5; $0.seed = seed; $0.scoring = scoring; $0.validationFraction = nil }
        }
        let classifier = try HistGradientBoostingClassifier(parameters: large(5, .balancedAccuracy)).fit(x, labels)
        let regressor = try HistGradientBoostingRegressor(parameters: large(6, .negativeMeanAbsoluteError)).fit(x, targets)
        for (name, iterations, ours) in [("classifier", classifier.iterationCount, try classifier.predictProbabilities(head).values),
                                         ("regressor", regressor.iterationCount, try regressor.predict(head))] {
            let expected = try #require(g.resample_cases[name])
            #expect(iterations == expected.iterations, "\(name): \(iterations) iterations, scikit-learn \(expected.iterations)")
            let mismatch = ToolboxTesting.mismatch(ours, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
        // A count that leaves no training rows, a fraction out of range: typed errors.
        #expect(throws: ToolboxError.self) { try HistGradientBoostingClassifier(parameters: stopping(0, .loss, held: 569)).fit(breast, data.breast.y) }
        #expect(throws: ToolboxError.self) { try HistGradientBoostingClassifier(hyperparameters: ["validation_fraction": .number(1.5)], path: nil) }
        #expect(throws: ToolboxError.self) { try HistGradientBoostingClassifier(hyperparameters: ["validation_fraction": .number(0)], path: nil) }
        let decoded = try HistGradientBoostingClassifier(hyperparameters: ["validation_fraction": .null], path: nil)
        #expect(decoded.parameters.validationFraction == nil)
        #expect(try HistGradientBoostingClassifier(hyperparameters: ["validation_fraction": .number(40)], path: nil).parameters.validationFraction == .count(40))
    }

    /// Above 200,000 rows the edges come from a subsample drawn as scikit-learn draws it
    /// (NumPy's RandomState, with replacement, by weight when weighted): the same edges.
    @Test func largeDataBinsAsScikitLearn() throws {
        let n = 210_000, p = 3
        var values = [Double](repeating: 0, count: n * p), y = [Double](repeating: 0, count: n), weights = y
        for i in 0..<n {
            for j in 0..<p {
                let value = Double((i * 7919 + j * 104_729) % 1_000_003) / 1_000_003.0 * Double(j + 1)
                values[i * p + j] = (i * 31 + j) % 97 == 0 ? .nan : value
            }
            y[i] = values[i * p] > 0.5 ? 1 : 0
            weights[i] = Double(i % 5 + (i % 3 == 0 ? 0 : 1))
        }
        let x = try Matrix(rows: n, columns: p, values: values)
        for (name, seed, weighted) in [("seed0", UInt64(0), false), ("seed7", 7, false), ("seed0_weighted", 0, true)] {
            let mapper = try BinMapper(fitting: x, maxBins: 255, seed: seed, weights: weighted ? weights : nil)
            let expected = try #require(g.large_bins[name])
            for feature in 0..<p { #expect(mapper.thresholds[feature] == expected[feature], "\(name) feature \(feature)") }
        }
        // The estimator bins so too (one iteration, no early stopping).
        let model = try HistGradientBoostingClassifier(parameters: Self.parameters(1) { $0.seed = 7 }).fit(x, y)
        #expect(model.ensemble.binThresholds == g.large_bins["seed7"])
    }

    /// Class weights that zero every sample leave nothing to fit: a typed error for every
    /// classifier that takes them, not a model predicting NaN.
    @Test func classWeightsThatZeroEverySampleAreRefused() throws {
        let x = try matrix(data.breast), y = data.breast.y
        let zero = ClassWeight.custom([0: 0, 1: 0])
        #expect(throws: ToolboxError.self) { try HistGradientBoostingClassifier(parameters: Self.parameters(5), classWeight: zero).fit(x, y) }
        #expect(throws: ToolboxError.self) { try DecisionTreeClassifier(classWeight: zero).fit(x, y) }
        var forest = RandomForestClassifier()
        forest.classWeight = zero
        #expect(throws: ToolboxError.self) { try forest.fit(x, y) }
        var logistic = LogisticRegression()
        logistic.classWeight = zero
        #expect(throws: ToolboxError.self) { try logistic.fit(x, y) }
        // One class at zero still fits.
        _ = try HistGradientBoostingClassifier(parameters: Self.parameters(5), classWeight: .custom([0: 0])).fit(x, y)
    }

    /// Sample weights, a tenth of them zero: binned as scikit-learn 1.9 bins with weights
    /// (zero-weight rows left out, weighted percentiles), then weighted gradients and hessians.
    @Test func sampleWeightsMatchScikitLearn() throws {
        let classifier = try HistGradientBoostingClassifier(parameters: Self.parameters(30))
            .fit(try matrix(data.breast), data.breast.y, context: FitContext(sampleWeights: g.weights_breast))
        let regressor = try HistGradientBoostingRegressor(parameters: Self.parameters(30))
            .fit(try matrix(data.diabetes), data.diabetes.y, context: FitContext(sampleWeights: g.weights_diabetes))
        for (name, ours) in [("breast_sample_weight", try classifier.predictProbabilities(try matrix(data.breast)).values),
                             ("diabetes_sample_weight", try regressor.predict(try matrix(data.diabetes)))] {
            let expected = try #require(g.cases[name])
            let mismatch = ToolboxTesting.mismatch(ours, expected.prediction, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
        }
        #expect(classifier.ensemble.trees[0][0].leafCount == g.cases["breast_sample_weight"]!.leaves_first_tree)
    }

    /// The acceptance: 5-fold CV within 1 point of HistGradientBoosting with its defaults.
    @Test func crossValidationWithinAPointOfScikitLearn() throws {
        let breast = try ModelSelection.crossValidate(HistGradientBoostingClassifier(), x: try matrix(data.breast), y: data.breast.y,
                                                      cv: StratifiedKFold(folds: 5), scoring: [.accuracy])
        let wine = try ModelSelection.crossValidate(HistGradientBoostingClassifier(), x: try matrix(data.wine), y: data.wine.y,
                                                    cv: StratifiedKFold(folds: 5), scoring: [.accuracy])
        let diabetes = try ModelSelection.crossValidate(HistGradientBoostingRegressor(), x: try matrix(data.diabetes), y: data.diabetes.y,
                                                        cv: KFold(folds: 5), scoring: [.r2])
        #expect(abs(try breast.meanTestScore("accuracy") - g.cv["breast_accuracy"]!) <= 0.01, "\(String(describing: try? breast.meanTestScore("accuracy")))")
        #expect(abs(try wine.meanTestScore("accuracy") - g.cv["wine_accuracy"]!) <= 0.01, "\(String(describing: try? wine.meanTestScore("accuracy")))")
        #expect(abs(try diabetes.meanTestScore("r2") - g.cv["diabetes_r2"]!) <= 0.01, "\(String(describing: try? diabetes.meanTestScore("r2")))")
    }
}

extension HistGradientBoostingTests {
    @Test func passesTheEstimatorChecks() throws {
        // As scikit-learn's own estimator tags say: a zero-weight row still counts toward
        // min_samples_leaf (not toward the bin edges), so it is not the same as dropping the row.
        let reason = [EstimatorCheck.zeroWeightEqualsDroppedRow: "zero-weight rows still count toward min_samples_leaf (scikit-learn xfails it too)"]
        try checkEstimator(HistGradientBoostingClassifier(parameters: Self.parameters(10) { $0.minSamplesLeaf = 5 }), task: .classification(classes: 3), skipping: reason)
        try checkEstimator(HistGradientBoostingClassifier(parameters: Self.parameters(10) { $0.minSamplesLeaf = 5 }), task: .classification(classes: 2), skipping: reason)
        try checkEstimator(HistGradientBoostingRegressor(parameters: Self.parameters(10) { $0.minSamplesLeaf = 5 }), task: .regression, skipping: reason)
        try checkEstimator(HistGradientBoostingRegressor(loss: .absoluteError, parameters: Self.parameters(10) { $0.minSamplesLeaf = 5 }), task: .regression,
                           skipping: reason)
    }

    @Test func earlyStoppingProgressAndBadInput() throws {
        let data = DataGenerators.regression(samples: 3_000, features: 5, noise: 10, seed: 4)
        var parameters = Self.parameters(500) { $0.earlyStopping = .on; $0.learningRate = 0.3 }
        let model = try HistGradientBoostingRegressor(parameters: parameters).fit(data.x, data.y)
        #expect(model.iterationCount < 500 && model.ensemble.validationScores.count == model.iterationCount + 1)
        // The context's evaluation set replaces the split; progress reports and stops.
        let held = DataGenerators.regression(samples: 500, features: 5, noise: 10, seed: 5)
        let reports = Mutex<[FitProgress]>([])
        let context = FitContext(evaluationSet: EvaluationSet(x: held.x, y: held.y), progress: { report in
            reports.withLock { $0.append(report) }
            return report.iteration == 7 ? .stop : .proceed
        })
        let stopped = try HistGradientBoostingRegressor(parameters: parameters).fit(data.x, data.y, context: context)
        #expect(stopped.iterationCount == 7 && reports.withLock { $0.map(\.iteration) } == Array(1...7))
        #expect(reports.withLock { $0.allSatisfy { $0.trainLoss != nil && $0.validationLoss != nil } })
        parameters.earlyStopping = .off
        // Typed errors: NaN labels, one class, infinities, bad hyperparameters.
        let x = try Matrix(rows: 4, columns: 1, values: [1, 2, 3, 4])
        #expect(throws: ToolboxError.self) { try HistGradientBoostingRegressor(parameters: parameters).fit(x, [1, .nan, 2, 3]) }
        #expect(throws: ToolboxError.self) { try HistGradientBoostingClassifier(parameters: parameters).fit(x, [1, 1, 1, 1]) }
        #expect(throws: ToolboxError.self) { try HistGradientBoostingRegressor(parameters: parameters).fit(try Matrix(rows: 2, columns: 1, values: [1, .infinity]), [1, 2]) }
        #expect(throws: ToolboxError.self) { try HistGradientBoostingRegressor(loss: .poisson, parameters: parameters).fit(x, [1, -1, 2, 3]) }
        let bads: [[String: JSONValue]] = [["max_bins": .number(256)], ["learning_rate": .number(0)], ["max_leaf_nodes": .number(1)],
                                           ["early_stopping": .string("sometimes")], ["max_features": .number(0)]]
        for bad in bads {
            #expect(throws: ToolboxError.self, "\(bad)") { try HistGradientBoostingClassifier(hyperparameters: bad, path: nil) }
        }
        let built = try HistGradientBoostingClassifier(hyperparameters: ["early_stopping": .bool(false), "max_iter": .number(20), "max_leaf_nodes": .null], path: nil)
        #expect(built.parameters.earlyStopping == .off && built.parameters.maxIterations == 20 && built.parameters.maxLeafNodes == nil)
    }

    /// Thread count does not change the model.
    @Test func theSameModelOnAnyNumberOfThreads() throws {
        let data = try DataGenerators.classification(samples: 2_000, features: 8, informative: 4, redundant: 2, classes: 3, clustersPerClass: 1, seed: 9)
        let one = try HistGradientBoostingClassifier(parameters: Self.parameters(15) { $0.threads = 1; $0.maxFeatures = 0.6 }).fit(data.x, data.y)
        let four = try HistGradientBoostingClassifier(parameters: Self.parameters(15) { $0.threads = 4; $0.maxFeatures = 0.6 }).fit(data.x, data.y)
        #expect(one.ensemble.trees == four.ensemble.trees)
    }
}

extension HistGradientBoostingTests {
    /// The acceptance: TreeSHAP values equal shap's TreeExplainer to 1e-6, and add up to the raw output.
    @Test func treeSHAPEqualsShap() throws {
        let first25 = Array(0..<25)
        let cases: [(String, Matrix<Double>, (Matrix<Double>) throws -> BoostedEnsemble)] = [
            ("diabetes_squared", try matrix(data.diabetes), { try HistGradientBoostingRegressor(parameters: Self.parameters(50)).fit($0, data.diabetes.y).ensemble }),
            ("breast_binary", try matrix(data.breast), { try HistGradientBoostingClassifier(parameters: Self.parameters(50)).fit($0, data.breast.y).ensemble }),
            ("breast_binary_missing", try matrix(data.breast, values: g.missing_x),
             { try HistGradientBoostingClassifier(parameters: Self.parameters(40)).fit($0, data.breast.y).ensemble }),
            ("wine_multiclass", try matrix(data.wine), { try HistGradientBoostingClassifier(parameters: Self.parameters(30)).fit($0, data.wine.y).ensemble }),
        ]
        for (name, x, fit) in cases {
            let expected = try #require(g.shap[name])
            let ensemble = try fit(x)
            let rows = try x.rows(at: first25)
            let shap = try ensemble.shapValues(rows)
            let mismatch = ToolboxTesting.mismatch(shap.values.flatMap(\.values), expected.values, relativeTolerance: 1e-6, absoluteTolerance: 1e-9)
            #expect(mismatch == nil, "\(name): \(String(describing: mismatch))")
            #expect(ToolboxTesting.mismatch(shap.expectedValue, expected.expected, relativeTolerance: 1e-9, absoluteTolerance: 1e-12) == nil, "\(name)")
            // Local accuracy: values plus the expected value give the raw output.
            let raw = try ensemble.rawPredictions(rows)
            for output in 0..<ensemble.outputs {
                for row in 0..<25 {
                    let total = shap.expectedValue[output] + (0..<x.columns).reduce(0) { $0 + shap.values[output][row, $1] }
                    #expect(abs(total - raw[row * ensemble.outputs + output]) <= 1e-9 * max(1, abs(total)), "\(name) row \(row)")
                }
            }
        }
    }
}

extension HistGradientBoostingTests {
    @Test func permutationImportanceFindsTheInformativeFeatures() throws {
        // y depends on features 0 and 2 only.
        var generator = SeededGenerator(seed: 12)
        let n = 1_500
        let values = (0..<(n * 4)).map { _ in generator.nextNormal() }
        let x = try Matrix(rows: n, columns: 4, values: values)
        let y = (0..<n).map { 3 * x[$0, 0] - 2 * x[$0, 2] + 0.1 * generator.nextNormal() }
        let model = try HistGradientBoostingRegressor(parameters: Self.parameters(60)).fit(x, y)
        let one = try PermutationImportance.compute(model, x: x, y: y, scorer: .r2, repeats: 5, seed: 3, threads: 1)
        let two = try PermutationImportance.compute(model, x: x, y: y, scorer: .r2, repeats: 5, seed: 3, threads: 2)
        #expect(one == two)
        #expect(one.importancesMean[0] > 0.5 && one.importancesMean[2] > 0.3)
        #expect(abs(one.importancesMean[1]) < 0.01 && abs(one.importancesMean[3]) < 0.01)
        #expect(one.importances.allSatisfy { $0.count == 5 } && one.baselineScore > 0.95)
        #expect(model.featureImportances[0] > model.featureImportances[1] && model.featureImportances.reduce(0, +) > 0.999)
        #expect(throws: ToolboxError.self) { try PermutationImportance.compute(model, x: x, y: y, scorer: .r2, repeats: 0) }
        #expect(throws: ToolboxError.self) { try Scorer.named("accuracy_score") }
    }
}
