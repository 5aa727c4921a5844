import Foundation
import ToolboxCore

/// A regression tree of a boosted ensemble, flattened into arrays for prediction: node `i` is
/// a leaf when `feature[i] < 0` (its output is `value[i]`), otherwise rows with
/// `x[feature] <= threshold` go to `left[i]` and the others to `right[i]`; a missing value (NaN)
/// goes left exactly when `missingGoesLeft[i]`. Nodes are in depth-first order, the root first.
///
/// A categorical split (`categorySet[i] >= 0`) sends left the category codes in its set of
/// `categoryBits` (256 bits, four words, per set); a code never seen in training goes where
/// missing values go.
public struct BoostedTree: Sendable, Hashable, Codable {
    /// Each node's split feature; negative at leaves.
    public var feature: [Int32] = []
    /// Each node's split threshold on raw values.
    public var threshold: [Double] = []
    /// The split's bin on the training bins (the left child holds bins `0...bin`).
    public var bin: [UInt8] = []
    /// Where a missing value goes at each split.
    public var missingGoesLeft: [Bool] = []
    /// Each node's left child.
    public var left: [Int32] = []
    /// Each node's right child.
    public var right: [Int32] = []
    /// Leaf outputs (learning rate applied); internal nodes keep their own value.
    public var value: [Double] = []
    /// Loss reduction of each split (0 at leaves).
    public var gain: [Double] = []
    /// Sum of hessians of the training samples reaching the node.
    public var cover: [Double] = []
    /// Training samples reaching the node.
    public var count: [Int32] = []
    /// Per node, the index of its category set, or −1 for a threshold split (and leaves).
    public var categorySet: [Int32] = []
    /// Four words per category set: bit `c` set when category code `c` goes left.
    public var categoryBits: [UInt64] = []

    /// An empty tree, filled node by node by the grower.
    public init() {}

    private enum CodingKeys: String, CodingKey {
        case feature, threshold, bin, missingGoesLeft, left, right, value, gain, cover, count, categorySet, categoryBits
    }

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        feature = try c.decode([Int32].self, forKey: .feature)
        threshold = try c.decode([Double].self, forKey: .threshold)
        bin = try c.decode([UInt8].self, forKey: .bin)
        missingGoesLeft = try c.decode([Bool].self, forKey: .missingGoesLeft)
        left = try c.decode([Int32].self, forKey: .left)
        right = try c.decode([Int32].self, forKey: .right)
        value = try c.decode([Double].self, forKey: .value)
        gain = try c.decode([Double].self, forKey: .gain)
        cover = try c.decode([Double].self, forKey: .cover)
        count = try c.decode([Int32].self, forKey: .count)
        // Archives from before categorical splits have neither.
        categorySet = try c.decodeIfPresent([Int32].self, forKey: .categorySet) ?? [Int32](repeating: -1, count: feature.count)
        categoryBits = try c.decodeIfPresent([UInt64].self, forKey: .categoryBits) ?? []
    }

    /// Whether category `code` (a category's index among the training categories; NaN for
    /// missing or unseen) goes left at categorical node `node`.
    @inline(__always)
    func categoryGoesLeft(_ node: Int, code: Double) -> Bool {
        guard code >= 0, code < 256, code.rounded(.down) == code else { return missingGoesLeft[node] }   // NaN fails them
        let c = Int(code)
        let word = categoryBits[Int(categorySet[node]) * 4 + (c >> 6)]
        return (word >> UInt64(c & 63)) & 1 == 1
    }

    /// The number of nodes.
    public var nodeCount: Int { feature.count }
    /// The number of leaves.
    public var leafCount: Int { feature.count { $0 < 0 } }

    /// The output for one row (`x` holds the row's features, categorical ones as category
    /// codes, NaN for missing or unseen).
    @inline(__always)
    public func predict(_ x: UnsafePointer<Double>) -> Double {
        var node = 0
        while true {
            let f = Int(feature[node])
            if f < 0 { return value[node] }
            let v = x[f]
            if categorySet[node] >= 0 {
                node = Int(categoryGoesLeft(node, code: v) ? left[node] : right[node])
                continue
            }
            let goLeft = v.isNaN ? missingGoesLeft[node] : v <= threshold[node]
            node = Int(goLeft ? left[node] : right[node])
        }
    }

    /// The output for a row of bins (training and validation rows, already binned).
    @inline(__always)
    func predict(bins row: UnsafePointer<UInt8>, missingBin: UInt8) -> Double {
        var node = 0
        while true {
            let f = Int(feature[node])
            if f < 0 { return value[node] }
            let b = row[f]
            let goLeft = b == missingBin ? missingGoesLeft[node]
                : (categorySet[node] >= 0 ? categoryGoesLeft(node, code: Double(b)) : b <= bin[node])
            node = Int(goLeft ? left[node] : right[node])
        }
    }

    /// Sets the real-valued thresholds from the bin edges: a split on the last non-missing bin
    /// sends every value left (only missing values right), so its threshold is +∞.
    mutating func setThresholds(_ mapper: BinMapper) {
        threshold = (0..<nodeCount).map { node in
            let f = Int(feature[node])
            guard f >= 0, categorySet[node] < 0 else { return 0 }
            let edges = mapper.thresholds[f]
            let b = Int(bin[node])
            return b < edges.count ? edges[b] : .infinity
        }
    }

    /// Checks sizes and indices (after decoding): every child index points forward inside the
    /// tree, every feature is in range, so prediction can neither trap nor loop.
    public func validate(featureCount: Int) throws {
        let n = feature.count
        guard n > 0, [threshold.count, bin.count, missingGoesLeft.count, left.count, right.count, value.count, gain.count, cover.count, count.count,
                      categorySet.count].allSatisfy({ $0 == n }), categoryBits.count % 4 == 0 else {
            throw ToolboxError(.corruptArchive, "boosted tree arrays disagree in length or are empty")
        }
        for node in 0..<n where feature[node] >= 0 {
            guard Int(feature[node]) < featureCount else {
                throw ToolboxError(.corruptArchive, "node \(node) splits on feature \(feature[node]) of \(featureCount)")
            }
            guard categorySet[node] < Int32(categoryBits.count / 4) else {
                throw ToolboxError(.corruptArchive, "node \(node) names category set \(categorySet[node]) of \(categoryBits.count / 4)")
            }
            let l = Int(left[node]), r = Int(right[node])
            guard l > node, r > node, l < n, r < n else {
                throw ToolboxError(.corruptArchive, "node \(node) has children \(l) and \(r) outside \(node + 1)..<\(n)")
            }
        }
    }
}
