import Foundation
import ToolboxCore

/// `early_stopping`: `auto` (on when there are more than 10,000 rows, as scikit-learn), `true`
/// or `false`.
public enum EarlyStopping: Sendable, Hashable, Codable {
    case auto, on, off

    static let kind = HyperparameterKind.oneOf([.choice(["auto"]), .bool])

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = flag ? .on : .off; return }
        let text = try container.decode(String.self)
        guard text == "auto" else {
            throw ToolboxError(.invalidParameter, "early_stopping is auto, true or false, got \(text)", context: ErrorContext(parameter: "early_stopping"))
        }
        self = .auto
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .auto: try container.encode("auto")
        case .on: try container.encode(true)
        case .off: try container.encode(false)
        }
    }
}

/// `categorical_features`: which columns are split as categories (many-vs-many), as
/// scikit-learn's: `"from_dtype"` (the default: the fit context's categorical columns, the
/// text columns of a table), `null` (none), or a list of column indices, booleans (one per
/// column) or feature names.
public enum CategoricalFeatureSelection: Sendable, Hashable, Codable {
    case fromDType, none
    case indices([Int]), mask([Bool]), names([String])

    static let kind = HyperparameterKind.optional(.oneOf([.choice(["from_dtype"]), .sequence(.integer(minimum: 0, maximum: nil)),
                                                          .sequence(.bool), .sequence(.text)]))

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .none; return }
        if let text = try? container.decode(String.self) {
            guard text == "from_dtype" else {
                throw ToolboxError(.invalidParameter, "categorical_features is \"from_dtype\", null or a list, got \(text)",
                                   context: ErrorContext(parameter: "categorical_features"))
            }
            self = .fromDType
        } else if let flags = try? container.decode([Bool].self) {
            self = .mask(flags)
        } else if let indices = try? container.decode([Int].self) {
            self = .indices(indices)
        } else {
            self = .names(try container.decode([String].self))
        }
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .fromDType: try container.encode("from_dtype")
        case .none: try container.encodeNil()
        case .indices(let indices): try container.encode(indices)
        case .mask(let flags): try container.encode(flags)
        case .names(let names): try container.encode(names)
        }
    }

    /// One flag per column of `x`.
    func resolve(columns: Int, context: FitContext) throws -> [Bool] {
        var flags = [Bool](repeating: false, count: columns)
        func fail(_ message: String) -> ToolboxError { ToolboxError(.invalidParameter, message, context: ErrorContext(parameter: "categorical_features")) }
        switch self {
        case .none: break
        case .fromDType:
            for feature in context.categoricalFeatures where feature.column >= 0 && feature.column < columns { flags[feature.column] = true }
        case .indices(let indices):
            for index in indices {
                guard index >= 0, index < columns else { throw fail("categorical feature index \(index) is outside 0..<\(columns)") }
                flags[index] = true
            }
        case .mask(let mask):
            guard mask.count == columns else { throw fail("categorical_features has \(mask.count) flags for \(columns) columns") }
            flags = mask
        case .names(let names):
            guard let featureNames = context.featureNames else { throw fail("categorical_features names columns, but the data has no feature names") }
            for name in names {
                guard let index = featureNames.firstIndex(of: name) else { throw fail("categorical feature \(name) is not a column") }
                flags[index] = true
            }
        }
        return flags
    }
}

/// `monotonic_cst`: per feature, 1 (the prediction may only increase with it), −1 (only
/// decrease) or 0 (no constraint), as a list with one entry per column or a mapping from
/// feature names (others 0), as scikit-learn's.
public enum MonotonicConstraints: Sendable, Hashable, Codable {
    case list([Int]), byName([String: Int])

