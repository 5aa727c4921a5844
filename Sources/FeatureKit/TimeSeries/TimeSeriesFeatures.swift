public import ToolboxCore
import Foundation

/// Time-series features for panel data such as should-cost histories (a value per part number
/// per date), as pandas computes them per group after sorting by time:
///
/// | feature | name | pandas |
/// |---|---|---|
/// | lag k | `v_lag_k` | `shift(k)` |
/// | difference k | `v_diff_k` | `diff(k)` |
/// | percent change k | `v_pct_change_k` | `pct_change(k, fill_method=None)` |
/// | rolling w: mean, std, min, max, quantile q | `v_rolling_mean_w`, ..., `v_rolling_q0.5_w` | `rolling(w)` (full windows only; std with ddof 1; linear quantiles) |
/// | expanding mean, std, min, max | `v_expanding_mean`, ... | `expanding()` |
/// | exponentially weighted mean, span s | `v_ewm_mean_s` | `ewm(span=s, adjust=True).mean()` |
/// | calendar parts of the time column | `t_year`, `t_month`, `t_day`, `t_dayofweek` (Monday 0), `t_dayofyear`, `t_quarter` | `dt.year`, ... |
///
/// **No look-ahead:** every feature of the row at time t is computed from that group's rows at
/// times ≤ t (rows with equal times in their original order), never from a later row; the tests
/// check it by changing every later value and seeing no feature at t change. Missing values (NaN)
/// propagate as pandas propagates them; windows skip them for min/max/mean as pandas' rolling does.
///
/// The output is the input table with the feature columns appended, rows in their original order.
public struct TimeSeriesFeatures: Sendable, Hashable {
    /// A statistic over a rolling or expanding window.
    public enum Statistic: String, Sendable, Hashable, Codable, CaseIterable {
        case mean, std, min, max
    }

    /// The time column: ISO 8601 dates (`2024-03-01`, `2024-03-01T12:30:00`) or numbers.
    public var time: String
    /// The group column (for example the part number); `nil` for one series.
    public var group: String?
    /// The value columns the features describe.
    public var values: [String]
    /// Lags of each value (pandas' `shift`), in rows of its series.
    public var lags: [Int] = [1]
    /// Differences over these many rows (pandas' `diff`).
    public var differences: [Int] = [1]
    /// Percent changes over these many rows (pandas' `pct_change`).
    public var percentChanges: [Int] = [1]
    /// Rolling window lengths, in rows; a window ends at its row and counts only when full.
    public var windows: [Int] = [3]
    /// The statistics of each rolling window.
    public var windowStatistics: [Statistic] = [.mean, .std, .min, .max]
    /// Quantiles of each rolling window, in [0, 1].
    public var windowQuantiles: [Double] = [0.5]
    /// The statistics of the series up to and including each row (pandas' `expanding`).
    public var expanding: [Statistic] = [.mean]
    /// Spans of the exponentially weighted means (≥ 1).
    public var ewmSpans: [Double] = [3]
    /// Calendar parts of a date time column.
    public var calendar: Bool = true

    /// Features of the `values` columns ordered by `time`, per `group` when given.
    public init(time: String, group: String? = nil, values: [String]) {
        self.time = time
        self.group = group
        self.values = values
    }

