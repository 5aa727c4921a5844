public import ToolboxCore
import Foundation
import LearnKit

/// What a workflow measured of its model on the holdout: scores, curves, the confusion matrix,
/// the cost-optimal threshold and the fairness table (what the report draws).
public struct WorkflowEvaluation: Sendable, Codable, Hashable {
    /// Holdout scores by scikit-learn's scorer names.
    public var scores: [String: Double] = [:]
    /// Cross-validated scores on the training data: `cv_NAME_mean`, `cv_NAME_std`.
    public var crossValidation: [String: Double] = [:]
    /// The class labels, in the model's order (classifiers).
    public var classes: [String]?
    /// `confusion[i][j]`: rows of true class i predicted as class j.
    public var confusion: [[Int]]?
    /// The ROC curve of the positive class (binary classifiers).
    public var roc: Curve?
    /// The reliability diagram of the positive class (binary classifiers).
    public var calibration: Curve?
    /// The cost of each threshold, and the cheapest (binary classifiers with costs).
    public var costs: Costs?
    /// Rates by group (classifiers with a fairness group).
    public var fairness: Fairness?
    /// Predicted against true values (regressors; at most 2,000 points).
    public var residuals: Curve?
    /// Holdout rows scored.
    public var rows = 0

    /// Points of a curve.
    public struct Curve: Sendable, Codable, Hashable {
        public var x: [Double]
        public var y: [Double]
    }

    /// The cost curve and the cheapest threshold.
    public struct Costs: Sendable, Codable, Hashable {
        public var falsePositive: Double
        public var falseNegative: Double
        /// Thresholds tried (a row is positive when its probability is at least the threshold).
        public var thresholds: [Double]
        /// The mean cost per row at each threshold.
        public var meanCost: [Double]
        /// The cheapest threshold.
        public var threshold: Double
        /// Its mean cost per row.
        public var expectedCost: Double
        /// The mean cost per row at 0.5, for comparison.
        public var costAtHalf: Double
    }

    /// Rates by group, and the largest gaps between groups.
    public struct Fairness: Sendable, Codable, Hashable {
        public struct Group: Sendable, Codable, Hashable {
            public var group: String
            public var rows: Int
            public var accuracy: Double
            /// The share predicted positive (binary).
            public var positiveRate: Double?
            /// True and false positive rates (binary).
            public var truePositiveRate: Double?
            public var falsePositiveRate: Double?
        }
        /// The group column.
        public var column: String
        public var groups: [Group]
        /// The largest difference of positive rates between groups (demographic parity).
        public var demographicParityDifference: Double?
        /// The larger of the largest TPR and FPR differences between groups (equalized odds).
        public var equalizedOddsDifference: Double?
        /// The largest difference of accuracy between groups.
        public var accuracyDifference: Double
    }

