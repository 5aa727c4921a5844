import ArgumentParser
import Foundation
import ToolboxCore

/// `dstoolbox data describe FILE.csv`: per-column statistics, like pandas' `describe`.
struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Summarize every column of a CSV file.",
        discussion: """
        For each column: its kind, count of values, missing values, distinct values (categorical), \
        mean, standard deviation (n - 1), minimum, quartiles and maximum (numeric), as pandas' \
        describe computes them.
        """
    )

    @Argument(help: "The CSV file to read.")
    var file: String

    @OptionGroup var csv: CSVArguments

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let options = try csv.options()
        let table = try DataTable(csvFile: file, options: options)
        let summaries = table.describe()
        print(json ? try DescribeRenderer.json(summaries, rows: table.rowCount) : DescribeRenderer.table(summaries, rows: table.rowCount))
    }
}

/// Renders column summaries for people (an aligned table) or programs (JSON).
enum DescribeRenderer {
    static let headers = ["column", "type", "count", "missing", "unique", "mean", "std", "min", "25%", "50%", "75%", "max"]

    static func table(_ summaries: [ColumnSummary], rows: Int) -> String {
        let body = summaries.map { s in
            [s.name, s.kind.rawValue, String(s.count), String(s.missing), s.unique.map(String.init) ?? "",
             format(s.mean), format(s.std), format(s.min), format(s.q25), format(s.median), format(s.q75), format(s.max)]
        }
        return "\(rows) rows, \(summaries.count) columns\n" + TextTable.render([headers] + body, rightAligned: Set(2..<headers.count))
    }

    static func json(_ summaries: [ColumnSummary], rows: Int) throws -> String {
        struct Report: Encodable {
            var rows: Int
            var columns: [ColumnSummary]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(Report(rows: rows, columns: summaries)), as: UTF8.self)
    }

    /// Six significant digits, as pandas prints by default.
    static func format(_ value: Double?) -> String {
        guard let value else { return "" }
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return TextTable.general(value, precision: 6)
    }
}
