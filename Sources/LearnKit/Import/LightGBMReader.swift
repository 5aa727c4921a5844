import Foundation
import ToolboxCore

/// LightGBM's text model format (`Booster.save_model`): a header of `key=value` lines, then a
/// `Tree=N` section per tree with the node arrays (`split_feature`, `threshold`,
/// `decision_type`, `left_child`, `right_child`, `leaf_value`, counts, categorical bit sets),
/// then `end of trees`. Children below zero are leaves (`~leaf`). Every count and index is
/// checked against what the file holds before it is used.
enum LightGBMReader {
    /// The line number (from 1) and text of each line.
    static func read(_ bytes: [UInt8]) throws -> (ImportedEnsemble, String) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        if lines.last == "" { lines.removeLast() }
        var header: [String: String] = [:]
        var index = 0
        func fail(_ message: String, line: Int) -> ToolboxError {
            ToolboxError(.corruptArchive, "LightGBM model, line \(line + 1): \(message)", context: ErrorContext(line: line + 1))
        }
        // Header, up to the first tree.
        while index < lines.count, !lines[index].hasPrefix("Tree=") {
            if lines[index] == "end of trees" { break }
            if let equal = lines[index].firstIndex(of: "=") {
                header[String(lines[index][..<equal])] = String(lines[index][lines[index].index(after: equal)...])
            }
            index += 1
        }
        guard header["version"] != nil else { throw fail("no version line; not a LightGBM text model", line: 0) }
        guard let maxFeature = header["max_feature_idx"].flatMap({ Int($0) }), (0..<10_000_000).contains(maxFeature) else {
            throw fail("max_feature_idx is missing or out of range", line: 0)
        }
        let featureCount = maxFeature + 1
        let classes = Int(header["num_class"] ?? "1") ?? 0
        let perIteration = Int(header["num_tree_per_iteration"] ?? "1") ?? 0
        guard (1...10_000).contains(classes), perIteration >= 1, perIteration <= 10_000 else { throw fail("num_class or num_tree_per_iteration out of range", line: 0) }
        let objectiveText = header["objective"] ?? "regression"
        let objectiveName = objectiveText.split(separator: " ").first.map(String.init) ?? ""
        /// The objective's `sigmoid:` parameter (1 when absent), finite and positive.
        func sigmoidScale() throws -> Double {
            guard let token = objectiveText.split(separator: " ").first(where: { $0.hasPrefix("sigmoid:") }) else { return 1 }
            guard let scale = Double(token.dropFirst(8)), scale.isFinite, scale > 0 else { throw fail("objective has sigmoid \(token.dropFirst(8))", line: 0) }
            return scale
        }
        let objective: ImportedObjective
        switch objectiveName {
        case "binary", "cross_entropy", "xentropy": objective = .logistic(scale: try sigmoidScale())
        case "multiclass", "softmax": objective = .softmax(classes: classes)
        case "multiclassova", "multiclass_ova", "ova", "ovr": objective = .oneVsAll(classes: classes, scale: try sigmoidScale())
        case "poisson", "gamma", "tweedie": objective = .exponential
        case "regression", "regression_l2", "l2", "mean_squared_error", "mse", "regression_l1", "l1", "mean_absolute_error", "mae",
             "huber", "fair", "quantile", "mape", "mean_absolute_percentage_error", "rmse", "root_mean_squared_error", "l2_root":
            objective = .identity
        case "lambdarank", "rank_xendcg", "xendcg":
            objective = .identity
        default:
            throw ToolboxError(.unsupported, "LightGBM objective \(objectiveText) is not known")
        }
        let outputs: Int
        switch objective {
        case .softmax(let k), .oneVsAll(let k, _): outputs = k
        default: outputs = 1
        }
        guard outputs == perIteration else { throw fail("num_tree_per_iteration \(perIteration) does not match \(outputs) outputs", line: 0) }
        // One-output objectives have num_class 1; a file that says otherwise disagrees with its trees.
        guard outputs > 1 || classes == 1 else { throw fail("num_class \(classes) disagrees with the \(objectiveName) objective, which has one output", line: 0) }
        let names = header["feature_names"].map { $0.split(separator: " ").map(String.init) }
        if let given = names, given.count != featureCount { throw fail("\(given.count) feature names for \(featureCount) features", line: 0) }

