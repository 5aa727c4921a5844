import ToolboxCore

/// Per-column statistics that skip missing values (NaN), as NumPy's `nan*` functions do.
enum ColumnStatistics {
    /// Throws when `x` holds ±Inf, naming the row and column: missing is NaN, infinite is an error.
    static func rejectInfinite(_ x: Matrix<Double>, name: String = "X") throws {
        try x.withUnsafeBufferPointer { values in
            for k in 0..<values.count where values[k].isInfinite {
                throw ToolboxError(.invalidData, "\(name) contains \(values[k]) at row \(k / x.columns), column \(k % x.columns); missing values are NaN",
                                   context: ErrorContext(column: String(k % x.columns), row: k / x.columns, parameter: name))
            }
        }
    }

    /// Each column's present (non-NaN) values, in row order.
    static func presentValues(_ x: Matrix<Double>) -> [[Double]] {
        var columns = [[Double]](repeating: [], count: x.columns)
        x.withUnsafeBufferPointer { values in
            for i in 0..<x.rows {
                for j in 0..<x.columns where !values[i * x.columns + j].isNaN { columns[j].append(values[i * x.columns + j]) }
            }
        }
        return columns
    }

    /// Weighted mean and population variance of each column over its present values, in two
    /// passes; `nil` for a column with no present value (or zero total weight).
    static func meanAndVariance(_ x: Matrix<Double>, weights: [Double]?) -> [(mean: Double, variance: Double, weight: Double)?] {
        let (n, p) = (x.rows, x.columns)
        let unit = [Double](repeating: 1, count: weights == nil ? n : 0)
        let w = weights ?? unit
        var total = [Double](repeating: 0, count: p), sums = [Double](repeating: 0, count: p)
        var squares = [Double](repeating: 0, count: p)
        x.withUnsafeBufferPointer { values in
            w.withUnsafeBufferPointer { w in
                total.withUnsafeMutableBufferPointer { total in
                    sums.withUnsafeMutableBufferPointer { sums in
                        for i in 0..<n {
                            let row = values.baseAddress! + i * p
                            for j in 0..<p where !row[j].isNaN {
                                total[j] += w[i]
                                sums[j] += w[i] * row[j]
                            }
                        }
                    }
                }
            }
        }
        let means = (0..<p).map { total[$0] > 0 ? sums[$0] / total[$0] : .nan }
        x.withUnsafeBufferPointer { values in
            w.withUnsafeBufferPointer { w in
                means.withUnsafeBufferPointer { means in
                    squares.withUnsafeMutableBufferPointer { squares in
                        for i in 0..<n {
                            let row = values.baseAddress! + i * p
                            for j in 0..<p where !row[j].isNaN {
                                let d = row[j] - means[j]
                                squares[j] += w[i] * d * d
                            }
                        }
                    }
                }
            }
        }
        return (0..<p).map { j in total[j] > 0 ? (means[j], squares[j] / total[j], total[j]) : nil }
    }

    /// scikit-learn's `_handle_zeros_in_scale`: a scale too small to divide by becomes 1, so a
    /// constant column is centred but not blown up.
    static func safeScale(_ scale: Double) -> Double {
        scale.isNaN || scale < 10 * Double.ulpOfOne ? 1 : scale
    }

    /// `(x - shift) / scale` column by column; NaN stays NaN.
    static func affine(_ x: Matrix<Double>, shift: [Double], scale: [Double]) -> Matrix<Double> {
        columnwise(x, shift, scale) { value, shift, scale in (value - shift) / scale }
    }

    /// `x * scale + shift` column by column (the inverse of ``affine(_:shift:scale:)``).
    static func inverseAffine(_ x: Matrix<Double>, shift: [Double], scale: [Double]) -> Matrix<Double> {
        columnwise(x, shift, scale) { value, shift, scale in value * scale + shift }
    }

    /// `operation(x[i, j], shift[j], scale[j])` for every entry.
    @inline(__always)
    private static func columnwise(_ x: Matrix<Double>, _ shift: [Double], _ scale: [Double],
                                   _ operation: (Double, Double, Double) -> Double) -> Matrix<Double> {
        var out = x
        let p = x.columns
        out.withUnsafeMutableBufferPointer { values in
            shift.withUnsafeBufferPointer { shift in
                scale.withUnsafeBufferPointer { scale in
                    for i in 0..<x.rows {
                        let row = values.baseAddress! + i * p
                        for j in 0..<p { row[j] = operation(row[j], shift[j], scale[j]) }
                    }
                }
            }
        }
        return out
    }

    /// Checks a matrix given to a fitted column-wise model.
    static func validateInput(_ x: Matrix<Double>, columns: Int) throws {
        try x.validateColumnCount(columns)
        try rejectInfinite(x)
    }
}

/// A fitted scaler that maps each column by `(x − shift) / scale`: transform, inverse and the
/// unchanged column count come from the two arrays.
protocol AffineColumnScaler: InvertibleTransformer {
    /// What each column has subtracted (zeros when not centring).
    var affineShift: [Double] { get }
    /// What each column is divided by (ones when not scaling).
    var affineScale: [Double] { get }
}

extension AffineColumnScaler {
    public var outputFeatureCount: Int { inputFeatureCount }

    /// - Complexity: O(n·p).
    public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
        return ColumnStatistics.affine(x, shift: affineShift, scale: affineScale)
    }

    public func inverseTransform(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
        return ColumnStatistics.inverseAffine(x, shift: affineShift, scale: affineScale)
    }
}

/// Names and categorical columns of a transformer that keeps a subset of its input columns
/// (imputers drop columns with nothing to learn from).
enum KeptColumns {
    static func names(_ kept: [Int], input: [String]) -> [String] {
        kept.map { input.indices.contains($0) ? input[$0] : "x\($0)" }
    }

    static func categorical(_ kept: [Int], input: [CategoricalFeature]) -> [CategoricalFeature] {
        input.compactMap { feature in
            kept.firstIndex(of: feature.column).map { CategoricalFeature(column: $0, categories: feature.categories) }
        }
    }
}
