import Foundation

/// What a new SEG-Y file looks like: written once into its headers by ``SEGYWriter``.
public struct SEGYSpec: Sendable {
    /// Samples per trace, the same for every trace.
    public var sampleCount: Int
    /// How samples are encoded.
    public var format: SampleFormat
    /// The byte order of headers and samples.
    public var byteOrder: ByteOrder
    /// Sample interval in microseconds (time) or the depth unit's equivalent.
    public var sampleInterval: Int
    /// The 3200-byte textual header.
    public var textHeader: TextHeader
    /// Extended textual headers after the binary header (their count is written there).
    public var extendedTextHeaders: [TextHeader]
    /// Further binary header words to set (job id, sorting code, measurement system, ...).
    public var binaryHeaderValues: [HeaderField: Int]

    /// A layout of `sampleCount` samples per trace; the defaults are 4 ms IEEE floats, big-endian.
    public init(sampleCount: Int, format: SampleFormat = .ieeeFloat32, byteOrder: ByteOrder = .bigEndian,
                sampleInterval: Int = 4000, textHeader: TextHeader = TextHeader(text: "C 1 WRITTEN BY DS TOOLBOX SEGYKIT"),
                extendedTextHeaders: [TextHeader] = [], binaryHeaderValues: [HeaderField: Int] = [:]) {
        self.sampleCount = sampleCount
        self.format = format
        self.byteOrder = byteOrder
        self.sampleInterval = sampleInterval
        self.textHeader = textHeader
        self.extendedTextHeaders = extendedTextHeaders
        self.binaryHeaderValues = binaryHeaderValues
    }

    /// The binary header this spec writes: SEG-Y rev 2.0 with the byte-order constant, the
    /// 16-bit sample count (and the 32-bit one beyond 65535), and the fixed-length-trace flag.
    public func binaryHeader() throws -> BinaryHeader {
        guard sampleCount > 0, sampleCount <= Int(Int32.max) else {
            throw SEGYError(.invalidArgument, "sample count \(sampleCount) must be in 1...\(Int32.max)")
        }
        guard sampleInterval > 0, sampleInterval <= Int(Int16.max) else {
            throw SEGYError(.invalidArgument, "sample interval \(sampleInterval) must be in 1...\(Int16.max) microseconds")
        }
        var header = BinaryHeader(byteOrder: byteOrder)
        try header.setValue(Int64(sampleInterval), for: .binarySampleInterval)
        try header.setValue(Int64(sampleInterval), for: .originalSampleInterval)
        try header.setValue(Int64(min(sampleCount, 65_535)), for: .binarySampleCount)
        try header.setValue(Int64(min(sampleCount, 65_535)), for: .originalSampleCount)
        // The 32-bit count only when the 16-bit word cannot hold it: segyio 1.9 reads that word
        // without byte-swapping little-endian files.
        if sampleCount > 65_535 { try header.setValue(Int64(sampleCount), for: .extendedSampleCount) }
        try header.setValue(Int64(format.rawValue), for: .formatCode)
        try header.setValue(0x0102_0304, for: .byteOrderConstant)
        try header.setValue(0x0200, for: HeaderField(name: "revision", byteOffset: 3501, width: 2, signed: false))
        try header.setValue(1, for: .fixedLengthTraceFlag)
        try header.setValue(Int64(extendedTextHeaders.count), for: .extendedTextHeaderCount)
        for (field, value) in binaryHeaderValues { try header.setValue(Int64(value), for: field) }
        return header
    }
}

/// Writes a new SEG-Y file trace by trace, with bounded memory.
///
/// ```swift
/// let writer = try SEGYWriter(path: "out.sgy", spec: SEGYSpec(sampleCount: 500, format: .ibmFloat32))
/// var header = TraceHeader()
/// try header.setValue(10, for: .inline); try header.setValue(20, for: .crossline)
/// try writer.append(header: header, samples: samples)
/// try writer.close()
/// ```
/// The file is written to a temporary name beside `path` and renamed into place by ``close()``
/// (one atomic `rename`), so an existing file is replaced whole or not at all. A path that is a
/// directory, FIFO, device or socket is refused before anything is written.
public final class SEGYWriter {
    /// Where the file appears when ``close()`` succeeds.
    public let path: String
    /// The layout every trace follows.
    public let spec: SEGYSpec
    /// Traces written so far.
    public private(set) var traceCount = 0

    private let handle: FileHandle
    private let temporaryPath: String
    private var buffer: [UInt8] = []
    private var closed = false

