public import ToolboxCore
import Foundation

/// What kind of data ``checkEstimator(_:task:seed:)`` feeds an estimator.
public enum EstimatorTask: Sendable, Hashable {
    /// Continuous targets.
    case regression
    /// Class labels `0..<classes`.
    case classification(classes: Int)
    /// No meaningful target (scalers, PCA, clustering); `y` is all zeros.
    case unsupervised
}

/// The checks of ``checkEstimator(_:task:seed:)`` that failed.
public struct EstimatorCheckFailure: Error, CustomStringConvertible {
    /// The estimator's type name.
    public var estimator: String
    /// One line per failed check.
    public var failures: [String]
    public var description: String {
        "\(estimator) failed \(failures.count) conformance check(s):\n" + failures.map { "  - " + $0 }.joined(separator: "\n")
    }
}

/// The conformance suite every DS Toolbox estimator passes, after scikit-learn's `check_estimator`.
///
/// Checks that:
/// - fitting twice with the same data gives the same model, bit for bit (same encoding, same outputs);
/// - the estimator value and its encoding are unchanged by `fit`;
/// - a matrix with the wrong number of features is rejected at predict/transform time;
/// - NaN and Inf in `x` are handled as ``Estimator/nonFiniteInput`` declares;
/// - a model saved with ``ModelArchive`` and loaded back gives identical outputs;
/// - a ``Pipeline`` gives the same outputs as its steps fitted and applied by hand;
/// - empty input is rejected with an error, and one-row input either fits or throws (never traps).
///
/// ```swift
/// @Test func scalerConforms() throws {
///     try checkEstimator(StandardScaler(), task: .unsupervised)
/// }
/// ```
/// - Throws: ``EstimatorCheckFailure`` listing every failed check.
public func checkEstimator<E: Estimator>(_ estimator: E, task: EstimatorTask, seed: UInt64 = 0) throws {
    var failures: [String] = []
    func check(_ name: String, _ body: () throws -> String?) {
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
        guard let output = try? outputs(model, wider) else { return nil }
        _ = output
        return "a matrix with \(wider.columns) columns was accepted by a model fitted on \(data.x.columns)"
    }

    check("non-finite input handled as declared") {
        var withNaN = data.x
        withNaN[1, 0] = .nan
        var withInf = data.x
        withInf[2, 1 % data.x.columns] = .infinity
        if (try? estimator.fit(withInf, data.y)) != nil { return "Inf in X was accepted by fit" }
        switch E.nonFiniteInput {
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
        return viaPipeline == manual ? nil : "pipeline outputs differ from the steps run by hand"
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

/// Everything a model computes on `x`, flattened, for bitwise comparison.
private func outputs(_ model: any FittedModel, _ x: Matrix<Double>) throws -> [Double] {
    var result: [Double] = []
    if let classifier = model as? any Classifier {
        result += try classifier.predictProbabilities(x).values
    }
    if let predictor = model as? any Predictor {
        result += try predictor.predict(x)
    }
    if let transformer = model as? any Transformer {
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

private func encodedJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(value)
}
