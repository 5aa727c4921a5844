import Foundation
public import ToolboxCore

extension Metrics {
    /// A ROC curve: false and true positive rates at each distinct score threshold, with
    /// collinear points dropped and a first point at (0, 0) for an infinite threshold, as
    /// scikit-learn's `roc_curve` returns it.
    public struct ROCCurve: Sendable, Hashable {
        /// The false positive rate at each threshold, ascending.
        public var falsePositiveRate: [Double]
        /// The true positive rate at each threshold.
        public var truePositiveRate: [Double]
        /// The thresholds, descending; the first is infinite.
        public var thresholds: [Double]
    }

    /// Cumulative (false, true) positive weights at each distinct score, descending.
    static func binaryCounts(_ yTrue: [Double], _ scores: [Double], positiveLabel: Double, sampleWeights: [Double]?) throws
        -> (fps: [Double], tps: [Double], thresholds: [Double]) {
        try checkPair(yTrue, scores, names: ("yTrue", "scores"))
        let w = try checkWeights(sampleWeights, count: yTrue.count)
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var fps: [Double] = [], tps: [Double] = [], thresholds: [Double] = []
        var fp = 0.0, tp = 0.0
        for (rank, i) in order.enumerated() {
            if yTrue[i] == positiveLabel { tp += w[i] } else { fp += w[i] }
            // Close a group at the last sample of each distinct score.
            if rank == order.count - 1 || scores[order[rank + 1]] != scores[i] {
                fps.append(fp)
                tps.append(tp)
                thresholds.append(scores[i])
            }
        }
        return (fps, tps, thresholds)
    }

    /// The ROC curve of binary scores (higher means more likely `positiveLabel`).
    public static func rocCurve(_ yTrue: [Double], scores: [Double], positiveLabel: Double = 1,
                                sampleWeights: [Double]? = nil) throws -> ROCCurve {
        let (fps, tps, thresholds) = try binaryCounts(yTrue, scores, positiveLabel: positiveLabel, sampleWeights: sampleWeights)
        // Keep the ends and every point where the curve bends.
        var keep: [Int] = []
        for k in fps.indices {
            if k == 0 || k == fps.count - 1 {
                keep.append(k)
                continue
            }
            let bendsFP = fps[k - 1] - 2 * fps[k] + fps[k + 1] != 0
            let bendsTP = tps[k - 1] - 2 * tps[k] + tps[k + 1] != 0
            if bendsFP || bendsTP { keep.append(k) }
        }
        guard let totalFP = fps.last, let totalTP = tps.last, totalFP > 0, totalTP > 0 else {
            throw ToolboxError(.invalidData, "ROC needs both classes in yTrue; only one is present", context: ErrorContext(parameter: "yTrue"))
        }
        return ROCCurve(falsePositiveRate: [0] + keep.map { fps[$0] / totalFP },
                        truePositiveRate: [0] + keep.map { tps[$0] / totalTP },
                        thresholds: [.infinity] + keep.map { thresholds[$0] })
    }

    /// The area under the ROC curve of binary scores, by the trapezoidal rule.
    public static func rocAUC(_ yTrue: [Double], scores: [Double], positiveLabel: Double? = nil,
                              sampleWeights: [Double]? = nil) throws -> Double {
        let positive = try positiveClass(yTrue, positiveLabel)
        let curve = try rocCurve(yTrue, scores: scores, positiveLabel: positive, sampleWeights: sampleWeights)
        return trapezoid(curve.falsePositiveRate, curve.truePositiveRate)
    }

    /// One-vs-rest ROC AUC of class probabilities (one column per `classes` entry), averaged
    /// over classes unweighted (`.macro`) or by prevalence (`.weighted`).
    public static func rocAUC(_ yTrue: [Double], probabilities: Matrix<Double>, classes: [Double],
                              average: MetricAverage = .macro, sampleWeights: [Double]? = nil) throws -> Double {
        guard probabilities.rows == yTrue.count, probabilities.columns == classes.count else {
            throw ToolboxError(.shapeMismatch, "probabilities are \(probabilities.rows) x \(probabilities.columns) for \(yTrue.count) samples and \(classes.count) classes",
                               context: ErrorContext(parameter: "probabilities"))
        }
        if classes.count == 2 {
            return try rocAUC(yTrue, scores: probabilities.column(1), positiveLabel: classes[1], sampleWeights: sampleWeights)
        }
        let w = try checkWeights(sampleWeights, count: yTrue.count)
        var aucs: [Double] = [], prevalence: [Double] = []
        for (k, label) in classes.enumerated() {
            aucs.append(try rocAUC(yTrue.map { $0 == label ? 1 : 0 }, scores: probabilities.column(k), positiveLabel: 1, sampleWeights: sampleWeights))
            prevalence.append(zip(yTrue, w).reduce(0) { $0 + ($1.0 == label ? $1.1 : 0) })
        }
        switch average {
        case .weighted:
            return zip(aucs, prevalence).reduce(0) { $0 + $1.0 * $1.1 } / prevalence.reduce(0, +)
        case .macro:
            return aucs.reduce(0, +) / Double(aucs.count)
        default:
            throw ToolboxError(.invalidParameter, "one-vs-rest ROC AUC averages .macro or .weighted", context: ErrorContext(parameter: "average"))
        }
    }

