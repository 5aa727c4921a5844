import Foundation
import GRDB
public import ToolboxCore
import TrackKit

/// A study storage that can take a study whole, trials and history kept (`dstoolbox store
/// migrate`): the SQLite and PostgreSQL storages.
public protocol MigratableStudyStorage: StudyStorage {
    /// Writes a study with its trials as they are (numbers, states, values, parameters,
    /// intermediate values, attributes, times) and its sampler state; returns its record here.
    func writeStudy(_ record: StudyRecord, trials: [FrozenTrial], samplerState: JSONValue?) async throws -> StudyRecord
}

/// Copying studies whole, and checking a copy.
public enum StudyMigration {
    /// What a storage holds: counts and one SHA-256 over every study and trial, in a fixed order.
    public struct Digest: Sendable, Hashable, CustomStringConvertible {
        /// Studies.
        public var studies = 0
        /// Trials.
        public var trials = 0
        /// SHA-256 over everything counted, hexadecimal.
        public var sha256 = ""

        /// `N studies, N trials (sha256 ...)`.
        public var description: String { "\(studies) studies, \(trials) trials (sha256 \(sha256))" }
    }

    /// Copies every study of `source` into `target`, which must hold none; returns both digests,
    /// equal when the copy is whole.
    /// - Throws: `ToolboxError/Code/conflict` when the target holds studies;
    ///   `ToolboxError/Code/corruptStore` when the copy's digest differs.
    public static func copy(from source: any StudyStorage, to target: any MigratableStudyStorage) async throws -> (source: Digest, target: Digest) {
        guard try await target.studies().isEmpty else {
            throw ToolboxError(.conflict, "the target store already holds studies; store migrate copies into an empty store only", context: ErrorContext(parameter: "to"))
        }
        // The source's digest comes from what the copy read: each study is read once.
        var read = DigestBuilder()
        for record in try await source.studies().sorted(by: { $0.name < $1.name }) {
            let trials = try await source.trials(study: record.id), state = try await source.samplerState(study: record.id)
            try read.add(record, trials: trials, samplerState: state)
            _ = try await target.writeStudy(record, trials: trials, samplerState: state)
        }
        let digests = (read.digest, try await digest(target))
        guard digests.0 == digests.1 else {
            throw ToolboxError(.corruptStore, "the copied studies differ from the source: source \(digests.0), copy \(digests.1)", context: ErrorContext(parameter: "to"))
        }
        return digests
    }

    /// A storage's digest (see ``Digest``).
    public static func digest(_ storage: any StudyStorage) async throws -> Digest {
        var builder = DigestBuilder()
        for record in try await storage.studies().sorted(by: { $0.name < $1.name }) {
            try builder.add(record, trials: try await storage.trials(study: record.id), samplerState: try await storage.samplerState(study: record.id))
        }
        return builder.digest
    }

    /// A ``Digest`` built study by study, in name order.
    struct DigestBuilder {
        private var result = Digest()
        private var lines = DigestLines()

        mutating func add(_ record: StudyRecord, trials: [FrozenTrial], samplerState: JSONValue?) throws {
            let bits = DigestLines.bits
            result.studies += 1
            lines.add("study", record.name, try StudyCoding.json(record.directions), record.sampler, record.seed.map { String($0) } ?? "-", record.pruner)
            lines.add("sampler state", try samplerState.map(StudyCoding.json) ?? "-")
            for trial in trials {
                result.trials += 1
                lines.add("trial", String(trial.number), trial.state.rawValue, trial.values.map(StudyCoding.bits) ?? "-", trial.failure ?? "-",
                          bits(trial.started?.timeIntervalSince1970), bits(trial.completed?.timeIntervalSince1970))
                for parameter in trial.parameters {
                    lines.add("param", parameter.name, try StudyCoding.json(parameter.value), try StudyCoding.json(parameter.distribution))
                }
                for (step, value) in trial.intermediateValues.sorted(by: { $0.key < $1.key }) { lines.add("intermediate", String(step), bits(value)) }
                for (key, value) in trial.userAttributes.sorted(by: { $0.key < $1.key }) { lines.add("user attribute", key, try StudyCoding.json(value)) }
                for (key, value) in trial.systemAttributes.sorted(by: { $0.key < $1.key }) { lines.add("system attribute", key, try StudyCoding.json(value)) }
            }
        }

        var digest: Digest {
            var finished = result
            finished.sha256 = lines.sha256
            return finished
        }
    }
}

extension SQLiteStudyStorage: MigratableStudyStorage {
    /// Writes a study with its trials as they are.
    public func writeStudy(_ record: StudyRecord, trials: [FrozenTrial], samplerState: JSONValue?) async throws -> StudyRecord {
        let directions = try StudyCoding.json(record.directions), state = try samplerState.map(StudyCoding.json)
        return try writing { db in
            try db.execute(sql: "INSERT INTO studies (name, directions, sampler, seed, pruner, sampler_state, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [record.name, directions, record.sampler, record.seed.map { Int64(bitPattern: $0) }, record.pruner, state,
                                       Date().timeIntervalSince1970])
            var stored = record
            stored.id = Int(db.lastInsertedRowID)
            for trial in trials {
                try db.execute(sql: "INSERT INTO trials (study_id, number, state, value_bits, failure, started, completed) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [stored.id, trial.number, trial.state.rawValue, trial.values.map(StudyCoding.bits), trial.failure,
                                           trial.started?.timeIntervalSince1970, trial.completed?.timeIntervalSince1970])
                let id = db.lastInsertedRowID
                for (position, parameter) in trial.parameters.enumerated() {
                    try db.execute(sql: "INSERT INTO trial_params (trial_id, position, name, value, distribution) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [id, position, parameter.name, try StudyCoding.json(parameter.value), try StudyCoding.json(parameter.distribution)])
                }
                for (step, value) in trial.intermediateValues {
                    try db.execute(sql: "INSERT INTO trial_intermediate (trial_id, step, bits) VALUES (?, ?, ?)", arguments: [id, step, Int64(bitPattern: value.bitPattern)])
                }
                for (system, attributes) in [(0, trial.userAttributes), (1, trial.systemAttributes)] {
                    for (key, value) in attributes {
                        try db.execute(sql: "INSERT INTO trial_attributes (trial_id, system, key, value) VALUES (?, ?, ?, ?)",
                                       arguments: [id, system, key, try StudyCoding.json(value)])
                    }
                }
            }
            return stored
        }
    }
}
