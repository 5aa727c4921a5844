@testable import DriftKit
import Foundation
import Synchronization
import Testing
import ToolboxCore

@Suite("Streaming drift monitor")
struct DriftMonitorTests {
    static func rows(_ count: Int, seed: UInt64, shift: Double) throws -> DataTable {
        let x = DriftGolden.sample("normal", seed: seed, count: count, shift: shift)
        let kind = DriftGolden.uniforms(seed: seed + 1, count: count).map { $0 < 0.5 + shift / 4 ? "a" : "b" } as [String?]
        return try DataTable([("x", .numeric(x)), ("kind", .categorical(kind))])
    }

    static func slice(_ table: DataTable, _ range: Range<Int>) throws -> DataTable {
        try DataTable([("x", .numeric(Array(try table.numericColumn(named: "x")[range]))), ("kind", .categorical(Array(try table.categoricalColumn(named: "kind")[range])))])
    }

    @Test func tumblingWindowsCheckEachBlock() throws {
        let reference = try Self.rows(400, seed: 1, shift: 0)
        let stream = try DataTable([("x", .numeric(try Self.rows(200, seed: 5, shift: 0).numericColumn(named: "x") + (try Self.rows(150, seed: 9, shift: 1.5).numericColumn(named: "x")))),
                                    ("kind", .categorical(try Self.rows(200, seed: 5, shift: 0).categoricalColumn(named: "kind") + (try Self.rows(150, seed: 9, shift: 1.5).categoricalColumn(named: "kind"))))])
        let monitor = try DriftMonitor(reference: reference, window: .tumbling(100))
        let alerts = Mutex<[Int]>([])
        monitor.onDrift = { check in alerts.withLock { $0.append(check.rowsSeen) } }
        var checks: [DriftMonitor.Check] = []
        for start in stride(from: 0, to: 350, by: 70) {
            checks += try monitor.add(try Self.slice(stream, start..<min(start + 70, 350)))
        }
        #expect(checks.map(\.rowsSeen) == [100, 200, 300] && monitor.rowsSeen == 350)
        for (index, check) in checks.enumerated() {
            let expected = try DriftReport.compute(reference: reference, current: try Self.slice(stream, (index * 100)..<(index * 100 + 100)))
            #expect(check.report == expected && check.windowRows == 100)
        }
        #expect(!checks[0].isDrift && !checks[1].isDrift && checks[2].isDrift && checks[2].driftedColumns.contains("x"))
        #expect(alerts.withLock { $0 } == [300])
    }

    @Test func slidingWindowsCheckTheLastRows() throws {
        let reference = try Self.rows(300, seed: 1, shift: 0)
        let stream = try Self.rows(500, seed: 3, shift: 0)
        let profile = try ReferenceProfile(reference)
        let monitor = try DriftMonitor(profile: profile, window: .sliding(200), checkEvery: 50)
        var checks: [DriftMonitor.Check] = []
        for start in stride(from: 0, to: 500, by: 30) { checks += try monitor.add(try Self.slice(stream, start..<min(start + 30, 500))) }
        #expect(checks.map(\.rowsSeen) == [200, 250, 300, 350, 400, 450, 500])
        let third = try DriftReport.compute(profile: profile, current: try Self.slice(stream, 100..<300))
        #expect(checks[2].report == third)
        // A bad batch adds nothing; a window under 2 rows is refused.
        let bad = try DataTable([("x", .categorical(["1", "oops"])), ("kind", .categorical(["a", "b"]))])
        let error = #expect(throws: ToolboxError.self) { try monitor.add(bad) }
        #expect(error?.context.column == "x" && monitor.rowsSeen == 500)
        #expect(throws: ToolboxError.self) { try DriftMonitor(reference: reference, window: .sliding(1)) }
        #expect(throws: ToolboxError.self) { try DriftMonitor(reference: reference, window: .sliding(10), checkEvery: 0) }
    }
}
