public import ToolboxCore

/// Time-series features as a pipeline's table step:
/// `{type: time_series_features, parameters: {time: date, group: part, values: [cost], lags: [1, 2]}}`
/// appends the feature columns before the table becomes a matrix. Nothing is learned: fitting
/// checks the columns and returns the step itself. At prediction time the table must hold the
/// history each feature reads (earlier rows of the same group), as the features at time t are
/// computed from that group's rows at times ≤ t in the table given.
extension TimeSeriesFeatures: TableEstimator, TableModel, Configurable {
    /// No columns yet: set `time` and `values` before fitting.
    public init() { self.init(time: "", values: []) }

    /// The name archives and the model registry know this type by.
    public static let modelTypeName = "FeatureKit.TimeSeriesFeatures"

    /// The hyperparameters by their snake_case names (`lags`, `windows`, `ewm_spans`, ...).
    public static let hyperparameterSchema: [Hyperparameter<TimeSeriesFeatures>] = [
        .text("time", \.time, "the time column: ISO 8601 dates or numbers"),
        .optionalText("group", \.group, "the group column (for example the part number), or null for one series"),
        .sequence("values", \.values, of: .text, "the value columns the features describe"),
        .sequence("lags", \.lags, of: .integer(minimum: 1, maximum: nil), "lags (pandas shift)"),
        .sequence("differences", \.differences, of: .integer(minimum: 1, maximum: nil), "differences (pandas diff)"),
        .sequence("pct_changes", \.percentChanges, of: .integer(minimum: 1, maximum: nil), "percent-change periods (pandas pct_change)"),
        .sequence("windows", \.windows, of: .integer(minimum: 1, maximum: nil), "rolling window lengths"),
        .sequence("window_statistics", \.windowStatistics, of: .choice(Statistic.allCases.map(\.rawValue)),
                  "statistics of each rolling window: mean, std, min, max"),
        .sequence("window_quantiles", \.windowQuantiles, of: .real(minimum: 0, maximum: 1, exclusiveMinimum: false),
                  "quantiles of each rolling window"),
        .sequence("expanding", \.expanding, of: .choice(Statistic.allCases.map(\.rawValue)), "expanding-window statistics"),
        .sequence("ewm_spans", \.ewmSpans, of: .real(minimum: 1, maximum: nil, exclusiveMinimum: false),
                  "spans of exponentially weighted means"),
        .bool("calendar", \.calendar, "calendar parts of a date time column"),
    ]

    /// Checks that the time, group and value columns are set and present; nothing is learned.
    /// - Throws: `ToolboxError/Code/invalidParameter` when `time` or `values` is not set,
    ///   `ToolboxError/Code/notFound` for a missing column.
    public func fit(_ table: DataTable) throws -> TimeSeriesFeatures {
        guard !time.isEmpty else {
            throw ToolboxError(.invalidParameter, "time must name the time column", context: ErrorContext(parameter: "time"))
        }
        guard !values.isEmpty else {
            throw ToolboxError(.invalidParameter, "values must name at least one value column", context: ErrorContext(parameter: "values"))
        }
        for name in [time] + (group.map { [$0] } ?? []) + values { _ = try table.column(named: name) }
        return self
    }
}