    /// Starts a file: creates it under a temporary name beside `path`, headers first.
    /// - Throws: ``SEGYError`` for a spec whose binary header cannot hold its values, a path
    ///   that is not a regular file, or a file that cannot be created.
    public init(path: String, spec: SEGYSpec) throws {
        self.path = path
        self.spec = spec
        temporaryPath = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        let binary = try spec.binaryHeader()
        try Self.checkReplaceable(path)
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SEGYError(.io, "cannot create \(temporaryPath): \(String(cString: strerror(errno)))", path: path)
        }
        self.handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        buffer.reserveCapacity(1 << 20)
        buffer += spec.textHeader.bytes
        buffer += binary.bytes
        for header in spec.extendedTextHeaders { buffer += header.bytes }
    }

    deinit {
        if !closed {
            try? handle.close()
            unlink(temporaryPath)
        }
    }

    /// Appends one trace: its header (converted to the file's byte order; a zero sample count
    /// or interval is filled in) and its samples, encoded in the file's format.
    public func append(header: TraceHeader, samples: [Float]) throws {
        guard samples.count == spec.sampleCount else {
            throw SEGYError(.invalidArgument, "trace \(traceCount) has \(samples.count) samples, the file has \(spec.sampleCount)",
                            path: path, traceIndex: traceCount)
        }
        var encoded = [UInt8](repeating: 0, count: spec.sampleCount * spec.format.byteCount)
        samples.withUnsafeBufferPointer { source in
            encoded.withUnsafeMutableBytes { target in
                SampleCodec.encode(spec.format, spec.byteOrder, from: source.baseAddress!, count: samples.count, into: target.baseAddress!)
            }
        }
        try appendRaw(header: header, sampleBytes: encoded)
    }

    /// Appends one trace whose samples are already encoded in the file's format and byte order.
    /// - Parameter fillDefaults: set a zero sample count or interval in the header from the spec.
    /// - Parameter header: the trace header.
    /// - Parameter sampleBytes: the encoded samples, exactly the spec's sample count.
    public func appendRaw(header: TraceHeader, sampleBytes: [UInt8], fillDefaults: Bool = true) throws {
        guard !closed else { throw SEGYError(.invalidArgument, "the writer is closed", path: path) }
        guard sampleBytes.count == spec.sampleCount * spec.format.byteCount else {
            throw SEGYError(.invalidArgument, "trace \(traceCount) has \(sampleBytes.count) sample bytes, expected \(spec.sampleCount * spec.format.byteCount)",
                            path: path, traceIndex: traceCount)
        }
        var header = header.converted(to: spec.byteOrder)
        if fillDefaults {
            if header.sampleCount == 0 && spec.sampleCount <= 65_535 { try header.setValue(spec.sampleCount, for: .sampleCount) }
            if header.sampleInterval == 0 { try header.setValue(spec.sampleInterval, for: .sampleInterval) }
        }
        buffer += header.bytes
        buffer += sampleBytes
        traceCount += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes what is buffered and renames the file into place, replacing a file at `path`
    /// in one step.
    public func close() throws {
        guard !closed else { return }
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw SEGYError(.io, "cannot finish writing: \(error.localizedDescription)", path: path)
        }
        // Checked again: the path may have changed while the traces were written.
        try Self.checkReplaceable(path)
        guard rename(temporaryPath, path) == 0 else {
            throw SEGYError(.io, "cannot move the new file into place: \(String(cString: strerror(errno)))", path: path)
        }
        closed = true
    }

    /// Abandons the file: the temporary file is removed and nothing at `path` changes.
    public func discard() {
        guard !closed else { return }
        try? handle.close()
        unlink(temporaryPath)
        closed = true
    }

    /// Throws unless `path` is absent or a regular file (which a finished writer replaces).
    static func checkReplaceable(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let mode = info.st_mode & S_IFMT
        if mode == S_IFREG { return }
        if mode == S_IFLNK {
            // A link is replaced by the new file; what it points to is left alone.
            return
        }
        throw SEGYError(.io, "the output path is \(FileStorage.kind(info.st_mode)); refusing to replace it", path: path)
    }

    private func flush() throws {
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw SEGYError(.io, "cannot write: \(error.localizedDescription)", path: path)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

extension SEGYFile {
    /// Writes a copy of this file with another sample format and/or byte order, trace by trace.
    ///
    /// With the same format, samples are byte-swapped, never decoded, so the copy is bit-exact
    /// (IBM floats included). Headers keep every standard word.
    /// - Parameter allowLossy: let the conversion change sample values (floats rounded to
    ///   integers, values clamped to an integer range, IEEE to IBM's shorter mantissa);
    /// - Parameter path: the copy to write (replaced atomically).
    /// - Parameter newFormat: the sample format of the copy (this file's by default).
    /// - Parameter newOrder: the byte order of the copy (this file's by default).
    ///   without it such a conversion throws ``SEGYError/Code/lossyConversion`` naming the first
    ///   trace and sample, and nothing is written.
    /// - Returns: the largest absolute change of a sample (0 for a lossless conversion).
    @discardableResult
    public func convert(to path: String, format newFormat: SampleFormat? = nil, byteOrder newOrder: ByteOrder? = nil,
                        allowLossy: Bool = false) throws -> Double {
        let format = newFormat ?? self.format
        let order = newOrder ?? byteOrder
        var binaryValues: [HeaderField: Int] = [:]
        for field in HeaderField.binaryHeaderFields where field.width <= 4 && ![
            HeaderField.binarySampleInterval, .originalSampleInterval, .binarySampleCount, .originalSampleCount,
            .extendedSampleCount, .formatCode, .byteOrderConstant, .revisionMajor, .revisionMinor,
            .fixedLengthTraceFlag, .extendedTextHeaderCount, .maximumAdditionalTraceHeaders,
        ].contains(field) {
            let value = binaryHeader.word(field)
            if value != 0 { binaryValues[field] = value }
        }
        let interval = binaryHeader.word(.binarySampleInterval)
        let spec = SEGYSpec(sampleCount: sampleCount, format: format, byteOrder: order,
                            sampleInterval: interval > 0 ? interval : Int(sampleInterval()),
                            textHeader: textHeader, extendedTextHeaders: extendedTextHeaders,
                            binaryHeaderValues: binaryValues)
        let writer = try SEGYWriter(path: path, spec: spec)
        defer { writer.discard() }
        let width = format.byteCount
        var largestError = 0.0
        var encoded = [UInt8](repeating: 0, count: sampleCount * width)
        var decoded = [Float](repeating: 0, count: sampleCount)
        for index in 0..<traceCount {
            let header = try traceHeader(index)
            if format == self.format {
                var bytes = try rawSamples(index)
                if order != byteOrder && width > 1 {
                    for start in stride(from: 0, to: bytes.count, by: width) { bytes[start..<start + width].reverse() }
                }
                try writer.appendRaw(header: header, sampleBytes: bytes, fillDefaults: false)
                continue
            }
            let samples = try trace(index)
            samples.withUnsafeBufferPointer { source in
                encoded.withUnsafeMutableBytes { target in
                    SampleCodec.encode(format, order, from: source.baseAddress!, count: samples.count, into: target.baseAddress!)
                }
            }
            // Decode what was encoded and compare: any change is a loss of precision.
            encoded.withUnsafeBytes { source in
                decoded.withUnsafeMutableBufferPointer { target in
                    SampleCodec.decode(format, order, from: source.baseAddress!, count: samples.count, into: target.baseAddress!)
                }
            }
            for s in 0..<samples.count where samples[s].bitPattern != decoded[s].bitPattern && !(samples[s].isNaN && decoded[s].isNaN) {
                let error = samples[s].isFinite && decoded[s].isFinite ? abs(Double(samples[s]) - Double(decoded[s])) : .infinity
                guard allowLossy else {
                    throw SEGYError(.lossyConversion,
                                    "format \(format.rawValue) (\(format.description)) cannot hold sample \(s) of trace \(index) exactly (\(samples[s]) becomes \(decoded[s])); allow a lossy conversion to convert anyway",
                                    path: self.path, byteOffset: layout.samplesOffset(index) + s * self.format.byteCount, traceIndex: index)
                }
                largestError = max(largestError, error)
            }
            try writer.appendRaw(header: header, sampleBytes: encoded, fillDefaults: false)
        }
        try writer.close()
        return largestError
    }

    /// Rewrites the header of trace `index` in the file at `path`, in place.
    public static func updateTraceHeader(path: String, index: Int, header: TraceHeader) throws {
        let file = try SEGYFile(path: path)
        try file.checkTrace(index)
        try write(header.converted(to: file.byteOrder).bytes, at: file.layout.headerOffset(index), path: path)
    }

    /// Rewrites the binary header of the file at `path`, in place. The layout-defining words
    /// (format, sample counts, extended header count) must stay consistent with the file.
    public static func updateBinaryHeader(path: String, header: BinaryHeader) throws {
        let file = try SEGYFile(path: path)
        guard header.byteOrder == file.byteOrder, header.formatCode == file.binaryHeader.formatCode,
              header.sampleCount == file.binaryHeader.sampleCount,
              header.word(.extendedTextHeaderCount) == file.binaryHeader.word(.extendedTextHeaderCount) else {
            throw SEGYError(.invalidArgument, "a new binary header must keep the byte order, format, sample count and extended header count; use convert(to:) to change them",
                            path: path, byteOffset: BinaryHeader.fileOffset)
        }
        try write(header.bytes, at: BinaryHeader.fileOffset, path: path)
    }

    private static func write(_ bytes: [UInt8], at offset: Int, path: String) throws {
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw SEGYError(.io, "cannot open for update", path: path)
        }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: bytes)
        } catch {
            throw SEGYError(.io, "cannot update: \(error.localizedDescription)", path: path, byteOffset: offset)
        }
    }
}
