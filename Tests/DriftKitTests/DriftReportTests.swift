@testable import DriftKit
import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Drift reports, profiles and corrections")
struct DriftReportTests {
    /// A reference and a current table: `x` shifted, `y` not, `few` with 3 values, `flag` binary,
    /// `city` categorical with a new category, `gone` entirely missing in the current data.
    static func tables(referenceRows: Int = 600, currentRows: Int = 500) throws -> (DataTable, DataTable) {
        func table(_ rows: Int, seed: UInt64, shift: Double, current: Bool) throws -> DataTable {
            let u = DriftGolden.uniforms(seed: seed, count: rows * 4)
            let x = DriftGolden.sample("normal", seed: seed + 1, count: rows, shift: shift)
            let y = DriftGolden.sample("skewed", seed: seed + 2, count: rows, shift: 0)
            let few = (0..<rows).map { (u[4 * $0] * 3).rounded(.down) }
            let flag = (0..<rows).map { u[4 * $0 + 1] < (current ? 0.5 : 0.48) ? "yes" : "no" } as [String?]
            let cities = current ? ["oslo", "bergen", "tromso", "bodo"] : ["oslo", "bergen", "tromso"]
            let city = (0..<rows).map { cities[Int(u[4 * $0 + 2] * Double(cities.count))] } as [String?]
            let gone = (0..<rows).map { current ? Double.nan : u[4 * $0 + 3] }
            return try DataTable([("x", .numeric(x)), ("y", .numeric(y)), ("few", .numeric(few)), ("flag", .categorical(flag)),
                                  ("city", .categorical(city)), ("gone", .numeric(gone))])
        }
        return (try table(referenceRows, seed: 100, shift: 0, current: false), try table(currentRows, seed: 200, shift: 0.5, current: true))
    }

    @Test func testsAreChosenAsEvidentlyChoosesThemAndComputedAsTheirOwnAPIs() throws {
        let (reference, current) = try Self.tables()
        let report = try DriftReport.compute(reference: reference, current: current)
        let byName = Dictionary(uniqueKeysWithValues: report.columns.map { ($0.column, $0) })
        #expect(byName["x"]?.test == "ks" && byName["y"]?.test == "ks" && byName["few"]?.test == "chi2")
        #expect(byName["flag"]?.test == "z" && byName["city"]?.test == "chi2")
        let ks = try KolmogorovSmirnov.test(try reference.numericColumn(named: "x"), try current.numericColumn(named: "x"))
        #expect(byName["x"]?.statistic == ks.statistic && byName["x"]?.pValue == ks.pValue && byName["x"]?.drifted == true)
        #expect(byName["y"]?.drifted == false)
        let chi = try ChiSquare.goodnessOfFit(reference: CategoryCounts(try reference.categoricalColumn(named: "city")),
                                              current: CategoryCounts(try current.categoricalColumn(named: "city")))
        #expect(byName["city"]?.statistic == chi.statistic && chi.statistic.isInfinite && byName["city"]?.drifted == true)
        #expect(byName["city"]?.note == "1 current category not in the reference: bodo")
        #expect(byName["gone"]?.drifted == true && byName["gone"]?.statistic == nil && byName["gone"]?.note != nil)
        #expect(byName["x"]?.effectSizeName == "wasserstein_normed" && byName["city"]?.effectSizeName == "jensen_shannon")
        #expect(report.numberOfColumns == 6 && report.numberOfDriftedColumns == byName.values.filter(\.drifted).count)
        #expect(report.datasetDrift == (report.shareOfDriftedColumns >= 0.5))
        // Over 1000 reference rows: normed Wasserstein and Jensen-Shannon, thresholds 0.1.
        let (large, largeCurrent) = try Self.tables(referenceRows: 1_500, currentRows: 800)
        let big = Dictionary(uniqueKeysWithValues: try DriftReport.compute(reference: large, current: largeCurrent).columns.map { ($0.column, $0) })
        #expect(big["x"]?.test == "wasserstein" && big["few"]?.test == "jensenshannon" && big["city"]?.test == "jensenshannon")
        let normed = try Distance.normedWasserstein(try large.numericColumn(named: "x"), try largeCurrent.numericColumn(named: "x"))
        #expect(big["x"]?.threshold == 0.1 && big["x"]?.statistic == normed)
    }

