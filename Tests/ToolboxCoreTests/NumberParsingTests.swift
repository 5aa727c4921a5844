import Testing
import ToolboxCore

@Suite("CSV number parsing")
struct NumberParsingTests {
    /// Random decimal spellings, parsed by the CSV reader and by `strtod` (through
    /// `Double(String)`, which is correctly rounded): every bit must agree.
    @Test(arguments: 0..<8)
    func agreesWithStrtod(seed: UInt64) throws {
        var rng = SeededGenerator(seed: 1_000 + seed)
        var texts: [String] = []
        for _ in 0..<2_000 {
            let integerDigits = rng.nextInt(below: 12)
            let fractionDigits = rng.nextInt(below: 22)
            var text = rng.nextInt(below: 3) == 0 ? "-" : ""
            text += integerDigits == 0 ? "0" : String((0..<integerDigits).map { _ in Character(String(rng.nextInt(below: 10))) })
            if fractionDigits > 0 {
                text += "." + String((0..<fractionDigits).map { _ in Character(String(rng.nextInt(below: 10))) })
            }
            if rng.nextInt(below: 4) == 0 {
                text += (rng.nextInt(below: 2) == 0 ? "e" : "E-") + String(rng.nextInt(below: 340))
            }
            texts.append(text)
        }
        let parsed = try DataTable(csv: "v\n" + texts.joined(separator: "\n") + "\n").numericColumn(named: "v")
        for (text, value) in zip(texts, parsed) {
            let expected = try #require(Double(text))
            #expect(value.bitPattern == expected.bitPattern, "\(text): \(value) vs \(expected)")
        }
    }

    @Test func lineEndingsInParallelFiles() throws {
        // Over the parallel threshold, with CRLF, blank lines and a lone CR line break.
        var text = "a,b\r\n"
        for i in 0..<300_000 {
            text += "\(i),\(Double(i) * 0.25)\r\n"
            if i % 9_999 == 0 { text += "\r\n\n" }
        }
        text += "7,8\r9,10"
        #expect(text.utf8.count > 4 << 20)
        let one = try DataTable(csv: text, options: CSVOptions(threads: 1))
        let two = try DataTable(csv: text, options: CSVOptions(threads: 2))
        let same = one == two
        #expect(same)
        #expect(one.rowCount == 300_002)
        #expect(try one.numericColumn(named: "b").suffix(3) == [74_999.75, 8, 10])
    }
}
