import Foundation
import LearnKit
import ToolboxCore

/// Hyperparameter importance by fANOVA (Hutter, Hoos and Leyton-Brown, ICML 2014) as Optuna's
/// `FanovaImportanceEvaluator` computes it: a random forest (64 trees of depth up to 64,
/// scikit-learn's, which LearnKit's forests equal for the same seed) fitted from the parameters
/// to the objective, then each parameter's share of every tree's variance from the tree's
/// marginal over that parameter, averaged over the trees; the shares normalized to sum to 1.
public enum ParameterImportance {
    /// The importance of each parameter every complete trial holds, most important first.
    /// - Parameters:
    ///   - objective: which objective value of a multi-objective study (required there).
    /// - Parameter trials: the study's trials.
    /// - Parameter objectiveCount: the study's number of objectives.
    /// - Parameter seed: the forest's seed.
    /// - Parameter trees: trees in the forest (64, as Optuna).
    /// - Parameter maxDepth: the trees' depth limit (64, as Optuna).
    /// - Throws: `ToolboxError/Code/invalidParameter` with fewer than two complete trials,
    ///   no shared parameter, or a multi-objective study without `objective`.
    public static func fanova(_ trials: [FrozenTrial], objectiveCount: Int = 1, objective: Int? = nil, seed: UInt64 = 0,
                              trees: Int = 64, maxDepth: Int = 64) throws -> [(name: String, importance: Double)] {
        guard objectiveCount == 1 || objective != nil else {
            throw ToolboxError(.invalidParameter, "a study of several objectives needs the objective to explain", context: ErrorContext(parameter: "objective"))
        }
        let which = objective ?? 0
        // Optuna's `intersection_search_space` of the study's trials, by name.
        let space = TPESampler.intersectionAll(trials)
        let varying = space.filter { !$0.distribution.isSingle }
        let single = space.filter { $0.distribution.isSingle }
        guard !varying.isEmpty else {
            guard !single.isEmpty else {
                throw ToolboxError(.invalidParameter, "no parameter is shared by every complete trial", context: ErrorContext(parameter: "params"))
            }
            return single.map { ($0.name, 0.0) }
        }
        let usable = trials.filter { trial in
            trial.state == .complete && varying.allSatisfy { p in trial.parameters.contains { $0.name == p.name } }
                && (trial.values.map { $0.count > which && $0[which].isFinite } ?? false)
        }
        guard usable.count > 1 else {
            throw ToolboxError(.invalidParameter, "importance needs at least two complete trials, the study has \(usable.count)", context: ErrorContext(parameter: "trials"))
        }
        // Optuna's `_SearchSpaceTransform(transform_log=False, transform_step=False)`.
        var bounds: [(Double, Double)] = []
        var columns: [[Int]] = []
        for parameter in varying {
            switch parameter.distribution {
            case .categorical(let d):
                columns.append(Array(bounds.count..<(bounds.count + d.choices.count)))
                bounds += [(Double, Double)](repeating: (0, 1), count: d.choices.count)
            case .float(let d):
                columns.append([bounds.count])
                bounds.append((d.low, d.high))
            case .int(let d):
                columns.append([bounds.count])
                bounds.append((Double(d.low), Double(d.high)))
            }
        }
        var x = Matrix<Double>(rows: usable.count, columns: bounds.count)
        for (r, trial) in usable.enumerated() {
            for (j, parameter) in varying.enumerated() {
                guard let value = trial.parameters.first(where: { $0.name == parameter.name })?.value else { continue }
                if case .categorical(let d) = parameter.distribution {
                    if let index = d.index(of: value) { x[r, columns[j][index]] = 1 }
                } else {
                    x[r, columns[j][0]] = value.number ?? .nan
                }
            }
        }
        let y = usable.map { $0.values![which] }
        var treeParameters = TreeParameters(maxDepth: maxDepth, minSamplesSplit: 2, minSamplesLeaf: 1)
        treeParameters.maxFeatures = .fraction(1.0)   // scikit-learn's default for regressors
        let forest = try RandomForestRegressor(parameters: ForestParameters(treeCount: trees, tree: treeParameters, seed: seed)).fit(x, y)
        let fanovaTrees = forest.trees.map { FanovaTree($0, bounds: bounds) }
        guard fanovaTrees.contains(where: { $0.variance != 0 }) else {
            throw ToolboxError(.invalidParameter, "the objective does not vary over the trials (zero variance in every tree)", context: ErrorContext(parameter: "trials"))
        }
        var importances: [Double] = []
        for feature in varying.indices {
            var fractions: [Double] = []
            for tree in fanovaTrees where tree.variance > 0 {
                fractions.append(Swift.max(tree.marginalVariance(columns[feature]), 0) / tree.variance)
            }
            importances.append(NumPySum.pairwise(count: fractions.count) { fractions[$0] } / Double(fractions.count))
        }
        let total = NumPySum.pairwise(count: importances.count + single.count) { $0 < importances.count ? importances[$0] : 0 }
        var result = varying.indices.map { (name: varying[$0].name, importance: total > 0 ? importances[$0] / total : 0) }
        result += single.map { (name: $0.name, importance: 0.0) }
        // Python's `reversed(sorted(..., key=importance))`: ascending and stable, then reversed.
        let ascending = result.enumerated().sorted { a, b in a.element.importance < b.element.importance || (a.element.importance == b.element.importance && a.offset < b.offset) }
        return ascending.reversed().map(\.element)
    }
}

