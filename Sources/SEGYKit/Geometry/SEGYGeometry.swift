/// A regular post- or pre-stack survey: every (inline, crossline, offset) present exactly once,
/// traces in one of the two standard orders.
public struct SEGYGeometry: Sendable, Hashable {
    /// Which line number changes slowest through the file (segyio's codes).
    public enum Sorting: Int, Sendable, Hashable, Codable {
        /// Crossline-sorted: the inline number changes fastest.
        case crossline = 1
        /// Inline-sorted: the crossline number changes fastest.
        case inline = 2
    }

    /// Which line number changes fastest in file order.
    public let sorting: Sorting
    /// Inline numbers in file order (increasing or decreasing).
    public let inlines: [Int]
    /// Crossline numbers in file order.
    public let crosslines: [Int]
    /// Offsets in file order (one, `[offset]`, for post-stack data).
    public let offsets: [Int]

    /// Whether every trace's header words were checked against the pattern
    /// (``GeometryVerification/full``); otherwise a sample was, and line reads check the traces
    /// they read.
    public let isFullyVerified: Bool
    /// The header words the geometry was read from.
    let fields: HeaderFields

    struct HeaderFields: Sendable, Hashable {
        var inline: HeaderField, crossline: HeaderField, offset: HeaderField
    }

    let inlinePosition: [Int: Int]
    let crosslinePosition: [Int: Int]
    let offsetPosition: [Int: Int]

    init(sorting: Sorting, inlines: [Int], crosslines: [Int], offsets: [Int], fields: HeaderFields, isFullyVerified: Bool) {
        self.sorting = sorting
        self.inlines = inlines
        self.crosslines = crosslines
        self.offsets = offsets
        self.fields = fields
        self.isFullyVerified = isFullyVerified
        inlinePosition = Dictionary(uniqueKeysWithValues: inlines.enumerated().map { ($1, $0) })
        crosslinePosition = Dictionary(uniqueKeysWithValues: crosslines.enumerated().map { ($1, $0) })
        offsetPosition = Dictionary(uniqueKeysWithValues: offsets.enumerated().map { ($1, $0) })
    }

    /// The trace index of (inline, crossline, offset), or `nil` when a number is not in the survey.
    public func traceIndex(inline: Int, crossline: Int, offset: Int? = nil) -> Int? {
        guard let i = inlinePosition[inline], let x = crosslinePosition[crossline] else { return nil }
        let o: Int
        if let offset {
            guard let position = offsetPosition[offset] else { return nil }
            o = position
        } else {
            o = 0
        }
        return traceIndex(inlinePosition: i, crosslinePosition: x, offsetPosition: o)
    }

    /// Two geometries are equal when they lay out the same lines in the same order, however
    /// they were read.
    public static func == (lhs: SEGYGeometry, rhs: SEGYGeometry) -> Bool {
        lhs.sorting == rhs.sorting && lhs.inlines == rhs.inlines && lhs.crosslines == rhs.crosslines && lhs.offsets == rhs.offsets
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(sorting)
        hasher.combine(inlines)
        hasher.combine(crosslines)
        hasher.combine(offsets)
    }

    /// The (inline, crossline, offset) numbers trace `t` must carry.
    func expected(_ t: Int) -> (Int, Int, Int) {
        let gather = offsets.count
        let fastCount = sorting == .inline ? crosslines.count : inlines.count
        let o = t % gather, fast = (t / gather) % fastCount, line = t / (fastCount * gather)
        let (i, x) = sorting == .inline ? (line, fast) : (fast, line)
        return (inlines[i], crosslines[x], offsets[o])
    }

    func traceIndex(inlinePosition i: Int, crosslinePosition x: Int, offsetPosition o: Int) -> Int {
        switch sorting {
        case .inline: (i * crosslines.count + x) * offsets.count + o
        case .crossline: (x * inlines.count + i) * offsets.count + o
        }
    }
}

/// Why a file has no regular geometry, and what is there instead.
public struct GeometryReport: Sendable, Hashable {
    /// A sentence saying what was found and why it is not regular.
    public let reason: String
    /// The trace indices at each (inline, crossline), in file order.
    public let traceIndices: [LinePosition: [Int]]
    /// Distinct inline numbers, sorted.
    public let inlines: [Int]
    /// Distinct crossline numbers, sorted.
    public let crosslines: [Int]
    /// Distinct offsets, sorted.
    public let offsets: [Int]

    /// An (inline, crossline) pair.
    public struct LinePosition: Sendable, Hashable {
        /// The inline number.
        public let inline: Int
        /// The crossline number.
        public let crossline: Int
    }
}

/// How much of a file ``SEGYFile/geometry(inline:crossline:offset:verification:)`` reads.
public enum GeometryVerification: Sendable, Hashable {
    /// As segyio: the first line's headers, one header per line, and a spread of sample traces
    /// (the last included); line reads then check the headers of the traces they read. Any
    /// mismatch in the sample falls back to the full check, so irregular surveys are still found.
    case sampled
    /// Every trace's header words checked against the pattern before the geometry is returned.
    case full
}