    /// Scores `model` on `test` (the target column `target` holds the truth).
    static func evaluate(_ model: DynamicPipelineModel, test: DataTable, target: String, scoring: [String], classifier: Bool,
                         costs: (Double, Double)?, fairnessGroup: String?) throws -> WorkflowEvaluation {
        var result = WorkflowEvaluation()
        result.rows = test.rowCount
        let truth = try test.column(named: target)
        if !classifier {
            let y = try test.numericColumn(named: target)
            let predicted = try model.predictions(test).values ?? []
            let present = y.indices.filter { !y[$0].isNaN && !predicted[$0].isNaN }
            let (yt, yp) = (present.map { y[$0] }, present.map { predicted[$0] })
            for name in scoring {
                switch name {
                case "r2": result.scores[name] = try Metrics.r2(yt, yp)
                case "neg_mean_squared_error": result.scores[name] = -(try Metrics.meanSquaredError(yt, yp))
                case "neg_mean_absolute_error": result.scores[name] = -(try Metrics.meanAbsoluteError(yt, yp))
                default: break
                }
            }
            result.scores["rmse"] = try Metrics.rootMeanSquaredError(yt, yp)
            let step = max(1, present.count / 2_000)
            result.residuals = Curve(x: stride(from: 0, to: yt.count, by: step).map { yt[$0] }, y: stride(from: 0, to: yp.count, by: step).map { yp[$0] })
            return result
        }
        let predictions = try model.predictions(test, probabilities: true)
        let classes = (predictions.classes ?? []).map(\.description)
        result.classes = classes
        let position = Dictionary(classes.enumerated().map { ($1, Double($0)) }, uniquingKeysWith: { a, _ in a })
        let trueText: [String?]
        switch truth {
        case .categorical(let values): trueText = values
        case .numeric(let values): trueText = values.map { $0.isNaN ? nil : ClassLabel.number($0).description }
        }
        // Rows whose label the model knows (a class unseen in training cannot be scored by probability).
        let known = trueText.indices.filter { trueText[$0].flatMap { position[$0] } != nil }
        let yTrue = known.map { position[trueText[$0] ?? ""] ?? -1 }
        let predictedCodes = (predictions.labels ?? []).map { position[$0.description] ?? -1 }
        let yPred = known.map { predictedCodes[$0] }
        guard let probabilities = predictions.probabilities else { return result }
        let knownProbabilities = try Matrix(rows: known.count, columns: probabilities.columns,
                                            values: known.flatMap { probabilities.row($0) })
        let codes = (0..<classes.count).map(Double.init)
        for name in scoring {
            switch name {
            case "accuracy": result.scores[name] = try Metrics.accuracy(yTrue, yPred)
            case "balanced_accuracy": result.scores[name] = try Metrics.balancedAccuracy(yTrue, yPred)
            case "f1_macro": result.scores[name] = try Metrics.f1(yTrue, yPred, average: .macro)
            case "roc_auc":
                result.scores[name] = Set(yTrue).count < 2 ? .nan : try Metrics.rocAUC(yTrue, probabilities: knownProbabilities, classes: codes)
            default: break
            }
        }
        let confusion = try Metrics.confusionMatrix(yTrue, yPred, labels: codes)
        result.confusion = confusion.counts.map { $0.map { Int($0) } }
        if classes.count == 2, Set(yTrue).count == 2 {
            let scores = knownProbabilities.column(1)
            let roc = try Metrics.rocCurve(yTrue, scores: scores, positiveLabel: 1)
            result.roc = Curve(x: roc.falsePositiveRate, y: roc.truePositiveRate)
            let calibration = try Metrics.calibrationCurve(yTrue, probabilities: scores.map { min(max($0, 0), 1) }, bins: 10, positiveLabel: 1)
            result.calibration = Curve(x: calibration.meanPredicted, y: calibration.fractionOfPositives)
            if let (fpCost, fnCost) = costs {
                result.costs = costCurve(yTrue, scores: scores, falsePositive: fpCost, falseNegative: fnCost)
            }
        }
        if let group = fairnessGroup {
            result.fairness = try fairness(test, column: group, known: known, yTrue: yTrue, yPred: yPred, binary: classes.count == 2)
        }
        return result
    }

    /// The mean cost per row at thresholds 0, 0.01, ..., 1 and the cheapest (ties: nearest 0.5).
    static func costCurve(_ yTrue: [Double], scores: [Double], falsePositive: Double, falseNegative: Double) -> Costs {
        let thresholds = (0...100).map { Double($0) / 100 }
        let n = Double(max(yTrue.count, 1))
        let costs = thresholds.map { threshold in
            var total = 0.0
            for (truth, score) in zip(yTrue, scores) {
                let positive = score >= threshold
                if positive, truth != 1 { total += falsePositive }
                if !positive, truth == 1 { total += falseNegative }
            }
            return total / n
        }
        let best = costs.indices.min { (costs[$0], abs(thresholds[$0] - 0.5)) < (costs[$1], abs(thresholds[$1] - 0.5)) } ?? 50
        return Costs(falsePositive: falsePositive, falseNegative: falseNegative, thresholds: thresholds, meanCost: costs,
                     threshold: thresholds[best], expectedCost: costs[best], costAtHalf: costs[50])
    }

