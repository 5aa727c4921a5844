import Foundation

extension Metrics {
    /// Per-class precision, recall, F1 and support with accuracy and macro and weighted averages,
    /// as scikit-learn's `classification_report` lays them out.
    public struct ClassificationReport: Sendable, Hashable {
        /// One line of the report.
        public struct Row: Sendable, Hashable {
            /// The class label, or the average's name.
            public var label: String
            /// The precision.
            public var precision: Double
            /// The recall.
            public var recall: Double
            /// The F1 score.
            public var f1: Double
            /// The weighted count of true labels.
            public var support: Double
        }
        /// A row per class, in label order.
        public var classes: [Row]
        /// The share of correct predictions.
        public var accuracy: Double
        /// The unweighted mean over classes.
        public var macroAverage: Row
        /// The mean over classes weighted by support.
        public var weightedAverage: Row

        /// The report as text with `digits` decimals.
        public func text(digits: Int = 2) -> String {
            let names = classes.map(\.label) + ["macro avg", "weighted avg"]
            let width = max(names.map(\.count).max() ?? 0, 12, digits)
            func cell(_ v: Double) -> String { String(format: "%10.\(digits)f", v) }
            func header(_ s: String) -> String { String(repeating: " ", count: max(0, 10 - s.count)) + s }
            func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
            func line(_ r: Row) -> String {
                pad(r.label) + " " + cell(r.precision) + cell(r.recall) + cell(r.f1) + String(format: "%10.0f", r.support)
            }
            var lines = [pad("") + " " + header("precision") + header("recall") + header("f1-score") + header("support"), ""]
            lines += classes.map(line)
            lines.append("")
            lines.append(pad("accuracy") + " " + String(repeating: " ", count: 20) + cell(accuracy) + String(format: "%10.0f", macroAverage.support))
            lines.append(line(macroAverage))
            lines.append(line(weightedAverage))
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// The classification report of predictions.
    public static func classificationReport(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> ClassificationReport {
        let scores = try precisionRecallFScore(yTrue, yPred, sampleWeights: sampleWeights)
        let total = scores.support.reduce(0, +)
        // Labels print as Python prints floats ("0.0"), so reports read as scikit-learn's do.
        func label(_ value: Double) -> String { "\(value)" }
        let rows = scores.labels.indices.map { k in
            ClassificationReport.Row(label: label(scores.labels[k]), precision: scores.precision[k], recall: scores.recall[k],
                                     f1: scores.fScore[k], support: scores.support[k])
        }
        func mean(_ values: [Double], weights: [Double]?) -> Double {
            guard let weights else { return values.reduce(0, +) / Double(values.count) }
            return zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / total
        }
        let macro = ClassificationReport.Row(label: "macro avg", precision: mean(scores.precision, weights: nil),
                                             recall: mean(scores.recall, weights: nil), f1: mean(scores.fScore, weights: nil), support: total)
        let weighted = ClassificationReport.Row(label: "weighted avg", precision: mean(scores.precision, weights: scores.support),
                                                recall: mean(scores.recall, weights: scores.support),
                                                f1: mean(scores.fScore, weights: scores.support), support: total)
        return ClassificationReport(classes: rows, accuracy: try accuracy(yTrue, yPred, sampleWeights: sampleWeights),
                                    macroAverage: macro, weightedAverage: weighted)
    }
}
