import Foundation
public import ToolboxCore

/// Exact path-dependent TreeSHAP (Lundberg, Erion and Lee, "Consistent Individualized Feature
/// Attribution for Tree Ensembles", Algorithm 2), as shap's `TreeExplainer` computes it with
/// `feature_perturbation="tree_path_dependent"`: each feature's Shapley value of the tree's
/// output, with absent features integrated over the training samples' paths (each node's
/// share of samples), in O(leaves · depth²) per row and tree. The values of a row plus the
/// expected value add up to the model's raw output.
public enum TreeSHAP {
    /// The most SHAP interaction values one call returns (rows · features² · outputs):
    /// 2²⁸, 2 GiB of doubles.
    public static let maximumInteractionValues = 1 << 28

    /// How many SHAP interaction values `rows` rows take (rows · features² · outputs), checked
    /// before any is allocated.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` above ``maximumInteractionValues``.
    static func interactionValueCount(rows: Int, features: Int, outputs: Int) throws -> Int {
        let (square, o1) = features.multipliedReportingOverflow(by: features)
        let (perRow, o2) = square.multipliedReportingOverflow(by: outputs)
        let (total, o3) = perRow.multipliedReportingOverflow(by: rows)
        guard !(o1 || o2 || o3), total <= maximumInteractionValues else {
            throw ToolboxError(.invalidParameter,
                               "SHAP interaction values of \(rows) rows × \(features)² features × \(outputs) outputs exceed \(maximumInteractionValues) values; explain fewer rows at a time",
                               context: ErrorContext(parameter: "x"))
        }
        return total
    }

    /// One tree in the form the algorithm reads.
    struct ExplainedTree: Sendable {
        var left: [Int32], right: [Int32], feature: [Int32], threshold: [Double], missingGoesLeft: [Bool]
        /// Leaf outputs (internal nodes ignored).
        var value: [Double]
        /// Training samples (or weight) reaching each node.
        var cover: [Double]
        /// How a row goes at a node, when not `x <= threshold` with NaN by `missingGoesLeft`
        /// (imported LightGBM and XGBoost trees).
        var decide: (@Sendable (Int, UnsafePointer<Double>) -> Bool)? = nil
        /// The model output (class) the tree adds to.
        var output = 0
        /// The features the tree splits on, each once.
        var usedFeatures: [Int] { Array(Set(feature.lazy.filter { $0 >= 0 }.map(Int.init))).sorted() }

        /// The cover-weighted mean of the leaf values: the tree's expected output.
        var expectedValue: Double {
            var sum = 0.0
            for node in value.indices where feature[node] < 0 { sum += value[node] * cover[node] }
            return cover[0] > 0 ? sum / cover[0] : 0
        }
    }

    private struct PathElement {
        var feature: Int
        var zeroFraction: Double
        var oneFraction: Double
        var weight: Double
    }

    /// Adds the SHAP values of `row` for `tree` into `phi` (`phi[offset + feature]`). With a
    /// `condition` of +1 or −1, the values are those with `conditionFeature` held present or
    /// absent (shap's conditioning, for interaction values); 0 is unconditioned.
    static func accumulate(_ tree: ExplainedTree, row: UnsafePointer<Double>, into phi: inout [Double], offset: Int = 0,
                           condition: Int = 0, conditionFeature: Int = -1) {
        var path: [PathElement] = []
        path.reserveCapacity(64)
        let state = Recursion(condition: condition, conditionFeature: conditionFeature, offset: offset)
        recurse(tree, row, &phi, state, node: 0, path: path, zero: 1, one: 1, feature: -1, conditionFraction: 1)
    }

    private struct Recursion { var condition: Int, conditionFeature: Int, offset: Int }

