import ToolboxCore

/// Centering shared by the linear models, as scikit-learn's `_preprocess_data` does it:
/// subtract the (weighted) column means of `x` and the mean of `y` when fitting an intercept.
struct CenteredData {
    var x: Matrix<Double>
    var y: [Double]
    var xMean: [Double]
    var yMean: Double

    init(_ x: Matrix<Double>, _ y: [Double], weights: [Double], fitIntercept: Bool) {
        guard fitIntercept else {
            self.x = x
            self.y = y
            xMean = [Double](repeating: 0, count: x.columns)
            yMean = 0
            return
        }
        let total = weights.reduce(0, +)
        var means = [Double](repeating: 0, count: x.columns)
        x.withUnsafeBufferPointer { values in
            for i in 0..<x.rows where weights[i] != 0 {
                for j in 0..<x.columns { means[j] += weights[i] * values[i * x.columns + j] }
            }
        }
        means = means.map { $0 / total }
        xMean = means
        yMean = zip(y, weights).reduce(0) { $0 + $1.0 * $1.1 } / total
        self.x = x.mapColumns { value, j in value - means[j] }
        let yMean = yMean
        self.y = y.map { $0 - yMean }
    }

    /// The centered data with each row scaled by √weight, so that ordinary least squares on the
    /// result is weighted least squares on the original; unchanged when `weighted` is false.
    func rowsScaled(by weights: [Double], weighted: Bool) -> (x: Matrix<Double>, y: [Double]) {
        guard weighted else { return (x, y) }
        let roots = weights.map { $0.squareRoot() }
        let scaled = x.withUnsafeBufferPointer { values in
            Matrix<Double>(rows: x.rows, columns: x.columns) { i, j in values[i * x.columns + j] * roots[i] }
        }
        return (scaled, zip(y, roots).map { $0 * $1 })
    }

    /// The intercept that goes with coefficients fitted on the centered data.
    func intercept(for coefficients: [Double]) -> Double {
        yMean - zip(xMean, coefficients).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

/// Validates the inputs every linear model takes.
func validateRegressionInput(_ x: Matrix<Double>, _ y: [Double]) throws {
    try x.validateNotEmpty()
    try x.validateFinite()
    try TargetValidation.validate(y, rows: x.rows)
}

/// A fitted linear model's prediction X·w + b.
func linearPrediction(_ x: Matrix<Double>, coefficients: [Double], intercept: Double) throws -> [Double] {
    try x.validateColumnCount(coefficients.count)
    try x.validateFinite()
    return try x.multiplied(by: coefficients).map { $0 + intercept }
}
