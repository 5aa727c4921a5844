/// A dense two-dimensional array of floating-point values in one row-major buffer.
///
/// Element `(i, j)` lives at `values[i * columns + j]`, the layout NumPy (C order), FAISS and
/// CBLAS's row-major mode use, so a matrix passes to BLAS and back without copying.
/// `Matrix<Double>` is the learning type throughout DS Toolbox; `Matrix<Float>` is used for
/// vector search.
///
/// ```swift
/// let x = try Matrix<Double>(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
/// let gram = x.transposed() * x      // 3 x 3, computed by BLAS dgemm
/// ```
public struct Matrix<Scalar: MatrixScalar>: Sendable {
    /// The number of rows (samples).
    public let rows: Int
    /// The number of columns (features).
    public let columns: Int
    /// The elements, row after row; always `rows * columns` long.
    public internal(set) var values: [Scalar]

    /// Creates a matrix from a row-major buffer.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when `values.count != rows * columns`,
    ///   ``ToolboxError/Code/invalidParameter`` for a negative dimension.
    public init(rows: Int, columns: Int, values: [Scalar]) throws {
        guard rows >= 0, columns >= 0 else {
            throw ToolboxError(.invalidParameter, "matrix dimensions must not be negative, got \(rows) x \(columns)",
                               context: ErrorContext(parameter: rows < 0 ? "rows" : "columns"))
        }
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, count == values.count else {
            throw ToolboxError(.shapeMismatch,
                               "\(values.count) values cannot fill a \(rows) x \(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Creates a matrix with every element set to `value`.
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(exported: true, where Scalar == Float)
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must not be negative")
        self.rows = rows
        self.columns = columns
        self.values = Array(repeating: value, count: rows * columns)
    }

    /// Creates a matrix from nested arrays, one inner array per row.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` naming the first row whose length differs.
    public init(_ rowArrays: [[Scalar]]) throws {
        let columns = rowArrays.first?.count ?? 0
        var values: [Scalar] = []
        values.reserveCapacity(rowArrays.count * columns)
        for (index, row) in rowArrays.enumerated() {
            guard row.count == columns else {
                throw ToolboxError(.shapeMismatch, "row has \(row.count) values, expected \(columns)",
                                   context: ErrorContext(row: index))
            }
            values.append(contentsOf: row)
        }
        self.rows = rowArrays.count
        self.columns = columns
        self.values = values
    }

    /// Builds a matrix by calling `element(i, j)` for every position, row by row.
    public init(rows: Int, columns: Int, element: (Int, Int) throws -> Scalar) rethrows {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must not be negative")
        var values: [Scalar] = []
        values.reserveCapacity(rows * columns)
        for i in 0..<rows {
            for j in 0..<columns { values.append(try element(i, j)) }
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The `n x n` identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.values[i * n + i] = 1 }
        return m
    }

    /// A single-column matrix holding `vector`.
    public static func column(_ vector: [Scalar]) -> Matrix {
        Matrix(uncheckedRows: vector.count, columns: 1, values: vector)
    }

    /// Internal initializer for callers that already guarantee the shape.
    init(uncheckedRows rows: Int, columns: Int, values: [Scalar]) {
        assert(values.count == rows * columns)
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// `(rows, columns)`.
    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// `true` when the matrix has no elements.
    public var isEmpty: Bool { values.isEmpty }

    /// The element at row `i`, column `j`. Indices out of range are a programmer error (trap).
    public subscript(i: Int, j: Int) -> Scalar {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "matrix index (\(i), \(j)) out of range")
            return values[i * columns + j]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "matrix index (\(i), \(j)) out of range")
            values[i * columns + j] = newValue
        }
    }

    /// Calls `body` with the row-major buffer.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the mutable row-major buffer; the shape cannot change.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try values.withUnsafeMutableBufferPointer(body)
    }
}

extension Matrix: Equatable {}
extension Matrix: Hashable {}

extension Matrix: CustomStringConvertible {
    public var description: String {
        let shown = min(rows, 6)
        var lines = ["Matrix<\(Scalar.self)> \(rows) x \(columns)"]
        for i in 0..<shown {
            let start = i * columns
            let row = values[start..<start + min(columns, 8)].map { "\($0)" }.joined(separator: ", ")
            lines.append("  [" + row + (columns > 8 ? ", ..." : "") + "]")
        }
        if rows > shown { lines.append("  ...") }
        return lines.joined(separator: "\n")
    }
}

extension Matrix: Codable {
    private enum CodingKeys: String, CodingKey { case rows, columns, values }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(columns, forKey: .columns)
        try container.encode(BinaryArray(values), forKey: .values)
    }

    /// Decodes a matrix, checking that the values fill the declared shape.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try container.decode(Int.self, forKey: .rows)
        let columns = try container.decode(Int.self, forKey: .columns)
        let values = try container.decode(BinaryArray<Scalar>.self, forKey: .values).elements
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, count == values.count else {
            throw DecodingError.dataCorruptedError(forKey: .values, in: container,
                debugDescription: "\(values.count) values cannot fill a \(rows) x \(columns) matrix")
        }
        self.init(uncheckedRows: rows, columns: columns, values: values)
    }
}
