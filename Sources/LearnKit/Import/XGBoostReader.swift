import Foundation
import ToolboxCore

/// XGBoost's JSON model (`save_model("m.json")`; the UBJSON form decodes to the same tree):
/// `learner.learner_model_param` (base score, classes, features), `learner.objective.name`,
/// `learner.gradient_booster.model.trees` with `left_children`, `right_children`,
/// `split_indices`, `split_conditions` (leaf values at leaves), `default_left`, `sum_hessian`,
/// and `tree_info` (each tree's class).
enum XGBoostReader {
    static func fail(_ message: String) -> ToolboxError { ToolboxError(.corruptArchive, "XGBoost model: \(message)") }

    static func object(_ value: JSONValue?, _ key: String) throws -> [String: JSONValue] {
        guard case .object(let object)? = value else { throw fail("\(key) is missing or not an object") }
        return object
    }

    static func numbers(_ value: JSONValue?, _ key: String) throws -> [Double] {
        guard case .array(let items)? = value else { throw fail("\(key) is missing or not a list") }
        return try items.map { item in
            switch item {
            case .number(let number): return number
            case .bool(let flag): return flag ? 1 : 0
            default: throw fail("\(key) holds a value that is not a number")
            }
        }
    }

    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case .number(let number)?: "\(number)"
        default: nil
        }
    }

    static func read(_ root: JSONValue) throws -> (ImportedEnsemble, String) {
        let learner = try object(root.objectValue?["learner"], "learner")
        let parameters = try object(learner["learner_model_param"], "learner.learner_model_param")
        guard let featureCount = text(parameters["num_feature"]).flatMap({ Int($0) }), (1..<10_000_000).contains(featureCount) else {
            throw fail("learner_model_param.num_feature is missing or out of range")
        }
        let classes = text(parameters["num_class"]).flatMap { Int($0) } ?? 0
        guard (0...10_000).contains(classes) else { throw fail("num_class \(classes) out of range") }
        if let targets = text(parameters["num_target"]).flatMap({ Int($0) }), targets > 1 {
            throw ToolboxError(.unsupported, "XGBoost models with \(targets) targets are not imported yet")
        }
        let scoreText = text(parameters["base_score"]) ?? "0.5"
        let scores = try scoreText.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",").map { token -> Double in
            guard let value = Double(token.trimmingCharacters(in: .whitespaces)) else { throw fail("base_score \(ToolboxError.excerpt(scoreText)) is not a number") }
            guard value.isFinite else { throw fail("base_score \(ToolboxError.excerpt(scoreText)) is not finite") }
            return value
        }
        let objectiveName = text(try object(learner["objective"], "learner.objective")["name"]) ?? ""
        let booster = try object(learner["gradient_booster"], "learner.gradient_booster")
        let boosterName = text(booster["name"]) ?? ""
        // DART keeps its trees as gbtree does, plus each tree's weight (`weight_drop`).
        let treeBooster: [String: JSONValue], weights: [Double]?
        switch boosterName {
        case "gbtree": (treeBooster, weights) = (booster, nil)
        case "dart":
            treeBooster = try object(booster["gbtree"], "gradient_booster.gbtree")
            weights = try numbers(booster["weight_drop"], "gradient_booster.weight_drop")
        default:
            throw ToolboxError(.unsupported, "XGBoost booster \(boosterName) is not imported (gbtree and dart are; gblinear is not)")
        }
        let model = try object(treeBooster["model"], "gradient_booster.model")
        let outputs = max(1, classes)
        let objective: ImportedObjective
        var baseline: [Double]
        func broadcast(_ values: [Double]) throws -> [Double] {
            if values.count == outputs { return values }
            if values.count == 1 { return [Double](repeating: values[0], count: outputs) }
            throw fail("base_score has \(values.count) values for \(outputs) outputs")
        }
        switch objectiveName {
        case "binary:logistic", "reg:logistic":
            // reg:logistic's output is the same sigmoid; the model is a regressor (``ModelImport/decode(_:)``).
            objective = .logistic(scale: 1)
            // The base score is a probability; the trees add to its log-odds.
            baseline = try broadcast(scores).map { p in
                guard let margin = XGBoostArithmetic.logisticMargin(p) else { throw fail("base_score \(p) is not a probability in (0, 1)") }
                return margin
            }
        case "binary:logitraw":
            objective = .logistic(scale: 1)
            baseline = try broadcast(scores)
        case "multi:softprob", "multi:softmax":
            guard classes >= 2 else { throw fail("\(objectiveName) with num_class \(classes)") }
            objective = .softmax(classes: classes)
            baseline = try broadcast(scores)
        case "reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror", "reg:quantileerror", "reg:linear":
            objective = .identity
            baseline = try broadcast(scores)
        case "count:poisson", "reg:gamma", "reg:tweedie":
            objective = .exponential
            baseline = try broadcast(scores).map { value in
                guard let margin = XGBoostArithmetic.logMargin(value) else { throw fail("base_score \(value) must be positive for \(objectiveName)") }
                return margin
            }
        default:
            throw ToolboxError(.unsupported, "XGBoost objective \(objectiveName) is not imported yet")
        }
        guard case .array(let treeValues)? = model["trees"], !treeValues.isEmpty else { throw fail("gradient_booster.model.trees is missing or empty") }
        let info = try numbers(model["tree_info"], "tree_info")
        guard info.count == treeValues.count, info.allSatisfy({ $0 >= 0 && $0 < Double(outputs) && $0 == $0.rounded() }) else {
            throw fail("tree_info has \(info.count) entries for \(treeValues.count) trees, or a class outside 0..<\(outputs)")
        }
        var trees = try treeValues.enumerated().map { index, value in try tree(value, index: index, featureCount: featureCount) }
        if let weights {
            guard weights.count == trees.count, weights.allSatisfy(\.isFinite) else {
                throw fail("weight_drop has \(weights.count) weights for \(trees.count) trees, or one that is not finite")
            }
            // A weighted tree is the tree with its leaves scaled (XGBoost's DART prediction).
            // XGBoost keeps the weights in float32: the JSON decimal is rounded to it first.
            for (index, weight) in weights.enumerated() { trees[index].dartWeight = Double(Float(weight)) }
        }
        var names: [String]?
        if case .array(let items)? = learner["feature_names"], items.count == featureCount {
            names = items.compactMap { if case .string(let name) = $0 { name } else { nil } }
            if names?.count != featureCount { names = nil }
        }
        let ensemble = ImportedEnsemble(source: "xgboost", objective: objective, baseline: baseline, trees: trees, treeOutput: info.map { Int32($0) },
                                        featureCount: featureCount, featureNames: names, averageOutput: false)
        return (ensemble, objectiveName)
    }

    static func tree(_ value: JSONValue, index: Int, featureCount: Int) throws -> ImportedTree {
        let node = try object(value, "trees[\(index)]")
        let lefts = try numbers(node["left_children"], "trees[\(index)].left_children")
        let n = lefts.count
        guard n >= 1 else { throw fail("trees[\(index)] has no nodes") }
        func column(_ key: String) throws -> [Double] {
            let values = try numbers(node[key], "trees[\(index)].\(key)")
            guard values.count == n else { throw fail("trees[\(index)].\(key) has \(values.count) entries for \(n) nodes") }
            return values
        }
        let rights = try column("right_children"), features = try column("split_indices"), conditions = try column("split_conditions")
        let defaults = try column("default_left"), hessians = try column("sum_hessian")
        var tree = ImportedTree()
        tree.gain = (try? column("loss_changes")) ?? [Double](repeating: 0, count: n)
        tree.feature = [Int32](repeating: -1, count: n)
        tree.threshold = [Double](repeating: 0, count: n)
        tree.left = [Int32](repeating: -1, count: n)
        tree.right = [Int32](repeating: -1, count: n)
        tree.defaultLeft = defaults.map { $0 != 0 }
        tree.rule = [ImportedSplitRule](repeating: .xgboost, count: n)
        tree.categorySet = [Int32](repeating: -1, count: n)
        tree.value = [Double](repeating: 0, count: n)
        tree.cover = hessians
        for i in 0..<n {
            if lefts[i] == -1 {
                tree.value[i] = conditions[i]
                continue
            }
            let l = lefts[i], r = rights[i], f = features[i]
            guard l == l.rounded(), r == r.rounded(), l > Double(i), r > Double(i), l < Double(n), r < Double(n) else {
                throw fail("trees[\(index)] node \(i) has children \(l) and \(r) outside \(i + 1)..<\(n)")
            }
            guard f == f.rounded(), f >= 0, f < Double(featureCount) else { throw fail("trees[\(index)] node \(i) splits on feature \(f) of \(featureCount)") }
            tree.feature[i] = Int32(f)
            tree.left[i] = Int32(l)
            tree.right[i] = Int32(r)
            tree.threshold[i] = Double(Float(conditions[i]))
        }
        if node["split_type"] != nil, try column("split_type").contains(where: { $0 != 0 }) {
            try readCategories(node, into: &tree, index: index, types: try column("split_type"))
        }
        return tree
    }

    /// XGBoost's categorical splits: for each categorical node (`categories_nodes`, ascending),
    /// a segment of `categories` lists the categories that go right; every other category (and
    /// a negative or huge one) goes left, a missing value by `default_left`.
    static func readCategories(_ node: [String: JSONValue], into tree: inout ImportedTree, index: Int, types: [Double]) throws {
        let name = "trees[\(index)]"
        let nodes = try numbers(node["categories_nodes"], "\(name).categories_nodes")
        let segments = try numbers(node["categories_segments"], "\(name).categories_segments")
        let sizes = try numbers(node["categories_sizes"], "\(name).categories_sizes")
        let categories = try numbers(node["categories"], "\(name).categories")
        guard segments.count == nodes.count, sizes.count == nodes.count else {
            throw fail("\(name) has \(nodes.count) categorical nodes but \(segments.count) segments and \(sizes.count) sizes")
        }
        var totalWords = 0
        var previous = -1.0
        for (k, nodeIndex) in nodes.enumerated() {
            guard nodeIndex == nodeIndex.rounded(), nodeIndex > previous, nodeIndex < Double(tree.nodeCount), tree.left[Int(nodeIndex)] >= 0,
                  types[Int(nodeIndex)] == 1 else {
                throw fail("\(name) categorical node \(nodeIndex) is not a categorical split of the tree")
            }
            previous = nodeIndex
            let start = segments[k], size = sizes[k]
            guard start == start.rounded(), size == size.rounded(), start >= 0, size >= 1, start + size <= Double(categories.count) else {
                throw fail("\(name) categorical node \(Int(nodeIndex)) has segment \(start) + \(size) outside \(categories.count) categories")
            }
            let chosen = categories[Int(start)..<Int(start + size)]
            guard chosen.allSatisfy({ $0 == $0.rounded() && $0 >= 0 && $0 < 16_777_216 }) else {
                throw fail("\(name) categorical node \(Int(nodeIndex)) lists a category that is not a whole number in 0..<2^24")
            }
            let words = Int(chosen.max()!) / 32 + 1
            totalWords += words
            guard totalWords <= 1 << 24 else { throw fail("\(name) category sets are larger than 64 MiB") }
            var bits = [UInt32](repeating: 0, count: words)
            for category in chosen { bits[Int(category) / 32] |= 1 << UInt32(Int(category) % 32) }
            tree.categorySet[Int(nodeIndex)] = Int32(tree.categorySets.count)
            tree.categorySets.append(bits)
        }
        guard let missing = types.indices.first(where: { types[$0] == 1 && tree.left[$0] >= 0 && tree.categorySet[$0] < 0 }) else { return }
        throw fail("\(name) node \(missing) is a categorical split without categories")
    }
}

