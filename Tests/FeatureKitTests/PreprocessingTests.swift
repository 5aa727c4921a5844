import FeatureKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

/// The golden file: scikit-learn's outputs on seeded data (Scripts/golden/generate_features.py).
struct FeatureGolden {
    let root: [String: JSONValue]

    static let shared: FeatureGolden = {
        let value = (try? GoldenFiles().load(JSONValue.self, "preprocessing.json")) ?? .object([:])
        return FeatureGolden(root: value.objectValue ?? [:])
    }()

    func value(_ path: String) throws -> JSONValue {
        var current = JSONValue.object(root)
        for key in path.split(separator: "/") {
            guard let next = current.objectValue?[String(key)] else {
                throw ToolboxError(.notFound, "golden value \(path) is missing")
            }
            current = next
        }
        return current
    }

    func numbers(_ path: String) throws -> [Double] { try Self.numbers(try value(path)) }

    func matrix(_ path: String) throws -> Matrix<Double> {
        let object = try #require(try value(path).objectValue)
        guard case .number(let rows)? = object["rows"], case .number(let columns)? = object["columns"], let values = object["values"] else {
            throw ToolboxError(.parseError, "golden matrix \(path) is malformed")
        }
        return try Matrix(rows: Int(rows), columns: Int(columns), values: Self.numbers(values))
    }

    static func numbers(_ value: JSONValue) throws -> [Double] {
        guard case .array(let items) = value else { return [try number(value)] }
        return try items.map(number)
    }

    static func number(_ value: JSONValue) throws -> Double {
        switch value {
        case .number(let number): return number
        case .string("nan"): return .nan
        case .string("inf"): return .infinity
        case .string("-inf"): return -.infinity
        default: throw ToolboxError(.parseError, "not a number: \(value.compactDescription)")
        }
    }
}

func expectClose(_ actual: Matrix<Double>, _ expected: Matrix<Double>, _ note: String, tolerance: Double = 1e-9,
                 absolute: Double = 1e-12, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.rows == expected.rows && actual.columns == expected.columns, "\(note): shape", sourceLocation: sourceLocation)
    if let problem = mismatch(actual.values, expected.values, relativeTolerance: tolerance, absoluteTolerance: absolute) {
        Issue.record("\(note): \(problem)", sourceLocation: sourceLocation)
    }
}

func expectClose(_ actual: [Double], _ expected: [Double], _ note: String, tolerance: Double = 1e-9, absolute: Double = 1e-12,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    if let problem = mismatch(actual, expected, relativeTolerance: tolerance, absoluteTolerance: absolute) {
        Issue.record("\(note): \(problem)", sourceLocation: sourceLocation)
    }
}

@Suite("Scalers and imputers against scikit-learn")
struct ScalerTests {
    let golden = FeatureGolden.shared

    init() throws { try FeatureKit.registerModels() }

    static let cases: [(String, any UnsupervisedEstimator)] = [
        ("standard", StandardScaler()), ("standard_no_mean", StandardScaler(withMean: false)),
        ("minmax", MinMaxScaler()), ("minmax_range", MinMaxScaler(featureRange: -2...3)), ("maxabs", MaxAbsScaler()),
        ("robust", RobustScaler()), ("robust_q10_q90", RobustScaler(quantileRange: 10...90)),
        ("robust_unit_variance", RobustScaler(unitVariance: true)), ("robust_no_centering", RobustScaler(withCentering: false)),
    ]

