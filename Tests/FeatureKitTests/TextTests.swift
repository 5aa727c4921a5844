import FeatureKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Text: tokens, chunks and TF-IDF against scikit-learn")
struct TextTests {
    static let golden: [String: JSONValue] = (try? GoldenFiles().load(JSONValue.self, "tfidf.json"))?.objectValue ?? [:]

    func strings(_ value: JSONValue?) throws -> [String] { try #require(try value?.decoded(as: [String].self)) }

    @Test func tokensMatchScikitLearnsAnalyzer() throws {
        let documents = try strings(Self.golden["train"]) + strings(Self.golden["test"])
        let expected = try #require(try Self.golden["tokens"]?.decoded(as: [[String]].self))
        for (document, tokens) in zip(documents, expected) {
            #expect(Tokenizer().tokens(document) == tokens, "\(document)")
        }
    }

    @Test(arguments: ["default", "bigrams_min2", "sublinear_l1_raw_idf", "max_df_half", "no_idf_no_lowercase"])
    func tfidfMatchesScikitLearn(name: String) throws {
        let train = try strings(Self.golden["train"]), test = try strings(Self.golden["test"])
        let vectorizer: TfidfVectorizer = switch name {
        case "bigrams_min2": TfidfVectorizer(ngramRange: 1...2, minDocumentFrequency: .count(2))
        case "sublinear_l1_raw_idf": TfidfVectorizer(smoothIdf: false, sublinearTf: true, norm: .l1)
        case "max_df_half": TfidfVectorizer(maxDocumentFrequency: .fraction(0.5), norm: .none)
        case "no_idf_no_lowercase": TfidfVectorizer(tokenizer: Tokenizer(lowercase: false), useIdf: false)
        default: TfidfVectorizer()
        }
        let case_ = try #require(Self.golden["cases"]?.objectValue?[name]?.objectValue)
        let model = try vectorizer.fit(train)
        #expect(model.vocabulary == (try strings(case_["vocabulary"])))
        if let idf = case_["idf"], idf != .null {
            expectClose(model.idf, try FeatureGolden.numbers(idf), "\(name) idf", tolerance: 1e-12)
        }
        for (split, documents) in [("train", train), ("test", test)] {
            let expected = try #require(try case_[split]?.decoded(as: [[Double]].self))
            let rows = try model.transform(documents).dense()
            expectClose(rows.values, expected.flatMap { $0 }, "\(name) \(split)", tolerance: 1e-12, absolute: 1e-15)
        }
    }

    @Test func chunksCoverTheTextWithOverlapAndOffsets() throws {
        let text = (0..<200).map { "word\($0)" }.joined(separator: " ") + "  café ünïcödé end."
        let chunker = TextChunker(size: 120, overlap: 30)
        let chunks = try chunker.chunks(text)
        let scalars = Array(text.unicodeScalars)
        #expect(chunks.count > 10)
        for chunk in chunks {
            #expect(chunk.end - chunk.start <= 120)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[chunk.start..<chunk.end])
            #expect(String(view) == chunk.text)
            #expect(!chunk.text.hasPrefix(" ") && !chunk.text.hasSuffix(" "))
        }
        // Consecutive chunks overlap, and together they reach the end of the text.
        for (a, b) in zip(chunks, chunks.dropFirst()) { #expect(b.start < a.end && b.start > a.start) }
        #expect(chunks.last?.end == scalars.count)
        // Words are not cut where whitespace falls in the window's last quarter.
        #expect(chunks.dropLast().allSatisfy { $0.text.hasSuffix("\($0.text.split(separator: " ").last!)") && scalars[$0.end] == " " })
        let many = try chunker.chunks(["short one", text])
        #expect(many.first == TextChunk(text: "short one", start: 0, end: 9, document: 0) && many.dropFirst().allSatisfy { $0.document == 1 })
        #expect(throws: ToolboxError.self) { try TextChunker(size: 10, overlap: 10).chunks(text) }
        #expect(try TextChunker(size: 5, overlap: 0).chunks("").isEmpty)
    }

    @Test func badInputIsTyped() throws {
        #expect(throws: ToolboxError.self) { try TfidfVectorizer().fit([]) }
        #expect(throws: ToolboxError.self) { try TfidfVectorizer().fit(["a b c", "!"]) }
        #expect(throws: ToolboxError.self) { try TfidfVectorizer(minDocumentFrequency: .count(3), maxDocumentFrequency: .count(2)).fit(["aa bb"]) }
        let model = try TfidfVectorizer().fit(["alpha beta", "beta gamma"])
        let loaded = try JSONDecoder().decode(TfidfModel.self, from: try JSONEncoder().encode(model))
        #expect(try loaded.transform(["beta"]) == model.transform(["beta"]))
    }
}
