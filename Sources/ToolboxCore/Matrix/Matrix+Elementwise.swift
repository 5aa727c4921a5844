extension Matrix {
    /// A matrix of the same shape with `transform` applied to every element.
    public func map(_ transform: (Scalar) throws -> Scalar) rethrows -> Matrix {
        Matrix(uncheckedRows: rows, columns: columns, values: try values.map(transform))
    }

    /// Combines two matrices of the same shape element by element.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when the shapes differ.
    public func elementwise(_ other: Matrix, _ combine: (Scalar, Scalar) -> Scalar) throws -> Matrix {
        guard rows == other.rows && columns == other.columns else {
            throw ToolboxError(.shapeMismatch,
                               "element-wise operation on \(rows) x \(columns) and \(other.rows) x \(other.columns) matrices")
        }
        var out = values
        out.withUnsafeMutableBufferPointer { target in
            other.values.withUnsafeBufferPointer { source in
                for k in 0..<target.count { target[k] = combine(target[k], source[k]) }
            }
        }
        return Matrix(uncheckedRows: rows, columns: columns, values: out)
    }

    /// Element-wise sum. - Throws: ``ToolboxError/Code/shapeMismatch``.
    public static func + (lhs: Matrix, rhs: Matrix) throws -> Matrix { try lhs.elementwise(rhs, +) }
    /// Element-wise difference. - Throws: ``ToolboxError/Code/shapeMismatch``.
    public static func - (lhs: Matrix, rhs: Matrix) throws -> Matrix { try lhs.elementwise(rhs, -) }
    /// Every element times `scalar`.
    public static func * (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 * rhs } }
    /// Every element times `scalar`.
    public static func * (lhs: Scalar, rhs: Matrix) -> Matrix { rhs.map { lhs * $0 } }

    /// Applies `transform(value, column)` to every element: the shape of per-column scaling.
    @_specialize(exported: true, where Scalar == Double)
    public func mapColumns(_ transform: (Scalar, Int) -> Scalar) -> Matrix {
        var out = values
        out.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<rows {
                let base = i * columns
                for j in 0..<columns { buffer[base + j] = transform(buffer[base + j], j) }
            }
        }
        return Matrix(uncheckedRows: rows, columns: columns, values: out)
    }

    /// The largest absolute element-wise difference; `.infinity` when the shapes differ.
    public func maxAbsoluteDifference(_ other: Matrix) -> Scalar {
        guard rows == other.rows && columns == other.columns else { return .infinity }
        var worst: Scalar = 0
        for k in values.indices {
            let d = abs(values[k] - other.values[k])
            if d > worst || d.isNaN { worst = d.isNaN ? .infinity : d }
        }
        return worst
    }
}
