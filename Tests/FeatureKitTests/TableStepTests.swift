import FeatureKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

/// TF-IDF and time-series features as table steps: built by name from YAML with scikit-learn's
/// and pandas' parameter names, and giving what their direct APIs give.
@Suite("Table steps from YAML")
struct TableStepTests {
    init() throws { try FeatureKit.registerModels() }

    func step(_ yaml: String) throws -> any TableEstimator {
        let pipeline = try DynamicPipeline(yaml: yaml + "\n  - type: standard_scaler\n")
        return try #require(pipeline.tableSteps.first?.estimator)
    }

    @Test func tfidfParametersReadAsScikitLearnsDo() throws {
        let built = try step("steps:\n  - type: tfidf_vectorizer\n    parameters: {column: doc, ngram_range: [1, 2], min_df: 2, max_df: 0.5, max_features: 40, sublinear_tf: true, norm: l1, lowercase: false}")
        var expected = TfidfVectorizer(ngramRange: 1...2, minDocumentFrequency: .count(2), maxDocumentFrequency: .fraction(0.5), maxFeatures: 40,
                                       sublinearTf: true, norm: .l1, column: "doc")
        expected.tokenizer.lowercase = false
        #expect(built as? TfidfVectorizer == expected)
        // YAML cannot tell 1 from 1.0: max_df 1 is every document (scikit-learn's 1.0), whole
        // numbers from 2 are counts; min_df 1 is one document.
        for (text, value) in [("max_df: 1", TfidfVectorizer.DocumentFrequency.fraction(1)), ("max_df: 3", .count(3)), ("max_df: 0.9", .fraction(0.9))] {
            let vectorizer = try #require(try step("steps:\n  - type: tfidf_vectorizer\n    parameters: {\(text)}") as? TfidfVectorizer)
            #expect(vectorizer.maxDocumentFrequency == value, "\(text)")
        }
        #expect(try TfidfVectorizer(hyperparameters: [:]) == TfidfVectorizer())
        #expect(TfidfVectorizer().hyperparameterValues["min_df"] == .number(1) && TfidfVectorizer().hyperparameterValues["max_df"] == .number(1))
        for (bad, key) in [("min_df: 1.5", "min_df"), ("ngram_range: [2, 1]", "ngram_range"), ("ngram_range: [0, 1]", "ngram_range"),
                           ("column: 3", "column"), ("ngrams: [1, 2]", "ngrams")] {
            let error = #expect(throws: ToolboxError.self) { try step("steps:\n  - type: tfidf_vectorizer\n    parameters: {\(bad)}") }
            #expect(error?.context.parameter == "steps[0].parameters.\(key)", "\(bad): \(String(describing: error))")
        }
    }

