import Foundation
import Testing
import ToolboxCore
import ToolboxTesting
@testable import TuneKit

/// Optuna's trials (Scripts/golden/generate_tune.py): parameters per trial in suggestion order.
struct SamplerGolden: Decodable {
    struct Case: Decodable {
        struct Trial: Decodable {
            let params: [[ParameterValueOrName]]
            let values: [Double]
        }
        let name: String
        let direction: String
        let trials: [Trial]
    }
    let optuna: String
    let cases: [Case]
}

/// A name or a value in a `[name, value]` pair.
enum ParameterValueOrName: Decodable {
    case text(String), number(Double)
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
    }
    var text: String? { if case .text(let t) = self { t } else { nil } }
    var number: Double? { if case .number(let n) = self { n } else { nil } }
}

@Suite("Samplers give Optuna's trials for the same seed")
struct SamplerParityTests {
    let golden: SamplerGolden

    init() throws {
        golden = try GoldenFiles().load(SamplerGolden.self, "samplers.json")
    }

    static func branin() throws -> [(String, Distribution)] {
        [("x", .float(try FloatDistribution(low: -5, high: 10))), ("y", .float(try FloatDistribution(low: 0, high: 15)))]
    }

    static func mixed() throws -> [(String, Distribution)] {
        [("a", .float(try FloatDistribution(low: -3, high: 3))),
         ("lr", .float(try FloatDistribution(low: 1e-4, high: 1.0, log: true))),
         ("q", .float(try FloatDistribution(low: 0, high: 1, step: 0.05))),
         ("n", .int(try IntDistribution(low: 1, high: 64))),
         ("m", .int(try IntDistribution(low: 1, high: 1024, log: true))),
         ("k", .int(try IntDistribution(low: 2, high: 40, step: 2))),
         ("c", .categorical(try CategoricalDistribution(choices: [.string("red"), .string("green"), .string("blue")])))]
    }

    /// The space of the golden script's `rosenbrock6`.
    static func rosenbrock6() throws -> [(String, Distribution)] {
        try (0..<4).map { ("x\($0)", .float(try FloatDistribution(low: -2, high: 2))) }
            + [("scale", .float(try FloatDistribution(low: 0.01, high: 100, log: true))), ("step", .float(try FloatDistribution(low: -1, high: 1, step: 0.1)))]
    }

    static func continuous() throws -> [(String, Distribution)] {
        [("x", .float(try FloatDistribution(low: -10, high: 10))),
         ("lr", .float(try FloatDistribution(low: 1e-5, high: 10, log: true))),
         ("c", .categorical(try CategoricalDistribution(choices: ["a", "b", "c", "d"].map { .string($0) }))),
         ("z", .float(try FloatDistribution(low: 0, high: 1)))]
    }

    /// Replays a case: the same suggestions in the same order, Optuna's values told. Returns
    /// the trials whose parameters differ (relative 1e-9) and the first difference.
    func replay(_ name: String, sampler: any Sampler, space: [(String, Distribution)]) async throws -> (mismatches: [Int], first: String?) {
        let golden = try #require(self.golden.cases.first { $0.name == name })
        let directions = try golden.direction.split(separator: ",").map { try StudyDirection(parsing: String($0)) }
        let study = try await Study.create(name: name, directions: directions, sampler: sampler)
        var mismatches: [Int] = [], first: String?
        for (number, expected) in golden.trials.enumerated() {
            let trial = try await study.ask()
            var differs = false
            for (index, (parameter, distribution)) in space.enumerated() {
                let value = try await trial.suggest(parameter, distribution)
                let pair = expected.params[index]
                #expect(pair[0].text == parameter)
                let same: Bool
                if let text = pair[1].text {
                    same = value == .string(text)
                } else if let number = pair[1].number, let ours = value.number {
                    same = ours == number || abs(ours - number) <= 1e-9 * max(abs(number), 1e-300)
                } else {
                    same = false
                }
                if !same {
                    differs = true
                    if first == nil { first = "trial \(number) \(parameter): \(value) vs Optuna's \(pair[1])" }
                }
            }
            if differs { mismatches.append(number) }
            try await study.tell(trial.number, values: expected.values)
        }
        return (mismatches, first)
    }

    @Test func randomSampler() async throws {
        let result = try await replay("random_mixed", sampler: try RandomSampler(seed: 7), space: try Self.mixed())
        #expect(result.mismatches.isEmpty, "\(result.mismatches.count) trials differ; \(result.first ?? "")")
    }