    static let kind = HyperparameterKind.optional(.oneOf([.sequence(.integer(minimum: -1, maximum: 1)), .mapping(.integer(minimum: -1, maximum: 1))]))

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let list = try? container.decode([Int].self) { self = .list(list) } else { self = .byName(try container.decode([String: Int].self)) }
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .list(let list): try container.encode(list)
        case .byName(let map): try container.encode(map)
        }
    }

    func resolve(columns: Int, featureNames: [String]?) throws -> [Int8] {
        func fail(_ message: String) -> ToolboxError { ToolboxError(.invalidParameter, message, context: ErrorContext(parameter: "monotonic_cst")) }
        var constraints = [Int8](repeating: 0, count: columns)
        switch self {
        case .list(let list):
            guard list.count == columns else { throw fail("monotonic_cst has \(list.count) entries for \(columns) features") }
            for (feature, value) in list.enumerated() {
                guard (-1...1).contains(value) else { throw fail("monotonic_cst entries are -1, 0 or 1; feature \(feature) has \(value)") }
                constraints[feature] = Int8(value)
            }
        case .byName(let map):
            guard let featureNames else { throw fail("monotonic_cst names features, but the data has no feature names") }
            for (name, value) in map.sorted(by: { $0.key < $1.key }) {
                guard let index = featureNames.firstIndex(of: name) else { throw fail("monotonic_cst names \(name), which is not a feature") }
                guard (-1...1).contains(value) else { throw fail("monotonic_cst entries are -1, 0 or 1; \(name) has \(value)") }
                constraints[index] = Int8(value)
            }
        }
        return constraints
    }
}

/// `interaction_cst`: which features may interact (be split on along one path from the root),
/// as scikit-learn's: `pairwise`, `no_interactions`, or groups of feature indices. Features in
/// no group form one more group. Below a split on feature f, only the features of the groups
/// (still allowed there) that contain f may split. Indices are the data's columns; scikit-learn
/// 1.9 reads them after moving categorical columns first (it remaps `monotonic_cst`, not
/// these), so with categorical features its constraints may name other columns than ours.
public enum InteractionConstraints: Sendable, Hashable, Codable {
    case pairwise, noInteractions
    case groups([[Int]])

    static let kind = HyperparameterKind.optional(.oneOf([.choice(["pairwise", "no_interactions"]),
                                                          .sequence(.sequence(.integer(minimum: 0, maximum: nil)))]))
    /// The most groups a model takes (`pairwise` on 1,415 features is about this many).
    public static let maximumGroups = 1_000_000

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let name = try? container.decode(String.self) {
            switch name {
            case "pairwise": self = .pairwise
            case "no_interactions": self = .noInteractions
            default:
                throw ToolboxError(.invalidParameter, "interaction_cst is pairwise, no_interactions or a list of feature groups, got \(name)",
                                   context: ErrorContext(parameter: "interaction_cst"))
            }
        } else {
            self = .groups(try container.decode([[Int]].self))
        }
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .pairwise: try container.encode("pairwise")
        case .noInteractions: try container.encode("no_interactions")
        case .groups(let groups): try container.encode(groups)
        }
    }

    /// The groups as scikit-learn's `_check_interaction_cst` builds them: a Python set per
    /// group (its members added in the order given), then the features in none as one more.
    func resolve(columns: Int) throws -> [PythonIntSet] {
        func fail(_ message: String) -> ToolboxError { ToolboxError(.invalidParameter, message, context: ErrorContext(parameter: "interaction_cst")) }
        var groups: [PythonIntSet]
        switch self {
        case .noInteractions: groups = (0..<columns).map { PythonIntSet([$0]) }
        case .pairwise:
            let (product, overflow) = columns.multipliedReportingOverflow(by: columns - 1)
            guard !overflow, product / 2 <= Self.maximumGroups else { throw fail("pairwise on \(columns) features makes more than \(Self.maximumGroups) groups") }
            groups = []
            groups.reserveCapacity(product / 2)
            for i in 0..<columns { for j in (i + 1)..<max(i + 1, columns) { groups.append(PythonIntSet([i, j])) } }
        case .groups(let given):
            guard given.count <= Self.maximumGroups else { throw fail("\(given.count) groups; at most \(Self.maximumGroups)") }
            groups = try given.enumerated().map { index, group in
                if let bad = group.first(where: { $0 < 0 || $0 >= columns }) {
                    throw fail("group \(index) names feature \(bad); the data has \(columns) features")
                }
                return PythonIntSet(group)
            }
        }
        var listed = PythonIntSet()
        for group in groups { listed.merge(group) }
        let rest = PythonIntSet(0..<columns).subtracting(listed)
        if rest.used > 0 { groups.append(rest) }
        return groups
    }
}

