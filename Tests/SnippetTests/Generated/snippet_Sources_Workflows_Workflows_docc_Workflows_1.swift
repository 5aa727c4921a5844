// Generated from Sources/Workflows/Workflows.docc/Workflows.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import DSToolbox
import Workflows
import Foundation

func snippet_Sources_Workflows_Workflows_docc_Workflows_1() async throws {
    let plan = try WorkflowPlan(try Workflow(contentsOf: "churn.yaml"))   // checked before any work
    let store = try SQLiteTrackingStore(folder: "dstoolbox-store")
    let runner = WorkflowRunner(plan: plan, store: store, studies: try SQLiteStudyStorage(folder: "dstoolbox-store"),
                                options: WorkflowOptions(resume: true) { line in print(line) })
    let summary = try await runner.run()
    print(summary.metrics["roc_auc"] ?? .nan, summary.registration?.version ?? 0, summary.registration?.reason ?? "")
}
