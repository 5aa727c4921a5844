import Foundation
public import ToolboxCore

/// A reference data set summarized for drift checks, so a model server need not keep the raw
/// reference rows: per column the row and missing counts, and
/// - for numbers: 1,001 linear quantiles (at i/1000), mean, standard deviation, the exact shares
///   of the report's quantile bins, and exact value counts when there are at most 20 distinct
///   values; a column of at most 1,001 present values keeps them instead of the quantiles (no
///   larger, and exact);
/// - for categories: every category's count.
///
/// Tests run from a profile, and how close they come to the raw reference:
/// - chi-square, Z, Fisher, and every binned distance over categories or the profile's quantile
///   bins: exact (the counts and shares are stored);
/// - Kolmogorov–Smirnov and Wasserstein: against a pseudo-sample at the mid-quantiles of the
///   piecewise-linear quantile function through the sketch. The KS statistic is within
///   1/1000 + 1/min(n, 100,000) of the raw one for a continuous reference (the sketch's rank
///   resolution plus the pseudo-sample's), and its p-value uses the asymptotic distribution with
///   the true reference size; the normed Wasserstein distance is within (max − min)/(1000 σ).
/// - Anderson–Darling, Cramér–von Mises and MMD need the raw values: a typed error for a column
///   with only a sketch.
///
/// Every test of a column whose values (or value counts) the profile keeps is exactly the raw
/// reference's.
///
/// Saved as JSON (version 2; version 1, without kept values, is read too), written atomically.
public struct ReferenceProfile: Sendable, Hashable, Codable {
    /// The format version written.
    public static let formatVersion = 2

    /// The format version the profile was written in.
    public var version: Int
    /// Rows of the reference.
    public var rows: Int
    /// The columns in the reference's order.
    public var columns: [ReferenceColumn]

    /// Summarizes every column of `table` (or the named ones), with shares for `binning`.
    /// - Throws: `ToolboxError/Code/notFound` for a named column not in the table,
    ///   `ToolboxError/Code/invalidData` for an infinite value, or a table without rows or columns.
    public init(_ table: DataTable, columns names: [String]? = nil, binning: Binning = .quantile(10)) throws {
        version = Self.formatVersion
        rows = table.rowCount
        let names = names ?? table.columnNames
        guard !names.isEmpty else { throw ToolboxError(.invalidData, "the reference has no columns to profile", context: ErrorContext(parameter: "columns")) }
        guard rows > 0 else { throw ToolboxError(.invalidData, "the reference has no rows to profile") }
        columns = try Parallel.map(indices: names.count) { index in
            try ReferenceColumn(name: names[index], column: try table.column(named: names[index]), binning: binning).summary
        }
    }

    /// Writes the profile as JSON, replacing `path` atomically.
    /// - Throws: `ToolboxError/Code/tooLarge`, writing nothing, for a profile larger than
    ///   ``maximumFileSize`` (what ``load(from:)`` reads back): each numeric column keeps about
    ///   16 KB of quantiles, so that is some 65,000 numeric columns.
    public func save(to path: String) throws {
        try save(to: path, limit: Self.maximumFileSize)
    }

    func save(to path: String, limit: Int) throws {
        try RegularFile.replace(path, with: try encodedJSON(limit: limit))
    }

    /// The profile's JSON, `{"columns":[...],"rows":R,"version":V}`: its columns written in
    /// parallel by ``ProfileColumnWriter`` and joined, so a profile of 100,000 columns is written
    /// on every core. `JSONDecoder` reads it as it reads what `JSONEncoder` writes.
    package func encodedJSON(limit: Int = maximumFileSize) throws -> [UInt8] {
        func tooLarge(_ size: Int) -> ToolboxError {
            ToolboxError(.tooLarge, "a profile of \(columns.count) columns takes \(size) bytes, more than the \(limit) a profile may hold to be read back; profile fewer columns at a time")
        }
        let chunks = try Parallel.map(count: columns.count, grain: 2_048) { range -> [UInt8] in
            var writer = ProfileColumnWriter()
            for index in range {
                if index > range.lowerBound { writer.append(UInt8(ascii: ",")) }
                writer.write(columns[index])
            }
            return writer.bytes
        }
        let head = Array(#"{"columns":["#.utf8), tail = Array("],\"rows\":\(rows),\"version\":\(version)}".utf8)
        let size = chunks.reduce(head.count + tail.count + max(chunks.count - 1, 0)) { $0 + $1.count }
        guard size <= limit else { throw tooLarge(size) }
        var out = head
        out.reserveCapacity(size)
        for (index, chunk) in chunks.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += chunk
        }
        out += tail
        return out
    }

    /// The largest profile read (1 GiB): a larger file is refused before it is read.
    public static let maximumFileSize = 1 << 30

    /// Reads a profile written by ``save(to:)``.
    /// - Throws: `ToolboxError/Code/parseError` for a file that is not a profile (naming what
    ///   is wrong), `ToolboxError/Code/unsupported` for a newer format version,
    ///   `ToolboxError/Code/corruptArchive` for inconsistent counts; the errors of reading a
    ///   regular file.
    public static func load(from path: String) throws -> ReferenceProfile {
        try decode(try RegularFile.read(path, limit: maximumFileSize), source: path)
    }

