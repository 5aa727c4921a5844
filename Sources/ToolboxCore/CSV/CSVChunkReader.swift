import Foundation

/// Reads a CSV file a block of rows at a time, for files larger than memory.
///
/// Column kinds are inferred from the first chunk (or given in ``CSVOptions/columnTypes``) and
/// then held fixed: a later value that does not fit throws, naming its line and column.
/// Memory stays proportional to the chunk size.
///
/// ```swift
/// var reader = try CSVChunkReader(path: "big.csv", rowsPerChunk: 100_000)
/// while let chunk = try reader.next() {
///     total += try chunk.numericColumn(named: "amount").reduce(0, +)
/// }
/// ```
public struct CSVChunkReader {
    /// The column names from the header.
    public private(set) var columnNames: [String] = []
    /// The column kinds, once the first chunk has been read.
    public private(set) var columnKinds: [FeatureKind]?

    private let path: String
    private let options: CSVOptions
    private let rowsPerChunk: Int
    private let blockSize: Int
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var atEndOfFile = false
    private var headerRead = false
    private var consumedBytes = 0
    private var consumedLines = 0
    private let delimiter: UInt8

    /// Opens `path` for chunked reading.
    /// - Parameters:
    ///   - rowsPerChunk: the most rows in one chunk.
    ///   - blockSize: how many bytes are read from the file at a time.
    /// - Parameter path: the CSV file.
    /// - Parameter options: the delimiter, header and missing-value rules.
    public init(path: String, options: CSVOptions = CSVOptions(), rowsPerChunk: Int = 100_000, blockSize: Int = 1 << 22) throws {
        guard rowsPerChunk > 0 else {
            throw ToolboxError(.invalidParameter, "rowsPerChunk must be positive", context: ErrorContext(parameter: "rowsPerChunk"))
        }
        let handle = FileHandle(fileDescriptor: try RegularFile.openForReading(path).descriptor, closeOnDealloc: true)
        self.path = path
        self.options = options
        self.rowsPerChunk = rowsPerChunk
        self.blockSize = max(blockSize, 1024)
        self.handle = handle
        self.delimiter = try options.delimiterByte()
    }

    /// The next chunk of at most `rowsPerChunk` rows, or `nil` at the end of the file.
    public mutating func next() throws -> DataTable? {
        if !headerRead { try readHeader() }
        while true {
            let found = buffer.withUnsafeBufferPointer {
                CSVTokenizer.recordBoundary($0, from: 0, end: $0.count, limit: rowsPerChunk, isFinal: atEndOfFile)
            }
            if let found, found.records == rowsPerChunk {
                return try parseChunk(upTo: found.end)
            }
            if atEndOfFile {
                if buffer.allSatisfy({ $0 == CSVTokenizer.newline || $0 == CSVTokenizer.carriageReturn }) {
                    consume(buffer.count)
                    return nil
                }
                // The rest of the file, complete or not: a quote left open throws here, naming its line.
                return try parseChunk(upTo: buffer.count)
            }
            try readBlock()
        }
    }

    private mutating func parseChunk(upTo end: Int) throws -> DataTable {
        var chunkOptions = options
        if let columnKinds {
            for (name, kind) in zip(columnNames, columnKinds) { chunkOptions.columnTypes[name] = kind }
        }
        let kinds: [FeatureKind?] = columnNames.map { chunkOptions.columnTypes[$0] }
        let names = columnNames
        let (lineBase, offsetBase, path) = (consumedLines, consumedBytes, path)
        let delimiter = delimiter
        let table: DataTable = try buffer.withUnsafeBufferPointer { all in
            let region = UnsafeBufferPointer(rebasing: all[0..<end])
            let locate = CSVReader.locator(region, lineBase: lineBase, offsetBase: offsetBase)
            return try CSVReader.parseBody(region, from: 0, names: names, kinds: kinds, delimiter: delimiter,
                                           options: chunkOptions, path: path, locate: locate)
        }
        if columnKinds == nil { columnKinds = table.columns.map(\.kind) }
        consume(end)
        return table
    }

    private mutating func readHeader() throws {
        headerRead = true
        while true {
            let found = buffer.withUnsafeBufferPointer {
                CSVTokenizer.recordBoundary($0, from: 0, end: $0.count, limit: 1, isFinal: atEndOfFile)
            }
            if let found, found.records == 1 || atEndOfFile { break }
            if atEndOfFile { return }
            try readBlock()
        }
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { consume(3) }
        let (path, options, delimiter) = (path, options, delimiter)
        let (lineBase, offsetBase) = (consumedLines, consumedBytes)
        let header: CSVReader.Header? = try buffer.withUnsafeBufferPointer { bytes in
            let start = CSVTokenizer.skipBlankLines(bytes, 0, bytes.count)
            guard start < bytes.count else { return nil }
            let locate = CSVReader.locator(bytes, lineBase: lineBase, offsetBase: offsetBase)
            return try CSVReader.readHeader(bytes, at: start, delimiter: delimiter, options: options, path: path, locate: locate)
        }
        guard let header else { return }
        columnNames = header.names
        consume(header.bodyStart)
    }

    private mutating func readBlock() throws {
        let data: Data?
        do {
            data = try handle.read(upToCount: blockSize)
        } catch {
            throw ToolboxError(.ioError, "cannot read CSV file: \(error.localizedDescription)",
                               context: ErrorContext(path: path, byteOffset: consumedBytes + buffer.count))
        }
        guard let data, !data.isEmpty else {
            atEndOfFile = true
            return
        }
        buffer.append(contentsOf: data)
    }

    private mutating func consume(_ count: Int) {
        consumedLines += buffer[0..<count].reduce(0) { $0 + ($1 == CSVTokenizer.newline ? 1 : 0) }
        consumedBytes += count
        buffer.removeFirst(count)
    }
}
