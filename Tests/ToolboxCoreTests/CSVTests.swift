import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("CSV reading and writing")
struct CSVTests {
    @Test func infersKindsAndMissingValues() throws {
        let table = try DataTable(csv: "a,b,c\n1,x,\n2.5,NA,3\n,y,4\nnan,z,NULL\n")
        #expect(table.columnNames == ["a", "b", "c"])
        #expect(table.rowCount == 4)
        let a = try table.numericColumn(named: "a")
        #expect(a[0] == 1 && a[1] == 2.5 && a[2].isNaN && a[3].isNaN)
        #expect(try table.categoricalColumn(named: "b") == ["x", nil, "y", "z"])
        let c = try table.numericColumn(named: "c")
        #expect(c[0].isNaN && c[1] == 3 && c[2] == 4 && c[3].isNaN)
    }

    @Test func rfc4180Quoting() throws {
        let text = "name,note\r\n\"Smith, J\",\"said \"\"hi\"\"\"\r\n\"multi\nline\",plain\r\n\"\",\"NA\"\r\n"
        let table = try DataTable(csv: text)
        #expect(try table.categoricalColumn(named: "name") == ["Smith, J", "multi\nline", ""])
        // Quoted fields are literal values: "NA" in quotes is the text NA, not missing.
        #expect(try table.categoricalColumn(named: "note") == ["said \"hi\"", "plain", "NA"])
    }