    @Test func tpeUnivariate() async throws {
        let result = try await replay("tpe_univariate_continuous", sampler: try TPESampler(seed: 3, multivariate: false), space: try Self.continuous())
        #expect(result.mismatches.isEmpty, "\(result.mismatches.count) trials differ; \(result.first ?? "")")
    }

    @Test func tpeMultivariate() async throws {
        let result = try await replay("tpe_multivariate_continuous", sampler: try TPESampler(seed: 5), space: try Self.continuous())
        #expect(result.mismatches.isEmpty, "\(result.mismatches.count) trials differ; \(result.first ?? "")")
        let branin = try await replay("tpe_multivariate_branin", sampler: try TPESampler(seed: 11), space: try Self.branin())
        #expect(branin.mismatches.isEmpty, "\(branin.mismatches.count) trials differ; \(branin.first ?? "")")
        let maximize = try await replay("tpe_multivariate_maximize", sampler: try TPESampler(seed: 19), space: try Self.continuous())
        #expect(maximize.mismatches.isEmpty, "\(maximize.mismatches.count) trials differ; \(maximize.first ?? "")")
    }

    /// A conditional space (`kind` decides which parameters exist), as define-by-run code
    /// draws it: Optuna's trials with the multivariate estimator (joint over what every trial
    /// shares, the rest one by one) and with the univariate one.
    @Test(arguments: [("tpe_multivariate_conditional", 53, true), ("tpe_univariate_conditional", 59, false)])
    func tpeConditional(_ name: String, _ seed: UInt64, _ multivariate: Bool) async throws {
        let golden = try #require(self.golden.cases.first { $0.name == name })
        let study = try await Study.create(name: name, direction: .minimize, sampler: try TPESampler(seed: seed, multivariate: multivariate))
        let kind = Distribution.categorical(try CategoricalDistribution(choices: [.string("linear"), .string("tree")]))
        let alpha = Distribution.float(try FloatDistribution(low: 1e-4, high: 10, log: true))
        let depth = Distribution.int(try IntDistribution(low: 1, high: 12))
        let lr = Distribution.float(try FloatDistribution(low: 0.01, high: 1, log: true))
        var mismatches: [Int] = []
        for (number, expected) in golden.trials.enumerated() {
            let trial = try await study.ask()
            var drawn: [(String, ParameterValue)] = [("kind", try await trial.suggest("kind", kind))]
            if drawn[0].1 == .string("linear") {
                drawn.append(("alpha", try await trial.suggest("alpha", alpha)))
            } else {
                drawn.append(("depth", try await trial.suggest("depth", depth)))
                drawn.append(("lr", try await trial.suggest("lr", lr)))
            }
            let same = drawn.count == expected.params.count && zip(drawn, expected.params).allSatisfy { ours, theirs in
                guard ours.0 == theirs[0].text else { return false }
                if let text = theirs[1].text { return ours.1 == .string(text) }
                guard let value = theirs[1].number, let mine = ours.1.number else { return false }
                return abs(mine - value) <= 1e-9 * max(abs(value), 1e-300)
            }
            if !same { mismatches.append(number) }
            try await study.tell(trial.number, values: expected.values)
        }
        #expect(mismatches.isEmpty, "\(name): trials \(mismatches.prefix(10)) differ")
    }

    static func twoObjectives() throws -> [(String, Distribution)] {
        [("a", .float(try FloatDistribution(low: -2, high: 4))),
         ("lr", .float(try FloatDistribution(low: 1e-3, high: 1, log: true))),
         ("n", .int(try IntDistribution(low: 0, high: 20, step: 2))),
         ("c", .categorical(try CategoricalDistribution(choices: ["p", "q", "r"].map { .string($0) })))]
    }

    /// Optuna's grid order for seed 7; its 45 combinations, then the study stops.
    @Test func grid() async throws {
        let grid: [String: [ParameterValue]] = ["x": [0, 0.25, 0.5, 0.75, 1].map { .float($0) }, "k": [2, 4, 6].map { .int($0) }, "c": ["u", "v", "w"].map { .string($0) }]
        let space: [(String, Distribution)] = [("x", .float(try FloatDistribution(low: 0, high: 1, step: 0.25))),
                                              ("k", .int(try IntDistribution(low: 2, high: 6, step: 2))),
                                              ("c", .categorical(try CategoricalDistribution(choices: ["u", "v", "w"].map { .string($0) })))]
        let result = try await replay("grid_seed7", sampler: try GridSampler(grid, seed: 7), space: space)
        #expect(result.mismatches.isEmpty, "\(result.mismatches.count) trials differ; \(result.first ?? "")")
        #expect(golden.cases.first { $0.name == "grid_seed7" }?.trials.count == 45)
        let study = try await Study.create(name: "g", direction: .minimize, sampler: try GridSampler(grid, seed: 7))
        try await study.optimize(trials: 100) { trial in
            try await trial.suggestFloat("x", 0, 1, step: 0.25) + Double(try await trial.suggestInt("k", 2, 6, step: 2))
        }
        #expect(try await study.trials.count == 45)
        let continuous = try SearchSpace(text: "x: {type: float, low: 0, high: 1}")
        var sampler = try GridSampler()
        #expect(throws: ToolboxError.self) { try sampler.prepare(for: continuous) }
    }

