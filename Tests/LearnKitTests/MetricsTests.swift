import Testing
import ToolboxCore
import ToolboxTesting
@testable import LearnKit

struct MetricsGolden: Decodable {
    struct Binary: Decodable { var y_true, y_pred, score, weights: [Double] }
    struct Multi: Decodable { var y_true, y_pred, proba: [Double] }
    struct Regression: Decodable { var y_true, y_pred, weights: [Double] }
    struct Expected: Decodable {
        var binary: [String: Value]
        var multiclass: [String: Value]
        var regression: [String: Value]
    }
    /// A number, a vector, a matrix or text.
    enum Value: Decodable {
        case number(Double), vector([Double]), matrix([[Double]]), text(String)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Double.self) { self = .number(v) }
            else if let v = try? c.decode([Double].self) { self = .vector(v) }
            else if let v = try? c.decode([[Double]].self) { self = .matrix(v) }
            else if let s = try? c.decode(String.self) { self = s == "inf" ? .number(.infinity) : .text(s) }
            else {
                // Vectors holding "inf" (ROC thresholds).
                var list = try c.decode([StringOrDouble].self).map(\.value)
                list = list.map { $0 }
                self = .vector(list)
            }
        }
        var number: Double { if case .number(let v) = self { return v }; return .nan }
        var vector: [Double] { if case .vector(let v) = self { return v }; return [] }
        var matrix: [[Double]] { if case .matrix(let v) = self { return v }; return [] }
        var text: String { if case .text(let v) = self { return v }; return "" }
    }
    struct StringOrDouble: Decodable {
        var value: Double
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Double.self) { value = v } else { value = try c.decode(String.self) == "inf" ? .infinity : .nan }
        }
    }
    var binary: Binary
    var multiclass: Multi
    var regression: Regression
    var expected: Expected
}

@Suite("Metrics against scikit-learn")
struct MetricsTests {
    let g: MetricsGolden
    init() throws { g = try GoldenFiles().load(MetricsGolden.self, "metrics.json") }

    func close(_ actual: Double, _ key: String, _ table: [String: MetricsGolden.Value]) {
        let expected = table[key]?.number ?? .nan
        #expect(isClose(actual, expected, relativeTolerance: 1e-12, absoluteTolerance: 1e-14), "\(key): \(actual) vs \(expected)")
    }

    @Test func binaryClassification() throws {
        let (t, p, s, w) = (g.binary.y_true, g.binary.y_pred, g.binary.score, g.binary.weights)
        let e = g.expected.binary
        close(try Metrics.accuracy(t, p), "accuracy", e)
        close(try Metrics.accuracy(t, p, sampleWeights: w), "accuracy_weighted", e)
        close(try Metrics.balancedAccuracy(t, p), "balanced_accuracy", e)
        close(try Metrics.precision(t, p), "precision", e)
        close(try Metrics.recall(t, p), "recall", e)
        close(try Metrics.f1(t, p), "f1", e)
        close(try Metrics.f1(t, p, sampleWeights: w), "f1_weighted_samples", e)
        close(try Metrics.fBeta(t, p, beta: 2), "f2", e)
        close(try Metrics.matthewsCorrelation(t, p), "mcc", e)
        #expect(try Metrics.confusionMatrix(t, p).counts == e["confusion"]?.matrix)
        close(try Metrics.rocAUC(t, scores: s), "roc_auc", e)
        close(try Metrics.rocAUC(t, scores: s, sampleWeights: w), "roc_auc_weighted_samples", e)
        let curve = try Metrics.rocCurve(t, scores: s)
        #expect(mismatch(curve.falsePositiveRate, e["roc_fpr"]?.vector ?? [], relativeTolerance: 1e-12) == nil)
        #expect(mismatch(curve.truePositiveRate, e["roc_tpr"]?.vector ?? [], relativeTolerance: 1e-12) == nil)
        #expect(mismatch(curve.thresholds, e["roc_thresholds"]?.vector ?? [], relativeTolerance: 1e-12) == nil)
        close(try Metrics.averagePrecision(t, scores: s), "average_precision", e)
        close(try Metrics.averagePrecision(t, scores: s, sampleWeights: w), "average_precision_weighted_samples", e)
        close(try Metrics.brierScore(t, probabilities: s), "brier", e)
        let twoColumns = try Matrix(s.map { [1 - $0, $0] })
        close(try Metrics.logLoss(t, probabilities: twoColumns, classes: [0, 1]), "log_loss", e)
        let uniform = try Metrics.calibrationCurve(t, probabilities: s, bins: 5)
        let expectedUniform = e["calibration_uniform"]?.matrix ?? []
        #expect(mismatch(uniform.fractionOfPositives, expectedUniform.first ?? [], relativeTolerance: 1e-12) == nil)
        #expect(mismatch(uniform.meanPredicted, expectedUniform.last ?? [], relativeTolerance: 1e-12) == nil)
        let quantile = try Metrics.calibrationCurve(t, probabilities: s, bins: 4, strategy: .quantile)
        let expectedQuantile = e["calibration_quantile"]?.matrix ?? []
        #expect(mismatch(quantile.fractionOfPositives, expectedQuantile.first ?? [], relativeTolerance: 1e-12) == nil)
        #expect(mismatch(quantile.meanPredicted, expectedQuantile.last ?? [], relativeTolerance: 1e-12) == nil)
    }