    @Test func overridesThresholdsAndCorrections() throws {
        let (reference, current) = try Self.tables()
        var options = DriftOptions()
        options.numericStattest = .psi
        options.categoricalStattest = .jensenshannon
        options.stattest["y"] = .anderson
        options.threshold["x"] = 5
        options.columns = ["x", "y", "city"]
        let report = try DriftReport.compute(reference: reference, current: current, options: options)
        let byName = Dictionary(uniqueKeysWithValues: report.columns.map { ($0.column, $0) })
        #expect(byName["x"]?.test == "psi" && byName["x"]?.threshold == 5 && byName["x"]?.drifted == false)
        let psi = try Distance.psi(reference: try reference.numericColumn(named: "x"), current: try current.numericColumn(named: "x"))
        #expect(byName["x"]?.statistic == psi)
        #expect(byName["y"]?.test == "anderson" && byName["city"]?.test == "jensenshannon" && report.columns.count == 3)
        options.stattest["city"] = .ks
        let wrongType = #expect(throws: ToolboxError.self) { try DriftReport.compute(reference: reference, current: current, options: options) }
        #expect(wrongType?.context.column == "city")
        // Bonferroni and Benjamini-Hochberg adjusted p-values.
        #expect(Correction.bonferroni.adjust([0.01, 0.04, 0.3]) == [0.03, 0.12, 0.8999999999999999])
        let bh = Correction.benjaminiHochberg.adjust([0.01, 0.04, 0.03, 0.2])
        #expect(zip(bh, [0.04, 0.16 / 3, 0.16 / 3, 0.2]).allSatisfy { abs($0 - $1) < 1e-15 }, "\(bh)")
        var corrected = DriftOptions()
        corrected.correction = .bonferroni
        let adjusted = try DriftReport.compute(reference: reference, current: current, options: corrected)
        let tested = adjusted.columns.filter { $0.pValue != nil }
        #expect(tested.allSatisfy { $0.adjustedPValue == min(1, $0.pValue! * Double(tested.count)) })
        #expect(tested.allSatisfy { $0.drifted == ($0.adjustedPValue! < $0.threshold) })
    }

    @Test func predictionAndTargetAreReportedApart() throws {
        let (reference, current) = try Self.tables()
        var options = DriftOptions()
        options.prediction = "y"
        options.target = "flag"
        let report = try DriftReport.compute(reference: reference, current: current, options: options)
        #expect(report.predictionDrift?.column == "y" && report.targetDrift?.column == "flag" && report.numberOfColumns == 4)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(json["prediction_drift"] as? String == "y" && json["target_drift"] as? String == "flag")
        options.prediction = "score"
        #expect(throws: ToolboxError.self) { try DriftReport.compute(reference: reference, current: current, options: options) }
    }

    /// The JSON the CLI prints: per column test, statistic, p_value (for tests with one),
    /// threshold and drifted, plus the dataset verdict; numbers read back as the same Double.
    @Test func jsonHasTheContractFields() throws {
        let (reference, current) = try Self.tables()
        let report = try DriftReport.compute(reference: reference, current: current)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(json["dataset_drift"] as? Bool == report.datasetDrift)
        let columns = try #require(json["columns"] as? [String: [String: Any]])
        let x = try #require(columns["x"])
        #expect(x["test"] as? String == "ks" && x["threshold"] as? Double == 0.05 && x["drifted"] as? Bool == true)
        // Shortest round-trip text (JSONSerialization's NSNumber parse is not a faithful Double reader).
        let text = try report.json()
        let statistic = try #require(report.columns[0].statistic), p = try #require(report.columns[0].pValue)
        #expect(text.contains("\"statistic\" : \(statistic)") && text.contains("\"p_value\" : \(p)"))
        #expect(x["statistic"] != nil && x["p_value"] != nil)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoded = try decoder.decode(DriftReport.self, from: Data(report.json(histograms: true).utf8))
        #expect(decoded.columns.first { $0.column == "x" } == report.columns[0])
    }