    /// A profile from the bytes ``save(to:)`` writes (a file read elsewhere, a run's artifact);
    /// `source` names them in errors. Throws as ``load(from:)``.
    public static func decode(_ bytes: [UInt8], source path: String) throws -> ReferenceProfile {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let profile: ReferenceProfile
        do {
            // A profile as `save(to:)` writes it decodes its columns in parallel; anything else,
            // or anything wrong in it, goes through one decoding, whose errors name the key.
            profile = try (try? parallelDecode(bytes)) ?? decoder.decode(ReferenceProfile.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw ToolboxError(.parseError, "\(path) is not a drift profile: \(Self.describe(error))", context: ErrorContext(path: path))
        }
        guard profile.version <= formatVersion else {
            throw ToolboxError(.unsupported, "\(path) is a version \(profile.version) profile; this build reads version \(formatVersion)",
                               context: ErrorContext(path: path))
        }
        try profile.validate(path: path)
        return profile
    }

    /// Decodes a profile in `save(to:)`'s layout (`{"columns":[...],"rows":R,"version":V}`), its
    /// columns in parallel chunks; `nil` for another layout.
    static func parallelDecode(_ bytes: [UInt8]) throws -> ReferenceProfile? {
        let prefix = Array(#"{"columns":["#.utf8)
        guard bytes.count > 1 << 16, bytes.starts(with: prefix) else { return nil }
        // The top-level elements of the columns array: commas and the closing bracket at depth 0,
        // outside strings.
        var starts = [prefix.count], end = -1
        var depth = 0, inString = false, escaped = false
        var index = prefix.count
        scan: while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { end = index; break scan }
                    depth -= 1
                case UInt8(ascii: ","): if depth == 0 { starts.append(index + 1) }
                default: break
                }
            }
            index += 1
        }
        guard end > 0, bytes[end] == UInt8(ascii: "]") else { return nil }
        let bounds = starts.indices.map { k in starts[k]..<(k + 1 < starts.count ? starts[k + 1] - 1 : end) }
        let chunks = try Parallel.map(count: bounds.count, grain: 2_048) { range -> [ReferenceColumn] in
            if let columns = ProfileColumnReader.columns(bytes, ranges: bounds[range]) { return columns }
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            var array = [UInt8(ascii: "[")]
            for k in range {
                if k > range.lowerBound { array.append(UInt8(ascii: ",")) }
                array += bytes[bounds[k]]
            }
            array.append(UInt8(ascii: "]"))
            return try decoder.decode([ReferenceColumn].self, from: Data(array))
        }
        let decoder = JSONDecoder()
        var rest = Array(#"{"columns":[]"#.utf8)
        rest += bytes[(end + 1)...]
        var profile = try decoder.decode(ReferenceProfile.self, from: Data(rest))
        profile.columns = chunks.flatMap { $0 }
        return profile
    }

    /// Checks the counts and sketches agree with each other.
    func validate(path: String) throws {
        for column in columns {
            func corrupt(_ message: String) -> ToolboxError {
                ToolboxError(.corruptArchive, "\(path): column \(column.name): \(message)", context: ErrorContext(path: path, column: column.name))
            }
            guard rows >= 0, column.rows == rows, column.missing >= 0, column.missing <= column.rows else { throw corrupt("row counts do not add up") }
            if let counts = column.counts, counts.counts.values.contains(where: { $0 < 0 }) || counts.total != column.count {
                throw corrupt("category counts do not add up to \(column.count)")
            }
            if let values = column.values {
                guard column.kind == .numeric, column.quantiles == nil, values.count == column.count,
                      zip(values, values.dropFirst()).allSatisfy({ $0 <= $1 }), values.allSatisfy(\.isFinite) else {
                    throw corrupt("the kept values must be the column's \(column.count) present values, ascending and finite")
                }
            } else if column.kind == .numeric && column.count > 0 {
                // The sketch may be left out only where the value counts replay the exact sample.
                if column.quantiles != nil || column.counts == nil || column.count > ReferenceColumn.maximumSample {
                    guard let quantiles = column.quantiles, quantiles.count == ReferenceColumn.sketchIntervals + 1,
                          zip(quantiles, quantiles.dropFirst()).allSatisfy({ $0 <= $1 }), quantiles.allSatisfy(\.isFinite) else {
                        throw corrupt("the quantile sketch must hold \(ReferenceColumn.sketchIntervals + 1) ascending finite values")
                    }
                }
                if let shares = column.binnedShares, shares.count != column.binning?.count || shares.contains(where: { !($0 >= 0 && $0 <= 1) }) {
                    throw corrupt("bin shares do not match the binning")
                }
            }
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing \(path(context)).\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

extension DriftReport {
    /// Compares `current` with a saved reference profile (see ``ReferenceProfile`` for which
    /// tests a profile can run and how close they come).
    public static func compute(profile: ReferenceProfile, current: DataTable, options: DriftOptions = DriftOptions()) throws -> DriftReport {
        var references = profile.columns
        if let names = options.columns {
            references = try names.map { name in
                guard let column = profile.columns.first(where: { $0.name == name }) else {
                    throw ToolboxError(.notFound, "the profile has no column \(name)", context: ErrorContext(column: name))
                }
                return column
            }
        }
        return try compute(references: references, referenceRows: profile.rows, current: current, options: options)
    }
}
