import Foundation
public import ToolboxCore

/// How a split of an imported tree treats missing values and compares, as the library that
/// trained it does.
public enum ImportedSplitRule: UInt8, Sendable, Hashable, Codable {
    /// LightGBM, missing type NaN: NaN takes the default side; otherwise `x <= threshold` goes left.
    case lightGBMNaN = 0
    /// LightGBM, missing type None: NaN counts as 0; `x <= threshold` goes left.
    case lightGBMNone = 1
    /// LightGBM, missing type Zero: NaN and 0 take the default side; `x <= threshold` goes left.
    case lightGBMZero = 2
    /// XGBoost: NaN takes the default side; `Float(x) < threshold` goes left (XGBoost reads float32).
    case xgboost = 3
}

/// A tree of an imported LightGBM or XGBoost model, nodes in arrays (leaves included).
public struct ImportedTree: Sendable, Hashable, Codable {
    /// Each node's split feature; negative at leaves.
    public var feature: [Int32] = []
    /// Each node's threshold, as the file gives it.
    public var threshold: [Double] = []
    /// Each node's left child.
    public var left: [Int32] = []
    /// Each node's right child.
    public var right: [Int32] = []
    /// Whether a missing value takes the left child at each split.
    public var defaultLeft: [Bool] = []
    /// How each split compares and treats missing values (the library's rule).
    public var rule: [ImportedSplitRule] = []
    /// For a categorical split, the index of its category set in ``categorySets``; −1 otherwise.
    public var categorySet: [Int32] = []
    /// Category sets as bit sets: category `c` goes left when bit `c` is set.
    public var categorySets: [[UInt32]] = []
    /// Leaf outputs.
    public var value: [Double] = []
    /// Training samples or hessian reaching each node (TreeSHAP's path weights).
    public var cover: [Double] = []
    /// Each split's gain as the file records it (LightGBM's `split_gain`, XGBoost's
    /// `loss_changes`; 0 at leaves and when absent).
    public var gain: [Double] = []
    /// LightGBM's linear trees: a linear model per leaf; nil for constant leaves.
    public var linear: LinearLeaves?
    /// XGBoost DART: the tree's weight (`weight_drop`, float32), by which its leaves are scaled
    /// at prediction; nil for other trees.
    public var dartWeight: Double?

    /// LightGBM's linear leaf models (`linear_tree=true`): a leaf outputs its constant plus
    /// each coefficient times its feature, summed in order; a row with NaN in one of the
    /// leaf's features gets the leaf's ``ImportedTree/value`` instead, as LightGBM does.
    public struct LinearLeaves: Sendable, Hashable, Codable {
        /// Per node (0 at internal nodes).
        public var constant: [Double]
        /// Node `n`'s features and coefficients are at `start[n]..<start[n + 1]`.
        public var start: [Int32]
        /// Every leaf's features, concatenated.
        public var feature: [Int32]
        /// Every leaf's coefficients, matching ``feature``.
        public var coefficient: [Double]

        @inline(__always)
        func output(_ node: Int, _ x: UnsafePointer<Double>, otherwise value: Double) -> Double {
            var output = constant[node]
            for term in Int(start[node])..<Int(start[node + 1]) {
                let v = x[Int(feature[term])]
                if v.isNaN { return value }
                output += coefficient[term] * v
            }
            return output
        }
    }

    /// The number of nodes.
    public var nodeCount: Int { feature.count }

    /// Whether a row goes left at `node`.
    @inline(__always)
    func goesLeft(_ node: Int, _ x: UnsafePointer<Double>) -> Bool {
        let set = Int(categorySet[node])
        if set >= 0 {
            return categorySets[set].withUnsafeBufferPointer { bits in
                Self.decide(x[Int(feature[node])], threshold: threshold[node], defaultLeft: defaultLeft[node], rule: rule[node], categorical: true, bits: bits)
            }
        }
        return Self.decide(x[Int(feature[node])], threshold: threshold[node], defaultLeft: defaultLeft[node], rule: rule[node], categorical: false,
                           bits: UnsafeBufferPointer(start: nil, count: 0))
    }

