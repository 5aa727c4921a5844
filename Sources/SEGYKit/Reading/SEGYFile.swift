import Foundation

/// An open SEG-Y file: headers, traces and geometry, read lazily from a memory map.
///
/// ```swift
/// let file = try SEGYFile(path: "survey.sgy")
/// print(file.traceCount, file.sampleCount, file.format)
/// let first = try file.trace(0)                       // [Float]
/// let inlines = try file.headerValues(.inline)        // one per trace
/// let geometry = try file.geometry()                  // inline/crossline/offset layout
/// let slice = try file.inline(geometry.inlines[0])    // crosslines x samples
/// ```
///
/// Byte order is taken from the rev 2 byte-order constant, or detected from which order makes
/// the format code valid, or given. The file is mapped read-only: opening is cheap and memory
/// use does not grow with the file.
public final class SEGYFile: @unchecked Sendable {
    /// The file path, when opened from a file.
    public let path: String?
    /// The textual file header.
    public let textHeader: TextHeader
    /// The extended textual headers, in order.
    public let extendedTextHeaders: [TextHeader]
    /// The binary file header.
    public let binaryHeader: BinaryHeader
    /// Where headers and traces are.
    public let layout: SEGYLayout

    let storage: FileStorage

    /// How much checking opening does.
    public enum Validation: Sendable, Hashable {
        /// What segyio checks: the headers and the file size agree.
        case standard
        /// Also: no trace header gives a non-zero sample count other than the binary header's
        /// (a sign of variable-length traces that fixed-length reading would misread).
        case strict
    }

    /// Opens a file by path.
    /// - Parameters:
    ///   - byteOrder: force an order instead of detecting it.
    ///   - format: force a sample format instead of the binary header's.
    ///   - validation: `.strict` also checks every trace header's sample count.
    /// - Parameter path: the SEG-Y file.
    /// - Throws: ``SEGYError`` naming the problem and its byte offset.
    public convenience init(path: String, byteOrder: ByteOrder? = nil, format: SampleFormat? = nil,
                            validation: Validation = .standard) throws {
        try self.init(storage: FileStorage(path: path), path: path, byteOrder: byteOrder, format: format, validation: validation)
    }

    /// Opens a SEG-Y image held in memory.
    public convenience init(bytes: [UInt8], byteOrder: ByteOrder? = nil, format: SampleFormat? = nil,
                            validation: Validation = .standard) throws {
        try self.init(storage: FileStorage(copying: bytes), path: nil, byteOrder: byteOrder, format: format, validation: validation)
    }

    init(storage: FileStorage, path: String?, byteOrder: ByteOrder?, format: SampleFormat?, validation: Validation) throws {
        self.storage = storage
        self.path = path
        let (layout, binary, extended) = try LayoutReader.read(storage.bytes, path: path, byteOrder: byteOrder, format: format)
        self.layout = layout
        self.binaryHeader = binary
        self.extendedTextHeaders = extended
        self.textHeader = TextHeader(bytes: Array(storage.bytes[0..<3200]))
        if validation == .strict && layout.traceCount > 0 {
            let counts = try headerValues(.sampleCount)
            if let bad = counts.firstIndex(where: { $0 != 0 && $0 != layout.sampleCount }) {
                throw SEGYError(.invalidHeader,
                                "trace \(bad) gives \(counts[bad]) samples but the binary header gives \(layout.sampleCount): traces may not all have one length",
                                path: path, byteOffset: layout.headerOffset(bad) + 114, traceIndex: bad)
            }
        }
    }

    /// The byte order of headers and samples.
    public var byteOrder: ByteOrder { layout.byteOrder }
    /// How samples are encoded.
    public var format: SampleFormat { layout.format }
    /// The number of traces.
    public var traceCount: Int { layout.traceCount }
    /// Samples per trace.
    public var sampleCount: Int { layout.sampleCount }
    /// The file size in bytes.
    public var byteCount: Int { storage.bytes.count }

