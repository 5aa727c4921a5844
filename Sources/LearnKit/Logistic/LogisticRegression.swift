import Foundation
public import ToolboxCore

/// Logistic regression, binary and multinomial, as scikit-learn's `LogisticRegression`:
/// minimizes C·Σᵢ wᵢ·ℓᵢ + penalty(W), with ℓ the log loss of the logistic (two classes) or
/// softmax (more) model and the intercepts unpenalized.
///
/// - L2 (and no penalty): L-BFGS, as scikit-learn's default `lbfgs` solver.
/// - L1 and elastic net: accelerated proximal gradient (FISTA; Beck and Teboulle, 2009).
///
/// ```swift
/// let model = try LogisticRegression(c: 0.5, classWeight: .balanced).fit(x, y)
/// model.converged                       // false: raise maxIterations (a ConvergenceWarning)
/// try model.predictProbabilities(x)     // one column per class in model.classes
/// ```
public struct LogisticRegression: SampleWeightedEstimator, DefaultInitializable {
    public enum Penalty: String, Sendable, Hashable, Codable {
        case l2, l1, elasticNet, none
    }

    /// How classes are weighted in the loss.
    public enum ClassWeight: Sendable, Hashable, Codable {
        /// Every sample counts once.
        case none
        /// n / (k · count of the class): rare classes count more.
        case balanced
        /// A weight per class label; unlisted classes weigh 1.
        case custom([Double: Double])
    }

    public var penalty: Penalty
    /// The inverse regularization strength (larger is weaker).
    public var c: Double
    /// The L1 share of the elastic-net penalty, in [0, 1].
    public var l1Ratio: Double
    public var fitIntercept: Bool
    public var maxIterations: Int
    public var tolerance: Double
    public var classWeight: ClassWeight

    public typealias Model = LogisticRegressionModel

    public init() {
        penalty = .l2
        c = 1
        l1Ratio = 0.5
        fitIntercept = true
        maxIterations = 100
        tolerance = 1e-4
        classWeight = .none
    }

    public init(penalty: Penalty = .l2, c: Double = 1, l1Ratio: Double = 0.5, fitIntercept: Bool = true,
                maxIterations: Int = 100, tolerance: Double = 1e-4, classWeight: ClassWeight = .none) {
        self.penalty = penalty
        self.c = c
        self.l1Ratio = l1Ratio
        self.fitIntercept = fitIntercept
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.classWeight = classWeight
    }

    public func fit(_ x: Matrix<Double>, _ y: [Double], sampleWeights: [Double]?) throws -> LogisticRegressionModel {
        guard c.isFinite, c > 0 else {
            throw ToolboxError(.invalidParameter, "C must be positive, got \(c)", context: ErrorContext(parameter: "c"))
        }
        guard l1Ratio >= 0, l1Ratio <= 1 else {
            throw ToolboxError(.invalidParameter, "l1Ratio must be in [0, 1], got \(l1Ratio)", context: ErrorContext(parameter: "l1Ratio"))
        }
        guard maxIterations > 0, tolerance >= 0, tolerance.isFinite else {
            throw ToolboxError(.invalidParameter, "maxIterations must be positive and tolerance non-negative",
                               context: ErrorContext(parameter: "maxIterations"))
        }
        try x.validateNotEmpty()
        try x.validateFinite()
        try TargetValidation.validate(y, rows: x.rows)
        var weights = try SampleWeightValidation.validate(sampleWeights, rows: x.rows)
        let (classes, labels) = encodeLabels(y)
        guard classes.count >= 2 else {
            throw ToolboxError(.invalidData, "y has a single class (\(classes.first ?? .nan)); classification needs at least two",
                               context: ErrorContext(parameter: "y"))
        }
        weights = try classWeighted(weights, labels: labels, classes: classes, y: y, classWeight: classWeight)
        let problem = LogisticProblem(x: x, labels: labels, classCount: classes.count, weights: weights,
                                      fitIntercept: fitIntercept, c: c, penalty: penalty, l1Ratio: l1Ratio)
        let solution = penalty == .l1 || (penalty == .elasticNet && l1Ratio > 0)
            ? try problem.solveProximal(maxIterations: maxIterations, tolerance: tolerance)
            : try problem.solveLBFGS(maxIterations: maxIterations, tolerance: tolerance)
        return LogisticRegressionModel(hyperparameters: self, classes: classes,
                                       coefficients: try Matrix(rows: problem.outputs, columns: x.columns,
                                                                values: Array(solution.parameters[0..<problem.outputs * x.columns])),
                                       intercepts: Array(solution.parameters[(problem.outputs * x.columns)...]),
                                       iterations: solution.iterations, converged: solution.converged)
    }
}

/// A fitted logistic regression.
public struct LogisticRegressionModel: Classifier {
    public static let modelTypeName = "LearnKit.LogisticRegression"
    public var hyperparameters: LogisticRegression
    public var classes: [Double]
    /// One row per output: a single row for two classes (the second class's log-odds),
    /// otherwise one row per class.
    public var coefficients: Matrix<Double>
    public var intercepts: [Double]
    /// Optimizer iterations used.
    public var iterations: Int
    /// Whether the solver met its tolerance within `maxIterations` (scikit-learn's ConvergenceWarning when not).
    public var converged: Bool

    public var inputFeatureCount: Int { coefficients.columns }

    /// The linear scores: one column (binary) or one per class.
    public func decisionFunction(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try x.validateColumnCount(inputFeatureCount)
        try x.validateFinite()
        var scores = try x.multiplied(by: coefficients, transposeOther: true)
        let (n, k) = (scores.rows, scores.columns)
        scores.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<n { for j in 0..<k { buffer[i * k + j] += intercepts[j] } }
        }
        return scores
    }

    public func predictProbabilities(_ x: Matrix<Double>) throws -> Matrix<Double> {
        let scores = try decisionFunction(x)
        if classes.count == 2 {
            return try Matrix(rows: scores.rows, columns: 2, values: scores.values.flatMap { z -> [Double] in
                let p = LogisticProblem.sigmoid(z)
                return [1 - p, p]
            })
        }
        var probabilities = scores
        LogisticProblem.softmaxRows(&probabilities)
        return probabilities
    }

    public func validateStructure() throws {
        let outputs = classes.count == 2 ? 1 : classes.count
        guard classes.count >= 2, coefficients.rows == outputs, intercepts.count == outputs else {
            throw ToolboxError(.corruptArchive, "logistic regression with \(classes.count) classes has \(coefficients.rows) coefficient rows and \(intercepts.count) intercepts")
        }
    }
}
