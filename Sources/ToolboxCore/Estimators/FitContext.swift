/// A categorical input column: where it is and what its integer codes mean.
///
/// Categorical features reach learners as codes `0, 1, ...` in a matrix column (NaN for
/// missing), as LightGBM takes them; code `k` stands for `categories[k]`.
public struct CategoricalFeature: Sendable, Hashable, Codable {
    /// The column index in the matrix.
    public var column: Int
    /// The category names; code `k` is `categories[k]`.
    public var categories: [String]

    /// The categorical column at index `column`, whose code `k` stands for `categories[k]`.
    public init(column: Int, categories: [String]) {
        self.column = column
        self.categories = categories
    }
}

/// Held-out data an estimator may watch while it fits (early stopping, progress losses).
public struct EvaluationSet: Sendable {
    /// The held-out features, with the training data's columns.
    public var x: Matrix<Double>
    /// The held-out targets, coded as the training targets are.
    public var y: [Double]
    /// Weights of the evaluation rows; `nil` weighs each 1.
    public var sampleWeights: [Double]?

    /// Held-out rows and targets, optionally weighted.
    public init(x: Matrix<Double>, y: [Double], sampleWeights: [Double]? = nil) {
        self.x = x
        self.y = y
        self.sampleWeights = sampleWeights
    }
}

/// One progress report from an iterative fit.
public struct FitProgress: Sendable, Hashable {
    /// The iteration (boosting round, epoch, solver step) just finished, from 1.
    public var iteration: Int
    /// The training loss after it, when the estimator computes one.
    public var trainLoss: Double?
    /// The loss on the evaluation set after it, when one was given.
    public var validationLoss: Double?
    /// The pipeline step reporting, when the estimator runs inside a pipeline.
    public var step: String?
    /// The cross-validation split (from 0) whose fit reports, when it runs inside one.
    public var fold: Int?

    /// A report for `iteration`, with whatever losses, step and fold are known.
    public init(iteration: Int, trainLoss: Double? = nil, validationLoss: Double? = nil, step: String? = nil, fold: Int? = nil) {
        self.iteration = iteration
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.step = step
        self.fold = fold
    }
}

/// What a progress callback answers: go on, stop now and keep the model as it is, or cancel
/// the fit (it throws ``ToolboxError/Code/cancelled``; a pruned trial).
public enum FitDirective: Sendable, Hashable {
    case proceed
    case stop
    case cancel
}

/// The pieces of a ``FitContext`` an estimator honours. Pipelines and cross-validation give
/// each step the weights, evaluation set and progress callback only when it declares them;
/// feature names, categorical columns and class labels reach every estimator (declaring
/// ``categoricalFeatures`` means splitting them natively).
public struct FitContextUsage: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// A weight per training row (scikit-learn's `sample_weight`).
    public static let sampleWeights = FitContextUsage(rawValue: 1 << 0)
    /// Categorical columns split natively rather than as numbers.
    public static let categoricalFeatures = FitContextUsage(rawValue: 1 << 1)
    /// An evaluation set watched during the fit.
    public static let evaluationSet = FitContextUsage(rawValue: 1 << 2)
    /// Progress reported per iteration, with the option to stop.
    public static let progress = FitContextUsage(rawValue: 1 << 3)
}

