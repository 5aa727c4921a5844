import Foundation
import ToolboxCore

/// FAISS's own index files (`faiss.write_index` / `faiss.read_index`) for `IndexFlatL2`,
/// `IndexFlatIP`, `IndexIDMap` over either, and `IndexIVFFlat`.
///
/// The layout, little-endian: a four-character code (`IxF2`, `IxFI`, `IxMp`, `IwFl`), then
/// FAISS's index header (dimension i32, vector count i64, two reserved i64 of 2²⁰, is-trained
/// byte, metric i32: 1 for L2, 0 for inner product); a flat index continues with its vectors
/// (count u64, then f32 values); an id map with the wrapped index and its ids (count u64, i64
/// each); an IVF-Flat index with nlist and nprobe (u64 each), its quantizer (a flat index), a
/// direct map (type byte, empty id vector) and its inverted lists (`ilar`, nlist, code size,
/// `full` with every list's size or `sprs` with (list, size) pairs of the non-empty ones, then
/// each non-empty list's vectors and ids).
///
/// A cosine index is exported as an inner-product index of its normalized vectors (which is
/// what FAISS users build for cosine similarity) and comes back as an inner-product index.
public enum FAISSFormat {
    /// Writes `index` as FAISS would, replacing `path` atomically.
    public static func export(_ index: any VectorIndex, to path: String) throws {
        var out = ByteWriter()
        if let flat = index as? FlatIndex {
            let (vectors, ids) = flat.snapshot
            let sequential = ids.enumerated().allSatisfy { Int64($0.offset) == $0.element }
            if sequential {
                writeFlat(&out, vectors: vectors, dimension: flat.dimension, metric: flat.metric)
            } else {
                out.fourcc("IxMp")
                writeHeader(&out, dimension: flat.dimension, count: ids.count, trained: true, metric: flat.metric)
                writeFlat(&out, vectors: vectors, dimension: flat.dimension, metric: flat.metric)
                out.uint64(UInt64(ids.count))
                out.int64s(ids)
            }
        } else if let ivf = index as? IVFFlatIndex {
            let state = ivf.snapshot
            let count = state.ids.reduce(0) { $0 + $1.count }
            out.fourcc("IwFl")
            writeHeader(&out, dimension: ivf.dimension, count: count, trained: !state.centroids.isEmpty, metric: ivf.metric)
            out.uint64(UInt64(ivf.lists))
            out.uint64(UInt64(state.nprobe))
            writeFlat(&out, vectors: state.centroids, dimension: ivf.dimension, metric: ivf.metric)
            out.byte(0)          // no direct map
            out.uint64(0)        // its (empty) id array
            out.fourcc("ilar")
            out.uint64(UInt64(ivf.lists))
            out.uint64(UInt64(ivf.dimension * 4))
            let nonEmpty = state.ids.filter { !$0.isEmpty }.count
            if nonEmpty > ivf.lists / 2 {
                out.fourcc("full")
                out.uint64(UInt64(ivf.lists))
                for ids in state.ids { out.uint64(UInt64(ids.count)) }
            } else {
                out.fourcc("sprs")
                out.uint64(UInt64(2 * nonEmpty))
                for (list, ids) in state.ids.enumerated() where !ids.isEmpty {
                    out.uint64(UInt64(list))
                    out.uint64(UInt64(ids.count))
                }
            }
            for (ids, vectors) in zip(state.ids, state.vectors) where !ids.isEmpty {
                out.floats(vectors)
                out.int64s(ids)
            }
        } else {
            throw ToolboxError(.unsupported, "only flat and IVF-Flat indexes are exported to FAISS", context: ErrorContext(parameter: "index"))
        }
        try RegularFile.replace(path, with: out.bytes)
    }

