import ArgumentParser
import DSToolbox
import Foundation

/// `dstoolbox vector ...`: build, search, describe, import and export vector indexes.
struct VectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vector",
        abstract: "Vector indexes: flat and IVF-Flat (FAISS's), saved in VectorKit's format or FAISS's.",
        discussion: "Vectors are float32, one row per vector, from a NumPy .npy file or a CSV of numeric columns.",
        subcommands: [VectorBuildCommand.self, VectorSearchCommand.self, VectorInfoCommand.self, VectorImportCommand.self, VectorExportCommand.self]
    )

    /// Vectors from a `.npy` file (by content) or a CSV of numeric columns, and their ids (the
    /// CSV's `idColumn`, or 0, 1, 2, ...).
    static func readVectors(_ path: String, allowLossy: Bool, idColumn: String? = nil,
                            columns chosen: [String]? = nil) throws -> (values: [Float], dimension: Int, ids: [Int64]?) {
        let head = try RegularFile.head(path, count: 6)
        if head == [0x93] + Array("NUMPY".utf8) {
            guard idColumn == nil else { throw ValidationError("--id-column applies to CSV input, not .npy") }
            guard chosen == nil else { throw ValidationError("--columns applies to CSV input, not .npy") }
            let (values, dimension) = try NumPyFile.readVectors(path, allowLossy: allowLossy)
            return (values, dimension, nil)
        }
        // A file named .npy that lacks NumPy's magic is damaged, not a CSV.
        if path.lowercased().hasSuffix(".npy") {
            throw ToolboxError(.corruptArchive, "\(path) is named .npy but does not start with NumPy's magic (\\x93NUMPY): it is not a NumPy array file",
                               context: ErrorContext(path: path, byteOffset: 0))
        }
        let table = try DataTable(csvFile: path)
        var ids: [Int64]?
        var columns = table.columnNames
        if let idColumn {
            let values = try table.numericColumn(named: idColumn)
            ids = try values.enumerated().map { row, value in
                guard let id = Int64(exactly: value), id >= 0 else {
                    throw ToolboxError(.invalidData, "id column \(idColumn) holds \(value) at row \(row); ids are whole numbers of at least 0",
                                       context: ErrorContext(column: idColumn, row: row))
                }
                return id
            }
            columns.removeAll { $0 == idColumn }
        }
        if let chosen {
            // Only the named columns, in the order given (other columns, labels say, stay out).
            for name in chosen where table.columnIndex(named: name) == nil {
                throw ToolboxError(.notFound, "no column \(name) in \(path); columns: \(DataTable.listing(table.columnNames))",
                                   context: ErrorContext(path: path, column: name))
            }
            columns = chosen
        }
        guard !columns.isEmpty else { throw ToolboxError(.invalidData, "\(path) has no vector columns", context: ErrorContext(path: path)) }
        let numbers = try columns.map { name -> [Double] in
            guard case .numeric(let values) = try table.column(named: name) else {
                throw ToolboxError(.invalidData, "column \(name) of \(path) holds text; vectors are numbers", context: ErrorContext(column: name))
            }
            return values
        }
        var values = [Float]()
        values.reserveCapacity(table.rowCount * columns.count)
        for row in 0..<table.rowCount { for column in numbers { values.append(Float(column[row])) } }
        return (values, columns.count, ids)
    }
}

struct VectorBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build an index from vectors and save it (VectorKit's format, replaced atomically)."
    )

    @Argument(help: "Vectors: a .npy file (float32) or a CSV of numeric columns.") var vectors: String
    @Option(help: "Index kind: flat or ivf.") var index: String = "flat"
    @Option(help: "Metric: l2 (squared distances), ip (inner product) or cosine.") var metric: String = "l2"
    @Option(parsing: .unconditional, help: "Lists of an IVF index (default about 4·√n).") var nlist: Int?
    @Option(parsing: .unconditional, help: "Lists an IVF search scans by default.") var nprobe: Int = 1
    @Option(parsing: .unconditional, help: "Seed of the IVF index's k-means.") var seed: UInt64 = 1234
    @Option(name: .customLong("id-column"), help: "A CSV column of 64-bit ids (default: row numbers).") var idColumn: String?
    @Option(help: "The CSV columns that make the vectors, comma-separated (default: every column but --id-column).")
    var columns: String?
    @Flag(name: .customLong("allow-lossy"), help: "Accept float64 .npy input, rounded to float32.") var allowLossy = false
    @Option(name: .shortAndLong, help: "The index file to write.") var output: String

    func validate() throws {
        guard ["flat", "ivf"].contains(index) else { throw ValidationError("--index takes flat or ivf, got \(index)") }
        guard Metric(rawValue: metric) != nil else { throw ValidationError("--metric takes l2, ip or cosine, got \(metric)") }
        if let nlist { guard nlist >= 1, nlist <= 1 << 20 else { throw ValidationError("--nlist must be in 1...1048576") } }
        guard nprobe >= 1 else { throw ValidationError("--nprobe must be at least 1") }
    }

    func run() throws {
        try RegularFile.checkReplaceable(output)
        let chosen = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        if let chosen, chosen.isEmpty { throw ValidationError("--columns names no column") }
        let (values, dimension, ids) = try VectorCommand.readVectors(vectors, allowLossy: allowLossy, idColumn: idColumn, columns: chosen)
        let metric = Metric(rawValue: self.metric) ?? .l2
        let n = values.count / dimension
        let built: any VectorIndex
        if index == "flat" {
            let flat = try FlatIndex(dimension: dimension, metric: metric)
            try flat.add(values, ids: ids)
            built = flat
        } else {
            let lists = nlist ?? max(1, min(n, Int(4 * Double(n).squareRoot())))
            if n < 39 * lists {
                // FAISS's warning: fewer than 39 training points per list make poor centroids.
                LearnCommand.note("warning: training \(lists) lists from \(n) vectors; give at least \(39 * lists) training vectors (39 per list), or fewer lists (--nlist)")
            }
            let ivf = try IVFFlatIndex(dimension: dimension, lists: lists, metric: metric)
            try ivf.train(values, kmeans: KMeans(k: lists, iterations: 10, seed: seed, initialization: .kmeansPlusPlus))
            try ivf.add(values, ids: ids)
            ivf.nprobe = nprobe
            built = ivf
        }
        try VectorIndexFile.save(built, to: output)
        print("wrote \(index == "flat" ? "a flat" : "an IVF-Flat") index of \(n) vectors of dimension \(dimension) (\(metric.rawValue)) to \(output)")
    }
}

