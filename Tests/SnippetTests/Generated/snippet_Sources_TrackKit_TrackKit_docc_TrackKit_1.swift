// Generated from Sources/TrackKit/TrackKit.docc/TrackKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import DSToolbox
import Foundation

func snippet_Sources_TrackKit_TrackKit_docc_TrackKit_1() async throws {
    let table = try DataTable(csvFile: "houses.csv")
    let (x, y) = (try table.dropping(["price"]).toMatrix().matrix, try table.numericColumn(named: "price"))
    let forest = RandomForestRegressor()
    let store = try SQLiteTrackingStore(folder: "dstoolbox-store")
    let tracker = Tracker(store: store)
    try await tracker.run("churn", name: "forest") { run in
        try await run.log(hyperparameters: forest)           // snake_case names, JSON values
        var context = FitContext()
        context.progress = run.progressLogger()              // train_loss / validation_loss history
        let model = try forest.fit(x, y, context: context)
        let predicted = try model.predict(x)
        try await run.log(metrics: ["rmse": try Metrics.rootMeanSquaredError(y, predicted), "r2": try Metrics.r2(y, predicted)])
        _ = try await store.logModel(runID: run.id, model: model)   // model.dstbx, content-addressed
    }                                                        // FINISHED, or FAILED if the body throws

    let best = try await store.searchRuns(filter: RunFilter(parsing: "metrics.rmse < 0.5 AND (params.model = 'forest' OR tags.stage = 'prod')"),
                                    orderBy: [RunOrder(parsing: "metrics.rmse ASC")], maxResults: 10)
    let version = try await store.registerModelVersion(name: "churn", runID: best[0].id, artifactPath: "model.dstbx")
    try await store.setPromotionRule(name: "churn", alias: "champion", rule: PromotionRule(metric: "rmse", higherIsBetter: false), actor: "lead", reason: "policy")
    try await store.setAlias(name: "churn", alias: "champion", version: version.version, reason: "beats v3 on rmse")
    let champion = try await store.loadModel(name: "churn", alias: "champion")   // any registered model type
}