    /// The step's columns are scikit-learn's TF-IDF values (the golden bigram case), named
    /// `column__term`; other columns stay as they were, in place.
    @Test func tfidfStepWritesScikitLearnsValuesAsColumns() throws {
        let train = try #require(try TextTests.golden["train"]?.decoded(as: [String].self))
        let test = try #require(try TextTests.golden["test"]?.decoded(as: [String].self))
        let golden = try #require(TextTests.golden["cases"]?.objectValue?["bigrams_min2"]?.objectValue)
        let vocabulary = try #require(try golden["vocabulary"]?.decoded(as: [String].self))
        let vectorizer = try #require(try step("steps:\n  - type: tfidf_vectorizer\n    parameters: {column: doc, ngram_range: [1, 2], min_df: 2}") as? TfidfVectorizer)
        func table(_ documents: [String]) throws -> DataTable {
            try DataTable([("id", .numeric(documents.indices.map(Double.init))), ("doc", .categorical(documents)),
                           ("tag", .categorical(documents.map { _ in "x" }))])
        }
        let model = try vectorizer.fit(try table(train))
        for (split, documents) in [("train", train), ("test", test)] {
            let output = try model.transform(try table(documents))
            #expect(output.columnNames == ["id", "tag"] + vocabulary.map { "doc__\($0)" })
            #expect(try output.numericColumn(named: "id") == documents.indices.map(Double.init))
            let expected = try #require(try golden[split]?.decoded(as: [[Double]].self))
            for (k, term) in vocabulary.enumerated() {
                expectClose(try output.numericColumn(named: "doc__\(term)"), expected.map { $0[k] }, "\(split) \(term)", tolerance: 1e-12, absolute: 1e-15)
            }
        }
        // Missing text is an empty document; numbers are not text; a dense output too large to
        // write out asks for max_features before anything is allocated.
        let missing = try model.transform(try DataTable([("doc", .categorical([nil, "the cat"]))]))
        #expect(try vocabulary.allSatisfy { try missing.numericColumn(named: "doc__\($0)")[0] == 0 })
        let numbers = #expect(throws: ToolboxError.self) { try model.transform(try DataTable([("doc", .numeric([1, 2]))])) }
        #expect(numbers?.code == .invalidData && numbers?.context.column == "doc")
        #expect(throws: ToolboxError.self) { try vectorizer.fit(try DataTable([("text", .categorical(["a b"]))])) }
        let rows = TfidfModel.maximumDenseCells / vocabulary.count + 1
        let huge = #expect(throws: ToolboxError.self) {
            try model.transform(try DataTable([("doc", .categorical([String?](repeating: "", count: rows)))]))
        }
        #expect(huge?.context.parameter == "max_features")
    }

    @Test func timeSeriesParametersReadAsPandasUsersWriteThem() throws {
        let built = try step("""
            steps:
              - type: time_series_features
                parameters:
                  time: date
                  group: part
                  values: [cost, qty]
                  lags: [1, 3]
                  windows: [3, 5]
                  window_quantiles: [0.5, 0.9]
                  expanding: [mean, std, max]
                  ewm_spans: [4]
            """)
        #expect(built as? TimeSeriesFeatures == TimeSeriesTests.features())
        let input = try DataTable(csvFile: TimeSeriesTests.golden.appendingPathComponent("timeseries.csv").path)
        let model = try #require(try built.fit(input) as? TimeSeriesFeatures)
        #expect(try model.transform(input) == TimeSeriesTests.features().transform(input))
        for (bad, key) in [("lags: [0]", "lags"), ("window_statistics: [median]", "window_statistics"), ("group: [part]", "group"),
                           ("window_quantiles: [1.5]", "window_quantiles"), ("lag: [1]", "lag")] {
            let error = #expect(throws: ToolboxError.self) {
                try step("steps:\n  - type: time_series_features\n    parameters: {time: date, values: [cost], \(bad)}")
            }
            #expect(error?.context.parameter == "steps[0].parameters.\(key)", "\(bad): \(String(describing: error))")
        }
        let noTime = #expect(throws: ToolboxError.self) { try TimeSeriesFeatures().fit(input) }
        #expect(noTime?.context.parameter == "time")
        let missing = #expect(throws: ToolboxError.self) { try TimeSeriesFeatures(time: "date", values: ["price"]).fit(input) }
        #expect(missing?.code == .notFound && missing?.context.column == "price")
    }

    @Test func tableStepsComeFirst() throws {
        let error = #expect(throws: ToolboxError.self) {
            try DynamicPipeline(yaml: "steps:\n  - type: standard_scaler\n  - type: tfidf_vectorizer\n")
        }
        #expect(error?.context.parameter == "steps[1].type")
        let alone = #expect(throws: ToolboxError.self) { try DynamicPipeline(yaml: "steps:\n  - type: tfidf_vectorizer\n") }
        #expect(alone?.code == .invalidData)
    }

    /// Table steps and estimators share one namespace: neither takes the other's name or alias.
    @Test func tableStepNamesAreTheirOwn() throws {
        let registry = ModelRegistry()
        try FeatureKit.registerModels(in: registry)
        #expect(registry.tableEstimatorType(named: "tfidf_vectorizer") != nil)
        #expect(throws: ToolboxError.self) { try registry.register(tableEstimator: TfidfVectorizer.self, name: "FeatureKit.TfidfVectorizer", aliases: ["pca"]) }
        #expect(throws: ToolboxError.self) { try registry.register(estimator: StandardScaler.self, name: "FeatureKit.StandardScaler", aliases: ["time_series_features"]) }
        #expect(throws: ToolboxError.self) { try registry.register(tableEstimator: TimeSeriesFeatures.self, name: "FeatureKit.PCA") }
        try FeatureKit.registerModels(in: registry)
    }
}