    /// The split decision every imported tree makes, as its library makes it: `value` against
    /// the node's threshold (or, for a categorical split, its category bits), with the
    /// library's rule for missing values and zeros.
    @inline(__always)
    static func decide(_ value: Double, threshold: Double, defaultLeft: Bool, rule: ImportedSplitRule, categorical: Bool, bits: UnsafeBufferPointer<UInt32>) -> Bool {
        var v = value
        if categorical, rule == .xgboost {
            // XGBoost's: the listed categories go right; others, negative and huge ones left.
            if v.isNaN { return defaultLeft }
            guard v >= 0, v < 16_777_216 else { return true }
            let category = Int(v)
            guard category >> 5 < bits.count else { return true }
            return (bits[category >> 5] >> UInt32(category & 31)) & 1 == 0
        }
        if categorical {
            // LightGBM's categorical decision: NaN right when NaN is the missing type, else
            // category 0; negative or unseen categories right.
            if v.isNaN {
                if rule == .lightGBMNaN || rule == .xgboost { return rule == .xgboost ? defaultLeft : false }
                v = 0
            }
            guard v >= 0, v < 2_147_483_648 else { return false }
            let category = Int(v)
            let word = category >> 5
            guard word < bits.count else { return false }
            return (bits[word] >> UInt32(category & 31)) & 1 == 1
        }
        switch rule {
        case .lightGBMNaN:
            if v.isNaN { return defaultLeft }
            return v <= threshold
        case .lightGBMNone:
            if v.isNaN { v = 0 }
            return v <= threshold
        case .lightGBMZero:
            if v.isNaN { v = 0 }
            if v > -1e-35 && v <= 1e-35 { return defaultLeft }
            return v <= threshold
        case .xgboost:
            if v.isNaN { return defaultLeft }
            return Float(v) < Float(threshold)
        }
    }

    /// Checks every index before any prediction follows it: children point forward inside the
    /// tree, features and category sets exist.
    func validate(featureCount: Int, source: String, tree index: Int) throws {
        let n = feature.count
        guard n > 0, [threshold.count, left.count, right.count, defaultLeft.count, rule.count, categorySet.count, value.count, cover.count]
            .allSatisfy({ $0 == n }), gain.isEmpty || gain.count == n else {
            throw ToolboxError(.corruptArchive, "\(source) tree \(index): node arrays disagree in length or are empty")
        }
        // Every node but the root is the child of exactly one node: a node shared by two
        // parents (or none) makes the arrays a graph, not the tree the library wrote.
        var hasParent = [Bool](repeating: false, count: n)
        for node in 0..<n where feature[node] >= 0 {
            guard Int(feature[node]) < featureCount else {
                throw ToolboxError(.corruptArchive, "\(source) tree \(index) node \(node) splits on feature \(feature[node]) of \(featureCount)")
            }
            let l = Int(left[node]), r = Int(right[node])
            guard l > node, r > node, l < n, r < n else {
                throw ToolboxError(.corruptArchive, "\(source) tree \(index) node \(node) has children \(l) and \(r) outside \(node + 1)..<\(n)")
            }
            for child in [l, r] {
                guard !hasParent[child], l != r else {
                    throw ToolboxError(.corruptArchive, "\(source) tree \(index) node \(child) is the child of two nodes (again of node \(node))")
                }
                hasParent[child] = true
            }

            guard categorySet[node] < categorySets.count else {
                throw ToolboxError(.corruptArchive, "\(source) tree \(index) node \(node) names category set \(categorySet[node]) of \(categorySets.count)")
            }
        }
        if let orphan = (1..<max(n, 1)).first(where: { !hasParent[$0] }) {
            throw ToolboxError(.corruptArchive, "\(source) tree \(index) node \(orphan) is no node's child")
        }
        if let weight = dartWeight, !weight.isFinite {
            throw ToolboxError(.corruptArchive, "\(source) tree \(index) has DART weight \(weight); weights are finite")
        }
        if let leaf = (0..<n).first(where: { feature[$0] < 0 && !value[$0].isFinite }) {
            throw ToolboxError(.corruptArchive, "\(source) tree \(index) leaf \(leaf) has value \(value[leaf]); leaf values are finite")
        }
        if let linear {
            guard linear.constant.count == n, linear.start.count == n + 1, linear.start.first == 0,
                  zip(linear.start, linear.start.dropFirst()).allSatisfy({ $0 <= $1 }),
                  Int(linear.start[n]) == linear.feature.count, linear.feature.count == linear.coefficient.count else {
                throw ToolboxError(.corruptArchive, "\(source) tree \(index): linear leaf arrays disagree in length or order")
            }
            if let bad = linear.feature.firstIndex(where: { $0 < 0 || Int($0) >= featureCount }) {
                throw ToolboxError(.corruptArchive, "\(source) tree \(index): linear term \(bad) uses feature \(linear.feature[bad]) of \(featureCount)")
            }
        }
    }
}

