// Generated from Sources/LearnKit/LearnKit.docc/CrossValidationDoneRight.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import DSToolbox
import Foundation

func snippet_Sources_LearnKit_LearnKit_docc_CrossValidationDoneRight_1() async throws {
    let table = try DataTable(csvFile: "customers.csv")
    let target = try table.target(named: "churned")
    let x = try table.dropping(["churned"]).toMatrix().matrix
    let y = target.values
    let pipeline = Pipeline {
        StandardScaler()
        LogisticRegression(c: 0.5)
    }
    let result = try ModelSelection.crossValidate(pipeline, x: x, y: y, cv: StratifiedKFold(folds: 5),
                                                  scoring: [.accuracy, .rocAUC])
    print(try result.meanTestScore(.rocAUC))
}
