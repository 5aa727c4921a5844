/// A class as the user gave it: a number, or a string such as `"spam"`.
public enum ClassLabel: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Double)
    case text(String)

    /// The label as text: strings as they are, whole numbers without a decimal point, other
    /// numbers in their shortest round-trip form.
    public var description: String {
        switch self {
        case .text(let text): text
        case .number(let value):
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .text(let text): try container.encode(text)
        }
    }
}

extension FittedModel {
    /// The input column names the model was fitted with, when it was given them.
    public var inputFeatureNames: [String]? { schema.featureNames }

    /// Checks input columns against what the model was fitted on: the count always, the names
    /// (and their order) when both sides have them.
    /// - Throws: ``ToolboxError/Code/shapeMismatch`` naming the first column that differs.
    public func validateInput(featureNames names: [String]) throws {
        guard let expected = schema.featureNames else {
            guard names.count == inputFeatureCount else {
                throw ToolboxError(.shapeMismatch, "\(names.count) columns given, but the model was fitted with \(inputFeatureCount)")
            }
            return
        }
        for (index, name) in names.enumerated() where index >= expected.count || expected[index] != name {
            if index >= expected.count {
                throw ToolboxError(.shapeMismatch, "column \(name) at position \(index) was not seen in fit; the model takes \(expected.joined(separator: ", "))",
                                   context: ErrorContext(column: name))
            }
            let hint = expected.contains(name) ? "the columns are in another order than in fit" : "\(name) was not seen in fit"
            throw ToolboxError(.shapeMismatch, "column \(index) is \(name), but the model was fitted with \(expected[index]) there: \(hint)",
                               context: ErrorContext(column: name))
        }
        guard names.count == expected.count else {
            let missing = expected[names.count]
            throw ToolboxError(.shapeMismatch, "column \(missing) is missing: the model takes \(expected.joined(separator: ", "))",
                               context: ErrorContext(column: missing))
        }
    }

    /// The matrix for named input, as ``schemaInputMatrix(_:)`` makes it.
    public func inputMatrix(_ table: DataTable) throws -> Matrix<Double> {
        try schemaInputMatrix(table)
    }

    /// The matrix for named input: checks the names, and codes a table's categorical columns
    /// with the categories seen in fit.
    public func schemaInputMatrix(_ table: DataTable) throws -> Matrix<Double> {
        try validateInput(featureNames: table.columnNames)
        var categories: [String: [String]] = [:]
        for feature in schema.categoricalFeatures {
            categories[table.columnNames[feature.column]] = feature.categories
        }
        return try table.toMatrix(columns: table.columnNames, categories: categories).matrix
    }
}

extension Predictor {
    /// Predicts for a feature matrix with names, checking them against the names seen in fit.
    public func predict(_ features: FeatureMatrix) throws -> [Double] {
        try validateInput(featureNames: features.featureNames)
        return try predict(features.matrix)
    }

    /// Predicts for the rows of a table whose columns are the model's inputs, in fit order.
    public func predict(_ table: DataTable) throws -> [Double] {
        try predict(try inputMatrix(table))
    }
}

extension Transformer {
    /// Transforms a feature matrix with names, checking them against the names seen in fit.
    public func transform(_ features: FeatureMatrix) throws -> Matrix<Double> {
        try validateInput(featureNames: features.featureNames)
        return try transform(features.matrix)
    }
}

extension Classifier {
    /// The classes as they came: the target labels when the model was fitted on labels,
    /// otherwise the numbers. Entry `k` belongs to probability column `k`.
    public var classLabels: [ClassLabel] {
        guard let labels = schema.targetLabels else { return classes.map(ClassLabel.number) }
        return classes.map { code in
            let index = Int(exactly: code) ?? -1
            return labels.indices.contains(index) ? .text(labels[index]) : .number(code)
        }
    }

    /// The predicted class of each row, as the label it came as ("spam", not 1).
    public func predictLabels(_ x: Matrix<Double>) throws -> [ClassLabel] {
        let labels = classLabels
        var position: [Double: Int] = [:]
        for (k, value) in classes.enumerated() { position[value] = k }
        return try predict(x).map { value in position[value].map { labels[$0] } ?? .number(value) }
    }

    /// The predicted labels for named input, checking the names.
    public func predictLabels(_ features: FeatureMatrix) throws -> [ClassLabel] {
        try validateInput(featureNames: features.featureNames)
        return try predictLabels(features.matrix)
    }

    /// The predicted labels for the rows of a table of the model's inputs.
    public func predictLabels(_ table: DataTable) throws -> [ClassLabel] {
        try predictLabels(try inputMatrix(table))
    }

    /// Class probabilities for named input, checking the names.
    public func predictProbabilities(_ features: FeatureMatrix) throws -> Matrix<Double> {
        try validateInput(featureNames: features.featureNames)
        return try predictProbabilities(features.matrix)
    }
}
