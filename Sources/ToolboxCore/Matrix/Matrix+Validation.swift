extension Matrix {
    /// The position of the first NaN or infinite element in row-major order, if any.
    public func firstNonFinite() -> (row: Int, column: Int)? {
        values.withUnsafeBufferPointer { buffer in
            for k in 0..<buffer.count where !buffer[k].isFinite {
                return (k / columns, k % columns)
            }
            return nil
        }
    }

    /// Throws when an element is NaN or infinite, naming its row and column.
    /// - Parameter name: the argument name to report (for example `"X"`).
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
