import FeatureKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Column transformer")
struct ColumnTransformerTests {
    init() throws { try FeatureKit.registerModels() }

    static func table() throws -> DataTable {
        try DataTable([
            ("area", .numeric([50, 72, 31, 120, 88, 64])), ("rooms", .numeric([2, 3, 1, 5, .nan, 3])),
            ("district", .categorical(["north", "south", "north", "east", "south", nil])), ("year", .numeric([1990, 2001, 1975, 2015, 2008, 1999])),
            ("kind", .categorical(["flat", "house", "flat", "house", "flat", "flat"])),
        ])
    }

    @Test func routesNamedColumnsAndNamesTheOutputs() throws {
        let features = try Self.table().toMatrix()
        let prepare = ColumnTransformer([
            .init(name: "num", SimpleImputer(strategy: .median), columns: ["area", "rooms"]),
            .init(name: "cat", OneHotEncoder(handleUnknown: .ignore), columns: ["district"]),
            .init(name: "ord", OrdinalEncoder(), columns: ["kind"]),
        ], remainder: .passthrough)
        let model = try prepare.fit(features.matrix, context: FitContext(features))
        #expect(model.outputFeatureNames(input: features.featureNames) == [
            "num__area", "num__rooms", "cat__district_east", "cat__district_north", "cat__district_south", "cat__district_nan",
            "ord__kind", "remainder__year",
        ])
        let out = try model.transform(features.matrix)
        // Each block is its transformer's output on its columns.
        let imputed = try SimpleImputer(strategy: .median).fit(try features.matrix.columns(at: [0, 1])).transform(try features.matrix.columns(at: [0, 1]))
        #expect((0..<6).allSatisfy { out[$0, 0] == imputed[$0, 0] && out[$0, 1] == imputed[$0, 1] })
        #expect(out[4, 1] == 3)                                  // the median of 2, 3, 1, 5, 3
        #expect((0..<6).map { out[$0, 7] } == [1990, 2001, 1975, 2015, 2008, 1999])
        #expect((0..<6).map { out[$0, 5] } == [0, 0, 0, 0, 0, 1])  // the missing district
        // The ordinal output is categorical, with the table's labels; the one-hot block is not.
        #expect(model.outputCategoricalFeatures(input: FitContext(features).categoricalFeatures)
                == [CategoricalFeature(column: 6, categories: ["flat", "house"])])
        // Saved and loaded by name alone.
        let loaded = try #require(try ModelArchive.decode(from: try ModelArchive.encode(model)).transformer)
        #expect(try loaded.transform(features.matrix) == out)
    }

    @Test func buildsFromYAMLInsideAPipeline() throws {
        let yaml = """
        steps:
          - name: prepare
            type: column_transformer
            parameters:
              remainder: drop
              transformers:
                - {name: num, type: standard_scaler, columns: [area, year]}
                - {name: cat, type: one_hot_encoder, columns: [district], parameters: {handle_unknown: ignore}}
        """
        let pipeline = try DynamicPipeline(yaml: yaml)
        let features = try Self.table().toMatrix()
        let model = try pipeline.fit(features.matrix, [Double](repeating: 0, count: 6), context: FitContext(features))
        #expect(model.outputFeatureNames(input: features.featureNames)
                == ["num__area", "num__year", "cat__district_east", "cat__district_north", "cat__district_south", "cat__district_nan"])
        #expect(model.outputFeatureCount == 6)
        let again = try DynamicPipeline(spec: pipeline.spec)
        #expect(again == pipeline)
        for bad in ["{name: num, type: standard_scaler, columns: [area, nope]}", "{name: num, type: no_such, columns: [area]}",
                    "{name: num, type: standard_scaler, columns: []}", "{name: num, type: standard_scaler, cols: [area]}"] {
            let text = yaml.replacingOccurrences(of: "{name: num, type: standard_scaler, columns: [area, year]}", with: bad)
            #expect(throws: ToolboxError.self, "\(bad)") {
                try DynamicPipeline(yaml: text).fit(features.matrix, [Double](repeating: 0, count: 6), context: FitContext(features))
            }
        }
    }

    @Test func conforms() throws {
        try checkEstimator(ColumnTransformer([.init(name: "scale", StandardScaler(), indices: [0, 2]),
                                              .init(name: "minmax", MinMaxScaler(), indices: [1])], remainder: .passthrough),
                           task: .unsupervised)
        #expect(throws: ToolboxError.self) {
            try ColumnTransformer([.init(name: "a", StandardScaler(), indices: [7])]).fit(Matrix(rows: 3, columns: 2, repeating: 1))
        }
        #expect(throws: ToolboxError.self) {
            try ColumnTransformer([.init(name: "a", StandardScaler(), columns: ["area"])]).fit(Matrix(rows: 3, columns: 2, repeating: 1))
        }
    }
}
