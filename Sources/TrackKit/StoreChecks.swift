import Foundation
package import ToolboxCore

/// The checks and decisions every tracking store makes the same way, whatever holds the data
/// (SQLite, PostgreSQL): key and name limits, reserved aliases, promotion rules, the model
/// archive a version names, a folder's digest.
package enum StoreChecks {
    /// Parameter, metric and tag keys are 1 to 250 characters.
    package static func keys(_ keys: some Sequence<String>) throws {
        for key in keys where key.isEmpty || key.count > 250 {
            throw ToolboxError(.invalidParameter, "keys are 1 to 250 characters, got \"\(key.prefix(40))\"", context: ErrorContext(parameter: "key"))
        }
    }

    /// Model names, aliases, tag keys and metric names are 1 to 250 characters without NUL.
    package static func name(_ value: String, _ parameter: String) throws {
        guard !value.isEmpty, value.count <= 250, !value.contains("\0") else {
            throw ToolboxError(.invalidParameter, "\(parameter) must be 1 to 250 characters, got \"\(value.prefix(40))\"", context: ErrorContext(parameter: parameter))
        }
    }

    /// An alias may not look like a version (`latest`, `3`, `v3`).
    package static func alias(_ alias: String) throws {
        try name(alias, "alias")
        guard alias.lowercased() != "latest", Int(alias) == nil, !alias.hasPrefix("v") || Int(alias.dropFirst()) == nil else {
            throw ToolboxError(.invalidParameter, "alias \(alias) is reserved (latest, version numbers and v1, v2, ... name versions already)",
                               context: ErrorContext(parameter: "alias"))
        }
    }

    /// A promotion rule names a metric and a finite, non-negative margin.
    package static func rule(_ rule: PromotionRule?, alias: String) throws {
        try name(alias, "alias")
        guard let rule else { return }
        try name(rule.metric, "metric")
        guard rule.minimumImprovement.isFinite, rule.minimumImprovement >= 0 else {
            throw ToolboxError(.invalidParameter, "minimum improvement must be finite and at least 0, got \(rule.minimumImprovement)",
                               context: ErrorContext(parameter: "minimum_improvement"))
        }
    }

    /// What the audit log keeps of a rule.
    package static func ruleDetails(_ rule: PromotionRule?) -> [String: JSONValue] {
        rule.map { ["metric": .string($0.metric), "higher_is_better": .bool($0.higherIsBetter), "minimum_improvement": .number($0.minimumImprovement)] }
            ?? ["rule": .null]
    }

    /// The one model archive (`.dstbx`) of a run a version registers when no artifact is named.
    package static func archive(runID: String, among archives: [String]) throws -> String {
        guard archives.count == 1 else {
            throw ToolboxError(archives.isEmpty ? .notFound : .invalidParameter,
                               archives.isEmpty ? "run \(runID) has no model archive (.dstbx) to register; log one (log(model:)) or name the model's artifact"
                                                : "run \(runID) has several model archives (\(archives.joined(separator: ", "))); name the one to register",
                               context: ErrorContext(parameter: "artifact_path"))
        }
        return archives[0]
    }

    /// A folder of artifacts (an MLflow model directory)'s digest: the SHA-256 of its files'
    /// relative paths and digests, one per line, in path order.
    package static func folderDigest(runID: String, folder: String, files: [(path: String, sha256: String)]) throws -> String {
        guard !files.isEmpty else {
            throw ToolboxError(.notFound, "run \(runID) has no artifact \(folder)", context: ErrorContext(path: folder, parameter: "artifact_path"))
        }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        var manifest = ""
        for file in files { manifest += "\(file.path.dropFirst(prefix.count)) \(file.sha256)\n" }
        return ContentSHA256.hash(Array(manifest.utf8)).hexString
    }

    /// Decides a promotion under `rule`: the audit details it adds, or the refusal (unless forced).
    package static func promotion(rule: PromotionRule, name: String, alias: String, version: Int, previous: Int, candidate: Double, holder: Double,
                                  force: Bool, details: inout [String: JSONValue]) throws {
        details["rule"] = .object(["metric": .string(rule.metric), "higher_is_better": .bool(rule.higherIsBetter),
                                   "candidate": .string("\(candidate)"), "holder": .string("\(holder)")])
        guard !rule.accepts(candidate: candidate, holder: holder) else { return }
        guard force else {
            let better = rule.higherIsBetter ? "higher" : "lower"
            throw ToolboxError(.invalidParameter, "version \(version) of \(name) does not beat \(alias) (version \(previous)) on \(rule.metric): \(candidate) against \(holder), and the rule asks for \(better) by more than \(rule.minimumImprovement)",
                               context: ErrorContext(parameter: "alias"))
        }
        details["forced"] = .bool(true)
    }

    /// A new run's id: 32 lowercase hexadecimal digits, as MLflow's.
    package static func newRunID() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
