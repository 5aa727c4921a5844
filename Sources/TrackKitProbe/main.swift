// A child process for TrackKit's multi-process and crash tests (not a product): it logs to a
// store the way a training job would, so tests can run many at once and kill them mid-write.
//
//   TrackKitProbe log STORE EXPERIMENT RUNS        RUNS runs, each with a param, 3 metrics x 4 steps and a tag
//   TrackKitProbe register STORE MODEL COUNT RUN   COUNT versions of MODEL from RUN; prints each version
//   TrackKitProbe crash STORE                      logs forever, printing "committed RUN STEP" after each commit
//   TrackKitProbe http-metrics URL RUN COUNT TAG   COUNT log-metric posts to a tracking server, 8 at a time;
//                                                  prints "ok N" with the count answered 200
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TrackKit

func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { buffer in var offset = 0; while offset < buffer.count { let n = write(1, buffer.baseAddress! + offset, buffer.count - offset); if n <= 0 { break }; offset += n } }
}

let arguments = CommandLine.arguments
if arguments.count == 6, arguments[1] == "http-metrics" {
    let base = arguments[2], run = arguments[3], count = Int(arguments[4])!, tag = arguments[5]
    let session = URLSession(configuration: .ephemeral)
    let done = DispatchSemaphore(value: 0)
    final class Box: @unchecked Sendable { var succeeded = 0 }
    let box = Box()
    Task.detached {
        box.succeeded = await withTaskGroup(of: Bool.self) { group in
            var succeeded = 0
            var next = 0
            func post(_ index: Int) async -> Bool {
                var request = URLRequest(url: URL(string: base + "/api/2.0/mlflow/runs/log-metric")!)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = Data(#"{"run_id": "\#(run)", "key": "\#(tag)", "value": \#(index), "timestamp": 1700000000000, "step": \#(index)}"#.utf8)
                guard let (_, response) = try? await session.data(for: request) else { return false }
                return (response as? HTTPURLResponse)?.statusCode == 200
            }
            while next < min(8, count) { let index = next; group.addTask { await post(index) }; next += 1 }
            for await ok in group {
                if ok { succeeded += 1 }
                if next < count { let index = next; group.addTask { await post(index) }; next += 1 }
            }
            return succeeded
        }
        done.signal()
    }
    done.wait()
    say("ok \(box.succeeded)")
    exit(0)
}
do {
    guard arguments.count >= 3 else { throw CocoaError(.featureUnsupported) }
    let store = try SQLiteTrackingStore(folder: arguments[2])
    switch arguments[1] {
    case "log":
        let experiment = try store.experiment(named: arguments[3])
        for index in 0..<Int(arguments[4])! {
            let run = try store.createRun(experimentID: experiment.id, name: "run-\(getpid())-\(index)", parentRunID: nil, source: "probe", user: nil)
            try store.logBatch(runID: run.id, params: ["index": "\(index)", "pid": "\(getpid())"],
                               metrics: (0..<4).flatMap { step in ["loss", "acc", "f1"].map { RunMetric(key: $0, value: Double(index) + Double(step) / 10, step: Int64(step)) } },
                               tags: ["probe": "yes"])
            try store.endRun(id: run.id, status: .finished)
        }
    case "register":
        for _ in 0..<Int(arguments[4])! {
            say("\(try store.registerModelVersion(name: arguments[3], runID: arguments[5], artifactPath: nil, description: nil, actor: "probe-\(getpid())", reason: nil).version)")
        }
    case "crash":
        let experiment = try store.experiment(named: "crash")
        var step: Int64 = 0
        while true {
            let run = try store.createRun(experimentID: experiment.id, name: nil, parentRunID: nil, source: nil, user: nil)
            for _ in 0..<5 {
                try store.logBatch(runID: run.id, params: [:], metrics: [RunMetric(key: "m", value: Double(step), step: step), RunMetric(key: "n", value: .nan, step: step)], tags: ["last": "\(step)"])
                say("committed \(run.id) \(step)")
                step += 1
            }
        }
    default:
        throw CocoaError(.featureUnsupported)
    }
} catch {
    FileHandle.standardError.write(Data("TrackKitProbe: \(error)\n".utf8))
    exit(1)
}