/// What the raw score of an imported model becomes.
public enum ImportedObjective: Sendable, Hashable, Codable {
    case identity
    /// `exp(raw)`: Poisson, gamma, Tweedie.
    case exponential
    /// `sigmoid(scale · raw)`.
    case logistic(scale: Double)
    /// Softmax over the classes.
    case softmax(classes: Int)
    /// `sigmoid(scale · raw)` per class, not normalized (LightGBM's `multiclassova`).
    case oneVsAll(classes: Int, scale: Double)
}

/// A gradient-boosted model trained by LightGBM or XGBoost, read from its model file: each
/// split decides as the library decides (missing values, zero-as-missing, categorical sets,
/// float32 comparisons), so predictions match the library's.
public struct ImportedEnsemble: Sendable, Hashable, Codable {
    /// `lightgbm` or `xgboost`.
    public var source: String
    /// The library objective, which maps raw scores to predictions.
    public var objective: ImportedObjective
    /// Raw score before any tree, per output.
    public var baseline: [Double]
    /// The trees, in the file's order.
    public var trees: [ImportedTree] {
        // A changed tree needs a new flat layout (copies keep theirs).
        didSet { flat = FlatForestCache() }
    }
    /// The output (class) each tree adds to.
    public var treeOutput: [Int32]
    /// The number of input features.
    public var featureCount: Int
    /// Feature names from the file, when it has real ones.
    public var featureNames: [String]?
    /// LightGBM's random-forest mode averages the trees instead of summing them.
    public var averageOutput: Bool
    /// The trees laid out flat for prediction, built on first use (neither encoded nor compared).
    private(set) var flat = FlatForestCache()

    private enum CodingKeys: String, CodingKey {
        case source, objective, baseline, trees, treeOutput, featureCount, featureNames, averageOutput
    }

    /// The number of raw outputs (one, or one per class).
    public var outputs: Int { baseline.count }

    /// Checks that the trees, outputs and category sets are consistent (sizes agree, children in range, no shared child, finite values).
    /// - Throws: `ToolboxError/Code/corruptArchive` saying what disagrees.
    public func validate() throws {
        guard featureCount > 0, !baseline.isEmpty, treeOutput.count == trees.count,
              treeOutput.allSatisfy({ $0 >= 0 && Int($0) < baseline.count }) else {
            throw ToolboxError(.corruptArchive, "\(source) model: sizes disagree (features \(featureCount), outputs \(baseline.count), trees \(trees.count))")
        }
        guard trees.count % outputs == 0 else {
            throw ToolboxError(.corruptArchive, "\(source) model: \(trees.count) trees do not make whole iterations of \(outputs) outputs")
        }
        guard baseline.allSatisfy(\.isFinite) else {
            throw ToolboxError(.corruptArchive, "\(source) model: the base score \(baseline) is not finite")
        }
        if let featureNames, featureNames.count != featureCount {
            throw ToolboxError(.corruptArchive, "\(source) model: \(featureNames.count) feature names for \(featureCount) features")
        }
        for (index, tree) in trees.enumerated() { try tree.validate(featureCount: featureCount, source: source, tree: index) }
    }

