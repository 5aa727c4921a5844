import Foundation
public import ToolboxCore

extension ModelSelection {
    /// Cross-validates a pipeline on a table, refitting every step, table steps included (TF-IDF,
    /// time-series features), on each split's training rows: scikit-learn's `cross_val_score` of
    /// a pipeline whose first step is a `ColumnTransformer`.
    ///
    /// The splits are those the matrix path makes for the same target: the target column's
    /// values (label codes, in sorted label order, for text) go to `cv` as `y`. Each fold's
    /// model scores its test rows with their labels coded as the fold's model codes them.
    ///
    /// ```swift
    /// let pipeline = try DynamicPipeline(yaml: """
    ///     steps:
    ///       - {type: tfidf_vectorizer, parameters: {column: review}}
    ///       - {type: logistic_regression}
    ///     """)
    /// let result = try ModelSelection.crossValidate(pipeline, table: reviews, target: "label",
    ///                                               cv: StratifiedKFold(folds: 5), scoring: [.rocAUC])
    /// try result.meanTestScore(.rocAUC)
    /// ```
    /// - Throws: `ToolboxError/Code/notFound` for a missing target column, what the steps throw
    ///   (errors naming a row name the table's row), `ToolboxError/Code/cancelled` when the
    ///   context's flag is cancelled.
    public static func crossValidate(
        _ pipeline: DynamicPipeline, table: DataTable, target: String, cv: any CrossValidator = KFold(), scoring: [Scorer],
        groups: [Int]? = nil, context: FitContext = FitContext(), returnTrainScores: Bool = false, threads: Int? = nil
    ) throws -> CrossValidationResult {
        guard !scoring.isEmpty else {
            throw ToolboxError(.invalidParameter, "give at least one scorer", context: ErrorContext(parameter: "scoring"))
        }
        let y = try table.target(named: target)
        try TargetValidation.validate(y.values, rows: table.rowCount)
        let splits = try cv.splits(count: table.rowCount, y: y.values, groups: groups)
        let outcomes = try Parallel.map(indices: splits.count, threads: threads) { k -> CrossValidationOutcome in
            let split = splits[k]
            var foldContext = context.selectingRows(split.train)
            foldContext.fold = k
            try foldContext.checkCancellation()
            let trainTable = try table.rows(at: split.train), testTable = try table.rows(at: split.test)
            let start = DispatchTime.now().uptimeNanoseconds
            let model = try inData(split.train) { try pipeline.fit(trainTable, target: target, context: foldContext) }
            let fitted = DispatchTime.now().uptimeNanoseconds
            func scores(_ rows: [Int], _ part: DataTable) throws -> [Double] {
                try inData(rows) {
                    let x = try model.inputMatrix(part)
                    let truth = try codes(part, target: target, model: model)
                    return try scoring.map { try $0.score(model, x, truth) }
                }
            }
            let test = try scores(split.test, testTable)
            let scored = DispatchTime.now().uptimeNanoseconds
            let train = returnTrainScores ? try scores(split.train, trainTable) : []
            return CrossValidationOutcome(test: test, train: train, fitTime: Double(fitted - start) / 1e9, scoreTime: Double(scored - fitted) / 1e9)
        }
        return CrossValidationResult(outcomes, scoring: scoring, returnTrainScores: returnTrainScores)
    }

    /// Training and validation scores of a pipeline on a table as the training set grows, on
    /// the matrix path's splits (see ``crossValidate(_:table:target:cv:scoring:groups:context:returnTrainScores:threads:)``).
    public static func learningCurve(
        _ pipeline: DynamicPipeline, table: DataTable, target: String, cv: any CrossValidator = KFold(), scoring: Scorer,
        trainSizes: [Double] = [0.1, 0.325, 0.55, 0.775, 1.0], groups: [Int]? = nil, context: FitContext = FitContext(),
        threads: Int? = nil
    ) throws -> (sizes: [Int], trainScores: [[Double]], testScores: [[Double]]) {
        let y = try table.target(named: target)
        try TargetValidation.validate(y.values, rows: table.rowCount)
        let splits = try cv.splits(count: table.rowCount, y: y.values, groups: groups)
        guard trainSizes.allSatisfy({ $0 > 0 && $0 <= 1 }) else {
            throw ToolboxError(.invalidParameter, "train sizes must be fractions in (0, 1]", context: ErrorContext(parameter: "trainSizes"))
        }
        let largest = splits.map(\.train.count).min() ?? 0
        let sizes = Array(Set(trainSizes.map { max(1, Int(($0 * Double(largest)).rounded(.down))) })).sorted()
        let jobs = sizes.flatMap { size in splits.indices.map { (size, $0) } }
        let scores = try Parallel.map(indices: jobs.count, threads: threads) { k -> (Double, Double) in
            let (size, s) = jobs[k]
            let train = Array(splits[s].train.prefix(size)), test = splits[s].test
            var foldContext = context.selectingRows(train)
            foldContext.fold = s
            try foldContext.checkCancellation()
            let trainTable = try table.rows(at: train), testTable = try table.rows(at: test)
            let model = try inData(train) { try pipeline.fit(trainTable, target: target, context: foldContext) }
            func score(_ rows: [Int], _ part: DataTable) throws -> Double {
                try inData(rows) { try scoring.score(model, try model.inputMatrix(part), try codes(part, target: target, model: model)) }
            }
            return (try score(train, trainTable), try score(test, testTable))
        }
        let perSize = splits.count
        return (sizes,
                sizes.indices.map { i in (0..<perSize).map { scores[i * perSize + $0].0 } },
                sizes.indices.map { i in (0..<perSize).map { scores[i * perSize + $0].1 } })
    }

    /// The target of `part` as `model` codes it: numbers as they are, labels by the model's
    /// labels (a label the fold's model never saw gets a code no prediction has).
    static func codes(_ part: DataTable, target: String, model: DynamicPipelineModel) throws -> [Double] {
        switch try part.column(named: target) {
        case .numeric(let values): return values
        case .categorical(let labels):
            let known = model.schema.targetLabels ?? []
            var code: [String: Double] = [:]
            for (index, label) in known.enumerated() { code[label] = Double(index) }
            return try labels.enumerated().map { row, label in
                guard let label else {
                    throw ToolboxError(.invalidData, "target column \(target) is missing at row \(row)", context: ErrorContext(column: target, row: row))
                }
                return code[label] ?? Double(known.count)
            }
        }
    }
}
