import ArgumentParser
import DSToolbox
import Foundation

/// `dstoolbox drift REFERENCE CURRENT ...` and `dstoolbox drift profile DATA.csv --output P`.
struct DriftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Compare a current data set with a reference: per-column drift tests and the dataset's verdict.",
        subcommands: [DriftCompareCommand.self, DriftProfileCommand.self],
        defaultSubcommand: DriftCompareCommand.self
    )
}

/// `dstoolbox drift REFERENCE CURRENT [--stattest numeric=ks,categorical=chi2] [--stattest col=psi] [--json] [--html F]`
struct DriftCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Per-column drift of CURRENT against REFERENCE (a CSV file or a saved profile).",
        discussion: """
        Each column's test is chosen as Evidently chooses it (KS, chi-square or Z-test for up to \
        1000 reference rows; normed Wasserstein or Jensen-Shannon above) unless --stattest says: \
        numeric=TEST and categorical=TEST set a type's test, COLUMN=TEST one column's. Tests: \
        ks, chi2, z, fisher, anderson, cvm, mmd, wasserstein, jensenshannon, psi, kl, hellinger. \
        P-value tests drift below their threshold (default 0.05), distances at or above it \
        (default 0.1). The dataset drifts when the share of drifted feature columns reaches \
        --drift-share.
        """
    )

    @Argument(help: "The reference: a CSV file, or a profile written by `dstoolbox drift profile`.") var reference: String
    @Argument(help: "The current data: a CSV file.") var current: String
    @Option(help: "Tests: numeric=TEST, categorical=TEST or COLUMN=TEST, comma-separated; repeatable.") var stattest: [String] = []
    @Option(help: "Thresholds: COLUMN=VALUE, comma-separated; repeatable.") var threshold: [String] = []
    @Option(name: .customLong("drift-share"), parsing: .unconditional, help: "Share of drifted feature columns at which the dataset drifts.") var driftShare: Double = 0.5
    @Option(help: "P-value correction across columns: none, bonferroni or bh.") var correction: String = "none"
    @Option(help: "Bins of numeric columns for binned distances: quantile:N or fixed:N.") var bins: String = "quantile:10"
    @Option(help: "Columns to compare, comma-separated (default: every reference column).") var columns: String?
    @Option(help: "The prediction column (reported as prediction drift).") var prediction: String?
    @Option(help: "The target (label) column (reported as target drift).") var target: String?
    @Option(parsing: .unconditional, help: "Seed of MMD's permutations.") var seed: UInt64 = 0
    @Flag(help: "Print the report as JSON.") var json = false
    @Option(help: "Also write an HTML report to this file (replaced atomically).") var html: String?
    @Flag(name: .customLong("fail-on-drift"), help: "Exit with status 1 when the dataset drifts.") var failOnDrift = false

    func validate() throws {
        guard driftShare > 0, driftShare <= 1 else { throw ValidationError("--drift-share must be in (0, 1], got \(driftShare)") }
        guard Correction(rawValue: correction) != nil else { throw ValidationError("--correction takes none, bonferroni or bh, got \(correction)") }
        _ = try Self.binning(bins)
        _ = try options()
    }

    static func binning(_ text: String) throws -> Binning {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let count = Int(parts[1]), count >= 1, count <= 10_000 else {
            throw ValidationError("--bins takes quantile:N or fixed:N with N in 1...10000, got \(text)")
        }
        switch parts[0] {
        case "quantile": return .quantile(count)
        case "fixed": return .fixed(count)
        default: throw ValidationError("--bins takes quantile:N or fixed:N, got \(text)")
        }
    }

    /// key=value pairs from repeated, comma-separated options.
    static func pairs(_ values: [String], option: String) throws -> [(String, String)] {
        try values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].trimmingCharacters(in: .whitespaces).isEmpty, !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--\(option) takes KEY=VALUE pairs, got \(item)")
            }
            return (parts[0].trimmingCharacters(in: .whitespaces), parts[1].trimmingCharacters(in: .whitespaces))
        }
    }

    func options() throws -> DriftOptions {
        var options = DriftOptions()
        options.histograms = html != nil
        for (key, name) in try Self.pairs(stattest, option: "stattest") {
            guard let test = StatTest(name: name) else {
                throw ValidationError("--stattest: unknown test \(name); tests are \(StatTest.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            switch key {
            case "numeric": options.numericStattest = test
            case "categorical": options.categoricalStattest = test
            default: options.stattest[key] = test
            }
        }
        for (column, text) in try Self.pairs(threshold, option: "threshold") {
            guard let value = Double(text), value.isFinite, value >= 0 else {
                throw ValidationError("--threshold \(column)=\(text): the threshold must be a finite number of at least 0")
            }
            options.threshold[column] = value
        }
        options.driftShare = driftShare
        options.correction = Correction(rawValue: correction) ?? .none
        options.binning = try Self.binning(bins)
        options.columns = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        options.prediction = prediction
        options.target = target
        options.seed = seed
        return options
    }

    /// Whether a file holds a profile (JSON) rather than CSV: its first non-blank byte is `{`.
    static func isProfile(_ path: String) throws -> Bool {
        let head = try RegularFile.head(path, count: 4_096)
        return head.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) } == UInt8(ascii: "{")
    }

    func run() throws {
        let options = try options()
        if let html { try RegularFile.checkReplaceable(html) }
        let currentTable = try DataTable(csvFile: current)
        let report: DriftReport
        if try Self.isProfile(reference) {
            report = try DriftReport.compute(profile: try ReferenceProfile.load(from: reference), current: currentTable, options: options)
        } else {
            report = try DriftReport.compute(reference: try DataTable(csvFile: reference), current: currentTable, options: options)
        }
        if let html { try RegularFile.replace(html, with: Array(DriftHTML.render(report).utf8)) }
        print(json ? try report.json() : Self.text(report))
        if failOnDrift && report.datasetDrift { throw ExitCode(1) }
    }

    static func text(_ report: DriftReport) -> String {
        func number(_ value: Double?) -> String {
            guard let value else { return "-" }
            return value.isInfinite ? (value > 0 ? "inf" : "-inf") : TextTable.general(value, precision: 4)
        }
        var rows = [["column", "role", "test", "statistic", "p_value", "threshold", "drifted"]]
        for column in report.columns {
            rows.append([column.column, column.role.rawValue, column.test, number(column.statistic), number(column.adjustedPValue ?? column.pValue),
                         number(column.threshold), column.drifted ? "yes" : "no"])
        }
        let percent = String(format: "%.0f%%", report.shareOfDriftedColumns * 100)
        return TextTable.render(rows) + "\n"
            + "dataset drift: \(report.datasetDrift ? "yes" : "no") (\(report.numberOfDriftedColumns) of \(report.numberOfColumns) feature columns drifted, \(percent); threshold \(number(report.driftShare)))"
    }
}

/// `dstoolbox drift profile DATA.csv --output PROFILE [--columns a,b]`
struct DriftProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Summarize a reference CSV as a drift profile (quantile sketches and category counts), so the raw rows need not be kept."
    )

    @Argument(help: "The reference CSV file.") var data: String
    @Option(name: .shortAndLong, help: "Output profile (JSON, replaced atomically).") var output: String
    @Option(help: "Bins of numeric columns whose exact shares the profile keeps: quantile:N.") var bins: String = "quantile:10"
    @Option(help: "Columns to profile, comma-separated (default: every column).") var columns: String?

    func run() throws {
        try RegularFile.checkReplaceable(output)
        let names = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let profile = try ReferenceProfile(try DataTable(csvFile: data), columns: names, binning: try DriftCompareCommand.binning(bins))
        try profile.save(to: output)
        print("wrote a profile of \(profile.rows) rows x \(profile.columns.count) columns to \(output)")
    }
}