    @Test(arguments: ["a", "b"])
    func scalersMatchScikitLearn(data: String) throws {
        let x = try golden.matrix("data/\(data)")
        for (name, estimator) in Self.cases {
            let key = "scalers/\(data)_\(name)"
            let model = try #require(try estimator.fit(x) as? any InvertibleTransformer)
            let transformed = try model.transform(x)
            expectClose(transformed, try golden.matrix("\(key)/transform"), key)
            expectClose(try model.inverseTransform(transformed), try golden.matrix("\(key)/inverse"), "\(key) inverse", absolute: 1e-9)
        }
        let standard = try StandardScaler().fit(x)
        expectClose(standard.mean.elements, try golden.numbers("scalers/\(data)_standard/mean_"), "mean_")
        expectClose(standard.variance.elements, try golden.numbers("scalers/\(data)_standard/var_"), "var_")
        expectClose(standard.scale.elements, try golden.numbers("scalers/\(data)_standard/scale_"), "scale_")
        let robust = try RobustScaler().fit(x)
        expectClose(robust.center.elements, try golden.numbers("scalers/\(data)_robust/center_"), "center_")
        expectClose(robust.scale.elements, try golden.numbers("scalers/\(data)_robust/scale_"), "robust scale_")
        let minMax = try MinMaxScaler(featureRange: -2...3).fit(x)
        expectClose(minMax.scale.elements, try golden.numbers("scalers/\(data)_minmax_range/scale_"), "minmax scale_")
        expectClose(minMax.offset.elements, try golden.numbers("scalers/\(data)_minmax_range/min_"), "minmax min_")
        let maxAbs = try MaxAbsScaler().fit(x)
        expectClose(maxAbs.maxAbs.elements, try golden.numbers("scalers/\(data)_maxabs/max_abs_"), "max_abs_")
    }

    @Test func weightedStandardScaler() throws {
        let x = try golden.matrix("data/b")
        let weights = try golden.numbers("weights")
        let model = try StandardScaler().fit(x, context: FitContext(sampleWeights: weights))
        expectClose(try model.transform(x), try golden.matrix("scalers/b_standard_weighted/transform"), "weighted transform")
        expectClose(model.mean.elements, try golden.numbers("scalers/b_standard_weighted/mean_"), "weighted mean_")
        expectClose(model.variance.elements, try golden.numbers("scalers/b_standard_weighted/var_"), "weighted var_")
    }

    /// Statistics and transforms run in parallel blocks of rows: on data spanning many blocks,
    /// with NaNs and weights, they are the plain two-pass sums, and an Inf in the last block is
    /// named.
    @Test func blockedStandardScalerIsThePlainComputation() throws {
        var generator = SeededGenerator(seed: 5)
        let (n, p) = (50_001, 3)
        let x = Matrix<Double>(rows: n, columns: p) { _, j in generator.nextUniform() < 0.1 ? .nan : 1_000 + generator.nextNormal() * Double(j + 1) }
        let weights = (0..<n).map { _ in generator.nextUniform() * 2 }
        let model = try StandardScaler().fit(x, context: FitContext(sampleWeights: weights))
        for j in 0..<p {
            let present = (0..<n).filter { !x[$0, j].isNaN }
            let total = present.reduce(0) { $0 + weights[$1] }
            let mean = present.reduce(0) { $0 + weights[$1] * x[$1, j] } / total
            let variance = present.reduce(0) { $0 + weights[$1] * (x[$1, j] - mean) * (x[$1, j] - mean) } / total
            #expect(abs(model.mean.elements[j] - mean) <= 1e-12 * abs(mean), "column \(j) mean")
            #expect(abs(model.variance.elements[j] - variance) <= 1e-10 * variance, "column \(j) variance")
        }
        let scaled = try model.transform(x)
        for (i, j) in [(0, 0), (n / 2, 1), (n - 1, 2)] where !x[i, j].isNaN {
            #expect(scaled[i, j] == (x[i, j] - model.mean.elements[j]) / model.scale.elements[j])
        }
        #expect(zip(scaled.values, x.values).allSatisfy { $0.isNaN == $1.isNaN })
        expectClose(try model.inverseTransform(scaled).values, x.values, "inverse", tolerance: 1e-12)
        var broken = x
        broken[n - 1, 1] = -.infinity
        let error = #expect(throws: ToolboxError.self) { try model.transform(broken) }
        #expect(error?.context.row == n - 1 && error?.context.column == "1")
    }