    /// Average precision: Σ (Rₙ − Rₙ₋₁) Pₙ over descending thresholds (no interpolation), the
    /// area under the precision-recall curve as scikit-learn computes it.
    public static func averagePrecision(_ yTrue: [Double], scores: [Double], positiveLabel: Double? = nil,
                                        sampleWeights: [Double]? = nil) throws -> Double {
        let positive = try positiveClass(yTrue, positiveLabel)
        let (fps, tps, _) = try binaryCounts(yTrue, scores, positiveLabel: positive, sampleWeights: sampleWeights)
        guard let totalTP = tps.last, totalTP > 0 else {
            throw ToolboxError(.invalidData, "average precision needs positive samples in yTrue", context: ErrorContext(parameter: "yTrue"))
        }
        var result = 0.0, previousRecall = 0.0
        for k in tps.indices {
            let recall = tps[k] / totalTP
            let precision = tps[k] / (tps[k] + fps[k])
            result += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return result
    }

    /// Cross-entropy of class probabilities (rows renormalized, clipped to [ε, 1 − ε] with ε the
    /// Double machine epsilon), averaged over samples.
    public static func logLoss(_ yTrue: [Double], probabilities: Matrix<Double>, classes: [Double],
                               sampleWeights: [Double]? = nil) throws -> Double {
        guard probabilities.rows == yTrue.count, probabilities.columns == classes.count, !yTrue.isEmpty else {
            throw ToolboxError(.shapeMismatch, "probabilities are \(probabilities.rows) x \(probabilities.columns) for \(yTrue.count) samples and \(classes.count) classes",
                               context: ErrorContext(parameter: "probabilities"))
        }
        try probabilities.validateFinite(name: "probabilities")
        let w = try checkWeights(sampleWeights, count: yTrue.count)
        let eps = Double.ulpOfOne
        var total = 0.0, weight = 0.0
        for i in yTrue.indices {
            guard let k = classes.firstIndex(of: yTrue[i]) else {
                throw ToolboxError(.invalidData, "yTrue has label \(yTrue[i]) at row \(i), not among the classes \(classes)",
                                   context: ErrorContext(row: i, parameter: "yTrue"))
            }
            let row = probabilities.row(i)
            let clipped = row.map { min(max($0, eps), 1 - eps) }
            let sum = clipped.reduce(0, +)
            total -= w[i] * log(clipped[k] / sum)
            weight += w[i]
        }
        return total / weight
    }

    /// The mean squared difference between the positive-class probability and the outcome.
    public static func brierScore(_ yTrue: [Double], probabilities: [Double], positiveLabel: Double? = nil,
                                  sampleWeights: [Double]? = nil) throws -> Double {
        try checkPair(yTrue, probabilities, names: ("yTrue", "probabilities"))
        let positive = try positiveClass(yTrue, positiveLabel)
        let w = try checkWeights(sampleWeights, count: yTrue.count)
        var total = 0.0, weight = 0.0
        for i in yTrue.indices {
            let d = probabilities[i] - (yTrue[i] == positive ? 1 : 0)
            total += w[i] * d * d
            weight += w[i]
        }
        return total / weight
    }

    /// Reliability diagram points: for each non-empty bin of predicted probability, the share
    /// of positives and the mean prediction (scikit-learn's `calibration_curve`).
    public static func calibrationCurve(_ yTrue: [Double], probabilities: [Double], bins: Int = 5,
                                        strategy: CalibrationStrategy = .uniform, positiveLabel: Double? = nil) throws
        -> (fractionOfPositives: [Double], meanPredicted: [Double]) {
        try checkPair(yTrue, probabilities, names: ("yTrue", "probabilities"))
        guard bins > 0 else { throw ToolboxError(.invalidParameter, "bins must be positive", context: ErrorContext(parameter: "bins")) }
        if let bad = probabilities.firstIndex(where: { $0 < 0 || $0 > 1 }) {
            throw ToolboxError(.invalidData, "probabilities must be in [0, 1]; row \(bad) has \(probabilities[bad])",
                               context: ErrorContext(row: bad, parameter: "probabilities"))
        }
        let positive = try positiveClass(yTrue, positiveLabel)
        let edges: [Double]
        switch strategy {
        case .uniform: edges = (0...bins).map { Double($0) / Double(bins) }
        case .quantile:
            let sorted = probabilities.sorted()
            edges = (0...bins).map { Quantile.linear(sorted, Double($0) / Double(bins)) }
        }
        let inner = Array(edges[1..<bins])
        var sums = [Double](repeating: 0, count: bins), trues = sums, totals = sums
        for i in yTrue.indices {
            // The first inner edge >= p (a value on an edge goes to the lower bin).
            var lo = 0, hi = inner.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if inner[mid] < probabilities[i] { lo = mid + 1 } else { hi = mid }
            }
            sums[lo] += probabilities[i]
            trues[lo] += yTrue[i] == positive ? 1 : 0
            totals[lo] += 1
        }
        let used = totals.indices.filter { totals[$0] > 0 }
        return (used.map { trues[$0] / totals[$0] }, used.map { sums[$0] / totals[$0] })
    }

    /// How ``calibrationCurve(_:probabilities:bins:strategy:positiveLabel:)`` places bin edges.
    public enum CalibrationStrategy: Sendable, Hashable {
        case uniform, quantile
    }

    /// The positive class: the given label, or the larger of exactly two classes.
    static func positiveClass(_ yTrue: [Double], _ given: Double?) throws -> Double {
        if let given { return given }
        let classes = Set(yTrue).sorted()
        guard classes.count == 2 else {
            throw ToolboxError(.invalidData, "binary metrics need exactly 2 classes in yTrue, found \(classes.count); pass positiveLabel",
                               context: ErrorContext(parameter: "yTrue"))
        }
        return classes[1]
    }

    static func trapezoid(_ x: [Double], _ y: [Double]) -> Double {
        var area = 0.0
        for k in 1..<x.count { area += (x[k] - x[k - 1]) * (y[k] + y[k - 1]) / 2 }
        return area
    }
}


