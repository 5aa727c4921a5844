import Foundation
import ToolboxCore

/// The weight, impurity and value of a node's samples.
extension TreeBuilder {
    func nodeStats(_ start: Int, _ end: Int) -> NodeStats {
        var weight = 0.0
        if settings.criterion.isClassification {
            var counts = [Double](repeating: 0, count: classCount)
            for k in start..<end {
                let i = Int(samples[k])
                counts[classLabels[i]] += weights[i]
                weight += weights[i]
            }
            let impurity = counts.withUnsafeBufferPointer {
                SplitCriterion.classImpurity($0.baseAddress!, classes: classCount, total: weight, entropy: settings.criterion == .entropy)
            }
            return NodeStats(weight: weight, impurity: impurity, values: counts)
        }
        if settings.criterion == .absoluteError {
            var sorted = WeightedSortedValues()
            for k in start..<end {
                let i = Int(samples[k])
                sorted.insert(targets[i], weight: weights[i])
            }
            return NodeStats(weight: sorted.total, impurity: sorted.meanAbsoluteDeviation, values: [sorted.median])
        }
        var sum = 0.0, squares = 0.0
        for k in start..<end {
            let i = Int(samples[k])
            weight += weights[i]
            sum += weights[i] * targets[i]
            squares += weights[i] * targets[i] * targets[i]
        }
        let mean = sum / weight
        return NodeStats(weight: weight, impurity: max(0, squares / weight - mean * mean), values: [mean])
    }
}
