import Foundation
public import ToolboxCore

/// A node of the prediction layout: every tree of an ensemble in one array, children by
/// absolute index, 32 bytes per node.
struct PackedNode: Sendable, Hashable {
    var threshold: Double
    var value: Double
    var feature: Int32
    var left: Int32
    var right: Int32
    var missingGoesLeft: Bool
}

/// The trees of a boosted model and how their sum becomes a prediction.
public struct BoostedEnsemble: Sendable, Hashable, Codable {
    /// Raw score before any tree, per output.
    public var baseline: [Double]
    /// Per iteration, one tree per output.
    public var trees: [[BoostedTree]] { didSet { pack() } }
    /// The loss the ensemble was fitted for, which maps raw scores to predictions.
    public var objective: BoostingObjective
    /// The number of input features.
    public var featureCount: Int
    /// Bin edges from training (kept for explanations and refits; prediction reads thresholds).
    public var binThresholds: [[Double]]
    /// The training scores (negative mean losses) per iteration, when a progress callback asked
    /// for them, and the validation scores when early stopping ran (the first before any tree).
    public var trainScores: [Double]
    /// The validation scores per iteration, when early stopping held out rows.
    public var validationScores: [Double]
    /// The features split as categories, and each one's categories (its training values,
    /// sorted): category code `c` is `categories[i][c]`.
    public private(set) var categoricalFeatures: [Int] = []
    public private(set) var categories: [[Double]] = []
    /// Every tree's nodes in one array for prediction, and each tree's root (iteration-major).
    private(set) var packed: [PackedNode] = []
    private(set) var roots: [Int] = []
    /// The category sets of the packed categorical nodes, four words each.
    private(set) var packedBits: [UInt64] = []
    /// Whether some categorical feature's values are not their codes `0..<k` (rows are then
    /// recoded before prediction).
    private(set) var recodes = false

    private enum CodingKeys: String, CodingKey {
        case baseline, trees, objective, featureCount, binThresholds, trainScores, validationScores, categoricalFeatures, categories
    }

    init(_ result: BoostingResult, objective: BoostingObjective, featureCount: Int) {
        var categorical: [Int] = [], categories: [[Double]] = []
        for (feature, known) in result.categories.enumerated() {
            if let known { categorical.append(feature); categories.append(known) }
        }
        self.init(baseline: result.baseline, trees: result.trees, objective: objective, featureCount: featureCount, binThresholds: result.mapper.thresholds,
                  trainScores: result.trainScores, validationScores: result.validationScores, categoricalFeatures: categorical, categories: categories)
    }

    init(baseline: [Double], trees: [[BoostedTree]], objective: BoostingObjective, featureCount: Int, binThresholds: [[Double]],
         trainScores: [Double] = [], validationScores: [Double] = [], categoricalFeatures: [Int] = [], categories: [[Double]] = []) {
        self.baseline = baseline
        self.trees = trees
        self.objective = objective
        self.featureCount = featureCount
        self.binThresholds = binThresholds
        self.trainScores = trainScores
        self.validationScores = validationScores
        self.categoricalFeatures = categoricalFeatures
        self.categories = categories
        recodes = Self.needsRecoding(categories)
        pack()
    }

    /// Whether some feature's categories are not their own codes `0..<k`.
    static func needsRecoding(_ categories: [[Double]]) -> Bool {
        categories.contains { known in known.enumerated().contains { $0.element != Double($0.offset) } }
    }

    /// Category codes in place of a categorical feature's values (NaN for missing or unseen).
    func recode(_ row: UnsafeMutablePointer<Double>) {
        for (index, feature) in categoricalFeatures.enumerated() where !row[feature].isNaN {
            row[feature] = BinMapper.categoryCode(row[feature], in: categories[index]).map(Double.init) ?? .nan
        }
    }

    /// The category code of `value` for categorical `feature` (NaN when missing or unseen).
    func code(_ value: Double, feature: Int) -> Double {
        guard let index = categoricalFeatures.firstIndex(of: feature), !value.isNaN else { return value }
        return BinMapper.categoryCode(value, in: categories[index]).map(Double.init) ?? .nan
    }

