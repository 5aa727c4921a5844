import FeatureKit
import Foundation
import Testing
import ToolboxCore
@testable import VectorKit

@Suite("Retrieval for RAG")
struct RetrieverTests {
    static let documents = [
        String(repeating: "The centrifugal pump moves water through the cooling loop. Its impeller spins at high speed. ", count: 6)
            + "The mechanical seal keeps the pump shaft from leaking; a worn seal drips coolant onto the floor. "
            + String(repeating: "Check the pump bearings every month. ", count: 5),
        String(repeating: "Seismic surveys record reflections from rock layers. Inline and crossline numbers locate each trace. ", count: 8),
        "Café prices in Zürich: coffee costs 4.50 francs. Tea costs less. " + String(repeating: "The café opens at seven. ", count: 10),
    ]

    @Test func questionsFindTheirChunksWithOffsets() throws {
        let retriever = try Retriever(chunker: TextChunker(size: 200, overlap: 40))
        #expect(try retriever.retrieve("anything").isEmpty)
        try retriever.add(Array(Self.documents.prefix(2)))
        try retriever.add([Self.documents[2]])
        let hits = try retriever.retrieve("why does the seal leak coolant?", k: 3)
        #expect(hits.count == 3 && hits[0].chunk.document == 0 && hits[0].chunk.text.contains("seal"))
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(try retriever.retrieve("crossline trace reflections", k: 1)[0].chunk.document == 1)
        #expect(try retriever.retrieve("how much is coffee in Zürich?", k: 1)[0].chunk.document == 2)
        // Offsets point back into the source, in Unicode scalars.
        for chunk in retriever.allChunks {
            let scalars = Array(Self.documents[chunk.document].unicodeScalars)
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[chunk.start..<chunk.end])
            #expect(String(text) == chunk.text)
        }
        #expect(try retriever.retrieve("seal", k: 1000).count == retriever.allChunks.count)
    }

    @Test func anyEmbeddingFunctionWorks() throws {
        // Letter counts as a toy embedding, compared by cosine similarity.
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let embed: @Sendable ([String]) throws -> [Float] = { texts in
            texts.flatMap { text in letters.map { letter in Float(text.lowercased().filter { $0 == letter }.count) } }
        }
        let retriever = try Retriever(chunker: TextChunker(size: 100, overlap: 0), embedding: .function(dimension: 26, metric: .cosine, embed: embed))
        try retriever.add(["zzz zzz zzz quiz", "aaa banana aaa"])
        #expect(try retriever.retrieve("zigzag jazz", k: 1)[0].chunk.document == 0)
        let broken = try Retriever(embedding: .function(dimension: 26, metric: .cosine, embed: { _ in [1, 2, 3] }))
        #expect(throws: ToolboxError.self) { try broken.add(["text"]) }
        #expect(throws: ToolboxError.self) { try Retriever(chunker: TextChunker(size: 10, overlap: 10)) }
    }
}
