import ToolboxCore

/// Splits text into word tokens as scikit-learn's default `token_pattern` does,
/// `(?u)\b\w\w+\b`: maximal runs of word characters (Unicode letters and digits, and `_`) at
/// least `minimumLength` long, after lowercasing when asked.
public struct Tokenizer: Sendable, Hashable, Codable {
    /// Lowercase before splitting (scikit-learn's `lowercase`, default `true`).
    public var lowercase: Bool
    /// The shortest token kept (2 in scikit-learn's pattern).
    public var minimumLength: Int

    /// A tokenizer with scikit-learn's defaults: lowercased, tokens of 2 or more word characters.
    public init(lowercase: Bool = true, minimumLength: Int = 2) {
        self.lowercase = lowercase
        self.minimumLength = minimumLength
    }

    /// The tokens of `text`, in order.
    /// - Complexity: O(length of the text).
    public func tokens(_ text: String) -> [String] {
        if let ascii = asciiTokens(text) { return ascii }
        let source = lowercase ? text.lowercased() : text
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if current.count >= minimumLength { tokens.append(String(current)) }
            current.removeAll(keepingCapacity: true)
        }
        for scalar in source.unicodeScalars {
            if Self.isWordCharacter(scalar) { current.append(scalar) } else { flush() }
        }
        flush()
        return tokens
    }

    /// The fast path for ASCII text: bytes classified and lowercased by table, each token made
    /// once; `nil` when the text has a non-ASCII byte (the Unicode path handles it).
    private func asciiTokens(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            var tokens: [String] = []
            var start = -1
            var scratch = [UInt8](repeating: 0, count: 64)
            func flush(_ end: Int) {
                guard start >= 0 else { return }
                let length = end - start
                if length >= minimumLength {
                    if scratch.count < length { scratch = [UInt8](repeating: 0, count: length) }
                    for k in 0..<length {
                        let b = bytes[start + k]
                        scratch[k] = lowercase && b >= 65 && b <= 90 ? b | 0x20 : b
                    }
                    tokens.append(String(decoding: scratch[0..<length], as: UTF8.self))
                }
                start = -1
            }
            for i in 0..<bytes.count {
                let b = bytes[i]
                if b >= 0x80 { return nil }
                let word = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95
                if word { if start < 0 { start = i } } else { flush(i) }
            }
            flush(bytes.count)
            return tokens
        }
    }

    /// Python's `\w` for `str` patterns: `str.isalnum()` (a letter of category L* or a
    /// character with a numeric value) or the underscore.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar.properties.numericType != nil
        }
    }
}

/// A piece of a document for retrieval: its text and where it came from.
public struct TextChunk: Sendable, Hashable, Codable {
    /// The chunk's text.
    public var text: String
    /// Its position in the source, in Unicode scalars (Python's `str` indices): `source[start..<end]`.
    public var start: Int
    /// The position just past its end.
    public var end: Int
    /// The index of the source document, when chunking several.
    public var document: Int

    /// A chunk of document `document` covering `source[start..<end]`.
    public init(text: String, start: Int, end: Int, document: Int = 0) {
        self.text = text
        self.start = start
        self.end = end
        self.document = document
    }
}

/// Cuts documents into overlapping chunks of at most `size` characters (Unicode scalars),
/// ending at whitespace where one falls in the last quarter of the window, so words are not cut;
/// consecutive chunks share about `overlap` characters. Every chunk records its offsets, so a
/// retrieved chunk points back into its source.
public struct TextChunker: Sendable, Hashable, Codable {
    /// The most characters in a chunk (≥ 1).
    public var size: Int
    /// Characters shared by consecutive chunks (0 ≤ overlap < size).
    public var overlap: Int

    /// A chunker of at most `size` characters a chunk, `overlap` shared between neighbours.
    public init(size: Int = 1_000, overlap: Int = 200) {
        self.size = size
        self.overlap = overlap
    }

    /// The chunks of one document.
    /// - Throws: `ToolboxError/Code/invalidParameter` when `size < 1` or the overlap is not in `0..<size`.
    public func chunks(_ text: String, document: Int = 0) throws -> [TextChunk] {
        guard size >= 1 else {
            throw ToolboxError(.invalidParameter, "chunk size must be at least 1", context: ErrorContext(parameter: "size"))
        }
        guard overlap >= 0, overlap < size else {
            throw ToolboxError(.invalidParameter, "overlap must be in 0..<\(size)", context: ErrorContext(parameter: "overlap"))
        }
        let scalars = Array(text.unicodeScalars)
        var chunks: [TextChunk] = []
        var start = 0
        // Skip leading whitespace of the document and of each chunk.
        func skipSpace(_ position: Int) -> Int {
            var p = position
            while p < scalars.count && scalars[p].properties.isWhitespace { p += 1 }
            return p
        }
        start = skipSpace(start)
        while start < scalars.count {
            var end = min(start + size, scalars.count)
            if end < scalars.count {
                // Prefer to end after whitespace within the last quarter of the window.
                var cut = end
                while cut > start + size * 3 / 4 && !scalars[cut - 1].properties.isWhitespace { cut -= 1 }
                if cut > start + size * 3 / 4 { end = cut }
            }
            var trimmed = end
            while trimmed > start && scalars[trimmed - 1].properties.isWhitespace { trimmed -= 1 }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[start..<trimmed])
            chunks.append(TextChunk(text: String(view), start: start, end: trimmed, document: document))
            if end >= scalars.count { break }
            let next = skipSpace(max(end - overlap, start + 1))
            start = next
        }
        return chunks
    }

    /// The chunks of several documents, each chunk naming its document.
    public func chunks(_ documents: [String]) throws -> [TextChunk] {
        try documents.enumerated().flatMap { try chunks($1, document: $0) }
    }
}

