import ToolboxCore

extension Metrics {
    /// Mean squared error.
    public static func meanSquaredError(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> Double {
        try weightedMean(yTrue, yPred, sampleWeights) { ($0 - $1) * ($0 - $1) }
    }

    /// Root mean squared error.
    public static func rootMeanSquaredError(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> Double {
        try meanSquaredError(yTrue, yPred, sampleWeights: sampleWeights).squareRoot()
    }

    /// Mean absolute error.
    public static func meanAbsoluteError(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> Double {
        try weightedMean(yTrue, yPred, sampleWeights) { abs($0 - $1) }
    }

    /// Mean absolute percentage error, `|y − ŷ| / max(|y|, ε)`, as a fraction (not percent).
    public static func meanAbsolutePercentageError(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> Double {
        try weightedMean(yTrue, yPred, sampleWeights) { abs($0 - $1) / max(abs($0), Double.ulpOfOne) }
    }

    /// Median absolute error (no sample weights, as in scikit-learn's default).
    public static func medianAbsoluteError(_ yTrue: [Double], _ yPred: [Double]) throws -> Double {
        try checkPair(yTrue, yPred)
        return Quantile.linear(zip(yTrue, yPred).map { abs($0 - $1) }.sorted(), 0.5)
    }

    /// The coefficient of determination R² = 1 − SS_res / SS_tot; 1 for a perfect fit of a
    /// constant target, 0 for an imperfect one (scikit-learn's `force_finite`).
    public static func r2(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> Double {
        try checkPair(yTrue, yPred)
        let w = try checkWeights(sampleWeights, count: yTrue.count)
        let totalWeight = w.reduce(0, +)
        let mean = zip(yTrue, w).reduce(0) { $0 + $1.0 * $1.1 } / totalWeight
        var residual = 0.0, total = 0.0
        for i in yTrue.indices {
            residual += w[i] * (yTrue[i] - yPred[i]) * (yTrue[i] - yPred[i])
            total += w[i] * (yTrue[i] - mean) * (yTrue[i] - mean)
        }
        if total == 0 { return residual == 0 ? 1 : 0 }
        return 1 - residual / total
    }

    /// Explained variance 1 − Var(y − ŷ) / Var(y), with the same constant-target convention as ``r2(_:_:sampleWeights:)``.
    public static func explainedVariance(_ yTrue: [Double], _ yPred: [Double], sampleWeights: [Double]? = nil) throws -> Double {
        try checkPair(yTrue, yPred)
        let w = try checkWeights(sampleWeights, count: yTrue.count)
        let totalWeight = w.reduce(0, +)
        func variance(_ values: [Double]) -> Double {
            let mean = zip(values, w).reduce(0) { $0 + $1.0 * $1.1 } / totalWeight
            return zip(values, w).reduce(0) { $0 + $1.1 * ($1.0 - mean) * ($1.0 - mean) } / totalWeight
        }
        let numerator = variance(zip(yTrue, yPred).map { $0 - $1 })
        let denominator = variance(yTrue)
        if denominator == 0 { return numerator == 0 ? 1 : 0 }
        return 1 - numerator / denominator
    }

    private static func weightedMean(_ yTrue: [Double], _ yPred: [Double], _ weights: [Double]?, _ loss: (Double, Double) -> Double) throws -> Double {
        try checkPair(yTrue, yPred)
        let w = try checkWeights(weights, count: yTrue.count)
        var total = 0.0, weight = 0.0
        for i in yTrue.indices {
            total += w[i] * loss(yTrue[i], yPred[i])
            weight += w[i]
        }
        return total / weight
    }
}
