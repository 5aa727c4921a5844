import Foundation
public import ToolboxCore

/// What a drift report knows of one reference column: the raw values (from a table), or a
/// summary (from a saved ``ReferenceProfile``): counts, quantiles, moments and category counts.
public struct ReferenceColumn: Sendable, Hashable, Codable {
    /// Numbers or categories.
    public enum Kind: String, Sendable, Hashable, Codable {
        case numeric, categorical
    }

    /// The number of quantile intervals a profile keeps for a numeric column (quantiles at
    /// i/1000), which bounds the error of tests run from a profile.
    public static let sketchIntervals = 1_000
    /// Numeric columns with at most this many distinct values also keep exact value counts.
    public static let smallCardinality = 20

    /// The column's name.
    public var name: String
    /// Numbers or categories.
    public var kind: Kind
    /// Rows, missing ones included.
    public var rows: Int
    /// Missing values (NaN, or empty text).
    public var missing: Int
    /// Distinct present values (for numbers, capped at ``smallCardinality`` + 1).
    public var distinct: Int
    /// Numbers: the sorted present values; in a profile only for a column of at most
    /// ``sketchIntervals`` + 1 of them (otherwise `nil`).
    var values: [Double]?
    /// Numbers, in a profile: the linear quantiles at i/``sketchIntervals``; `nil` where the
    /// value counts give the exact sample (at most ``smallCardinality`` distinct values).
    public var quantiles: [Double]?
    /// Numbers: the mean of the present values.
    public var mean: Double?
    /// Numbers: the population standard deviation of the present values.
    public var standardDeviation: Double?
    /// Categories, or numbers with few distinct values: the count of each (numbers as text).
    public var counts: CategoryCounts?
    /// Numbers: the reference's share in each bin of ``binning`` (exact, so PSI and the other
    /// binned distances from a profile equal those from the raw values).
    public var binnedShares: [Double]?
    /// The binning ``binnedShares`` were counted for.
    public var binning: Binning?

    /// The largest sample rebuilt from a profile's value counts.
    static let maximumSample = 10_000_000

    /// Present values in the column.
    public var count: Int { rows - missing }

    /// Whether the raw values are at hand (from a table, or a profile that kept them).
    public var hasRawValues: Bool { values != nil || kind == .categorical }

    /// Whether ``sample()`` is the exact sample: raw values, or a profile's value counts.
    var hasExactSample: Bool { values != nil || (kind == .numeric && counts != nil) }

    /// Summarizes a table column.
    public init(name: String, column: DataTable.Column, binning: Binning = .quantile(10)) throws {
        self.name = name
        switch column {
        case .numeric(let all):
            kind = .numeric
            rows = all.count
            if let index = all.firstIndex(where: \.isInfinite) {
                throw ToolboxError(.invalidData, "column \(name) holds \(all[index]) at row \(index)", context: ErrorContext(column: name, row: index))
            }
            let present = RadixSort.sorted(all.filter { !$0.isNaN })
            missing = all.count - present.count
            values = present
            var distinctValues = 0
            var previous: Double?
            for value in present where value != previous {
                distinctValues += 1
                previous = value
                if distinctValues > Self.smallCardinality { break }
            }
            distinct = distinctValues
            if distinctValues <= Self.smallCardinality { counts = CategoryCounts(present.map { Self.text($0) }) }
            if !present.isEmpty {
                mean = present.reduce(0, +) / Double(present.count)
                standardDeviation = Distance.standardDeviation(present)
                if case .quantile = binning {
                    self.binning = binning
                    binnedShares = try Distance.binnedProportions(reference: present, current: [present[0]], binning: binning).reference
                }
            }
        case .categorical(let texts):
            kind = .categorical
            rows = texts.count
            let present = texts.compactMap { $0 }
            missing = texts.count - present.count
            counts = CategoryCounts(present)
            distinct = counts?.counts.count ?? 0
        }
    }

    /// Numbers as category text: the shortest form that reads back as the same Double, whole
    /// numbers without a fraction (`3`, `2.5`).
    static func text(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    /// The present values; for a profile the exact sample when the value counts are kept (at
    /// most 20 distinct values), otherwise a pseudo-sample of min(count, 100,000) values at
    /// the mid-quantiles (j + ½)/R of the piecewise-linear quantile function through the
    /// sketch.
    func sample() -> [Double] {
        if let values { return values }
        // Few distinct values: the exact sample, from the value counts (scaled down to at most
        // 10 million values for a larger reference).
        if kind == .numeric, let counts {
            let total = max(counts.total, 1)
            let scale = total > Self.maximumSample ? Double(Self.maximumSample) / Double(total) : 1
            return counts.counts.compactMap { key, count in Double(key).map { ($0, count) } }
                .sorted { $0.0 < $1.0 }
                .flatMap { [Double](repeating: $0.0, count: scale == 1 ? $0.1 : Int((Double($0.1) * scale).rounded())) }
        }
        guard let quantiles, count > 0 else { return [] }
        let size = min(count, 100_000)
        let intervals = Double(quantiles.count - 1)
        return (0..<size).map { j in
            let position = (Double(j) + 0.5) / Double(size) * intervals
            let below = min(Int(position), quantiles.count - 2)
            let fraction = position - Double(below)
            return quantiles[below] + (quantiles[below + 1] - quantiles[below]) * fraction
        }
    }

    /// The profile form: the raw values of a column of at most ``sketchIntervals`` + 1 of them
    /// (the sketch would be no smaller, and only approximate), otherwise a summary.
    ///
    /// The quantile sketch is made here, not when the column is read: a report from two tables
    /// uses the raw values, and a table of 100,000 short columns would otherwise hold 1,001
    /// quantiles for each.
    public var summary: ReferenceColumn {
        var copy = self
        // A column whose value counts are kept (few distinct values) has its exact sample
        // already; the sketch adds nothing there unless the counts are too many to replay.
        let exactFromCounts = counts != nil && count <= Self.maximumSample
        if let present = values, !exactFromCounts, present.count <= Self.sketchIntervals + 1 {
            return copy
        }
        if let present = values, !present.isEmpty, quantiles == nil, !exactFromCounts {
            copy.quantiles = (0...Self.sketchIntervals).map { Distance.quantile(present, Double($0) / Double(Self.sketchIntervals)) }
        }
        copy.values = nil
        return copy
    }
}