    /// Split counts or total gains per feature, normalized to sum 1 (LightGBM's and XGBoost's
    /// `split` and `total_gain` importances).
    public func featureImportances(byGain: Bool = true) -> [Double] {
        var importances = [Double](repeating: 0, count: featureCount)
        for tree in trees {
            for node in 0..<tree.nodeCount where tree.feature[node] >= 0 {
                importances[Int(tree.feature[node])] += byGain ? (tree.gain.isEmpty ? 0 : tree.gain[node]) : 1
            }
        }
        let total = importances.reduce(0, +)
        return total > 0 ? importances.map { $0 / total } : importances
    }

    /// Raw scores, row-major (`rows x outputs`), parallel over rows.
    public func rawPredictions(_ x: Matrix<Double>, threads: Int? = nil) throws -> [Double] {
        guard x.columns == featureCount else {
            throw ToolboxError(.shapeMismatch, "the model takes \(featureCount) features, got \(x.columns)", context: ErrorContext(parameter: "x"))
        }
        // The trees laid out flat once, then walked through buffer pointers (see FlatForest).
        return try flat.forest(of: self).rawPredictions(x, ensemble: self, threads: threads)
    }

    /// Whether the model predicts in float32, as XGBoost does (LightGBM predicts in double).
    public var usesFloat32: Bool { source == "xgboost" }

    /// Outputs: raw scores transformed by the objective (probabilities for classifiers).
    public func transform(_ raw: [Double], rows: Int) -> [Double] {
        if usesFloat32 { return XGBoostArithmetic.transform(raw, objective: objective, rows: rows) }
        switch objective {
        case .identity: return raw
        case .exponential: return raw.map { exp($0) }
        case .logistic(let scale), .oneVsAll(_, let scale): return raw.map { LogisticProblem.sigmoid(scale * $0) }
        case .softmax(let k):
            guard var probabilities = try? Matrix(rows: rows, columns: k, values: raw) else { return raw }
            LogisticProblem.softmaxRows(&probabilities)
            return probabilities.values
        }
    }

    /// Whether some tree has linear leaves (LightGBM's `linear_tree`).
    public var hasLinearLeaves: Bool { trees.contains { $0.linear != nil } }

    /// The trees with each library's node covers (LightGBM's hessian sums, XGBoost's `sum_hessian`).
    /// - Throws: ``ToolboxError/Code/unsupported`` for linear trees: TreeSHAP and the
    ///   recursion explain constant leaves (LightGBM refuses their SHAP values too).
    var explainer: TreeSHAP.Explainer {
      get throws {
        guard !hasLinearLeaves else {
            throw ToolboxError(.unsupported, "SHAP values and recursive partial dependence are not defined for LightGBM linear trees (LightGBM refuses them too); use partial dependence's brute method")
        }
        let perOutput = Double(max(1, trees.count / max(1, outputs)))
        let scale = averageOutput ? 1 / perOutput : 1
        let explained = trees.indices.map { t -> TreeSHAP.ExplainedTree in
            let tree = trees[t]
            return TreeSHAP.ExplainedTree(left: tree.left, right: tree.right, feature: tree.feature, threshold: tree.threshold,
                                          missingGoesLeft: tree.defaultLeft, value: tree.value.map { $0 * scale * (tree.dartWeight ?? 1) }, cover: tree.cover,
                                          decide: { node, row in tree.goesLeft(node, row) }, output: Int(treeOutput[t]))
        }
        return TreeSHAP.Explainer(trees: explained, featureCount: featureCount, outputs: outputs, baseline: baseline)
      }
    }

    /// Exact path-dependent TreeSHAP values of the raw output, parallel over rows.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues {
        try explainer.shapValues(x, threads: threads)
    }

    /// SHAP interaction values of the raw output, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try explainer.interactionValues(x, threads: threads)
    }
}

