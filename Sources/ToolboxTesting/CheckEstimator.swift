public import ToolboxCore
import Foundation
import Synchronization

/// What kind of data ``checkEstimator(_:task:seed:registry:skipping:)`` feeds an estimator.
public enum EstimatorTask: Sendable, Hashable {
    /// Continuous targets.
    case regression
    /// Class labels `0..<classes`.
    case classification(classes: Int)
    /// No meaningful target (scalers, PCA, clustering); `y` is all zeros.
    case unsupervised
}

/// The checks of ``checkEstimator(_:task:seed:registry:skipping:)`` that failed.
public struct EstimatorCheckFailure: Error, CustomStringConvertible {
    /// The estimator's type name.
    public var estimator: String
    /// One line per failed check.
    public var failures: [String]
    public var description: String {
        "\(estimator) failed \(failures.count) conformance check(s):\n" + failures.map { "  - " + $0 }.joined(separator: "\n")
    }
}

/// The names of the checks, for ``checkEstimator(_:task:seed:registry:skipping:)``'s `skipping`.
public enum EstimatorCheck {
    public static let zeroWeightEqualsDroppedRow = "zero weight equals dropping the row"
    public static let unitWeightsEqualNone = "all-one weights equal none"
}

/// The conformance suite every DS Toolbox estimator passes, after scikit-learn's `check_estimator`.
///
/// Checks that:
/// - fitting twice with the same data gives the same model, bit for bit (same encoding, same outputs);
/// - the estimator value and its encoding are unchanged by `fit`;
/// - a matrix with the wrong number of features is rejected at predict/transform time;
/// - NaN and Inf in `x` are handled as `Estimator/nonFiniteInputPolicy` declares;
/// - a model saved with `ModelArchive` and loaded back gives identical outputs, and so does
///   one loaded by name alone through the `ModelRegistry`;
/// - feature names and class labels given in the `FitContext` are kept through fit, save and
///   load, and reordered or renamed columns are rejected naming the column;
/// - sample weights, when the estimator declares them: all ones equal none, and a zero weight
///   equals dropping the row; when it does not, weights in the context are ignored;
/// - fit-context pieces the estimator does not declare are ignored; progress, when declared,
///   is reported;
/// - a `Configurable` estimator builds from an empty spec as its defaults, round-trips its
///   hyperparameters, and rejects an unknown key naming it;
/// - a `Pipeline` gives the same outputs as its steps fitted and applied by hand;
/// - empty input is rejected with an error, and one-row input either fits or throws (never traps).
///
/// ```swift
/// @Test func scalerConforms() throws {
///     try checkEstimator(StandardScaler(), task: .unsupervised)
/// }
/// ```
/// - Parameters:
///   - registry: where the model type must be registered (its kit's `registerModels(in:)`).
///   - skipping: checks that do not apply, by name (``EstimatorCheck``), with the reason, as
///     scikit-learn's `_xfail_checks` tags (a bootstrap forest's draws depend on the row count).
/// - Parameter estimator: the estimator checked, with the hyperparameters to check.
/// - Parameter task: what the estimator learns: regression, classification or nothing.
/// - Parameter seed: the seed of the generated data.
/// - Throws: ``EstimatorCheckFailure`` listing every failed check.
public func checkEstimator<E: Estimator>(_ estimator: E, task: EstimatorTask, seed: UInt64 = 0,
                                         registry: ModelRegistry = .shared, skipping: [String: String] = [:]) throws {
    var failures: [String] = []
    // Pipelines in the checks save and load the shift by name.
    try? ColumnShift.register(in: registry)
    func check(_ name: String, _ body: () throws -> String?) {
        guard skipping[name] == nil else { return }
        do {
            if let problem = try body() { failures.append("\(name): \(problem)") }
        } catch {
            failures.append("\(name): unexpected error \(error)")
        }
    }

    let data = try checkData(task, seed: seed)
    let original = estimator
    let originalEncoding = try encodedJSON(estimator)

    var model: E.Model?
    check("fit") {
        model = try estimator.fit(data.x, data.y)
        return nil
    }
    guard let model else {
        throw EstimatorCheckFailure(estimator: "\(E.self)", failures: failures)
    }

    check("fit is deterministic") {
        let again = try estimator.fit(data.x, data.y)
        guard try encodedJSON(again) == encodedJSON(model) else { return "two fits encode differently" }
        return try sameOutputs(again, model, data.x)
    }

    check("hyperparameters unchanged by fit") {
        guard estimator == original, try encodedJSON(estimator) == originalEncoding else {
            return "the estimator's value changed"
        }
        return model.inputFeatureCount == data.x.columns
            ? nil : "inputFeatureCount is \(model.inputFeatureCount), expected \(data.x.columns)"
    }

    check("feature count mismatch rejected") {
        let wider = try data.x.appendingColumns(Matrix(rows: data.x.rows, columns: 1, repeating: 1))
        guard (try? outputs(model, wider)) != nil else { return nil }
        return "a matrix with \(wider.columns) columns was accepted by a model fitted on \(data.x.columns)"
    }

    check("non-finite input handled as declared") {
        var withNaN = data.x
        withNaN[1, 0] = .nan
        var withInf = data.x
        withInf[2, 1 % data.x.columns] = .infinity
        if (try? estimator.fit(withInf, data.y)) != nil { return "Inf in X was accepted by fit" }
        switch estimator.nonFiniteInputPolicy {
        case .rejected:
            if (try? estimator.fit(withNaN, data.y)) != nil { return "NaN in X was accepted, but nonFiniteInput is .rejected" }
            if (try? outputs(model, withNaN)) != nil { return "NaN in X was accepted at predict/transform time" }
        case .missingAllowed:
            _ = try estimator.fit(withNaN, data.y)
            _ = try outputs(model, withNaN)
        }
        return nil
    }

    check("save and load give identical outputs") {
        let bytes = try ModelArchive.encode(model)
        let loaded = try ModelArchive.decode(E.Model.self, from: bytes)
        return try sameOutputs(loaded, model, data.x)
    }

    check("load by name through the registry") {
        guard registry.modelType(named: E.Model.modelTypeName) != nil else {
            return "model type \(E.Model.modelTypeName) is not registered"
        }
        let loaded = try ModelArchive.decode(from: try ModelArchive.encode(model), registry: registry)
        return try sameOutputs(loaded, model, data.x)
    }

    check("names and labels kept through fit, save and load") {
        try namesAndLabels(estimator, data: data, task: task, registry: registry)
    }

    check("transformer output described") {
        guard let transformer = model.transformer else { return nil }
        let output = try transformer.transform(data.x)
        let names = transformer.outputFeatureNames(input: (0..<data.x.columns).map { "f\($0)" })
        guard output.columns == transformer.outputFeatureCount else {
            return "transform gives \(output.columns) columns, outputFeatureCount says \(transformer.outputFeatureCount)"
        }
        return names.count == output.columns ? nil : "\(names.count) output names for \(output.columns) columns"
    }

    if estimator.contextUsage.contains(.sampleWeights) {
        check(EstimatorCheck.unitWeightsEqualNone) {
            let weighted = try estimator.fit(data.x, data.y, context: FitContext(sampleWeights: [Double](repeating: 1, count: data.x.rows)))
            return try closeOutputs(weighted, model, data.x)
        }
        check(EstimatorCheck.zeroWeightEqualsDroppedRow) {
            var weights = [Double](repeating: 1, count: data.x.rows)
            weights[0] = 0
            let weighted = try estimator.fit(data.x, data.y, context: FitContext(sampleWeights: weights))
            let rest = data.x.rows(1..<data.x.rows)
            let dropped = try estimator.fit(rest, Array(data.y.dropFirst()))
            return try closeOutputs(weighted, dropped, rest)
        }
    } else {
        check("sample weights ignored as declared") {
            var weights = [Double](repeating: 1, count: data.x.rows)
            weights[0] = 5
            // Ignored, or (pipelines, as scikit-learn's routing) refused with the parameter named.
            let weighted: E.Model
            do {
                weighted = try estimator.fit(data.x, data.y, context: FitContext(sampleWeights: weights))
            } catch let error as ToolboxError where error.context.parameter == "sampleWeights" {
                return nil
            }
            if let problem = try sameOutputs(weighted, model, data.x) { return "weights were not ignored: \(problem)" }
            return (try? estimator.fit(data.x, data.y, sampleWeights: weights)) == nil
                ? nil : "fit(_:_:sampleWeights:) accepted weights the estimator does not use"
        }
    }

    check("undeclared fit-context pieces ignored, progress reported when declared") {
        let reports = ReportCounter()
        var context = FitContext()
        context.progress = { _ in reports.increment(); return .proceed }
        if !estimator.contextUsage.contains(.evaluationSet) {
            context.evaluationSet = EvaluationSet(x: data.x, y: data.y)
        }
        if !estimator.contextUsage.contains(.categoricalFeatures) {
            context.categoricalFeatures = [CategoricalFeature(column: 0, categories: ["a", "b"])]
        }
        let fitted: E.Model
        do {
            fitted = try estimator.fit(data.x, data.y, context: context)
        } catch let error as ToolboxError where error.context.parameter == "evaluationSet" {
            // A pipeline refuses pieces none of its steps take; the rest of the check is moot.
            return nil
        }
        if estimator.contextUsage.contains(.progress) {
            if reports.count == 0 { return "the estimator declares progress but reported none" }
        } else {
            if reports.count != 0 { return "the estimator reported progress without declaring it" }
            if let problem = try sameOutputs(fitted, model, data.x) { return "undeclared pieces changed the model: \(problem)" }
        }
        return nil
    }

    if let configurable = estimator as? any Configurable {
        check("builds from a spec with defaults") {
            try specRoundTrip(configurable, registry: registry)
        }
    }

    check("pipeline equals its steps by hand") {
        let shift = ColumnShift(amount: 0.5)
        let pipelineModel = try Pipeline {
            shift
            estimator
        }.fit(data.x, data.y)
        let shiftModel = try shift.fit(data.x)
        let byHand = try estimator.fit(try shiftModel.transform(data.x), data.y)
        let viaPipeline = try outputs(pipelineModel, data.x)
        let manual = try outputs(byHand, try shiftModel.transform(data.x))
        guard viaPipeline == manual else { return "pipeline outputs differ from the steps run by hand" }
        let loaded = try ModelArchive.decode(from: try ModelArchive.encode(pipelineModel), registry: registry)
        return try outputs(loaded, data.x) == viaPipeline ? nil : "the pipeline loaded by name predicts differently"
    }

    check("empty input rejected") {
        let empty = Matrix<Double>(rows: 0, columns: data.x.columns)
        return (try? estimator.fit(empty, [])) == nil ? nil : "fit accepted a matrix with no rows"
    }

    check("one-row input fits or throws") {
        let one = data.x.rows(0..<1)
        if let fitted = try? estimator.fit(one, [data.y[0]]) {
            let output = try outputs(fitted, one)
            return output.isEmpty ? "one-row model produced no output" : nil
        }
        return nil
    }

    if !failures.isEmpty {
        throw EstimatorCheckFailure(estimator: "\(E.self)", failures: failures)
    }
}