    /// The sample interval in microseconds, as segyio infers it: the binary and first trace
    /// header intervals when they agree, the one that is positive when the other is not,
    /// otherwise `fallback`.
    public func sampleInterval(fallback: Double = 4000) -> Double {
        let binary = binaryHeader.word(.binarySampleInterval)
        let trace = traceCount > 0 ? headerWord(0, .sampleInterval) : 0
        if binary > 0 && trace > 0 { return binary == trace ? Double(binary) : fallback }
        if binary > 0 { return Double(binary) }
        if trace > 0 { return Double(trace) }
        return fallback
    }

    /// The time (or depth) of each sample in milliseconds: the first trace's delay recording
    /// time, scaled by its time scalar (byte 215), plus multiples of the sample interval.
    public func sampleAxis(fallbackInterval: Double = 4000) -> [Double] {
        let dt = sampleInterval(fallback: fallbackInterval) / 1000
        var t0 = 0.0
        if traceCount > 0 {
            let scalar = Double(headerWord(0, .timeScalar))
            let factor = scalar == 0 ? 1 : abs(scalar < 0 ? 1 / scalar : scalar)
            t0 = Double(headerWord(0, .delayRecordingTime)) * factor
        }
        return (0..<sampleCount).map { Double($0) * dt + t0 }
    }

    // MARK: Headers

    /// The header of trace `index`.
    public func traceHeader(_ index: Int) throws -> TraceHeader {
        try checkTrace(index)
        let start = layout.headerOffset(index)
        return try TraceHeader(bytes: Array(storage.bytes[start..<start + TraceHeader.byteCount]), byteOrder: byteOrder)
    }

    /// The additional (rev 2 extension) trace headers of trace `index`, 240 bytes each.
    public func additionalTraceHeaders(_ index: Int) throws -> [TraceHeader] {
        try checkTrace(index)
        return try (0..<layout.additionalTraceHeaders).map { k in
            let start = layout.headerOffset(index) + TraceHeader.byteCount * (k + 1)
            return try TraceHeader(bytes: Array(storage.bytes[start..<start + TraceHeader.byteCount]), byteOrder: byteOrder)
        }
    }

    /// One header word for a range of traces (all by default), read straight from the file.
    /// - Complexity: O(traces); touches one word per trace.
    public func headerValues(_ field: HeaderField, traces: Range<Int>? = nil) throws -> [Int] {
        let range = traces ?? 0..<traceCount
        guard range.lowerBound >= 0, range.upperBound <= traceCount else {
            throw SEGYError(.invalidArgument, "traces \(range) are outside 0..<\(traceCount)", path: path)
        }
        guard field.byteOffset >= 1, field.byteOffset - 1 + field.width <= layout.traceHeaderBytes, [1, 2, 4, 8].contains(field.width) else {
            throw SEGYError(.invalidArgument, "no \(field.width)-byte word at trace header byte \(field.byteOffset)", path: path)
        }
        let base = storage.bytes.baseAddress! + layout.headerOffset(range.lowerBound) + field.byteOffset - 1
        let stride = layout.traceBytes
        let big = byteOrder == .bigEndian
        // One specialised loop per word shape: this is the hot path of geometry inference and header scans.
        func scan<T: FixedWidthInteger>(_ type: T.Type) -> [Int] {
            [Int](unsafeUninitializedCapacity: range.count) { buffer, initialized in
                for k in 0..<range.count {
                    let raw = base.loadUnaligned(fromByteOffset: k * stride, as: T.self)
                    buffer[k] = Int(truncatingIfNeeded: big ? T(bigEndian: raw) : T(littleEndian: raw))
                }
                initialized = range.count
            }
        }
        switch (field.width, field.signed) {
        case (1, true): return scan(Int8.self)
        case (1, false): return scan(UInt8.self)
        case (2, true): return scan(Int16.self)
        case (2, false): return scan(UInt16.self)
        case (4, true): return scan(Int32.self)
        case (4, false): return scan(UInt32.self)
        default: return scan(Int64.self)
        }
    }

    func headerWord(_ index: Int, _ field: HeaderField) -> Int {
        Int(ByteReader(storage.bytes.baseAddress!, byteOrder).field(at: layout.headerOffset(index) + field.byteOffset - 1,
                                                                    width: field.width, signed: field.signed))
    }

