/// A consistency report on a SEG-Y file: what is wrong, what is unusual, and what segyio (the
/// reference reader) would reject and why.
public struct SEGYLintReport: Sendable, Hashable {
    /// How serious a finding is: `info` < `warning` < `error`.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        /// Unusual but harmless.
        case info
        /// Readable, but likely to mislead a reader or another tool.
        case warning
        /// The file is wrong: a reader cannot trust it.
        case error
        /// Orders by seriousness.
        public static func < (a: Severity, b: Severity) -> Bool {
            let order: [Severity] = [.info, .warning, .error]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    /// One finding.
    public struct Finding: Sendable, Hashable, Codable {
        /// How serious it is.
        public var severity: Severity
        /// A stable short name, for example `sample-count-mismatch`.
        public var check: String
        /// What was found, for people.
        public var message: String
        /// The byte offset the finding is about, when there is one.
        public var byteOffset: Int?
        /// Whether segyio 1.9 would refuse to open the file because of this.
        public var segyioRejects: Bool
    }

    /// Every finding, in the order the checks ran.
    public var findings: [Finding]

    /// Whether any finding is an error.
    public var hasErrors: Bool { findings.contains { $0.severity == .error } }
}

/// Checks a SEG-Y file against the standard and against what segyio accepts.
public enum SEGYLint {
    /// Lints the file at `path`; a file that does not open gives an error finding, not a throw.
    public static func check(path: String) -> SEGYLintReport {
        do {
            return check(try SEGYFile(path: path))
        } catch let error as SEGYError {
            return SEGYLintReport(findings: [.init(severity: .error, check: error.code.rawValue, message: error.message,
                                                   byteOffset: error.byteOffset, segyioRejects: true)])
        } catch {
            return SEGYLintReport(findings: [.init(severity: .error, check: "io_error", message: "\(error)", byteOffset: nil, segyioRejects: true)])
        }
    }

    /// Lints an open file.
    public static func check(_ file: SEGYFile) -> SEGYLintReport {
        var findings: [SEGYLintReport.Finding] = []
        func add(_ severity: SEGYLintReport.Severity, _ check: String, _ message: String, at offset: Int? = nil, segyio: Bool = false) {
            findings.append(.init(severity: severity, check: check, message: message, byteOffset: offset, segyioRejects: segyio))
        }
        let binary = file.binaryHeader
        let layout = file.layout

        add(.info, "layout", "\(file.traceCount) traces of \(file.sampleCount) samples, \(file.format), \(file.byteOrder == .bigEndian ? "big" : "little")-endian, first trace at byte \(layout.firstTraceOffset)")

        // Revision and the words segyio 1.9 does not understand.
        let revision = binary.revision
        if ![0, 1, 2].contains(revision.major) {
            add(.warning, "revision", "revision word reads \(revision.major).\(revision.minor); SEG-Y revisions are 0, 1 and 2", at: 3500)
        }
        if binary.word(.extendedTextHeaderCount) == -1 {
            add(.warning, "variable-extended-headers", "the extended textual header count is -1 (ended by ((SEG: EndText))); segyio 1.9 reads it as a count",
                at: 3504, segyio: true)
        }
        if layout.additionalTraceHeaders > 0 {
            add(.warning, "additional-trace-headers", "each trace has \(layout.additionalTraceHeaders) additional 240-byte trace headers (rev 2); segyio 1.9 does not skip them",
                at: 3506, segyio: true)
        }
        if file.byteOrder == .littleEndian && binary.word(.byteOrderConstant) != 0x0102_0304 {
            add(.info, "little-endian", "little-endian file without the rev 2 byte-order constant; segyio needs endian='little' to open it", at: 3296)
        }

        // Format.
        if file.format == .fixedPointWithGain32 {
            add(.warning, "obsolete-format", "format 4 (fixed point with gain) is obsolete; its samples are read as 4-byte IEEE floats", at: 3224)
        }
        if [.int24, .uint24].contains(file.format) {
            add(.info, "24-bit-format", "\(file.format) is not decoded by segyio 1.9 (it falls back to IBM float)", at: 3224)
        }

        // Sample counts: binary header against every trace header.
        if file.traceCount > 0 {
            let counts = (try? file.headerValues(.sampleCount)) ?? []
            let differing = counts.indices.filter { counts[$0] != file.sampleCount && !(counts[$0] == 0) }
            let zeros = counts.filter { $0 == 0 }.count
            if let first = differing.first {
                // A different non-zero count means traces may not all have the binary header's
                // length: every offset past that trace is then suspect.
                add(.error, "sample-count-mismatch",
                    "\(differing.count) trace headers give a sample count other than the binary header's \(file.sampleCount) (trace \(first) says \(counts[first])); trace lengths may vary, so fixed-length reading is unreliable",
                    at: layout.headerOffset(first) + 114)
            }
            if zeros > 0 {
                add(.info, "trace-sample-count-zero",
                    "\(zeros) of \(counts.count) trace headers give 0 samples (byte 115) while the binary header gives \(file.sampleCount)",
                    at: layout.headerOffset(counts.firstIndex(of: 0) ?? 0) + 114)
            }
        }

        // Intervals.
        let binaryInterval = binary.word(.binarySampleInterval)
        let traceInterval = file.traceCount > 0 ? file.headerWord(0, .sampleInterval) : 0
        if binaryInterval <= 0 {
            add(.warning, "interval-sign", "binary header sample interval is \(binaryInterval) µs", at: 3216)
        }
        if file.traceCount > 0 && traceInterval < 0 {
            add(.warning, "interval-sign", "trace 0 sample interval is \(traceInterval) µs", at: layout.headerOffset(0) + 116)
        }
        if binaryInterval > 0 && traceInterval > 0 && binaryInterval != traceInterval {
            add(.warning, "interval-mismatch", "binary header says \(binaryInterval) µs, trace 0 says \(traceInterval) µs; segyio falls back to 4000 µs",
                at: layout.headerOffset(0) + 116)
        }

        // Text.
        add(.info, "text-encoding", "textual header is \(file.textHeader.encoding == .ebcdic ? "EBCDIC" : "ASCII")")
        if file.textHeader.encoding == .ascii {
            add(.info, "ascii-text", "the standard asks for EBCDIC; segyio decodes the header as EBCDIC regardless")
        }

        // Geometry.
        if let report = try? file.geometryReport() {
            add(.info, "no-regular-geometry", report.reason)
        }
        return SEGYLintReport(findings: findings)
    }
}