/// `validation_fraction`: the rows early stopping holds out, as scikit-learn takes them: a
/// fraction of the rows, or a number of rows (a whole number of at least 1).
public enum ValidationRows: Sendable, Hashable, Codable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    case fraction(Double)
    case count(Int)

    static let kind = HyperparameterKind.optional(.oneOf([.real(minimum: 0, maximum: 1, exclusiveMinimum: true), .integer(minimum: 1, maximum: nil)]))

    /// A share of the rows, as `validation_fraction=0.1`.
    public init(floatLiteral value: Double) { self = .fraction(value) }
    /// A number of rows, as `validation_fraction=50`.
    public init(integerLiteral value: Int) { self = .count(value) }

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(Double.self)
        if value >= 1, value == value.rounded(), value < 9.2e18 {
            self = .count(Int(value))
        } else if value > 0, value < 1 {
            self = .fraction(value)
        } else {
            throw ToolboxError(.invalidParameter, "validation_fraction is a fraction in (0, 1) or a count of at least 1, got \(value)",
                               context: ErrorContext(parameter: "validation_fraction"))
        }
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .fraction(let fraction): try container.encode(fraction)
        case .count(let count): try container.encode(count)
        }
    }

    /// The rows held out of `n` (scikit-learn's `_validate_shuffle_split`: a fraction rounds up).
    func testCount(of n: Int) -> Int {
        switch self {
        case .fraction(let fraction): Int((fraction * Double(n)).rounded(.up))
        case .count(let count): count
        }
    }
}

/// `scoring`: what early stopping watches on the validation rows, as scikit-learn's: `loss`
/// (the default) or a scorer computed from the raw scores kept as trees are added.
public enum EarlyStoppingScoring: String, CaseIterable, Sendable, Hashable, Codable {
    case loss, accuracy, balancedAccuracy = "balanced_accuracy", f1Macro = "f1_macro", rocAUC = "roc_auc"
    case r2, negativeMeanSquaredError = "neg_mean_squared_error", negativeMeanAbsoluteError = "neg_mean_absolute_error"

    var forClassifiers: Bool { [.accuracy, .balancedAccuracy, .f1Macro, .rocAUC].contains(self) }
    var forRegressors: Bool { [.r2, .negativeMeanSquaredError, .negativeMeanAbsoluteError].contains(self) }
}

/// The hyperparameters histogram gradient boosting shares between its classifier and regressor,
/// with scikit-learn's names and defaults.
public struct BoostingParameters: Sendable, Hashable, Codable {
    /// `learning_rate` (> 0, default 0.1): the shrinkage of each tree's leaves.
    public var learningRate: Double = 0.1
    /// `max_iter` (≥ 1, default 100): boosting iterations (one tree each; one per class for multiclass).
    public var maxIterations: Int = 100
    /// `max_leaf_nodes` (≥ 2 or `null`, default 31): leaves per tree, grown best-first.
    public var maxLeafNodes: Int? = 31
    /// `max_depth` (≥ 1 or `null`, default `null`): depth limit.
    public var maxDepth: Int?
    /// `min_samples_leaf` (≥ 1, default 20): samples per leaf at least.
    public var minSamplesLeaf: Int = 20
    /// `l2_regularization` (≥ 0, default 0): λ in the leaf value −G/(H + λ).
    public var l2Regularization: Double = 0
    /// `l1_regularization` (≥ 0, default 0; LightGBM's `lambda_l1`): gradient sums shrink toward
    /// zero by it, so small leaves go to zero.
    public var l1Regularization: Double = 0
    /// `min_sum_hessian_in_leaf` (≥ 0, default 1e-3, LightGBM's name; scikit-learn fixes it at
    /// 1e-3): the hessian a leaf needs at least.
    public var minHessianLeaf: Double = 1e-3
    /// `max_bins` (2...255, default 255): bins for non-missing values per feature.
    public var maxBins: Int = 255
    /// `max_features` (0 < f ≤ 1, default 1): the fraction of features each split considers,
    /// drawn as scikit-learn draws them for the same `random_state` (NumPy's `default_rng`).
    public var maxFeatures: Double = 1
    /// `early_stopping` (`auto`, `true`, `false`; default `auto`).
    public var earlyStopping: EarlyStopping = .auto
    /// `validation_fraction` (default 0.1): the rows early stopping holds out, as a fraction
    /// (0 < f < 1) or a count (≥ 1); `nil` (`null`) watches the training rows instead. The fit
    /// context's evaluation set, when given, is used instead.
    public var validationFraction: ValidationRows? = .fraction(0.1)
    /// `n_iter_no_change` (≥ 1, default 10): stop when the validation loss has not improved by
    /// more than `tol` for this many iterations.
    public var iterationsWithoutChange: Int = 10
    /// `tol` (≥ 0, default 1e-7).
    public var tolerance: Double = 1e-7
    /// `scoring` (default `loss`): what early stopping watches.
    public var scoring: EarlyStoppingScoring = .loss
    /// `categorical_features` (default `"from_dtype"`): the columns split as categories.
    public var categoricalFeatures: CategoricalFeatureSelection = .fromDType
    /// `monotonic_cst` (default `null`): monotonic constraints per feature.
    public var monotonicConstraints: MonotonicConstraints?
    /// `interaction_cst` (default `null`): which features may interact.
    public var interactionConstraints: InteractionConstraints?
    /// `subsample` (0 < f ≤ 1, default 1): the fraction of training rows each iteration's trees
    /// are grown on, drawn without replacement (LightGBM's `bagging_fraction` with
    /// `bagging_freq=1`, scikit-learn's `GradientBoosting` `subsample`).
    public var subsample: Double = 1
    /// `random_state` (default 0): seeds the binning subsample, validation split and feature draws.
    public var seed: UInt64 = 0
    /// `n_jobs` (≥ 1 or `null`): threads; results do not depend on it.
    public var threads: Int?

