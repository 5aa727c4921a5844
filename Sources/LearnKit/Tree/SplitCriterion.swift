import Foundation
import ToolboxCore

/// The impurity measures of CART (Breiman et al., "Classification and Regression Trees", 1984),
/// as scikit-learn defines them.
public enum SplitCriterion: String, Sendable, Hashable, Codable, CaseIterable {
    /// 1 − Σ pₖ² (classification).
    case gini
    /// −Σ pₖ log₂ pₖ (classification; scikit-learn's "entropy" / "log_loss").
    case entropy
    /// Weighted variance of the target (regression).
    case squaredError = "squared_error"
    /// Weighted mean absolute deviation from the weighted median (regression). Evaluating a
    /// split costs O(n) per position, as in scikit-learn: use it on small data.
    case absoluteError = "absolute_error"

    /// The criteria a classifier takes, by name.
    static let classification = HyperparameterKind.choice(["gini", "entropy"])
    /// The criteria a regressor takes, by name.
    static let regression = HyperparameterKind.choice(["squared_error", "absolute_error"])

    var isClassification: Bool { self == .gini || self == .entropy }

    /// Impurity of weighted class counts with total weight `total`, in scikit-learn's
    /// arithmetic (Gini as 1 − Σc²/w², entropy with ln(p)/ln(2)), so that near-pure nodes round
    /// the same way and the same nodes are split.
    @inline(__always)
    static func classImpurity(_ counts: UnsafePointer<Double>, classes: Int, total: Double, entropy: Bool) -> Double {
        guard total > 0 else { return 0 }
        if entropy {
            var h = 0.0
            for k in 0..<classes where counts[k] > 0 {
                let p = counts[k] / total
                h -= p * (Foundation.log(p) / Foundation.log(2.0))
            }
            return h
        }
        var squares = 0.0
        for k in 0..<classes { squares += counts[k] * counts[k] }
        return 1 - squares / (total * total)
    }
}

/// Weighted values kept sorted, for the absolute-error criterion's weighted median.
struct WeightedSortedValues {
    private(set) var values: [Double] = []
    private(set) var weights: [Double] = []
    private(set) var total = 0.0

    mutating func insert(_ value: Double, weight: Double) {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        values.insert(value, at: lo)
        weights.insert(weight, at: lo)
        total += weight
    }

    mutating func remove(_ value: Double, weight: Double) {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        // Equal values are interchangeable; remove one whose weight matches.
        var k = lo
        while k < values.count && values[k] == value && weights[k] != weight { k += 1 }
        if k == values.count || values[k] != value { k = lo }
        total -= weights[k]
        values.remove(at: k)
        weights.remove(at: k)
    }

    /// The weighted median as scikit-learn's `WeightedMedianCalculator` takes it: the first value
    /// where the cumulative weight reaches half, averaged with the next when it lands exactly on half.
    var median: Double {
        guard !values.isEmpty else { return 0 }
        let half = total / 2
        var cumulative = 0.0
        for k in values.indices {
            cumulative += weights[k]
            if cumulative >= half {
                if cumulative == half && k + 1 < values.count { return (values[k] + values[k + 1]) / 2 }
                return values[k]
            }
        }
        return values[values.count - 1]
    }

    /// Σ w·|v − median| / Σ w.
    var meanAbsoluteDeviation: Double {
        guard total > 0 else { return 0 }
        let m = median
        var sum = 0.0
        for k in values.indices { sum += weights[k] * abs(values[k] - m) }
        return sum / total
    }
}