extension ImportedBoostedRegressor: TreeExplainable, TreeExplainerSource {
    var treeExplainer: TreeSHAP.Explainer { get throws { try ensemble.explainer } }
    /// Exact TreeSHAP values of the raw output for the rows of `x`, parallel over rows.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues { labelled(try ensemble.shapValues(x, threads: threads)) }
    /// SHAP interaction values of the raw output for the rows of `x`, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try ensemble.shapInteractionValues(x, threads: threads)
    }
}

extension ImportedBoostedClassifier: TreeExplainable, TreeExplainerSource {
    var treeExplainer: TreeSHAP.Explainer { get throws { try ensemble.explainer } }
    /// Exact TreeSHAP values of the raw output for the rows of `x`, parallel over rows.
    public func shapValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPValues { labelled(try ensemble.shapValues(x, threads: threads)) }
    /// SHAP interaction values of the raw output for the rows of `x`, parallel over rows.
    public func shapInteractionValues(_ x: Matrix<Double>, threads: Int? = nil) throws -> SHAPInteractionValues {
        try ensemble.shapInteractionValues(x, threads: threads)
    }
}

/// A regression model imported from LightGBM or XGBoost.
public struct ImportedBoostedRegressor: Predictor {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "LearnKit.ImportedBoostedRegressor"
    /// The hyperparameters the model was fitted with.
    public var hyperparameters: ImportedModelInfo
    /// The imported trees.
    public let ensemble: ImportedEnsemble
    /// What the model remembers of its inputs and target: names, categories, class labels.
    public let schema: ModelSchema
    /// The number of input features the model was fitted on.
    public var inputFeatureCount: Int { ensemble.featureCount }

    /// One prediction per row of `x`.
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        ensemble.transform(try ensemble.rawPredictions(x), rows: x.rows)
    }

    /// Total gain per feature, normalized to sum 1.
    public var featureImportances: [Double] { ensemble.featureImportances() }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws { try ensemble.validate() }
}

/// A classifier imported from LightGBM or XGBoost (classes are `0, 1, ...`).
public struct ImportedBoostedClassifier: Classifier {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "LearnKit.ImportedBoostedClassifier"
    /// The hyperparameters the model was fitted with.
    public var hyperparameters: ImportedModelInfo
    /// The imported trees.
    public let ensemble: ImportedEnsemble
    /// What the model remembers of its inputs and target: names, categories, class labels.
    public let schema: ModelSchema
    /// The number of input features the model was fitted on.
    public var inputFeatureCount: Int { ensemble.featureCount }
    /// The classes as numbers (label codes), ascending: probability column `k` belongs to `classes[k]`.
    public var classes: [Double] { (0..<(ensemble.outputs == 1 ? 2 : ensemble.outputs)).map(Double.init) }

    /// One row per sample, one column per class; each row sums to 1.
    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        let outputs = ensemble.transform(try ensemble.rawPredictions(x), rows: x.rows)
        if ensemble.outputs == 1 {
            // XGBoost's scikit-learn wrapper takes 1 − p in float32.
            let complement: (Double) -> Double = ensemble.usesFloat32 ? { Double(1 - Float($0)) } : { 1 - $0 }
            return try Matrix(rows: x.rows, columns: 2, values: outputs.flatMap { [complement($0), $0] })
        }
        return try Matrix(rows: x.rows, columns: ensemble.outputs, values: outputs)
    }

    /// One prediction per row of `x`.
    public func predict(_ x: Matrix<Double>) throws -> [Double] {
        let probabilities = try predictProbabilities(x)
        return (0..<x.rows).map { i in
            var best = 0
            for c in 1..<probabilities.columns where probabilities[i, c] > probabilities[i, best] { best = c }
            return Double(best)
        }
    }

    /// Total gain per feature, normalized to sum 1.
    public var featureImportances: [Double] { ensemble.featureImportances() }

    /// Checks sizes and indices after loading, throwing `corrupt_archive` on the first inconsistency.
    public func validateStructure() throws {
        try ensemble.validate()
        switch ensemble.objective {
        case .logistic: guard ensemble.outputs == 1 else { throw ToolboxError(.corruptArchive, "a binary model has one output") }
        case .softmax(let k), .oneVsAll(let k, _):
            guard k == ensemble.outputs, k >= 2 else { throw ToolboxError(.corruptArchive, "\(k) classes with \(ensemble.outputs) outputs") }
        default: throw ToolboxError(.corruptArchive, "a classifier needs a logistic, softmax or one-vs-all objective")
        }
    }
}