    private static func extend(_ path: inout [PathElement], zero: Double, one: Double, feature: Int) {
        let l = path.count
        path.append(PathElement(feature: feature, zeroFraction: zero, oneFraction: one, weight: l == 0 ? 1 : 0))
        var i = l - 1
        while i >= 0 {
            path[i + 1].weight += one * path[i].weight * Double(i + 1) / Double(l + 1)
            path[i].weight = zero * path[i].weight * Double(l - i) / Double(l + 1)
            i -= 1
        }
    }

    private static func unwind(_ path: inout [PathElement], _ index: Int) {
        let l = path.count - 1
        let one = path[index].oneFraction, zero = path[index].zeroFraction
        var n = path[l].weight
        var j = l - 1
        while j >= 0 {
            if one != 0 {
                let t = path[j].weight
                path[j].weight = n * Double(l + 1) / (Double(j + 1) * one)
                n = t - path[j].weight * zero * Double(l - j) / Double(l + 1)
            } else {
                path[j].weight = path[j].weight * Double(l + 1) / (zero * Double(l - j))
            }
            j -= 1
        }
        for k in index..<l {
            path[k].feature = path[k + 1].feature
            path[k].zeroFraction = path[k + 1].zeroFraction
            path[k].oneFraction = path[k + 1].oneFraction
        }
        path.removeLast()
    }

    /// The total weight the path would have without element `index`.
    private static func unwoundSum(_ path: [PathElement], _ index: Int) -> Double {
        let l = path.count - 1
        let one = path[index].oneFraction, zero = path[index].zeroFraction
        var total = 0.0
        if one != 0 {
            var n = path[l].weight
            var j = l - 1
            while j >= 0 {
                let w = n * Double(l + 1) / (Double(j + 1) * one)
                total += w
                n = path[j].weight - w * zero * Double(l - j) / Double(l + 1)
                j -= 1
            }
        } else {
            var j = l - 1
            while j >= 0 {
                total += path[j].weight * Double(l + 1) / (zero * Double(l - j))
                j -= 1
            }
        }
        return total
    }

    /// One pending visit of the depth-first walk: a node and the path as its parent leaves it.
    private struct Visit {
        var node: Int, path: [PathElement], zero: Double, one: Double, feature: Int, conditionFraction: Double
    }

    /// Lundberg's recursive TreeSHAP, walked with an explicit stack in the recursion's order (the
    /// hot child's subtree before the cold one's, so sums add up in the same order): a chain of
    /// 20,000 nodes must not overflow the thread's stack. The path holds each feature once, so a
    /// deep tree over few features stays cheap.
    private static func recurse(_ tree: ExplainedTree, _ row: UnsafePointer<Double>, _ phi: inout [Double], _ state: Recursion,
                                node: Int, path: [PathElement], zero: Double, one: Double, feature: Int, conditionFraction: Double) {
        var stack = [Visit(node: node, path: path, zero: zero, one: one, feature: feature, conditionFraction: conditionFraction)]
        while let visit = stack.popLast() {
            guard visit.conditionFraction != 0 else { continue }
            var path = visit.path
            if state.condition == 0 || visit.feature != state.conditionFeature {
                extend(&path, zero: visit.zero, one: visit.one, feature: visit.feature)
            }
            let node = visit.node
            let split = Int(tree.feature[node])
            if split < 0 {
                for i in path.indices.dropFirst() {
                    let w = unwoundSum(path, i)
                    phi[state.offset + path[i].feature] += w * (path[i].oneFraction - path[i].zeroFraction) * tree.value[node] * visit.conditionFraction
                }
                continue
            }
            let goesLeft: Bool
            if let decide = tree.decide { goesLeft = decide(node, row) } else {
                let x = row[split]
                goesLeft = x.isNaN ? tree.missingGoesLeft[node] : x <= tree.threshold[node]
            }
            let hot = Int(goesLeft ? tree.left[node] : tree.right[node]), cold = Int(goesLeft ? tree.right[node] : tree.left[node])
            var incomingZero = 1.0, incomingOne = 1.0
            if let k = path.indices.dropFirst().first(where: { path[$0].feature == split }) {
                incomingZero = path[k].zeroFraction
                incomingOne = path[k].oneFraction
                unwind(&path, k)
            }
            let cover = tree.cover[node]
            guard cover > 0 else { continue }
            let hotZero = tree.cover[hot] / cover, coldZero = tree.cover[cold] / cover
            var hotFraction = visit.conditionFraction, coldFraction = visit.conditionFraction
            if split == state.conditionFeature {
                if state.condition > 0 { coldFraction = 0 } else if state.condition < 0 {
                    hotFraction *= hotZero
                    coldFraction *= coldZero
                }
            }
            // Last in, first out: the hot subtree is walked first, as the recursion walks it.
            stack.append(Visit(node: cold, path: path, zero: incomingZero * coldZero, one: 0, feature: split, conditionFraction: coldFraction))
            stack.append(Visit(node: hot, path: path, zero: incomingZero * hotZero, one: incomingOne, feature: split, conditionFraction: hotFraction))
        }
    }

