import Foundation

extension DataTable {
    /// Reads a CSV file.
    ///
    /// RFC 4180 quoting (doubled quotes, delimiters and line breaks inside quotes), LF or CRLF
    /// line ends, a UTF-8 byte-order mark, blank lines skipped, empty fields and pandas' missing
    /// markers read as missing (unless quoted: a quoted field is always a literal value). A column is numeric when every non-missing value parses as a
    /// number, categorical otherwise, unless ``CSVOptions/columnTypes`` says.
    /// Large files without quotes are parsed on all cores.
    ///
    /// - Throws: ``ToolboxError/Code/parseError`` naming the line and column of a ragged row,
    ///   a broken quote or a non-number in a numeric column; ``ToolboxError/Code/ioError``
    ///   when the file cannot be read.
    /// - Complexity: O(bytes), parsed on all cores from a memory map.
    public init(csvFile path: String, options: CSVOptions = CSVOptions()) throws {
        let file = try MappedFile(path: path)
        self = try withExtendedLifetime(file) {
            try CSVReader.read(file.bytes, options: options, path: path)
        }
    }

    /// Reads CSV text.
    public init(csv text: String, options: CSVOptions = CSVOptions()) throws {
        var text = text
        self = try text.withUTF8 { try CSVReader.read($0, options: options, path: nil) }
    }

    /// Reads CSV bytes.
    public init(csvBytes bytes: [UInt8], options: CSVOptions = CSVOptions()) throws {
        self = try bytes.withUnsafeBufferPointer { try CSVReader.read($0, options: options, path: nil) }
    }
}

enum CSVReader {
    /// Files smaller than this are parsed on one thread.
    static let parallelThreshold = 1 << 22

    static func read(_ bytes: UnsafeBufferPointer<UInt8>, options: CSVOptions, path: String?,
                     lineBase: Int = 0, offsetBase: Int = 0) throws -> DataTable {
        let delimiter = try options.delimiterByte()
        let locate = locator(bytes, lineBase: lineBase, offsetBase: offsetBase)
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        start = CSVTokenizer.skipBlankLines(bytes, start, bytes.count)
        guard start < bytes.count else { return DataTable() }

        let header = try readHeader(bytes, at: start, delimiter: delimiter, options: options, path: path, locate: locate)
        let kinds: [FeatureKind?] = header.names.map { options.columnTypes[$0] }
        return try parseBody(bytes, from: header.bodyStart, names: header.names, kinds: kinds,
                             delimiter: delimiter, options: options, path: path, locate: locate)
    }

    struct Header {
        var names: [String]
        var bodyStart: Int
    }

    static func readHeader(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, delimiter: UInt8, options: CSVOptions,
                           path: String?, locate: (Int) -> (line: Int, byteOffset: Int)) throws -> Header {
        let first: (fields: [String], next: Int)
        do {
            first = try CSVTokenizer.record(bytes, at: start, end: bytes.count, delimiter: delimiter)
        } catch {
            let offset: Int
            switch error {
            case .unterminatedQuote(let o), .textAfterClosingQuote(let o): offset = o
            }
            let (line, byteOffset) = locate(offset)
            throw ToolboxError(.parseError, "the first line cannot be read: a quote is not closed or is followed by text",
                               context: ErrorContext(path: path, byteOffset: byteOffset, line: line))
        }
        guard options.hasHeader else {
            return Header(names: (0..<first.fields.count).map(String.init), bodyStart: start)
        }
        // Duplicate names get a numeric suffix, as pandas' read_csv does.
        var names: [String] = []
        var used = Set<String>()
        for name in first.fields {
            var candidate = name
            var suffix = 1
            while used.contains(candidate) {
                candidate = "\(name).\(suffix)"
                suffix += 1
            }
            used.insert(candidate)
            names.append(candidate)
        }
        return Header(names: names, bodyStart: first.next)
    }

