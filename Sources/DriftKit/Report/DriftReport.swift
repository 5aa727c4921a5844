import Foundation
public import ToolboxCore

/// What a drift report compares and how.
public struct DriftOptions: Sendable, Hashable {
    /// The test of a column by name, over every other choice.
    public var stattest: [String: StatTest] = [:]
    /// The test of every numeric column not named in ``stattest``.
    public var numericStattest: StatTest?
    /// The test of every categorical column not named in ``stattest``.
    public var categoricalStattest: StatTest?
    /// The threshold of a column by name (otherwise the test's default: 0.05 for p-values, 0.1
    /// for distances).
    public var threshold: [String: Double] = [:]
    /// The share of drifted feature columns at which the dataset drifts (Evidently's 0.5).
    public var driftShare = 0.5
    /// The correction of feature columns' p-values for testing many at once.
    public var correction: Correction = .none
    /// The bins of numeric columns for PSI, Kullback–Leibler, Jensen–Shannon and Hellinger.
    public var binning: Binning = .quantile(10)
    /// The columns to compare (every column of the reference by default).
    public var columns: [String]?
    /// The model's prediction column (scores or classes): reported as prediction drift, not
    /// counted among the features.
    public var prediction: String?
    /// The label column: reported as target (label) drift, not counted among the features.
    public var target: String?
    /// The seed of MMD's permutations and subsampling.
    public var seed: UInt64 = 0
    /// Whether each column keeps the bin shares the HTML report draws (``ColumnDrift/histogram``);
    /// leave them out when only the verdicts are wanted (a table of 100,000 columns).
    public var histograms = true

    /// Evidently's defaults: tests chosen per column, threshold 0.05 (0.1 for distances), the
    /// dataset drifting at half its columns, no correction.
    public init() {}
}

/// One column's drift: the test, its result, the threshold and the verdict.
public struct ColumnDrift: Sendable, Hashable, Codable {
    /// The column's role in the report.
    public enum Role: String, Sendable, Hashable, Codable {
        case feature, prediction, target
    }

    /// The column's name.
    public var column: String
    /// A feature, or the prediction or target column named in ``DriftOptions``.
    public var role: Role
    /// `numeric` or `categorical`.
    public var type: String
    /// The test or distance (``StatTest`` raw value).
    public var test: String
    /// The statistic or distance; `nil` only when a side has no values (see ``note``).
    public var statistic: Double?
    /// The p-value, for tests that have one.
    public var pValue: Double?
    /// The p-value after the report's correction (when one is set).
    public var adjustedPValue: Double?
    /// The threshold the verdict compares with: p-values below it, or distances at or above
    /// it, mean drift.
    public var threshold: Double
    /// The verdict.
    public var drifted: Bool
    /// How large the change is, whatever the sample sizes: the normed Wasserstein distance for
    /// numbers, the Jensen–Shannon distance for categories.
    public var effectSize: Double?
    /// `wasserstein_normed` or `jensen_shannon`.
    public var effectSizeName: String?
    /// Values present (not missing) in the reference.
    public var referenceCount: Int
    /// Values present (not missing) in the current data.
    public var currentCount: Int
    /// Missing values (NaN or empty) in the reference.
    public var referenceMissing: Int
    /// Missing values (NaN or empty) in the current data.
    public var currentMissing: Int
    /// Why a column has no statistic, or what was unusual.
    public var note: String?
    /// The shares per bin or category the HTML report draws.
    public var histogram: Histogram?

    /// Bin or category labels with each sample's share.
    public struct Histogram: Sendable, Hashable, Codable {
        /// The bins' ranges or the categories.
        public var labels: [String]
        /// The reference's share in each.
        public var reference: [Double]
        /// The current data's share in each.
        public var current: [Double]
    }