    /// A model's trees as TreeSHAP reads them, with the baseline its raw output starts from.
    struct Explainer: Sendable {
        var trees: [ExplainedTree]
        var featureCount: Int
        var outputs: Int
        /// Added to each output's expected value (boosting's starting score).
        var baseline: [Double]
        /// Whether the trees compare features as `Float` (scikit-learn's CART trees), so rows are rounded first.
        var roundsToFloat = false

        var expectedValue: [Double] {
            var expected = baseline
            for tree in trees { expected[tree.output] += tree.expectedValue }
            return expected
        }

        private func check(_ x: Matrix<Double>) throws {
            guard x.columns == featureCount else {
                throw ToolboxError(.shapeMismatch, "the model takes \(featureCount) features, got \(x.columns)", context: ErrorContext(parameter: "x"))
            }
        }

        /// Runs `body` on each row of `x` (rounded as the trees compare), parallel over rows,
        /// collecting `width` values per row.
        private func perRow(_ x: Matrix<Double>, width: Int, grain: Int, threads: Int?,
                            _ body: @Sendable @escaping (UnsafePointer<Double>, inout [Double]) -> Void) throws -> [Double] {
            let p = featureCount, rounds = roundsToFloat
            let blocks = try Parallel.map(count: x.rows, grain: grain, threads: threads) { range -> [Double] in
                var out = [Double](repeating: 0, count: range.count * width)
                var scratch = [Double](repeating: 0, count: width)
                var rounded = [Double](repeating: 0, count: p)
                x.values.withUnsafeBufferPointer { values in
                    for (offset, i) in range.enumerated() {
                        for f in 0..<width { scratch[f] = 0 }
                        let row = values.baseAddress! + i * p
                        if rounds {
                            for f in 0..<p { rounded[f] = Double(Float(row[f])) }
                            rounded.withUnsafeBufferPointer { body($0.baseAddress!, &scratch) }
                        } else {
                            body(row, &scratch)
                        }
                        for f in 0..<width { out[offset * width + f] = scratch[f] }
                    }
                }
                return out
            }
            return blocks.flatMap { $0 }
        }

        /// Columns `offset..<offset + width` of each `stride`-wide row of `flat`.
        private static func block(_ flat: [Double], rows: Int, stride: Int, offset: Int, width: Int) throws -> Matrix<Double> {
            var values: [Double] = []
            values.reserveCapacity(rows * width)
            for i in 0..<rows { values.append(contentsOf: flat[(i * stride + offset)..<(i * stride + offset + width)]) }
            return try Matrix(rows: rows, columns: width, values: values)
        }

        func shapValues(_ x: Matrix<Double>, threads: Int?) throws -> SHAPValues {
            try check(x)
            let p = featureCount, k = outputs, trees = self.trees
            let flat = try perRow(x, width: p * k, grain: 64, threads: threads) { row, phi in
                for tree in trees { TreeSHAP.accumulate(tree, row: row, into: &phi, offset: tree.output * p) }
            }
            let matrices = try (0..<k).map { try Self.block(flat, rows: x.rows, stride: k * p, offset: $0 * p, width: p) }
            return SHAPValues(values: matrices, expectedValue: expectedValue)
        }

