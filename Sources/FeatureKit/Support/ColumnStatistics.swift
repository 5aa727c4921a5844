import ToolboxCore

/// Per-column statistics that skip missing values (NaN), as NumPy's `nan*` functions do.
enum ColumnStatistics {
    /// Rows per block of the parallel passes: about 64k values, a function of the width alone,
    /// so blocks (and sums combined block by block) do not depend on the thread count.
    static func rowGrain(_ columns: Int) -> Int { max(1, 65_536 / max(columns, 1)) }

    /// Throws when `x` holds ±Inf, naming the row and column: missing is NaN, infinite is an error.
    static func rejectInfinite(_ x: Matrix<Double>, name: String = "X") throws {
        let p = x.columns
        guard x.rows > 0, p > 0 else { return }
        let first = try x.withUnsafeBufferPointer { values in
            let source = UnsafeSendable(values)
            return try Parallel.map(count: x.rows, grain: rowGrain(p)) { range -> Int? in
                let values = source.value
                for k in (range.lowerBound * p)..<(range.upperBound * p) where values[k].isInfinite { return k }
                return nil
            }.lazy.compactMap { $0 }.first
        }
        if let k = first {
            let value = x.withUnsafeBufferPointer { $0[k] }
            throw ToolboxError(.invalidData, "\(name) contains \(value) at row \(k / p), column \(k % p); missing values are NaN",
                               context: ErrorContext(column: String(k % p), row: k / p, parameter: name))
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
    /// passes, each over blocks of rows in parallel whose sums are added in block order; `nil`
    /// for a column with no present value (or zero total weight).
    static func meanAndVariance(_ x: Matrix<Double>, weights: [Double]?) throws -> [(mean: Double, variance: Double, weight: Double)?] {
        let (n, p) = (x.rows, x.columns)
        let grain = rowGrain(p)
        let firstPass = try x.withUnsafeBufferPointer { values in
            let source = UnsafeSendable((values, weights))
            return try Parallel.map(count: n, grain: grain) { range -> (total: [Double], sums: [Double]) in
                let (values, weights) = source.value
                var total = [Double](repeating: 0, count: p), sums = [Double](repeating: 0, count: p)
                total.withUnsafeMutableBufferPointer { total in
                    sums.withUnsafeMutableBufferPointer { sums in
                        for i in range {
                            let row = values.baseAddress! + i * p
                            let w = weights?[i] ?? 1
                            for j in 0..<p {
                                let present = !row[j].isNaN
                                total[j] += present ? w : 0
                                sums[j] += present ? w * row[j] : 0
                            }
                        }
                    }
                }
                return (total, sums)
            }
        }
        var total = [Double](repeating: 0, count: p), sums = [Double](repeating: 0, count: p)
        for block in firstPass {
            for j in 0..<p { total[j] += block.total[j]; sums[j] += block.sums[j] }
        }
        let means = (0..<p).map { total[$0] > 0 ? sums[$0] / total[$0] : .nan }
        let secondPass = try x.withUnsafeBufferPointer { values in
            let source = UnsafeSendable((values, weights))
            return try Parallel.map(count: n, grain: grain) { range -> [Double] in
                let (values, weights) = source.value
                var squares = [Double](repeating: 0, count: p)
                squares.withUnsafeMutableBufferPointer { squares in
                    means.withUnsafeBufferPointer { means in
                        for i in range {
                            let row = values.baseAddress! + i * p
                            let w = weights?[i] ?? 1
                            for j in 0..<p {
                                let d = row[j] - means[j]
                                squares[j] += row[j].isNaN ? 0 : w * d * d
                            }
                        }
                    }
                }
                return squares
            }
        }
        var squares = [Double](repeating: 0, count: p)
        for block in secondPass {
            for j in 0..<p { squares[j] += block[j] }
        }
        return (0..<p).map { j in total[j] > 0 ? (means[j], squares[j] / total[j], total[j]) : nil }
    }

    /// scikit-learn's `_handle_zeros_in_scale`: a scale too small to divide by becomes 1, so a
    /// constant column is centred but not blown up.
    static func safeScale(_ scale: Double) -> Double {
        scale.isNaN || scale < 10 * Double.ulpOfOne ? 1 : scale
    }

    /// `(x - shift) / scale` column by column; NaN stays NaN.
    static func affine(_ x: Matrix<Double>, shift: [Double], scale: [Double]) throws -> Matrix<Double> {
        try columnwise(x, shift, scale, inverse: false)
    }

    /// `x * scale + shift` column by column (the inverse of ``affine(_:shift:scale:)``).
    static func inverseAffine(_ x: Matrix<Double>, shift: [Double], scale: [Double]) throws -> Matrix<Double> {
        try columnwise(x, shift, scale, inverse: true)
    }

    /// `(x[i, j] − shift[j]) / scale[j]` for every entry, or `x[i, j] · scale[j] + shift[j]` for
    /// the inverse, over blocks of rows in parallel.
    private static func columnwise(_ x: Matrix<Double>, _ shift: [Double], _ scale: [Double], inverse: Bool) throws -> Matrix<Double> {
        let (n, p) = (x.rows, x.columns)
        let output = [Double](unsafeUninitializedCapacity: n * p) { buffer, count in
            x.withUnsafeBufferPointer { values in
                let pointers = UnsafeSendable((values, buffer))
                // The body cannot throw, so neither can the loop.
                try? Parallel.forEach(count: n, grain: rowGrain(p)) { range in
                    let (values, out) = pointers.value
                    shift.withUnsafeBufferPointer { shift in
                        scale.withUnsafeBufferPointer { scale in
                            for i in range {
                                let row = values.baseAddress! + i * p, target = out.baseAddress! + i * p
                                if inverse {
                                    for j in 0..<p { target[j] = row[j] * scale[j] + shift[j] }
                                } else {
                                    for j in 0..<p { target[j] = (row[j] - shift[j]) / scale[j] }
                                }
                            }
                        }
                    }
                }
            }
            count = n * p
        }
        return try Matrix(rows: n, columns: p, values: output)
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
    /// The number of columns the transform outputs.
    public var outputFeatureCount: Int { inputFeatureCount }

    /// - Complexity: O(n·p).
    public func transform(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
        return try ColumnStatistics.affine(x, shift: affineShift, scale: affineScale)
    }

    /// Undoes the scaling: the original columns from scaled ones.
    public func inverseTransform(_ x: Matrix<Double>) throws -> Matrix<Double> {
        try ColumnStatistics.validateInput(x, columns: inputFeatureCount)
        return try ColumnStatistics.inverseAffine(x, shift: affineShift, scale: affineScale)
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
