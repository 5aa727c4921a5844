import ToolboxCore

/// How per-class scores combine into one number, as scikit-learn's `average` argument.
public enum MetricAverage: Sendable, Hashable {
    /// Only the positive class's score.
    case binary(positiveLabel: Double = 1)
    /// Global counts of true positives, false negatives and false positives.
    case micro
    /// The unweighted mean of per-class scores.
    case macro
    /// The mean of per-class scores weighted by each class's support.
    case weighted
}

/// Classification and regression metrics with scikit-learn's definitions.
///
/// Labels are `Double` class values; predictions and truths must have the same length. Where a
/// score divides by zero (a class never predicted), the score is 0, scikit-learn's default
/// `zero_division` result.
public enum Metrics {
    // MARK: Validation

    static func checkPair(_ yTrue: [Double], _ yPred: [Double], names: (String, String) = ("yTrue", "yPred")) throws {
        guard !yTrue.isEmpty else {
            throw ToolboxError(.invalidData, "\(names.0) is empty", context: ErrorContext(parameter: names.0))
        }
        guard yTrue.count == yPred.count else {
            throw ToolboxError(.shapeMismatch, "\(names.0) has \(yTrue.count) values, \(names.1) has \(yPred.count)",
                               context: ErrorContext(parameter: names.1))
        }
        for (name, values) in [names.0: yTrue, names.1: yPred] {
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw ToolboxError(.invalidData, "\(name) contains \(values[bad]) at row \(bad)", context: ErrorContext(row: bad, parameter: name))
            }
        }
    }

    static func checkWeights(_ weights: [Double]?, count: Int) throws -> [Double] {
        guard let weights else { return [Double](repeating: 1, count: count) }
        guard weights.count == count else {
            throw ToolboxError(.shapeMismatch, "sampleWeights has \(weights.count) values for \(count) samples",
                               context: ErrorContext(parameter: "sampleWeights"))
        }
        if let bad = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw ToolboxError(.invalidData, "sampleWeights has \(weights[bad]) at row \(bad); weights must be finite and non-negative",
                               context: ErrorContext(row: bad, parameter: "sampleWeights"))
        }
        return weights
    }

    // MARK: Accuracy

    /// The (weighted) share of predictions equal to the truth.
    public static func accuracy(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> Double {
        try checkPair(yTrue, yPred)
        let w = try checkWeights(sampleWeights, count: yTrue.count)
        var hit = 0.0, total = 0.0
        for i in yTrue.indices {
            total += w[i]
            if yTrue[i] == yPred[i] { hit += w[i] }
        }
        return hit / total
    }

    /// The mean of per-class recall (scikit-learn's `balanced_accuracy_score`, not adjusted).
    public static func balancedAccuracy(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> Double {
        let confusion = try confusionMatrix(yTrue, yPred, sampleWeights: sampleWeights)
        var recalls: [Double] = []
        for (k, row) in confusion.counts.enumerated() {
            let support = row.reduce(0, +)
            if support > 0 { recalls.append(row[k] / support) }
        }
        return recalls.reduce(0, +) / Double(recalls.count)
    }

    // MARK: Confusion matrix

    /// Counts (or weight sums) of samples with true class `labels[i]` predicted as `labels[j]`.
    public struct ConfusionMatrix: Sendable, Hashable {
        /// The classes, sorted: the union of truths and predictions unless given.
        public var labels: [Double]
        /// `counts[i][j]`: true `labels[i]`, predicted `labels[j]`.
        public var counts: [[Double]]
    }

    /// The confusion matrix, rows true classes and columns predicted classes.
    public static func confusionMatrix(_ yTrue: [Double], _ yPred: [Double], labels: [Double]? = nil,
                                       sampleWeights: [Double]? = nil) throws -> ConfusionMatrix {
        try checkPair(yTrue, yPred)
        let w = try checkWeights(sampleWeights, count: yTrue.count)
        let classes = labels ?? Array(Set(yTrue).union(yPred)).sorted()
        var position: [Double: Int] = [:]
        for (k, c) in classes.enumerated() { position[c] = k }
        var counts = [[Double]](repeating: [Double](repeating: 0, count: classes.count), count: classes.count)
        for i in yTrue.indices {
            guard let t = position[yTrue[i]], let p = position[yPred[i]] else { continue }
            counts[t][p] += w[i]
        }
        return ConfusionMatrix(labels: classes, counts: counts)
    }

    // MARK: Precision, recall, F-score

    /// Per-class precision, recall, F-beta and support.
    public struct ClassScores: Sendable, Hashable {
        /// The classes, ascending.
        public var labels: [Double]
        /// Each class's precision (0 where nothing was predicted as it).
        public var precision: [Double]
        /// Each class's recall (0 where it never occurs).
        public var recall: [Double]
        /// Each class's F-beta score.
        public var fScore: [Double]
        /// Each class's weighted count in the true labels.
        public var support: [Double]
    }

    /// Precision, recall, F-beta and support for every class.
    public static func precisionRecallFScore(_ yTrue: [Double], _ yPred: [Double], beta: Double = 1,
                                             sampleWeights: [Double]? = nil) throws -> ClassScores {
        let confusion = try confusionMatrix(yTrue, yPred, sampleWeights: sampleWeights)
        let n = confusion.labels.count
        var scores = ClassScores(labels: confusion.labels, precision: [], recall: [], fScore: [], support: [])
        for k in 0..<n {
            let tp = confusion.counts[k][k]
            let predicted = (0..<n).reduce(0) { $0 + confusion.counts[$1][k] }
            let actual = confusion.counts[k].reduce(0, +)
            let (p, r) = (ratio(tp, predicted), ratio(tp, actual))
            scores.precision.append(p)
            scores.recall.append(r)
            scores.fScore.append(fBeta(p, r, beta))
            scores.support.append(actual)
        }
        return scores
    }

    /// Precision: of the samples predicted positive, the share that are.
    public static func precision(_ yTrue: [Double], _ yPred: [Double], average: MetricAverage = .binary(),
                                 sampleWeights: [Double]? = nil) throws -> Double {
        try averaged(yTrue, yPred, average: average, sampleWeights: sampleWeights, beta: 1, pick: \.precision)
    }

    /// Recall: of the positive samples, the share predicted positive.
    public static func recall(_ yTrue: [Double], _ yPred: [Double], average: MetricAverage = .binary(),
                              sampleWeights: [Double]? = nil) throws -> Double {
        try averaged(yTrue, yPred, average: average, sampleWeights: sampleWeights, beta: 1, pick: \.recall)
    }

    /// F1: the harmonic mean of precision and recall.
    public static func f1(_ yTrue: [Double], _ yPred: [Double], average: MetricAverage = .binary(),
                          sampleWeights: [Double]? = nil) throws -> Double {
        try fBeta(yTrue, yPred, beta: 1, average: average, sampleWeights: sampleWeights)
    }

    /// F-beta: recall weighted `beta` times as much as precision.
    public static func fBeta(_ yTrue: [Double], _ yPred: [Double], beta: Double, average: MetricAverage = .binary(),
                             sampleWeights: [Double]? = nil) throws -> Double {
        guard beta > 0, beta.isFinite else {
            throw ToolboxError(.invalidParameter, "beta must be positive, got \(beta)", context: ErrorContext(parameter: "beta"))
        }
        return try averaged(yTrue, yPred, average: average, sampleWeights: sampleWeights, beta: beta, pick: \.fScore)
    }

    private static func averaged(_ yTrue: [Double], _ yPred: [Double], average: MetricAverage, sampleWeights: [Double]?,
                                 beta: Double, pick: KeyPath<ClassScores, [Double]>) throws -> Double {
        let scores = try precisionRecallFScore(yTrue, yPred, beta: beta, sampleWeights: sampleWeights)
        switch average {
        case .binary(let positive):
            guard scores.labels.count <= 2 else {
                throw ToolboxError(.invalidParameter,
                                   "binary averaging needs at most 2 classes, found \(scores.labels.count); use .micro, .macro or .weighted",
                                   context: ErrorContext(parameter: "average"))
            }
            guard let k = scores.labels.firstIndex(of: positive) else {
                throw ToolboxError(.invalidParameter, "positive label \(positive) is not among the labels \(scores.labels)",
                                   context: ErrorContext(parameter: "average"))
            }
            return scores[keyPath: pick][k]
        case .macro:
            let values = scores[keyPath: pick]
            return values.reduce(0, +) / Double(values.count)
        case .weighted:
            let total = scores.support.reduce(0, +)
            return zip(scores[keyPath: pick], scores.support).reduce(0) { $0 + $1.0 * $1.1 } / total
        case .micro:
            let confusion = try confusionMatrix(yTrue, yPred, sampleWeights: sampleWeights)
            let tp = (0..<confusion.labels.count).reduce(0) { $0 + confusion.counts[$1][$1] }
            let total = confusion.counts.joined().reduce(0, +)
            // With every sample in exactly one class, micro precision = recall = accuracy.
            let p = ratio(tp, total), r = ratio(tp, total)
            switch pick {
            case \ClassScores.precision: return p
            case \ClassScores.recall: return r
            default: return fBeta(p, r, beta)
            }
        }
    }

    static func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }

    static func fBeta(_ p: Double, _ r: Double, _ beta: Double) -> Double {
        let b2 = beta * beta
        let denominator = b2 * p + r
        return denominator == 0 ? 0 : (1 + b2) * p * r / denominator
    }

    // MARK: Matthews correlation

    /// The Matthews correlation coefficient, multiclass form (Gorodkin's R_K), in [−1, 1].
    public static func matthewsCorrelation(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> Double {
        let c = try confusionMatrix(yTrue, yPred, sampleWeights: sampleWeights).counts
        let n = c.count
        let t = (0..<n).map { k in c[k].reduce(0, +) }               // true counts per class
        let p = (0..<n).map { k in (0..<n).reduce(0) { $0 + c[$1][k] } }   // predicted counts
        let correct = (0..<n).reduce(0) { $0 + c[$1][$1] }
        let s = t.reduce(0, +)
        let covYtYp = correct * s - zip(t, p).reduce(0) { $0 + $1.0 * $1.1 }
        let covYpYp = s * s - p.reduce(0) { $0 + $1 * $1 }
        let covYtYt = s * s - t.reduce(0) { $0 + $1 * $1 }
        let denominator = (covYtYt * covYpYp).squareRoot()
        return denominator == 0 ? 0 : covYtYp / denominator
    }
}
