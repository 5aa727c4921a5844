import ArgumentParser
import Foundation
import SEGYKit

/// `dstoolbox segy ...`: inspect, check and convert SEG-Y files.
struct SEGYCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segy",
        abstract: "Inspect, lint and convert SEG-Y files.",
        subcommands: [SEGYInfoCommand.self, SEGYHeadersCommand.self, SEGYLintCommand.self, SEGYConvertCommand.self]
    )
}

/// Options shared by commands that open a SEG-Y file.
struct SEGYOpenOptions: ParsableArguments {
    @Option(help: "Byte order, when detection is not wanted: big or little.")
    var endian: String?

    func open(_ path: String) throws -> SEGYFile {
        try SEGYFile(path: path, byteOrder: parseByteOrder(endian))
    }
}

/// Parses `big` / `little`.
func parseByteOrder(_ text: String?) throws -> ByteOrder? {
    guard let text else { return nil }
    guard let order = ByteOrder(rawValue: text.lowercased()) else {
        throw ValidationError("--endian takes big or little, got \(text)")
    }
    return order
}

/// `dstoolbox segy info FILE`
struct SEGYInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Geometry, format, counts, intervals and the textual header of a SEG-Y file.")

    @Argument(help: "The SEG-Y file.") var file: String
    @OptionGroup var open: SEGYOpenOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let segy = try open.open(file)
        let info = SEGYInfo(segy)
        print(json ? try info.json() : info.text())
    }
}

/// A summary of an open file, for people or programs.
struct SEGYInfo: Encodable {
    var path: String
    var byteOrder: String
    var format: Int
    var formatName: String
    var traces: Int
    var samplesPerTrace: Int
    var sampleIntervalMicroseconds: Double
    var firstSampleMilliseconds: Double
    var extendedTextHeaders: Int
    var revision: String
    var sorting: String
    var inlines: LineRange?
    var crosslines: LineRange?
    var offsets: [Int]?
    var geometryNote: String?
    var textHeader: [String]

    struct LineRange: Encodable {
        var count: Int
        var first: Int
        var last: Int
    }

    init(_ file: SEGYFile) {
        path = file.path ?? "-"
        byteOrder = file.byteOrder.rawValue
        format = file.format.rawValue
        formatName = file.format.description
        traces = file.traceCount
        samplesPerTrace = file.sampleCount
        sampleIntervalMicroseconds = file.sampleInterval()
        firstSampleMilliseconds = file.sampleAxis().first ?? 0
        extendedTextHeaders = file.extendedTextHeaders.count
        revision = "\(file.binaryHeader.revision.major).\(file.binaryHeader.revision.minor)"
        textHeader = file.textHeader.lines.filter { !$0.isEmpty }
        do {
            let geometry = try file.geometry()
            sorting = geometry.sorting == .inline ? "inline" : "crossline"
            inlines = LineRange(count: geometry.inlines.count, first: geometry.inlines.first ?? 0, last: geometry.inlines.last ?? 0)
            crosslines = LineRange(count: geometry.crosslines.count, first: geometry.crosslines.first ?? 0, last: geometry.crosslines.last ?? 0)
            offsets = geometry.offsets
        } catch {
            sorting = "none"
            geometryNote = (error as? SEGYError)?.message ?? "\(error)"
        }
    }

    func text() -> String {
        var lines = [
            "file         \(path)",
            "format       \(format) (\(formatName)), \(byteOrder)-endian, revision \(revision)",
            "traces       \(traces) x \(samplesPerTrace) samples",
            "interval     \(sampleIntervalMicroseconds) µs, first sample at \(firstSampleMilliseconds) ms",
            "extended     \(extendedTextHeaders) textual headers",
        ]
        if let inlines, let crosslines, let offsets {
            lines.append("sorting      \(sorting)")
            lines.append("inlines      \(inlines.count) (\(inlines.first)...\(inlines.last))")
            lines.append("crosslines   \(crosslines.count) (\(crosslines.first)...\(crosslines.last))")
            lines.append("offsets      \(offsets.count == 1 ? "\(offsets[0]) (post-stack)" : "\(offsets.count): \(offsets.map(String.init).joined(separator: ", "))")")
        } else {
            lines.append("geometry     none: \(geometryNote ?? "")")
        }
        lines.append("")
        lines += textHeader
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// `dstoolbox segy headers FILE --fields 189,193`
struct SEGYHeadersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headers", abstract: "Trace header words of every trace, as CSV or JSON.",
        discussion: "Fields are 1-based byte offsets (189 is the inline, 193 the crossline) or standard names (inline, cdpX).")