    /// `x` with category codes, when the categories are not their own codes.
    func recoded(_ x: Matrix<Double>) -> Matrix<Double> {
        guard recodes else { return x }
        var values = x.values
        values.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<x.rows { recode(buffer.baseAddress! + i * x.columns) }
        }
        return (try? Matrix(rows: x.rows, columns: x.columns, values: values)) ?? x
    }

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        baseline = try c.decode([Double].self, forKey: .baseline)
        trees = try c.decode([[BoostedTree]].self, forKey: .trees)
        objective = try c.decode(BoostingObjective.self, forKey: .objective)
        featureCount = try c.decode(Int.self, forKey: .featureCount)
        binThresholds = try c.decode([[Double]].self, forKey: .binThresholds)
        trainScores = try c.decode([Double].self, forKey: .trainScores)
        validationScores = try c.decode([Double].self, forKey: .validationScores)
        categoricalFeatures = try c.decodeIfPresent([Int].self, forKey: .categoricalFeatures) ?? []
        categories = try c.decodeIfPresent([[Double]].self, forKey: .categories) ?? []
        // Validate before packing: packing follows every child index.
        try validate()
        recodes = Self.needsRecoding(categories)
        pack()
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(baseline, forKey: .baseline)
        try c.encode(trees, forKey: .trees)
        try c.encode(objective, forKey: .objective)
        try c.encode(featureCount, forKey: .featureCount)
        try c.encode(binThresholds, forKey: .binThresholds)
        try c.encode(trainScores, forKey: .trainScores)
        try c.encode(validationScores, forKey: .validationScores)
        if !categoricalFeatures.isEmpty {
            try c.encode(categoricalFeatures, forKey: .categoricalFeatures)
            try c.encode(categories, forKey: .categories)
        }
    }

    /// Lays every tree out breadth-first with each node's two children side by side, so a row
    /// steps to `left + (goes right ? 1 : 0)` without a branch. A missing value is replaced by
    /// −∞ or +∞ (whichever sends it the learned way) before the comparison. A categorical node
    /// is marked by a feature index past the last feature, its category set's index in its
    /// threshold.
    private mutating func pack() {
        var nodes: [PackedNode] = [], starts: [Int] = [], bits: [UInt64] = []
        for iteration in trees {
            for tree in iteration {
                let root = nodes.count
                starts.append(root)
                nodes.append(PackedNode(threshold: 0, value: 0, feature: -1, left: -1, right: -1, missingGoesLeft: false))
                var queue = [(source: 0, slot: root)]
                var head = 0
                while head < queue.count {
                    let (source, slot) = queue[head]
                    head += 1
                    if tree.feature[source] < 0 {
                        nodes[slot] = PackedNode(threshold: 0, value: tree.value[source], feature: -1, left: -1, right: -1, missingGoesLeft: false)
                        continue
                    }
                    let children = nodes.count
                    nodes.append(nodes[slot])
                    nodes.append(nodes[slot])
                    if tree.categorySet[source] >= 0 {
                        let set = Int(tree.categorySet[source])
                        nodes[slot] = PackedNode(threshold: Double(bits.count / 4), value: tree.value[source], feature: tree.feature[source] + Int32(featureCount),
                                                 left: Int32(children), right: Int32(children + 1), missingGoesLeft: tree.missingGoesLeft[source])
                        bits += tree.categoryBits[(set * 4)..<(set * 4 + 4)]
                    } else {
                        nodes[slot] = PackedNode(threshold: tree.threshold[source], value: tree.value[source], feature: tree.feature[source],
                                                 left: Int32(children), right: Int32(children + 1), missingGoesLeft: tree.missingGoesLeft[source])
                    }
                    queue.append((Int(tree.left[source]), children))
                    queue.append((Int(tree.right[source]), children + 1))
                }
            }
        }
        packed = nodes
        roots = starts
        packedBits = bits
    }

    /// Whether a row goes right at a packed categorical node (`f` is its feature plus the
    /// feature count); a code the node does not know goes where missing values go.
    @inline(__always)
    static func categoricalGoesRight(_ node: UnsafePointer<PackedNode>, _ code: Double, bits: UnsafePointer<UInt64>) -> Bool {
        guard code >= 0, code < 256, code.rounded(.down) == code else { return !node.pointee.missingGoesLeft }
        let c = Int(code)
        let word = bits[Int(node.pointee.threshold) * 4 + (c >> 6)]
        return (word >> UInt64(c & 63)) & 1 == 0
    }

    /// The leaf a row reaches from `node` (branch-free steps).
    @inline(__always)
    static func leaf(_ nodes: UnsafePointer<PackedNode>, from start: Int, row: UnsafePointer<Double>, p: Int, bits: UnsafePointer<UInt64>?) -> Double {
        var node = nodes + start
        while node.pointee.feature >= 0 {
            let f = Int(node.pointee.feature)
            if f >= p {
                node = nodes + (Int(node.pointee.left) + (categoricalGoesRight(node, row[f - p], bits: bits!) ? 1 : 0))
                continue
            }
            // NaN goes left as −∞ when missing values go left; otherwise it stays NaN, which no
            // `<=` holds for, so it goes right even past a +∞ threshold (the split that sends
            // only missing values right), where a number, +∞ included, goes left.
            let raw = row[f]
            let v = raw.isNaN && node.pointee.missingGoesLeft ? -Double.infinity : raw
            node = nodes + (Int(node.pointee.left) + (v <= node.pointee.threshold ? 0 : 1))
        }
        return node.pointee.value
    }

    /// The number of raw outputs (one, or one per class).
    public var outputs: Int { baseline.count }
    /// The number of boosting iterations.
    public var iterations: Int { trees.count }

    /// Adds every tree's output for output `c` of the rows in `block` to `result`. Eight rows go
    /// down a tree together, so their node loads overlap instead of waiting on each other.
    @inline(__always)
    ///
    /// `plain` (a block without missing values, a model without categorical splits) makes each
    /// step a load, a comparison and an add (for a number, `x <= t` is `!(x > t)`); the two
    /// call sites pass it as a constant, so each gets its own loop.
    private static func accumulate(_ nodes: UnsafePointer<PackedNode>, roots: UnsafeBufferPointer<Int>, outputs k: Int, output c: Int,
                                   rows block: Range<Int>, x: UnsafePointer<Double>, p: Int, bits: UnsafePointer<UInt64>?, plain: Bool,
                                   into result: UnsafeMutablePointer<Double>) {
        var t = c
        while t < roots.count {
            let root = roots[t]
            var i = block.lowerBound
            while i + 8 <= block.upperBound {
                var n0 = root, n1 = root, n2 = root, n3 = root, n4 = root, n5 = root, n6 = root, n7 = root
                @inline(__always) func step(_ n: inout Int, _ row: UnsafePointer<Double>) -> Bool {
                    let node = nodes + n
                    let f = Int(node.pointee.feature)
                    if f < 0 { return false }
                    if plain {
                        n = Int(node.pointee.left) &+ (row[f] > node.pointee.threshold ? 1 : 0)
                        return true
                    }
                    if f >= p {
                        n = Int(node.pointee.left) + (categoricalGoesRight(node, row[f - p], bits: bits!) ? 1 : 0)
                        return true
                    }
                    let raw = row[f]
                    let v = raw.isNaN && node.pointee.missingGoesLeft ? -Double.infinity : raw
                    n = Int(node.pointee.left) + (v <= node.pointee.threshold ? 0 : 1)
                    return true
                }
                let r0 = x + i * p, r1 = r0 + p, r2 = r1 + p, r3 = r2 + p, r4 = r3 + p, r5 = r4 + p, r6 = r5 + p, r7 = r6 + p
                var active = true
                while active {
                    active = step(&n0, r0)
                    active = step(&n1, r1) || active
                    active = step(&n2, r2) || active
                    active = step(&n3, r3) || active
                    active = step(&n4, r4) || active
                    active = step(&n5, r5) || active
                    active = step(&n6, r6) || active
                    active = step(&n7, r7) || active
                }
                result[i * k + c] += nodes[n0].value
                result[(i + 1) * k + c] += nodes[n1].value
                result[(i + 2) * k + c] += nodes[n2].value
                result[(i + 3) * k + c] += nodes[n3].value
                result[(i + 4) * k + c] += nodes[n4].value
                result[(i + 5) * k + c] += nodes[n5].value
                result[(i + 6) * k + c] += nodes[n6].value
                result[(i + 7) * k + c] += nodes[n7].value
                i += 8
            }
            while i < block.upperBound {
                result[i * k + c] += leaf(nodes, from: root, row: x + i * p, p: p, bits: bits)
                i += 1
            }
            t += k
        }
    }

    /// Raw scores, row-major (`rows x outputs`), parallel over blocks of rows, each tree run
    /// over a block of rows at a time so its nodes stay in cache.
    public func rawPredictions(_ x: Matrix<Double>, threads: Int? = nil) throws -> [Double] {
        guard x.columns == featureCount else {
            throw ToolboxError(.shapeMismatch, "the model was fitted on \(featureCount) features, got \(x.columns)", context: ErrorContext(parameter: "x"))
        }
        let k = outputs, p = featureCount
        let x = recoded(x)
        var out = [Double](repeating: 0, count: x.rows * k)
        try out.withUnsafeMutableBufferPointer { buffer in
            let result = UnsafeSendable(buffer)
            try x.values.withUnsafeBufferPointer { values in
                let input = UnsafeSendable(values)
                try packed.withUnsafeBufferPointer { nodes in
                    let nodes = UnsafeSendable(nodes)
                    try packedBits.withUnsafeBufferPointer { bits in
                    let bits = UnsafeSendable(bits)
                    try roots.withUnsafeBufferPointer { roots in
                        let roots = UnsafeSendable(roots)
                        try Parallel.forEach(count: x.rows, grain: 4_096, threads: threads) { range in
                            for blockStart in stride(from: range.lowerBound, to: range.upperBound, by: 64) {
                                let block = blockStart..<min(range.upperBound, blockStart + 64)
                                for i in block { for c in 0..<k { result.value[i * k + c] = baseline[c] } }
                                guard let first = nodes.value.baseAddress else { continue }
                                // No missing value in the block and no categorical split: the plain steps.
                                var plain = bits.value.isEmpty
                                if plain {
                                    let values = input.value.baseAddress! + block.lowerBound * p
                                    for index in 0..<(block.count * p) where values[index].isNaN { plain = false; break }
                                }
                                for c in 0..<k {
                                    if plain {
                                        Self.accumulate(first, roots: roots.value, outputs: k, output: c, rows: block, x: input.value.baseAddress!, p: p,
                                                        bits: nil, plain: true, into: result.value.baseAddress!)
                                    } else {
                                        Self.accumulate(first, roots: roots.value, outputs: k, output: c, rows: block, x: input.value.baseAddress!, p: p,
                                                        bits: bits.value.baseAddress, plain: false, into: result.value.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                    }
                }
            }
        }
        return out
    }

    /// The raw score of one row, without allocating: what a model server calls per request.
    public func rawPrediction(row: UnsafePointer<Double>, output: Int = 0) -> Double {
        if recodes {
            // Categories that are not their own codes: recode a copy on the stack.
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: featureCount) { copy in
                copy.baseAddress!.update(from: row, count: featureCount)
                recode(copy.baseAddress!)
                return rawPredictionOfCodes(row: UnsafePointer(copy.baseAddress!), output: output)
            }
        }
        return rawPredictionOfCodes(row: row, output: output)
    }

    private func rawPredictionOfCodes(row: UnsafePointer<Double>, output: Int) -> Double {
        var sum = baseline[output]
        packed.withUnsafeBufferPointer { nodes in
            packedBits.withUnsafeBufferPointer { bits in
                guard let first = nodes.baseAddress else { return }
                var t = output
                while t < roots.count {
                    sum += Self.leaf(first, from: roots[t], row: row, p: featureCount, bits: bits.baseAddress)
                    t += outputs
                }
            }
        }
        return sum
    }

    func validate() throws {
        guard featureCount > 0, !baseline.isEmpty, trees.allSatisfy({ $0.count == baseline.count }), binThresholds.count == featureCount else {
            throw ToolboxError(.corruptArchive, "boosted ensemble sizes disagree")
        }
        guard categories.count == categoricalFeatures.count, categoricalFeatures.allSatisfy({ $0 >= 0 && $0 < featureCount }),
              Set(categoricalFeatures).count == categoricalFeatures.count, categories.allSatisfy({ $0.count <= 255 }) else {
            throw ToolboxError(.corruptArchive, "boosted ensemble categorical features disagree with their categories")
        }
        let categorical = Set(categoricalFeatures)
        for iteration in trees {
            for tree in iteration {
                try tree.validate(featureCount: featureCount)
                for node in 0..<tree.nodeCount where tree.categorySet[node] >= 0 && tree.feature[node] >= 0 {
                    guard categorical.contains(Int(tree.feature[node])) else {
                        throw ToolboxError(.corruptArchive, "node \(node) splits feature \(tree.feature[node]) by category, but it is not categorical")
                    }
                }
            }
        }
    }

    /// Split counts or total gains per feature, normalized to sum 1 (LightGBM's `split` and
    /// `gain` importances).
    public func featureImportances(byGain: Bool = true) -> [Double] {
        var importances = [Double](repeating: 0, count: featureCount)
        for iteration in trees {
            for tree in iteration {
                for node in 0..<tree.nodeCount where tree.feature[node] >= 0 {
                    importances[Int(tree.feature[node])] += byGain ? tree.gain[node] : 1
                }
            }
        }
        let total = importances.reduce(0, +)
        return total > 0 ? importances.map { $0 / total } : importances
    }
}