    @Test func multiclassClassification() throws {
        let (t, p) = (g.multiclass.y_true, g.multiclass.y_pred)
        let e = g.expected.multiclass
        let proba = try Matrix(rows: t.count, columns: 3, values: g.multiclass.proba)
        close(try Metrics.accuracy(t, p), "accuracy", e)
        close(try Metrics.balancedAccuracy(t, p), "balanced_accuracy", e)
        for (name, average) in [("micro", MetricAverage.micro), ("macro", .macro), ("weighted", .weighted)] {
            close(try Metrics.precision(t, p, average: average), "precision_\(name)", e)
            close(try Metrics.recall(t, p, average: average), "recall_\(name)", e)
            close(try Metrics.f1(t, p, average: average), "f1_\(name)", e)
        }
        close(try Metrics.matthewsCorrelation(t, p), "mcc", e)
        #expect(try Metrics.confusionMatrix(t, p).counts == e["confusion"]?.matrix)
        close(try Metrics.rocAUC(t, probabilities: proba, classes: [0, 1, 2]), "roc_auc_ovr_macro", e)
        close(try Metrics.rocAUC(t, probabilities: proba, classes: [0, 1, 2], average: .weighted), "roc_auc_ovr_weighted", e)
        close(try Metrics.logLoss(t, probabilities: proba, classes: [0, 1, 2]), "log_loss", e)
        #expect(try Metrics.classificationReport(t, p).text() == e["report"]?.text)
    }

    @Test func regression() throws {
        let (t, p, w) = (g.regression.y_true, g.regression.y_pred, g.regression.weights)
        let e = g.expected.regression
        close(try Metrics.meanSquaredError(t, p), "mse", e)
        close(try Metrics.meanSquaredError(t, p, sampleWeights: w), "mse_weighted", e)
        close(try Metrics.rootMeanSquaredError(t, p), "rmse", e)
        close(try Metrics.meanAbsoluteError(t, p), "mae", e)
        close(try Metrics.medianAbsoluteError(t, p), "median_ae", e)
        close(try Metrics.r2(t, p), "r2", e)
        close(try Metrics.r2(t, p, sampleWeights: w), "r2_weighted", e)
        close(try Metrics.explainedVariance(t, p), "explained_variance", e)
        close(try Metrics.meanAbsolutePercentageError(t, p), "mape", e)
    }

    @Test func badInputIsTyped() throws {
        #expect(throws: ToolboxError.self) { try Metrics.accuracy([], []) }
        #expect(throws: ToolboxError.self) { try Metrics.accuracy([1, 2], [1]) }
        #expect(throws: ToolboxError.self) { try Metrics.meanSquaredError([1, .nan], [1, 2]) }
        #expect(throws: ToolboxError.self) { try Metrics.accuracy([1, 2], [1, 2], sampleWeights: [1, -1]) }
        #expect(throws: ToolboxError.self) { try Metrics.rocAUC([1, 1, 1], scores: [0.1, 0.2, 0.3]) }
        #expect(throws: ToolboxError.self) { try Metrics.precision([0, 1, 2], [0, 1, 2]) }
        #expect(throws: ToolboxError.self) { try Metrics.fBeta([0, 1], [0, 1], beta: 0) }
        #expect(throws: ToolboxError.self) { try Metrics.logLoss([5], probabilities: Matrix([[0.5, 0.5]]), classes: [0, 1]) }
        #expect(throws: ToolboxError.self) { try Metrics.calibrationCurve([0, 1], probabilities: [0.5, 1.5]) }
        // Constant targets follow scikit-learn's finite convention.
        let perfect = try Metrics.r2([2, 2], [2, 2]), imperfect = try Metrics.r2([2, 2], [1, 2])
        #expect(perfect == 1 && imperfect == 0)
    }
}