extension TPESampler {
    /// The parameters every complete trial holds with the same distribution, by name
    /// (Optuna's `intersection_search_space` of all trials).
    static func intersectionAll(_ trials: [FrozenTrial]) -> [(name: String, distribution: Distribution)] {
        var cache = IntersectionCache(includePruned: false)
        var all = cache.calculateKeepingSingle(trials)
        all.sort { $0.name < $1.name }
        return all
    }
}

extension IntersectionCache {
    /// The intersection with single-valued distributions kept.
    mutating func calculateKeepingSingle(_ trials: [FrozenTrial]) -> [(name: String, distribution: Distribution)] {
        _ = calculate(trials)
        var seen = Set<String>()
        return (space ?? []).filter { seen.insert($0.name).inserted }.map { ($0.name, $0.distribution) }
    }
}

/// One tree of the forest with the statistics fANOVA needs (Optuna's `_FanovaTree`).
struct FanovaTree {
    let tree: Tree
    let bounds: [(Double, Double)]
    /// Per node: the mean value and the volume of its region.
    var statistics: [(value: Double, weight: Double)] = []
    var midpoints: [[Double]] = []
    var sizes: [[Double]] = []
    var activeFeatures: [[Bool]] = []
    var variance: Double = 0

    init(_ tree: Tree, bounds: [(Double, Double)]) {
        self.tree = tree
        self.bounds = bounds
        computeStatistics()
        computeSplits()
        computeActiveFeatures()
        let leaves = tree.feature.indices.filter { tree.feature[$0] < 0 }
        let values = leaves.map { statistics[$0].value }, weights = leaves.map { statistics[$0].weight }
        let mean = Self.average(values, weights)
        variance = Self.average(values.map { ($0 - mean) * ($0 - mean) }, weights)
    }

    var nodeCount: Int { tree.feature.count }
    func isLeaf(_ node: Int) -> Bool { tree.feature[node] < 0 }

    /// NumPy's `average(values, weights=weights)`: the pairwise sums of products and weights.
    static func average(_ values: [Double], _ weights: [Double]) -> Double {
        let products = zip(values, weights).map { $0 * $1 }
        return NumPySum.pairwise(count: products.count) { products[$0] } / NumPySum.pairwise(count: weights.count) { weights[$0] }
    }

    static func cardinality(_ space: [(Double, Double)]) -> Double {
        // np.prod: in order.
        var product = 1.0
        for (low, high) in space { product *= high - low }
        return product
    }

    static func subspace(_ space: [(Double, Double)], feature: Int, threshold: Double, upper: Bool) -> [(Double, Double)] {
        var copy = space
        if upper { copy[feature].1 = threshold } else { copy[feature].0 = threshold }
        return copy
    }

    mutating func computeStatistics() {
        statistics = [(Double, Double)](repeating: (0, 0), count: nodeCount)
        var spaces = [[(Double, Double)]?](repeating: nil, count: nodeCount)
        spaces[0] = bounds
        for node in 0..<nodeCount {
            guard let space = spaces[node] else { continue }
            if isLeaf(node) {
                statistics[node] = (tree.values[node * tree.outputs], Self.cardinality(space))
            } else {
                let feature = Int(tree.feature[node]), threshold = tree.threshold[node]
                spaces[Int(tree.left[node])] = Self.subspace(space, feature: feature, threshold: threshold, upper: true)
                spaces[Int(tree.right[node])] = Self.subspace(space, feature: feature, threshold: threshold, upper: false)
            }
        }
        for node in stride(from: nodeCount - 1, through: 0, by: -1) where !isLeaf(node) {
            let children = [Int(tree.left[node]), Int(tree.right[node])]
            let values = children.map { statistics[$0].value }, weights = children.map { statistics[$0].weight }
            statistics[node] = (Self.average(values, weights), weights[0] + weights[1])
        }
    }

