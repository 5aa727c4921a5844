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

    public let sorting: Sorting
    /// Inline numbers in file order (increasing or decreasing).
    public let inlines: [Int]
    /// Crossline numbers in file order.
    public let crosslines: [Int]
    /// Offsets in file order (one, `[offset]`, for post-stack data).
    public let offsets: [Int]

    let inlinePosition: [Int: Int]
    let crosslinePosition: [Int: Int]
    let offsetPosition: [Int: Int]

    init(sorting: Sorting, inlines: [Int], crosslines: [Int], offsets: [Int]) {
        self.sorting = sorting
        self.inlines = inlines
        self.crosslines = crosslines
        self.offsets = offsets
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
    /// Distinct inline, crossline and offset numbers, sorted.
    public let inlines: [Int]
    public let crosslines: [Int]
    public let offsets: [Int]

    /// An (inline, crossline) pair.
    public struct LinePosition: Sendable, Hashable {
        public let inline: Int
        public let crossline: Int
    }
}

extension SEGYFile {
    /// The survey geometry from header words (inline 189, crossline 193, offset 37 by default).
    ///
    /// - Throws: ``SEGYError/Code/noGeometry`` with the reason when the traces do not form a
    ///   regular survey; ``geometryReport(inline:crossline:offset:)`` then still gives a
    ///   sparse (inline, crossline) → trace index.
    public func geometry(inline: HeaderField = .inline, crossline: HeaderField = .crossline,
                         offset: HeaderField = .offset) throws -> SEGYGeometry {
        switch try inferGeometry(inline: inline, crossline: crossline, offset: offset) {
        case .regular(let geometry): return geometry
        case .irregular(let report):
            throw SEGYError(.noGeometry, report.reason, path: path)
        }
    }

    /// The sparse index and the reason when the survey is irregular; `nil` when it is regular.
    public func geometryReport(inline: HeaderField = .inline, crossline: HeaderField = .crossline,
                               offset: HeaderField = .offset) throws -> GeometryReport? {
        if case .irregular(let report) = try inferGeometry(inline: inline, crossline: crossline, offset: offset) { return report }
        return nil
    }

    func inferGeometry(inline: HeaderField, crossline: HeaderField, offset: HeaderField) throws -> GeometryInference {
        let il = try headerValues(inline), xl = try headerValues(crossline), off = try headerValues(offset)
        func irregular(_ reason: String) -> GeometryInference {
            var index: [GeometryReport.LinePosition: [Int]] = [:]
            for t in 0..<traceCount { index[GeometryReport.LinePosition(inline: il[t], crossline: xl[t]), default: []].append(t) }
            return .irregular(GeometryReport(reason: reason, traceIndices: index, inlines: Set(il).sorted(),
                                           crosslines: Set(xl).sorted(), offsets: Set(off).sorted()))
        }
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
        let geometry = SEGYGeometry(sorting: sorting, inlines: inlines, crosslines: crosslines, offsets: offsets)
        return .regular(geometry)
    }
}

enum GeometryInference {
    case regular(SEGYGeometry)
    case irregular(GeometryReport)
}