        /// shap's interaction values: for each feature `i` used by a tree, the SHAP values with `i`
        /// held present and absent; half their difference is the interaction with each other
        /// feature, and the main effect is the SHAP value less the interactions.
        func interactionValues(_ x: Matrix<Double>, threads: Int?) throws -> SHAPInteractionValues {
            try check(x)
            let p = featureCount, k = outputs, trees = self.trees
            _ = try TreeSHAP.interactionValueCount(rows: x.rows, features: p, outputs: k)
            let used = trees.map(\.usedFeatures)
            let flat = try perRow(x, width: p * p * k, grain: 8, threads: threads) { row, out in
                var phi = [Double](repeating: 0, count: p), on = phi, off = phi
                for (t, tree) in trees.enumerated() {
                    let base = tree.output * p * p
                    for f in 0..<p { phi[f] = 0 }
                    TreeSHAP.accumulate(tree, row: row, into: &phi)
                    for f in used[t] { out[base + f * p + f] += phi[f] }
                    for i in used[t] {
                        for f in 0..<p { on[f] = 0; off[f] = 0 }
                        TreeSHAP.accumulate(tree, row: row, into: &on, condition: 1, conditionFeature: i)
                        TreeSHAP.accumulate(tree, row: row, into: &off, condition: -1, conditionFeature: i)
                        for j in used[t] where j != i {
                            let half = (on[j] - off[j]) / 2
                            out[base + i * p + j] += half
                            out[base + i * p + i] -= half
                        }
                    }
                }
            }
            let matrices = try (0..<k).map { try Self.block(flat, rows: x.rows, stride: k * p * p, offset: $0 * p * p, width: p * p) }
            return SHAPInteractionValues(values: matrices, featureCount: p, expectedValue: expectedValue)
        }
    }
}

/// SHAP values of a model's raw output, per row and feature, and the expected value.
public struct SHAPValues: Sendable, Hashable {
    /// `rows x features` for each output (one output for regression and binary classification,
    /// one per class for multiclass), row-major.
    public var values: [Matrix<Double>]
    /// The expected raw output per output: values of a row plus it give the raw prediction.
    public var expectedValue: [Double]
    /// For a classifier, the class each output explains, as trained (`"churned"`): every class
    /// when there is an output per class, the second (positive) class when a binary model has
    /// one output; `nil` for regressors.
    public var explainedClasses: [ClassLabel]?

    /// SHAP values per output, their expected values and, for a classifier, the classes they explain.
    public init(values: [Matrix<Double>], expectedValue: [Double], explainedClasses: [ClassLabel]? = nil) {
        self.values = values
        self.expectedValue = expectedValue
        self.explainedClasses = explainedClasses
    }
}

extension FittedModel {
    /// The classes `outputs` SHAP outputs of this model explain (see ``SHAPValues/explainedClasses``).
    func explainedClasses(outputs: Int) -> [ClassLabel]? {
        guard let classifier else { return nil }
        let labels = classifier.classLabels
        if outputs == labels.count { return labels }
        if outputs == 1, labels.count == 2 { return [labels[1]] }
        return nil
    }

    /// `values` with the classes they explain.
    func labelled(_ values: SHAPValues) -> SHAPValues {
        var labelled = values
        labelled.explainedClasses = explainedClasses(outputs: values.values.count)
        return labelled
    }
}

/// SHAP interaction values of a model's raw output: per row, a `features x features` matrix
/// whose off-diagonal entries are pairwise interactions (symmetric, each half of the pair's
/// effect) and whose diagonal holds main effects; a row's entries sum to its SHAP values'
/// sum, and with the expected value to the raw prediction.
public struct SHAPInteractionValues: Sendable, Hashable {
    /// `rows x (features · features)` for each output, row `r` holding `(i, j)` at `i · features + j`.
    public var values: [Matrix<Double>]
    /// The number of features (each row's matrix is `featureCount x featureCount`).
    public var featureCount: Int
    /// The expected raw output per output.
    public var expectedValue: [Double]

