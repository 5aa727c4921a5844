extension Matrix {
    /// The position of the first NaN or infinite element in row-major order, if any.
    @_specialize(exported: true, where Scalar == Double)
    public func firstNonFinite() -> (row: Int, column: Int)? {
        values.withUnsafeBufferPointer { buffer in
            // Fast path: v − v is 0 for every finite v and NaN otherwise; four independent
            // sums keep the loop free of branches and dependencies. Only a matrix that has a non-finite value is scanned.
            var a0: Scalar = 0, a1: Scalar = 0, a2: Scalar = 0, a3: Scalar = 0
            let count = buffer.count, whole = count / 4 * 4
            var k = 0
            while k < whole {
                a0 += buffer[k] - buffer[k]
                a1 += buffer[k + 1] - buffer[k + 1]
                a2 += buffer[k + 2] - buffer[k + 2]
                a3 += buffer[k + 3] - buffer[k + 3]
                k += 4
            }
            var tail: Scalar = 0
            for k in whole..<count { tail += buffer[k] - buffer[k] }
            if (a0 + a1 + a2 + a3 + tail).isFinite { return nil }
            for k in 0..<count where !buffer[k].isFinite {
                return (k / columns, k % columns)
            }
            return nil
        }
    }

    /// Throws when an element is NaN or infinite, naming its row and column.
    /// - Parameter name: the argument name to report (for example `"X"`).
    @_specialize(exported: true, where Scalar == Double)
    public func validateFinite(name: String = "X") throws {
        if let (row, column) = firstNonFinite() {
            let value = values[row * columns + column]
            throw ToolboxError(.invalidData, "\(name) contains \(value) at row \(row), column \(column)",
                               context: ErrorContext(column: String(column), row: row, parameter: name))
        }
    }

    /// Throws when the matrix does not have `expected` columns: the check every fitted model
    /// makes before it transforms or predicts.
    public func validateColumnCount(_ expected: Int, name: String = "X") throws {
        guard columns == expected else {
            throw ToolboxError(.shapeMismatch,
                               "\(name) has \(columns) features, but the model was fitted with \(expected)",
                               context: ErrorContext(parameter: name))
        }
    }

    /// Throws when the matrix has no rows or no columns.
    public func validateNotEmpty(name: String = "X") throws {
        guard rows > 0 && columns > 0 else {
            throw ToolboxError(.invalidData, "\(name) is empty (\(rows) x \(columns))",
                               context: ErrorContext(parameter: name))
        }
    }
}

/// Checks shared by estimators on a target vector.
public enum TargetValidation {
    /// Throws unless `y` has one value per row of `x` and every value is finite.
    public static func validate(_ y: [Double], rows: Int, name: String = "y") throws {
        guard y.count == rows else {
            throw ToolboxError(.shapeMismatch, "\(name) has \(y.count) values for \(rows) rows",
                               context: ErrorContext(parameter: name))
        }
        if let index = y.firstIndex(where: { !$0.isFinite }) {
            throw ToolboxError(.invalidData, "\(name) contains \(y[index]) at row \(index)",
                               context: ErrorContext(row: index, parameter: name))
        }
    }
}

/// Checks on sample weights shared by estimators.
public enum SampleWeightValidation {
    /// The weights to use: `weights`, or all ones when `nil`.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` for a wrong length,
    ///   ``ToolboxError/Code/invalidData`` for a negative or non-finite weight or all zeros.
    public static func validate(_ weights: [Double]?, rows: Int) throws -> [Double] {
        guard let weights else { return [Double](repeating: 1, count: rows) }
        guard weights.count == rows else {
            throw ToolboxError(.shapeMismatch, "sampleWeights has \(weights.count) values for \(rows) rows",
                               context: ErrorContext(parameter: "sampleWeights"))
        }
        if let bad = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw ToolboxError(.invalidData, "sampleWeights has \(weights[bad]) at row \(bad); weights must be finite and non-negative",
                               context: ErrorContext(row: bad, parameter: "sampleWeights"))
        }
        guard weights.contains(where: { $0 > 0 }) else {
            throw ToolboxError(.invalidData, "sampleWeights are all zero", context: ErrorContext(parameter: "sampleWeights"))
        }
        return weights
    }
}