    /// CMA-ES as Optuna runs it (the `cmaes` package): Optuna's trials for the same seed over
    /// every generation (C's eigenvectors by LAPACK `dsyevd` called as NumPy calls it, so with
    /// NumPy's signs): real, log, integer and stepped parameters; minimizing and maximizing.
    @Test func cmaes() async throws {
        let space: [(String, Distribution)] = [("x", .float(try FloatDistribution(low: -4, high: 4))),
                                              ("lr", .float(try FloatDistribution(low: 1e-3, high: 1, log: true))),
                                              ("k", .int(try IntDistribution(low: 0, high: 30))),
                                              ("y", .float(try FloatDistribution(low: -2, high: 2)))]
        let result = try await replay("cmaes_continuous", sampler: try CmaEsSampler(seed: 31), space: space)
        #expect(result.mismatches.isEmpty, "\(result.mismatches.count) trials differ; \(result.first ?? "")")
        let long = try await replay("cmaes_rosenbrock6", sampler: try CmaEsSampler(seed: 43), space: try Self.rosenbrock6())
        #expect(long.mismatches.isEmpty, "\(long.mismatches.count) of 200 trials differ; \(long.first ?? "")")
        let branin: [(String, Distribution)] = [("x", .float(try FloatDistribution(low: -5, high: 10))), ("y", .float(try FloatDistribution(low: 0, high: 15)))]
        let maximizing = try await replay("cmaes_branin_maximize", sampler: try CmaEsSampler(seed: 47), space: branin)
        #expect(maximizing.mismatches.isEmpty, "\(maximizing.mismatches.count) of 120 trials differ; \(maximizing.first ?? "")")
    }

    /// Multi-objective TPE (univariate, Optuna's default for several objectives): the good
    /// trials by non-domination rank and hypervolume subset selection.
    @Test func motpe() async throws {
        let space: [(String, Distribution)] = [("x", .float(try FloatDistribution(low: -2, high: 4))),
                                              ("lr", .float(try FloatDistribution(low: 1e-3, high: 1, log: true))),
                                              ("c", .categorical(try CategoricalDistribution(choices: ["p", "q", "r"].map { .string($0) })))]
        let result = try await replay("motpe_continuous", sampler: try TPESampler(seed: 37), space: space)
        #expect(result.mismatches.isEmpty, "\(result.mismatches.count) trials differ; \(result.first ?? "")")
        // Three objectives: the greedy subset on exact hypervolumes.
        let three = try await replay("motpe_three", sampler: try TPESampler(seed: 41), space: space)
        #expect(three.mismatches.isEmpty, "\(three.mismatches.count) trials differ; \(three.first ?? "")")
    }

    @Test func nsga2() async throws {
        let defaults = try await replay("nsga2_default", sampler: try NSGAIISampler(seed: 23), space: try Self.twoObjectives())
        #expect(defaults.mismatches.isEmpty, "\(defaults.mismatches.count) trials differ; \(defaults.first ?? "")")
        let small = try await replay("nsga2_population_8", sampler: try NSGAIISampler(populationSize: 8, seed: 29), space: try Self.twoObjectives())
        #expect(small.mismatches.isEmpty, "\(small.mismatches.count) trials differ; \(small.first ?? "")")
    }

    @Test func tpeOnIntegersStepsAndLogs() async throws {
        let univariate = try await replay("tpe_univariate_mixed", sampler: try TPESampler(seed: 13, multivariate: false), space: try Self.mixed())
        #expect(univariate.mismatches.isEmpty, "\(univariate.mismatches.count) trials differ; \(univariate.first ?? "")")
        let multivariate = try await replay("tpe_multivariate_mixed", sampler: try TPESampler(seed: 17), space: try Self.mixed())
        #expect(multivariate.mismatches.isEmpty, "\(multivariate.mismatches.count) trials differ; \(multivariate.first ?? "")")
    }
}