    /// The interaction of features `i` and `j` (the main effect of `i` when `i == j`) in `row`.
    public func value(output: Int = 0, row: Int, _ i: Int, _ j: Int) -> Double {
        values[output][row, i * featureCount + j]
    }
}

/// A fitted tree model that TreeSHAP explains exactly: decision trees, forests, gradient
/// boosting and models imported from LightGBM and XGBoost.
public protocol TreeExplainable: FittedModel {
    /// SHAP values of the raw output (log-odds for boosted classifiers, probabilities for
    /// trees and forests, as shap's `TreeExplainer` with its default `model_output="raw"`).
    /// - Complexity: O(rows · T · L · D²) time for T trees of L leaves and depth D (Lundberg et al.,
    /// "Consistent individualized feature attribution for tree ensembles", 2018), the path holding each
    /// feature once so D is at most the features used; O(D²) memory per thread.
    func shapValues(_ x: Matrix<Double>, threads: Int?) throws -> SHAPValues
    /// SHAP interaction values of the raw output, as shap's `shap_interaction_values`.
    func shapInteractionValues(_ x: Matrix<Double>, threads: Int?) throws -> SHAPInteractionValues
}

extension BoostedEnsemble {
    /// The trees with node sample counts as path weights (as shap reads scikit-learn's boosting).
    var explainer: TreeSHAP.Explainer {
        var explained: [TreeSHAP.ExplainedTree] = []
        for iteration in trees {
            for (output, tree) in iteration.enumerated() {
                var decide: (@Sendable (Int, UnsafePointer<Double>) -> Bool)?
                if tree.categorySet.contains(where: { $0 >= 0 }) {
                    let ensemble = self
                    decide = { node, row in
                        let f = Int(tree.feature[node])
                        if tree.categorySet[node] >= 0 { return tree.categoryGoesLeft(node, code: ensemble.code(row[f], feature: f)) }
                        let v = row[f]
                        return v.isNaN ? tree.missingGoesLeft[node] : v <= tree.threshold[node]
                    }
                }
                explained.append(TreeSHAP.ExplainedTree(left: tree.left, right: tree.right, feature: tree.feature, threshold: tree.threshold,
                                                        missingGoesLeft: tree.missingGoesLeft, value: tree.value,
                                                        cover: tree.count.map(Double.init), decide: decide, output: output))
            }
        }
        return TreeSHAP.Explainer(trees: explained, featureCount: featureCount, outputs: outputs, baseline: baseline)
    }

    /// Exact path-dependent TreeSHAP values of the raw output (log-odds for classifiers),
    /// parallel over rows.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues {
        try explainer.shapValues(x, threads: threads)
    }

    /// SHAP interaction values of the raw output, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try explainer.interactionValues(x, threads: threads)
    }
}

/// A model whose trees TreeSHAP and partial dependence's recursion read.
protocol TreeExplainerSource {
    var treeExplainer: TreeSHAP.Explainer { get throws }
}

extension HistGradientBoostingRegressorModel: TreeExplainable, TreeExplainerSource {
    var treeExplainer: TreeSHAP.Explainer { ensemble.explainer }
    /// Exact TreeSHAP values of the raw output for the rows of `x`, parallel over rows.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues { labelled(try treeExplainer.shapValues(x, threads: threads)) }
    /// SHAP interaction values of the raw output for the rows of `x`, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try treeExplainer.interactionValues(x, threads: threads)
    }
}

