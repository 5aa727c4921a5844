import Foundation
package import ToolboxCore

/// How every database study storage (SQLite, PostgreSQL) writes and reads a trial's pieces, so
/// each backend only runs SQL: JSON for parameters, distributions and attributes, hexadecimal
/// bit patterns for objective values (NaN and ±∞ come back exactly).
package enum StudyCoding {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// A value as JSON text (keys sorted).
    package static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// JSON text read back, or `corruptStore` naming what it should have been.
    package static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw ToolboxError(.corruptStore, "the study store holds an unreadable \(what): \(error)")
        }
    }

    /// A parameter value written by `JSONEncoder` read without it: a number, `true`, `false`,
    /// `null`, or text without escapes; `nil` for anything else (then decoded).
    package static func scalar(_ text: String) -> ParameterValue? {
        switch text {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return ParameterValue.none
        default: break
        }
        if text.first == "\"" {
            guard text.count >= 2, text.last == "\"", !text.dropFirst().dropLast().contains(where: { $0 == "\\" || $0 == "\"" }) else { return nil }
            return .string(String(text.dropFirst().dropLast()))
        }
        if let whole = Int(text) { return .int(whole) }
        if let number = Double(text), number.isFinite { return .float(number) }
        return nil
    }

    /// Values as the hexadecimal bit patterns of their Doubles, comma-separated.
    package static func bits(_ values: [Double]) -> String {
        values.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
    }

    /// ``bits(_:)`` read back.
    package static func values(_ text: String) throws -> [Double] {
        guard !text.isEmpty else { return [] }
        return try text.split(separator: ",").map { part in
            guard let pattern = UInt64(part, radix: 16) else { throw ToolboxError(.corruptStore, "the study store holds an unreadable objective value") }
            return Double(bitPattern: pattern)
        }
    }

    /// A study's row read back.
    package static func record(id: Int, name: String, directions: String, sampler: String, seed: Int64?, pruner: String) throws -> StudyRecord {
        StudyRecord(id: id, name: name, directions: try decode([StudyDirection].self, directions, what: "study direction"), sampler: sampler,
                    seed: seed.map { UInt64(bitPattern: $0) }, pruner: pruner)
    }

    /// The state a stored trial is in.
    package static func state(_ text: String) throws -> TrialState {
        guard let state = TrialState(rawValue: text) else { throw ToolboxError(.corruptStore, "a trial has an unknown state \(text)") }
        return state
    }

    /// A trial's row, without its parameters, intermediate values and attributes.
    package static func trial(number: Int, state: TrialState, valueBits: String?, started: Double?, completed: Double?, failure: String?) throws -> FrozenTrial {
        FrozenTrial(number: number, state: state, values: try valueBits.map(values),
                    started: started.map { Date(timeIntervalSince1970: $0) }, completed: completed.map { Date(timeIntervalSince1970: $0) },
                    failure: failure)
    }

    /// Adds the parameters, intermediate values and attributes read for trials being filled
    /// (`position`: a trial's database id to its index in `trials`). Each distinct distribution
    /// text is decoded once.
    package static func fill(_ trials: inout [FrozenTrial], position: [Int64: Int],
                             parameters: [(trial: Int64, name: String, value: String, distribution: String)],
                             intermediate: [(trial: Int64, step: Int, bits: Int64)],
                             attributes: [(trial: Int64, system: Bool, key: String, value: String)]) throws {
        var distributions: [String: Distribution] = [:]
        for row in parameters {
            guard let index = position[row.trial] else { continue }
            let distribution: Distribution
            if let known = distributions[row.distribution] {
                distribution = known
            } else {
                distribution = try decode(Distribution.self, row.distribution, what: "distribution")
                distributions[row.distribution] = distribution
            }
            let value = try (scalar(row.value) ?? decode(ParameterValue.self, row.value, what: "parameter value")).typed(for: distribution)
            trials[index].parameters.append(TrialParameter(name: row.name, value: value, distribution: distribution))
        }
        for row in intermediate {
            guard let index = position[row.trial] else { continue }
            trials[index].intermediateValues[row.step] = Double(bitPattern: UInt64(bitPattern: row.bits))
        }
        for row in attributes {
            guard let index = position[row.trial] else { continue }
            let value = try decode(JSONValue.self, row.value, what: "trial attribute")
            if row.system { trials[index].systemAttributes[row.key] = value } else { trials[index].userAttributes[row.key] = value }
        }
    }

    /// A finished trial is not changed (as Optuna refuses to update one).
    package static func requireUnfinished(_ state: TrialState, _ number: Int) throws {
        guard !state.isFinished else {
            throw ToolboxError(.conflict, "trial \(number) is \(state.rawValue); a finished trial cannot be updated", context: ErrorContext(parameter: "trial"))
        }
    }

    /// Only a running trial takes parameters and intermediate values.
    package static func requireRunning(_ state: TrialState, _ number: Int) throws {
        guard state == .running else {
            throw ToolboxError(.conflict, "trial \(number) is \(state.rawValue), not RUNNING", context: ErrorContext(parameter: "trial"))
        }
    }

    /// A trial told twice.
    package static func alreadyFinished(_ state: TrialState, _ number: Int) -> ToolboxError {
        ToolboxError(.conflict, "trial \(number) is already \(state.rawValue); it cannot be told twice", context: ErrorContext(parameter: "trial"))
    }

    /// Why a silent trial failed.
    package static func staleFailure(_ gracePeriod: Double) -> String {
        "its worker stopped sending heartbeats for \(gracePeriod) seconds"
    }

    /// The parameters fixed for an enqueued trial, as its `fixed_params` system attribute.
    package static func fixedParameters(_ parameters: [String: ParameterValue]) throws -> String {
        var fixed: [String: JSONValue] = [:]
        for (name, value) in parameters { fixed[name] = value.json }
        return try json(JSONValue.object(fixed))
    }
}