// MARK: - Helpers

private final class ReportCounter: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func increment() { value.withLock { $0 += 1 } }
}

private func namesAndLabels<E: Estimator>(_ estimator: E, data: SyntheticData, task: EstimatorTask,
                                          registry: ModelRegistry) throws -> String? {
    let names = (0..<data.x.columns).map { "feature_\($0)" }
    var context = FitContext(featureNames: names)
    var labels: [String]?
    if case .classification(let classes) = task {
        labels = (0..<classes).map { "class_\($0)" }
        context.targetLabels = labels
    }
    let model = try estimator.fit(data.x, data.y, context: context)
    guard model.inputFeatureNames == names else {
        return "inputFeatureNames is \(model.inputFeatureNames.map { "\($0)" } ?? "nil") after a fit with names"
    }
    let loaded = try ModelArchive.decode(E.Model.self, from: try ModelArchive.encode(model))
    guard loaded.inputFeatureNames == names else { return "feature names lost in save and load" }
    do {
        try loaded.validateInput(featureNames: Array(names.reversed()))
        return "reordered columns were accepted"
    } catch let error as ToolboxError {
        guard error.context.column == names.last else { return "the reordering error names \(error.context.column ?? "no column")" }
    }
    var renamed = names
    renamed[0] = "other"
    if (try? loaded.validateInput(featureNames: renamed)) != nil { return "a renamed column was accepted" }
    if let labels, let classifier = model.classifier {
        let expected = try classifier.predictLabels(data.x)
        guard expected.allSatisfy({ if case .text(let text) = $0 { labels.contains(text) } else { false } }) else {
            return "a classifier fitted on labels predicts \(expected.prefix(3)), not labels"
        }
        let byName = try ModelArchive.decode(from: try ModelArchive.encode(model), registry: registry)
        guard let reloaded = byName.classifier, try reloaded.predictLabels(data.x) == expected else {
            return "labels differ after save and load by name"
        }
    }
    return nil
}