    @Test(arguments: ["mean", "median", "most_frequent"])
    func simpleImputerMatchesScikitLearn(strategy: String) throws {
        let x = try golden.matrix("imputers/x")
        for keep in [false, true] {
            let key = "imputers/\(strategy)_keep\(keep ? 1 : 0)"
            let imputer = try SimpleImputer(hyperparameters: ["strategy": .string(strategy), "keep_empty_features": .bool(keep)])
            let model = try imputer.fit(x)
            expectClose(try model.transform(x), try golden.matrix("\(key)/transform"), key)
            expectClose(model.statistics.elements, try golden.numbers("\(key)/statistics_"), "\(key) statistics_")
            #expect(model.outputFeatureCount == (keep ? 6 : 5))
            #expect(model.outputFeatureNames(input: ["a", "b", "c", "d", "e", "empty"]) == (keep ? ["a", "b", "c", "d", "e", "empty"] : ["a", "b", "c", "d", "e"]))
        }
    }

    @Test func constantAndTies() throws {
        let x = try golden.matrix("imputers/x")
        let constant = try SimpleImputer(strategy: .constant, fillValue: -1.5).fit(x)
        expectClose(try constant.transform(x), try golden.matrix("imputers/constant/transform"), "constant")
        let ties = try golden.matrix("imputers/ties/x")
        let mode = try SimpleImputer(strategy: .mostFrequent).fit(ties)
        expectClose(try mode.transform(ties), try golden.matrix("imputers/ties/transform"), "ties")
    }

    @Test(arguments: [1, 3, 5])
    func knnImputerMatchesScikitLearn(neighbors: Int) throws {
        let train = try golden.matrix("knn/train"), test = try golden.matrix("knn/test")
        for weights in [KNNImputer.Weights.uniform, .distance] {
            let key = "knn/k\(neighbors)_\(weights.rawValue)"
            let model = try KNNImputer(neighbors: neighbors, weights: weights).fit(train)
            expectClose(try model.transform(train), try golden.matrix("\(key)/train"), "\(key) train")
            expectClose(try model.transform(test), try golden.matrix("\(key)/test"), "\(key) test")
            let loaded = try ModelArchive.decode(KNNImputer.Model.self, from: try ModelArchive.encode(model))
            #expect(try loaded.transform(test) == model.transform(test))
        }
    }

    @Test func everyTransformerConforms() throws {
        try checkEstimator(KNNImputer(neighbors: 3, weights: .distance), task: .unsupervised)
        try checkEstimator(StandardScaler(), task: .unsupervised)
        try checkEstimator(StandardScaler(withMean: false), task: .unsupervised, seed: 2)
        try checkEstimator(MinMaxScaler(featureRange: -1...1, clip: true), task: .unsupervised)
        try checkEstimator(MaxAbsScaler(), task: .unsupervised)
        try checkEstimator(RobustScaler(unitVariance: true), task: .unsupervised)
        try checkEstimator(SimpleImputer(strategy: .median), task: .unsupervised)
    }

    @Test func badInputIsTyped() throws {
        let x = try golden.matrix("data/b")
        var withInf = x
        withInf[3, 1] = .infinity
        do {
            _ = try StandardScaler().fit(withInf)
            Issue.record("Inf was accepted")
        } catch let error as ToolboxError {
            #expect(error.context.row == 3 && error.context.column == "1")
        }
        let model = try StandardScaler().fit(x)
        #expect(throws: ToolboxError.self) { try model.transform(Matrix(rows: 2, columns: 3)) }
        #expect(throws: ToolboxError.self) { try StandardScaler().fit(Matrix(rows: 0, columns: 3)) }
        #expect(throws: ToolboxError.self) { try MinMaxScaler(hyperparameters: ["feature_range": .array([.number(1), .number(0)])]) }
        #expect(throws: ToolboxError.self) { try RobustScaler(hyperparameters: ["quantile_range": .array([.number(10)])]) }
        // An all-missing column passes through as missing; a constant column is centred, not divided by 0.
        var empty = x
        for i in 0..<x.rows { empty[i, 0] = .nan }
        let transformed = try StandardScaler().fit(empty).transform(empty)
        #expect((0..<x.rows).allSatisfy { transformed[$0, 0].isNaN } && (0..<x.rows).allSatisfy { transformed[$0, 2] == 0 })
    }
}
