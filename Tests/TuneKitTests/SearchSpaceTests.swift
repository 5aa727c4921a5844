import Foundation
import Testing
import ToolboxCore
@testable import TuneKit

@Suite("Search spaces and distributions")
struct SearchSpaceTests {
    @Test func declarativeSpacesKeepTheirOrder() throws {
        let space = try SearchSpace(text: """
            z_rate: {type: float, low: 0.001, high: 0.3, log: true}
            a_leaves: {type: int, low: 8, high: 256, step: 8}
            m_loss: {type: categorical, choices: [log_loss, 1, 2.5, true, null, "3"]}
            b_plain: {type: float, low: -1, high: 1}
            """)
        #expect(space.names == ["z_rate", "a_leaves", "m_loss", "b_plain"])
        #expect(space["z_rate"] == .float(try FloatDistribution(low: 0.001, high: 0.3, log: true)))
        #expect(space["a_leaves"] == .int(try IntDistribution(low: 8, high: 256, step: 8)))
        #expect(space["m_loss"] == .categorical(try CategoricalDistribution(choices: [.string("log_loss"), .int(1), .float(2.5), .bool(true), .none, .string("3")])))
        // JSON, inline, in Optuna's form too (as `optuna ask --search-space` takes it).
        let optuna = try SearchSpace(fileOrInline: """
            {"y": {"name": "IntDistribution", "attributes": {"low": 1, "high": 9, "log": false, "step": 2}},
             "x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0, "log": false, "step": null}},
             "c": {"name": "CategoricalDistribution", "attributes": {"choices": ["a", "b"]}}}
            """)
        #expect(optuna.names == ["y", "x", "c"])
        #expect(optuna["y"] == .int(try IntDistribution(low: 1, high: 9, step: 2)))
    }

    @Test func distributionsEncodeAsOptunaDoes() throws {
        let distributions: [Distribution] = [
            .float(try FloatDistribution(low: 0, high: 1, step: 0.1)), .float(try FloatDistribution(low: 1e-3, high: 1, log: true)),
            .int(try IntDistribution(low: 1, high: 100, log: true)), .categorical(try CategoricalDistribution(choices: [.string("a"), .int(3), .none])),
        ]
        for distribution in distributions {
            let json = try JSONEncoder().encode(distribution)
            #expect(try JSONDecoder().decode(Distribution.self, from: json) == distribution)
        }
        // What Optuna's distribution_to_json writes reads back.
        let written = #"{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.5, "high": 2.0, "log": true}}"#
        #expect(try JSONDecoder().decode(Distribution.self, from: Data(written.utf8)) == .float(try FloatDistribution(low: 0.5, high: 2, log: true)))
        // A stored distribution with an impossible range is refused, not trusted.
        let bad = #"{"name": "IntDistribution", "attributes": {"low": 5, "high": 1, "log": false, "step": 1}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Distribution.self, from: Data(bad.utf8)) }
    }

    @Test(arguments: [
        ("{}", "empty", nil as String?),
        ("x: {type: float, low: 2, high: 1}", "low must not exceed high", "x"),
        ("x: {type: float, low: 0, high: 1, log: true}", "low > 0", "x"),
        ("x: {type: int, low: 0, high: 10, log: true}", "low >= 1", "x"),
        ("x: {type: float, low: 0, high: 1, step: 0.3}", "does not divide", "x"),
        ("x: {type: int, low: 0, high: 10, step: 3}", "does not divide", "x"),
        ("x: {type: int, low: 1, high: 10, step: 2, log: true}", "log", "x"),
        ("x: {type: float, low: 0, high: 1, log: true, step: 0.1}", "log and step", "x"),
        ("x: {type: uniform, low: 0, high: 1}", "unknown type", "x.type"),
        ("x: {type: float, low: 0, high: 1, scale: 2}", "unknown key scale", "x.scale"),
        ("x: {type: float, high: 1}", "missing key low", "x.low"),
        ("x: {type: float, low: zero, high: 1}", "expected a number", "x.low"),
        ("x: {type: int, low: 0.5, high: 3}", "whole number", "x.low"),
        ("x: {type: categorical, choices: []}", "choices must not be empty", "x"),
        ("x: {type: categorical, choices: a}", "choices must be a list", "x.choices"),
        ("x: {type: float, low: .nan, high: 1}", "finite", "x"),
        ("x: {name: NormalDistribution, attributes: {}}", "unknown distribution", "x.name"),
        ("x: [1, 2]", "mapping", "x"),
    ])
    func badSpacesNameTheParameter(text: String, message: String, parameter: String?) throws {
        let error = #expect(throws: ToolboxError.self) { try SearchSpace(text: text, source: "space.yaml") }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.context.parameter == parameter, "\(error?.context.parameter ?? "nil")")
        #expect(error?.context.path == "space.yaml")
    }

    @Test func syntaxErrorsNameTheLine() throws {
        let error = #expect(throws: ToolboxError.self) { try SearchSpace(text: "x: {type: float,\n  low: [0, \n", source: "s.yaml") }
        #expect(error?.code == .parseError && error?.context.line != nil)
        // Repeated parameters and keys are refused.
        let repeated = #expect(throws: ToolboxError.self) { try SearchSpace(text: "x: {type: float, low: 0, high: 1, low: 0}") }
        #expect(repeated?.message.contains("twice") == true || repeated?.code == .parseError)
    }

    @Test func valuesAreCheckedAgainstTheirDistribution() throws {
        let d = Distribution.int(try IntDistribution(low: 2, high: 10, step: 2))
        #expect(try d.internalValue(.int(4)) == 4)
        #expect(throws: ToolboxError.self) { try d.internalValue(.int(5), name: "k") }
        #expect(throws: ToolboxError.self) { try d.internalValue(.string("4"), name: "k") }
        let f = Distribution.float(try FloatDistribution(low: 0, high: 1))
        #expect(throws: ToolboxError.self) { try f.internalValue(.float(.nan), name: "x") }
        let c = Distribution.categorical(try CategoricalDistribution(choices: [.string("a"), .float(.nan)]))
        #expect(try c.internalValue(.float(.nan)) == 1)
        #expect(FloatDistribution.divides(step: 0.1, low: 0, high: 1))
        #expect(!FloatDistribution.divides(step: 0.3, low: 0, high: 1))
    }
}
