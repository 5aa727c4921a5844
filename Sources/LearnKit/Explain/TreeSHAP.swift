import Foundation
public import ToolboxCore

/// Exact path-dependent TreeSHAP (Lundberg, Erion and Lee, "Consistent Individualized Feature
/// Attribution for Tree Ensembles", Algorithm 2), as shap's `TreeExplainer` computes it with
/// `feature_perturbation="tree_path_dependent"`: each feature's Shapley value of the tree's
/// output, with absent features integrated over the training samples' paths (each node's
/// share of samples), in O(leaves · depth²) per row and tree. The values of a row plus the
/// expected value add up to the model's raw output.
public enum TreeSHAP {
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

    /// Adds the SHAP values of `row` for `tree` into `phi`.
    static func accumulate(_ tree: ExplainedTree, row: UnsafePointer<Double>, into phi: inout [Double]) {
        var path: [PathElement] = []
        path.reserveCapacity(64)
        recurse(tree, row, &phi, node: 0, path: path, zero: 1, one: 1, feature: -1)
    }

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

    private static func recurse(_ tree: ExplainedTree, _ row: UnsafePointer<Double>, _ phi: inout [Double], node: Int, path: [PathElement],
                                zero: Double, one: Double, feature: Int) {
        var path = path
        extend(&path, zero: zero, one: one, feature: feature)
        let split = Int(tree.feature[node])
        if split < 0 {
            for i in 1..<path.count {
                let w = unwoundSum(path, i)
                phi[path[i].feature] += w * (path[i].oneFraction - path[i].zeroFraction) * tree.value[node]
            }
            return
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
        guard cover > 0 else { return }
        recurse(tree, row, &phi, node: hot, path: path, zero: incomingZero * tree.cover[hot] / cover, one: incomingOne, feature: split)
        recurse(tree, row, &phi, node: cold, path: path, zero: incomingZero * tree.cover[cold] / cover, one: 0, feature: split)
    }
}

/// SHAP values of a model's raw output, per row and feature, and the expected value.
public struct SHAPValues: Sendable, Hashable {
    /// `rows x features` for each output (one output for regression and binary classification,
    /// one per class for multiclass), row-major.
    public var values: [Matrix<Double>]
    /// The expected raw output per output: values of a row plus it give the raw prediction.
    public var expectedValue: [Double]
}

extension BoostedEnsemble {
    func explainedTrees(output: Int) -> [TreeSHAP.ExplainedTree] {
        trees.map { iteration in
            let tree = iteration[output]
            return TreeSHAP.ExplainedTree(left: tree.left, right: tree.right, feature: tree.feature, threshold: tree.threshold,
                                          missingGoesLeft: tree.missingGoesLeft, value: tree.value, cover: tree.count.map(Double.init))
        }
    }

    /// Exact path-dependent TreeSHAP values of the raw output (log-odds for classifiers), with
    /// node sample counts as the path weights (as shap reads scikit-learn's boosting), parallel
    /// over rows.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues {
        guard x.columns == featureCount else {
            throw ToolboxError(.shapeMismatch, "the model was fitted on \(featureCount) features, got \(x.columns)", context: ErrorContext(parameter: "x"))
        }
        var matrices: [Matrix<Double>] = [], expected: [Double] = []
        for output in 0..<outputs {
            let explained = explainedTrees(output: output)
            expected.append(baseline[output] + explained.reduce(0) { $0 + $1.expectedValue })
            let p = featureCount
            let rows = try Parallel.map(count: x.rows, grain: 64, threads: threads) { range -> [Double] in
                var out = [Double](repeating: 0, count: range.count * p)
                var phi = [Double](repeating: 0, count: p)
                x.values.withUnsafeBufferPointer { values in
                    for (offset, i) in range.enumerated() {
                        for f in 0..<p { phi[f] = 0 }
                        for tree in explained { TreeSHAP.accumulate(tree, row: values.baseAddress! + i * p, into: &phi) }
                        for f in 0..<p { out[offset * p + f] = phi[f] }
                    }
                }
                return out
            }
            matrices.append(try Matrix(rows: x.rows, columns: p, values: rows.flatMap { $0 }))
        }
        return SHAPValues(values: matrices, expectedValue: expected)
    }
}
