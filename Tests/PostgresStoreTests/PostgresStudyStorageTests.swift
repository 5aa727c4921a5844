import Foundation
@testable import PostgresStore
import StoreConformance
import Testing
import ToolboxCore
import TuneKit

@Suite("Studies stored in PostgreSQL", .enabled(if: PostgresTesting.available))
struct PostgresStudyStorageTests {
    /// A TPE study reopened for every trial (a new storage object and sampler each time, as
    /// workers on other machines) draws what one uninterrupted in-memory run draws.
    @Test func reopenedStudiesGiveTheUninterruptedTrials() async throws {
        let url = try await PostgresTesting.freshDatabase()
        let objective: @Sendable (Trial) async throws -> Double = { trial in
            let x = try await trial.suggestFloat("x", -5, 5)
            let lr = try await trial.suggestFloat("lr", 1e-4, 1, log: true)
            let n = try await trial.suggestInt("n", 1, 9, step: 2)
            let kind = try await trial.suggestCategorical("kind", ["a", "b", "c"])
            return x * x + log10(lr) * log10(lr) + Double(n) + (kind == "b" ? 0 : 1)
        }
        let reference = try await Study.create(name: "resume", direction: .minimize, sampler: try TPESampler(seed: 17))
        try await reference.optimize(trials: 40, objective)
        for _ in 0..<40 {
            let study = try await Study.create(name: "resume", direction: .minimize, sampler: try TPESampler(seed: 17),
                                               storage: try await PostgresStudyStorage(url: url), loadIfExists: true)
            try await study.optimize(trials: 1, objective)
        }
        let stored = try await PostgresStudyStorage(url: url)
        let trials = try await stored.trials(study: try await stored.study(named: "resume").id)
        let expected = try await reference.trials
        #expect(trials.map(\.number) == Array(0..<40))
        #expect(trials.map(\.params) == expected.map(\.params) && trials.map(\.values) == expected.map(\.values))
        #expect(trials.map(\.distributions) == expected.map(\.distributions))
    }

