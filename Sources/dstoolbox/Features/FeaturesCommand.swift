import ArgumentParser
import DSToolbox
import Workflows
import Foundation

/// `dstoolbox features ...`: feature extraction from the command line.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Extract features: per-trace seismic features and embeddings.",
        subcommands: [TraceFeaturesCommand.self, TimeSeriesFeaturesCommand.self]
    )
}

/// `dstoolbox features traces SURVEY.sgy --output features.csv [--embedding pca:32]`
struct TraceFeaturesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traces",
        abstract: "One CSV row per trace: index, inline and crossline (when the survey has them), 42 features, embedding columns.",
        discussion: """
        Traces are read and processed in blocks, so a survey larger than memory streams through. \
        With --embedding pca:N, a PCA of the raw samples is fitted on a seeded sample of traces \
        (--sample, default 10000) and applied to every trace as columns pca0...pca(N-1). \
        With --embedding-from, an embedding kept earlier is applied instead (a workflow keeps the one \
        it trained with beside its model), so new surveys' pca columns mean what the model learned.
        """
    )

    @Argument(help: "The SEG-Y file.") var survey: String
    @Option(name: .shortAndLong, help: "Output CSV file (replaced atomically).") var output: String
    @Option(help: "An embedding of the raw samples: pca:N.") var embedding: String?
    @Option(help: "Apply a kept embedding instead: a .dstbx file, runs:/RUN_ID/trace_embedding.dstbx, or models:/NAME@ALIAS or models:/NAME/VERSION (the embedding a workflow kept beside that model).")
    var embeddingFrom: String?
    @Option(help: "The store --embedding-from's runs:/ or models:/ URI is read from (default: DSTOOLBOX_STORE, then ./dstoolbox-store).") var store: String?
    @Option(parsing: .unconditional, help: "Traces the embedding is fitted on (a seeded random sample).") var sample: Int = 10_000
    @Option(parsing: .unconditional, help: "Seed of the sample.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Traces processed at a time.") var block: Int = 4_096
    @Flag(help: "No progress on standard error.") var quiet = false

    func validate() throws {
        guard sample >= 1 else { throw ValidationError("--sample must be at least 1") }
        guard block >= 1, block <= 1_000_000 else { throw ValidationError("--block must be in 1...1000000") }
        _ = try parseEmbedding()
        if embedding != nil, embeddingFrom != nil { throw ValidationError("give --embedding pca:N or --embedding-from SOURCE, not both") }
    }

    /// The embedding kept at `source`: a file, a run's artifact, or the one beside a registered version.
    static func keptEmbedding(_ source: String, store: String?) async throws -> TraceEmbedding.Model {
        guard ModelURI.isURI(source) else { return try ModelArchive.load(TraceEmbedding.Model.self, from: source) }
        let tracking = try await RunsCommand.store(store, readOnly: true)
        var uri = source
        if source.hasPrefix("models:/") {
            let reference = String(source.dropFirst("models:/".count))
            let version: ModelVersion
            if let at = reference.firstIndex(of: "@") {
                version = try await tracking.modelVersion(name: String(reference[..<at]), alias: String(reference[reference.index(after: at)...]))
            } else if let slash = reference.lastIndex(of: "/"), let number = Int(reference[reference.index(after: slash)...]) {
                version = try await tracking.modelVersion(name: String(reference[..<slash]), version: number)
            } else {
                throw ToolboxError(.invalidParameter, "--embedding-from takes models:/NAME@ALIAS or models:/NAME/VERSION, got \(source)",
                                   context: ErrorContext(parameter: "--embedding-from"))
            }
            uri = "runs:/\(version.runID)/trace_embedding.dstbx"
        }
        do {
            return try await tracking.loadModel(TraceEmbedding.Model.self, uri: uri)
        } catch let error as ToolboxError where error.code == .notFound {
            throw ToolboxError(.notFound, "no trace embedding at \(uri) (\(source)): only workflows with data.embedding keep one; \(error.message)",
                               context: ErrorContext(parameter: "--embedding-from"))
        }
    }

    /// The number of PCA components asked for, if any.
    func parseEmbedding() throws -> Int? {
        guard let embedding else { return nil }
        let parts = embedding.split(separator: ":")
        guard parts.count == 2, parts[0] == "pca", let count = Int(parts[1]), count >= 1, count <= 4_096 else {
            throw ValidationError("--embedding takes pca:N with N in 1...4096, got \(embedding)")
        }
        return count
    }

    func run() async throws {
        try Toolbox.registerAll()
        let file = try SEGYFile(path: survey)
        let (traces, samples) = (file.traceCount, file.sampleCount)
        guard traces > 0, samples > 0 else {
            throw ToolboxError(.invalidData, "\(survey) has no traces to describe", context: ErrorContext(path: survey))
        }
        let dt = file.sampleInterval() / 1e6
        let geometry = try? file.geometry()
        let components = try parseEmbedding()
        if let components, components > min(samples, min(sample, traces)) {
            throw ToolboxError(.invalidParameter, "pca:\(components) needs at most min(samples per trace, sampled traces) = \(min(samples, min(sample, traces))) components",
                               context: ErrorContext(path: survey, parameter: "--embedding"))
        }
        var embeddingModel = try components.map { try SurveyFeatures.fitEmbedding(file, components: $0, sample: sample, seed: seed, parameter: "--embedding") }
        if let embeddingFrom {
            let kept = try await Self.keptEmbedding(embeddingFrom, store: store)
            guard kept.inputFeatureCount == samples else {
                throw ToolboxError(.shapeMismatch, "the embedding at \(embeddingFrom) was fitted on traces of \(kept.inputFeatureCount) samples; \(survey) has \(samples)",
                                   context: ErrorContext(path: survey, parameter: "--embedding-from"))
            }
            embeddingModel = kept
        }
        let computer = try TraceFeatureComputer(count: samples, sampleInterval: dt)
        let writer = try AtomicFileWriter(path: output)
        var header = ["trace"] + (geometry != nil ? ["inline", "crossline"] : []) + TraceFeatureExtractor.featureNames
        if let embeddingModel { header += embeddingModel.outputFeatureNames(input: []) }
        try writer.write(header.joined(separator: ",") + "\n")
        let inlines = geometry != nil ? try file.headerValues(.inline) : []
        let crosslines = geometry != nil ? try file.headerValues(.crossline) : []
        var progress = Progress(total: traces, quiet: quiet || traces < 50_000)
        for start in stride(from: 0, to: traces, by: block) {
            let range = start..<min(start + block, traces)
            let raw = try file.traces(range)
            let rows = try Matrix(rows: range.count, columns: samples, values: raw.map(Double.init))
            let features = try Parallel.map(count: range.count, grain: 64) { part in try part.map { try computer.features(rows.row($0)) } }
                .flatMap { $0 }
            let embedded = try embeddingModel.map { try SurveyFeatures.embed(rows, with: $0) }
            var text = ""
            text.reserveCapacity(range.count * 48 * 12)
            for (k, trace) in range.enumerated() {
                text += String(trace)
                if geometry != nil { text += ",\(inlines[trace]),\(crosslines[trace])" }
                for value in features[k] { text += "," + DataTable.csvField(value) }
                if let embedded { for j in 0..<embedded.columns { text += "," + DataTable.csvField(embedded[k, j]) } }
                text += "\n"
            }
            try writer.write(text)
            progress.advance(to: range.upperBound)
        }
        try writer.commit()
        progress.finish()
        print("wrote \(traces) traces x \(header.count) columns to \(output)")
    }
}

