import Foundation
public import ToolboxCore

/// A named score computed from a fitted model on held-out data; higher is better (errors are
/// negated, as scikit-learn's `neg_*` scorers).
public struct Scorer: Sendable {
    /// The scorer's name (scikit-learn's: `accuracy`, `roc_auc`, `neg_mean_squared_error`, ...).
    public let name: String
    let score: @Sendable (any FittedModel, Matrix<Double>, [Double]) throws -> Double

    /// A scorer named `name` computing a score (higher is better) from a model and held-out rows.
    public init(name: String, score: @escaping @Sendable (any FittedModel, Matrix<Double>, [Double]) throws -> Double) {
        self.name = name
        self.score = score
    }

    static func predictor(_ model: any FittedModel, _ name: String) throws -> any Predictor {
        guard let predictor = model.predictor else {
            throw ToolboxError(.invalidParameter, "scorer \(name) needs a model that predicts", context: ErrorContext(parameter: "scoring"))
        }
        return predictor
    }

    /// scikit-learn's `r2` scorer.
    public static let r2 = Scorer(name: "r2") { model, x, y in try Metrics.r2(y, try predictor(model, "r2").predict(x)) }
    /// scikit-learn's `neg_mean_squared_error` scorer.
    public static let negativeMeanSquaredError = Scorer(name: "neg_mean_squared_error") { model, x, y in
        -(try Metrics.meanSquaredError(y, try predictor(model, "neg_mean_squared_error").predict(x)))
    }
    /// scikit-learn's `neg_mean_absolute_error` scorer.
    public static let negativeMeanAbsoluteError = Scorer(name: "neg_mean_absolute_error") { model, x, y in
        -(try Metrics.meanAbsoluteError(y, try predictor(model, "neg_mean_absolute_error").predict(x)))
    }
    /// scikit-learn's `accuracy` scorer.
    public static let accuracy = Scorer(name: "accuracy") { model, x, y in try Metrics.accuracy(y, try predictor(model, "accuracy").predict(x)) }
    /// scikit-learn's `balanced_accuracy` scorer.
    public static let balancedAccuracy = Scorer(name: "balanced_accuracy") { model, x, y in
        try Metrics.balancedAccuracy(y, try predictor(model, "balanced_accuracy").predict(x))
    }
    /// scikit-learn's `f1_macro` scorer.
    public static let f1Macro = Scorer(name: "f1_macro") { model, x, y in
        try Metrics.f1(y, try predictor(model, "f1_macro").predict(x), average: .macro)
    }
    /// ROC AUC from class probabilities (one-vs-rest macro for more than two classes).
    public static let rocAUC = Scorer(name: "roc_auc") { model, x, y in
        guard let classifier = model.classifier else {
            throw ToolboxError(.invalidParameter, "scorer roc_auc needs a classifier", context: ErrorContext(parameter: "scoring"))
        }
        return try Metrics.rocAUC(y, probabilities: try classifier.predictProbabilities(x), classes: classifier.classes)
    }

    /// Every built-in scorer.
    public static let all: [Scorer] = [.r2, .negativeMeanSquaredError, .negativeMeanAbsoluteError, .accuracy, .balancedAccuracy, .f1Macro, .rocAUC]

    /// The built-in scorer called `name` (scikit-learn's scoring strings).
    /// - Throws: `ToolboxError/Code/invalidParameter` naming the known scorers.
    public static func named(_ name: String) throws -> Scorer {
        guard let scorer = all.first(where: { $0.name == name }) else {
            throw ToolboxError(.invalidParameter, "unknown scoring \(name); known: \(all.map(\.name).joined(separator: ", "))",
                               context: ErrorContext(parameter: "scoring"))
        }
        return scorer
    }
}

/// What ``ModelSelection/crossValidate(_:x:y:cv:scoring:groups:context:returnTrainScores:threads:)`` measured, one
/// entry per split.
public struct CrossValidationResult: Sendable {
    /// Test scores by scorer name.
    public var testScores: [String: [Double]]
    /// Training scores by scorer name, when asked for.
    public var trainScores: [String: [Double]]
    /// Seconds to fit, and to score, on each split.
    public var fitTimes: [Double]
    /// Seconds to score each split.
    public var scoreTimes: [Double]

