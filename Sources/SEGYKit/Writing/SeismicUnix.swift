import Foundation

/// Seismic Unix files: traces only (240-byte SEG-Y trace header + IEEE float samples), no
/// textual or binary header; the sample count comes from the first trace header (byte 115).
public enum SeismicUnix {
    /// Reads every trace of an SU file.
    /// - Parameter byteOrder: the file's order; detected from the first header's sample count
    ///   and the file size when `nil`.
    /// - Parameter path: the Seismic Unix file.
    public static func read(path: String, byteOrder: ByteOrder? = nil) throws -> (headers: [TraceHeader], samples: [Float], sampleCount: Int) {
        try read(FileStorage(path: path), path: path, byteOrder: byteOrder)
    }

    /// Reads every trace of an SU image held in memory.
    public static func read(bytes: [UInt8], byteOrder: ByteOrder? = nil) throws -> (headers: [TraceHeader], samples: [Float], sampleCount: Int) {
        try read(FileStorage(copying: bytes), path: nil, byteOrder: byteOrder)
    }

    private static func read(_ storage: FileStorage, path: String?, byteOrder: ByteOrder?) throws
        -> (headers: [TraceHeader], samples: [Float], sampleCount: Int) {
        let bytes = storage.bytes
        guard bytes.count >= TraceHeader.byteCount else {
            throw SEGYError(.truncated, "an SU file needs at least one 240-byte trace header, the file has \(bytes.count) bytes",
                            path: path, byteOffset: bytes.count)
        }
        func fits(_ order: ByteOrder) -> Int? {
            let n = Int(ByteReader(bytes.baseAddress!, order).field(at: 114, width: 2, signed: false))
            return n > 0 && bytes.count % (TraceHeader.byteCount + 4 * n) == 0 ? n : nil
        }
        let order: ByteOrder
        if let byteOrder { order = byteOrder } else if fits(.bigEndian) != nil { order = .bigEndian } else { order = .littleEndian }
        guard let n = fits(order) else {
            throw SEGYError(.inconsistentSize,
                            "the first trace header's sample count (byte 115) does not divide the \(bytes.count)-byte file into whole traces",
                            path: path, byteOffset: 114)
        }
        let traceBytes = TraceHeader.byteCount + 4 * n
        let count = bytes.count / traceBytes
        var headers: [TraceHeader] = []
        var samples = [Float](repeating: 0, count: count * n)
        try samples.withUnsafeMutableBufferPointer { target in
            for t in 0..<count {
                let start = t * traceBytes
                headers.append(try TraceHeader(bytes: Array(bytes[start..<start + TraceHeader.byteCount]), byteOrder: order))
                SampleCodec.decode(.ieeeFloat32, order, from: bytes.baseAddress! + start + TraceHeader.byteCount, count: n,
                                   into: target.baseAddress! + t * n)
            }
        }
        return (headers, samples, n)
    }

    /// Writes traces as an SU file (IEEE float samples), atomically.
    public static func write(path: String, headers: [TraceHeader], samples: [Float], sampleCount: Int,
                             byteOrder: ByteOrder = .littleEndian) throws {
        guard sampleCount > 0, sampleCount <= 65_535, samples.count == headers.count * sampleCount else {
            throw SEGYError(.invalidArgument, "\(samples.count) samples do not make \(headers.count) traces of \(sampleCount) (1...65535)", path: path)
        }
        var out: [UInt8] = []
        out.reserveCapacity(headers.count * (TraceHeader.byteCount + 4 * sampleCount))
        var encoded = [UInt8](repeating: 0, count: 4 * sampleCount)
        for (t, header) in headers.enumerated() {
            var converted = header.converted(to: byteOrder)
            try converted.setValue(sampleCount, for: .sampleCount)
            out += converted.bytes
            samples.withUnsafeBufferPointer { source in
                encoded.withUnsafeMutableBytes { target in
                    SampleCodec.encode(.ieeeFloat32, byteOrder, from: source.baseAddress! + t * sampleCount, count: sampleCount, into: target.baseAddress!)
                }
            }
            out += encoded
        }
        try SEGYWriter.checkReplaceable(path)
        do {
            try Data(out).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SEGYError(.io, "cannot write: \(error.localizedDescription)", path: path)
        }
    }
}