    // MARK: Samples

    /// The samples of trace `index` as Float.
    /// - Complexity: O(samples).
    public func trace(_ index: Int) throws -> [Float] {
        try checkTrace(index)
        return [Float](unsafeUninitializedCapacity: sampleCount) { buffer, initialized in
            decode(index, into: buffer.baseAddress!)
            initialized = sampleCount
        }
    }

    /// The samples of trace `index` as their stored integers (for integer formats), widened to Int64.
    /// - Throws: ``SEGYError/Code/unsupportedFormat`` for floating-point formats.
    public func integerTrace(_ index: Int) throws -> [Int64] {
        try checkTrace(index)
        let reader = ByteReader(storage.bytes.baseAddress!, byteOrder)
        let base = layout.samplesOffset(index)
        let (width, signed): (Int, Bool)
        switch format {
        case .int8: (width, signed) = (1, true)
        case .uint8: (width, signed) = (1, false)
        case .int16: (width, signed) = (2, true)
        case .uint16: (width, signed) = (2, false)
        case .int32: (width, signed) = (4, true)
        case .uint32: (width, signed) = (4, false)
        case .int64, .uint64: (width, signed) = (8, true)
        case .int24, .uint24:
            var values = [Float](repeating: 0, count: sampleCount)
            decode(index, into: &values)
            return values.map { Int64($0) }
        default:
            throw SEGYError(.unsupportedFormat, "\(format) samples are not integers", path: path)
        }
        return (0..<sampleCount).map { reader.field(at: base + $0 * width, width: width, signed: signed) }
    }

    /// The samples of `traces` (all by default), row after row: element `(t, s)` at
    /// `t * sampleCount + s`. Decoded on all cores.
    public func traces(_ traces: Range<Int>? = nil) throws -> [Float] {
        let range = traces ?? 0..<traceCount
        guard range.lowerBound >= 0, range.upperBound <= traceCount else {
            throw SEGYError(.invalidArgument, "traces \(range) are outside 0..<\(traceCount)", path: path)
        }
        let n = sampleCount
        storage.willRead(offset: layout.headerOffset(range.lowerBound), count: range.count * layout.traceBytes)
        return [Float](unsafeUninitializedCapacity: range.count * n) { buffer, initialized in
            nonisolated(unsafe) let target = buffer.baseAddress
            let chunk = max(1, (1 << 20) / max(layout.traceBytes, 1))
            let chunks = (range.count + chunk - 1) / chunk
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let start = c * chunk
                for t in start..<min(start + chunk, range.count) {
                    decode(range.lowerBound + t, into: target! + t * n)
                }
            }
            initialized = range.count * n
        }
    }

    /// Calls `body` with each trace's index, header and samples in file order, holding one
    /// trace in memory at a time: a file larger than memory streams through.
    public func forEachTrace(_ body: (Int, TraceHeader, [Float]) throws -> Void) throws {
        var samples = [Float](repeating: 0, count: sampleCount)
        for index in 0..<traceCount {
            samples.withUnsafeMutableBufferPointer { decode(index, into: $0.baseAddress!) }
            try body(index, try traceHeader(index), samples)
        }
    }

    func decode(_ index: Int, into target: UnsafeMutablePointer<Float>) {
        SampleCodec.decode(format, byteOrder, from: storage.bytes.baseAddress! + layout.samplesOffset(index),
                           count: sampleCount, into: target)
    }

    /// The raw bytes of trace `index`'s samples, as stored.
    public func rawSamples(_ index: Int) throws -> [UInt8] {
        try checkTrace(index)
        let start = layout.samplesOffset(index)
        return Array(storage.bytes[start..<start + layout.sampleBytes])
    }

    func checkTrace(_ index: Int) throws {
        guard index >= 0 && index < traceCount else {
            throw SEGYError(.invalidArgument, "trace \(index) is outside 0..<\(traceCount)", path: path, traceIndex: index)
        }
    }
}