    static func parseBody(_ bytes: UnsafeBufferPointer<UInt8>, from bodyStart: Int, names: [String], kinds: [FeatureKind?],
                          delimiter: UInt8, options: CSVOptions, path: String?,
                          locate: @escaping (Int) -> (line: Int, byteOffset: Int)) throws -> DataTable {
        let end = bytes.count
        let threads = max(1, options.threads ?? Parallel.defaultThreadCount)
        var bounds = [bodyStart]
        // Quotes can hide line breaks, so only quote-free data is cut at line breaks.
        if threads > 1 && end - bodyStart >= parallelThreshold
            && memchr(bytes.baseAddress! + bodyStart, Int32(CSVTokenizer.quote), end - bodyStart) == nil {
            // More segments than threads, so a thread that is slowed down does not hold up the rest.
            let segmentCount = threads * 4
            let step = (end - bodyStart) / segmentCount
            for k in 1..<segmentCount {
                var cut = max(bodyStart + k * step, bounds.last!)
                while cut < end && bytes[cut - 1] != CSVTokenizer.newline { cut += 1 }
                bounds.append(cut)
            }
        }
        bounds.append(end)
        let segments = (0..<bounds.count - 1).map { bounds[$0]..<bounds[$0 + 1] }
        let unsafeBytes = UnsafeSendable(bytes)
        func makeParser() -> CSVSegmentParser {
            CSVSegmentParser(bytes: unsafeBytes.value, delimiter: delimiter, missingValues: options.missingValues,
                             columnNames: names, kinds: kinds, path: path, locate: locate)
        }
        guard segments.count > 1 else {
            var parser = makeParser()
            try parser.parse(from: segments[0].lowerBound, to: segments[0].upperBound)
            return try assemble([parser], segments: segments, names: names, kinds: kinds, threads: threads, direct: nil)
        }
        // Quote-free data in parallel: count each segment's records, then parse every segment
        // straight into its rows of the final columns (no staging copy, half the memory).
        let counts = try Parallel.map(indices: segments.count, threads: threads) { index in
            CSVSegmentParser.countRecords(unsafeBytes.value, from: segments[index].lowerBound, to: segments[index].upperBound)
        }
        var rowOffsets = [0]
        for count in counts { rowOffsets.append(rowOffsets.last! + count) }
        var parsed: [CSVSegmentParser] = []
        let columns = try makeColumns(names.count, rows: rowOffsets.last!) { targets in
            let shared = UnsafeSendable(targets)
            parsed = try Parallel.map(indices: segments.count, threads: threads) { index in
                var parser = makeParser()
                parser.directTargets = shared.value
                parser.directRowOffset = rowOffsets[index]
                parser.directRowLimit = counts[index]
                try parser.parse(from: segments[index].lowerBound, to: segments[index].upperBound)
                return parser
            }
        }
        return try assemble(parsed, segments: segments, names: names, kinds: kinds, threads: threads, direct: columns)
    }

    /// Joins segment results, re-reading as text the rows of columns that turned out categorical.
    static func assemble(_ parsed: [CSVSegmentParser], segments: [Range<Int>], names: [String], kinds: [FeatureKind?],
                         threads: Int, direct: [[Double]]?) throws -> DataTable {
        let categoricalColumns = names.indices.filter { j in
            kinds[j] == .categorical || parsed.contains { $0.builders[j].mode == .categorical }
        }
        let categoricalSet = Set(categoricalColumns)
        let numericColumns = names.indices.filter { !categoricalSet.contains($0) }
        let numbers: [[Double]]
        if let direct {
            numbers = numericColumns.map { direct[$0] }
        } else {
            // Each segment copies its numbers into the final columns, in parallel.
            var rowOffsets = [0]
            for segment in parsed { rowOffsets.append(rowOffsets.last! + segment.rows) }
            numbers = try makeColumns(numericColumns.count, rows: rowOffsets.last!) { targets in
                let shared = UnsafeSendable(targets)
                try Parallel.forEach(count: parsed.count, grain: 1, threads: threads) { range in
                    for index in range {
                        parsed[index].copyNumbers(columns: numericColumns, into: shared.value, at: rowOffsets[index])
                    }
                }
            }
        }
        var columns = [DataTable.Column](repeating: .numeric([]), count: names.count)
        for (k, j) in numericColumns.enumerated() { columns[j] = .numeric(numbers[k]) }
        // A segment is re-read once for all its columns that need text, not once per column:
        // a table of many text columns stays linear in its size.
        var texts = [[String?]](repeating: [], count: names.count)
        for (index, segment) in parsed.enumerated() {
            var limits: [Int: Int] = [:]
            for j in categoricalColumns {
                let builder = segment.builders[j]
                let missingRows = builder.mode == .categorical ? builder.stringsFrom : segment.rows
                if missingRows > 0 { limits[j] = missingRows }
            }
            if let rowLimit = limits.values.max() {
                let reread = try segment.strings(from: segments[index].lowerBound, to: segments[index].upperBound,
                                                 rowLimit: rowLimit, columns: limits.keys.sorted())
                for (j, limit) in limits { texts[j].append(contentsOf: (reread[j] ?? []).prefix(limit)) }
            }
            for j in categoricalColumns where segment.builders[j].mode == .categorical {
                texts[j].append(contentsOf: segment.builders[j].strings)
            }
        }
        for j in categoricalColumns { columns[j] = .categorical(texts[j]) }
        return try DataTable(zip(names, columns).map { ($0, $1) })
    }

