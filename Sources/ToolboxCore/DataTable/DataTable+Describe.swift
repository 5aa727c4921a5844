/// Summary statistics of one column, as pandas' `describe` reports them.
public struct ColumnSummary: Sendable, Hashable, Codable {
    /// The column name.
    public var name: String
    /// Numeric or categorical.
    public var kind: FeatureKind
    /// Non-missing values.
    public var count: Int
    /// Missing values.
    public var missing: Int
    /// Distinct non-missing values (categorical columns).
    public var unique: Int?
    /// The most frequent value and its count (categorical columns; ties go to the first seen).
    public var top: String?
    /// How often ``top`` occurs (categorical columns).
    public var topFrequency: Int?
    /// Mean, sample standard deviation (n − 1), minimum, quartiles and maximum (numeric columns).
    public var mean: Double?
    /// The sample standard deviation (n − 1).
    public var std: Double?
    /// The smallest value.
    public var min: Double?
    /// The first quartile (linear interpolation, as pandas').
    public var q25: Double?
    /// The median.
    public var median: Double?
    /// The third quartile (linear interpolation, as pandas').
    public var q75: Double?
    /// The largest value.
    public var max: Double?
}

extension DataTable {
    /// Per-column summary statistics. Quartiles interpolate linearly between order statistics
    /// and the standard deviation uses n − 1, both as in pandas.
    /// - Complexity: O(rows × columns + rows log rows per numeric column) for the quantiles.
    public func describe() -> [ColumnSummary] {
        zip(columnNames, columns).map { name, column in
            switch column {
            case .numeric(let values):
                let present = values.filter { !$0.isNaN }.sorted()
                var summary = ColumnSummary(name: name, kind: .numeric, count: present.count,
                                            missing: values.count - present.count)
                guard !present.isEmpty else { return summary }
                let matrix = Matrix<Double>.column(present)
                summary.mean = matrix.columnMeans()[0]
                summary.std = matrix.columnStandardDeviations(deltaDegreesOfFreedom: 1)[0]
                summary.min = present.first
                summary.q25 = Quantile.linear(present, 0.25)
                summary.median = Quantile.linear(present, 0.5)
                summary.q75 = Quantile.linear(present, 0.75)
                summary.max = present.last
                return summary
            case .categorical(let values):
                var counts: [String: Int] = [:]
                var order: [String] = []
                for case let value? in values {
                    if counts[value] == nil { order.append(value) }
                    counts[value, default: 0] += 1
                }
                let present = values.count - values.filter { $0 == nil }.count
                var summary = ColumnSummary(name: name, kind: .categorical, count: present,
                                            missing: values.count - present, unique: counts.count)
                if let best = counts.values.max() {
                    summary.top = order.first { counts[$0] == best }
                    summary.topFrequency = best
                }
                return summary
            }
        }
    }
}