/// Universal Binary JSON (ubjson.org), as XGBoost writes `.ubj` models: big-endian numbers,
/// optimized containers with a type and a count. Counts are checked against the bytes left
/// before anything is allocated; nesting is limited to 64 levels.
enum UBJSONReader {
    static func read(_ bytes: [UInt8]) throws -> JSONValue {
        var reader = UBJSONReader.Cursor(bytes: bytes)
        let value = try reader.value(depth: 0)
        return value
    }

    struct Cursor {
        let bytes: [UInt8]
        var offset = 0

        func fail(_ message: String) -> ToolboxError {
            ToolboxError(.corruptArchive, "UBJSON: \(message) at byte \(offset)", context: ErrorContext(byteOffset: offset))
        }

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw fail("unexpected end") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func bigEndian(_ count: Int) throws -> UInt64 {
            guard offset + count <= bytes.count else { throw fail("unexpected end") }
            var value: UInt64 = 0
            for k in 0..<count { value = value << 8 | UInt64(bytes[offset + k]) }
            offset += count
            return value
        }

        mutating func integer(_ marker: UInt8) throws -> Int64 {
            switch marker {
            case UInt8(ascii: "i"): return Int64(Int8(bitPattern: try byte()))
            case UInt8(ascii: "U"): return Int64(try byte())
            case UInt8(ascii: "I"): return Int64(Int16(truncatingIfNeeded: try bigEndian(2)))
            case UInt8(ascii: "l"): return Int64(Int32(truncatingIfNeeded: try bigEndian(4)))
            case UInt8(ascii: "L"): return Int64(bitPattern: try bigEndian(8))
            default: throw fail("expected an integer marker, got \(marker)")
            }
        }

