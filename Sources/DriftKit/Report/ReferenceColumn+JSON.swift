import Foundation
import ToolboxCore

/// A reader of the column objects ``ReferenceProfile/save(to:)`` writes, without the
/// `JSONDecoder`'s per-value machinery (which spends most of a second on a profile of 100,000
/// columns in retains and generic metadata).
///
/// It reads only what the writer writes: keys without escapes, no `null`, no unknown or repeated
/// key, numbers in JSON's grammar, non-finite numbers as `"nan"`, `"inf"`, `"-inf"`. Anything
/// else makes it return `nil`, and the caller decodes those columns with `JSONDecoder`, whose
/// errors name the key; numbers are parsed by the CSV reader's ``NumberParsing``, correctly
/// rounded as the decoder's are.
struct ProfileColumnReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position: Int
    private let end: Int

    private struct Unreadable: Error {}

    /// Reads the comma-separated column objects in `bytes[range]`; `nil` when any is not in the
    /// writer's form.
    static func columns(_ bytes: [UInt8], ranges: ArraySlice<Range<Int>>) -> [ReferenceColumn]? {
        bytes.withUnsafeBufferPointer { bytes in
            var out: [ReferenceColumn] = []
            out.reserveCapacity(ranges.count)
            for range in ranges {
                var reader = ProfileColumnReader(bytes: bytes, position: range.lowerBound, end: range.upperBound)
                guard let column = try? reader.column(), reader.position == reader.end else { return nil }
                out.append(column)
            }
            return out
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, position: Int, end: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
    }

    private mutating func column() throws -> ReferenceColumn {
        var name: String?, kind: ReferenceColumn.Kind?, rows: Int?, missing: Int?, distinct: Int?
        var values: [Double]?, quantiles: [Double]?, mean: Double?, deviation: Double?
        var counts: CategoryCounts?, shares: [Double]?, binning: Binning?
        var seen = Set<String>()
        try expect(UInt8(ascii: "{"))
        if peek() == UInt8(ascii: "}") { throw Unreadable() }
        repeat {
            let key = try string()
            guard seen.insert(key).inserted else { throw Unreadable() }
            try expect(UInt8(ascii: ":"))
            switch key {
            case "name": name = try string()
            case "kind":
                guard let value = ReferenceColumn.Kind(rawValue: try string()) else { throw Unreadable() }
                kind = value
            case "rows": rows = try integer()
            case "missing": missing = try integer()
            case "distinct": distinct = try integer()
            case "values": values = try numbers()
            case "quantiles": quantiles = try numbers()
            case "binnedShares": shares = try numbers()
            case "mean": mean = try number()
            case "standardDeviation": deviation = try number()
            case "counts": counts = try categoryCounts()
            case "binning": binning = try binningValue()
            default: throw Unreadable()
            }
        } while try separator(closing: UInt8(ascii: "}"))
        guard let name, let kind, let rows, let missing, let distinct else { throw Unreadable() }
        var column = ReferenceColumn(name: name, kind: kind, rows: rows, missing: missing, distinct: distinct)
        column.values = values
        column.quantiles = quantiles
        column.mean = mean
        column.standardDeviation = deviation
        column.counts = counts
        column.binnedShares = shares
        column.binning = binning
        return column
    }

    private func peek() -> UInt8? { position < end ? bytes[position] : nil }

    private mutating func expect(_ byte: UInt8) throws {
        guard position < end, bytes[position] == byte else { throw Unreadable() }
        position += 1
    }

    /// After a member: `true` at a comma, `false` past the closing bracket.
    private mutating func separator(closing: UInt8) throws -> Bool {
        guard position < end else { throw Unreadable() }
        let byte = bytes[position]
        position += 1
        if byte == UInt8(ascii: ",") { return true }
        if byte == closing { return false }
        throw Unreadable()
    }

    /// A string without escapes or control characters, as UTF-8.
    private mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = position
        while position < end {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                guard let text = String(validating: bytes[start..<(position - 1)], as: UTF8.self) else { throw Unreadable() }
                return text
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { throw Unreadable() }
            position += 1
        }
        throw Unreadable()
    }

    /// A non-negative or negative whole number that fits an Int.
    private mutating func integer() throws -> Int {
        let negative = peek() == UInt8(ascii: "-")
        if negative { position += 1 }
        let start = position
        var value = 0
        while position < end, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw Unreadable() }
            value = sum
            position += 1
        }
        let digits = position - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { throw Unreadable() }
        return negative ? -value : value
    }

    /// A number in JSON's grammar, or `"nan"`, `"inf"`, `"-inf"`.
    private mutating func number() throws -> Double {
        if peek() == UInt8(ascii: "\"") {
            switch try string() {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: throw Unreadable()
            }
        }
        let start = position
        func digits(_ reader: inout ProfileColumnReader) -> Int {
            let first = reader.position
            while reader.position < reader.end, reader.bytes[reader.position] >= UInt8(ascii: "0"), reader.bytes[reader.position] <= UInt8(ascii: "9") {
                reader.position += 1
            }
            return reader.position - first
        }
        if peek() == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits(&self)
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw Unreadable() }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw Unreadable() }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw Unreadable() }
        }
        guard let value = NumberParsing.parseDouble(bytes, start, position) else { throw Unreadable() }
        return value
    }

    private mutating func numbers() throws -> [Double] {
        try expect(UInt8(ascii: "["))
        var out: [Double] = []
        if peek() == UInt8(ascii: "]") { position += 1; return out }
        repeat { out.append(try number()) } while try separator(closing: UInt8(ascii: "]"))
        return out
    }

    /// `{"counts":{"category":count,...}}`.
    private mutating func categoryCounts() throws -> CategoryCounts {
        try expect(UInt8(ascii: "{"))
        guard try string() == "counts" else { throw Unreadable() }
        try expect(UInt8(ascii: ":"))
        try expect(UInt8(ascii: "{"))
        var counts: [String: Int] = [:]
        if peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            repeat {
                let key = try string()
                try expect(UInt8(ascii: ":"))
                guard counts.updateValue(try integer(), forKey: key) == nil else { throw Unreadable() }
            } while try separator(closing: UInt8(ascii: "}"))
        }
        try expect(UInt8(ascii: "}"))
        return CategoryCounts(counts)
    }

    /// `{"quantile":{"_0":N}}` or `{"fixed":{"_0":N}}`.
    private mutating func binningValue() throws -> Binning {
        try expect(UInt8(ascii: "{"))
        let kind = try string()
        try expect(UInt8(ascii: ":"))
        try expect(UInt8(ascii: "{"))
        guard try string() == "_0" else { throw Unreadable() }
        try expect(UInt8(ascii: ":"))
        let count = try integer()
        try expect(UInt8(ascii: "}"))
        try expect(UInt8(ascii: "}"))
        switch kind {
        case "quantile": return .quantile(count)
        case "fixed": return .fixed(count)
        default: throw Unreadable()
        }
    }
}