extension HistGradientBoostingClassifierModel: TreeExplainable, TreeExplainerSource {
    var treeExplainer: TreeSHAP.Explainer { ensemble.explainer }
    /// Exact TreeSHAP values of the raw output for the rows of `x`, parallel over rows.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues { labelled(try treeExplainer.shapValues(x, threads: threads)) }
    /// SHAP interaction values of the raw output for the rows of `x`, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try treeExplainer.interactionValues(x, threads: threads)
    }
}

extension Tree {
    /// This tree for TreeSHAP, each output's node values divided by the node total (class
    /// fractions, for classifiers) when `normalize`, and multiplied by `scale`.
    func explained(normalize: Bool, scale: Double) -> [TreeSHAP.ExplainedTree] {
        (0..<outputs).map { output in
            let value = (0..<nodeCount).map { node -> Double in
                let v = values[node * outputs + output]
                guard normalize else { return v * scale }
                let total = values[(node * outputs)..<((node + 1) * outputs)].reduce(0, +)
                return (total > 0 ? v / total : 1 / Double(outputs)) * scale
            }
            let splitFeature = (0..<nodeCount).map { left[$0] == Tree.leaf ? -1 : feature[$0] }
            return TreeSHAP.ExplainedTree(left: left, right: right, feature: splitFeature, threshold: threshold, missingGoesLeft: missingGoesLeft,
                                          value: value, cover: weightedSampleCount, output: output)
        }
    }

    static func explainer(_ trees: [Tree], featureCount: Int, classifier: Bool) -> TreeSHAP.Explainer {
        let scale = 1 / Double(max(1, trees.count))
        let explained = trees.flatMap { $0.explained(normalize: classifier, scale: scale) }
        return TreeSHAP.Explainer(trees: explained, featureCount: featureCount, outputs: trees.first?.outputs ?? 1,
                                  baseline: [Double](repeating: 0, count: trees.first?.outputs ?? 1), roundsToFloat: true)
    }
}

extension DecisionTreeClassifierModel: TreeExplainable, TreeExplainerSource {
    /// Class fractions per node, one output per class.
    var treeExplainer: TreeSHAP.Explainer { Tree.explainer([tree], featureCount: inputFeatureCount, classifier: true) }
    /// Class-probability SHAP values, one output per class.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues { labelled(try treeExplainer.shapValues(x, threads: threads)) }
    /// SHAP interaction values of the raw output for the rows of `x`, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try treeExplainer.interactionValues(x, threads: threads)
    }
}

extension DecisionTreeRegressorModel: TreeExplainable, TreeExplainerSource {
    var treeExplainer: TreeSHAP.Explainer { Tree.explainer([tree], featureCount: inputFeatureCount, classifier: false) }
    /// Exact TreeSHAP values of the raw output for the rows of `x`, parallel over rows.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues { labelled(try treeExplainer.shapValues(x, threads: threads)) }
    /// SHAP interaction values of the raw output for the rows of `x`, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try treeExplainer.interactionValues(x, threads: threads)
    }
}

extension ForestClassifierModel: TreeExplainable, TreeExplainerSource {
    /// Class fractions averaged over the trees, one output per class.
    var treeExplainer: TreeSHAP.Explainer { Tree.explainer(trees, featureCount: inputFeatureCount, classifier: true) }
    /// Class-probability SHAP values averaged over the trees, one output per class.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues { labelled(try treeExplainer.shapValues(x, threads: threads)) }
    /// SHAP interaction values of the raw output for the rows of `x`, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try treeExplainer.interactionValues(x, threads: threads)
    }
}

extension ForestRegressorModel: TreeExplainable, TreeExplainerSource {
    var treeExplainer: TreeSHAP.Explainer { Tree.explainer(trees, featureCount: inputFeatureCount, classifier: false) }
    /// Exact TreeSHAP values of the raw output for the rows of `x`, parallel over rows.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues { labelled(try treeExplainer.shapValues(x, threads: threads)) }
    /// SHAP interaction values of the raw output for the rows of `x`, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try treeExplainer.interactionValues(x, threads: threads)
    }
}