    mutating func computeSplits() {
        var splitValues = [Set<Double>](repeating: [], count: bounds.count)
        for node in 0..<nodeCount where !isLeaf(node) { splitValues[Int(tree.feature[node])].insert(tree.threshold[node]) }
        for (feature, values) in splitValues.enumerated() {
            let points = [bounds[feature].0] + values.sorted() + [bounds[feature].1]
            midpoints.append((1..<points.count).map { 0.5 * (points[$0] + points[$0 - 1]) })
            sizes.append((1..<points.count).map { points[$0] - points[$0 - 1] })
        }
    }

    mutating func computeActiveFeatures() {
        activeFeatures = [[Bool]](repeating: [Bool](repeating: false, count: bounds.count), count: nodeCount)
        for node in stride(from: nodeCount - 1, through: 0, by: -1) where !isLeaf(node) {
            activeFeatures[node][Int(tree.feature[node])] = true
            for child in [Int(tree.left[node]), Int(tree.right[node])] {
                for f in bounds.indices where activeFeatures[child][f] { activeFeatures[node][f] = true }
            }
        }
    }

    /// The variance of the tree's marginal over `features` (the encoded columns of one parameter).
    func marginalVariance(_ features: [Int]) -> Double {
        var values: [Double] = [], weights: [Double] = []
        var sample = [Double](repeating: .nan, count: bounds.count)
        // itertools.product over the features' midpoints (the last feature varying fastest).
        var indices = [Int](repeating: 0, count: features.count)
        while true {
            var size = 1.0
            for (k, feature) in features.enumerated() {
                sample[feature] = midpoints[feature][indices[k]]
            }
            let (value, weight) = marginalized(sample)
            // np.prod of the sizes, then weight * it.
            for (k, feature) in features.enumerated() { size *= sizes[feature][indices[k]] }
            values.append(value)
            weights.append(weight * size)
            var k = features.count - 1
            while k >= 0 {
                indices[k] += 1
                if indices[k] < midpoints[features[k]].count { break }
                indices[k] = 0
                k -= 1
            }
            if k < 0 { break }
        }
        let mean = Self.average(values, weights)
        return Self.average(values.map { ($0 - mean) * ($0 - mean) }, weights)
    }

    /// The average leaf value (and total weight) over the leaves `sample` reaches, the
    /// unspecified (NaN) features marginalized over their whole range.
    func marginalized(_ sample: [Double]) -> (Double, Double) {
        var space = bounds
        let active = sample.map { !$0.isNaN }
        for f in space.indices where !active[f] { space[f] = (0, 1) }
        var stack: [(Int, [(Double, Double)])] = [(0, space)]
        var leaves: [Int] = [], leafSpaces: [[(Double, Double)]] = []
        while let (node, region) = stack.popLast() {
            let feature = Int(tree.feature[node])
            if feature >= 0 {
                let response = sample[feature]
                if !response.isNaN {
                    if response <= tree.threshold[node] {
                        stack.append((Int(tree.left[node]), Self.subspace(region, feature: feature, threshold: tree.threshold[node], upper: true)))
                    } else {
                        stack.append((Int(tree.right[node]), Self.subspace(region, feature: feature, threshold: tree.threshold[node], upper: false)))
                    }
                    continue
                }
                if bounds.indices.contains(where: { active[$0] && activeFeatures[node][$0] }) {
                    stack.append((Int(tree.left[node]), region))
                    stack.append((Int(tree.right[node]), region))
                    continue
                }
            }
            leaves.append(node)
            leafSpaces.append(region)
        }
        let values = leaves.map { statistics[$0].value }
        let weights = zip(leaves, leafSpaces).map { statistics[$0.0].weight / Self.cardinality($0.1) }
        return (Self.average(values, weights), NumPySum.pairwise(count: weights.count) { weights[$0] })
    }
}