        mutating func count() throws -> Int {
            let n = try integer(try byte())
            guard n >= 0, n <= Int64(bytes.count - offset) else { throw fail("count \(n) exceeds the \(bytes.count - offset) bytes left") }
            return Int(n)
        }

        mutating func string() throws -> String {
            let n = try count()
            defer { offset += n }
            return String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
        }

        static func size(_ marker: UInt8) -> Int {
            switch marker {
            case UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "C"): 1
            case UInt8(ascii: "I"): 2
            case UInt8(ascii: "l"), UInt8(ascii: "d"): 4
            case UInt8(ascii: "L"), UInt8(ascii: "D"): 8
            default: 1
            }
        }

        mutating func value(depth: Int, marker given: UInt8? = nil) throws -> JSONValue {
            guard depth < 64 else { throw fail("nesting deeper than 64") }
            var marker = try given ?? byte()
            while marker == UInt8(ascii: "N") { marker = try byte() }
            switch marker {
            case UInt8(ascii: "Z"): return .null
            case UInt8(ascii: "T"): return .bool(true)
            case UInt8(ascii: "F"): return .bool(false)
            case UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "I"), UInt8(ascii: "l"), UInt8(ascii: "L"): return .number(Double(try integer(marker)))
            case UInt8(ascii: "d"): return .number(Double(Float(bitPattern: UInt32(try bigEndian(4)))))
            case UInt8(ascii: "D"): return .number(Double(bitPattern: try bigEndian(8)))
            case UInt8(ascii: "C"): return .string(String(UnicodeScalar(try byte())))
            case UInt8(ascii: "S"), UInt8(ascii: "H"): return .string(try string())
            case UInt8(ascii: "["):
                let (type, n) = try containerHeader()
                var items: [JSONValue] = []
                if let n {
                    if let type { guard n * Self.size(type) <= bytes.count - offset else { throw fail("\(n) items exceed the bytes left") } }
                    items.reserveCapacity(n)
                    for _ in 0..<n { items.append(try value(depth: depth + 1, marker: type)) }
                } else {
                    while true {
                        guard offset < bytes.count else { throw fail("unterminated array") }
                        if bytes[offset] == UInt8(ascii: "]") { offset += 1; break }
                        items.append(try value(depth: depth + 1))
                    }
                }
                return .array(items)
            case UInt8(ascii: "{"):
                let (type, n) = try containerHeader()
                var object: [String: JSONValue] = [:]
                if let n {
                    for _ in 0..<n { let key = try string(); object[key] = try value(depth: depth + 1, marker: type) }
                } else {
                    while true {
                        guard offset < bytes.count else { throw fail("unterminated object") }
                        if bytes[offset] == UInt8(ascii: "}") { offset += 1; break }
                        let key = try string()
                        object[key] = try value(depth: depth + 1)
                    }
                }
                return .object(object)
            default:
                offset -= 1
                throw fail("unknown marker \(marker)")
            }
        }

        /// An optimized container's `$type` and `#count`, when given.
        mutating func containerHeader() throws -> (type: UInt8?, count: Int?) {
            var type: UInt8?
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "$") {
                offset += 1
                type = try byte()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: "#") else { throw fail("a typed container needs a count") }
            }
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "#") {
                offset += 1
                return (type, try count())
            }
            return (type, nil)
        }
    }
}
