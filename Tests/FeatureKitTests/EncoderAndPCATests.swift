import FeatureKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Encoders and PCA against scikit-learn")
struct EncoderAndPCATests {
    let golden = FeatureGolden.shared

    init() throws { try FeatureKit.registerModels() }

    @Test func oneHotEncoderMatchesScikitLearn() throws {
        let x = try golden.matrix("encoders/x")
        let names = ["colour", "flag", "size"]
        for (key, encoder) in [("onehot", OneHotEncoder()), ("onehot_drop_first", OneHotEncoder(drop: .first)),
                               ("onehot_drop_binary", OneHotEncoder(drop: .ifBinary))] {
            let model = try encoder.fit(x)
            expectClose(try model.transform(x), try golden.matrix("encoders/\(key)/transform"), key)
            let expectedNames = try golden.value("encoders/\(key)/names").decoded(as: [String].self)
            #expect(model.outputFeatureNames(input: names) == expectedNames)
            #expect(model.outputFeatureCount == expectedNames.count)
        }
        let unseen = try golden.matrix("encoders/unseen")
        let ignoring = try OneHotEncoder(handleUnknown: .ignore).fit(x)
        expectClose(try ignoring.transform(unseen), try golden.matrix("encoders/onehot_ignore_unseen/transform"), "ignore unseen")
        do {
            _ = try OneHotEncoder().fit(x, context: FitContext(featureNames: names)).transform(unseen)
            Issue.record("an unseen category was accepted")
        } catch let error as ToolboxError {
            #expect(error.context.row == 1 && error.context.column == "colour")
        }
    }

