/// A table of named, typed columns: the shape tabular data has before it becomes a ``Matrix``.
///
/// Numeric columns hold `Double` with NaN for missing; categorical columns hold strings with
/// `nil` for missing. Reads and writes CSV (see ``init(csvFile:options:)``).
///
/// ```swift
/// let table = try DataTable(csvFile: "houses.csv")
/// let (train, test) = try table.split(testFraction: 0.2, seed: 7)
/// let features = try train.toMatrix(columns: ["area", "rooms", "district"])
/// ```
public struct DataTable: Sendable, Hashable {
    /// One column's values.
    public enum Column: Sendable, Hashable {
        /// Numbers; NaN marks a missing value.
        case numeric([Double])
        /// Strings; `nil` marks a missing value.
        case categorical([String?])

        /// The number of values.
        public var count: Int {
            switch self {
            case .numeric(let values): values.count
            case .categorical(let values): values.count
            }
        }

        /// Numeric or categorical.
        public var kind: FeatureKind {
            switch self {
            case .numeric: .numeric
            case .categorical: .categorical
            }
        }

        /// The number of missing values.
        public var missingCount: Int {
            switch self {
            case .numeric(let values): values.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
            case .categorical(let values): values.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
            }
        }

        /// Values compare bit for bit, so NaN (missing) equals NaN in the same place, as in
        /// pandas' `DataFrame.equals`.
        public static func == (lhs: Column, rhs: Column) -> Bool {
            switch (lhs, rhs) {
            case (.numeric(let a), .numeric(let b)):
                a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
            case (.categorical(let a), .categorical(let b)):
                a == b
            default:
                false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .numeric(let values):
                hasher.combine(0)
                for value in values { hasher.combine(value.bitPattern) }
            case .categorical(let values):
                hasher.combine(1)
                hasher.combine(values)
            }
        }

        func picking<Indices: Sequence>(_ indices: Indices) -> Column where Indices.Element == Int {
            switch self {
            case .numeric(let values): .numeric(indices.map { values[$0] })
            case .categorical(let values): .categorical(indices.map { values[$0] })
            }
        }

        func appending(_ other: Column) -> Column? {
            switch (self, other) {
            case (.numeric(let a), .numeric(let b)): .numeric(a + b)
            case (.categorical(let a), .categorical(let b)): .categorical(a + b)
            default: nil
            }
        }
    }

    /// The column names, in order.
    public private(set) var columnNames: [String]
    /// The columns, in the order of ``columnNames``.
    public private(set) var columns: [Column]
    /// The number of rows.
    public private(set) var rowCount: Int
    /// Column positions by name, so lookups stay constant-time on wide tables.
    private var positions: [String: Int]

    /// Creates a table from named columns.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when lengths differ,
    ///   ``ToolboxError/Code/invalidParameter`` for a duplicate name.
    public init(_ namedColumns: [(name: String, column: Column)]) throws {
        var seen = Set<String>()
        for (name, column) in namedColumns {
            guard seen.insert(name).inserted else {
                throw ToolboxError(.invalidParameter, "duplicate column name \(name)", context: ErrorContext(column: name))
            }
            if let first = namedColumns.first, column.count != first.column.count {
                throw ToolboxError(.shapeMismatch,
                                   "column \(name) has \(column.count) values, column \(first.name) has \(first.column.count)",
                                   context: ErrorContext(column: name))
            }
        }
        self.columnNames = namedColumns.map(\.name)
        self.columns = namedColumns.map(\.column)
        self.rowCount = namedColumns.first?.column.count ?? 0
        self.positions = Dictionary(uniqueKeysWithValues: columnNames.enumerated().map { ($1, $0) })
    }

    /// The position of the column called `name`, or `nil`.
    public func columnIndex(named name: String) -> Int? { positions[name] }

    /// `names` for a message: all of them when few, else the first ones and how many more.
    package static func listing(_ names: [String], limit: Int = 20) -> String {
        names.count <= limit ? names.joined(separator: ", ")
            : names.prefix(limit).joined(separator: ", ") + " and \(names.count - limit) more"
    }

    /// An empty table.
    public init() {
        columnNames = []
        columns = []
        rowCount = 0
        positions = [:]
    }

    /// The number of columns.
    public var columnCount: Int { columns.count }

    /// The column called `name`, or `nil`.
    public subscript(name: String) -> Column? {
        positions[name].map { columns[$0] }
    }

    /// The column called `name`.
    /// - Throws: ``ToolboxError/Code/notFound`` naming the missing column.
    public func column(named name: String) throws -> Column {
        guard let index = positions[name] else {
            throw ToolboxError(.notFound, "no column named \(name); columns are \(Self.listing(columnNames))",
                               context: ErrorContext(column: name))
        }
        return columns[index]
    }