    /// scikit-learn's defaults for every boosting hyperparameter.
    public init() {}

    static let hyperparameterSchema: [Hyperparameter<BoostingParameters>] = [
        .real("learning_rate", \.learningRate, minimum: 0, exclusiveMinimum: true, "shrinkage of each tree").hinted(.logUniform(0.01, 1)),
        .integer("max_iter", \.maxIterations, minimum: 1, "boosting iterations").hinted(.integer(50, 1000, log: true)),
        .optionalInteger("max_leaf_nodes", \.maxLeafNodes, minimum: 2, "leaves per tree (null: no limit)").hinted(.integer(8, 256, log: true)),
        .optionalInteger("max_depth", \.maxDepth, minimum: 1, "depth limit (null: none)").hinted(.integer(2, 16)),
        .integer("min_samples_leaf", \.minSamplesLeaf, minimum: 1, "samples per leaf at least").hinted(.integer(1, 200, log: true)),
        .real("l2_regularization", \.l2Regularization, minimum: 0, "L2 penalty on leaf values").hinted(.logUniform(1e-8, 10)),
        .real("l1_regularization", \.l1Regularization, minimum: 0, "L1 penalty on leaf values"),
        .real("min_sum_hessian_in_leaf", \.minHessianLeaf, minimum: 0, "hessian a leaf needs at least"),
        .integer("max_bins", \.maxBins, minimum: 2, maximum: 255, "bins for non-missing values"),
        .real("max_features", \.maxFeatures, minimum: 0, maximum: 1, exclusiveMinimum: true, "fraction of features per split").hinted(.uniform(0.2, 1)),
        .coded("early_stopping", \.earlyStopping, kind: EarlyStopping.kind, "auto (on above 10,000 rows), true or false"),
        .coded("validation_fraction", \.validationFraction, kind: ValidationRows.kind,
               "rows held out for early stopping: a fraction in (0, 1), a count, or null (the training rows)"),
        .integer("n_iter_no_change", \.iterationsWithoutChange, minimum: 1, "patience of early stopping"),
        .real("tol", \.tolerance, minimum: 0, "improvement early stopping asks for"),
        .choice("scoring", \.scoring, "what early stopping watches: loss, or a scorer (accuracy, roc_auc, r2, ...)"),
        .coded("categorical_features", \.categoricalFeatures, kind: CategoricalFeatureSelection.kind,
               "from_dtype (the data's categorical columns), null, or indices, booleans or names of columns split as categories"),
        .coded("monotonic_cst", \.monotonicConstraints, kind: MonotonicConstraints.kind,
               "per feature 1 (increasing), -1 (decreasing) or 0, as a list or by feature name"),
        .coded("interaction_cst", \.interactionConstraints, kind: InteractionConstraints.kind,
               "pairwise, no_interactions, or groups of feature indices that may interact (the rest one more group)"),
        .real("subsample", \.subsample, minimum: 0, maximum: 1, exclusiveMinimum: true, "fraction of rows each iteration grows on").hinted(.uniform(0.5, 1)),
        .seed("random_state", \.seed, maximum: UInt64.max, "seed of subsampling, validation split and feature draws"),
        .optionalInteger("n_jobs", \.threads, minimum: 1, "threads (null: every core); results do not depend on it"),
    ]
}
