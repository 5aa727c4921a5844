import ArgumentParser
import DSToolbox
import Foundation
import ToolboxHTTP

/// `dstoolbox store ...`: whole stores.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Whole stores: copy one into another (a folder into PostgreSQL, PostgreSQL into a folder).",
        subcommands: [StoreMigrateCommand.self]
    )
}

/// `dstoolbox store migrate --from S1 --to S2 [--json]`
struct StoreMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a whole store into an empty one: runs (ids kept), metric histories, artifacts, the registry and its audit log, studies.",
        discussion: """
            Each store is a folder or postgresql://USER:PASSWORD@HOST:PORT/DB. The target must be empty; nothing is \
            written to the source. The copy is verified: both stores' counts and SHA-256 digests over everything copied \
            are printed and must agree, else the command fails.
            """
    )

    @Option(help: "The store to copy: a folder or postgresql://USER:PASSWORD@HOST:PORT/DB.") var from: String
    @Option(help: "The empty store to copy into: a folder (created) or postgresql://USER:PASSWORD@HOST:PORT/DB.") var to: String
    @Flag(help: "Print the counts and digests as JSON.") var json = false

    func run() async throws {
        let source = try StoreLocation(from), target = try StoreLocation(to)
        for (location, option) in [(source, "from"), (target, "to")] {
            if case .server(let url) = location {
                throw ToolboxError(.invalidParameter, "store migrate copies folders and PostgreSQL databases, not a tracking server (\(url))",
                                   context: ErrorContext(parameter: option))
            }
        }
        guard let sourceTracking = try await source.trackingStore(readOnly: true) as? any MigratableTrackingStore,
              let targetTracking = try await target.trackingStore() as? any MigratableTrackingStore else {
            throw ToolboxError(.unsupported, "this store cannot be copied whole", context: ErrorContext(parameter: "from"))
        }
        let tracking = try await StoreMigration.copy(from: sourceTracking, to: targetTracking) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        // A folder without studies has none to copy.
        var studies: (source: StudyMigration.Digest, target: StudyMigration.Digest)?
        let sourceStudies: (any StudyStorage)?
        do {
            sourceStudies = try await source.studyStorage(readOnly: true)
        } catch let error as ToolboxError where error.code == .notFound {
            sourceStudies = nil
        }
        if let sourceStudies {
            guard let targetStudies = try await target.studyStorage() as? any MigratableStudyStorage else {
                throw ToolboxError(.unsupported, "the target cannot hold studies", context: ErrorContext(parameter: "to"))
            }
            studies = try await StudyMigration.copy(from: sourceStudies, to: targetStudies)
        }
        if json {
            func digest(_ d: StoreMigration.Digest) -> JSONOutput {
                .object([("experiments", .integer(Int64(d.experiments))), ("runs", .integer(Int64(d.runs))), ("metric_values", .integer(Int64(d.metrics))),
                         ("artifacts", .integer(Int64(d.artifacts))), ("models", .integer(Int64(d.models))), ("versions", .integer(Int64(d.versions))),
                         ("audit_entries", .integer(Int64(d.auditEntries))), ("sha256", .string(d.sha256))])
            }
            func studyDigest(_ d: StudyMigration.Digest?) -> JSONOutput {
                d.map { .object([("studies", .integer(Int64($0.studies))), ("trials", .integer(Int64($0.trials))), ("sha256", .string($0.sha256))]) } ?? .null
            }
            print(JSONOutput.object([
                ("tracking", .object([("source", digest(tracking.source)), ("target", digest(tracking.target))])),
                ("studies", .object([("source", studyDigest(studies?.source)), ("target", studyDigest(studies?.target))])),
                ("verified", .bool(true)),
            ]).text)
        } else {
            print("tracking: \(tracking.target)")
            print("studies: \(studies.map { "\($0.target)" } ?? "none")")
            print("verified: the copy's counts and digests equal the source's")
        }
    }
}