    static func writeHeader(_ out: inout ByteWriter, dimension: Int, count: Int, trained: Bool, metric: Metric) {
        out.int32(Int32(dimension))
        out.int64(Int64(count))
        out.int64(1 << 20)
        out.int64(1 << 20)
        out.byte(trained ? 1 : 0)
        out.int32(metric == .l2 ? 1 : 0)
    }

    static func writeFlat(_ out: inout ByteWriter, vectors: [Float], dimension: Int, metric: Metric) {
        out.fourcc(metric == .l2 ? "IxF2" : "IxFI")
        writeHeader(&out, dimension: dimension, count: vectors.count / dimension, trained: true, metric: metric)
        out.uint64(UInt64(vectors.count))
        out.floats(vectors)
    }

    /// Reads a FAISS index file's bytes.
    static func read(_ bytes: [UInt8], path: String) throws -> VectorIndexFile.Index {
        var reader = ByteReader(bytes, path: path)
        let index = try readIndex(&reader, depth: 0)
        guard reader.remaining == 0 else { throw reader.error("\(reader.remaining) bytes follow the index") }
        return index
    }

    private struct Header {
        var dimension: Int, count: Int, trained: Bool, metric: Metric
    }

    private static func readHeader(_ reader: inout ByteReader) throws -> Header {
        let position = reader.offset
        let dimension = Int(try reader.int32("the dimension"))
        guard dimension >= 1, dimension <= 65_536 else { throw reader.error("dimension \(dimension) is outside 1...65536", at: position) }
        let countPosition = reader.offset
        let count = try reader.int64("the vector count")
        guard count >= 0, count <= Int64(reader.remaining) else { throw reader.error("vector count \(count) is impossible for the file", at: countPosition) }
        _ = try reader.int64("a reserved field")
        _ = try reader.int64("a reserved field")
        let trained = try reader.byte("the trained flag") != 0
        let metricPosition = reader.offset
        let metric: Metric
        switch try reader.int32("the metric") {
        case 1: metric = .l2
        case 0: metric = .innerProduct
        case let other: throw reader.error("metric \(other) is not L2 (1) or inner product (0)", at: metricPosition)
        }
        return Header(dimension: dimension, count: Int(count), trained: trained, metric: metric)
    }

    private static func readIndex(_ reader: inout ByteReader, depth: Int) throws -> VectorIndexFile.Index {
        let position = reader.offset
        let code = try reader.fourcc()
        switch code {
        case "IxF2", "IxFI":
            let header = try readHeader(&reader)
            let values = try reader.count("the vector values", limit: reader.remaining / 4)
            guard values == header.count * header.dimension else {
                throw reader.error("\(values) values for \(header.count) vectors of \(header.dimension)")
            }
            let position = reader.offset
            let vectors = try reader.floats(values, "the vectors")
            let index = try FlatIndex(dimension: header.dimension, metric: header.metric)
            try VectorIndexFile.add(vectors, ids: (0..<header.count).map(Int64.init), to: index, reader: reader, at: position)
            return .flat(index)
        case "IxMp" where depth == 0:
            let header = try readHeader(&reader)
            guard case .flat(let inner) = try readIndex(&reader, depth: 1) else {
                throw reader.error("an id map over an index other than a flat one is not supported")
            }
            let count = try reader.count("the id count", limit: reader.remaining / 8)
            guard count == inner.count, count == header.count else { throw reader.error("\(count) ids for \(inner.count) vectors") }
            let position = reader.offset
            let ids = try reader.int64s(count, "the ids")
            let (vectors, _) = inner.snapshot
            let index = try FlatIndex(dimension: header.dimension, metric: header.metric)
            try VectorIndexFile.add(vectors, ids: ids, to: index, reader: reader, at: position)
            return .flat(index)
        case "IwFl" where depth == 0:
            return .ivf(try readIVF(&reader))
        default:
            throw ToolboxError(.unsupported, "\(reader.path): FAISS index type \(code.debugDescription) at byte \(position) is not supported (flat, id map over flat and IVF-Flat are)",
                               context: ErrorContext(path: reader.path, byteOffset: position))
        }
    }

