// Generated from Sources/FeatureKit/FeatureKit.docc/FeatureKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import FeatureKit
import ToolboxCore
import Foundation

func snippet_Sources_FeatureKit_FeatureKit_docc_FeatureKit_1() async throws {
    let table = try DataTable(csvFile: "houses.csv")
    let features = try table.toMatrix()
    let prepare = ColumnTransformer([
        .init(name: "num", StandardScaler(), columns: ["area", "rooms"]),
        .init(name: "cat", OneHotEncoder(handleUnknown: .ignore), columns: ["district"]),
    ], remainder: .passthrough)
    let model = try prepare.fit(features.matrix, context: FitContext(features))
    let x = try model.transform(features.matrix)
    print(x.columns, model.outputFeatureNames(input: features.featureNames))   // ["num__area", "cat__district_north", ...]
}
