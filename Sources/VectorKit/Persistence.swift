import Foundation
import ToolboxCore

/// Saving and loading indexes: a versioned, checksummed format of VectorKit's own, and FAISS's
/// own file format for flat and IVF-Flat indexes, both ways.
///
/// VectorKit's format (little-endian): the magic `DSTVECIX`, format version (u32), kind (u32:
/// 1 flat, 2 IVF-Flat), metric (u32: 0 L2, 1 inner product, 2 cosine), dimension (u32), vector
/// count (u64), list count (u64), nprobe (u64); then for a flat index the ids (i64 each) and the
/// vectors (f32, row-major); for an IVF index the centroids, each list's size (u64), and each
/// list's ids and vectors; last, the SHA-256 of everything before it. Files are written beside
/// the target and renamed over it; loading checks every size against the file before
/// allocating and the checksum before trusting anything.
public enum VectorIndexFile {
    static let magic = Array("DSTVECIX".utf8)
    /// The format version written.
    public static let formatVersion: UInt32 = 1
    /// The largest index file read: 64 GiB.
    public static let maximumFileSize = 1 << 36

    /// The contents of a saved index: one of the two kinds.
    public enum Index {
        /// An exact index.
        case flat(FlatIndex)
        /// An inverted-file index.
        case ivf(IVFFlatIndex)

        /// The index, whichever kind it is.
        public var index: any VectorIndex {
            switch self {
            case .flat(let index): index
            case .ivf(let index): index
            }
        }
    }

    static func code(_ metric: Metric) -> UInt32 {
        switch metric {
        case .l2: 0
        case .innerProduct: 1
        case .cosine: 2
        }
    }

    /// Saves a flat or IVF-Flat index to `path`, replacing it atomically.
    /// - Throws: `ToolboxError/Code/unsupported` for another kind of index; I/O errors.
    public static func save(_ index: any VectorIndex, to path: String) throws {
        try RegularFile.replace(path, with: try encode(index))
    }

    static func encode(_ index: any VectorIndex) throws -> [UInt8] {
        var out = ByteWriter()
        out.bytes.append(contentsOf: magic)
        out.uint32(formatVersion)
        if let flat = index as? FlatIndex {
            let (vectors, ids) = flat.snapshot
            header(&out, kind: 1, metric: flat.metric, dimension: flat.dimension, count: ids.count, lists: 0, nprobe: 0)
            out.int64s(ids)
            out.floats(vectors)
        } else if let ivf = index as? IVFFlatIndex {
            let state = ivf.snapshot
            let count = state.ids.reduce(0) { $0 + $1.count }
            header(&out, kind: 2, metric: ivf.metric, dimension: ivf.dimension, count: count, lists: ivf.lists, nprobe: state.nprobe)
            out.uint32(state.centroids.isEmpty ? 0 : 1)
            out.floats(state.centroids)
            for ids in state.ids { out.uint64(UInt64(ids.count)) }
            for (ids, vectors) in zip(state.ids, state.vectors) {
                out.int64s(ids)
                out.floats(vectors)
            }
        } else {
            throw ToolboxError(.unsupported, "only flat and IVF-Flat indexes are saved", context: ErrorContext(parameter: "index"))
        }
        out.bytes.append(contentsOf: ContentSHA256.hash(out.bytes).bytes)
        return out.bytes
    }

    private static func header(_ out: inout ByteWriter, kind: UInt32, metric: Metric, dimension: Int, count: Int, lists: Int, nprobe: Int) {
        out.uint32(kind)
        out.uint32(code(metric))
        out.uint32(UInt32(dimension))
        out.uint64(UInt64(count))
        out.uint64(UInt64(lists))
        out.uint64(UInt64(nprobe))
    }