/// Everything that travels with `x` and `y` into `fit`: sample weights, feature names,
/// categorical columns, class labels, an evaluation set and a progress callback.
///
/// Every piece is optional, so a simple estimator ignores what it does not use (and says what it
/// uses in ``Estimator/fitContextUsage``). Pipelines route each piece to the steps that use it,
/// renaming features as transformers change columns, after scikit-learn's metadata routing;
/// cross-validation slices the per-row pieces per fold.
///
/// ```swift
/// let features = try table.toMatrix(columns: ["area", "district"])
/// let target = try table.target(named: "label")            // strings become codes + labels
/// var context = FitContext(features, targetLabels: target.labels)
/// context.sampleWeights = weights
/// context.progress = { report in report.iteration < 50 ? .proceed : .stop }
/// let model = try RandomForestClassifier().fit(features.matrix, target.values, context: context)
/// try model.predictLabels(testFeatures)                      // ["spam", "ham", ...]
/// ```
public struct FitContext: Sendable {
    /// A non-negative weight per row; `nil` weighs every row 1.
    public var sampleWeights: [Double]?
    /// The name of each column of `x`; models remember them and check them at predict time.
    public var featureNames: [String]?
    /// The columns of `x` that hold category codes.
    public var categoricalFeatures: [CategoricalFeature]
    /// For classification targets given as codes `0, 1, ...`: the label of each code (so a model
    /// fitted on `"spam"`/`"ham"` answers with them).
    public var targetLabels: [String]?
    /// Held-out data to watch while fitting.
    public var evaluationSet: EvaluationSet?
    /// Called after each iteration of an iterative fit; answering ``FitDirective/stop`` ends it.
    public var progress: (@Sendable (FitProgress) -> FitDirective)?
    /// The pipeline step this context is routed to, named in progress reports.
    public var stepName: String?
    /// The cross-validation split this fit belongs to, named in progress reports.
    public var fold: Int?
    /// A request to stop early, checked between units of work; it reaches every step of a
    /// pipeline and every fold of a cross-validation (it is not routed away).
    public var cancellation: CancellationFlag?

    /// A context with any of its pieces; every one defaults to absent.
    public init(sampleWeights: [Double]? = nil, featureNames: [String]? = nil,
                categoricalFeatures: [CategoricalFeature] = [], targetLabels: [String]? = nil,
                evaluationSet: EvaluationSet? = nil, progress: (@Sendable (FitProgress) -> FitDirective)? = nil) {
        self.sampleWeights = sampleWeights
        self.featureNames = featureNames
        self.categoricalFeatures = categoricalFeatures
        self.targetLabels = targetLabels
        self.evaluationSet = evaluationSet
        self.progress = progress
    }

    /// A context carrying the names and categorical columns of a table's feature matrix.
    public init(_ features: FeatureMatrix, targetLabels: [String]? = nil, sampleWeights: [Double]? = nil) {
        self.init(sampleWeights: sampleWeights, featureNames: features.featureNames,
                  categoricalFeatures: features.categoricalColumns.map {
                      CategoricalFeature(column: $0, categories: features.categories[features.featureNames[$0]] ?? [])
                  },
                  targetLabels: targetLabels)
    }

    /// Which pieces are present.
    public var piecesPresent: FitContextUsage {
        var pieces: FitContextUsage = []
        if sampleWeights != nil { pieces.insert(.sampleWeights) }
        if !categoricalFeatures.isEmpty { pieces.insert(.categoricalFeatures) }
        if evaluationSet != nil { pieces.insert(.evaluationSet) }
        if progress != nil { pieces.insert(.progress) }
        return pieces
    }

    /// Reports progress and returns `true` when the callback asks to stop.
    ///
    /// A callback answering ``FitDirective/cancel`` counts as a stop here; fits that can end
    /// with an error call ``checkedProgress(_:)`` instead.
    public func shouldStop(after progress: FitProgress) -> Bool {
        guard let callback = self.progress else { return false }
        var report = progress
        report.step = report.step ?? stepName
        report.fold = report.fold ?? fold
        return callback(report) != .proceed
    }

    /// Checks for cancellation, then reports progress: `true` when the callback asks to stop.
    /// - Throws: ``ToolboxError/Code/cancelled`` when the flag or the running task is cancelled,
    ///   or the callback answers ``FitDirective/cancel``.
    public func checkedProgress(_ progress: FitProgress) throws -> Bool {
        try checkCancellation()
        guard let callback = self.progress else { return false }
        var report = progress
        report.step = report.step ?? stepName
        report.fold = report.fold ?? fold
        switch callback(report) {
        case .proceed: return false
        case .stop: return true
        case .cancel: throw ToolboxError(.cancelled, "the fit was cancelled by its progress callback")
        }
    }

