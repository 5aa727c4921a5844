import Foundation

/// Lines, slices, gathers and cubes of a regular survey. Each returns row-major Float data.
extension SEGYFile {
    /// One inline: `crosslines.count` rows of `sampleCount` samples, at one offset.
    /// - Complexity: O(crosslines × samples), decoded on all cores when large.
    public func inline(_ number: Int, offset: Int? = nil, geometry: SEGYGeometry? = nil) throws -> [Float] {
        let g = try geometry ?? self.geometry()
        guard let i = g.inlinePosition[number] else {
            throw SEGYError(.invalidArgument, "inline \(number) is not in the survey (\(g.inlines.first ?? 0)...\(g.inlines.last ?? 0))", path: path)
        }
        let o = try offsetPosition(g, offset)
        return try gatherTraces(g.crosslines.indices.map { g.traceIndex(inlinePosition: i, crosslinePosition: $0, offsetPosition: o) }, checking: g)
    }

    /// One crossline: `inlines.count` rows of `sampleCount` samples, at one offset.
    /// - Complexity: O(inlines × samples), decoded on all cores when large.
    public func crossline(_ number: Int, offset: Int? = nil, geometry: SEGYGeometry? = nil) throws -> [Float] {
        let g = try geometry ?? self.geometry()
        guard let x = g.crosslinePosition[number] else {
            throw SEGYError(.invalidArgument, "crossline \(number) is not in the survey", path: path)
        }
        let o = try offsetPosition(g, offset)
        return try gatherTraces(g.inlines.indices.map { g.traceIndex(inlinePosition: $0, crosslinePosition: x, offsetPosition: o) }, checking: g)
    }

    private func offsetPosition(_ g: SEGYGeometry, _ offset: Int?) throws -> Int {
        guard let offset else { return 0 }
        guard let position = g.offsetPosition[offset] else {
            throw SEGYError(.invalidArgument, "offset \(offset) is not in the survey", path: path)
        }
        return position
    }

    /// A time or depth slice at `sampleIndex`: `inlines.count` rows of `crosslines.count` values.
    /// - Complexity: one sample read per trace, no per-trace lookups.
    public func depthSlice(_ sampleIndex: Int, offset: Int? = nil, geometry: SEGYGeometry? = nil) throws -> [Float] {
        let g = try geometry ?? self.geometry()
        guard sampleIndex >= 0 && sampleIndex < sampleCount else {
            throw SEGYError(.invalidArgument, "sample \(sampleIndex) is outside 0..<\(sampleCount)", path: path)
        }
        let o = try offsetPosition(g, offset)
        let (ni, nx) = (g.inlines.count, g.crosslines.count)
        let base = storage.bytes.baseAddress! + layout.samplesOffset(0) + sampleIndex * format.byteCount
        let stride = layout.traceBytes
        return [Float](unsafeUninitializedCapacity: ni * nx) { buffer, initialized in
            for i in 0..<ni {
                for x in 0..<nx {
                    let t = g.traceIndex(inlinePosition: i, crosslinePosition: x, offsetPosition: o)
                    SampleCodec.decode(format, byteOrder, from: base + t * stride, count: 1, into: buffer.baseAddress! + i * nx + x)
                }
            }
            initialized = ni * nx
        }
    }

    /// All offsets at one (inline, crossline): `offsets.count` rows of `sampleCount` samples.
    public func gather(inline: Int, crossline: Int, geometry: SEGYGeometry? = nil) throws -> [Float] {
        let g = try geometry ?? self.geometry()
        return try gatherTraces(g.offsets.map { try index(g, inline: inline, crossline: crossline, offset: $0) }, checking: g)
    }

    /// The whole survey as `[inline][crossline][offset][sample]`, row-major.
    public func cube(geometry: SEGYGeometry? = nil) throws -> [Float] {
        let g = try geometry ?? self.geometry()
        var order: [Int] = []
        order.reserveCapacity(traceCount)
        for i in g.inlines.indices {
            for x in g.crosslines.indices {
                for o in g.offsets.indices { order.append(g.traceIndex(inlinePosition: i, crosslinePosition: x, offsetPosition: o)) }
            }
        }
        if g.sorting == .inline { return try traces() }
        return try gatherTraces(order)
    }

    private func index(_ g: SEGYGeometry, inline: Int, crossline: Int, offset: Int?) throws -> Int {
        guard let t = g.traceIndex(inline: inline, crossline: crossline, offset: offset ?? g.offsets[0]) else {
            throw SEGYError(.invalidArgument, "no trace at inline \(inline), crossline \(crossline), offset \(offset ?? g.offsets[0])", path: path)
        }
        return t
    }

    /// Decodes the traces at `indices` into consecutive rows; larger requests are split over
    /// the cores (decoding, not I/O, is the cost of a line read from a mapped file).
    /// - Parameter geometry: a geometry inferred from a sample of traces, whose pattern the
    ///   headers of these traces are checked against (the lazy half of sampled verification).
    func gatherTraces(_ indices: [Int], checking geometry: SEGYGeometry? = nil) throws -> [Float] {
        if let geometry, !geometry.isFullyVerified {
            for t in indices {
                let (il, xl, off) = geometry.expected(t)
                let fields = geometry.fields
                let found = (headerWord(t, fields.inline), headerWord(t, fields.crossline), headerWord(t, fields.offset))
                guard found == (il, xl, off) else {
                    throw SEGYError(.noGeometry,
                                    "trace \(t) has inline \(found.0), crossline \(found.1), offset \(found.2), but the geometry inferred from a sample of traces puts inline \(il), crossline \(xl), offset \(off) there; the survey is irregular (see geometryReport())",
                                    path: path, byteOffset: layout.headerOffset(t) + fields.inline.byteOffset - 1, traceIndex: t)
                }
            }
        }
        let n = sampleCount
        return [Float](unsafeUninitializedCapacity: indices.count * n) { buffer, initialized in
            nonisolated(unsafe) let target = buffer.baseAddress
            let bytes = indices.count * layout.sampleBytes
            let parts = bytes >= 1 << 18 ? min(ProcessInfo.processInfo.activeProcessorCount, 8) : 1
            let chunk = (indices.count + parts - 1) / max(parts, 1)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for row in (part * chunk)..<min((part + 1) * chunk, indices.count) {
                    decode(indices[row], into: target! + row * n)
                }
            }
            initialized = indices.count * n
        }
    }
}