extension ReferenceColumn {
    /// A column with its counts and nothing else, for ``ProfileColumnReader``.
    init(name: String, kind: Kind, rows: Int, missing: Int, distinct: Int) {
        self.name = name
        self.kind = kind
        self.rows = rows
        self.missing = missing
        self.distinct = distinct
    }
}

/// The writer of a profile's column objects: the members `JSONEncoder` would write (keys
/// sorted, `nil` members left out, non-finite numbers as `"nan"`, `"inf"`, `"-inf"`), written
/// straight into bytes. On 100,000 columns the encoder's per-value boxing took most of the
/// time a profile took to write.
///
/// Numbers are written in Swift's shortest round-trip form (`description`), which is JSON's
/// grammar for finite values, so every number reads back as the same `Double`; category counts
/// are written sorted by key, so the same profile always gives the same bytes.
struct ProfileColumnWriter {
    private(set) var bytes: [UInt8] = []

    /// Appends `column` as one JSON object.
    mutating func write(_ column: ReferenceColumn) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        func key(_ name: String, _ writer: inout ProfileColumnWriter) {
            if !first { writer.bytes.append(UInt8(ascii: ",")) }
            first = false
            writer.string(name)
            writer.bytes.append(UInt8(ascii: ":"))
        }
        if let shares = column.binnedShares { key("binnedShares", &self); numbers(shares) }
        if let binning = column.binning {
            key("binning", &self)
            switch binning {
            case .quantile(let count): literal(#"{"quantile":{"_0":"#); integer(count)
            case .fixed(let count): literal(#"{"fixed":{"_0":"#); integer(count)
            }
            literal("}}")
        }
        if let counts = column.counts {
            key("counts", &self)
            literal(#"{"counts":{"#)
            for (index, (category, count)) in counts.counts.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                string(category)
                bytes.append(UInt8(ascii: ":"))
                integer(count)
            }
            literal("}}")
        }
        key("distinct", &self); integer(column.distinct)
        key("kind", &self); string(column.kind.rawValue)
        if let mean = column.mean { key("mean", &self); number(mean) }
        key("missing", &self); integer(column.missing)
        key("name", &self); string(column.name)
        if let quantiles = column.quantiles { key("quantiles", &self); numbers(quantiles) }
        key("rows", &self); integer(column.rows)
        if let deviation = column.standardDeviation { key("standardDeviation", &self); number(deviation) }
        if let values = column.values { key("values", &self); numbers(values) }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Appends one byte (a separator between objects).
    mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    private mutating func literal(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func integer(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    private mutating func number(_ value: Double) {
        if value.isNaN { literal(#""nan""#); return }
        if value.isInfinite { value > 0 ? literal(#""inf""#) : literal(#""-inf""#); return }
        bytes.append(contentsOf: value.description.utf8)
    }

    private mutating func numbers(_ values: [Double]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            number(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): literal(#"\""#)
            case UInt8(ascii: "\\"): literal(#"\\"#)
            case UInt8(ascii: "\n"): literal(#"\n"#)
            case UInt8(ascii: "\r"): literal(#"\r"#)
            case UInt8(ascii: "\t"): literal(#"\t"#)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                literal(#"\u00"#)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 15)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
