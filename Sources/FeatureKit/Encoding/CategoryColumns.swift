import ToolboxCore

/// The categories of encoder input columns: each column's sorted distinct present values, and
/// NaN last when the column has missing values (scikit-learn's `categories_`).
enum CategoryColumns {
    static func learn(_ x: Matrix<Double>) -> [[Double]] {
        ColumnStatistics.presentValues(x).enumerated().map { j, values in
            var categories = Array(Set(values)).sorted()
            let missing = (0..<x.rows).contains { x[$0, j].isNaN }
            if missing { categories.append(.nan) }
            return categories
        }
    }

    /// Index of `value` among `categories` (NaN matches a NaN category).
    static func position(_ value: Double, in categories: [Double], lookup: [Double: Int]) -> Int? {
        if value.isNaN { return categories.last?.isNaN == true ? categories.count - 1 : nil }
        return lookup[value == 0 ? 0 : value]
    }

    static func lookups(_ categories: [[Double]]) -> [[Double: Int]] {
        categories.map { column in
            var table: [Double: Int] = [:]
            for (k, value) in column.enumerated() where !value.isNaN { table[value == 0 ? 0 : value] = k }
            return table
        }
    }

    /// How a category reads in feature names: the category's name when the column came coded
    /// from a table, otherwise the number as Python prints a float (`0.0`, `-2.5`, `nan`), so
    /// names match scikit-learn's `get_feature_names_out`.
    static func text(_ value: Double, names: [String]?) -> String {
        if value.isNaN { return "nan" }
        if let names, let code = Int(exactly: value), names.indices.contains(code) { return names[code] }
        if value == value.rounded(), abs(value) < 1e16 { return "\(Int64(value)).0" }
        return "\(value)"
    }

    /// The category names of each column from a fit context (by column index).
    static func names(_ schema: ModelSchema, columns: Int) -> [[String]?] {
        var names = [[String]?](repeating: nil, count: columns)
        for feature in schema.categoricalFeatures where feature.column < columns { names[feature.column] = feature.categories }
        return names
    }

    static func validate(_ categories: [[Double]]) throws {
        for column in categories {
            let present = column.filter { !$0.isNaN }
            guard zip(present, present.dropFirst()).allSatisfy({ $0 < $1 }), column.dropLast().allSatisfy({ !$0.isNaN }) else {
                throw ToolboxError(.corruptArchive, "encoder categories must be sorted, distinct, with NaN last")
            }
        }
    }
}
