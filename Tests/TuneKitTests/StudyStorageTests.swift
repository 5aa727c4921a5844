import Foundation
import Synchronization
import Testing
import ToolboxCore
import ToolboxTesting
@testable import TuneKit

@Suite("Studies stored in SQLite")
struct StudyStorageTests {
    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tune-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A study reopened every few trials, as ask/tell from separate processes or a resumed
    /// study does, draws what one uninterrupted run draws: Optuna's trials.
    @Test func reopenedStudiesGiveTheUninterruptedTrials() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let golden = try GoldenFiles().load(SamplerGolden.self, "samplers.json")
        let expected = try #require(golden.cases.first { $0.name == "tpe_multivariate_mixed" })
        let space = try SamplerParityTests.mixed()
        var differing: [Int] = []
        for (number, trialGolden) in expected.trials.enumerated() {
            // A new storage object and a new sampler each time: only the store carries state.
            let study = try await Study.create(name: "resume", direction: .minimize, sampler: try TPESampler(seed: 17),
                                               storage: try SQLiteStudyStorage(folder: dir), loadIfExists: true)
            let trial = try await study.ask()
            #expect(trial.number == number)
            for (index, (name, distribution)) in space.enumerated() {
                let value = try await trial.suggest(name, distribution)
                let golden = trialGolden.params[index][1]
                // Relative 1e-9: NumPy's vectorized exp and log differ from glibc's in the last bit.
                let same = golden.text.map { value == .string($0) }
                    ?? (value.number.flatMap { ours in golden.number.map { abs(ours - $0) <= 1e-9 * max(abs($0), 1e-300) } } ?? false)
                if !same, differing.last != number { differing.append(number) }
            }
            try await study.tell(trial.number, values: trialGolden.values)
        }
        #expect(differing.isEmpty, "trials \(differing) differ from Optuna's")
        let reopened = try SQLiteStudyStorage(folder: dir)
        let record = try await reopened.study(named: "resume")
        let trials = try await reopened.trials(study: record.id)
        #expect(trials.count == 100 && trials.map(\.number) == Array(0..<100) && trials.allSatisfy { $0.state == .complete })
        // Parameters read back with their kinds and distributions.
        #expect(trials[0].parameters.map(\.name) == ["a", "lr", "q", "n", "m", "k", "c"])
        if case .int = trials[0].params["n"] {} else { Issue.record("an integer parameter came back as \(String(describing: trials[0].params["n"]))") }
        if case .float = trials[0].params["q"] {} else { Issue.record("a stepped real parameter came back as \(String(describing: trials[0].params["q"]))") }
    }

    /// NSGA-II reopened between trials: its generations and cached parents come back from the
    /// store, so the trials are Optuna's.
    @Test func reopenedNSGA2GivesTheUninterruptedTrials() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let golden = try GoldenFiles().load(SamplerGolden.self, "samplers.json")
        let expected = try #require(golden.cases.first { $0.name == "nsga2_population_8" })
        let space = try SamplerParityTests.twoObjectives()
        var differing: [Int] = []
        for (number, trialGolden) in expected.trials.prefix(48).enumerated() {
            let study = try await Study.create(name: "ga", directions: [.minimize, .maximize], sampler: try NSGAIISampler(populationSize: 8, seed: 29),
                                               storage: try SQLiteStudyStorage(folder: dir), loadIfExists: true)
            let trial = try await study.ask()
            for (index, (name, distribution)) in space.enumerated() {
                let value = try await trial.suggest(name, distribution)
                let golden = trialGolden.params[index][1]
                let same = golden.text.map { value == .string($0) } ?? (value.number == golden.number)
                if !same, differing.last != number { differing.append(number) }
            }
            try await study.tell(trial.number, values: trialGolden.values)
        }
        #expect(differing.isEmpty, "trials \(differing) differ from Optuna's")
    }

    @Test func concurrentWorkersGetUniqueContiguousNumbers() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try SQLiteStudyStorage(folder: dir)
        let record = try await first.createStudy(StudyRecord(id: 0, name: "shared", directions: [.minimize], sampler: "random", seed: 1, pruner: "none"), loadIfExists: false)
        // Two enqueued trials: each taken by exactly one worker.
        _ = try await first.enqueueTrial(study: record.id, parameters: ["x": .float(0.5)], userAttributes: [:])
        _ = try await first.enqueueTrial(study: record.id, parameters: ["x": .float(0.25)], userAttributes: [:])
        let numbers = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let storage = try SQLiteStudyStorage(folder: dir)
                    var mine: [Int] = []
                    for _ in 0..<25 {
                        guard let trial = try await storage.startTrial(study: record.id, limit: 200) else { break }
                        mine.append(trial.number)
                        _ = try await storage.finishTrial(study: record.id, trial: trial.number, state: .complete, values: [Double(trial.number)], failure: nil)
                    }
                    return mine
                }
            }
            var all: [Int] = []
            for try await part in group { all += part }
            return all
        }
        #expect(numbers.sorted() == Array(0..<200))
        let trials = try await first.trials(study: record.id)
        #expect(trials.count == 200 && trials.allSatisfy { $0.state == .complete })
        #expect(trials[0].systemAttributes["fixed_params"] == .object(["x": .number(0.5)]))
    }

    /// A storage keeps the finished trials it has read in full; what it returns stays what a
    /// fresh storage reads while another adds, runs and finishes trials; a finished trial
    /// refuses new attributes (as Optuna's).
    @Test func keptTrialsMatchAFreshRead() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let kept = try SQLiteStudyStorage(folder: dir)
        let record = try await kept.createStudy(StudyRecord(id: 0, name: "kept", directions: [.minimize], sampler: "random", seed: 1, pruner: "none"),
                                                loadIfExists: false)
        let other = try SQLiteStudyStorage(folder: dir)
        let distribution = Distribution.float(try FloatDistribution(low: 0, high: 100))
        var running: [Int] = []
        for _ in 0..<5 {
            for _ in 0..<4 {
                let trial = try #require(try await other.startTrial(study: record.id, limit: nil))
                try await other.setParameter(study: record.id, trial: trial.number, TrialParameter(name: "x", value: .float(Double(trial.number)), distribution: distribution))
                try await other.setIntermediateValue(study: record.id, trial: trial.number, step: 1, value: Double(trial.number) / 7)
                try await other.setUserAttribute(study: record.id, trial: trial.number, key: "k", value: .string("v\(trial.number)"))
                switch trial.number % 4 {
                case 0: _ = try await other.finishTrial(study: record.id, trial: trial.number, state: .complete, values: [-.infinity], failure: nil)
                case 1: _ = try await other.finishTrial(study: record.id, trial: trial.number, state: .pruned, values: nil, failure: nil)
                case 2: _ = try await other.finishTrial(study: record.id, trial: trial.number, state: .fail, values: nil, failure: "broken")
                default: running.append(trial.number)
                }
            }
            let fresh = try await SQLiteStudyStorage(folder: dir).trials(study: record.id)
            #expect(try await kept.trials(study: record.id) == fresh)
            // A trial left running earlier finishes later, with an attribute set on the way.
            if let number = running.first {
                running.removeFirst()
                try await other.setSystemAttribute(study: record.id, trial: number, key: "late", value: .bool(true))
                _ = try await other.finishTrial(study: record.id, trial: number, state: .complete, values: [Double(number)], failure: nil)
            }
        }
        let all = try await kept.trials(study: record.id)
        #expect(all == (try await SQLiteStudyStorage(folder: dir).trials(study: record.id)) && all.count == 20)
        #expect(all[3].state == .complete && all[3].systemAttributes["late"] == .bool(true) && all[3].intermediateValues[1] == 3.0 / 7)
        for storage in [kept, other] as [any StudyStorage] {
            let refused = await #expect(throws: ToolboxError.self) {
                try await storage.setUserAttribute(study: record.id, trial: 0, key: "k", value: .string("changed"))
            }
            #expect(refused?.code == .conflict && refused?.message.contains("finished") == true)
        }
        let memory = InMemoryStudyStorage()
        let study = try await Study.create(name: "m", direction: .minimize, sampler: try RandomSampler(seed: 1), storage: memory)
        let trial = try await study.ask()
        try await study.tell(trial.number, values: [1])
        await #expect(throws: ToolboxError.self) { try await memory.setSystemAttribute(study: study.record.id, trial: trial.number, key: "k", value: .null) }
    }

    @Test func misuseIsATypedError() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let storage = try SQLiteStudyStorage(folder: dir)
        let study = try await Study.create(name: "s", direction: .maximize, sampler: try RandomSampler(seed: 1), storage: storage)
        let trial = try await study.ask()
        _ = try await trial.suggestFloat("x", 0, 1)
        try await study.tell(trial.number, values: [0.5])
        let twice = await #expect(throws: ToolboxError.self) { try await study.tell(trial.number, values: [0.7]) }
        #expect(twice?.code == .conflict && twice?.message.contains("told twice") == true)
        let unknown = await #expect(throws: ToolboxError.self) { try await study.tell(42, values: [1]) }
        #expect(unknown?.code == .notFound)
        let again = await #expect(throws: ToolboxError.self) {
            try await Study.create(name: "s", direction: .maximize, sampler: try RandomSampler(seed: 1), storage: storage)
        }
        #expect(again?.code == .conflict)
        // NaN and a wrong count of values fail the trial, saying why.
        let nan = try await study.ask()
        let failed = try await study.tell(nan.number, values: [.nan])
        #expect(failed.state == .fail && failed.failure?.contains("NaN") == true)
        let pair = try await study.ask()
        #expect(try await study.tell(pair.number, values: [1, 2]).state == .fail)
        #expect(try await study.bestTrial.number == trial.number)
        // An objective that throws fails its trial with the error, and optimize rethrows it.
        struct Broken: Error {}
        await #expect(throws: Broken.self) { try await study.optimize(trials: 3) { _ in throw Broken() } }
        let last = try #require(try await study.trials.last)
        #expect(last.state == .fail && last.failure?.contains("Broken") == true)
        try await study.optimize(trials: 2, catchErrors: true) { _ in throw Broken() }
        #expect(try await study.trials.count == 6)
    }
}

