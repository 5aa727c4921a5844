import Foundation
import Testing
import ToolboxCore

/// Special files are refused without waiting; outputs are replaced atomically or not at all.
@Suite("Regular files only, outputs replaced atomically")
struct RegularFileTests {
    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("regular-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func specialFilesAreRefusedAtOnce() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe.csv"
        #expect(mkfifo(fifo, 0o644) == 0)
        for path in [fifo, dir, "/dev/zero"] {
            #expect(throws: ToolboxError.self) { try DataTable(csvFile: path) }
            #expect(throws: ToolboxError.self) { try CSVChunkReader(path: path) }
            #expect(throws: ToolboxError.self) { try ModelArchive.load(from: path) }
            #expect(throws: ToolboxError.self) { try RegularFile.read(path) }
        }
        do {
            _ = try RegularFile.read(fifo)
        } catch let error as ToolboxError {
            #expect(error.code == .ioError && error.message.contains("FIFO") && error.context.path == fifo)
        }
    }

    @Test func outputsAreReplacedWholeAndDirectoriesNever() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/table.csv"
        try RegularFile.replace(file, with: Array("old\n".utf8))
        let table = try DataTable([("a", .numeric([1, 2]))])
        try table.writeCSV(to: file)
        #expect(try DataTable(csvFile: file).numericColumn(named: "a") == [1, 2])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["table.csv"])

        let target = dir + "/model.dstb"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target + "/precious"))
        #expect(throws: ToolboxError.self) { try table.writeCSV(to: target) }
        #expect(throws: ToolboxError.self) { try RegularFile.replace(target, with: [1, 2, 3]) }
        #expect(FileManager.default.contents(atPath: target + "/precious") == Data("keep".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["model.dstb", "table.csv"])
        #expect(throws: ToolboxError.self) { try RegularFile.read(dir + "/table.csv", limit: 3) }
    }
}
