public import FeatureKit
public import SEGYKit
public import ToolboxCore

/// A SEG-Y survey as a feature table: one row per trace with its index (and inline and
/// crossline when the survey has them), the 42 trace features, and optionally a PCA embedding
/// of the raw samples (`pca0...`). What `dstoolbox features traces` writes, in memory.
public enum SurveyFeatures {
    /// The feature table of the survey at `path`.
    /// - Parameters:
    ///   - path: the SEG-Y file.
    ///   - embedding: PCA components of the raw samples, if any.
    ///   - sample: traces the embedding is fitted on (a seeded random sample).
    ///   - seed: chooses the sample.
    ///   - block: traces read and processed at a time.
    /// - Throws: `ToolboxError` for a file that is not SEG-Y, a survey without traces, or too
    ///   many components.
    public static func table(path: String, embedding: Int? = nil, sample: Int = 10_000, seed: UInt64 = 0, block: Int = 4_096) throws -> DataTable {
        try features(path: path, embedding: embedding, sample: sample, seed: seed, block: block).table
    }

    /// The feature table of the survey at `path` and the embedding it used: `fitted` (one
    /// fitted on another survey, so a new survey's `pca` columns mean what the training
    /// survey's meant), or one fitted here with `embedding` components.
    public static func features(path: String, embedding: Int? = nil, fitted: TraceEmbedding.Model? = nil, sample: Int = 10_000, seed: UInt64 = 0,
                                block: Int = 4_096) throws -> (table: DataTable, embedding: TraceEmbedding.Model?) {
        let file = try SEGYFile(path: path)
        let (traces, samples) = (file.traceCount, file.sampleCount)
        guard traces > 0, samples > 0 else {
            throw ToolboxError(.invalidData, "\(path) has no traces to describe", context: ErrorContext(path: path))
        }
        let geometry = try? file.geometry()
        if let fitted, fitted.inputFeatureCount != samples {
            throw ToolboxError(.shapeMismatch, "the embedding was fitted on traces of \(fitted.inputFeatureCount) samples; \(path) has \(samples)", context: ErrorContext(path: path))
        }
        let model = try fitted ?? embedding.map { try fitEmbedding(file, components: $0, sample: sample, seed: seed) }
        let computer = try TraceFeatureComputer(count: samples, sampleInterval: file.sampleInterval() / 1e6)
        let names = TraceFeatureExtractor.featureNames
        var features = [[Double]](repeating: [], count: names.count)
        let embeddingNames = model?.outputFeatureNames(input: []) ?? []
        var embedded = [[Double]](repeating: [], count: embeddingNames.count)
        for start in stride(from: 0, to: traces, by: block) {
            let range = start..<min(start + block, traces)
            let raw = try file.traces(range)
            let rows = try Matrix(rows: range.count, columns: samples, values: raw.map(Double.init))
            let computed = try Parallel.map(count: range.count, grain: 64) { part in try part.map { try computer.features(rows.row($0)) } }.flatMap { $0 }
            for row in computed { for (j, value) in row.enumerated() { features[j].append(value) } }
            if let model {
                let values = try embed(rows, with: model)
                for i in 0..<values.rows { for j in 0..<values.columns { embedded[j].append(values[i, j]) } }
            }
        }
        var columns: [(name: String, column: DataTable.Column)] = [("trace", .numeric((0..<traces).map(Double.init)))]
        if geometry != nil {
            columns.append(("inline", .numeric(try file.headerValues(.inline).map(Double.init))))
            columns.append(("crossline", .numeric(try file.headerValues(.crossline).map(Double.init))))
        }
        columns += zip(names, features).map { ($0, .numeric($1)) }
        columns += zip(embeddingNames, embedded).map { ($0, .numeric($1)) }
        return (try DataTable(columns), model)
    }

    /// PCA of the raw samples, fitted on a seeded sample of traces (only the sampled traces are
    /// read; traces with a NaN or infinite sample are left out).
    public static func fitEmbedding(_ file: SEGYFile, components: Int, sample: Int, seed: UInt64, parameter: String = "embedding") throws -> TraceEmbedding.Model {
        let limit = min(file.sampleCount, min(sample, file.traceCount))
        guard components <= limit else {
            throw ToolboxError(.invalidParameter, "pca:\(components) needs at most min(samples per trace, sampled traces) = \(limit) components",
                               context: ErrorContext(path: file.path, parameter: parameter))
        }
        let embedding = TraceEmbedding(components: components, sampleSize: sample, seed: seed)
        let chosen = embedding.sampledRows(file.traceCount)
        var values: [Double] = []
        values.reserveCapacity(chosen.count * file.sampleCount)
        var kept = 0
        for trace in chosen {
            let samples = try file.trace(trace)
            // A trace with a NaN or infinite sample (dead or corrupt) does not shape the embedding.
            guard !samples.contains(where: { !$0.isFinite }) else { continue }
            values += samples.map(Double.init)
            kept += 1
        }
        guard kept > 0 else {
            throw ToolboxError(.invalidData, "every sampled trace has a NaN or infinite sample: no embedding can be fitted", context: ErrorContext(parameter: parameter))
        }
        guard components <= min(kept, file.sampleCount) else {
            throw ToolboxError(.invalidParameter, "pca:\(components) needs at most \(min(kept, file.sampleCount)) components: only \(kept) sampled traces are finite",
                               context: ErrorContext(parameter: parameter))
        }
        let x = try Matrix(rows: kept, columns: file.sampleCount, values: values)
        // Already the sample: fit on all of it.
        var whole = embedding
        whole.sampleSize = kept
        return try whole.fit(x)
    }

    /// The embedding of each row; rows with a NaN or infinite sample embed as NaN, as their features do.
    public static func embed(_ rows: Matrix<Double>, with model: TraceEmbedding.Model) throws -> Matrix<Double> {
        guard rows.firstNonFinite() != nil else { return try model.transform(rows) }
        let bad = (0..<rows.rows).filter { i in rows.row(i).contains { !$0.isFinite } }
        var cleaned = rows
        for i in bad { for j in 0..<rows.columns { cleaned[i, j] = 0 } }
        var embedded = try model.transform(cleaned)
        for i in bad { for j in 0..<embedded.columns { embedded[i, j] = .nan } }
        return embedded
    }
}
