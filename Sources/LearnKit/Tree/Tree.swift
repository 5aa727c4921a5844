import ToolboxCore

/// A fitted binary decision tree in flat arrays, as scikit-learn's `Tree`: node `i` splits on
/// `feature[i] <= threshold[i]` (left) unless it is a leaf (`left[i] == -1`).
public struct Tree: Sendable, Hashable {
    /// Each node's left child (rows with `x[feature] <= threshold`), or ``Tree/leaf``.
    public var left: [Int32]
    /// Each node's right child, or ``Tree/leaf``.
    public var right: [Int32]
    /// Each node's split feature (undefined at leaves).
    public var feature: [Int32]
    /// Each node's split threshold (undefined at leaves).
    public var threshold: [Double]
    /// Where a NaN feature value goes at each split.
    public var missingGoesLeft: [Bool]
    /// Node impurity under the training criterion.
    public var impurity: [Double]
    /// Training rows reaching each node.
    public var sampleCount: [Int32]
    /// The summed sample weight reaching each node.
    public var weightedSampleCount: [Double]
    /// Per node: `outputs` values (weighted class counts for classifiers, the mean for regressors).
    public var values: [Double]
    /// Values per node: the class count, or 1.
    public var outputs: Int

    /// The child index that marks a leaf (scikit-learn's `TREE_LEAF`).
    public static let leaf: Int32 = -1

    /// The number of nodes.
    public var nodeCount: Int { left.count }
    /// The number of leaves.
    public var leafCount: Int { left.filter { $0 == Self.leaf }.count }

    /// The depth of the deepest leaf (the root has depth 0).
    public var depth: Int {
        guard nodeCount > 0 else { return 0 }
        var deepest = 0
        var stack = [(0, 0)]
        while let (node, depth) = stack.popLast() {
            deepest = max(deepest, depth)
            if left[node] != Self.leaf {
                stack.append((Int(left[node]), depth + 1))
                stack.append((Int(right[node]), depth + 1))
            }
        }
        return deepest
    }

    /// The leaf each row of `x` falls in.
    func leaves(_ x: Matrix<Double>) -> [Int] {
        let p = x.columns
        return x.withUnsafeBufferPointer { values in
            (0..<x.rows).map { i in
                var node = 0
                while left[node] != Self.leaf {
                    // Compared as Float, the precision the tree was grown on.
                    let v = Double(Float(values[i * p + Int(feature[node])]))
                    let goLeft = v.isNaN ? missingGoesLeft[node] : v <= threshold[node]
                    node = Int(goLeft ? left[node] : right[node])
                }
                return node
            }
        }
    }

    /// Checks every index and size (for archives).
    func validate(featureCount: Int) throws {
        let n = nodeCount
        guard n > 0, [right.count, feature.count, threshold.count, missingGoesLeft.count, impurity.count,
                      sampleCount.count, weightedSampleCount.count].allSatisfy({ $0 == n }),
              outputs > 0, values.count == n * outputs else {
            throw ToolboxError(.corruptArchive, "tree arrays disagree in length")
        }
        // Children must point forward (no cycles) and inside the tree.
        for i in 0..<n where left[i] != Self.leaf {
            guard left[i] > Int32(i), left[i] < Int32(n), right[i] > Int32(i), right[i] < Int32(n),
                  feature[i] >= 0, feature[i] < Int32(featureCount) else {
                throw ToolboxError(.corruptArchive, "tree node \(i) has children \(left[i]), \(right[i]) or feature \(feature[i]) out of range")
            }
        }
    }
}

extension Tree: Codable {
    private enum CodingKeys: String, CodingKey {
        case left, right, feature, threshold, missingGoesLeft, impurity, sampleCount, weightedSampleCount, values, outputs
    }

    // Node arrays go to an archive's binary section.
    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(BinaryArray(left), forKey: .left)
        try c.encode(BinaryArray(right), forKey: .right)
        try c.encode(BinaryArray(feature), forKey: .feature)
        try c.encode(BinaryArray(threshold), forKey: .threshold)
        try c.encode(BinaryArray(missingGoesLeft.map { UInt8($0 ? 1 : 0) }), forKey: .missingGoesLeft)
        try c.encode(BinaryArray(impurity), forKey: .impurity)
        try c.encode(BinaryArray(sampleCount), forKey: .sampleCount)
        try c.encode(BinaryArray(weightedSampleCount), forKey: .weightedSampleCount)
        try c.encode(BinaryArray(values), forKey: .values)
        try c.encode(outputs, forKey: .outputs)
    }

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        left = try c.decode(BinaryArray<Int32>.self, forKey: .left).elements
        right = try c.decode(BinaryArray<Int32>.self, forKey: .right).elements
        feature = try c.decode(BinaryArray<Int32>.self, forKey: .feature).elements
        threshold = try c.decode(BinaryArray<Double>.self, forKey: .threshold).elements
        missingGoesLeft = try c.decode(BinaryArray<UInt8>.self, forKey: .missingGoesLeft).elements.map { $0 != 0 }
        impurity = try c.decode(BinaryArray<Double>.self, forKey: .impurity).elements
        sampleCount = try c.decode(BinaryArray<Int32>.self, forKey: .sampleCount).elements
        weightedSampleCount = try c.decode(BinaryArray<Double>.self, forKey: .weightedSampleCount).elements
        values = try c.decode(BinaryArray<Double>.self, forKey: .values).elements
        outputs = try c.decode(Int.self, forKey: .outputs)
    }
}
