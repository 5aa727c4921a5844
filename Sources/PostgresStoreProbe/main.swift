// A child process for the PostgreSQL store's crash and outage tests (not a product): it logs the
// way a training job does and says what was acknowledged, so tests can kill it mid-transaction,
// stop the server under it, and check that nothing acknowledged was lost.
//
//   PostgresStoreProbe log URL SECONDS   logs batches of 10 metrics to one run (SECONDS 0: until
//                                        killed), printing "committed RUN STEP" after each commit;
//                                        "done N" at the end; "error: ..." and exit 1 on failure
import Foundation
import PostgresStore
import ToolboxCore
import TrackKit

func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { buffer in var offset = 0; while offset < buffer.count { let n = write(1, buffer.baseAddress! + offset, buffer.count - offset); if n <= 0 { break }; offset += n } }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, arguments[1] == "log", let seconds = Double(arguments[3]) else {
    say("usage: PostgresStoreProbe log URL SECONDS")
    exit(2)
}
do {
    let store = try await PostgresTrackingStore(url: arguments[2])
    let run = try await store.createRun(experimentID: try await store.experiment(named: "probe").id, name: "probe-\(getpid())", parentRunID: nil, source: "probe", user: nil)
    let end = Date().addingTimeInterval(seconds)
    var step: Int64 = 0
    while seconds == 0 || Date() < end {
        let metrics = (0..<10).map { RunMetric(key: "m\($0)", value: Double(step) + Double($0) / 10, step: step, timestamp: 1.7e9) }
        try await store.logBatch(runID: run.id, params: [:], metrics: metrics, tags: ["last": "\(step)"])
        say("committed \(run.id) \(step)")
        step += 1
    }
    say("done \(step)")
} catch {
    say("error: \(error)")
    exit(1)
}
