public import FeatureKit
import Foundation
import ToolboxCore

/// Retrieval for retrieval-augmented generation: documents are cut into overlapping chunks
/// (FeatureKit's `TextChunker`), each chunk embedded (TF-IDF fitted on the chunks out of the
/// box, or any embedding function the caller brings), and the chunks nearest a question come
/// back with their scores and their offsets in the source documents.
///
/// ```swift
/// let retriever = try Retriever(chunker: TextChunker(size: 500, overlap: 100))
/// try retriever.add(documents)                     // TF-IDF over the chunks, cosine similarity
/// for hit in try retriever.retrieve("what does the seal do?", k: 3) {
///     print(hit.score, hit.chunk.document, hit.chunk.start..<hit.chunk.end)
/// }
/// ```
public final class Retriever: @unchecked Sendable {
    /// How chunks and questions become vectors.
    public enum Embedding: @unchecked Sendable {
        /// TF-IDF fitted on the chunks (refitted whenever documents are added), compared by
        /// cosine similarity.
        case tfidf(TfidfVectorizer)
        /// The caller's embedding: texts in, one vector of `dimension` values per text out.
        case function(dimension: Int, metric: Metric, embed: @Sendable ([String]) throws -> [Float])
    }

    /// A retrieved chunk and its similarity (or squared distance for an L2 embedding).
    public struct Hit: Sendable, Hashable {
        /// The retrieved chunk.
        public var chunk: TextChunk
        /// Its similarity to the query, or squared distance for an L2 embedding.
        public var score: Float
    }

    /// How documents are cut into chunks.
    public let chunker: TextChunker
    /// How chunks and queries become vectors.
    public let embedding: Embedding
    private let lock = NSLock()
    private var chunks: [TextChunk] = []
    private var documentCount = 0
    private var index: FlatIndex?
    private var tfidf: TfidfModel?

    /// An empty retriever.
    /// - Throws: the chunker's error for a size or overlap it cannot cut with.
    public init(chunker: TextChunker = TextChunker(), embedding: Embedding = .tfidf(TfidfVectorizer(sublinearTf: true))) throws {
        _ = try chunker.chunks("")
        self.chunker = chunker
        self.embedding = embedding
    }

    /// The chunks so far.
    public var allChunks: [TextChunk] { lock.withLock { chunks } }

    /// Chunks and indexes documents; their numbers continue from the documents added before.
    /// - Throws: the chunker's and the embedding's errors; `ToolboxError/Code/shapeMismatch`
    ///   when an embedding function returns the wrong number of values.
    public func add(_ documents: [String]) throws {
        try lock.withLock {
            var added: [TextChunk] = []
            for (offset, document) in documents.enumerated() {
                added += try chunker.chunks(document, document: documentCount + offset)
            }
            documentCount += documents.count
            switch embedding {
            case .tfidf(let vectorizer):
                // TF-IDF's vocabulary and idf depend on every chunk: refit and rebuild.
                let all = chunks + added
                let model = try vectorizer.fit(all.map(\.text))
                let rebuilt = try FlatIndex(dimension: model.vocabulary.count, metric: .innerProduct)
                try rebuilt.add(try Self.dense(model.transform(all.map(\.text))))
                tfidf = model
                index = rebuilt
                chunks = all
            case .function(let dimension, let metric, let embed):
                let vectors = try embed(added.map(\.text))
                guard vectors.count == added.count * dimension else {
                    throw ToolboxError(.shapeMismatch, "the embedding returned \(vectors.count) values for \(added.count) chunks of \(dimension)",
                                       context: ErrorContext(parameter: "embedding"))
                }
                let target = try index ?? FlatIndex(dimension: dimension, metric: metric)
                try target.add(vectors, ids: (0..<added.count).map { Int64(chunks.count + $0) })
                index = target
                chunks += added
            }
        }
    }

    /// The k chunks nearest the question, nearest first (fewer when there are fewer chunks).
    public func retrieve(_ question: String, k: Int = 5) throws -> [Hit] {
        try lock.withLock {
            guard let index, !chunks.isEmpty else { return [] }
            guard k >= 1 else { throw ToolboxError(.invalidParameter, "k must be at least 1", context: ErrorContext(parameter: "k")) }
            let vector: [Float]
            switch embedding {
            case .tfidf:
                guard let tfidf else { return [] }
                vector = try Self.dense(tfidf.transform([question]))
            case .function(let dimension, _, let embed):
                vector = try embed([question])
                guard vector.count == dimension else {
                    throw ToolboxError(.shapeMismatch, "the embedding returned \(vector.count) values for a question, not \(dimension)",
                                       context: ErrorContext(parameter: "embedding"))
                }
            }
            let results = try index.search(vector, k: min(k, chunks.count))
            return results.neighbours(of: 0).map { Hit(chunk: chunks[Int($0.id)], score: $0.score) }
        }
    }

    static func dense(_ sparse: SparseMatrix) -> [Float] {
        var out = [Float](repeating: 0, count: sparse.rows * sparse.columns)
        for row in 0..<sparse.rows {
            for position in sparse.rowStarts[row]..<sparse.rowStarts[row + 1] {
                out[row * sparse.columns + sparse.columnIndices[position]] = Float(sparse.values[position])
            }
        }
        return out
    }
}