    enum CodingKeys: String, CodingKey {
        case column, role, type, test, statistic, threshold, drifted, note, histogram
        case pValue = "p_value", adjustedPValue = "adjusted_p_value", effectSize = "effect_size", effectSizeName = "effect_size_name"
        case referenceCount = "reference_count", currentCount = "current_count"
        case referenceMissing = "reference_missing", currentMissing = "current_missing"
    }
}

/// A drift report: every compared column's test and verdict, and the dataset's verdict.
///
/// The test of each column is chosen as Evidently chooses it unless ``DriftOptions`` says
/// otherwise. With n the reference's rows and u the distinct values of both samples together:
/// n ≤ 1000: numbers with u > 5 → Kolmogorov–Smirnov; otherwise chi-square (u > 2) or the
/// Z-test (u ≤ 2), numbers then counted as categories; n > 1000: numbers with u > 5 → normed
/// Wasserstein (threshold 0.1); otherwise Jensen–Shannon (0.1).
///
/// Missing values are left out of every test and counted. A column with no values on one side
/// has no statistic and is drifted (it vanished or appeared); with none on either side it is
/// not. The dataset drifts when the share of drifted feature columns reaches
/// ``DriftOptions/driftShare``; prediction and target columns are reported apart.
public struct DriftReport: Sendable, Hashable, Codable {
    /// Every compared column, in the reference's column order.
    public var columns: [ColumnDrift]
    /// Whether the share of drifted feature columns reached ``driftShare``.
    public var datasetDrift: Bool
    /// The share of drifted feature columns at which the dataset drifts.
    public var driftShare: Double
    /// Feature columns compared.
    public var numberOfColumns: Int
    /// Feature columns that drifted.
    public var numberOfDriftedColumns: Int
    /// ``numberOfDriftedColumns`` over ``numberOfColumns`` (0 without features).
    public var shareOfDriftedColumns: Double
    /// The multiple-testing correction applied to the feature columns' p-values.
    public var correction: Correction
    /// Rows in the reference.
    public var referenceRows: Int
    /// Rows in the current data.
    public var currentRows: Int

    /// The prediction column's drift, when the options name one.
    public var predictionDrift: ColumnDrift? { columns.first { $0.role == .prediction } }
    /// The target column's drift, when the options name one.
    public var targetDrift: ColumnDrift? { columns.first { $0.role == .target } }

    /// Compares every column of `current` with the same column of `reference`.
    /// - Throws: `ToolboxError/Code/notFound` for a column missing from either table,
    ///   `ToolboxError/Code/invalidData` for a column that is numbers on one side and text on
    ///   the other (naming the first text row) or empty tables,
    ///   `ToolboxError/Code/invalidParameter` for a test that cannot run on a column's type or
    ///   a threshold or drift share out of range.
    public static func compute(reference: DataTable, current: DataTable, options: DriftOptions = DriftOptions()) throws -> DriftReport {
        let names = options.columns ?? reference.columnNames
        let references = try names.map { try ReferenceColumn(name: $0, column: try reference.column(named: $0), binning: options.binning) }
        return try compute(references: references, referenceRows: reference.rowCount, current: current, options: options)
    }