    /// The table with the feature columns appended.
    /// - Throws: `ToolboxError/Code/notFound` for a missing column, `ToolboxError/Code/parseError`
    ///   for a time that does not parse (naming the row and column), `ToolboxError/Code/invalidParameter`
    ///   for a lag, window or span out of range.
    public func transform(_ table: DataTable) throws -> DataTable {
        for (name, periods) in [("lags", lags), ("differences", differences), ("pct_changes", percentChanges)] {
            for k in periods where k < 1 {
                throw ToolboxError(.invalidParameter, "\(name) must be at least 1, got \(k)", context: ErrorContext(parameter: name))
            }
        }
        for w in windows where w < 1 {
            throw ToolboxError(.invalidParameter, "windows must be at least 1, got \(w)", context: ErrorContext(parameter: "windows"))
        }
        for q in windowQuantiles where !(0...1).contains(q) {
            throw ToolboxError(.invalidParameter, "quantiles must be in [0, 1], got \(q)", context: ErrorContext(parameter: "window_quantiles"))
        }
        for s in ewmSpans where !(s >= 1) {
            throw ToolboxError(.invalidParameter, "ewm spans must be at least 1, got \(s)", context: ErrorContext(parameter: "ewm_spans"))
        }
        let n = table.rowCount
        let (times, dates) = try Self.times(table, column: time)
        let groups = try group.map { try Self.groupKeys(table, column: $0) } ?? [Int](repeating: 0, count: n)
        // Each group's rows in time order (stable: equal times keep their order).
        var members: [Int: [Int]] = [:]
        for i in 0..<n { members[groups[i], default: []].append(i) }
        let series = members.values.map { rows in rows.sorted { times[$0] < times[$1] || (times[$0] == times[$1] && $0 < $1) } }
        var out = table
        for name in values {
            guard case .numeric(let column) = try table.column(named: name) else {
                throw ToolboxError(.invalidData, "column \(name) is not numeric", context: ErrorContext(column: name))
            }
            var features: [(String, [Double])] = []
            func add(_ suffix: String, _ compute: ([Double]) -> [Double]) {
                var result = [Double](repeating: .nan, count: n)
                for rows in series {
                    let values = rows.map { column[$0] }
                    for (k, value) in compute(values).enumerated() { result[rows[k]] = value }
                }
                features.append(("\(name)_\(suffix)", result))
            }
            for k in lags { add("lag_\(k)") { v in v.indices.map { $0 >= k ? v[$0 - k] : .nan } } }
            for k in differences { add("diff_\(k)") { v in v.indices.map { $0 >= k ? v[$0] - v[$0 - k] : .nan } } }
            for k in percentChanges { add("pct_change_\(k)") { v in v.indices.map { $0 >= k ? v[$0] / v[$0 - k] - 1 : .nan } } }
            for w in windows {
                for statistic in windowStatistics {
                    add("rolling_\(statistic.rawValue)_\(w)") { v in v.indices.map { $0 + 1 >= w ? Self.statistic(statistic, Array(v[($0 + 1 - w)...$0])) : .nan } }
                }
                for q in windowQuantiles {
                    add("rolling_q\(Self.text(q))_\(w)") { v in
                        v.indices.map { t -> Double in
                            guard t + 1 >= w else { return .nan }
                            let window = Array(v[(t + 1 - w)...t])
                            return window.contains(where: \.isNaN) ? .nan : Quantile.linear(window.sorted(), q)
                        }
                    }
                }
            }
            for statistic in expanding {
                add("expanding_\(statistic.rawValue)") { v in v.indices.map { Self.statistic(statistic, Array(v[0...$0]), expanding: true) } }
            }
            for span in ewmSpans {
                add("ewm_mean_\(Self.text(span))") { v in Self.ewmMean(v, alpha: 2 / (span + 1)) }
            }
            for (featureName, column) in features { try out.setColumn(featureName, .numeric(column)) }
        }
        if calendar, let dates {
            let parts: [(String, (DateParts) -> Int)] = [("year", \.year), ("month", \.month), ("day", \.day), ("dayofweek", \.dayOfWeek),
                                                          ("dayofyear", \.dayOfYear), ("quarter", { ($0.month - 1) / 3 + 1 })]
            for (suffix, part) in parts {
                try out.setColumn("\(time)_\(suffix)", .numeric(dates.map { $0.map { Double(part($0)) } ?? .nan }))
            }
        }
        return out
    }

