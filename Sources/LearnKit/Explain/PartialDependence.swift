import Foundation
public import ToolboxCore

/// Partial dependence, as scikit-learn's `sklearn.inspection.partial_dependence` with
/// `kind="average"`: a model's average response as one or two features sweep a grid while the
/// other features keep their values.
///
/// - `brute` sets the features to each grid point in every row of `x` and averages the
///   predictions (regressors), the positive class's probability (binary classifiers) or every
///   class's probability (multiclass).
/// - `recursion` walks each tree once per grid point: at a split on a grid feature the point
///   picks the branch, at any other split both branches count, weighted by their share of the
///   training samples. It reads no rows, and, as scikit-learn's, it leaves out the starting
///   score of boosting (its values are offset from `brute`'s by it, and for classifiers it is
///   on the raw (log-odds) scale).
/// - `auto` is `recursion` for gradient boosting, decision-tree regressors and random-forest
///   regressors, `brute` for every other model (scikit-learn's rule).
public enum PartialDependence {
    /// How the average response is computed: `brute` (predicting on the data with the feature set), `recursion` (tree weights), or `auto` (scikit-learn's rule).
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable { case auto, brute, recursion }

    /// A partial-dependence result: the grid and the average response at each point.
    public struct Result: Sendable, Hashable {
        /// Each feature's grid values.
        public var grid: [[Double]]
        /// Per output, the average response at every grid point, the first feature's values
        /// varying slowest (`grid[0].count · grid[1].count` values for two features).
        public var average: [[Double]]
        /// The method that ran (`auto` resolved).
        public var method: Method
    }

    /// scikit-learn's grid: a feature's distinct values when there are fewer than
    /// `resolution` of them (or it is categorical), else `resolution` evenly spaced values
    /// between its `percentiles` (scipy's `mquantiles`, whose plotting positions are
    /// `alphap = betap = 0.4`). NaN is left out.
    public static func grid(_ x: Matrix<Double>, feature: Int, resolution: Int = 100, percentiles: (Double, Double) = (0.05, 0.95),
                            categorical: Bool = false) throws -> [Double] {
        guard feature >= 0, feature < x.columns else {
            throw ToolboxError(.invalidParameter, "feature \(feature) is outside 0..<\(x.columns)", context: ErrorContext(parameter: "features"))
        }
        guard resolution >= 2 else {
            throw ToolboxError(.invalidParameter, "grid_resolution must be at least 2, got \(resolution)", context: ErrorContext(parameter: "grid_resolution"))
        }
        guard percentiles.0 >= 0, percentiles.1 <= 1, percentiles.0 < percentiles.1 else {
            throw ToolboxError(.invalidParameter, "percentiles must satisfy 0 <= low < high <= 1, got (\(percentiles.0), \(percentiles.1))",
                               context: ErrorContext(parameter: "percentiles"))
        }
        let sorted = x.column(feature).filter { !$0.isNaN }.sorted()
        guard !sorted.isEmpty else {
            throw ToolboxError(.invalidParameter, "feature \(feature) has no values that are not NaN", context: ErrorContext(parameter: "features"))
        }
        var unique: [Double] = []
        for v in sorted where unique.last != v { unique.append(v) }
        if categorical || unique.count < resolution { return unique }
        func quantile(_ p: Double) -> Double {
            let n = sorted.count
            guard n > 1 else { return sorted[0] }
            let aleph = Double(n) * p + (0.4 + p * 0.2)
            let k = Int(min(max(aleph, 1), Double(n - 1)).rounded(.down))
            let gamma = min(max(aleph - Double(k), 0), 1)
            return (1 - gamma) * sorted[k - 1] + gamma * sorted[k]
        }
        let low = quantile(percentiles.0), high = quantile(percentiles.1)
        guard abs(high - low) > 1e-8 + 1e-5 * abs(low) else {
            throw ToolboxError(.invalidParameter, "the percentiles of feature \(feature) are too close to build a grid", context: ErrorContext(parameter: "percentiles"))
        }
        let step = (high - low) / Double(resolution - 1)
        var axis = (0..<resolution).map { low + Double($0) * step }
        axis[resolution - 1] = high
        return axis
    }