    static func compute(references: [ReferenceColumn], referenceRows: Int, current: DataTable, options: DriftOptions) throws -> DriftReport {
        guard options.driftShare > 0, options.driftShare <= 1 else {
            throw ToolboxError(.invalidParameter, "the drift share must be in (0, 1], got \(options.driftShare)", context: ErrorContext(parameter: "drift_share"))
        }
        for (column, value) in options.threshold where !(value.isFinite && value >= 0) {
            throw ToolboxError(.invalidParameter, "the threshold of \(column) must be a finite number of at least 0, got \(value)",
                               context: ErrorContext(column: column, parameter: "threshold"))
        }
        // Nothing to compare is not "no drift": a monitor fed an empty batch must hear about it.
        guard !references.isEmpty else {
            throw ToolboxError(.invalidData, "there are no columns to compare", context: ErrorContext(parameter: "columns"))
        }
        guard referenceRows > 0 else {
            throw ToolboxError(.invalidData, "the reference has no rows; drift needs data on both sides")
        }
        guard current.rowCount > 0 else {
            throw ToolboxError(.invalidData, "the current data has no rows; drift needs data on both sides")
        }
        let named = [options.prediction, options.target].compactMap { $0 } + options.stattest.keys.sorted() + options.threshold.keys.sorted()
        for name in named where !references.contains(where: { $0.name == name }) {
            throw ToolboxError(.notFound, "no column named \(name) among the compared columns", context: ErrorContext(column: name))
        }
        let currentColumns = try references.map { try current.column(named: $0.name) }
        // A report of many columns draws at most `maximumCharts` of them: their bin shares are
        // counted after the verdicts, for the columns the HTML report charts.
        var verdictOptions = options
        let limitCharts = options.histograms && references.count > Self.maximumCharts
        if limitCharts { verdictOptions.histograms = false }
        var results = try Parallel.map(indices: references.count) { index in
            try ColumnComparison.compare(references[index], currentColumns[index], options: verdictOptions)
        }
        for index in results.indices {
            if results[index].column == options.prediction { results[index].role = .prediction }
            if results[index].column == options.target { results[index].role = .target }
        }
        // Correct the feature columns' p-values together, then decide.
        let tested = results.indices.filter { results[$0].role == .feature && results[$0].pValue != nil }
        if options.correction != .none {
            let adjusted = options.correction.adjust(tested.map { results[$0].pValue! })
            for (index, value) in zip(tested, adjusted) {
                results[index].adjustedPValue = value
                results[index].drifted = value < results[index].threshold
            }
        }
        if limitCharts {
            for index in Self.chartOrder(results).prefix(Self.maximumCharts) {
                results[index].histogram = try ColumnComparison.histogram(references[index], currentColumns[index])
            }
        }
        let features = results.filter { $0.role == .feature }
        let drifted = features.filter(\.drifted).count
        let share = features.isEmpty ? 0 : Double(drifted) / Double(features.count)
        return DriftReport(columns: results, datasetDrift: !features.isEmpty && share >= options.driftShare, driftShare: options.driftShare,
                           numberOfColumns: features.count, numberOfDriftedColumns: drifted, shareOfDriftedColumns: share,
                           correction: options.correction, referenceRows: referenceRows, currentRows: current.rowCount)
    }

    /// The most columns the HTML report draws a chart for (drifted ones first, then by name); the
    /// table lists every column.
    public static let maximumCharts = 200

    /// Column indices in the HTML report's order: drifted columns first, then by name.
    static func chartOrder(_ columns: [ColumnDrift]) -> [Int] {
        columns.indices.sorted { (columns[$0].drifted ? 0 : 1, columns[$0].column) < (columns[$1].drifted ? 0 : 1, columns[$1].column) }
    }

