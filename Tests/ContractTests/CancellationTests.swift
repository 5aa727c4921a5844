import DSToolbox
import Foundation
import Synchronization
import Testing
import ToolboxTesting

/// A cancellation request (a pruned or timed-out trial) stops long fits and cross-validation
/// within a second, with a `cancelled` error; progress says which fold reports.
@Suite("Cancelling fits", .serialized)
struct CancellationTests {
    init() throws {
        try Toolbox.registerAll()
    }

    static let data = try! DataGenerators.classification(samples: 20_000, features: 20, informative: 10, redundant: 2, seed: 8)

    /// Runs `body` with a flag cancelled after `delay` seconds; returns the error and the seconds
    /// from the request to the return.
    func cancelled(after delay: Double, _ body: (CancellationFlag) throws -> Void) -> (error: ToolboxError?, latency: Double) {
        let flag = CancellationFlag()
        let requested = Mutex<DispatchTime?>(nil)
        // A thread of its own: the fit keeps Dispatch's worker threads busy.
        let timer = Thread {
            Thread.sleep(forTimeInterval: delay)
            requested.withLock { $0 = .now() }
            flag.cancel()
        }
        timer.start()
        var caught: ToolboxError?
        do { try body(flag) } catch { caught = error as? ToolboxError }
        let end = DispatchTime.now()
        let start = requested.withLock { $0 } ?? end
        return (caught, Double(end.uptimeNanoseconds - min(start.uptimeNanoseconds, end.uptimeNanoseconds)) / 1e9)
    }

    @Test func boostingStopsWithinASecond() {
        let boosting = HistGradientBoostingClassifier(maxIterations: 100_000, earlyStopping: .off)
        let (error, latency) = cancelled(after: 0.3) { flag in
            var context = FitContext()
            context.cancellation = flag
            _ = try boosting.fit(Self.data.x, Self.data.y, context: context)
        }
        #expect(error?.code == .cancelled, "\(String(describing: error))")
        #expect(latency < 1, "returned \(latency) s after the request")
    }

    @Test func forestsLogisticRegressionAndKMeansStop() {
        var forest = RandomForestClassifier()
        forest.parameters.treeCount = 100_000
        let forestRun = cancelled(after: 0.3) { flag in
            var context = FitContext()
            context.cancellation = flag
            _ = try forest.fit(Self.data.x, Self.data.y, context: context)
        }
        #expect(forestRun.error?.code == .cancelled && forestRun.latency < 1, "\(forestRun)")
        // The solver converges in well under a second here: cancel it before it starts, and
        // from its progress callback after three iterations.
        var logistic = LogisticRegression()
        logistic.maxIterations = 1_000_000
        logistic.tolerance = 0
        let logisticRun = cancelled(after: 0) { flag in
            Thread.sleep(forTimeInterval: 0.05)
            var context = FitContext()
            context.cancellation = flag
            _ = try logistic.fit(Self.data.x, Self.data.y, context: context)
        }
        #expect(logisticRun.error?.code == .cancelled && logisticRun.latency < 1, "\(logisticRun)")
        var pruned = FitContext()
        pruned.progress = { report in report.iteration < 3 ? .proceed : .cancel }
        #expect(throws: ToolboxError.self) { try logistic.fit(Self.data.x, Self.data.y, context: pruned) }
        let vectors = Self.data.x.values.map(Float.init)
        let kmeansRun = cancelled(after: 0.3) { flag in
            var kmeans = KMeans(k: 64, iterations: 1_000_000, seed: 1)
            kmeans.cancellation = flag
            _ = try kmeans.train(vectors, dimension: 20)
        }
        #expect(kmeansRun.error?.code == .cancelled && kmeansRun.latency < 1, "\(kmeansRun)")
    }

    @Test func crossValidationStopsAndReportsFolds() {
        let boosting = HistGradientBoostingClassifier(maxIterations: 100_000, earlyStopping: .off)
        let (error, latency) = cancelled(after: 0.5) { flag in
            var context = FitContext()
            context.cancellation = flag
            _ = try ModelSelection.crossValidate(boosting, x: Self.data.x, y: Self.data.y, cv: KFold(folds: 4), scoring: [.accuracy],
                                                 context: context)
        }
        #expect(error?.code == .cancelled && latency < 1, "\(String(describing: error)) after \(latency) s")
        // Progress names the fold reporting.
        let folds = Mutex<[Int: Int]>([:])
        var context = FitContext()
        context.progress = { report in
            if let fold = report.fold { folds.withLock { $0[fold, default: 0] += 1 } }
            return .proceed
        }
        let small = try? DataGenerators.classification(samples: 300, features: 4, informative: 2, redundant: 0, seed: 1)
        _ = try? ModelSelection.crossValidate(HistGradientBoostingClassifier(maxIterations: 5, earlyStopping: .off), x: small!.x, y: small!.y,
                                              cv: KFold(folds: 3), scoring: [.accuracy], context: context)
        #expect(folds.withLock { $0 } == [0: 5, 1: 5, 2: 5])
    }

    @Test func aCancelledTaskCancelsItsFit() async {
        let boosting = HistGradientBoostingClassifier(maxIterations: 100_000, earlyStopping: .off)
        let data = Self.data, estimator = boosting
        let task = Task.detached { try estimator.fit(data.x, data.y, context: FitContext()) }
        try? await Task.sleep(for: .milliseconds(300))
        let start = DispatchTime.now()
        task.cancel()
        let result = await task.result
        let latency = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        if case .failure(let error) = result {
            #expect((error as? ToolboxError)?.code == .cancelled)
        } else {
            Issue.record("the fit finished despite the cancellation")
        }
        #expect(latency < 1)
    }
}
