import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct LinearGolden: Decodable {
    struct Data: Decodable { var x: [Double]; var rows: Int; var columns: Int; var y: [Double] }
    struct Fit: Decodable { var coef: [Double]; var intercept: Double }
    var diabetes: Data
    var models: [String: Fit]
    var weights: [Double]
    var cv_r2: [String: Double]
}

@Suite("Linear models against scikit-learn")
struct LinearModelTests {
    let golden: LinearGolden
    let x: Matrix<Double>
    let y: [Double]

    init() throws {
        golden = try GoldenFiles().load(LinearGolden.self, "linear.json")
        x = try Matrix(rows: golden.diabetes.rows, columns: golden.diabetes.columns, values: golden.diabetes.x)
        y = golden.diabetes.y
        try LearnKit.registerModels()
    }

    func expectMatch<H>(_ model: LinearModel<H>, _ name: String, relative: Double = 1e-6) throws {
        let expected = try #require(golden.models[name])
        #expect(mismatch(model.coefficients.elements, expected.coef, relativeTolerance: relative, absoluteTolerance: 1e-9) == nil,
                "\(name): \(model.coefficients.elements) vs \(expected.coef)")
        #expect(isClose(model.intercept, expected.intercept, relativeTolerance: relative), "\(name) intercept")
    }

    @Test func ordinaryLeastSquares() throws {
        try expectMatch(try LinearRegression().fit(x, y), "ols")
        try expectMatch(try LinearRegression(fitIntercept: false).fit(x, y), "ols_no_intercept")
        try expectMatch(try LinearRegression().fit(x, y, sampleWeights: golden.weights), "ols_weighted")
    }

    @Test func ridge() throws {
        try expectMatch(try Ridge(alpha: 1).fit(x, y), "ridge_1")
        try expectMatch(try Ridge(alpha: 0.01).fit(x, y), "ridge_0_01")
        try expectMatch(try Ridge(alpha: 0.5, fitIntercept: false).fit(x, y), "ridge_no_intercept")
        try expectMatch(try Ridge(alpha: 0.3).fit(x, y, sampleWeights: golden.weights), "ridge_weighted")
        // α = 0 is ordinary least squares.
        let zero = try Ridge(alpha: 0).fit(x, y), ols = try LinearRegression().fit(x, y)
        #expect(mismatch(zero.coefficients.elements, ols.coefficients.elements, relativeTolerance: 1e-8) == nil)
    }

    @Test func lassoAndElasticNet() throws {
        let lasso = try Lasso(alpha: 0.1, maxIterations: 100_000, tolerance: 1e-10).fit(x, y)
        #expect(lasso.converged)
        try expectMatch(lasso, "lasso_0_1")
        try expectMatch(try Lasso(alpha: 1, maxIterations: 100_000, tolerance: 1e-10).fit(x, y), "lasso_1")
        try expectMatch(try ElasticNet(alpha: 0.05, l1Ratio: 0.5, maxIterations: 100_000, tolerance: 1e-10).fit(x, y), "elastic_0_05_0_5")
        try expectMatch(try ElasticNet(alpha: 0.01, l1Ratio: 0.2, maxIterations: 100_000, tolerance: 1e-10).fit(x, y), "elastic_0_01_0_2")
        // The L1 penalty zeroes coefficients.
        #expect(try Lasso(alpha: 1).fit(x, y).coefficients.elements.filter { $0 == 0 }.count >= 5)
        // Too few iterations is reported, not hidden.
        let short = try Lasso(alpha: 0.001, maxIterations: 2, tolerance: 1e-12).fit(x, y)
        #expect(!short.converged && short.iterations == 2)
        let positive = try Lasso(alpha: 0.1, positive: true).fit(x, y)
        #expect(positive.coefficients.elements.allSatisfy { $0 >= 0 })
    }

    @Test func fiveFoldCrossValidationMatches() throws {
        let cases: [(String, any Estimator)] = [("ols", LinearRegression()), ("ridge_1", Ridge(alpha: 1)),
                                                ("lasso_0_1", Lasso(alpha: 0.1)), ("elastic_0_05_0_5", ElasticNet(alpha: 0.05, l1Ratio: 0.5))]
        for (name, estimator) in cases {
            let result = try ModelSelection.crossValidate(estimator, x: x, y: y, cv: KFold(folds: 5), scoring: [.r2])
            let expected = try #require(golden.cv_r2[name])
            #expect(abs(try result.meanTestScore("r2") - expected) < 0.01, "\(name): \(String(describing: try? result.meanTestScore("r2"))) vs \(expected)")
            #expect(result.fitTimes.count == 5)
        }
    }

    @Test(arguments: 0..<4)
    func estimatorsPassCheckEstimator(index: Int) throws {
        switch index {
        case 0: try checkEstimator(LinearRegression(), task: .regression)
        case 1: try checkEstimator(Ridge(alpha: 0.5), task: .regression)
        case 2: try checkEstimator(Lasso(alpha: 0.1), task: .regression)
        default: try checkEstimator(ElasticNet(alpha: 0.1, l1Ratio: 0.3), task: .regression)
        }
    }

    @Test func archivesAndPipelines() throws {
        let model = try Pipeline {
            ColumnShift(amount: 1)
            Ridge(alpha: 2)
        }.fit(x, y)
        let loaded = try ModelArchive.decode(type(of: model), from: try ModelArchive.encode(model))
        #expect(try loaded.predict(x) == model.predict(x))
        // Built by name from a workflow spec and loaded without knowing the type.
        let spec = try PipelineSpec(json: Foundation.Data(#"{"steps":[{"type":"lasso","parameters":{"alpha":0.2}}]}"#.utf8))
        let dynamic = try DynamicPipeline(spec: spec).fit(x, y)
        let any = try ModelArchive.decode(from: try ModelArchive.encode(dynamic))
        let predictor = try #require(any as? any Predictor)
        #expect(try predictor.predict(x) == Lasso(alpha: 0.2).fit(x, y).predict(x))
    }

    @Test func badInputIsTyped() throws {
        func code(_ body: () throws -> Void) -> ToolboxError.Code? {
            do { try body(); return nil } catch let error as ToolboxError { return error.code } catch { return nil }
        }
        var withNaN = x
        withNaN[3, 2] = .nan
        #expect(code { _ = try LinearRegression().fit(withNaN, y) } == .invalidData)
        #expect(code { _ = try Ridge().fit(x, Array(y.dropLast())) } == .shapeMismatch)
        #expect(code { _ = try Ridge(alpha: -1).fit(x, y) } == .invalidParameter)
        #expect(code { _ = try ElasticNet(alpha: 1, l1Ratio: 2).fit(x, y) } == .invalidParameter)
        #expect(code { _ = try LinearRegression().fit(x, y, sampleWeights: [Double](repeating: -1, count: y.count)) } == .invalidData)
        #expect(code { _ = try LinearRegression().fit(Matrix(rows: 0, columns: 3), []) } == .invalidData)
        let model = try LinearRegression().fit(x, y)
        #expect(code { _ = try model.predict(Matrix(rows: 2, columns: 4)) } == .shapeMismatch)
    }
}
