// Generated from Sources/VectorKit/VectorKit.docc/VectorKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import VectorKit
import Foundation

func snippet_Sources_VectorKit_VectorKit_docc_VectorKit_1() async throws {
    let vectors = (0..<128 * 20_000).map { _ in Float.random(in: -1...1) }   // 20,000 vectors, row after row
    let queries = Array(vectors.prefix(128 * 5))                              // 5 queries
    let index = try FlatIndex(dimension: 128, metric: .l2)
    try index.add(vectors)                                  // ids 0, 1, 2, ...
    let results = try index.search(queries, k: 10)         // squared distances, as FAISS reports them
    print(results.neighbours(of: 0))                        // [(id, score)], nearest first

    let ivf = try IVFFlatIndex(dimension: 128, lists: 1024)
    try ivf.train(vectors)                                  // k-means coarse quantizer (a sample is enough)
    try ivf.add(vectors, ids: (0..<20_000).map { Int64(1_000_000 + $0) })
    ivf.nprobe = 16
    let deleted: Set<Int64> = [1_000_003]
    let approximate = try ivf.search(queries, k: 10, filter: .excluding(deleted))
    print(approximate.neighbours(of: 0))

    try VectorIndexFile.save(ivf, to: "vectors.dstv")       // VectorKit's format, atomically
    try FAISSFormat.export(ivf, to: "vectors.faiss")        // faiss.read_index loads it
    let back = try VectorIndexFile.load(from: "vectors.faiss").index   // either format, by content
}
