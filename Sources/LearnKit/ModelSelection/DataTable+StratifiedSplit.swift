public import ToolboxCore

extension DataTable {
    /// Splits the rows at random into train and test tables, each class of `column` sharing
    /// itself between them in proportion (scikit-learn's `train_test_split(stratify=y)` shares):
    /// the test table has ⌈rows · testFraction⌉ rows.
    ///
    /// ```swift
    /// let (train, test) = try table.split(testFraction: 0.2, stratifyBy: "churned", seed: 7)
    /// ```
    /// - Throws: `ToolboxError/Code/notFound` for a missing column,
    ///   `ToolboxError/Code/invalidData` for a missing value in it or a class with fewer than
    ///   two rows, `ToolboxError/Code/invalidParameter` for a fraction outside (0, 1).
    public func split(testFraction: Double, stratifyBy column: String, seed: UInt64) throws -> (train: DataTable, test: DataTable) {
        let labels = try target(named: column).values
        if let row = labels.firstIndex(where: \.isNaN) {
            throw ToolboxError(.invalidData, "column \(column) is missing at row \(row); stratifying needs a class for every row",
                               context: ErrorContext(column: column, row: row))
        }
        let split = try ModelSelection.trainTestSplit(count: rowCount, testFraction: testFraction, stratify: labels, seed: seed)
        return (try rows(at: split.train), try rows(at: split.test))
    }
}