    /// Throws ``ToolboxError/Code/cancelled`` when the flag or the running Swift task is cancelled.
    public func checkCancellation() throws {
        if let cancellation { try cancellation.check("the fit") } else if Task.isCancelled {
            throw ToolboxError(.cancelled, "the fit was cancelled")
        }
    }

    /// Whether the flag or the running Swift task is cancelled (for loops that cannot throw).
    public var isCancelled: Bool { (cancellation?.isCancelled ?? false) || Task.isCancelled }

    /// The context as an estimator that honours `usage` should see it: weights, evaluation set
    /// and progress only when it uses them; names, categorical columns (which encoders name their
    /// outputs by, and models record) and labels always.
    public func routed(to usage: FitContextUsage) -> FitContext {
        var routed = self
        if !usage.contains(.sampleWeights) { routed.sampleWeights = nil }
        if !usage.contains(.evaluationSet) { routed.evaluationSet = nil }
        if !usage.contains(.progress) { routed.progress = nil }
        return routed
    }

    /// Throws when a piece that needs a consumer (weights, an evaluation set) is given but
    /// nothing in `usage` takes it: silently fitting unweighted is worse than an error.
    /// - Parameter consumer: what is being fitted, for the message.
    /// - Parameter usage: what the fitted estimators take.
    public func requireConsumers(_ usage: FitContextUsage, consumer: String) throws {
        if sampleWeights != nil && !usage.contains(.sampleWeights) {
            throw ToolboxError(.invalidParameter, "sample weights were given, but nothing in \(consumer) uses them",
                               context: ErrorContext(parameter: "sampleWeights"))
        }
        if evaluationSet != nil && !usage.contains(.evaluationSet) {
            throw ToolboxError(.invalidParameter, "an evaluation set was given, but nothing in \(consumer) uses one",
                               context: ErrorContext(parameter: "evaluationSet"))
        }
    }

    /// The context for a subset of the rows (a cross-validation fold): per-row pieces sliced.
    public func selectingRows(_ indices: [Int]) -> FitContext {
        var subset = self
        if let sampleWeights { subset.sampleWeights = indices.map { sampleWeights[$0] } }
        return subset
    }

    /// Checks the pieces against `x` and `y` and returns what a fitted model records of them.
    ///
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when the weights, names or evaluation set
    ///   do not fit `x`; ``ToolboxError/Code/invalidData`` for a bad weight, a categorical column
    ///   out of range, or (with target labels) a target that is not a label code.
    public func validated(x: Matrix<Double>, y: [Double]) throws -> ModelSchema {
        if let sampleWeights { _ = try SampleWeightValidation.validate(sampleWeights, rows: x.rows) }
        if let featureNames {
            guard featureNames.count == x.columns else {
                throw ToolboxError(.shapeMismatch, "\(featureNames.count) feature names for \(x.columns) columns",
                                   context: ErrorContext(parameter: "featureNames"))
            }
            var seen: Set<String> = []
            for name in featureNames where !seen.insert(name).inserted {
                throw ToolboxError(.invalidData, "feature name \(name) appears twice", context: ErrorContext(column: name, parameter: "featureNames"))
            }
        }
        var columns: Set<Int> = []
        for feature in categoricalFeatures {
            guard feature.column >= 0, feature.column < x.columns, columns.insert(feature.column).inserted else {
                throw ToolboxError(.invalidData, "categorical column \(feature.column) is outside 0..<\(x.columns) or repeated",
                                   context: ErrorContext(parameter: "categoricalFeatures"))
            }
        }
        if let targetLabels {
            for (row, value) in y.enumerated() {
                guard value >= 0, value < Double(targetLabels.count), value == value.rounded(.towardZero) else {
                    throw ToolboxError(.invalidData, "y is \(value) at row \(row), not a code of the \(targetLabels.count) target labels",
                                       context: ErrorContext(row: row, parameter: "y"))
                }
            }
        }
        if let evaluationSet {
            guard evaluationSet.x.columns == x.columns else {
                throw ToolboxError(.shapeMismatch, "the evaluation set has \(evaluationSet.x.columns) columns, X has \(x.columns)",
                                   context: ErrorContext(parameter: "evaluationSet"))
            }
            try TargetValidation.validate(evaluationSet.y, rows: evaluationSet.x.rows, name: "evaluationSet.y")
            if let weights = evaluationSet.sampleWeights { _ = try SampleWeightValidation.validate(weights, rows: evaluationSet.x.rows) }
        }
        return ModelSchema(featureNames: featureNames, categoricalFeatures: categoricalFeatures, targetLabels: targetLabels)
    }

