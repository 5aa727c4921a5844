// Generated from Documentation/Guides/FeatureKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import FeatureKit
import ToolboxCore
import Foundation

func snippet_Documentation_Guides_FeatureKit_1() async throws {
    let table = try DataTable(csvFile: "houses.csv")
    let features = try table.toMatrix(columns: ["area", "rooms", "district"])
    let prepare = ColumnTransformer([
        .init(name: "num", StandardScaler(), columns: ["area", "rooms"]),
        .init(name: "cat", OneHotEncoder(handleUnknown: .ignore), columns: ["district"]),
    ], remainder: .passthrough)
    let model = try prepare.fit(features.matrix, context: FitContext(features))
    print(model.outputFeatureNames(input: features.featureNames))
}