    /// A window statistic as pandas computes it: NaN skipped by min, max, mean and std (with at
    /// least one value present, two for std); a rolling window needs all its values present.
    static func statistic(_ statistic: Statistic, _ window: [Double], expanding: Bool = false) -> Double {
        let present = window.filter { !$0.isNaN }
        if !expanding && present.count < window.count { return .nan }
        switch statistic {
        case .mean: return present.isEmpty ? .nan : present.reduce(0, +) / Double(present.count)
        case .min: return present.min() ?? .nan
        case .max: return present.max() ?? .nan
        case .std:
            guard present.count >= 2 else { return .nan }
            let mean = present.reduce(0, +) / Double(present.count)
            return (present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count - 1)).squareRoot()
        }
    }

    /// pandas' `ewm(alpha=α, adjust=True).mean()`: Σ w_i x_{t−i} / Σ w_i, w_i = (1−α)^i over
    /// the present values (missing ones still age the weights).
    static func ewmMean(_ values: [Double], alpha: Double) -> [Double] {
        var numerator = 0.0, denominator = 0.0
        return values.map { value in
            numerator *= 1 - alpha
            denominator *= 1 - alpha
            if !value.isNaN {
                numerator += value
                denominator += 1
            }
            return denominator > 0 ? numerator / denominator : .nan
        }
    }

    static func text(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : "\(value)"
    }

    // MARK: Times and groups

    /// A calendar date (and its day of week and of year).
    public struct DateParts: Sendable, Hashable {
        /// The year, month (1–12), day (1–31), day of week (0 = Monday, as pandas) and day of year (1–366).
        public var year: Int, month: Int, day: Int, dayOfWeek: Int, dayOfYear: Int
    }

    /// Sortable times and, for a date column, the calendar parts of each row.
    static func times(_ table: DataTable, column name: String) throws -> ([Double], [DateParts?]?) {
        switch try table.column(named: name) {
        case .numeric(let values):
            if let row = values.firstIndex(where: \.isNaN) {
                throw ToolboxError(.invalidData, "time column \(name) is missing at row \(row)", context: ErrorContext(column: name, row: row))
            }
            return (values, nil)
        case .categorical(let texts):
            var times: [Double] = [], parts: [DateParts?] = []
            for (row, text) in texts.enumerated() {
                guard let text, let (time, date) = parseDate(text) else {
                    throw ToolboxError(.parseError, "time column \(name) has \(texts[row].map { ToolboxError.excerpt($0) } ?? "a missing value") at row \(row); expected an ISO 8601 date such as 2024-03-01 or 2024-03-01T12:30:00",
                                       context: ErrorContext(column: name, row: row))
                }
                times.append(time)
                parts.append(date)
            }
            return (times, parts)
        }
    }

    /// Parses `YYYY-MM-DD` with an optional `THH:MM[:SS[.fff]]` (or a space): seconds since
    /// 1970-01-01 (proleptic Gregorian, no time zone) and the date's parts.
    static func parseDate(_ text: String) -> (Double, DateParts)? {
        // The longest form is 2024-03-01T12:30:00 with nanoseconds; anything much longer is not a date.
        guard text.utf8.count <= 40 else { return nil }
        let characters = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= characters.count else { return nil }
            var value = 0
            for c in characters[range] {
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard characters.count >= 10, characters[4] == 45, characters[7] == 45,
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1, day <= daysInMonth(year, month) else { return nil }
        var seconds = 0.0
        if characters.count > 10 {
            guard characters[10] == 84 || characters[10] == 32, characters.count >= 16, characters[13] == 58,
                  let hour = number(11..<13), let minute = number(14..<16), hour < 24, minute < 60 else { return nil }
            seconds = Double(hour * 3600 + minute * 60)
            if characters.count > 16 {
                guard characters[16] == 58, let second = number(17..<19), second < 61 else { return nil }
                seconds += Double(second)
                if characters.count > 19 {
                    guard characters[19] == 46, characters.count > 20, characters.count <= 29,
                          let fraction = number(20..<characters.count) else { return nil }
                    seconds += Double(fraction) / pow(10, Double(characters.count - 20))
                }
            }
        }
        let days = daysFromCivil(year, month, day)
        let dayOfWeek = ((days % 7) + 7 + 3) % 7          // 1970-01-01 was a Thursday (3, Monday = 0)
        let dayOfYear = days - daysFromCivil(year, 1, 1) + 1
        return (Double(days) * 86_400 + seconds, DateParts(year: year, month: month, day: day, dayOfWeek: dayOfWeek, dayOfYear: dayOfYear))
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func groupKeys(_ table: DataTable, column name: String) throws -> [Int] {
        var keys: [String: Int] = [:]
        switch try table.column(named: name) {
        case .numeric(let values):
            return values.map { value in
                let key = value.isNaN ? "nan" : "\(value)"
                if let id = keys[key] { return id }
                keys[key] = keys.count
                return keys.count - 1
            }
        case .categorical(let values):
            return values.map { value in
                let key = value ?? "\u{0}missing"
                if let id = keys[key] { return id }
                keys[key] = keys.count
                return keys.count - 1
            }
        }
    }
}
