// Generated from Sources/PostgresStore/PostgresStore.docc/PostgresStore.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import PostgresStore
import TrackKit
import TuneKit
import Foundation

func snippet_Sources_PostgresStore_PostgresStore_docc_PostgresStore_1() async throws {
    let url = "postgresql://dstoolbox:secret@db.internal:5432/mlops?pool=8&retry_seconds=30"
    let tracking = try await PostgresTrackingStore(url: url)     // any TrackingStore call
    let studies = try await PostgresStudyStorage(url: url)       // any StudyStorage call
    let study = try await Study.create(name: "churn-tpe", direction: .maximize, sampler: try TPESampler(seed: 1),
                                       storage: studies, loadIfExists: true, tracking: tracking)
}
