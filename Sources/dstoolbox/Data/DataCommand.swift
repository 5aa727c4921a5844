import ArgumentParser
import ToolboxCore

/// `dstoolbox data ...`: look at and make tabular data.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect and generate tabular data.",
        subcommands: [DescribeCommand.self, GenerateCommand.self]
    )
}

/// CSV reading options shared by the data commands.
struct CSVArguments: ParsableArguments {
    @Option(help: "Field delimiter (one character).")
    var delimiter: String = ","

    @Flag(help: "The first line is data, not column names.")
    var noHeader = false

    @Option(name: .customLong("type"), parsing: .singleValue,
            help: ArgumentHelp("Force a column's kind, as NAME=numeric or NAME=categorical (repeatable).", valueName: "NAME=KIND"))
    var types: [String] = []

    func options() throws -> CSVOptions {
        guard delimiter.count == 1, let character = delimiter.first else {
            throw ValidationError("--delimiter must be a single character, got \"\(delimiter)\"")
        }
        var columnTypes: [String: FeatureKind] = [:]
        for entry in types {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = FeatureKind(rawValue: parts[1]) else {
                throw ValidationError("--type takes NAME=numeric or NAME=categorical, got \"\(entry)\"")
            }
            columnTypes[parts[0]] = kind
        }
        return CSVOptions(delimiter: character, hasHeader: !noHeader, columnTypes: columnTypes)
    }
}