    @Test func edgeCasesHaveDocumentedResults() throws {
        let reference = try DataTable([("a", .numeric([1, 1, 1, 1])), ("b", .categorical(["k", "k", "k", "k"])), ("c", .numeric([.nan, .nan, .nan, .nan])),
                                       ("d", .numeric([1, 2, 3, 4]))])
        let current = try DataTable([("a", .numeric([1, 1, 1])), ("b", .categorical(["k", "k", "k"])), ("c", .numeric([.nan, .nan, .nan])),
                                     ("d", .categorical(["1", "2", "n/a"]))])
        let mismatch = #expect(throws: ToolboxError.self) { try DriftReport.compute(reference: reference, current: current) }
        #expect(mismatch?.context.column == "d" && mismatch?.context.row == 0)
        var options = DriftOptions()
        options.columns = ["a", "b", "c"]
        let report = try DriftReport.compute(reference: reference, current: current, options: options)
        for column in report.columns {
            #expect(!column.drifted, "\(column.column)")
            if let statistic = column.statistic { #expect(statistic.isFinite) }
            if let p = column.pValue { #expect(p == 1) }
        }
        #expect(report.columns[2].note == "no values in either sample")
        #expect(throws: ToolboxError.self) { try DriftReport.compute(reference: reference, current: try DataTable([("a", .numeric([1]))])) }
        options.driftShare = 0
        #expect(throws: ToolboxError.self) { try DriftReport.compute(reference: reference, current: current, options: options) }
    }

    /// A profile gives the raw report's categorical tests and quantile-bin distances exactly,
    /// KS and Wasserstein within the documented bounds, and refuses the tests that need raw values.
    @Test func profilesStandInForTheReference() throws {
        let (reference, current) = try Self.tables(referenceRows: 5_000, currentRows: 3_000)
        let profile = try ReferenceProfile(reference)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("drift-profile-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try profile.save(to: path)
        let loaded = try ReferenceProfile.load(from: path)
        #expect(loaded == profile)
        for test in [StatTest.ks, .wasserstein, .psi, .jensenshannon] {
            var options = DriftOptions()
            options.numericStattest = test
            options.categoricalStattest = .chi2
            let raw = Dictionary(uniqueKeysWithValues: try DriftReport.compute(reference: reference, current: current, options: options).columns.map { ($0.column, $0) })
            let summarized = Dictionary(uniqueKeysWithValues: try DriftReport.compute(profile: loaded, current: current, options: options).columns.map { ($0.column, $0) })
            for name in ["x", "y"] {
                let (a, b) = (try #require(raw[name]?.statistic), try #require(summarized[name]?.statistic))
                switch test {
                case .ks: #expect(abs(a - b) <= 1.0 / 1000 + 1.0 / 5000, "\(name) ks \(a) vs \(b)")
                case .wasserstein:
                    let values = try reference.numericColumn(named: name)
                    let sd = try #require(profile.columns.first { $0.name == name }?.standardDeviation)
                    #expect(abs(a - b) <= (values.max()! - values.min()!) / (1000 * sd), "\(name) wasserstein \(a) vs \(b)")
                default: #expect(abs(a - b) <= 1e-12 * max(1, abs(a)), "\(name) \(test) \(a) vs \(b)")
                }
                #expect(raw[name]?.drifted == summarized[name]?.drifted, "\(name) \(test) verdict")
            }
            for name in ["few", "flag", "city"] { #expect(raw[name]?.statistic == summarized[name]?.statistic, "\(name)") }
        }
        var options = DriftOptions()
        options.numericStattest = .cvm
        #expect(throws: ToolboxError.self) { try DriftReport.compute(profile: loaded, current: current, options: options) }
        // A version 1 profile (quantiles only) still reads.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("\"values\""))
        try text.replacingOccurrences(of: "\"version\":\(ReferenceProfile.formatVersion)}", with: "\"version\":1}").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ReferenceProfile.load(from: path).columns == profile.columns)
    }

    /// A reference of at most 1,001 rows keeps its values in the profile: every test from the
    /// profile, those that need raw values included, is the raw reference's.
    @Test func smallReferencesKeepTheirValues() throws {
        let (reference, current) = try Self.tables(referenceRows: ReferenceColumn.sketchIntervals + 1, currentRows: 400)
        let profile = try ReferenceProfile(reference)
        #expect(profile.columns.first { $0.name == "x" }?.quantiles == nil && profile.columns.first { $0.name == "x" }?.hasRawValues == true)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("drift-small-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try profile.save(to: path)
        let loaded = try ReferenceProfile.load(from: path)
        #expect(loaded == profile)
        for test in [StatTest.ks, .wasserstein, .psi, .cvm, .anderson, .mmd] {
            var options = DriftOptions()
            options.numericStattest = test
            #expect(try DriftReport.compute(profile: loaded, current: current, options: options).columns
                    == DriftReport.compute(reference: reference, current: current, options: options).columns, "\(test)")
        }
        // One more row and the sketch takes over.
        let (larger, _) = try Self.tables(referenceRows: ReferenceColumn.sketchIntervals + 2, currentRows: 1)
        #expect(try ReferenceProfile(larger).columns.first { $0.name == "x" }?.quantiles?.count == ReferenceColumn.sketchIntervals + 1)
    }

    @Test func corruptProfilesAreTypedErrors() throws {
        let (reference, _) = try Self.tables()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drift-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("p.json").path
        try ReferenceProfile(reference).save(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for (name, mutated) in [("truncated", String(text.prefix(text.count / 2))), ("version", text.replacingOccurrences(of: "\"version\":\(ReferenceProfile.formatVersion)", with: "\"version\":7")),
                                ("rows", text.replacingOccurrences(of: "\"rows\":600", with: "\"rows\":601")), ("empty", ""), ("array", "[1, 2]"),
                                ("overflow", text.replacingOccurrences(of: "\"oslo\":", with: "\"huge\":9223372036854775807,\"oslo\":")),
                                ("negative", text.replacingOccurrences(of: "\"oslo\":", with: "\"minus\":-5,\"oslo\":")),
                                ("unsorted", text.replacingOccurrences(of: "\"values\":[", with: "\"values\":[5,")),
                                ("values and quantiles", text.replacingOccurrences(of: "\"values\":[", with: "\"quantiles\":[0,1],\"values\":[")),
                                ("values of categories", text.replacingOccurrences(of: "\"kind\":\"categorical\"", with: "\"kind\":\"categorical\",\"values\":[1]"))] {
            let file = directory.appendingPathComponent("\(name).json").path
            try mutated.write(toFile: file, atomically: true, encoding: .utf8)
            #expect(throws: ToolboxError.self, "\(name)") { try ReferenceProfile.load(from: file) }
        }
        #expect(throws: ToolboxError.self) { try ReferenceProfile.load(from: directory.path) }
    }
}

/// A report of many columns encodes its columns in parallel; the JSON is the one a single
/// encoding writes, to the byte.
@Suite("Drift reports of many columns")
struct WideDriftReportTests {
    @Test func parallelJSONEqualsOneEncoding() throws {
        var generator = SeededGenerator(seed: 12)
        var names = (0..<640).map { "c\($0)" }
        names += ["ä-umlaut", "quote\"d", "slash/column", "Zeta", "tab\tname", "ß", "10", "9"]
        func table(_ shift: Double) throws -> DataTable {
            // Every fifth column text (a category only the current has: an infinite statistic, a
            // note, a p-value of 0), the others numbers, two columns with missing values.
            try DataTable(names.enumerated().map { index, name in
                index % 5 == 0
                    ? (name, .categorical((0..<40).map { row in shift > 0 && row == 0 ? "new" : ["a", "b", "c"][generator.nextInt(below: 3)] }))
                    : (name, .numeric((0..<40).map { row in index < 12 && row % 7 == 0 ? .nan : generator.nextNormal() + shift }))
            })
        }
        var options = DriftOptions()
        options.prediction = "c1"
        let report = try DriftReport.compute(reference: try table(0), current: try table(0.4), options: options)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var stripped = report
        for index in stripped.columns.indices { stripped.columns[index].histogram = nil }
        let single = String(decoding: try encoder.encode(stripped), as: UTF8.self)
        #expect(single.contains("\"inf\"") && single.contains("\"note\"") && single.contains("\"p_value\" : 0,"))
        #expect(try report.json() == single)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        #expect(try decoder.decode(DriftReport.self, from: Data(try report.json().utf8)).columns.count == names.count)
    }
}

/// A profile of many columns is written in parallel and read back in parallel.
@Suite("Wide profiles")
struct WideProfileTests {
    /// The profile reader gives what `JSONDecoder` gives, to the bit, for every kind of column
    /// (kept values, quantile sketches, value counts, categories, missing values), and leaves
    /// anything not in the writer's form to the decoder.
    @Test func columnReaderEqualsTheDecoder() throws {
        var generator = SeededGenerator(seed: 11)
        func table(rows: Int) throws -> DataTable {
            try DataTable((0..<40).map { index in
                switch index % 4 {
                case 0: ("c\(index)", .categorical((0..<rows).map { _ in generator.nextInt(below: 9) == 0 ? nil : ["a", "bé", "c d"][generator.nextInt(below: 3)] }))
                case 1: ("f\(index)", .numeric((0..<rows).map { _ in Double(generator.nextInt(below: 5)) - 2.5 }))
                case 2: ("m\(index)", .numeric((0..<rows).map { _ in generator.nextInt(below: 4) == 0 ? .nan : generator.nextNormal() * 1e-7 }))
                default: ("n\(index)", .numeric((0..<rows).map { _ in generator.nextNormal() * 1e12 }))
                }
            })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var kept = 0, sketched = 0
        for rows in [60, 1_500] {
            for column in try ReferenceProfile(try table(rows: rows)).columns {
                let bytes = Array(try encoder.encode(column))
                let read = try #require(ProfileColumnReader.columns(bytes, ranges: [0..<bytes.count][...]), "\(column.name)")
                let decoded = try decoder.decode(ReferenceColumn.self, from: Data(bytes))
                #expect(read == [column] && read == [decoded], "\(column.name)")
                var writer = ProfileColumnWriter()
                writer.write(column)
                #expect(ProfileColumnReader.columns(writer.bytes, ranges: [0..<writer.bytes.count][...]) == [column], "\(column.name)")
                if column.values != nil { kept += 1 }
                if column.quantiles != nil { sketched += 1 }
            }
        }
        #expect(kept >= 10 && sketched >= 10)
        let text = String(decoding: try encoder.encode(try ReferenceProfile(try table(rows: 60)).columns[2]), as: UTF8.self)
        for mutated in [String(text.dropLast()), text.replacingOccurrences(of: "\"name\":\"m2\"", with: "\"name\":\"m\\u0032\""),
                        text.replacingOccurrences(of: "\"rows\":", with: "\"other\":1,\"rows\":"), text.replacingOccurrences(of: "\"rows\":60", with: "\"rows\":60,\"rows\":60"),
                        text.replacingOccurrences(of: "\"rows\":60", with: "\"rows\":060"), text.replacingOccurrences(of: "\"rows\":60", with: "\"rows\":null"),
                        text.replacingOccurrences(of: "\"values\":[", with: "\"values\":[.5,"), text.replacingOccurrences(of: "\"values\":[", with: "\"values\":[1e,"),
                        text.replacingOccurrences(of: "\"rows\":60", with: "\"rows\":99999999999999999999"), text + " "] {
            let bytes = Array(mutated.utf8)
            #expect(ProfileColumnReader.columns(bytes, ranges: [0..<bytes.count][...]) == nil, "\(mutated.prefix(80))")
        }
    }

    @Test func parallelProfileJSONReadsBack() throws {
        var generator = SeededGenerator(seed: 3)
        let table = try DataTable((0..<700).map { index in
            index % 3 == 0 ? ("t\(index)", .categorical((0..<50).map { _ in ["x", "y", "q\"uote"][generator.nextInt(below: 3)] }))
                : ("n\(index)", .numeric((0..<50).map { _ in index % 7 == 0 ? Double(generator.nextInt(below: 4)) : generator.nextNormal() }))
        })
        var profile = try ReferenceProfile(table)
        // Names and categories that need escapes; a mean that overflowed.
        profile.columns[0].name = "tab\there \"quoted\" back\\slash \u{01} é"
        profile.columns[0].counts = CategoryCounts(["line\nbreak": 30, "\u{1F}": 15, "/": 5])
        profile.columns[1].mean = .infinity
        profile.columns[2].standardDeviation = .nan
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoded = try decoder.decode(ReferenceProfile.self, from: Data(try profile.encodedJSON()))
        #expect(decoded.columns.dropFirst(3) == profile.columns.dropFirst(3) && decoded.columns[0] == profile.columns[0])
        #expect(decoded.columns[1].mean == .infinity && decoded.columns[2].standardDeviation?.isNaN == true)
        #expect(try profile.encodedJSON() == (try profile.encodedJSON()), "the same profile gives the same bytes")
        profile.columns[1].mean = 0
        profile.columns[2].standardDeviation = 1
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wide-\(UInt64.random(in: 0...UInt64.max)).profile").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try profile.save(to: path)
        #expect(try ReferenceProfile.load(from: path) == profile)
        // Its columns decode in parallel to the same profile; a damaged one falls back to the
        // one decoding that names what is wrong.
        let bytes = try profile.encodedJSON()
        #expect(try ReferenceProfile.parallelDecode(bytes) == profile)
        var damaged = bytes
        let at = damaged.count / 2
        damaged.replaceSubrange(at..<(at + 12), with: Array("\"rows\":\"x\"}".utf8))
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        #expect(throws: ToolboxError.self) { try ReferenceProfile.load(from: path) }
        // A profile larger than a load accepts is refused before anything is written, both the
        // parallel and the single encoding, and the exact size is counted.
        try profile.save(to: path, limit: bytes.count)
        #expect(try ReferenceProfile.load(from: path) == profile)
        let error = #expect(throws: ToolboxError.self) { try profile.save(to: path + ".big", limit: bytes.count - 1) }
        #expect(error?.code == .tooLarge && error?.message.contains("\(bytes.count) bytes") == true)
        #expect(!FileManager.default.fileExists(atPath: path + ".big"))
        let narrow = try ReferenceProfile(try table.selecting(Array(table.columnNames.prefix(10))))
        let narrowBytes = try narrow.encodedJSON()
        #expect(throws: ToolboxError.self) { try narrow.save(to: path, limit: narrowBytes.count - 1) }
        #expect(try ReferenceProfile.load(from: path) == profile)
    }

    /// A wide report charts at most `maximumCharts` columns, the drifted ones first; the table
    /// still lists every column, and the verdicts are those of the uncapped report.
    @Test func wideReportsChartTheDriftedColumnsFirst() throws {
        let rows = 120
        let u = DriftGolden.uniforms(seed: 7, count: rows * 2)
        var reference: [(String, DataTable.Column)] = []
        var current: [(String, DataTable.Column)] = []
        for index in 0..<(DriftReport.maximumCharts + 50) {
            let name = String(format: "c%03d", index)
            let shift = index >= DriftReport.maximumCharts + 45 ? 5.0 : 0.0
            reference.append((name, .numeric((0..<rows).map { u[$0] + Double(index) })))
            current.append((name, .numeric((0..<rows).map { u[rows + $0] + Double(index) + shift })))
        }
        let report = try DriftReport.compute(reference: try DataTable(reference), current: try DataTable(current))
        let charted = report.columns.filter { $0.histogram != nil }
        #expect(report.columns.count == DriftReport.maximumCharts + 50 && charted.count == DriftReport.maximumCharts)
        let drifted = report.columns.filter(\.drifted).map(\.column)
        #expect(drifted.count >= 5 && Set(drifted).isSubset(of: Set(charted.map(\.column))))
        var uncapped = DriftOptions()
        uncapped.histograms = false
        let verdicts = try DriftReport.compute(reference: try DataTable(reference), current: try DataTable(current), options: uncapped)
        #expect(verdicts.columns.map(\.drifted) == report.columns.map(\.drifted) && verdicts.columns.map(\.pValue) == report.columns.map(\.pValue))
        let referenceTable = try DataTable(reference), currentTable = try DataTable(current)
        for column in charted {
            let full = try ColumnComparison.compare(try ReferenceColumn(name: column.column, column: try referenceTable.column(named: column.column)),
                                                    try currentTable.column(named: column.column), options: DriftOptions())
            #expect(full.histogram == column.histogram, "\(column.column)")
        }
        let page = report.html()
        #expect(page.components(separatedBy: "<section class=\"card\"").count - 1 == DriftReport.maximumCharts)
        #expect(page.components(separatedBy: "<tr><td>").count - 1 == DriftReport.maximumCharts + 50)
        #expect(page.contains("the other 50 are in the table"))
    }
}