    @Test func categoriesFromATableNameTheOutputs() throws {
        let table = try DataTable([("colour", .categorical(["red", "blue", nil, "red"])), ("weight", .numeric([1, 2, 3, 4]))])
        let features = try table.toMatrix()
        let model = try OneHotEncoder().fit(features.matrix, context: FitContext(features))
        #expect(model.outputFeatureNames(input: features.featureNames)
                == ["colour_blue", "colour_red", "colour_nan", "weight_1.0", "weight_2.0", "weight_3.0", "weight_4.0"])
        let ordinal = try OrdinalEncoder().fit(features.matrix, context: FitContext(features))
        #expect(ordinal.outputCategoricalFeatures(input: []).first == CategoricalFeature(column: 0, categories: ["blue", "red"]))
    }

    @Test(arguments: ["continuous", "binary", "multiclass"])
    func targetEncoderMatchesScikitLearn(kind: String) throws {
        let x = try golden.matrix("target/x"), test = try golden.matrix("target/test")
        let y = try golden.numbers("target/y_\(kind)")
        for (suffix, smooth) in [("auto", nil), ("4.0", 4.0)] as [(String, Double?)] {
            let key = "target/\(kind)_\(suffix)"
            let encoder = TargetEncoder(targetType: TargetEncoder.TargetType(rawValue: kind)!, smooth: smooth)
            let model = try encoder.fit(x, y)
            expectClose(try model.transform(x), try golden.matrix("\(key)/transform"), "\(key) transform", tolerance: 1e-12)
            expectClose(try model.transform(test), try golden.matrix("\(key)/test"), "\(key) unseen", tolerance: 1e-12)
            expectClose(model.targetMeans, try golden.numbers("\(key)/target_mean_"), "\(key) target_mean_", tolerance: 1e-12)
            if kind == "continuous" {
                // Cross-fitted as scikit-learn's fit_transform with KFold(5).
                let (_, crossFitted) = try encoder.fitTransform(x, y, context: FitContext())
                expectClose(crossFitted, try golden.matrix("\(key)/fit_transform"), "\(key) fit_transform", tolerance: 1e-12)
            }
        }
    }

    /// In a pipeline the next step sees cross-fitted encodings: a row's encoding never used its
    /// own target.
    @Test func pipelinesFeedTheNextStepCrossFittedEncodings() throws {
        let x = try golden.matrix("target/x"), y = try golden.numbers("target/y_continuous")
        let pipeline = Pipeline {
            TargetEncoder(smooth: 4)
            ColumnShift(amount: 0)
        }
        let model = try pipeline.fit(x, y)
        let (_, crossFitted) = try TargetEncoder(smooth: 4).fitTransform(x, y, context: FitContext())
        #expect(model.second.inputFeatureCount == 2)
        // The first step's model encodes with all rows; the training output of the step was cross-fitted.
        #expect(try model.first.transform(x) != crossFitted)
        try ModelRegistry.shared.register(estimator: ColumnShift.self, name: "ToolboxTesting.ColumnShift", aliases: ["column_shift"])
        let dynamic = try DynamicPipeline(yaml: "steps:\n  - {type: target_encoder, parameters: {smooth: 4}}\n  - {type: column_shift}\n")
        _ = try dynamic.fit(x, y)
        try checkEstimator(TargetEncoder(smooth: 2, folds: 3), task: .regression)
        try checkEstimator(TargetEncoder(targetType: .binary), task: .classification(classes: 2))
    }

    @Test func ordinalEncoderMatchesScikitLearn() throws {
        let x = try golden.matrix("encoders/x")
        let model = try OrdinalEncoder().fit(x)
        expectClose(try model.transform(x), try golden.matrix("encoders/ordinal/transform"), "ordinal")
        let unseen = try golden.matrix("encoders/unseen")
        let unknown = try OrdinalEncoder(handleUnknown: .useEncodedValue, unknownValue: -1).fit(x)
        expectClose(try unknown.transform(unseen), try golden.matrix("encoders/ordinal_unknown/transform"), "ordinal unknown")
        #expect(throws: ToolboxError.self) { try model.transform(unseen) }
        #expect(throws: ToolboxError.self) { try OrdinalEncoder(handleUnknown: .useEncodedValue, unknownValue: 1).fit(x) }
    }

    @Test(arguments: ["c", "d"])
    func pcaMatchesScikitLearn(data: String) throws {
        let x = try golden.matrix("pca/\(data)_x")
        let cases: [(String, PCA)] = [
            ("full", PCA(solver: .full)), ("k3", PCA(components: .count(3), solver: .full)),
            ("k3_whiten", PCA(components: .count(3), whiten: true, solver: .full)),
            ("var95", PCA(components: .varianceFraction(0.95), solver: .full)),
        ]
        for (name, estimator) in cases {
            let key = "pca/\(data)_\(name)"
            let model = try estimator.fit(x)
            let expectedCount = Int(try golden.numbers("\(key)/n_components_")[0])
            #expect(model.outputFeatureCount == expectedCount, "\(key)")
            // Components of near-zero variance are not determined to 1e-9; compare the rest.
            let determined = model.explainedVariance.filter { $0 > 1e-8 * (model.explainedVariance.first ?? 1) }.count
            let components = try golden.matrix("\(key)/components_")
            expectClose(Array(model.components.values.prefix(determined * x.columns)),
                        Array(components.values.prefix(determined * x.columns)), "\(key) components", tolerance: 1e-8, absolute: 1e-10)
            expectClose(model.explainedVariance, try golden.numbers("\(key)/explained_variance_"), "\(key) variance", absolute: 1e-10)
            expectClose(model.explainedVarianceRatio, try golden.numbers("\(key)/explained_variance_ratio_"), "\(key) ratio", absolute: 1e-12)
            expectClose(model.singularValues, try golden.numbers("\(key)/singular_values_"), "\(key) singular values", absolute: 1e-10)
            expectClose(model.mean.elements, try golden.numbers("\(key)/mean_"), "\(key) mean")
            #expect(isClose(model.noiseVariance, try golden.numbers("\(key)/noise_variance_")[0], relativeTolerance: 1e-8, absoluteTolerance: 1e-12))
            let scores = try model.transform(x)
            let expectedScores = try golden.matrix("\(key)/transform")
            for j in 0..<determined {
                let column = (0..<x.rows).map { scores[$0, j] }, expected = (0..<x.rows).map { expectedScores[$0, j] }
                expectClose(column, expected, "\(key) scores column \(j)", tolerance: 1e-8, absolute: 1e-9)
            }
            expectClose(try model.inverseTransform(scores), try golden.matrix("\(key)/inverse"), "\(key) inverse", tolerance: 1e-8, absolute: 1e-9)
        }
    }

    /// The covariance solver (scikit-learn's `covariance_eigh`, chosen by `auto` for tall data)
    /// gives the SVD's components and variances.
    @Test func covarianceSolverMatchesTheSVD() throws {
        let x = try golden.matrix("pca/c_x")
        for (name, estimator) in [("full", PCA(solver: .covarianceEigh)), ("k3", PCA(components: .count(3))),
                                  ("k3_whiten", PCA(components: .count(3), whiten: true, solver: .covarianceEigh))] {
            let key = "pca/c_\(name)"
            let model = try estimator.fit(x)
            expectClose(model.components.values, try golden.matrix("\(key)/components_").values, "\(key) components", tolerance: 1e-7, absolute: 1e-9)
            expectClose(model.explainedVariance, try golden.numbers("\(key)/explained_variance_"), "\(key) variance", tolerance: 1e-9)
            expectClose(model.explainedVarianceRatio, try golden.numbers("\(key)/explained_variance_ratio_"), "\(key) ratio", tolerance: 1e-9)
            expectClose(try model.transform(x), try golden.matrix("\(key)/transform"), "\(key) scores", tolerance: 1e-7, absolute: 1e-8)
        }
    }

    /// The transform runs in blocks of rows: on data spanning many blocks (and a last, shorter
    /// one) it is (X − mean)·Cᵀ, divided by the square roots of the variances when whitening,
    /// and a NaN in the last block is still named.
    @Test func blockedTransformIsTheCentredProduct() throws {
        var generator = SeededGenerator(seed: 21)
        let x = Matrix<Double>(rows: 9_001, columns: 30) { _, j in generator.nextNormal() * Double(j + 1) }
        for whiten in [false, true] {
            let model = try PCA(components: .count(4), whiten: whiten).fit(x)
            let mean = model.mean.elements
            let centred = x.mapColumns { value, j in value - mean[j] }
            var expected = try centred.multiplied(by: model.components, transposeOther: true)
            if whiten { expected = expected.mapColumns { value, j in value / model.explainedVariance[j].squareRoot() } }
            expectClose(try model.transform(x).values, expected.values, "whiten \(whiten)", tolerance: 1e-10, absolute: 1e-10)
        }
        var broken = x
        broken[9_000, 29] = .nan
        let error = #expect(throws: ToolboxError.self) { try PCA(components: .count(4)).fit(x).transform(broken) }
        #expect(error?.context.row == 9_000 && error?.context.column == "29", "\(String(describing: error))")
    }

    /// Randomized PCA finds the leading subspace: on data with a decaying spectrum all three
    /// principal angles to the exact (and to scikit-learn's randomized) components are below
    /// 1e-5; on wide data whose spectrum is flat after the first direction, the first.
    @Test(arguments: [("c", 3), ("d", 1)])
    func randomizedPCAFindsTheSameSubspace(data: String, determined: Int) throws {
        let x = try golden.matrix("pca/\(data)_x")
        let model = try PCA(components: .count(3), solver: .randomized, seed: 4).fit(x)
        let leading = model.components.rows(0..<determined)
        for reference in ["k3_randomized", "k3"] {
            let expected = try golden.matrix("pca/\(data)_\(reference)/components_").rows(0..<determined)
            // Singular values of A·Bᵀ (both orthonormal rows) are the cosines of the principal angles.
            let cosines = try LinearAlgebra.svd(try leading.multiplied(by: expected, transposeOther: true)).singularValues
            let angles = cosines.map { acos(min(1, $0)) }
            #expect(angles.allSatisfy { $0 < 1e-5 }, "\(data) against \(reference): \(angles)")
            // Signs are fixed as scikit-learn fixes them.
            expectClose(leading.values, expected.values, "\(data) components against \(reference)", tolerance: 1e-5, absolute: 1e-6)
        }
        expectClose(Array(model.explainedVariance.prefix(determined)),
                    Array(try golden.numbers("pca/\(data)_k3/explained_variance_").prefix(determined)), "variance", tolerance: 1e-8)
        expectClose(Array(model.explainedVarianceRatio.prefix(determined)),
                    Array(try golden.numbers("pca/\(data)_k3_randomized/explained_variance_ratio_").prefix(determined)), "ratio", tolerance: 1e-8)
    }

    @Test func everyEncoderAndPCAConforms() throws {
        try checkEstimator(OneHotEncoder(handleUnknown: .ignore), task: .unsupervised)
        try checkEstimator(OrdinalEncoder(handleUnknown: .useEncodedValue, unknownValue: -1), task: .unsupervised)
        try checkEstimator(PCA(components: .count(2)), task: .unsupervised)
        try checkEstimator(PCA(components: .count(3), whiten: true, solver: .randomized, seed: 9), task: .unsupervised)
        #expect(throws: ToolboxError.self) { try PCA(components: .count(9)).fit(Matrix(rows: 5, columns: 4, repeating: 1)) }
        #expect(throws: ToolboxError.self) { try PCA(hyperparameters: ["n_components": .number(1.5)]) }
        #expect(try PCA(hyperparameters: ["n_components": .number(0.9)]).components == .varianceFraction(0.9))
    }
}
