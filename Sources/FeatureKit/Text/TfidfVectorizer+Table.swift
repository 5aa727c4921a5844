public import ToolboxCore

/// TF-IDF as a pipeline's table step: `{type: tfidf_vectorizer, parameters: {column: review,
/// max_features: 500}}` learns the vocabulary from the training table's text column and replaces
/// that column by one numeric column per term, named `column__term` (scikit-learn's
/// `ColumnTransformer` names).
///
/// Document frequencies follow scikit-learn where YAML cannot tell `1` from `1.0`: for `min_df`
/// a whole number of at least 1 counts documents and anything below 1 is a fraction; for
/// `max_df`, 1 means every document (scikit-learn's default 1.0), whole numbers from 2 count
/// documents and anything below 1 is a fraction.
extension TfidfVectorizer: TableEstimator, Configurable {
    /// The estimator with its defaults (scikit-learn's).
    public init() { self.init(column: "text") }

    /// The hyperparameters by scikit-learn's names (`ngram_range`, `use_idf`, `smooth_idf`, `sublinear_tf`, `norm`, `lowercase`, ...) and `column`, the text column it reads.
    public static let hyperparameterSchema: [Hyperparameter<TfidfVectorizer>] = [
        .text("column", \.column, "the text column read as a table step"),
        Hyperparameter("ngram_range", kind: .list(.integer(minimum: 1, maximum: nil), count: 2),
                       summary: "the shortest and longest word n-grams, e.g. [1, 2]",
                       read: { .array([.number(Double($0.ngramRange.lowerBound)), .number(Double($0.ngramRange.upperBound))]) },
                       write: { root, value in
                           guard case .array(let items) = value, items.count == 2, case .number(let low) = items[0], case .number(let high) = items[1],
                                 low <= high else {
                               throw ToolboxError(.invalidParameter, "ngram_range is [shortest, longest] with shortest ≤ longest")
                           }
                           root.ngramRange = Int(low)...Int(high)
                       }),
        documentFrequency("min_df", \.minDocumentFrequency, maximumMeansAll: false,
                          "terms in fewer documents are dropped: a count (whole number ≥ 1) or a fraction (< 1)"),
        documentFrequency("max_df", \.maxDocumentFrequency, maximumMeansAll: true,
                          "terms in more documents are dropped: 1 for none, a count (whole number ≥ 2) or a fraction (< 1)"),
        .optionalInteger("max_features", \.maxFeatures, minimum: 1, "keep only the terms most frequent over the corpus"),
        .bool("use_idf", \.useIdf, "weight terms by inverse document frequency"),
        .bool("smooth_idf", \.smoothIdf, "add one to document frequencies, as if a document held every term"),
        .bool("sublinear_tf", \.sublinearTf, "a count c becomes 1 + ln c"),
        .choice("norm", \.norm, "row normalization: l2, l1 or none"),
        .bool("lowercase", \.tokenizer.lowercase, "lowercase before tokenizing"),
        .integer("min_token_length", \.tokenizer.minimumLength, minimum: 1, "the shortest token kept (2 in scikit-learn's token pattern)"),
    ]

    private static func documentFrequency(_ name: String, _ keyPath: any WritableKeyPath<TfidfVectorizer, DocumentFrequency> & Sendable,
                                          maximumMeansAll: Bool, _ summary: String) -> Hyperparameter<TfidfVectorizer> {
        Hyperparameter(name, kind: .real(minimum: 0, maximum: nil, exclusiveMinimum: false), summary: summary,
                       read: { root in
                           switch root[keyPath: keyPath] {
                           case .count(let count): return .number(Double(count))
                           case .fraction(let fraction): return .number(fraction)
                           }
                       },
                       write: { root, value in
                           guard case .number(let number) = value else { return }
                           if number < 1 || (maximumMeansAll && number == 1) {
                               root[keyPath: keyPath] = .fraction(number)
                           } else if number == number.rounded(), number < 9.0e15 {
                               root[keyPath: keyPath] = .count(Int(number))
                           } else {
                               throw ToolboxError(.invalidParameter, "\(name) is \(number): a count of documents is a whole number, a fraction is below 1")
                           }
                       })
    }

    /// Learns the vocabulary from the table's text column (missing texts are empty documents).
    /// - Throws: `ToolboxError/Code/notFound` when the column is missing,
    ///   `ToolboxError/Code/invalidData` when it holds numbers, not text.
    public func fit(_ table: DataTable) throws -> TfidfModel {
        try fit(try Self.documents(table, column: column))
    }

    static func documents(_ table: DataTable, column: String) throws -> [String] {
        switch try table.column(named: column) {
        case .categorical(let texts): return texts.map { $0 ?? "" }
        case .numeric:
            throw ToolboxError(.invalidData, "column \(column) holds numbers, but TF-IDF reads text", context: ErrorContext(column: column))
        }
    }
}

extension TfidfModel: TableModel {
    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "FeatureKit.TfidfModel"

    /// The most cells (rows × terms) a table step writes out densely: 2^26, 512 MiB of Double.
    public static let maximumDenseCells = 1 << 26

    /// The table with the text column replaced by one column per vocabulary term, `column__term`,
    /// in vocabulary order.
    /// - Throws: `ToolboxError/Code/notFound` for a missing column, `ToolboxError/Code/invalidData`
    ///   when it holds numbers, `ToolboxError/Code/invalidParameter` when rows × terms exceeds
    ///   ``maximumDenseCells`` (set `max_features`), `ToolboxError/Code/invalidParameter` when
    ///   a term's column name is already taken.
    public func transform(_ table: DataTable) throws -> DataTable {
        let column = vectorizer.column
        let documents = try TfidfVectorizer.documents(table, column: column)
        let (cells, overflow) = table.rowCount.multipliedReportingOverflow(by: vocabulary.count)
        guard !overflow, cells <= Self.maximumDenseCells else {
            throw ToolboxError(.invalidParameter,
                               "\(table.rowCount) rows x \(vocabulary.count) terms is more than \(Self.maximumDenseCells) cells written out; set max_features",
                               context: ErrorContext(parameter: "max_features"))
        }
        let sparse = try transform(documents)
        var termColumns = [[Double]](repeating: [Double](repeating: 0, count: table.rowCount), count: vocabulary.count)
        for i in 0..<sparse.rows {
            for position in sparse.rowStarts[i]..<sparse.rowStarts[i + 1] {
                termColumns[sparse.columnIndices[position]][i] = sparse.values[position]
            }
        }
        var named: [(name: String, column: DataTable.Column)] = []
        for (name, values) in zip(table.columnNames, table.columns) where name != column { named.append((name, values)) }
        for (term, values) in zip(vocabulary, termColumns) { named.append(("\(column)__\(term)", .numeric(values))) }
        return try DataTable(named)
    }
}