    private static func readIVF(_ reader: inout ByteReader) throws -> IVFFlatIndex {
        let header = try readHeader(&reader)
        let lists = try reader.count("nlist", limit: 1 << 20)
        guard lists >= 1 else { throw reader.error("nlist must be at least 1") }
        let nprobe = try reader.count("nprobe", limit: 1 << 20)
        guard case .flat(let quantizer) = try readIndex(&reader, depth: 1) else { throw reader.error("the quantizer is not a flat index") }
        guard quantizer.dimension == header.dimension, quantizer.count == lists || !header.trained else {
            throw reader.error("the quantizer holds \(quantizer.count) centroids of \(quantizer.dimension) for \(lists) lists of \(header.dimension)")
        }
        let mapType = try reader.byte("the direct map type")
        let mapCount = try reader.count("the direct map", limit: reader.remaining / 8)
        _ = try reader.span(mapCount, size: 8, "the direct map")
        if mapType == 2 {
            // A hash-table direct map: its (id, position) pairs.
            let pairs = try reader.count("the direct map's pairs", limit: reader.remaining / 16)
            _ = try reader.span(pairs, size: 16, "the direct map's pairs")
        }
        guard try reader.fourcc() == "ilar" else { throw reader.error("expected array inverted lists (ilar)", at: reader.offset - 4) }
        let storedLists = try reader.count("the inverted lists' nlist", limit: 1 << 20)
        let codeSize = try reader.count("the code size", limit: 1 << 20)
        guard storedLists == lists, codeSize == header.dimension * 4 else {
            throw reader.error("inverted lists of \(storedLists) lists with codes of \(codeSize) bytes do not fit \(lists) lists of \(header.dimension) floats")
        }
        var sizes = [Int](repeating: 0, count: lists)
        let listType = try reader.fourcc()
        let countPosition = reader.offset
        let entries = try reader.count("the list sizes", limit: reader.remaining / 8)
        switch listType {
        case "full":
            guard entries == lists else { throw reader.error("\(entries) list sizes for \(lists) lists", at: countPosition) }
            for list in 0..<lists { sizes[list] = try reader.count("a list size", limit: header.count) }
        case "sprs":
            guard entries % 2 == 0 else { throw reader.error("an odd number of (list, size) entries", at: countPosition) }
            for _ in 0..<(entries / 2) {
                let list = try reader.count("a list number", limit: lists - 1)
                sizes[list] = try reader.count("a list size", limit: header.count)
            }
        default:
            throw reader.error("unknown inverted list layout \(listType.debugDescription)", at: countPosition - 4)
        }
        guard sizes.reduce(0, +) == header.count else { throw reader.error("the lists hold \(sizes.reduce(0, +)) vectors, the header says \(header.count)") }
        var listVectors: [[Float]] = [], listIds: [[Int64]] = []
        let listsPosition = reader.offset
        for size in sizes {
            if size == 0 {
                listVectors.append([])
                listIds.append([])
                continue
            }
            let vectors = try reader.floats(size * header.dimension, "a list's vectors")
            guard vectors.allSatisfy(\.isFinite) else { throw reader.error("a list holds a NaN or infinite value") }
            listVectors.append(vectors)
            listIds.append(try reader.int64s(size, "a list's ids"))
        }
        let index = try IVFFlatIndex(dimension: header.dimension, lists: lists, metric: header.metric)
        if header.trained || quantizer.count == lists {
            try VectorIndexFile.located(reader, at: listsPosition, "the centroids") { try index.setCentroids(quantizer.snapshot.vectors) }
        }
        try VectorIndexFile.located(reader, at: listsPosition, "the lists") { try index.restore(vectors: listVectors, ids: listIds) }
        index.nprobe = max(nprobe, 1)
        return index
    }
}