/// Where an imported model came from (its "hyperparameters": the file's objective and library).
public struct ImportedModelInfo: Sendable, Hashable, Codable {
    /// `lightgbm` or `xgboost`.
    public var library: String
    /// The objective as the file names it (`binary`, `reg:squarederror`, ...).
    public var objective: String
}

/// Reading LightGBM and XGBoost model files.
public enum ModelImport {
    /// The largest model file read (1 GiB).
    public static let maximumFileSize = 1 << 30

    /// A LightGBM text model, an XGBoost JSON or UBJSON model, by content.
    /// - Throws: `ToolboxError/Code/corruptArchive` naming where a file is malformed,
    ///   `ToolboxError/Code/unsupported` for what is not read yet (XGBoost's gblinear and
    ///   vector-leaf trees, objectives without a known output).
    public static func load(_ path: String) throws -> any FittedModel {
        let bytes = try RegularFile.read(path, limit: maximumFileSize)
        do {
            return try decode(bytes)
        } catch var error as ToolboxError {
            if error.context.path == nil { error.context.path = path }
            throw error
        }
    }

    /// Whether `bytes` look like a LightGBM or XGBoost model.
    public static func recognizes(_ head: [UInt8]) -> Bool {
        isLightGBM(head) || head.first == UInt8(ascii: "{")
    }

    /// LightGBM's text models start with the line `tree`.
    static func isLightGBM(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes.prefix(16), as: UTF8.self)
        return text.hasPrefix("tree\n") || text.hasPrefix("tree\r\n")
    }

    /// A model from a LightGBM text file's or an XGBoost JSON/UBJSON file's bytes.
    /// - Throws: as ``load(_:)``, without the path.
    public static func decode(_ bytes: [UInt8]) throws -> any FittedModel {
        let (ensemble, objective): (ImportedEnsemble, String)
        if isLightGBM(bytes) {
            (ensemble, objective) = try LightGBMReader.read(bytes)
        } else if bytes.first == UInt8(ascii: "{") {
            // JSON starts with `{` and a quote or space; UBJSON with `{` then a length marker.
            let second = bytes.dropFirst().first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 })
            let value = second == UInt8(ascii: "\"") || second == UInt8(ascii: "}") ? try JSONValue(jsonText: String(decoding: bytes, as: UTF8.self))
                : try UBJSONReader.read(bytes)
            (ensemble, objective) = try XGBoostReader.read(value)
        } else {
            throw ToolboxError(.unsupported, "not a LightGBM text model or an XGBoost JSON/UBJSON model")
        }
        try ensemble.validate()
        let schema = ModelSchema(featureNames: ensemble.featureNames, categoricalFeatures: [], targetLabels: nil)
        let info = ImportedModelInfo(library: ensemble.source, objective: objective)
        switch ensemble.objective {
        // XGBoost's reg:logistic regresses on targets in [0, 1]: its output is the sigmoid.
        case .logistic where objective == "reg:logistic": return ImportedBoostedRegressor(hyperparameters: info, ensemble: ensemble, schema: schema)
        case .logistic, .softmax, .oneVsAll: return ImportedBoostedClassifier(hyperparameters: info, ensemble: ensemble, schema: schema)
        case .identity, .exponential: return ImportedBoostedRegressor(hyperparameters: info, ensemble: ensemble, schema: schema)
        }
    }
}

// LightGBM names unnamed inputs Column_0, ...; XGBoost f0, ...: a table of the model's feature
// count is read by position when its names do not match.
extension ImportedBoostedClassifier: PositionalInput {}
extension ImportedBoostedRegressor: PositionalInput {}