    /// Maps a buffer offset to a one-based line number and a file byte offset (only on errors).
    static func locator(_ bytes: UnsafeBufferPointer<UInt8>, lineBase: Int, offsetBase: Int) -> (Int) -> (line: Int, byteOffset: Int) {
        let unsafeBytes = UnsafeSendable(bytes)
        return { offset in
            var line = lineBase + 1
            for k in 0..<min(offset, unsafeBytes.value.count) where unsafeBytes.value[k] == CSVTokenizer.newline { line += 1 }
            return (line, offsetBase + offset)
        }
    }
}

/// Creates `count` columns of `rows` uninitialized doubles, all alive at once, and lets `fill`
/// initialize every element through their buffers.
///
/// Up to ``directColumnLimit`` columns, the arrays' own storage is filled (one nested
/// `unsafeUninitializedCapacity` call per column); wider tables fill separately allocated
/// buffers that are then moved into the arrays, so the work stays linear in the column count
/// and the stack shallow (a 100,000-column file once overflowed it).
func makeColumns(_ count: Int, rows: Int, fill: ([UnsafeMutableBufferPointer<Double>]) throws -> Void) throws -> [[Double]] {
    if count > directColumnLimit { return try makeWideColumns(count, rows: rows, fill: fill) }
    var columns: [[Double]] = []
    func build(_ buffers: [UnsafeMutableBufferPointer<Double>]) throws {
        guard buffers.count < count else {
            try fill(buffers)
            return
        }
        var thrown: (any Error)?
        let column = [Double](unsafeUninitializedCapacity: rows) { buffer, initialized in
            do {
                try build(buffers + [buffer])
                initialized = rows
            } catch {
                thrown = error
                buffer.initialize(repeating: 0)
                initialized = rows
            }
        }
        if let thrown { throw thrown }
        columns.append(column)
    }
    try build([])
    // The innermost column finishes first.
    return columns.reversed()
}

/// The most columns ``makeColumns(_:rows:fill:)`` fills in place.
let directColumnLimit = 64

private func makeWideColumns(_ count: Int, rows: Int, fill: ([UnsafeMutableBufferPointer<Double>]) throws -> Void) throws -> [[Double]] {
    let buffers = (0..<count).map { _ in UnsafeMutableBufferPointer<Double>.allocate(capacity: rows) }
    do {
        try fill(buffers)
    } catch {
        for buffer in buffers { buffer.deallocate() }
        throw error
    }
    // Each buffer is freed as soon as its array holds the values: at most one column more than the data.
    return buffers.map { source in
        defer { source.deallocate() }
        return [Double](unsafeUninitializedCapacity: rows) { target, initialized in
            if let to = target.baseAddress, let from = source.baseAddress { to.moveInitialize(from: from, count: rows) }
            initialized = rows
        }
    }
}
