// Generated from Documentation/GettingStarted.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import DSToolbox
import Workflows
import Foundation

func snippet_Documentation_GettingStarted_1() async throws {
    try Toolbox.registerAll()
    let table = try DataTable(csvFile: "data/churn.csv")
    let (train, test) = try table.split(testFraction: 0.2, stratifyBy: "churned", seed: 1)
    let pipeline = try DynamicPipeline(yaml: """
        steps:
          - {name: text, type: tfidf_vectorizer, parameters: {column: support_note, max_features: 50}}
          - {name: model, type: hist_gradient_boosting_classifier, parameters: {max_iter: 100}}
        """)
    let model = try pipeline.fit(try train.dropping(["customer_id"]), target: "churned")
    let probabilities = try model.predictions(test, probabilities: true).probabilities
    print(probabilities?.rows ?? 0)
    try ModelArchive.save(model, to: "churn.dstbx")     // `dstoolbox serve --model churn=churn.dstbx` serves it
}
