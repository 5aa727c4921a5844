/// A feature matrix made from a ``DataTable``, with what a learner needs to know about its columns.
public struct FeatureMatrix: Sendable, Hashable {
    /// One row per table row, one column per selected table column.
    public var matrix: Matrix<Double>
    /// The column names, in matrix column order.
    public var featureNames: [String]
    /// The matrix columns that hold categorical codes (as LightGBM takes them).
    public var categoricalColumns: [Int]
    /// For each categorical column name, its categories; code `k` is `categories[k]`, missing is NaN.
    public var categories: [String: [String]]

    /// The features by name and kind, as a model archive records them.
    public var descriptors: [FeatureDescriptor] {
        featureNames.enumerated().map { index, name in
            FeatureDescriptor(name: name, kind: categoricalColumns.contains(index) ? .categorical : .numeric)
        }
    }
}

extension DataTable {
    /// Builds a feature matrix from `columns` (all columns by default).
    ///
    /// Numeric columns are copied; categorical columns become integer codes `0, 1, ...` in the
    /// sorted order of their distinct values, missing values become NaN.
    /// - Parameter fixed: fixed category lists to use instead of the ones in the data
    ///   (so test data is coded as training data was); an unknown category throws.
    /// - Parameter names: the columns, in order (all by default).
    /// - Complexity: O(rows × columns), plus sorting each categorical column's distinct values.
    public func toMatrix(columns names: [String]? = nil, categories fixed: [String: [String]] = [:]) throws -> FeatureMatrix {
        let names = names ?? columnNames
        let width = names.count
        var values = [Double](repeating: 0, count: rowCount * width)
        var categorical: [Int] = []
        var categories: [String: [String]] = [:]
        for (j, name) in names.enumerated() {
            switch try column(named: name) {
            case .numeric(let column):
                for i in 0..<rowCount { values[i * width + j] = column[i] }
            case .categorical(let column):
                let levels = fixed[name] ?? Array(Set(column.compactMap { $0 })).sorted()
                var codes: [String: Int] = [:]
                for (code, level) in levels.enumerated() { codes[level] = code }
                for i in 0..<rowCount {
                    guard let value = column[i] else { values[i * width + j] = .nan; continue }
                    guard let code = codes[value] else {
                        throw ToolboxError(.invalidData, "column \(name) has category \(value) not among the known categories",
                                           context: ErrorContext(column: name, row: i))
                    }
                    values[i * width + j] = Double(code)
                }
                categorical.append(j)
                categories[name] = levels
            }
        }
        return FeatureMatrix(matrix: Matrix(uncheckedRows: rowCount, columns: width, values: values),
                             featureNames: names, categoricalColumns: categorical, categories: categories)
    }

    /// A table of numeric columns from a matrix.
    public init(_ matrix: Matrix<Double>, columnNames: [String]? = nil) throws {
        let names = columnNames ?? (0..<matrix.columns).map { "x\($0)" }
        guard names.count == matrix.columns else {
            throw ToolboxError(.shapeMismatch, "\(names.count) names for \(matrix.columns) columns",
                               context: ErrorContext(parameter: "columnNames"))
        }
        try self.init(names.enumerated().map { ($1, .numeric(matrix.column($0))) })
    }
}

/// A target column as learners take it: numbers, and for a column of labels the label of each code.
public struct TargetColumn: Sendable, Hashable {
    /// One value per row: the number, or the label's code `0, 1, ...`.
    public var values: [Double]
    /// For a column of labels, the labels in code order (sorted); `nil` for a numeric column.
    public var labels: [String]?
}

extension DataTable {
    /// The column `name` as a target: numeric columns as they are, label columns as codes of
    /// their sorted distinct labels (pass ``TargetColumn/labels`` as ``FitContext/targetLabels``
    /// so classifiers answer with the labels).
    /// - Throws: ``ToolboxError/Code/invalidData`` for a missing label, naming the row.
    public func target(named name: String) throws -> TargetColumn {
        switch try column(named: name) {
        case .numeric(let values):
            return TargetColumn(values: values, labels: nil)
        case .categorical(let column):
            let labels = Array(Set(column.compactMap { $0 })).sorted()
            var codes: [String: Double] = [:]
            for (code, label) in labels.enumerated() { codes[label] = Double(code) }
            var values: [Double] = []
            values.reserveCapacity(column.count)
            for (row, label) in column.enumerated() {
                guard let label, let code = codes[label] else {
                    throw ToolboxError(.invalidData, "target column \(name) is missing at row \(row)",
                                       context: ErrorContext(column: name, row: row))
                }
                values.append(code)
            }
            return TargetColumn(values: values, labels: labels)
        }
    }
}
