/// Lines, slices, gathers and cubes of a regular survey. Each returns row-major Float data.
extension SEGYFile {
    /// One inline: `crosslines.count` rows of `sampleCount` samples, at one offset.
    public func inline(_ number: Int, offset: Int? = nil, geometry: SEGYGeometry? = nil) throws -> [Float] {
        let g = try geometry ?? self.geometry()
        guard g.inlinePosition[number] != nil else {
            throw SEGYError(.invalidArgument, "inline \(number) is not in the survey (\(g.inlines.first ?? 0)...\(g.inlines.last ?? 0))", path: path)
        }
        return try gatherTraces(g.crosslines.map { try index(g, inline: number, crossline: $0, offset: offset) })
    }

    /// One crossline: `inlines.count` rows of `sampleCount` samples, at one offset.
    public func crossline(_ number: Int, offset: Int? = nil, geometry: SEGYGeometry? = nil) throws -> [Float] {
        let g = try geometry ?? self.geometry()
        guard g.crosslinePosition[number] != nil else {
            throw SEGYError(.invalidArgument, "crossline \(number) is not in the survey", path: path)
        }
        return try gatherTraces(g.inlines.map { try index(g, inline: $0, crossline: number, offset: offset) })
    }

    /// A time or depth slice at `sampleIndex`: `inlines.count` rows of `crosslines.count` values.
    /// - Complexity: one sample read per trace, no per-trace lookups.
    public func depthSlice(_ sampleIndex: Int, offset: Int? = nil, geometry: SEGYGeometry? = nil) throws -> [Float] {
        let g = try geometry ?? self.geometry()
        guard sampleIndex >= 0 && sampleIndex < sampleCount else {
            throw SEGYError(.invalidArgument, "sample \(sampleIndex) is outside 0..<\(sampleCount)", path: path)
        }
        let o: Int
        if let offset {
            guard let position = g.offsetPosition[offset] else {
                throw SEGYError(.invalidArgument, "offset \(offset) is not in the survey", path: path)
            }
            o = position
        } else {
            o = 0
        }
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
        return try gatherTraces(g.offsets.map { try index(g, inline: inline, crossline: crossline, offset: $0) })
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

    func gatherTraces(_ indices: [Int]) throws -> [Float] {
        let n = sampleCount
        return [Float](unsafeUninitializedCapacity: indices.count * n) { buffer, initialized in
            for (row, t) in indices.enumerated() { decode(t, into: buffer.baseAddress! + row * n) }
            initialized = indices.count * n
        }
    }
}
