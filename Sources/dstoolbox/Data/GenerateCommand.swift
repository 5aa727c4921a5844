import ArgumentParser
import Foundation
import ToolboxCore
import VectorKit
import Workflows

/// `dstoolbox data generate`: a seeded synthetic data set as CSV.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a seeded synthetic data set as CSV (or a SEG-Y survey with its labels).",
        discussion: """
            regression, classification, blobs: numeric features x0... and a target column `target`. \
            churn: customers with missing values, categorical columns, a text note and `churned` (0/1); --shift drifts it. \
            documents: doc_id, text, topic (four topics). procurement: monthly unit costs of parts (--rows months). \
            survey: a SEG-Y file of --rows traces with facies, and its labels beside it (NAME_labels.csv: trace,facies); --shift drifts it. \
            vectors: --rows float32 vectors of --features dimensions around 32 centres, as .npy (NumPy) or, for another extension, CSV.
            """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case regression, classification, blobs, churn, documents, procurement, survey, vectors
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

    @Option(parsing: .unconditional, help: "churn and survey: how far the data drifts from the unshifted kind (0: none, 1: strongly).")
    var shift: Double = 0

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
        guard shift.isFinite, shift >= 0, shift <= 10 else { throw ValidationError("--shift must be in 0...10") }
        if kind == .survey, rows > 1_000_000 { throw ValidationError("--rows (traces) must be at most 1000000 for a survey") }
    }

    func run() throws {
        // Refuse a directory or special file before spending time generating.
        try RegularFile.checkReplaceable(output)
        switch kind {
        case .churn, .documents, .procurement:
            let table: DataTable
            switch kind {
            case .churn: table = try ExampleData.churn(rows: rows, seed: seed, shift: shift)
            case .documents: table = try ExampleData.documents(rows: rows, seed: seed)
            default: table = try ExampleData.procurement(months: rows, parts: features, seed: seed)
            }
            try table.writeCSV(to: output)
            print("wrote \(table.rowCount) rows x \(table.columnCount) columns to \(output)")
            return
        case .vectors:
            var random = SeededGenerator(seed: seed)
            func uniform() -> Float { Float(random.next() >> 40) / Float(1 << 24) * 2 - 1 }
            let centres = (0..<32 * features).map { _ in uniform() * 4 }
            var values = [Float](repeating: 0, count: rows * features)
            for i in 0..<rows {
                let centre = Int(random.next() % 32)
                for j in 0..<features { values[i * features + j] = centres[centre * features + j] + uniform() }
            }
            if output.hasSuffix(".npy") {
                try NumPyFile.write(values, dimension: features, to: output)
            } else {
                let matrix = try Matrix(rows: rows, columns: features, values: values.map(Double.init))
                try DataTable(matrix, columnNames: (0..<features).map { "v\($0)" }).writeCSV(to: output)
            }
            print("wrote \(rows) vectors of \(features) dimensions to \(output)")
            return
        case .survey:
            let labelsPath = URL(fileURLWithPath: output).deletingPathExtension().path + "_labels.csv"
            try RegularFile.checkReplaceable(labelsPath)
            let labels = try ExampleData.survey(path: output, traces: rows, seed: seed, shift: shift)
            try labels.writeCSV(to: labelsPath)
            print("wrote \(rows) traces to \(output) and their facies to \(labelsPath)")
            return
        default: break
        }
        let data: SyntheticData = try {
            switch kind {
            case .regression:
                DataGenerators.regression(samples: rows, features: features, informative: max(1, features / 2), noise: noise, seed: seed)
            case .classification:
                try DataGenerators.classification(samples: rows, features: features, informative: min(features, 2),
                                                  redundant: features >= 4 ? 1 : 0, classes: 2, clustersPerClass: 1, seed: seed)
            default:
                DataGenerators.blobs(samples: rows, features: features, seed: seed)
            }
        }()
        var table = try DataTable(data.x, columnNames: (0..<features).map { "x\($0)" })
        try table.setColumn("target", .numeric(data.y))
        try table.writeCSV(to: output)
        print("wrote \(rows) rows x \(features + 1) columns to \(output)")
    }
}