    /// The numeric column called `name`.
    /// - Throws: ``ToolboxError/Code/notFound``, or ``ToolboxError/Code/invalidData`` when it is categorical.
    public func numericColumn(named name: String) throws -> [Double] {
        guard case .numeric(let values) = try column(named: name) else {
            throw ToolboxError(.invalidData, "column \(name) is categorical, not numeric", context: ErrorContext(column: name))
        }
        return values
    }

    /// The categorical column called `name`.
    /// - Throws: ``ToolboxError/Code/notFound``, or ``ToolboxError/Code/invalidData`` when it is numeric.
    public func categoricalColumn(named name: String) throws -> [String?] {
        guard case .categorical(let values) = try column(named: name) else {
            throw ToolboxError(.invalidData, "column \(name) is numeric, not categorical", context: ErrorContext(column: name))
        }
        return values
    }

    /// Adds a column at the end, or replaces the column of the same name.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when its length differs from ``rowCount``.
    public mutating func setColumn(_ name: String, _ column: Column) throws {
        guard columns.isEmpty || column.count == rowCount else {
            throw ToolboxError(.shapeMismatch, "column \(name) has \(column.count) values for \(rowCount) rows",
                               context: ErrorContext(column: name))
        }
        if let index = positions[name] {
            columns[index] = column
        } else {
            positions[name] = columnNames.count
            columnNames.append(name)
            columns.append(column)
        }
        rowCount = column.count
    }

    /// A copy with `column` added at the end as `name`, or replacing the column of that name;
    /// the table itself is unchanged.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` when its length differs from ``rowCount``.
    public func adding(_ name: String, _ column: Column) throws -> DataTable {
        var copy = self
        try copy.setColumn(name, column)
        return copy
    }

    /// The table with only `names`, in that order.
    public func selecting(_ names: [String]) throws -> DataTable {
        try DataTable(names.map { ($0, try column(named: $0)) })
    }

    /// The table without `names`.
    public func dropping(_ names: [String]) throws -> DataTable {
        for name in names { _ = try column(named: name) }
        let dropped = Set(names)
        return try selecting(columnNames.filter { !dropped.contains($0) })
    }

    /// The rows at `indices`, in that order.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` naming an index out of range.
    public func rows<Indices: Collection>(at indices: Indices) throws -> DataTable where Indices.Element == Int {
        if let bad = indices.first(where: { $0 < 0 || $0 >= rowCount }) {
            throw ToolboxError(.invalidParameter, "row index \(bad) out of range 0..<\(rowCount)",
                               context: ErrorContext(row: bad, parameter: "indices"))
        }
        var copy = self
        copy.columns = columns.map { $0.picking(indices) }
        copy.rowCount = indices.count
        return copy
    }

    /// The rows for which `isIncluded(row)` is true.
    public func filter(_ isIncluded: (Int) throws -> Bool) rethrows -> DataTable {
        let kept = try (0..<rowCount).filter(isIncluded)
        var copy = self
        copy.columns = columns.map { $0.picking(kept) }
        copy.rowCount = kept.count
        return copy
    }

    /// This table's rows followed by `other`'s, which must have the same columns and kinds.
    public func appendingRows(_ other: DataTable) throws -> DataTable {
        if columns.isEmpty { return other }
        guard other.columnNames == columnNames else {
            throw ToolboxError(.shapeMismatch, "tables have different columns: \(columnNames) and \(other.columnNames)")
        }
        var copy = self
        for index in columns.indices {
            guard let joined = columns[index].appending(other.columns[index]) else {
                throw ToolboxError(.shapeMismatch, "column \(columnNames[index]) is \(columns[index].kind) in one table and \(other.columns[index].kind) in the other",
                                   context: ErrorContext(column: columnNames[index]))
            }
            copy.columns[index] = joined
        }
        copy.rowCount += other.rowCount
        return copy
    }

    /// Splits the rows at random into a training and a test table.
    /// - Parameters:
    ///   - testFraction: the share of rows in the test table, in (0, 1); its size is rounded up,
    ///     as scikit-learn's `train_test_split` does.
    ///   - seed: the shuffle's seed.
    public func split(testFraction: Double, seed: UInt64) throws -> (train: DataTable, test: DataTable) {
        guard testFraction > 0, testFraction < 1 else {
            throw ToolboxError(.invalidParameter, "testFraction must be in (0, 1), got \(testFraction)",
                               context: ErrorContext(parameter: "testFraction"))
        }
        let testCount = Int((Double(rowCount) * testFraction).rounded(.up))
        guard testCount < rowCount else {
            throw ToolboxError(.invalidData, "\(rowCount) rows are too few to split with testFraction \(testFraction)")
        }
        var rng = SeededGenerator(seed: seed)
        let order = rng.permutation(rowCount)
        return (try rows(at: order[testCount...]), try rows(at: order[..<testCount]))
    }
}