    /// The report as JSON: the dataset verdict and, under `columns`, an object per column name
    /// with `test`, `statistic`, `p_value` (for tests with one), `threshold` and `drifted`.
    /// Numbers are written in their shortest form that reads back as the same Double; infinite
    /// statistics (chi-square with a category the reference never had) as the string `"inf"`.
    /// - Parameter histograms: include each column's bin shares (what the HTML report draws).
    public func json(histograms: Bool = false) throws -> String {
        var copy = self
        if !histograms { for index in copy.columns.indices { copy.columns[index].histogram = nil } }
        return try copy.encodedJSON()
    }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The JSON text. A report of many columns encodes its columns in parallel and splices
    /// them into the rest, indented as one encoding would (100,000 columns in a fraction of a
    /// second instead of most of one); the text is the same either way.
    private func encodedJSON() throws -> String {
        guard columns.count >= 512 else { return String(decoding: try Self.encoder().encode(self), as: UTF8.self) }
        // The columns by name, sorted; of two columns with one name the later one, as a
        // dictionary keyed by name would keep.
        let sorted = columns.indices.sorted { columns[$0].column < columns[$1].column || (columns[$0].column == columns[$1].column && $0 < $1) }
        let order = sorted.indices.filter { $0 == sorted.count - 1 || columns[sorted[$0 + 1]].column != columns[sorted[$0]].column }.map { sorted[$0] }
        let entries = try Parallel.map(count: order.count, grain: 2_048) { range -> [UInt8] in
            let encoder = Self.encoder()
            var bytes: [UInt8] = []
            for index in range {
                let column = columns[order[index]]
                if index > range.lowerBound { bytes += ",\n".utf8 }
                bytes += "    ".utf8
                bytes += try ColumnDrift.jsonText(column.column, encoder).utf8
                bytes += " : ".utf8
                if column.histogram == nil {
                    try column.appendPrettyJSON(to: &bytes, encoder)
                    continue
                }
                // The column's object, indented two levels deeper.
                for byte in try encoder.encode(column) {
                    bytes.append(byte)
                    if byte == UInt8(ascii: "\n") { bytes += [0x20, 0x20, 0x20, 0x20] }
                }
            }
            return bytes
        }
        // "columns" sorts first among the report's keys.
        let rest = try Self.encoder().encode(Summary(self))
        var out = Array("{\n  \"columns\" : {\n".utf8)
        out.reserveCapacity(entries.reduce(rest.count + 32) { $0 + $1.count + 2 })
        for (index, entry) in entries.enumerated() {
            if index > 0 { out += ",\n".utf8 }
            out += entry
        }
        out += Array("\n  },\n".utf8) + Array(rest.dropFirst(2))
        return String(decoding: out, as: UTF8.self)
    }

    /// The report's keys but `columns`, for ``encodedJSON()``.
    private struct Summary: Encodable {
        var report: DriftReport
        init(_ report: DriftReport) { self.report = report }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(report.correction, forKey: .correction)
            try container.encode(report.datasetDrift, forKey: .datasetDrift)
            try container.encode(report.driftShare, forKey: .driftShare)
            try container.encode(report.numberOfColumns, forKey: .numberOfColumns)
            try container.encode(report.numberOfDriftedColumns, forKey: .numberOfDriftedColumns)
            try container.encode(report.shareOfDriftedColumns, forKey: .shareOfDriftedColumns)
            try container.encode(report.referenceRows, forKey: .referenceRows)
            try container.encode(report.currentRows, forKey: .currentRows)
            try container.encodeIfPresent(report.predictionDrift?.column, forKey: .predictionDrift)
            try container.encodeIfPresent(report.targetDrift?.column, forKey: .targetDrift)
        }
    }

    enum CodingKeys: String, CodingKey {
        case columns, correction
        case datasetDrift = "dataset_drift", driftShare = "drift_share", numberOfColumns = "number_of_columns"
        case numberOfDriftedColumns = "number_of_drifted_columns", shareOfDriftedColumns = "share_of_drifted_columns"
        case referenceRows = "reference_rows", currentRows = "current_rows"
        case predictionDrift = "prediction_drift", targetDrift = "target_drift"
    }

    /// Encodes the archived form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var byName: [String: ColumnDrift] = [:]
        for column in columns { byName[column.column] = column }
        try container.encode(byName, forKey: .columns)
        try container.encode(correction, forKey: .correction)
        try container.encode(datasetDrift, forKey: .datasetDrift)
        try container.encode(driftShare, forKey: .driftShare)
        try container.encode(numberOfColumns, forKey: .numberOfColumns)
        try container.encode(numberOfDriftedColumns, forKey: .numberOfDriftedColumns)
        try container.encode(shareOfDriftedColumns, forKey: .shareOfDriftedColumns)
        try container.encode(referenceRows, forKey: .referenceRows)
        try container.encode(currentRows, forKey: .currentRows)
        try container.encodeIfPresent(predictionDrift?.column, forKey: .predictionDrift)
        try container.encodeIfPresent(targetDrift?.column, forKey: .targetDrift)
    }

    /// Decodes the archived form, checking it: malformed input throws, never traps.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let byName = try container.decode([String: ColumnDrift].self, forKey: .columns)
        columns = byName.values.sorted { $0.column < $1.column }
        correction = try container.decode(Correction.self, forKey: .correction)
        datasetDrift = try container.decode(Bool.self, forKey: .datasetDrift)
        driftShare = try container.decode(Double.self, forKey: .driftShare)
        numberOfColumns = try container.decode(Int.self, forKey: .numberOfColumns)
        numberOfDriftedColumns = try container.decode(Int.self, forKey: .numberOfDriftedColumns)
        shareOfDriftedColumns = try container.decode(Double.self, forKey: .shareOfDriftedColumns)
        referenceRows = try container.decode(Int.self, forKey: .referenceRows)
        currentRows = try container.decode(Int.self, forKey: .currentRows)
    }

    init(columns: [ColumnDrift], datasetDrift: Bool, driftShare: Double, numberOfColumns: Int, numberOfDriftedColumns: Int,
         shareOfDriftedColumns: Double, correction: Correction, referenceRows: Int, currentRows: Int) {
        self.columns = columns
        self.datasetDrift = datasetDrift
        self.driftShare = driftShare
        self.numberOfColumns = numberOfColumns
        self.numberOfDriftedColumns = numberOfDriftedColumns
        self.shareOfDriftedColumns = shareOfDriftedColumns
        self.correction = correction
        self.referenceRows = referenceRows
        self.currentRows = currentRows
    }
}

