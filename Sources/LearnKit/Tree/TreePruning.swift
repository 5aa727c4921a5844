extension Tree {
    /// Impurity-based importances: each split's weighted impurity decrease, summed per feature
    /// and normalized to sum 1.
    func featureImportances(featureCount: Int) -> [Double] {
        var importances = [Double](repeating: 0, count: featureCount)
        for i in 0..<nodeCount where left[i] != Self.leaf {
            let l = Int(left[i]), r = Int(right[i])
            importances[Int(feature[i])] += weightedSampleCount[i] * impurity[i]
                - weightedSampleCount[l] * impurity[l] - weightedSampleCount[r] * impurity[r]
        }
        let total = importances.reduce(0, +)
        return total > 0 ? importances.map { $0 / total } : importances
    }

    /// Minimal cost-complexity pruning (Breiman et al. 1984, ch. 3): repeatedly collapse the
    /// subtree with the smallest effective α = (R(t) − R(Tₜ)) / (|leaves(Tₜ)| − 1) while it is at
    /// most `alpha`, with R the weighted impurity as a share of the root's weight.
    func pruned(alpha: Double) -> Tree {
        var isLeaf = left.map { $0 == Self.leaf }
        while let (node, effective) = weakestLink(isLeaf), effective <= alpha { isLeaf[node] = true }
        return rebuilt(isLeaf)
    }

    /// The effective α at which each successive subtree is pruned away, and the total leaf
    /// impurity after each step (scikit-learn's `cost_complexity_pruning_path`).
    func pruningPath() -> (alphas: [Double], impurities: [Double]) {
        var isLeaf = left.map { $0 == Self.leaf }
        var alphas = [0.0], impurities = [leafRisk(isLeaf)]
        while let (node, effective) = weakestLink(isLeaf) {
            isLeaf[node] = true
            alphas.append(max(effective, alphas.last!))
            impurities.append(leafRisk(isLeaf))
        }
        return (alphas, impurities)
    }

    private func risk(_ node: Int) -> Double { impurity[node] * weightedSampleCount[node] / weightedSampleCount[0] }

    /// Σ R(t) over the leaves of the tree pruned at `isLeaf`.
    private func leafRisk(_ isLeaf: [Bool]) -> Double {
        var total = 0.0
        var stack = [0]
        while let node = stack.popLast() {
            if isLeaf[node] { total += risk(node) } else { stack += [Int(left[node]), Int(right[node])] }
        }
        return total
    }

    /// The reachable internal node with the smallest effective α, if any.
    private func weakestLink(_ isLeaf: [Bool]) -> (Int, Double)? {
        // Subtree risk and leaf counts, children before parents (children have larger ids).
        var subtreeRisk = [Double](repeating: 0, count: nodeCount)
        var leaves = [Int](repeating: 0, count: nodeCount)
        for node in stride(from: nodeCount - 1, through: 0, by: -1) {
            if isLeaf[node] {
                subtreeRisk[node] = risk(node)
                leaves[node] = 1
            } else {
                subtreeRisk[node] = subtreeRisk[Int(left[node])] + subtreeRisk[Int(right[node])]
                leaves[node] = leaves[Int(left[node])] + leaves[Int(right[node])]
            }
        }
        var reachable = [Bool](repeating: false, count: nodeCount)
        reachable[0] = true
        var weakest: (Int, Double)?
        for node in 0..<nodeCount where reachable[node] && !isLeaf[node] {
            reachable[Int(left[node])] = true
            reachable[Int(right[node])] = true
            let effective = (risk(node) - subtreeRisk[node]) / Double(leaves[node] - 1)
            if weakest == nil || effective < weakest!.1 { weakest = (node, effective) }
        }
        return weakest
    }

    /// The tree without the subtrees below nodes marked leaves, renumbered depth-first.
    private func rebuilt(_ isLeaf: [Bool]) -> Tree {
        var result = Tree(left: [], right: [], feature: [], threshold: [], missingGoesLeft: [], impurity: [], sampleCount: [],
                          weightedSampleCount: [], values: [], outputs: outputs)
        func copy(_ node: Int) -> Int32 {
            let id = result.left.count
            result.left.append(Self.leaf)
            result.right.append(Self.leaf)
            result.feature.append(isLeaf[node] ? -2 : feature[node])
            result.threshold.append(isLeaf[node] ? -2 : threshold[node])
            result.missingGoesLeft.append(missingGoesLeft[node])
            result.impurity.append(impurity[node])
            result.sampleCount.append(sampleCount[node])
            result.weightedSampleCount.append(weightedSampleCount[node])
            result.values.append(contentsOf: values[(node * outputs)..<(node * outputs + outputs)])
            if !isLeaf[node] {
                let l = copy(Int(left[node]))
                let r = copy(Int(right[node]))
                result.left[id] = l
                result.right[id] = r
            }
            return Int32(id)
        }
        _ = copy(0)
        return result
    }
}