private func specRoundTrip<C: Configurable>(_ estimator: C, registry: ModelRegistry) throws -> String? {
    let defaults = try C(hyperparameters: [:])
    guard try encodedJSON(defaults) == encodedJSON(C()) else { return "an empty spec does not give the defaults" }
    let rebuilt = try C(hyperparameters: estimator.hyperparameterValues)
    guard try encodedJSON(rebuilt) == encodedJSON(estimator) else { return "hyperparameter values do not rebuild the estimator" }
    for description in C.hyperparameterDescriptions {
        guard description.kind.accepts(description.defaultValue) else {
            return "the default of \(description.name), \(description.defaultValue.compactDescription), is not \(description.kind)"
        }
        guard !description.summary.isEmpty else { return "\(description.name) has no summary" }
    }
    do {
        _ = try C(hyperparameters: ["no_such_parameter": .number(1)], path: "parameters")
        return "an unknown key was accepted"
    } catch let error as ToolboxError {
        guard error.context.parameter == "parameters.no_such_parameter" else {
            return "the unknown-key error names \(error.context.parameter ?? "nothing")"
        }
    }
    guard let estimatorType = C.self as? any Estimator.Type, let name = registry.name(of: estimatorType) else {
        return "\(C.self) is not registered as an estimator"
    }
    guard registry.estimatorType(named: name) != nil, !registry.aliases(of: name).isEmpty else {
        return "\(name) has no short alias"
    }
    return nil
}

