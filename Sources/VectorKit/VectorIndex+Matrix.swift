public import ToolboxCore

extension VectorIndex {
    /// Adds the rows of `vectors` (n × ``dimension``) with their ids (0, 1, 2, ... after the
    /// current count when `nil`).
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when the matrix has another number of
    ///   columns than the index's dimension; the errors of ``add(_:ids:)``.
    public func add(_ vectors: Matrix<Float>, ids: [Int64]? = nil) throws {
        try checkDimension(vectors, "vectors")
        try add(vectors.values, ids: ids)
    }

    /// The `k` nearest vectors to each row of `queries` (nq × ``dimension``).
    public func search(_ queries: Matrix<Float>, k: Int, filter: SearchFilter? = nil) throws -> SearchResults {
        try checkDimension(queries, "queries")
        return try search(queries.values, k: k, filter: filter)
    }

    private func checkDimension(_ matrix: Matrix<Float>, _ name: String) throws {
        guard matrix.columns == dimension else {
            throw ToolboxError(.shapeMismatch, "\(name) have \(matrix.columns) columns; the index holds \(dimension)-dimensional vectors",
                               context: ErrorContext(parameter: name))
        }
    }
}