    /// The mean test score of the scorer called `scorer` (scikit-learn's name: `roc_auc`).
    /// - Throws: `ToolboxError/Code/notFound` for a scorer that was not computed, naming the
    ///   ones that were (a misspelt name never reads as a score of 0).
    public func meanTestScore(_ scorer: String) throws -> Double {
        guard let scores = testScores[scorer], !scores.isEmpty else {
            throw ToolboxError(.notFound, "no test scores for \(scorer); scored: \(testScores.keys.sorted().joined(separator: ", "))",
                               context: ErrorContext(parameter: "scoring"))
        }
        return scores.reduce(0, +) / Double(scores.count)
    }

    /// The mean test score of `scorer`.
    /// - Throws: `ToolboxError/Code/notFound` when it was not among the scorers computed.
    public func meanTestScore(_ scorer: Scorer) throws -> Double {
        try meanTestScore(scorer.name)
    }
}

/// One split's scores and timings.
struct CrossValidationOutcome: Sendable {
    var test: [Double], train: [Double], fitTime: Double, scoreTime: Double
}

extension CrossValidationResult {
    /// The splits' outcomes gathered by scorer name.
    init(_ outcomes: [CrossValidationOutcome], scoring: [Scorer], returnTrainScores: Bool) {
        self.init(testScores: [:], trainScores: [:], fitTimes: outcomes.map(\.fitTime), scoreTimes: outcomes.map(\.scoreTime))
        for (s, scorer) in scoring.enumerated() {
            testScores[scorer.name] = outcomes.map { $0.test[s] }
            if returnTrainScores { trainScores[scorer.name] = outcomes.map { $0.train[s] } }
        }
    }
}

/// Cross-validation and learning curves (scikit-learn's `model_selection`).
public enum ModelSelection {
    /// Fits a fresh model on each split's training rows and scores it on the test rows.
    /// Splits run in parallel; scores do not depend on the thread count.
    ///
    /// `context` travels with each fit, its per-row pieces (sample weights) sliced to the
    /// split's training rows; names, categorical columns and labels pass as they are. As with
    /// scikit-learn's metadata routing, weights given to an estimator that does not use them are
    /// an error. Scoring is unweighted, as scikit-learn's default.
    public static func crossValidate<E: Estimator>(
        _ estimator: E, x: Matrix<Double>, y: [Double], cv: any CrossValidator = KFold(), scoring: [Scorer],
        groups: [Int]? = nil, context: FitContext = FitContext(), returnTrainScores: Bool = false, threads: Int? = nil
    ) throws -> CrossValidationResult {
        guard !scoring.isEmpty else {
            throw ToolboxError(.invalidParameter, "give at least one scorer", context: ErrorContext(parameter: "scoring"))
        }
        try TargetValidation.validate(y, rows: x.rows)
        try validate(context, for: estimator, x: x, y: y)
        let splits = try cv.splits(count: x.rows, y: y, groups: groups)
        let outcomes = try Parallel.map(indices: splits.count, threads: threads) { k -> CrossValidationOutcome in
            let split = splits[k]
            let trainX = try x.rows(at: split.train), testX = try x.rows(at: split.test)
            let trainY = split.train.map { y[$0] }, testY = split.test.map { y[$0] }
            let start = DispatchTime.now().uptimeNanoseconds
            var foldContext = context.selectingRows(split.train)
            foldContext.fold = k
            try foldContext.checkCancellation()
            let model = try inData(split.train) { try estimator.fit(trainX, trainY, context: foldContext) }
            let fitted = DispatchTime.now().uptimeNanoseconds
            let test = try inData(split.test) { try scoring.map { try $0.score(model, testX, testY) } }
            let scored = DispatchTime.now().uptimeNanoseconds
            let train = returnTrainScores ? try inData(split.train) { try scoring.map { try $0.score(model, trainX, trainY) } } : []
            return CrossValidationOutcome(test: test, train: train, fitTime: Double(fitted - start) / 1e9, scoreTime: Double(scored - fitted) / 1e9)
        }
        return CrossValidationResult(outcomes, scoring: scoring, returnTrainScores: returnTrainScores)
    }