        var trees: [ImportedTree] = [], outputsOf: [Int32] = []
        while index < lines.count, lines[index].hasPrefix("Tree=") {
            let start = index
            var fields: [String: Substring] = [:]
            index += 1
            while index < lines.count, !lines[index].isEmpty, !lines[index].hasPrefix("Tree="), lines[index] != "end of trees" {
                if let equal = lines[index].firstIndex(of: "=") { fields[String(lines[index][..<equal])] = lines[index][lines[index].index(after: equal)...] }
                index += 1
            }
            while index < lines.count, lines[index].isEmpty { index += 1 }
            trees.append(try tree(fields, line: start, featureCount: featureCount, fail: fail))
            outputsOf.append(Int32((trees.count - 1) % outputs))
        }
        guard index < lines.count, lines[index] == "end of trees" else { throw fail("expected end of trees (the file is truncated?)", line: min(index, lines.count)) }
        guard !trees.isEmpty else { throw fail("the model has no trees", line: index) }
        let ensemble = ImportedEnsemble(source: "lightgbm", objective: objective, baseline: [Double](repeating: 0, count: outputs), trees: trees,
                                        treeOutput: outputsOf, featureCount: featureCount, featureNames: names,
                                        averageOutput: header.keys.contains("average_output"))
        return (ensemble, objectiveText)
    }

    static func tree(_ fields: [String: Substring], line: Int, featureCount: Int, fail: (String, Int) -> ToolboxError) throws -> ImportedTree {
        func numbers(_ key: String, _ count: Int) throws -> [Double] {
            guard let text = fields[key] else { throw fail("tree has no \(key)", line) }
            let values = text.split(separator: " ").map { Double($0) }
            guard values.count == count, values.allSatisfy({ $0 != nil }) else {
                throw fail("\(key) has \(values.count) values (or one that is not a number), expected \(count)", line)
            }
            return values.map { $0! }
        }
        func integers(_ key: String, _ count: Int) throws -> [Int] {
            try numbers(key, count).map { value in
                guard value == value.rounded(), abs(value) < 2_147_483_648 else { throw fail("\(key) holds \(value), not an integer", line) }
                return Int(value)
            }
        }
        guard let leaves = fields["num_leaves"].flatMap({ Int($0) }), leaves >= 1, leaves <= 10_000_000 else { throw fail("num_leaves is missing or out of range", line) }
        let leafValues = try numbers("leaf_value", leaves)
        let leafCounts = fields["leaf_count"] != nil ? try numbers("leaf_count", leaves) : [Double](repeating: 1, count: leaves)
        // Linear trees: per leaf a constant, a feature count, then all leaves' features and
        // coefficients in one list each.
        var linear: (constant: [Double], counts: [Int], features: [Int], coefficients: [Double])?
        if let flag = fields["is_linear"], flag != "0" {
            guard flag == "1" else { throw fail("is_linear is \(flag)", line) }
            let constants = try numbers("leaf_const", leaves)
            let counts = try integers("num_features", leaves)
            guard counts.allSatisfy({ $0 >= 0 && $0 <= featureCount }) else { throw fail("num_features holds a count outside 0...\(featureCount)", line) }
            let terms = counts.reduce(0, +)
            let features = try integers("leaf_features", terms)
            guard features.allSatisfy({ $0 >= 0 && $0 < featureCount }) else { throw fail("leaf_features names a feature outside 0..<\(featureCount)", line) }
            linear = (constants, counts, features, try numbers("leaf_coeff", terms))
        }
        var tree = ImportedTree()
        /// The linear leaves, leaf k at node `firstLeaf + k` of `total` nodes.
        func linearLeaves(firstLeaf: Int, total: Int) -> ImportedTree.LinearLeaves? {
            guard let linear else { return nil }
            var constant = [Double](repeating: 0, count: total), start = [Int32](repeating: 0, count: total + 1)
            var offset = 0
            for node in 0..<total {
                start[node] = Int32(offset)
                if node >= firstLeaf {
                    constant[node] = linear.constant[node - firstLeaf]
                    offset += linear.counts[node - firstLeaf]
                }
            }
            start[total] = Int32(offset)
            return ImportedTree.LinearLeaves(constant: constant, start: start, feature: linear.features.map(Int32.init), coefficient: linear.coefficients)
        }
        if leaves == 1 {
            tree.feature = [-1]; tree.threshold = [0]; tree.left = [-1]; tree.right = [-1]; tree.defaultLeft = [false]; tree.rule = [.lightGBMNaN]
            tree.categorySet = [-1]; tree.value = leafValues; tree.cover = leafCounts
            tree.linear = linearLeaves(firstLeaf: 0, total: 1)
            return tree
        }
        let internalCount = leaves - 1
        let features = try integers("split_feature", internalCount)
        let thresholds = try numbers("threshold", internalCount)
        let decisions = try integers("decision_type", internalCount)
        let lefts = try integers("left_child", internalCount), rights = try integers("right_child", internalCount)
        let counts = fields["internal_count"] != nil ? try numbers("internal_count", internalCount) : [Double](repeating: 1, count: internalCount)
        let gains = fields["split_gain"] != nil ? try numbers("split_gain", internalCount) : [Double](repeating: 0, count: internalCount)
        let categoricalSplits = Int(fields["num_cat"] ?? "0") ?? -1
        guard categoricalSplits >= 0, categoricalSplits <= internalCount else { throw fail("num_cat out of range", line) }
        var sets: [[UInt32]] = []
        if categoricalSplits > 0 {
            let boundaries = try integers("cat_boundaries", categoricalSplits + 1)
            guard let bitsText = fields["cat_threshold"] else { throw fail("tree has no cat_threshold", line) }
            let words = try bitsText.split(separator: " ").map { token -> UInt32 in
                guard let word = UInt32(token) else { throw fail("cat_threshold holds \(token), not a 32-bit word", line) }
                return word
            }
            guard boundaries.first == 0, boundaries.last == words.count, zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw fail("cat_boundaries do not cut cat_threshold's \(words.count) words", line)
            }
            sets = (0..<categoricalSplits).map { Array(words[boundaries[$0]..<boundaries[$0 + 1]]) }
        }
        // Internal nodes 0..<internalCount, then leaf k at internalCount + k; children index forward.
        let total = internalCount + leaves
        tree.feature = [Int32](repeating: -1, count: total)
        tree.threshold = [Double](repeating: 0, count: total)
        tree.left = [Int32](repeating: -1, count: total)
        tree.right = [Int32](repeating: -1, count: total)
        tree.defaultLeft = [Bool](repeating: false, count: total)
        tree.rule = [ImportedSplitRule](repeating: .lightGBMNaN, count: total)
        tree.categorySet = [Int32](repeating: -1, count: total)
        tree.value = [Double](repeating: 0, count: total)
        tree.cover = [Double](repeating: 0, count: total)
        tree.gain = [Double](repeating: 0, count: total)
        tree.categorySets = sets
        func child(_ raw: Int, of node: Int) throws -> Int32 {
            let target = raw < 0 ? internalCount + ~raw : raw
            guard raw < 0 ? (~raw < leaves) : (raw > node && raw < internalCount) else {
                throw fail("node \(node) has child \(raw), outside the tree (children must come after their parent)", line)
            }
            return Int32(target)
        }
        for node in 0..<internalCount {
            guard features[node] >= 0, features[node] < featureCount else { throw fail("node \(node) splits on feature \(features[node]) of \(featureCount)", line) }
            let decision = decisions[node]
            guard (0..<256).contains(decision) else { throw fail("node \(node) has decision_type \(decision)", line) }
            tree.feature[node] = Int32(features[node])
            tree.left[node] = try child(lefts[node], of: node)
            tree.right[node] = try child(rights[node], of: node)
            tree.defaultLeft[node] = decision & 2 != 0
            switch (decision >> 2) & 3 {
            case 0: tree.rule[node] = .lightGBMNone
            case 1: tree.rule[node] = .lightGBMZero
            default: tree.rule[node] = .lightGBMNaN
            }
            if decision & 1 != 0 {
                let set = thresholds[node]
                guard set == set.rounded(), set >= 0, Int(set) < sets.count else { throw fail("node \(node) names category set \(set) of \(sets.count)", line) }
                tree.categorySet[node] = Int32(set)
            } else {
                tree.threshold[node] = thresholds[node]
            }
            tree.cover[node] = counts[node]
            tree.gain[node] = gains[node]
        }
        for leaf in 0..<leaves {
            tree.value[internalCount + leaf] = leafValues[leaf]
            tree.cover[internalCount + leaf] = leafCounts[leaf]
        }
        tree.linear = linearLeaves(firstLeaf: internalCount, total: total)
        return tree
    }
}