extension SEGYFile {
    /// The survey geometry from header words (inline 189, crossline 193, offset 37 by default).
    ///
    /// - Parameter verification: `.sampled` (the default) reads a few hundred headers, as segyio
    ///   does, so opening a large survey costs about as much as a small one; `.full` checks every trace.
    /// - Parameter inline: the header word holding the inline number.
    /// - Parameter crossline: the header word holding the crossline number.
    /// - Parameter offset: the header word holding the offset.
    /// - Throws: ``SEGYError/Code/noGeometry`` with the reason when the traces do not form a
    ///   regular survey; ``geometryReport(inline:crossline:offset:)`` then still gives a
    ///   sparse (inline, crossline) → trace index.
    /// - Complexity: `.sampled`: O(traces in one line + lines + 64) header reads; `.full`: O(traces).
    public func geometry(inline: HeaderField = .inline, crossline: HeaderField = .crossline,
                         offset: HeaderField = .offset, verification: GeometryVerification = .sampled) throws -> SEGYGeometry {
        try Self.checkGeometryFields(inline, crossline, offset, headerBytes: layout.traceHeaderBytes, path: path)
        if verification == .sampled, let geometry = sampledGeometry(inline: inline, crossline: crossline, offset: offset) {
            return geometry
        }
        switch try inferGeometry(inline: inline, crossline: crossline, offset: offset) {
        case .regular(let geometry): return geometry
        case .irregular(let reason):
            throw SEGYError(.noGeometry, reason, path: path)
        }
    }

    static func checkGeometryFields(_ fields: HeaderField..., headerBytes: Int, path: String?) throws {
        for field in fields where !(field.byteOffset >= 1 && field.byteOffset - 1 + field.width <= headerBytes && [1, 2, 4, 8].contains(field.width)) {
            throw SEGYError(.invalidArgument, "no \(field.width)-byte word at trace header byte \(field.byteOffset)", path: path)
        }
    }

    /// The geometry from a sample of headers, or `nil` when the sample does not show a regular
    /// survey (the full inference then says why).
    func sampledGeometry(inline: HeaderField, crossline: HeaderField, offset: HeaderField) -> SEGYGeometry? {
        let n = traceCount
        guard n > 0 else { return nil }
        // The first line is read through the mapping (consecutive headers, few page faults);
        // the scattered words (one per line, the sample) with pread (see FileStorage.copy).
        func il(_ t: Int) -> Int { headerWord(t, inline) }
        func xl(_ t: Int) -> Int { headerWord(t, crossline) }
        func off(_ t: Int) -> Int { headerWord(t, offset) }
        let headerBytes = max(inline.byteOffset + inline.width, crossline.byteOffset + crossline.width, offset.byteOffset + offset.width) - 1
        var header = [UInt8](repeating: 0, count: headerBytes)
        func scattered(_ t: Int) -> (Int, Int, Int) {
            header.withUnsafeMutableBytes { buffer in
                storage.copy(into: buffer.baseAddress!, count: headerBytes, at: layout.headerOffset(t))
                let reader = ByteReader(UnsafeRawPointer(buffer.baseAddress!), byteOrder)
                func word(_ field: HeaderField) -> Int { Int(reader.field(at: field.byteOffset - 1, width: field.width, signed: field.signed)) }
                return (word(inline), word(crossline), word(offset))
            }
        }
        let (il0, xl0) = (il(0), xl(0))
        // Offsets per gather beyond 65,536 are not a survey: leave such files to the full check.
        let gatherLimit = 65_536
        var gather = 1
        while gather < n && gather <= gatherLimit && il(gather) == il0 && xl(gather) == xl0 { gather += 1 }
        guard gather <= gatherLimit else { return nil }
        let sorting: SEGYGeometry.Sorting
        if n <= gather || il0 != il(gather) && xl0 == xl(gather) {
            sorting = .crossline
        } else if il0 == il(gather) && xl0 != xl(gather) {
            sorting = .inline
        } else {
            return nil
        }
        let slow: (Int) -> Int = sorting == .inline ? il : xl
        let fast: (Int) -> Int = sorting == .inline ? xl : il
        let slow0 = slow(0)
        var fastLines = [fast(0)]
        while fastLines.count * gather < n && slow(fastLines.count * gather) == slow0 { fastLines.append(fast(fastLines.count * gather)) }
        let fastCount = fastLines.count
        let lineTraces = fastCount * gather
        guard n % lineTraces == 0 else { return nil }
        let slowCount = n / lineTraces
        let offsets = (0..<gather).map(off)
        let slowLines = (0..<slowCount).map { k -> Int in
            let (i, x, _) = scattered(k * lineTraces)
            return sorting == .inline ? i : x
        }
        let (inlines, crosslines) = sorting == .inline ? (slowLines, fastLines) : (fastLines, slowLines)
        guard Set(inlines).count == inlines.count, Set(crosslines).count == crosslines.count, Set(offsets).count == offsets.count else {
            return nil
        }
        let geometry = SEGYGeometry(sorting: sorting, inlines: inlines, crosslines: crosslines, offsets: offsets,
                                    fields: .init(inline: inline, crossline: crossline, offset: offset), isFullyVerified: false)
        // A spread of traces, the last included, must carry the numbers their positions imply.
        let samples = 64
        for k in 0...samples {
            let t = k == samples ? n - 1 : k * (n - 1) / samples
            guard geometry.expected(t) == scattered(t) else { return nil }
        }
        return geometry
    }

