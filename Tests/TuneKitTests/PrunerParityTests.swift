import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import TuneKit

/// A number written by the golden scripts, NaN and infinities as strings.
struct GoldenNumber: Decodable {
    let value: Double
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) { value = number; return }
        switch try container.decode(String.self) {
        case "nan": value = .nan
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        case let other: throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number: \(other)")
        }
    }
}

struct PrunerGolden: Decodable {
    struct Case: Decodable {
        let name: String
        let direction: String
        let pruned_at: [Int]
    }
    let curves: [[GoldenNumber]]
    let cases: [Case]
}

@Suite("Pruners stop the trials Optuna's stop")
struct PrunerParityTests {
    let golden: PrunerGolden

    init() throws {
        golden = try GoldenFiles().load(PrunerGolden.self, "pruners.json")
    }

    static func pruner(_ name: String) throws -> any Pruner {
        switch name {
        case "median": PercentilePruner.defaultMedian
        case "median_warmup": try PercentilePruner.median(startupTrials: 3, warmupSteps: 5, intervalSteps: 3, minTrials: 2)
        case "percentile_maximize": try PercentilePruner(percentile: 25, startupTrials: 4)
        case "threshold": try ThresholdPruner(upper: 0.6, warmupSteps: 2)
        case "successive_halving": try SuccessiveHalvingPruner()
        case "successive_halving_r3": try SuccessiveHalvingPruner(minResource: 1, reductionFactor: 3)
        case "hyperband": try HyperbandPruner()
        case "hyperband_27": try HyperbandPruner(minResource: 1, maxResource: 27, reductionFactor: 3)
        default: throw ToolboxError(.invalidParameter, "no pruner \(name)")
        }
    }

    @Test(arguments: ["median", "median_warmup", "percentile_maximize", "threshold", "successive_halving", "successive_halving_r3", "hyperband", "hyperband_27"])
    func prunesWhereOptunaPrunes(_ name: String) async throws {
        let expected = try #require(golden.cases.first { $0.name == name })
        let direction = try StudyDirection(parsing: expected.direction)
        let sign: Double = direction == .minimize ? 1 : -1
        let study = try await Study.create(name: name, direction: direction, sampler: try RandomSampler(seed: 0), pruner: try Self.pruner(name),
                                           storage: try SQLiteStudyStorage(folder: FileManager.default.temporaryDirectory.appendingPathComponent("pr-\(UUID().uuidString)").path))
        let curves = golden.curves
        var prunedAt: [Int] = []
        for number in curves.indices {
            let trial = try await study.ask()
            var at = -1
            for (step, value) in curves[number].enumerated() {
                try await trial.report(sign * value.value, step: step)
                if try await trial.shouldPrune() {
                    at = step
                    break
                }
            }
            prunedAt.append(at)
            if at >= 0 {
                try await study.tell(trial.number, state: .pruned)
            } else {
                try await study.tell(trial.number, values: [sign * curves[number].last!.value])
            }
        }
        #expect(prunedAt == expected.pruned_at)
    }

    @Test func badPrunerSettingsAreRefused() throws {
        #expect(throws: ToolboxError.self) { try PercentilePruner(percentile: 101) }
        #expect(throws: ToolboxError.self) { try PercentilePruner.median(intervalSteps: 0) }
        #expect(throws: ToolboxError.self) { try ThresholdPruner() }
        #expect(throws: ToolboxError.self) { try ThresholdPruner(lower: 2, upper: 1) }
        #expect(throws: ToolboxError.self) { try SuccessiveHalvingPruner(reductionFactor: 1) }
        #expect(throws: ToolboxError.self) { try HyperbandPruner(minResource: 5, maxResource: 2) }
        #expect(throws: ToolboxError.self) { try Study.pruner(named: "aggressive") }
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)   // zlib's check value
    }
}
