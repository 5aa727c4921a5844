// Semantic search over a document set: chunk the documents, embed the chunks with TF-IDF,
// index them in an IVF index (FAISS's IndexIVFFlat), and return the top-k sources for a query.
// One document about a seal failure is planted among generated ones; the query finds it first.
//
// swift run -c release SemanticSearch [--documents N] [--query TEXT] [--k K]
// The last line printed is a JSON summary (what the example's test checks).

import DSToolbox
import Foundation
import Workflows

func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let count = Int(option("documents", "400")) ?? 400
let query = option("query", "why does the halvorsen seal leak in cold weather?")
let k = Int(option("k", "5")) ?? 5

// A document set: generated documents on four topics, and one planted maintenance note.
let generated = try ExampleData.documents(rows: count, seed: 3)
var documents = try generated.categoricalColumn(named: "text").map { $0 ?? "" }
var sources = try generated.categoricalColumn(named: "doc_id").map { $0 ?? "" }
let planted = """
    Maintenance note 17. The Halvorsen seal on pump station four leaks in cold weather: below minus twenty \
    degrees the gasket shrinks and the seal loses its preload. Replace the gasket with the low temperature \
    compound and torque the flange again after the first frost.
    """
let plantedPosition = count / 2
documents.insert(planted, at: plantedPosition)
sources.insert("maintenance-note-17", at: plantedPosition)

// Chunks of at most 200 characters, 40 shared between neighbours.
let chunker = TextChunker(size: 200, overlap: 40)
let chunks = try chunker.chunks(documents)
// TF-IDF over the chunks; rows are L2-normalized, so inner product is cosine similarity.
let tfidf = try TfidfVectorizer(sublinearTf: true).fit(chunks.map(\.text))
func dense(_ sparse: SparseMatrix) -> [Float] {
    var out = [Float](repeating: 0, count: sparse.rows * sparse.columns)
    for row in 0..<sparse.rows {
        for position in sparse.rowStarts[row]..<sparse.rowStarts[row + 1] {
            out[row * sparse.columns + sparse.columnIndices[position]] = Float(sparse.values[position])
        }
    }
    return out
}
let vectors = dense(try tfidf.transform(chunks.map(\.text)))
let dimension = tfidf.vocabulary.count
// An IVF index: k-means coarse quantizer over 16 lists, 4 scanned per query.
let index = try IVFFlatIndex(dimension: dimension, lists: 16, metric: .innerProduct)
try index.train(vectors)
try index.add(vectors)
index.nprobe = 4
print("\(documents.count) documents, \(chunks.count) chunks, \(dimension) terms, IVF lists \(index.listSizes.filter { $0 > 0 }.count) used")

// The query: its k nearest chunks, and their documents.
let results = try index.search(dense(try tfidf.transform([query])), k: k)
let hits = results.neighbours(of: 0)
print("query: \(query)")
var ranked: [String] = []
for (rank, hit) in hits.enumerated() {
    let chunk = chunks[Int(hit.id)]
    let source = sources[chunk.document]
    if !ranked.contains(source) { ranked.append(source) }
    print("\(rank + 1). \(source) (score \(String(format: "%.3f", hit.score)), characters \(chunk.start)..<\(chunk.end)): \(chunk.text.prefix(80))...")
}

struct Summary: Encodable {
    var query: String
    var top_sources: [String]
    var top_score: Float
    var chunks: Int
}
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
print(String(decoding: try encoder.encode(Summary(query: query, top_sources: ranked, top_score: hits.first?.score ?? 0, chunks: chunks.count)), as: UTF8.self))
