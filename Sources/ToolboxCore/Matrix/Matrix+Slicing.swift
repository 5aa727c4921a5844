extension Matrix {
    /// Row `i` as an array.
    public func row(_ i: Int) -> [Scalar] {
        precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
        return Array(values[i * columns..<(i + 1) * columns])
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Scalar] {
        precondition(j >= 0 && j < columns, "column \(j) out of range 0..<\(columns)")
        return values.withUnsafeBufferPointer { buffer in
            (0..<rows).map { buffer[$0 * columns + j] }
        }
    }

    /// The rows at `indices`, in that order (indices may repeat, as in bootstrap sampling).
    /// - Throws: ``ToolboxError/Code/invalidParameter`` naming the first index out of range.
    public func rows<Indices: Collection>(at indices: Indices) throws -> Matrix where Indices.Element == Int {
        var out: [Scalar] = []
        out.reserveCapacity(indices.count * columns)
        try values.withUnsafeBufferPointer { buffer in
            for i in indices {
                guard i >= 0 && i < rows else {
                    throw ToolboxError(.invalidParameter, "row index \(i) out of range 0..<\(rows)",
                                       context: ErrorContext(row: i, parameter: "indices"))
                }
                out.append(contentsOf: buffer[i * columns..<(i + 1) * columns])
            }
        }
        return Matrix(uncheckedRows: indices.count, columns: columns, values: out)
    }

    /// The columns at `indices`, in that order.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` naming the first index out of range.
    public func columns<Indices: Collection>(at indices: Indices) throws -> Matrix where Indices.Element == Int {
        let picked = Array(indices)
        if let bad = picked.first(where: { $0 < 0 || $0 >= columns }) {
            throw ToolboxError(.invalidParameter, "column index \(bad) out of range 0..<\(columns)",
                               context: ErrorContext(column: String(bad), parameter: "indices"))
        }
        var out = [Scalar](repeating: 0, count: rows * picked.count)
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for i in 0..<rows {
                    let s = i * columns, t = i * picked.count
                    for (k, j) in picked.enumerated() { target[t + k] = source[s + j] }
                }
            }
        }
        return Matrix(uncheckedRows: rows, columns: picked.count, values: out)
    }

    /// A contiguous block of rows.
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "row range \(range) out of 0..<\(rows)")
        return Matrix(uncheckedRows: range.count, columns: columns,
                      values: Array(values[range.lowerBound * columns..<range.upperBound * columns]))
    }

    /// The transpose.
    public func transposed() -> Matrix {
        var out = [Scalar](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                // Blocked so both sides stay in cache for large matrices.
                let block = 32
                for ib in stride(from: 0, to: rows, by: block) {
                    for jb in stride(from: 0, to: columns, by: block) {
                        for i in ib..<min(ib + block, rows) {
                            for j in jb..<min(jb + block, columns) {
                                target[j * rows + i] = source[i * columns + j]
                            }
                        }
                    }
                }
            }
        }
        return Matrix(uncheckedRows: columns, columns: rows, values: out)
    }

    /// Stacks `other` below this matrix.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when the column counts differ.
    public func appendingRows(_ other: Matrix) throws -> Matrix {
        guard other.columns == columns || isEmpty || other.isEmpty else {
            throw ToolboxError(.shapeMismatch, "cannot stack a matrix with \(other.columns) columns below one with \(columns)")
        }
        if isEmpty && rows == 0 { return other }
        if other.rows == 0 { return self }
        return Matrix(uncheckedRows: rows + other.rows, columns: columns, values: values + other.values)
    }

    /// Places `other` to the right of this matrix.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when the row counts differ.
    public func appendingColumns(_ other: Matrix) throws -> Matrix {
        guard other.rows == rows else {
            throw ToolboxError(.shapeMismatch, "cannot join a matrix with \(other.rows) rows beside one with \(rows)")
        }
        let width = columns + other.columns
        var out: [Scalar] = []
        out.reserveCapacity(rows * width)
        for i in 0..<rows {
            out.append(contentsOf: values[i * columns..<(i + 1) * columns])
            out.append(contentsOf: other.values[i * other.columns..<(i + 1) * other.columns])
        }
        return Matrix(uncheckedRows: rows, columns: width, values: out)
    }
}