    /// Loads an index saved by ``save(_:to:)``, or a FAISS file (recognized by its content).
    /// - Throws: `ToolboxError/Code/corruptArchive` naming the byte offset for a truncated,
    ///   mutated or inconsistent file; `ToolboxError/Code/unsupported` for a newer version or
    ///   a FAISS index type other than flat, IVF-Flat and an id map over flat; I/O errors.
    public static func load(from path: String) throws -> Index {
        let bytes = try RegularFile.read(path, limit: maximumFileSize)
        if bytes.starts(with: magic) { return try decode(bytes, path: path) }
        return try FAISSFormat.read(bytes, path: path)
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> Index {
        guard bytes.count >= magic.count + 4 + 32 else {
            throw ToolboxError(.corruptArchive, "\(path): \(bytes.count) bytes is too short for an index", context: ErrorContext(path: path, byteOffset: bytes.count))
        }
        let body = Array(bytes[..<(bytes.count - 32)])
        guard ContentSHA256.hash(body).bytes == Array(bytes[(bytes.count - 32)...]) else {
            throw ToolboxError(.corruptArchive, "\(path): the checksum does not match; the file is damaged", context: ErrorContext(path: path, byteOffset: bytes.count - 32))
        }
        var reader = ByteReader(body, path: path)
        _ = try reader.bytes(magic.count, "the magic")
        let version = try reader.uint32("the version")
        guard version <= formatVersion else {
            throw ToolboxError(.unsupported, "\(path) is format version \(version); this build reads \(formatVersion)", context: ErrorContext(path: path, byteOffset: 8))
        }
        let kind = try reader.uint32("the kind")
        let metricPosition = reader.offset
        let metrics: [UInt32: Metric] = [0: .l2, 1: .innerProduct, 2: .cosine]
        guard let metric = metrics[try reader.uint32("the metric")] else { throw reader.error("unknown metric", at: metricPosition) }
        let dimension = Int(try reader.uint32("the dimension"))
        guard dimension >= 1, dimension <= 65_536 else { throw reader.error("dimension \(dimension) is outside 1...65536", at: metricPosition + 4) }
        let count = try reader.count("the vector count", limit: reader.remaining)
        let lists = try reader.count("the list count", limit: 1 << 20)
        let nprobe = try reader.count("nprobe", limit: 1 << 20)
        switch kind {
        case 1:
            let index = try FlatIndex(dimension: dimension, metric: metric)
            let idsPosition = reader.offset
            let ids = try reader.int64s(count, "the ids")
            let vectors = try reader.floats(count * dimension, "the vectors")
            try add(vectors, ids: ids, to: index, reader: reader, at: idsPosition)
            try finish(reader)
            return .flat(index)
        case 2:
            guard lists >= 1 else { throw reader.error("an IVF index needs at least one list") }
            let index = try IVFFlatIndex(dimension: dimension, lists: lists, metric: metric)
            let trained = try reader.uint32("the trained flag") == 1
            if trained {
                let position = reader.offset
                let centroids = try reader.floats(lists * dimension, "the centroids")
                try located(reader, at: position, "the centroids") { try index.setCentroids(centroids) }
            }
            var sizes: [Int] = []
            var total = 0
            for _ in 0..<lists {
                let size = try reader.count("a list size", limit: count)
                total += size
                sizes.append(size)
            }
            guard total == count else { throw reader.error("the list sizes add up to \(total), not \(count)") }
            var listIds: [[Int64]] = [], listVectors: [[Float]] = []
            let listsPosition = reader.offset
            for (list, size) in sizes.enumerated() {
                listIds.append(try reader.int64s(size, "a list's ids"))
                let position = reader.offset
                let vectors = try reader.floats(size * dimension, "a list's vectors")
                if let bad = vectors.firstIndex(where: { !$0.isFinite }) {
                    throw reader.error("list \(list) holds \(vectors[bad]), not a finite value", at: position + 4 * bad)
                }
                listVectors.append(vectors)
            }
            try finish(reader)
            guard trained || count == 0 else { throw reader.error("an untrained IVF index holds vectors") }
            try located(reader, at: listsPosition, "the lists") { try index.restore(vectors: listVectors, ids: listIds) }
            index.nprobe = max(nprobe, 1)
            return .ivf(index)
        default:
            throw reader.error("unknown index kind \(kind)", at: 12)
        }
    }

    static func add(_ vectors: [Float], ids: [Int64], to index: FlatIndex, reader: ByteReader, at position: Int) throws {
        try located(reader, at: position, "the stored vectors") { try index.add(vectors, ids: ids, normalize: false) }
    }

    /// Runs `body`, turning what it throws into a corrupt-file error naming the file and the
    /// byte offset of the section it read.
    static func located(_ reader: ByteReader, at position: Int, _ what: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ToolboxError {
            throw reader.error("\(what) are invalid (\(error.message))", at: position)
        }
    }

    static func finish(_ reader: ByteReader) throws {
        guard reader.remaining == 0 else { throw reader.error("\(reader.remaining) bytes follow the index") }
    }
}
