public import ToolboxCore
import Foundation

/// A sparse matrix in compressed rows (CSR): row `i`'s entries are
/// `columnIndices[rowStarts[i]..<rowStarts[i+1]]` with `values` at the same positions, columns
/// ascending within a row.
public struct SparseMatrix: Sendable, Hashable, Codable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// Where each row's entries start, plus the total at the end (`rows + 1` values).
    public let rowStarts: [Int]
    /// The column of each stored entry.
    public let columnIndices: [Int]
    /// The value of each stored entry.
    public let values: [Double]

    /// A CSR matrix from its parts; the caller keeps them consistent.
    public init(rows: Int, columns: Int, rowStarts: [Int], columnIndices: [Int], values: [Double]) {
        self.rows = rows
        self.columns = columns
        self.rowStarts = rowStarts
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Row `i` as (column, value) pairs.
    public func row(_ i: Int) -> [(column: Int, value: Double)] {
        (rowStarts[i]..<rowStarts[i + 1]).map { (columnIndices[$0], values[$0]) }
    }

    /// The matrix with its zeros written out.
    public func dense() -> Matrix<Double> {
        var out = Matrix<Double>(rows: rows, columns: columns)
        for i in 0..<rows { for entry in row(i) { out[i, entry.column] = entry.value } }
        return out
    }
}

/// Term frequency–inverse document frequency, as scikit-learn's `TfidfVectorizer`: documents
/// are tokenized (``Tokenizer``), turned into word n-grams, counted against a vocabulary learned
/// in fit (sorted, as scikit-learn's `vocabulary_`), weighted by
/// `idf(t) = ln((1 + n)/(1 + df(t))) + 1` (`smooth_idf`) or `ln(n/df(t)) + 1`, and each row
/// normalized (`l2`, `l1` or none). With `sublinear_tf`, a count c becomes `1 + ln c`.
///
/// ```swift
/// let tfidf = try TfidfVectorizer(ngramRange: 1...2, minDocumentFrequency: .count(2)).fit(documents)
/// let rows = try tfidf.transform(queries)            // SparseMatrix, one row per query
/// ```
public struct TfidfVectorizer: Sendable, Hashable {
    /// A document-frequency bound: a count of documents or a fraction of them.
    public enum DocumentFrequency: Sendable, Hashable, Codable {
        case count(Int)
        case fraction(Double)

        func resolve(_ documents: Int) -> Double {
            switch self {
            case .count(let count): Double(count)
            case .fraction(let fraction): fraction * Double(documents)
            }
        }
    }

    /// Row normalization.
    public enum Norm: String, Sendable, Hashable, Codable, CaseIterable {
        case l2, l1, none
    }

    /// How documents become tokens (`lowercase`, `token_pattern`'s minimum length).
    public var tokenizer: Tokenizer
    /// `ngram_range`: the word n-gram lengths, e.g. 1...2.
    public var ngramRange: ClosedRange<Int>
    /// `min_df` (default 1 document): terms in fewer documents are dropped.
    public var minDocumentFrequency: DocumentFrequency
    /// `max_df` (default 100%): terms in more documents are dropped.
    public var maxDocumentFrequency: DocumentFrequency
    /// `max_features`: keep only the most frequent terms over the corpus.
    public var maxFeatures: Int?
    /// `use_idf` (default true): weigh terms by inverse document frequency.
    public var useIdf: Bool
    /// `smooth_idf` (default true): add one to document frequencies, as if one document held every term.
    public var smoothIdf: Bool
    /// `sublinear_tf` (default false): use 1 + log(tf) for term frequencies.
    public var sublinearTf: Bool
    /// `norm` (default `l2`): each row's normalization.
    public var norm: Norm
    /// `column` (default `text`): the text column it reads as a table step of a pipeline.
    public var column: String

    /// A vectorizer with scikit-learn's defaults (unigrams, every term, idf smoothed, rows L2-normalized) reading `column`.
    public init(tokenizer: Tokenizer = Tokenizer(), ngramRange: ClosedRange<Int> = 1...1, minDocumentFrequency: DocumentFrequency = .count(1),
                maxDocumentFrequency: DocumentFrequency = .fraction(1), maxFeatures: Int? = nil, useIdf: Bool = true,
                smoothIdf: Bool = true, sublinearTf: Bool = false, norm: Norm = .l2, column: String = "text") {
        self.column = column
        self.tokenizer = tokenizer
        self.ngramRange = ngramRange
        self.minDocumentFrequency = minDocumentFrequency
        self.maxDocumentFrequency = maxDocumentFrequency
        self.maxFeatures = maxFeatures
        self.useIdf = useIdf
        self.smoothIdf = smoothIdf
        self.sublinearTf = sublinearTf
        self.norm = norm
    }

    /// The n-grams of a document, in order (words joined by a space, as scikit-learn).
    public func terms(_ document: String) -> [String] {
        let words = tokenizer.tokens(document)
        var terms: [String] = []
        for n in ngramRange where n >= 1 && n <= words.count {
            for start in 0...(words.count - n) {
                terms.append(n == 1 ? words[start] : words[start..<(start + n)].joined(separator: " "))
            }
        }
        return terms
    }