    /// Training and validation scores as the training set grows (scikit-learn's `learning_curve`):
    /// for each split and each size, the model is fitted on the first `size` training rows.
    /// - Parameter trainSizes: fractions in (0, 1] of the largest training set.
    /// - Parameter context: passed to each fit with its per-row pieces sliced, as in
    ///   ``crossValidate(_:x:y:cv:scoring:groups:context:returnTrainScores:threads:)``.
    /// - Parameter estimator: the estimator fitted at every size.
    /// - Parameter x: the features.
    /// - Parameter y: the targets.
    /// - Parameter cv: the splitter.
    /// - Parameter scoring: the score computed.
    /// - Parameter groups: group labels for group-aware splitters.
    /// - Parameter threads: threads used (all cores by default).
    public static func learningCurve<E: Estimator>(
        _ estimator: E, x: Matrix<Double>, y: [Double], cv: any CrossValidator = KFold(), scoring: Scorer,
        trainSizes: [Double] = [0.1, 0.325, 0.55, 0.775, 1.0], groups: [Int]? = nil, context: FitContext = FitContext(),
        threads: Int? = nil
    ) throws -> (sizes: [Int], trainScores: [[Double]], testScores: [[Double]]) {
        try TargetValidation.validate(y, rows: x.rows)
        try validate(context, for: estimator, x: x, y: y)
        let splits = try cv.splits(count: x.rows, y: y, groups: groups)
        let largest = splits.map(\.train.count).min() ?? 0
        guard trainSizes.allSatisfy({ $0 > 0 && $0 <= 1 }) else {
            throw ToolboxError(.invalidParameter, "train sizes must be fractions in (0, 1]", context: ErrorContext(parameter: "trainSizes"))
        }
        let sizes = Array(Set(trainSizes.map { max(1, Int(($0 * Double(largest)).rounded(.down))) })).sorted()
        let jobs = sizes.flatMap { size in splits.indices.map { (size, $0) } }
        let scores = try Parallel.map(indices: jobs.count, threads: threads) { k -> (Double, Double) in
            let (size, s) = jobs[k]
            let train = Array(splits[s].train.prefix(size)), test = splits[s].test
            let trainX = try x.rows(at: train), testX = try x.rows(at: test)
            var foldContext = context.selectingRows(train)
            foldContext.fold = s
            try foldContext.checkCancellation()
            let model = try inData(train) { try estimator.fit(trainX, train.map { y[$0] }, context: foldContext) }
            return (try inData(train) { try scoring.score(model, trainX, train.map { y[$0] }) },
                    try inData(test) { try scoring.score(model, testX, test.map { y[$0] }) })
        }
        let perSize = splits.count
        return (sizes,
                sizes.indices.map { i in (0..<perSize).map { scores[i * perSize + $0].0 } },
                sizes.indices.map { i in (0..<perSize).map { scores[i * perSize + $0].1 } })
    }

    /// Runs `body` on a split's `rows`; an error naming a row of the split names it as the row
    /// of the whole data instead (in its context and its message), so a NaN that a fold's fit
    /// refuses is found where the user's data has it.
    static func inData<T>(_ rows: [Int], _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as ToolboxError {
            guard let row = error.context.row, row >= 0, row < rows.count else { throw error }
            let original = rows[row]
            error.context.row = original
            // "row 4" in the message becomes "row 0", and "row 4" only (not "row 45").
            let pattern = "row \(row)"
            var search = error.message.startIndex..<error.message.endIndex
            while let found = error.message.range(of: pattern, range: search) {
                let next = found.upperBound
                if next == error.message.endIndex || !error.message[next].isNumber {
                    error.message.replaceSubrange(found, with: "row \(original)")
                    break
                }
                search = next..<error.message.endIndex
            }
            throw error
        }
    }

    /// Checks the context once against the whole data, so a bad weight is reported with its
    /// row in the data, not in a fold.
    private static func validate<E: Estimator>(_ context: FitContext, for estimator: E, x: Matrix<Double>, y: [Double]) throws {
        try context.requireConsumers(estimator.contextUsage, consumer: "\(E.self)")
        _ = try context.validated(x: x, y: y)
    }
}