    /// The sparse index and the reason when the survey is irregular; `nil` when it is regular.
    public func geometryReport(inline: HeaderField = .inline, crossline: HeaderField = .crossline,
                               offset: HeaderField = .offset) throws -> GeometryReport? {
        guard case .irregular(let reason) = try inferGeometry(inline: inline, crossline: crossline, offset: offset) else { return nil }
        let il = try headerValues(inline), xl = try headerValues(crossline), off = try headerValues(offset)
        var index: [GeometryReport.LinePosition: [Int]] = [:]
        for t in 0..<traceCount { index[GeometryReport.LinePosition(inline: il[t], crossline: xl[t]), default: []].append(t) }
        return GeometryReport(reason: reason, traceIndices: index, inlines: Set(il).sorted(), crosslines: Set(xl).sorted(),
                              offsets: Set(off).sorted())
    }

    func inferGeometry(inline: HeaderField, crossline: HeaderField, offset: HeaderField) throws -> GeometryInference {
        let il = try headerValues(inline), xl = try headerValues(crossline), off = try headerValues(offset)
        // The reason only: geometryReport() builds the sparse index when it is asked for.
        func irregular(_ reason: String) -> GeometryInference { .irregular(reason) }
        guard traceCount > 0 else { return irregular("the file has no traces") }
        // The gather: leading traces sharing trace 0's inline and crossline.
        var gather = 1
        while gather < traceCount && il[gather] == il[0] && xl[gather] == xl[0] { gather += 1 }
        let sorting: SEGYGeometry.Sorting
        if traceCount <= gather || il[0] != il[gather] && xl[0] == xl[gather] {
            sorting = .crossline
        } else if il[0] == il[gather] && xl[0] != xl[gather] {
            sorting = .inline
        } else {
            return irregular("traces 0 and \(gather) differ in both inline and crossline, so neither line number changes slowest")
        }
        // Lines along the fast axis: gathers until the slow line number changes.
        let slow = sorting == .inline ? il : xl
        var fastCount = 1
        while fastCount * gather < traceCount && slow[fastCount * gather] == slow[0] { fastCount += 1 }
        let lineTraces = fastCount * gather
        guard traceCount % lineTraces == 0 else {
            return irregular("\(traceCount) traces are not a whole number of lines of \(fastCount) x \(gather) traces (header words \(inline.byteOffset), \(crossline.byteOffset), \(offset.byteOffset))")
        }
        let slowCount = traceCount / lineTraces
        let offsets = Array(off[0..<gather])
        let fastLines = (0..<fastCount).map { (sorting == .inline ? xl : il)[$0 * gather] }
        let slowLines = (0..<slowCount).map { slow[$0 * lineTraces] }
        let (inlines, crosslines) = sorting == .inline ? (slowLines, fastLines) : (fastLines, slowLines)
        guard Set(inlines).count == inlines.count, Set(crosslines).count == crosslines.count, Set(offsets).count == offsets.count else {
            return irregular("line or offset numbers repeat: \(Set(il).count) distinct inlines, \(Set(xl).count) crosslines, \(Set(off).count) offsets over \(traceCount) traces")
        }
        // Every trace must carry the numbers its position implies.
        for t in 0..<traceCount {
            let o = t % gather, fast = (t / gather) % fastCount, line = t / lineTraces
            let (i, x) = sorting == .inline ? (line, fast) : (fast, line)
            if il[t] != inlines[i] || xl[t] != crosslines[x] || off[t] != offsets[o] {
                return irregular("trace \(t) (inline \(il[t]), crossline \(xl[t]), offset \(off[t])) breaks the \(sorting == .inline ? "inline" : "crossline")-sorted pattern of \(inlines.count) inlines x \(crosslines.count) crosslines x \(offsets.count) offsets")
            }
        }
        let geometry = SEGYGeometry(sorting: sorting, inlines: inlines, crosslines: crosslines, offsets: offsets,
                                    fields: .init(inline: inline, crossline: crossline, offset: offset), isFullyVerified: true)
        return .regular(geometry)
    }
}

enum GeometryInference {
    case regular(SEGYGeometry)
    case irregular(String)
}