    static func fairness(_ test: DataTable, column: String, known: [Int], yTrue: [Double], yPred: [Double], binary: Bool) throws -> Fairness {
        let values: [String]
        switch try test.column(named: column) {
        case .categorical(let cells): values = known.map { cells[$0] ?? "(missing)" }
        case .numeric(let cells): values = known.map { cells[$0].isNaN ? "(missing)" : ClassLabel.number(cells[$0]).description }
        }
        var members: [String: [Int]] = [:]
        for (k, value) in values.enumerated() { members[value, default: []].append(k) }
        let groups = members.keys.sorted().map { name -> Fairness.Group in
            let rows = members[name] ?? []
            let correct = rows.filter { yTrue[$0] == yPred[$0] }.count
            var group = Fairness.Group(group: name, rows: rows.count, accuracy: Double(correct) / Double(max(rows.count, 1)))
            if binary {
                let positives = rows.filter { yTrue[$0] == 1 }, negatives = rows.filter { yTrue[$0] != 1 }
                group.positiveRate = Double(rows.filter { yPred[$0] == 1 }.count) / Double(max(rows.count, 1))
                group.truePositiveRate = positives.isEmpty ? nil : Double(positives.filter { yPred[$0] == 1 }.count) / Double(positives.count)
                group.falsePositiveRate = negatives.isEmpty ? nil : Double(negatives.filter { yPred[$0] == 1 }.count) / Double(negatives.count)
            }
            return group
        }
        func spread(_ values: [Double]) -> Double? { values.isEmpty ? nil : (values.max() ?? 0) - (values.min() ?? 0) }
        var result = Fairness(column: column, groups: groups, accuracyDifference: spread(groups.map(\.accuracy)) ?? 0)
        if binary {
            result.demographicParityDifference = spread(groups.compactMap(\.positiveRate))
            let tpr = spread(groups.compactMap(\.truePositiveRate)), fpr = spread(groups.compactMap(\.falsePositiveRate))
            result.equalizedOddsDifference = [tpr, fpr].compactMap { $0 }.max()
        }
        return result
    }
}

/// SHAP values of a workflow's model: mean |SHAP| per feature and, for the top features,
/// value against SHAP value (what the report draws).
public struct WorkflowExplanation: Sendable, Codable, Hashable {
    /// Features by mean absolute SHAP value, largest first.
    public var importance: [Feature]
    /// Dependence of the top features: the feature's value and its SHAP value per row.
    public var dependence: [Dependence]
    /// Rows explained.
    public var rows: Int
    /// The class explained (the positive class, or the first for more than two).
    public var explainedClass: String?

    public struct Feature: Sendable, Codable, Hashable {
        public var name: String
        public var meanAbsoluteSHAP: Double
    }

    public struct Dependence: Sendable, Codable, Hashable {
        public var feature: String
        public var values: [Double]
        public var shap: [Double]
    }

    /// TreeSHAP of the pipeline's last step on (a seeded sample of) `table`.
    static func explain(_ model: DynamicPipelineModel, table: DataTable, sample: Int, top: Int, seed: UInt64) throws -> WorkflowExplanation? {
        guard let final = model.finalModel as? any TreeExplainable else { return nil }
        var rows = Array(0..<table.rowCount)
        if rows.count > sample {
            var generator = SeededGenerator(seed: seed)
            rows.shuffle(using: &generator)
            rows = Array(rows.prefix(sample)).sorted()
        }
        let x = try model.transformThroughPreprocessing(try model.inputMatrix(selectingFrom: try table.rows(at: rows)))
        let shap = try final.shapValues(x, threads: nil)
        let output = shap.values.count == 2 ? 1 : 0
        let values = shap.values[output]
        let names = final.schema.featureNames ?? (0..<x.columns).map { "x\($0)" }
        var importance: [Feature] = []
        for j in 0..<values.columns {
            // Mean |SHAP| over outputs for multiclass, as shap's summary bar does per class.
            let total = shap.values.reduce(0.0) { sum, block in sum + block.column(j).reduce(0) { $0 + abs($1) } }
            importance.append(Feature(name: j < names.count ? names[j] : "x\(j)", meanAbsoluteSHAP: total / Double(max(values.rows, 1) * shap.values.count)))
        }
        let order = importance.indices.sorted { importance[$0].meanAbsoluteSHAP > importance[$1].meanAbsoluteSHAP }
        let dependence = order.prefix(top).map { j in
            Dependence(feature: importance[j].name, values: x.column(j), shap: values.column(j))
        }
        // One output for a binary classifier: the log-odds of the second class.
        let classes = final.classifier?.classLabels.map(\.description)
        let explained = classes.flatMap { labels in shap.values.count == 1 ? (labels.count == 2 ? labels[1] : nil) : (output < labels.count ? labels[output] : nil) }
        return WorkflowExplanation(importance: order.map { importance[$0] }, dependence: dependence, rows: x.rows, explainedClass: explained)
    }
}