    /// The context for the step after `transformer`: names and categorical columns as the
    /// transformer outputs them, the evaluation set transformed.
    public func passed(through transformer: some Transformer, inputColumns: Int) throws -> FitContext {
        var next = self
        let inputNames = featureNames ?? (0..<inputColumns).map { "x\($0)" }
        let outputNames = transformer.outputFeatureNames(input: inputNames)
        next.featureNames = featureNames == nil ? nil : outputNames
        next.categoricalFeatures = transformer.outputCategoricalFeatures(input: categoricalFeatures)
        if let evaluationSet {
            next.evaluationSet = EvaluationSet(x: try transformer.transform(evaluationSet.x), y: evaluationSet.y,
                                               sampleWeights: evaluationSet.sampleWeights)
        }
        return next
    }
}

/// What a fitted model remembers about its inputs and target, beyond their count: feature names,
/// categorical columns (so new data is coded as training data was) and class labels.
public struct ModelSchema: Sendable, Hashable, Codable {
    /// The input column names, when the model was given them.
    public var featureNames: [String]?
    /// The categorical input columns and their categories.
    public var categoricalFeatures: [CategoricalFeature]
    /// The label of each class code, when the target was given as labels.
    public var targetLabels: [String]?

    /// A schema with the given names, categorical columns and class labels (all optional).
    public init(featureNames: [String]? = nil, categoricalFeatures: [CategoricalFeature] = [], targetLabels: [String]? = nil) {
        self.featureNames = featureNames
        self.categoricalFeatures = categoricalFeatures
        self.targetLabels = targetLabels
    }

    private enum CodingKeys: String, CodingKey { case featureNames, categoricalFeatures, targetLabels }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        featureNames = try c.decodeIfPresent([String].self, forKey: .featureNames)
        categoricalFeatures = try c.decodeIfPresent([CategoricalFeature].self, forKey: .categoricalFeatures) ?? []
        targetLabels = try c.decodeIfPresent([String].self, forKey: .targetLabels)
    }

    /// The named inputs by kind, as an archive manifest records them; `nil` without names.
    public var featureDescriptors: [FeatureDescriptor]? {
        guard let featureNames else { return nil }
        let categorical = Set(categoricalFeatures.map(\.column))
        return featureNames.enumerated().map { FeatureDescriptor(name: $1, kind: categorical.contains($0) ? .categorical : .numeric) }
    }

    /// Checks the schema against the model's input count after loading an archive.
    public func validate(inputFeatureCount: Int) throws {
        if let featureNames, featureNames.count != inputFeatureCount {
            throw ToolboxError(.corruptArchive, "the model records \(featureNames.count) feature names for \(inputFeatureCount) inputs")
        }
        for feature in categoricalFeatures where feature.column < 0 || feature.column >= inputFeatureCount {
            throw ToolboxError(.corruptArchive, "categorical column \(feature.column) is outside the model's \(inputFeatureCount) inputs")
        }
    }
}

extension KeyedDecodingContainer {
    /// Archives written before models recorded a schema decode with an empty one.
    public func decode(_ type: ModelSchema.Type, forKey key: Key) throws -> ModelSchema {
        try decodeIfPresent(ModelSchema.self, forKey: key) ?? ModelSchema()
    }
}

extension FitContext {
    /// How a message names the class `value`: its label as it came (`"churned"`) when the target
    /// was text, the number otherwise, so that errors never show a label's internal code.
    package func className(_ value: Double) -> String {
        if let labels = targetLabels, value >= 0, value == value.rounded(), value < Double(labels.count) {
            return "\"\(labels[Int(value)])\""
        }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