    @Test func byteOrderMarkAndBlankLines() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("x,y\n\n1,2\n\n3,4".utf8)
        let table = try DataTable(csvBytes: bytes)
        #expect(table.columnNames == ["x", "y"])
        #expect(try table.numericColumn(named: "y") == [2, 4])
    }

    @Test(arguments: [";", "\t", "|"])
    func customDelimiter(delimiter: String) throws {
        let text = "p\(delimiter)q\n1,5\(delimiter)a\n2\(delimiter)b\n"
        let table = try DataTable(csv: text, options: CSVOptions(delimiter: Character(delimiter)))
        #expect(try table.categoricalColumn(named: "p") == ["1,5", "2"])
        #expect(try table.categoricalColumn(named: "q") == ["a", "b"])
    }

    @Test func typeOverrides() throws {
        let text = "id,value\n007,1\n010,x\n"
        let table = try DataTable(csv: text, options: CSVOptions(columnTypes: ["id": .categorical, "value": .categorical]))
        #expect(try table.categoricalColumn(named: "id") == ["007", "010"])
        #expect(try table.categoricalColumn(named: "value") == ["1", "x"])
        do {
            _ = try DataTable(csv: text, options: CSVOptions(columnTypes: ["value": .numeric]))
            Issue.record("a non-number was accepted in a numeric column")
        } catch let error as ToolboxError {
            #expect(error.code == .parseError)
            #expect(error.context.line == 3)
            #expect(error.context.column == "value")
            #expect(error.message.contains("\"x\""))
        }
    }

    @Test func lateTextKeepsOriginalSpelling() throws {
        let table = try DataTable(csv: "code\n1\n2.50\n1e3\nA7\n")
        #expect(try table.categoricalColumn(named: "code") == ["1", "2.50", "1e3", "A7"])
    }

    @Test func raggedRowsNameLineAndColumn() throws {
        do {
            _ = try DataTable(csv: "a,b\n1,2\n3\n")
            Issue.record("a short row was accepted")
        } catch let error as ToolboxError {
            #expect(error.code == .parseError)
            #expect(error.context.line == 3)
            #expect(error.context.column == "2")
        }
        do {
            _ = try DataTable(csv: "a,b\n1,2\n\"x\ny\",2,3\n")
            Issue.record("a long row was accepted")
        } catch let error as ToolboxError {
            #expect(error.context.line == 3)
            #expect(error.context.column == "3")
            #expect(error.context.byteOffset == 8)
        }
    }

    @Test func brokenQuotesAreErrors() throws {
        do {
            _ = try DataTable(csv: "a,b\n1,\"open\n2,3\n")
            Issue.record("an unterminated quote was accepted")
        } catch let error as ToolboxError {
            #expect(error.code == .parseError)
            #expect(error.context.line == 2)
            #expect(error.message.contains("never closed"))
        }
        do {
            _ = try DataTable(csv: "a,b\n\"x\"y,1\n")
            Issue.record("text after a closing quote was accepted")
        } catch let error as ToolboxError {
            #expect(error.context.line == 2 && error.context.column == "1")
        }
        #expect(throws: ToolboxError.self) { try DataTable(csv: "\"a,b\n") }
    }

    @Test func headerEdgeCases() throws {
        #expect(try DataTable(csv: "").columnCount == 0)
        let headerOnly = try DataTable(csv: "a,b\n")
        #expect(headerOnly.columnNames == ["a", "b"] && headerOnly.rowCount == 0)
        let duplicates = try DataTable(csv: "a,a,a\n1,2,3\n")
        #expect(duplicates.columnNames == ["a", "a.1", "a.2"])
        let noHeader = try DataTable(csv: "1,x\n2,y\n", options: CSVOptions(hasHeader: false))
        #expect(noHeader.columnNames == ["0", "1"] && noHeader.rowCount == 2)
        #expect(throws: ToolboxError.self) { try DataTable(csv: "a\n1\n", options: CSVOptions(delimiter: "\"")) }
    }

    struct NumbersGolden: Decodable {
        var texts: [String]
        var python_float_hex: [String]
    }

    @Test func numbersAreCorrectlyRounded() throws {
        let golden = try GoldenFiles().load(NumbersGolden.self, "csv_numbers.json")
        let text = "v\n" + golden.texts.joined(separator: "\n") + "\n"
        let parsed = try DataTable(csv: text).numericColumn(named: "v")
        for (k, hex) in golden.python_float_hex.enumerated() {
            let expected = Double(hex)!
            #expect(parsed[k].bitPattern == expected.bitPattern || (parsed[k].isNaN && expected.isNaN),
                    "\(golden.texts[k]) parsed as \(parsed[k]), expected \(expected)")
        }
    }

    @Test func roundTripIsLossless() throws {
        let original = try DataTable([
            ("x", .numeric([0.1, -2.5e-300, .nan, 1e22, 3, .infinity])),
            ("label", .categorical(["plain", "with, comma", "quote \"q\"", nil, "", "NA"])),
            ("multi", .categorical(["a\nb", " padded ", "c\r\nd", "x", "y", "z"])),
        ])
        for ending in ["\n", "\r\n"] {
            let options = CSVOptions(lineEnding: ending)
            let text = try original.csvString(options: options)
            let back = try DataTable(csv: text, options: CSVOptions(columnTypes: ["label": .categorical, "multi": .categorical]))
            #expect(back.columnNames == original.columnNames)
            #expect(try back.categoricalColumn(named: "label") == original.categoricalColumn(named: "label"))
            #expect(try back.categoricalColumn(named: "multi") == original.categoricalColumn(named: "multi"))
            let x = try back.numericColumn(named: "x"), y = try original.numericColumn(named: "x")
            #expect(zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
        }
    }

    @Test func fileRoundTripAndMissingFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-\(UInt64.random(in: 0...UInt64.max)).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try DataTable([("a", .numeric([1, 2])), ("b", .categorical(["u", "v"]))])
        try table.writeCSV(to: path)
        #expect(try DataTable(csvFile: path) == table)
        do {
            _ = try DataTable(csvFile: path + ".missing")
            Issue.record("a missing file was read")
        } catch let error as ToolboxError {
            #expect(error.code == .ioError && error.context.path == path + ".missing")
        }
    }

    /// A mixed CSV large enough to be parsed in parallel, with a column that turns categorical
    /// only near its end (in the last segment).
    static func largeCSV(rows: Int) -> String {
        var rng = SeededGenerator(seed: 99)
        var lines = ["id,value,group,late"]
        for i in 0..<rows {
            let value = rng.nextNormal() * 100
            let group = ["alpha", "beta", "gamma"][rng.nextInt(below: 3)]
            let late = i == rows - 3 ? "text" : String(i % 17)
            lines.append("\(i),\(i % 101 == 0 ? "" : String(value)),\(group),\(late)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func parallelParseEqualsSequential() throws {
        let text = Self.largeCSV(rows: 140_000)
        #expect(text.utf8.count > 4 << 20)
        let one = try DataTable(csv: text, options: CSVOptions(threads: 1))
        for threads in [2, 3, 5] {
            let many = try DataTable(csv: text, options: CSVOptions(threads: threads))
            let same = many == one
            #expect(same, "threads \(threads)")
        }
        #expect(one.rowCount == 140_000)
        let late = try one.categoricalColumn(named: "late")
        #expect(late[0] == "0" && late[139_997] == "text" && late[139_999] == String(139_999 % 17))
        #expect(try one.numericColumn(named: "value")[0].isNaN)
    }

    @Test func parallelErrorsReportGlobalLines() throws {
        var text = Self.largeCSV(rows: 100_000)
        text += "1,2,3\n"
        do {
            _ = try DataTable(csv: text, options: CSVOptions(threads: 2))
            Issue.record("ragged row accepted")
        } catch let error as ToolboxError {
            #expect(error.context.line == 100_002)
        }
    }

    @Test func chunkedReadingEqualsWholeFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-chunks-\(UInt64.random(in: 0...UInt64.max)).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var text = "\u{FEFF}k,text,v\r\n"
        for i in 0..<2_500 {
            text += "\(i),\"line \(i)\nwith \"\"quote\"\", and comma\",\(Double(i) / 8)\r\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let whole = try DataTable(csvFile: path)
        var reader = try CSVChunkReader(path: path, rowsPerChunk: 333, blockSize: 1_024)
        var joined = DataTable()
        var chunks = 0
        while let chunk = try reader.next() {
            #expect(chunk.rowCount <= 333)
            joined = try joined.appendingRows(chunk)
            chunks += 1
        }
        #expect(chunks == 8)
        let same = joined == whole
        #expect(same)
        #expect(reader.columnNames == ["k", "text", "v"])
        #expect(try reader.next() == nil)
    }

    @Test func chunkedErrorsAreGlobal() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-chunkerr-\(UInt64.random(in: 0...UInt64.max)).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var text = "a,b\n"
        for i in 0..<1_000 { text += "\(i),\(i)\n" }
        text += "oops,1\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var reader = try CSVChunkReader(path: path, rowsPerChunk: 100, blockSize: 1_024)
        do {
            while try reader.next() != nil {}
            Issue.record("a kind change after the first chunk was accepted")
        } catch let error as ToolboxError {
            #expect(error.code == .parseError)
            #expect(error.context.line == 1_002)
            #expect(error.context.column == "a")
        }
    }

    struct DescribeGolden: Decodable {
        struct Column: Decodable {
            var count: Int
            var missing: Int
            var mean, std, min, q25, median, q75, max: Double?
            var unique, top_frequency: Int?
        }
        var columns: [String: Column]
        var rows: Int
    }

    @Test func describeMatchesPandas() throws {
        let files = GoldenFiles()
        let golden = try files.load(DescribeGolden.self, "describe.json")
        let table = try DataTable(csvFile: files.url("describe_input.csv").path)
        #expect(table.rowCount == golden.rows)
        for summary in table.describe() {
            let expected = try #require(golden.columns[summary.name])
            #expect(summary.count == expected.count && summary.missing == expected.missing, "\(summary.name)")
            if summary.kind == .numeric {
                let pairs: [(Double?, Double?)] = [(summary.mean, expected.mean), (summary.std, expected.std), (summary.min, expected.min),
                                                   (summary.q25, expected.q25), (summary.median, expected.median),
                                                   (summary.q75, expected.q75), (summary.max, expected.max)]
                for (actual, reference) in pairs {
                    #expect(isClose(actual ?? .nan, reference ?? .nan, relativeTolerance: 1e-12), "\(summary.name)")
                }
            } else {
                #expect(summary.unique == expected.unique)
                #expect(summary.topFrequency == expected.top_frequency)
            }
        }
    }
}

@Suite("CSV chunked reading of broken files")
struct CSVChunkErrorTests {
    @Test func unterminatedQuoteAtTheEndIsReported() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-open-\(UInt64.random(in: 0...UInt64.max)).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var text = "a,b\n"
        for i in 0..<50 { text += "\(i),x\n" }
        text += "51,\"never closed\n52,y\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var reader = try CSVChunkReader(path: path, rowsPerChunk: 20, blockSize: 64)
        var rows = 0
        do {
            while let chunk = try reader.next() { rows += chunk.rowCount }
            Issue.record("an unterminated quote was dropped silently")
        } catch let error as ToolboxError {
            #expect(error.code == .parseError)
            #expect(error.context.line == 52)
            #expect(rows == 40)
        }
        #expect(throws: ToolboxError.self) { try CSVChunkReader(path: path + ".missing") }
        #expect(throws: ToolboxError.self) { try CSVChunkReader(path: path, rowsPerChunk: 0) }
        #expect(throws: ToolboxError.self) { try DataTable(csvFile: FileManager.default.temporaryDirectory.path) }
    }
}