    /// The partial dependence of `model` on one or two `features` over the rows of `x`.
    /// - Parameter categorical: features whose grid is their distinct values.
    /// - Parameter model: a fitted predictor or classifier.
    /// - Parameter x: the rows averaged over.
    /// - Parameter features: one or two feature indices.
    /// - Parameter method: `recursion` (trees only), `brute` or `auto`.
    /// - Parameter gridResolution: grid points per numeric feature.
    /// - Parameter percentiles: the grid's range, as lower and upper quantiles of the feature.
    /// - Parameter threads: threads used (all cores by default).
    /// - Throws: `ToolboxError/Code/invalidParameter` for no features or more than two, a
    ///   feature out of range, `recursion` for a model without trees, or an empty `x`.
    public static func compute(_ model: any FittedModel, x: Matrix<Double>, features: [Int], method: Method = .auto,
                               gridResolution: Int = 100, percentiles: (Double, Double) = (0.05, 0.95), categorical: Set<Int> = [],
                               threads: Int? = nil) throws -> Result {
        guard (1...2).contains(features.count), Set(features).count == features.count else {
            throw ToolboxError(.invalidParameter, "partial dependence takes one or two distinct features, got \(features)", context: ErrorContext(parameter: "features"))
        }
        guard x.rows > 0 else { throw ToolboxError(.invalidData, "partial dependence needs rows", context: ErrorContext(parameter: "x")) }
        guard x.columns == model.inputFeatureCount else {
            throw ToolboxError(.shapeMismatch, "the model takes \(model.inputFeatureCount) features, got \(x.columns)", context: ErrorContext(parameter: "x"))
        }
        let grids = try features.map { try grid(x, feature: $0, resolution: gridResolution, percentiles: percentiles, categorical: categorical.contains($0)) }
        var points: [[Double]] = grids[0].map { [$0] }
        if grids.count == 2 { points = grids[0].flatMap { a in grids[1].map { [a, $0] } } }
        let resolved: Method
        switch method {
        case .auto:
            let recursive = model is HistGradientBoostingRegressorModel || model is HistGradientBoostingClassifierModel
                || model is DecisionTreeRegressorModel || model is ForestRegressorModel
            resolved = recursive ? .recursion : .brute
        default: resolved = method
        }
        let average: [[Double]]
        if resolved == .recursion {
            guard let source = model as? any TreeExplainerSource else {
                throw ToolboxError(.invalidParameter, "the recursion method needs a tree model; \(type(of: model).modelTypeName) is not one",
                                   context: ErrorContext(parameter: "method"))
            }
            average = try source.treeExplainer.partialDependence(points: points, features: features)
        } else {
            average = try brute(model, x: x, points: points, features: features, threads: threads)
        }
        return Result(grid: grids, average: average, method: resolved)
    }

    static func brute(_ model: any FittedModel, x: Matrix<Double>, points: [[Double]], features: [Int], threads: Int?) throws -> [[Double]] {
        let classifier = model.classifier
        guard classifier != nil || model.predictor != nil else {
            throw ToolboxError(.unsupported, "\(type(of: model).modelTypeName) does not predict", context: ErrorContext(parameter: "model"))
        }
        let outputs = classifier.map { $0.classes.count == 2 ? 1 : $0.classes.count } ?? 1
        // Rows x points can be large: one grid point at a time, each over all rows.
        var average = [[Double]](repeating: [Double](repeating: 0, count: points.count), count: outputs)
        var modified = x
        for (index, point) in points.enumerated() {
            for (feature, value) in zip(features, point) {
                for i in 0..<x.rows { modified[i, feature] = value }
            }
            if let classifier {
                let probabilities = try classifier.predictProbabilities(modified)
                let k = probabilities.columns
                for output in 0..<outputs {
                    let column = k == 2 ? 1 : output
                    var sum = 0.0
                    for i in 0..<x.rows { sum += probabilities[i, column] }
                    average[output][index] = sum / Double(x.rows)
                }
            } else if let predictor = model.predictor {
                let predictions = try predictor.predict(modified)
                average[0][index] = predictions.reduce(0, +) / Double(x.rows)
            }
        }
        return average
    }
}

extension TreeSHAP.Explainer {
    /// Recursion partial dependence: per output, the trees' summed (or, for forests, averaged
    /// through their values) cover-weighted responses at each grid point, without the baseline.
    func partialDependence(points: [[Double]], features: [Int]) -> [[Double]] {
        var average = [[Double]](repeating: [Double](repeating: 0, count: points.count), count: outputs)
        var row = [Double](repeating: .nan, count: featureCount)
        var targets = [Bool](repeating: false, count: featureCount)
        for f in features { targets[f] = true }
        var stack: [(Int, Double)] = []
        for (index, point) in points.enumerated() {
            for (feature, value) in zip(features, point) { row[feature] = roundsToFloat ? Double(Float(value)) : value }
            row.withUnsafeBufferPointer { values in
                let pointer = values.baseAddress!
                for tree in trees {
                    var total = 0.0
                    stack.removeAll(keepingCapacity: true)
                    stack.append((0, 1))
                    while let (node, weight) = stack.popLast() {
                        let split = Int(tree.feature[node])
                        if split < 0 {
                            total += weight * tree.value[node]
                        } else if targets[split] {
                            let goesLeft: Bool
                            if let decide = tree.decide { goesLeft = decide(node, pointer) } else {
                                let v = pointer[split]
                                goesLeft = v.isNaN ? tree.missingGoesLeft[node] : v <= tree.threshold[node]
                            }
                            stack.append((Int(goesLeft ? tree.left[node] : tree.right[node]), weight))
                        } else {
                            let left = Int(tree.left[node]), right = Int(tree.right[node])
                            let cover = tree.cover[node]
                            let share = cover > 0 ? tree.cover[left] / cover : 0.5
                            stack.append((left, weight * share))
                            stack.append((right, weight * (1 - share)))
                        }
                    }
                    average[tree.output][index] += total
                }
            }
        }
        return average
    }
}