@Suite("Parallel trials in one process")
struct ParallelTrialsTests {
    /// Two trials at once: both run together, each limited to half the cores, every trial once.
    @Test func jobsRunTogetherWithTheirShareOfTheCores() async throws {
        let study = try await Study.create(name: "jobs", direction: .minimize, sampler: try TPESampler(seed: 4))
        let running = Mutex(0), most = Mutex(0), limits = Mutex<Set<Int>>([])
        try await study.optimize(trials: 20, jobs: 2) { trial in
            let now = running.withLock { $0 += 1; return $0 }
            most.withLock { $0 = max($0, now) }
            limits.withLock { _ = $0.insert(Parallel.threadLimit ?? -1) }
            let x = try await trial.suggestFloat("x", -1, 1)
            try await Task.sleep(nanoseconds: 50_000_000)
            running.withLock { $0 -= 1 }
            return x * x
        }
        let trials = try await study.trials
        #expect(trials.map(\.number) == Array(0..<20) && trials.allSatisfy { $0.state == .complete })
        #expect(most.withLock { $0 } == 2)
        #expect(limits.withLock { $0 } == [max(1, ProcessInfo.processInfo.activeProcessorCount / 2)])
        // An objective that throws stops every job and fails only its own trial.
        struct Broken: Error {}
        await #expect(throws: Broken.self) {
            try await study.optimize(trials: 10, jobs: 2) { trial in
                if trial.number == 22 { throw Broken() }
                try await Task.sleep(nanoseconds: 5_000_000)
                return 1
            }
        }
        let failed = try await study.trials.filter { $0.state == .fail }
        #expect(failed.map(\.number) == [22])
    }
}