    @Argument(help: "The SEG-Y file.") var file: String
    @Option(help: "Comma-separated byte offsets or names.") var fields: String = "189,193"
    @Option(parsing: .unconditional, help: "First trace (0-based).") var first: Int = 0
    @Option(parsing: .unconditional, help: "How many traces (default: to the end).") var count: Int?
    @OptionGroup var open: SEGYOpenOptions
    @Flag(help: "Print JSON instead of CSV.") var json = false

    func run() throws {
        guard first >= 0 else { throw ValidationError("--first \(first) is negative") }
        if let count, count < 0 { throw ValidationError("--count \(count) is negative") }
        let segy = try open.open(file)
        let selected = try Self.parse(fields)
        guard first <= segy.traceCount else { throw ValidationError("--first \(first) is outside 0...\(segy.traceCount)") }
        // Clamped without overflow: first + count may exceed Int.max.
        let end = count.map { first + min($0, segy.traceCount - first) } ?? segy.traceCount
        let columns = try selected.map { try segy.headerValues($0, traces: first..<end) }
        if json {
            var rows: [[String: Int]] = []
            for row in 0..<(end - first) {
                var entry = ["trace": first + row]
                for (k, field) in selected.enumerated() { entry[field.name] = columns[k][row] }
                rows.append(entry)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            var out = "trace," + selected.map(\.name).joined(separator: ",") + "\n"
            for row in 0..<(end - first) {
                out += String(first + row)
                for column in columns { out += "," + String(column[row]) }
                out += "\n"
            }
            print(out, terminator: "")
        }
    }

    static func parse(_ list: String) throws -> [HeaderField] {
        try list.split(separator: ",").map { token in
            let text = token.trimmingCharacters(in: .whitespaces)
            if let offset = Int(text) {
                guard let field = HeaderField.traceHeaderField(at: offset) else {
                    throw ValidationError("no standard trace header word starts at byte \(offset)")
                }
                return field
            }
            guard let field = HeaderField.traceHeaderFields.first(where: { $0.name.lowercased() == text.lowercased() }) else {
                throw ValidationError("unknown trace header field \(text)")
            }
            return field
        }
    }
}

/// `dstoolbox segy lint FILE`
struct SEGYLintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint", abstract: "Check a SEG-Y file's consistency and what segyio would reject; exits 1 on errors.")

    @Argument(help: "The SEG-Y file.") var file: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let report = SEGYLint.check(path: file)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report.findings), as: UTF8.self))
        } else {
            for finding in report.findings {
                let location = finding.byteOffset.map { " (byte \($0))" } ?? ""
                let reference = finding.segyioRejects ? " [segyio rejects]" : ""
                print("\(finding.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(finding.check): \(finding.message)\(location)\(reference)")
            }
        }
        if report.hasErrors { throw ExitCode(1) }
    }
}

/// `dstoolbox segy convert IN OUT --format 5 --endian little`
struct SEGYConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "Copy a SEG-Y file with another sample format and/or byte order.")

    @Argument(help: "The input SEG-Y file.") var input: String
    @Argument(help: "The output file.") var output: String
    @Option(parsing: .unconditional, help: "Output sample format code (1, 2, 3, 5, 6, 8, ...).") var format: Int?
    @Option(help: "Output byte order: big or little.") var endian: String?
    @Flag(help: "Allow sample values to change (floats rounded to integers, clamping, IBM's shorter mantissa); the largest change is reported.")
    var allowLossy = false

    func run() throws {
        let format = try format.map { code -> SampleFormat in
            guard let parsed = SampleFormat(rawValue: code) else {
                throw ValidationError("--format \(code) is not a SEG-Y sample format (1-12, 15, 16)")
            }
            return parsed
        }
        let endian = try parseByteOrder(self.endian)
        let source = try SEGYFile(path: input)
        let largestError = try source.convert(to: output, format: format, byteOrder: endian, allowLossy: allowLossy)
        print("wrote \(source.traceCount) traces to \(output) (format \((format ?? source.format).rawValue), \((endian ?? source.byteOrder).rawValue)-endian)")
        if allowLossy { print("largest sample change \(largestError)") }
    }
}
