import Synchronization
import ToolboxCore

/// An ensemble's trees in flat arrays (node `n` of tree `t` at `root[t] + n`, children as flat
/// indices): prediction walks them through buffer pointers, with no per-tree copy or reference
/// counting. Each split decides with ``ImportedTree/decide(_:threshold:defaultLeft:rule:categorical:bits:)``,
/// as a tree's own `predict` does; a linear leaf outputs its linear model.
struct FlatForest: Sendable {
    var root: [Int32] = []
    var feature: [Int32] = []
    var threshold: [Double] = []
    var left: [Int32] = []
    var right: [Int32] = []
    var defaultLeft: [Bool] = []
    var rule: [ImportedSplitRule] = []
    /// Start and end of a categorical node's bits in ``bits`` (0, 0 for numeric splits).
    var bitsStart: [Int32] = []
    var bitsEnd: [Int32] = []
    var categorical: [Bool] = []
    var bits: [UInt32] = []
    var value: [Double] = []
    var dartWeight: [Double?] = []
    /// LightGBM's linear leaves per tree (nil for constant leaves), indexed by the tree's own nodes.
    var linear: [ImportedTree.LinearLeaves?] = []

    init(_ ensemble: ImportedEnsemble) {
        for tree in ensemble.trees {
            let offset = Int32(feature.count)
            root.append(offset)
            var setStart: [Int32] = [], setEnd: [Int32] = []
            for set in tree.categorySets {
                setStart.append(Int32(bits.count))
                bits.append(contentsOf: set)
                setEnd.append(Int32(bits.count))
            }
            for node in 0..<tree.nodeCount {
                feature.append(tree.feature[node])
                threshold.append(tree.threshold[node])
                left.append(tree.left[node] + offset)
                right.append(tree.right[node] + offset)
                defaultLeft.append(tree.defaultLeft[node])
                rule.append(tree.rule[node])
                let set = Int(tree.categorySet[node])
                categorical.append(set >= 0)
                bitsStart.append(set >= 0 ? setStart[set] : 0)
                bitsEnd.append(set >= 0 ? setEnd[set] : 0)
                value.append(tree.value[node])
            }
            dartWeight.append(tree.dartWeight)
            linear.append(tree.linear)
        }
    }

    /// The ensemble's raw outputs, as ``ImportedEnsemble/rawPredictions(_:threads:)`` computes them.
    func rawPredictions(_ x: Matrix<Double>, ensemble: ImportedEnsemble, threads: Int?) throws -> [Double] {
        let k = ensemble.outputs, p = ensemble.featureCount
        let perOutput = ensemble.trees.count / max(1, k)
        let float32 = ensemble.usesFloat32, average = ensemble.averageOutput
        let baseline = ensemble.baseline, treeOutput = ensemble.treeOutput
        var out = [Double](repeating: 0, count: x.rows * k)
        try out.withUnsafeMutableBufferPointer { outBuffer in
            let result = UnsafeSendable(outBuffer)
            try x.values.withUnsafeBufferPointer { values in
                let input = UnsafeSendable(values)
                try feature.withUnsafeBufferPointer { feature in
                try threshold.withUnsafeBufferPointer { threshold in
                try left.withUnsafeBufferPointer { left in
                try right.withUnsafeBufferPointer { right in
                try defaultLeft.withUnsafeBufferPointer { defaultLeft in
                try rule.withUnsafeBufferPointer { rule in
                try categorical.withUnsafeBufferPointer { categorical in
                try bitsStart.withUnsafeBufferPointer { bitsStart in
                try bitsEnd.withUnsafeBufferPointer { bitsEnd in
                try bits.withUnsafeBufferPointer { bits in
                try value.withUnsafeBufferPointer { value in
                    let arrays = UnsafeSendable((feature, threshold, left, right, defaultLeft, rule, categorical, bitsStart, bitsEnd, bits, value))
                    @inline(__always)
                    func leaf(_ tree: Int, _ row: UnsafePointer<Double>) -> Double {
                        let (feature, threshold, left, right, defaultLeft, rule, categorical, bitsStart, bitsEnd, bits, value) = arrays.value
                        var node = Int(root[tree])
                        while feature[node] >= 0 {
                            let set = categorical[node]
                                ? UnsafeBufferPointer(rebasing: bits[Int(bitsStart[node])..<Int(bitsEnd[node])])
                                : UnsafeBufferPointer(start: nil, count: 0)
                            let goesLeft = ImportedTree.decide(row[Int(feature[node])], threshold: threshold[node], defaultLeft: defaultLeft[node], rule: rule[node],
                                                               categorical: categorical[node], bits: set)
                            node = Int(goesLeft ? left[node] : right[node])
                        }
                        if let leaves = linear[tree] { return leaves.output(node - Int(root[tree]), row, otherwise: value[node]) }
                        return value[node]
                    }
                    try Parallel.forEach(count: x.rows, grain: 1_024, threads: threads) { range in
                        if float32 {
                            // XGBoost's CPU predictor: each output starts at the base margin and adds
                            // the trees' leaf values in tree order, in float32.
                            var sums = [Float](repeating: 0, count: k)
                            for i in range {
                                let row = input.value.baseAddress! + i * p
                                for c in 0..<k { sums[c] = Float(baseline[c]) }
                                for t in 0..<root.count {
                                    let c = Int(treeOutput[t]), leafValue = Float(leaf(t, row))
                                    if let weight = dartWeight[t] {
                                        // DART as XGBoost's scikit-learn predict (inplace prediction)
                                        // adds it: the tree predicted from the base margin, the base
                                        // taken off again, times the weight, all in float32.
                                        let base = Float(baseline[c])
                                        sums[c] += ((base + leafValue) - base) * Float(weight)
                                    } else {
                                        sums[c] += leafValue
                                    }
                                }
                                for c in 0..<k { result.value[i * k + c] = Double(sums[c]) }
                            }
                            return
                        }
                        var sums = [Double](repeating: 0, count: k)
                        for i in range {
                            let row = input.value.baseAddress! + i * p
                            for c in 0..<k { sums[c] = 0 }
                            for t in 0..<root.count { sums[Int(treeOutput[t])] += leaf(t, row) * (dartWeight[t] ?? 1) }
                            for c in 0..<k {
                                let total = average && perOutput > 0 ? sums[c] / Double(perOutput) : sums[c]
                                result.value[i * k + c] = baseline[c] + total
                            }
                        }
                    }
                }}}}}}}}}}}
            }
        }
        return out
    }
}

/// Holds an ensemble's flat forest once built; equal to every other cache, so it never changes
/// an ensemble's equality or hash.
final class FlatForestCache: Sendable, Hashable {
    private let state = Mutex<FlatForest?>(nil)

    func forest(of ensemble: ImportedEnsemble) -> FlatForest {
        if let ready = state.withLock({ $0 }) { return ready }
        let forest = FlatForest(ensemble)
        state.withLock { $0 = forest }
        return forest
    }

    static func == (a: FlatForestCache, b: FlatForestCache) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}
