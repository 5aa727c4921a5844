// Generated from README.md, snippet 2 by SnippetTests; do not edit (see SnippetTests.swift).
import DSToolbox
import Foundation

func snippet_README_2() async throws {
    // Read a CSV: kinds inferred, missing values as NaN/nil, errors that name line and column.
    let table = try DataTable(csvFile: "houses.csv")
    let (train, test) = try table.split(testFraction: 0.2, seed: 7)
    let features = try train.toMatrix(columns: ["area", "rooms", "district"])

    // Linear algebra on row-major matrices, through OpenBLAS.
    let x = features.matrix
    let gram = try x.multiplied(by: x, transposeSelf: true)
    let svd = try LinearAlgebra.svd(x)

    // Estimators are values: hyperparameters in, a fitted model out; pipelines compose them.
    let y = try train.numericColumn(named: "price")
    let model = try Pipeline {
        StandardScaler()
        Ridge(alpha: 1)
    }.fit(x, y)
    try ModelArchive.save(model, to: "model.dstb")

    // Named columns and string labels travel with the data; the model checks them at predict time.
    let target = try train.target(named: "segment")                // "urban"/"rural" become codes + labels
    let classifier = try RandomForestClassifier().fit(x, target.values,
                                                      context: FitContext(features, targetLabels: target.labels))
    let testFeatures = try test.toMatrix(columns: ["area", "rooms", "district"], categories: features.categories)
    try classifier.predictLabels(testFeatures)                     // [.text("urban"), ...]

    // Workflows name estimators as scikit-learn users do, and a pipeline is an estimator.
    try Toolbox.registerAll()
    let workflow = try DynamicPipeline(yaml: """
        steps:
          - name: forest
            type: random_forest_classifier
            parameters: { n_estimators: 200, max_features: sqrt, class_weight: balanced }
        """)

    // Honest estimates: cross-validation on the same splits scikit-learn would use.
    let scores = try ModelSelection.crossValidate(RandomForestRegressor(), x: x, y: y,
                                                  cv: KFold(folds: 5), scoring: [.r2])
    print(try scores.meanTestScore(.r2))
}
