import Testing
import ToolboxCore

/// Random CSV-like bytes: every input parses or throws a ToolboxError naming a line; nothing traps.
@Suite("CSV reader on random input")
struct CSVFuzzTests {
    static let alphabet: [UInt8] = Array("0123456789.,-+eE\"\n\r ;aNnIf\t".utf8) + [0xEF, 0xBB, 0xBF, 0xC3, 0xA9, 0]

    @Test(arguments: 0..<4)
    func randomBytesNeverTrap(seed: UInt64) {
        var rng = SeededGenerator(seed: 500 + seed)
        for round in 0..<500 {
            let length = rng.nextInt(below: 300)
            let bytes = (0..<length).map { _ in Self.alphabet[rng.nextInt(below: Self.alphabet.count)] }
            for threads in [1, 2] {
                do {
                    let table = try DataTable(csvBytes: bytes, options: CSVOptions(threads: threads))
                    #expect(table.columns.allSatisfy { $0.count == table.rowCount }, "round \(round)")
                    // What was read writes back and reads again to the same shape.
                    let again = try DataTable(csv: try table.csvString(), options: CSVOptions(columnTypes: Dictionary(
                        uniqueKeysWithValues: zip(table.columnNames, table.columns.map(\.kind)))))
                    #expect(again.rowCount == table.rowCount && again.columnNames == table.columnNames, "round \(round)")
                } catch let error as ToolboxError {
                    #expect(error.code == .parseError || error.code == .invalidParameter, "round \(round): \(error)")
                    if error.code == .parseError { #expect(error.context.line != nil, "round \(round): \(error)") }
                } catch {
                    Issue.record("round \(round): untyped error \(error)")
                }
            }
        }
    }
}