extension ColumnDrift {
    /// `value` as a JSON string: plain text needs no escaping; anything else is escaped by the
    /// encoder itself, so the text is the encoder's either way.
    static func jsonText(_ value: String, _ encoder: JSONEncoder) throws -> String {
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) { return "\"" + value + "\"" }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Appends the column's object as the report's encoder writes it at its depth (keys
    /// sorted, six spaces in, absent values left out), without the encoder's per-value
    /// machinery: a report of 100,000 columns writes in a fraction of a second. Text that needs
    /// escapes goes through the encoder, so it is escaped as it escapes it.
    func appendPrettyJSON(to out: inout [UInt8], _ encoder: JSONEncoder) throws {
        var first = true
        func key(_ name: StaticString) {
            out += first ? "{\n      \"".utf8 : ",\n      \"".utf8
            first = false
            name.withUTF8Buffer { out += $0 }
            out += "\" : ".utf8
        }
        func number(_ value: Double) {
            if value.isNaN { out += "\"nan\"".utf8 } else if value.isInfinite { out += (value > 0 ? "\"inf\"" : "\"-inf\"").utf8 } else { out += ReferenceColumn.text(value).utf8 }
        }
        func text(_ value: String) throws { out += try Self.jsonText(value, encoder).utf8 }
        // Keys in sorted order.
        if let adjustedPValue { key("adjusted_p_value"); number(adjustedPValue) }
        key("column"); try text(column)
        key("current_count"); out += String(currentCount).utf8
        key("current_missing"); out += String(currentMissing).utf8
        key("drifted"); out += (drifted ? "true" : "false").utf8
        if let effectSize { key("effect_size"); number(effectSize) }
        if let effectSizeName { key("effect_size_name"); try text(effectSizeName) }
        if let note { key("note"); try text(note) }
        if let pValue { key("p_value"); number(pValue) }
        key("reference_count"); out += String(referenceCount).utf8
        key("reference_missing"); out += String(referenceMissing).utf8
        key("role"); try text(role.rawValue)
        if let statistic { key("statistic"); number(statistic) }
        key("test"); try text(test)
        key("threshold"); number(threshold)
        key("type"); try text(type)
        out += "\n    }".utf8
    }
}