private func checkData(_ task: EstimatorTask, seed: UInt64) throws -> SyntheticData {
    switch task {
    case .regression:
        return DataGenerators.regression(samples: 60, features: 4, noise: 1, seed: seed)
    case .classification(let classes):
        return try DataGenerators.classification(samples: 60, features: 4, informative: 2, redundant: 1,
                                                 classes: classes, clustersPerClass: 1, seed: seed)
    case .unsupervised:
        var data = DataGenerators.regression(samples: 60, features: 4, seed: seed)
        data.y = [Double](repeating: 0, count: data.y.count)
        return data
    }
}

/// Everything a model computes on `x`, flattened, for comparison.
private func outputs(_ model: any FittedModel, _ x: Matrix<Double>) throws -> [Double] {
    var result: [Double] = []
    if let classifier = model.classifier {
        result += try classifier.predictProbabilities(x).values
    }
    if let predictor = model.predictor {
        result += try predictor.predict(x)
    }
    if let transformer = model.transformer {
        result += try transformer.transform(x).values
    }
    return result
}

private func sameOutputs(_ a: any FittedModel, _ b: any FittedModel, _ x: Matrix<Double>) throws -> String? {
    let left = try outputs(a, x), right = try outputs(b, x)
    guard left.count == right.count else { return "output lengths differ (\(left.count) vs \(right.count))" }
    for k in left.indices where left[k].bitPattern != right[k].bitPattern {
        return "outputs differ at element \(k): \(left[k]) vs \(right[k])"
    }
    return nil
}

/// Outputs equal to a relative 1e-7 (weights change the order of floating-point sums).
private func closeOutputs(_ a: any FittedModel, _ b: any FittedModel, _ x: Matrix<Double>) throws -> String? {
    let left = try outputs(a, x), right = try outputs(b, x)
    guard left.count == right.count else { return "output lengths differ (\(left.count) vs \(right.count))" }
    for k in left.indices where !isClose(left[k], right[k], relativeTolerance: 1e-7, absoluteTolerance: 1e-9) {
        return "outputs differ at element \(k): \(left[k]) vs \(right[k])"
    }
    return nil
}

private func encodedJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(value)
}
