import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import TuneKit

struct ImportanceGolden: Decodable {
    let cases: [String: [[ParameterValueOrName]]]
}

@Suite("fANOVA importance equals Optuna's")
struct ImportanceTests {
    /// The golden sampler trials rebuilt as complete trials, and Optuna's fANOVA (seed 0) of them.
    @Test(arguments: ["random_mixed", "tpe_multivariate_continuous", "tpe_multivariate_mixed", "cmaes_rosenbrock6"])
    func importancesEqualOptunas(_ name: String) throws {
        let samplers = try GoldenFiles().load(SamplerGolden.self, "samplers.json")
        let golden = try GoldenFiles().load(ImportanceGolden.self, "importance.json")
        let space = switch name {
        case "random_mixed", "tpe_multivariate_mixed": try SamplerParityTests.mixed()
        case "cmaes_rosenbrock6": try SamplerParityTests.rosenbrock6()
        default: try SamplerParityTests.continuous()
        }
        let distributions = Dictionary(uniqueKeysWithValues: space)
        let source = try #require(samplers.cases.first { $0.name == name })
        let trials = try source.trials.enumerated().map { number, trial in
            FrozenTrial(number: number, state: .complete, parameters: try trial.params.map { pair in
                let parameter = try #require(pair[0].text), distribution = try #require(distributions[parameter])
                let value: ParameterValue = pair[1].text.map { .string($0) } ?? .float(pair[1].number ?? .nan)
                return TrialParameter(name: parameter, value: value.typed(for: distribution), distribution: distribution)
            }, values: trial.values)
        }
        let ours = try ParameterImportance.fanova(trials, seed: 0)
        let expected = try #require(golden.cases[name])
        #expect(ours.map(\.name) == expected.map { $0[0].text ?? "" })
        // Optuna's importances to the last bits: LearnKit's forest grows scikit-learn's trees,
        // ties and near-ties included (samples sorted and summed in scikit-learn's order).
        for (mine, theirs) in zip(ours, expected) {
            let value = try #require(theirs[1].number)
            #expect(abs(mine.importance - value) <= 1e-12 * max(value, 1e-300), "\(mine.name): \(mine.importance) vs \(value)")
        }
        #expect(abs(ours.reduce(0) { $0 + $1.importance } - 1) < 1e-12)
    }

    @Test func tooFewTrialsAreATypedError() throws {
        let d = Distribution.float(try FloatDistribution(low: 0, high: 1))
        let one = [FrozenTrial(number: 0, state: .complete, parameters: [TrialParameter(name: "x", value: .float(0.5), distribution: d)], values: [1])]
        #expect(throws: ToolboxError.self) { try ParameterImportance.fanova(one) }
        #expect(throws: ToolboxError.self) { try ParameterImportance.fanova(one, objectiveCount: 2) }
    }
}
