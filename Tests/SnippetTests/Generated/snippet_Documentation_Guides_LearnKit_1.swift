// Generated from Documentation/Guides/LearnKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import DSToolbox
import Foundation

func snippet_Documentation_Guides_LearnKit_1() async throws {
    let table = try DataTable(csvFile: "data.csv")
    let target = try table.target(named: "target")
    let features = try table.dropping(["target"]).toMatrix()
    let result = try ModelSelection.crossValidate(HistGradientBoostingClassifier(), x: features.matrix, y: target.values,
                                                  cv: StratifiedKFold(folds: 5), scoring: [.rocAUC])
    print(try result.meanTestScore(.rocAUC))
}