extension ParallelTrialsTests {
    /// With a persistent store, a running trial whose worker stopped sending heartbeats fails
    /// when the next trial starts; trials slower than the grace period but alive never do.
    @Test func silentTrialsFailAndLiveOnesDoNot() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("beats-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let storage = try SQLiteStudyStorage(folder: dir)
        let study = try await Study.create(name: "beats", direction: .minimize, sampler: try RandomSampler(seed: 1), storage: storage)
        // Margins wide enough for a machine busy with other tests: beats every 0.2 s, failed
        // after 1.5 s of silence.
        try await study.setHeartbeat(interval: 0.2, gracePeriod: 1.5)
        _ = try await storage.startTrial(study: study.record.id, limit: nil)    // a worker that died at once
        try await Task.sleep(nanoseconds: 1_800_000_000)
        try await study.optimize(trials: 4, jobs: 2) { trial in
            let x = try await trial.suggestFloat("x", 0, 1)
            try await Task.sleep(nanoseconds: 2_000_000_000)                     // longer than the grace period
            return x
        }
        let trials = try await study.trials
        #expect(trials[0].state == .fail && trials[0].failure?.contains("heartbeats") == true)
        #expect(trials.dropFirst().allSatisfy { $0.state == .complete } && trials.count == 5, "\(trials.map(\.state))")
        await #expect(throws: ToolboxError.self) { try await study.setHeartbeat(interval: 1, gracePeriod: 1) }
    }
}