    /// Learns the vocabulary and document frequencies.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a bad n-gram range or bounds,
    ///   `ToolboxError/Code/invalidData` when no term survives (as scikit-learn raises).
    /// - Complexity: O(total tokens · n-gram lengths), plus sorting the vocabulary.
    public func fit(_ documents: [String]) throws -> TfidfModel {
        guard ngramRange.lowerBound >= 1 else {
            throw ToolboxError(.invalidParameter, "ngram_range must start at 1 or more", context: ErrorContext(parameter: "ngram_range"))
        }
        guard !documents.isEmpty else {
            throw ToolboxError(.invalidData, "no documents to learn a vocabulary from", context: ErrorContext(parameter: "documents"))
        }
        let n = documents.count
        // Counted per block of documents in parallel, then summed (sums do not depend on the blocks).
        let partial = try Parallel.map(count: n, grain: 512) { range -> [String: (documents: Int, total: Int)] in
            var counts: [String: (documents: Int, total: Int)] = [:]
            for d in range {
                var local: [String: Int] = [:]
                for term in terms(documents[d]) { local[term, default: 0] += 1 }
                for (term, count) in local {
                    let current = counts[term] ?? (0, 0)
                    counts[term] = (current.documents + 1, current.total + count)
                }
            }
            return counts
        }
        var documentFrequency: [String: Int] = [:], totalCounts: [String: Int] = [:]
        for block in partial {
            for (term, count) in block {
                documentFrequency[term, default: 0] += count.documents
                totalCounts[term, default: 0] += count.total
            }
        }
        let low = minDocumentFrequency.resolve(n), high = maxDocumentFrequency.resolve(n)
        guard low <= high else {
            throw ToolboxError(.invalidParameter, "max_df corresponds to fewer documents than min_df", context: ErrorContext(parameter: "max_df"))
        }
        var kept = documentFrequency.filter { Double($0.value) >= low && Double($0.value) <= high }.map(\.key)
        if let maxFeatures, maxFeatures < kept.count {
            // The most frequent terms over the corpus; ties by term, as scikit-learn's stable sort of the sorted vocabulary.
            kept = Array(kept.sorted().sorted { totalCounts[$0]! > totalCounts[$1]! }.prefix(maxFeatures))
        }
        kept.sort()
        guard !kept.isEmpty else {
            throw ToolboxError(.invalidData, "no terms remain; lower min_df or raise max_df", context: ErrorContext(parameter: "min_df"))
        }
        let idf = kept.map { term -> Double in
            let df = Double(documentFrequency[term]!)
            return smoothIdf ? log((1 + Double(n)) / (1 + df)) + 1 : log(Double(n) / df) + 1
        }
        return TfidfModel(vectorizer: self, vocabulary: kept, idf: useIdf ? idf : [Double](repeating: 1, count: kept.count))
    }
}

/// A fitted TF-IDF vectorizer: the vocabulary and its idf weights.
public struct TfidfModel: Sendable, Hashable, Codable {
    /// The hyperparameters the model was fitted with.
    public let vectorizer: TfidfVectorizer
    /// The terms, sorted; term `k` is column `k`.
    public let vocabulary: [String]
    /// The idf weight of each term (1 without `use_idf`).
    public let idf: [Double]
    private var index: [String: Int] {
        Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) })
    }

    init(vectorizer: TfidfVectorizer, vocabulary: [String], idf: [Double]) {
        self.vectorizer = vectorizer
        self.vocabulary = vocabulary
        self.idf = idf
    }

    /// One normalized row per document; terms not in the vocabulary are ignored.
    /// - Complexity: O(total tokens), parallel over documents.
    public func transform(_ documents: [String]) throws -> SparseMatrix {
        let index = self.index
        let rows = try Parallel.map(count: documents.count, grain: 64) { range -> [[(Int, Double)]] in
            range.map { d in
                var counts: [Int: Double] = [:]
                for term in vectorizer.terms(documents[d]) { if let k = index[term] { counts[k, default: 0] += 1 } }
                var row = counts.map { k, c in (k, (vectorizer.sublinearTf ? 1 + log(c) : c) * idf[k]) }.sorted { $0.0 < $1.0 }
                let scale: Double
                switch vectorizer.norm {
                case .l2: scale = row.reduce(0) { $0 + $1.1 * $1.1 }.squareRoot()
                case .l1: scale = row.reduce(0) { $0 + abs($1.1) }
                case .none: scale = 1
                }
                if scale > 0 { row = row.map { ($0.0, $0.1 / scale) } }
                return row
            }
        }.flatMap { $0 }
        var starts = [0], columns: [Int] = [], values: [Double] = []
        for row in rows {
            for (k, v) in row { columns.append(k); values.append(v) }
            starts.append(columns.count)
        }
        return SparseMatrix(rows: documents.count, columns: vocabulary.count, rowStarts: starts, columnIndices: columns, values: values)
    }
}