    /// Eight workers, each with its own connections, take trials at once: numbers 0..<200, each
    /// once; each enqueued trial is taken by one worker.
    @Test func concurrentWorkersGetUniqueContiguousNumbers() async throws {
        let url = try await PostgresTesting.freshDatabase("pool=2")
        let first = try await PostgresStudyStorage(url: url)
        let record = try await first.createStudy(StudyRecord(id: 0, name: "shared", directions: [.minimize], sampler: "random", seed: 1, pruner: "none"),
                                                 loadIfExists: false)
        _ = try await first.enqueueTrial(study: record.id, parameters: ["x": .float(0.5)], userAttributes: ["who": .string("ana")])
        _ = try await first.enqueueTrial(study: record.id, parameters: ["x": .float(0.25)], userAttributes: [:])
        let numbers = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let storage = try await PostgresStudyStorage(url: url)
                    var mine: [Int] = []
                    while let trial = try await storage.startTrial(study: record.id, limit: 200) {
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
        #expect(trials[0].systemAttributes["fixed_params"] == .object(["x": .number(0.5)]) && trials[0].userAttributes["who"] == .string("ana"))
    }

    /// What a storage keeps of finished trials is what a fresh one reads; values come back
    /// exactly (±∞, NaN intermediate values); misuse is a typed error.
    @Test func keptTrialsMatchAFreshReadAndMisuseIsTyped() async throws {
        let url = try await PostgresTesting.freshDatabase()
        let kept = try await PostgresStudyStorage(url: url)
        let record = try await kept.createStudy(StudyRecord(id: 0, name: "kept", directions: [.minimize, .maximize], sampler: "nsga2", seed: 7, pruner: "median"),
                                                loadIfExists: false)
        #expect(try await kept.study(named: "kept") == record && record.seed == 7)
        let other = try await PostgresStudyStorage(url: url)
        let distribution = Distribution.float(try FloatDistribution(low: 0, high: 100))
        for round in 0..<3 {
            for _ in 0..<4 {
                let trial = try #require(try await other.startTrial(study: record.id, limit: nil))
                try await other.setParameter(study: record.id, trial: trial.number, TrialParameter(name: "x", value: .float(Double(trial.number)), distribution: distribution))
                try await other.setIntermediateValue(study: record.id, trial: trial.number, step: 1, value: trial.number == 1 ? .nan : Double(trial.number) / 7)
                try await other.setUserAttribute(study: record.id, trial: trial.number, key: "k", value: .string("v\(trial.number)"))
                switch trial.number % 4 {
                case 0: _ = try await other.finishTrial(study: record.id, trial: trial.number, state: .complete, values: [-.infinity, .infinity], failure: nil)
                case 1: _ = try await other.finishTrial(study: record.id, trial: trial.number, state: .pruned, values: nil, failure: nil)
                case 2: _ = try await other.finishTrial(study: record.id, trial: trial.number, state: .fail, values: nil, failure: "broken")
                default: break
                }
            }
            // Compared as text: a NaN intermediate value is never == itself.
            let fresh = try await PostgresStudyStorage(url: url).trials(study: record.id)
            #expect("\(try await kept.trials(study: record.id))" == "\(fresh)", "round \(round)")
        }
        let all = try await kept.trials(study: record.id)
        #expect(all.count == 12 && all[0].values == [-.infinity, .infinity] && all[1].intermediateValues[1]?.isNaN == true && all[2].failure == "broken")
        #expect(all[3].state == .running && all[4].parameters.first?.value == .float(4))
        let twice = await #expect(throws: ToolboxError.self) { _ = try await kept.finishTrial(study: record.id, trial: 0, state: .complete, values: [1, 1], failure: nil) }
        #expect(twice?.code == .conflict && twice?.message.contains("told twice") == true)
        let finishedAttribute = await #expect(throws: ToolboxError.self) { try await kept.setUserAttribute(study: record.id, trial: 0, key: "k", value: .null) }
        #expect(finishedAttribute?.code == .conflict)
        let unknown = await #expect(throws: ToolboxError.self) { _ = try await kept.trial(study: record.id, number: 99) }
        #expect(unknown?.code == .notFound)
        let duplicate = await #expect(throws: ToolboxError.self) {
            _ = try await kept.createStudy(StudyRecord(id: 0, name: "kept", directions: [.minimize], sampler: "tpe", seed: nil, pruner: "none"), loadIfExists: false)
        }
        #expect(duplicate?.code == .conflict)
        try await kept.setSamplerState(study: record.id, .object(["generation": .number(3)]))
        #expect(try await other.samplerState(study: record.id) == .object(["generation": .number(3)]))
    }

    /// A worker that stops sending heartbeats has its trial failed after the grace period (by
    /// the server's clock); a slow live trial, beating from its own thread, is not.
    @Test func silentTrialsFailAndLiveOnesDoNot() async throws {
        let storage = try await PostgresStudyStorage(url: try await PostgresTesting.freshDatabase())
        let study = try await Study.create(name: "beats", direction: .minimize, sampler: try RandomSampler(seed: 1), storage: storage)
        try await study.setHeartbeat(interval: 0.2, gracePeriod: 1.5)
        _ = try await storage.startTrial(study: study.record.id, limit: nil)
        try await Task.sleep(nanoseconds: 1_800_000_000)
        try await study.optimize(trials: 3, jobs: 1) { trial in
            let x = try await trial.suggestFloat("x", 0, 1)
            // Busy, not suspended, for longer than the grace period: only the heartbeat thread
            // keeps the trial alive.
            let end = Date().addingTimeInterval(2)
            var sum = 0.0
            while Date() < end { sum += x }
            return x + sum * 0
        }
        let trials = try await study.trials
        #expect(trials[0].state == .fail && trials[0].failure?.contains("heartbeats") == true)
        #expect(trials.dropFirst().allSatisfy { $0.state == .complete } && trials.count == 4, "\(trials.map(\.state))")
    }
}
