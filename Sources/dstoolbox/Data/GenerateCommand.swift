import ArgumentParser
import ToolboxCore

/// `dstoolbox data generate`: a seeded synthetic data set as CSV.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a seeded synthetic data set (regression, classification or blobs) as CSV."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case regression, classification, blobs
    }

    @Option(help: "What to generate: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: Kind = .regression

    @Option(parsing: .unconditional, help: "Number of rows.")
    var rows: Int = 1_000

    @Option(parsing: .unconditional, help: "Number of feature columns.")
    var features: Int = 5

    @Option(parsing: .unconditional, help: "Random seed; the same seed gives the same file.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Standard deviation of the noise added to regression targets.")
    var noise: Double = 1

    @Option(name: .shortAndLong, help: "Output file.")
    var output: String

    func validate() throws {
        guard rows > 0, rows <= 100_000_000 else { throw ValidationError("--rows must be between 1 and 100000000") }
        guard features > 0, features <= 10_000 else { throw ValidationError("--features must be between 1 and 10000") }
        // Bounded memory: the values are held before they are written.
        guard rows.multipliedReportingOverflow(by: features + 1).partialValue <= 200_000_000 else {
            throw ValidationError("--rows x (--features + 1) must be at most 200000000 values")
        }
        guard noise.isFinite, noise >= 0 else { throw ValidationError("--noise must be a finite, non-negative number") }
    }

    func run() throws {
        // Refuse a directory or special file before spending time generating.
        try RegularFile.checkReplaceable(output)
        let data: SyntheticData = try {
            switch kind {
            case .regression:
                DataGenerators.regression(samples: rows, features: features, informative: max(1, features / 2), noise: noise, seed: seed)
            case .classification:
                try DataGenerators.classification(samples: rows, features: features, informative: min(features, 2),
                                                  redundant: features >= 4 ? 1 : 0, classes: 2, clustersPerClass: 1, seed: seed)
            case .blobs:
                DataGenerators.blobs(samples: rows, features: features, seed: seed)
            }
        }()
        var table = try DataTable(data.x, columnNames: (0..<features).map { "x\($0)" })
        try table.setColumn("target", .numeric(data.y))
        try table.writeCSV(to: output)
        print("wrote \(rows) rows x \(features + 1) columns to \(output)")
    }
}