/// `dstoolbox features timeseries DATA.csv --time COL [--group COL] --value COL ... --output F`
struct TimeSeriesFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeseries",
        abstract: "Lags, differences, percent changes, rolling, expanding and exponentially weighted statistics per group, and calendar parts.",
        discussion: "Rows keep their order; features are appended as columns. A feature at time t reads only rows of its group at times up to t."
    )

    @Argument(help: "The CSV file.") var data: String
    @Option(help: "The time column: ISO 8601 dates (2024-03-01, 2024-03-01T12:30:00) or numbers.") var time: String
    @Option(help: "The group column (for example the part number).") var group: String?
    @Option(name: .customLong("value"), help: "A value column (repeat for several).") var values: [String]
    @Option(name: .shortAndLong, help: "Output CSV file (replaced atomically).") var output: String
    @Option(help: "Lags, comma-separated.") var lags: String = "1"
    @Option(help: "Differences, comma-separated.") var differences: String = "1"
    @Option(name: .customLong("pct-changes"), help: "Percent-change periods, comma-separated.") var percentChanges: String = "1"
    @Option(help: "Rolling window lengths, comma-separated.") var windows: String = "3"
    @Option(help: "Rolling quantiles in [0, 1], comma-separated.") var quantiles: String = "0.5"
    @Option(name: .customLong("ewm-spans"), help: "Spans of exponentially weighted means, comma-separated.") var ewmSpans: String = "3"
    @Flag(help: "No calendar parts of the time column.") var noCalendar = false

    func validate() throws {
        guard !values.isEmpty else { throw ValidationError("give at least one --value column") }
    }

    static func integers(_ text: String, _ option: String) throws -> [Int] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), value >= 1, value <= 1_000_000 else {
                throw ValidationError("--\(option) takes comma-separated whole numbers in 1...1000000, got \(text)")
            }
            return value
        }
    }

    static func numbers(_ text: String, _ option: String, in range: ClosedRange<Double>, _ rangeText: String) throws -> [Double] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let value = Double(part.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw ValidationError("--\(option) takes comma-separated numbers \(rangeText), got \(text)")
            }
            return value
        }
    }

    func run() throws {
        var features = TimeSeriesFeatures(time: time, group: group, values: values)
        features.lags = try Self.integers(lags, "lags")
        features.differences = try Self.integers(differences, "differences")
        features.percentChanges = try Self.integers(percentChanges, "pct-changes")
        features.windows = try Self.integers(windows, "windows")
        features.windowQuantiles = try Self.numbers(quantiles, "quantiles", in: 0...1, "in [0, 1]")
        features.ewmSpans = try Self.numbers(ewmSpans, "ewm-spans", in: 1...1e9, "in [1, 1e9]")
        features.calendar = !noCalendar
        try RegularFile.checkReplaceable(output)
        let table = try DataTable(csvFile: data)
        let out = try features.transform(table)
        try out.writeCSV(to: output)
        print("wrote \(out.rowCount) rows x \(out.columnCount) columns to \(output)")
    }
}

/// A progress line on standard error for long runs.
struct Progress {
    let total: Int
    let quiet: Bool
    private var shown = -1

    init(total: Int, quiet: Bool) {
        self.total = total
        self.quiet = quiet
    }

    mutating func advance(to done: Int) {
        guard !quiet else { return }
        let percent = total > 0 ? done * 100 / total : 100
        guard percent != shown else { return }
        shown = percent
        FileHandle.standardError.write(Data("\r\(done)/\(total) traces (\(percent)%)".utf8))
    }

    func finish() {
        if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