struct VectorSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "The k nearest vectors to each query: ids and distances (squared L2, inner product or cosine similarity)."
    )

    @Argument(help: "The index: VectorKit's file or FAISS's.") var index: String
    @Argument(help: "Queries: a .npy file (float32) or a CSV of numeric columns.") var queries: String
    @Option(parsing: .unconditional, help: "Neighbours per query.") var k: Int = 10
    @Option(parsing: .unconditional, help: "Lists an IVF index scans (default: the index's own).") var nprobe: Int?
    @Flag(help: "Print JSON: {\"ids\": [[...]], \"distances\": [[...]]}.") var json = false
    @Flag(name: .customLong("allow-lossy"), help: "Accept float64 .npy queries, rounded to float32.") var allowLossy = false

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1") }
        if let nprobe { guard nprobe >= 1 else { throw ValidationError("--nprobe must be at least 1") } }
    }

    func run() throws {
        let loaded = try VectorIndexFile.load(from: index)
        if case .ivf(let ivf) = loaded, let nprobe { ivf.nprobe = nprobe }
        let (values, dimension, _) = try VectorCommand.readVectors(queries, allowLossy: allowLossy)
        guard dimension == loaded.index.dimension else {
            throw ToolboxError(.shapeMismatch, "the queries have \(dimension) dimensions, the index \(loaded.index.dimension)", context: ErrorContext(parameter: "queries"))
        }
        let results = try loaded.index.search(values, k: k)
        if json {
            struct Output: Encodable { var k: Int; var ids: [[Int64]]; var distances: [[Double]] }
            let output = Output(k: k, ids: (0..<results.queries).map { Array(results.ids[($0 * k)..<(($0 + 1) * k)]) },
                                distances: (0..<results.queries).map { results.scores[($0 * k)..<(($0 + 1) * k)].map(Double.init) })
            let encoder = JSONEncoder()
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            print("query,rank,id,distance")
            for i in 0..<results.queries {
                for rank in 0..<k { print("\(i),\(rank),\(results.ids[i * k + rank]),\(Double(results.scores[i * k + rank]))") }
            }
        }
    }
}

struct VectorInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "What an index holds: kind, metric, dimension, vectors, lists.")

    @Argument(help: "The index: VectorKit's file or FAISS's.") var index: String

    func run() throws {
        let loaded = try VectorIndexFile.load(from: index)
        let base = loaded.index
        var lines = ["dimension: \(base.dimension)", "metric: \(base.metric.rawValue)", "vectors: \(base.count)"]
        switch loaded {
        case .flat: lines.insert("kind: flat", at: 0)
        case .ivf(let ivf):
            lines.insert("kind: ivf-flat", at: 0)
            let sizes = ivf.listSizes
            lines += ["nlist: \(ivf.lists)", "nprobe: \(ivf.nprobe)", "trained: \(ivf.isTrained ? "yes" : "no")",
                      "list sizes: min \(sizes.min() ?? 0), max \(sizes.max() ?? 0), empty \(sizes.filter { $0 == 0 }.count)"]
        }
        print(lines.joined(separator: "\n"))
    }
}

struct VectorImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Convert a FAISS index file (flat, id map over flat, IVF-Flat) to VectorKit's format.")

    @Argument(help: "The FAISS index file.") var faissFile: String
    @Option(name: .shortAndLong, help: "The index file to write.") var output: String

    func run() throws {
        try RegularFile.checkReplaceable(output)
        let loaded = try VectorIndexFile.load(from: faissFile)
        try VectorIndexFile.save(loaded.index, to: output)
        print("imported \(loaded.index.count) vectors of dimension \(loaded.index.dimension) to \(output)")
    }
}

struct VectorExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write an index in FAISS's own file format (faiss.read_index loads it).")

    @Argument(help: "The index: VectorKit's file.") var index: String
    @Option(help: "The FAISS file to write.") var faiss: String

    func run() throws {
        try RegularFile.checkReplaceable(faiss)
        let loaded = try VectorIndexFile.load(from: index)
        try FAISSFormat.export(loaded.index, to: faiss)
        print("exported \(loaded.index.count) vectors to \(faiss)")
    }
}
