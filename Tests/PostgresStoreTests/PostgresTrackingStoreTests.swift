import Foundation
@testable import PostgresStore
import StoreConformance
import Testing
import ToolboxCore
import TrackKit

@Suite("PostgreSQL tracking store", .enabled(if: PostgresTesting.available))
struct PostgresTrackingStoreTests {
    @Test("passes the store conformance suite")
    func conformance() async throws {
        let store = try await PostgresTrackingStore(url: try await PostgresTesting.freshDatabase())
        try await StoreConformance.check(store, label: "PostgreSQL")
    }

    @Test("applies its schema once under concurrent openers, and refuses a newer one")
    func migrations() async throws {
        let url = try await PostgresTesting.freshDatabase()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { _ = try await PostgresTrackingStore(url: url) } }
            try await group.waitForAll()
        }
        let store = try await PostgresTrackingStore(url: url)
        try await store.database.transaction("test") { db in
            #expect(try await db.scalar("SELECT version FROM dstoolbox_schema WHERE component = 'tracking'", as: Int32.self) == 1)
            try await db.execute("UPDATE dstoolbox_schema SET version = 99 WHERE component = 'tracking'")
        }
        let newer = await #expect(throws: ToolboxError.self) { _ = try await PostgresTrackingStore(url: url) }
        #expect(newer?.code == .unsupported && newer?.message.contains("99") == true, "\(String(describing: newer))")
    }

    @Test("the audit log refuses UPDATE, DELETE and TRUNCATE in the database")
    func appendOnlyAudit() async throws {
        let store = try await PostgresTrackingStore(url: try await PostgresTesting.freshDatabase())
        try await store.createRegisteredModel(name: "m", description: nil, actor: nil, reason: nil)
        for statement in ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
            let refused = await #expect(throws: ToolboxError.self, "\(statement)") {
                try await store.database.transaction("test") { db in try await db.execute(statement) }
            }
            #expect(refused?.code == .conflict && refused?.message.contains("append-only") == true, "\(statement): \(String(describing: refused))")
        }
        #expect(try await store.auditLog(model: "m", alias: nil, limit: 10).map(\.actor) == [store.defaultActor])
    }

    @Test("URLs: options read, mistakes named, the password never printed")
    func urls() throws {
        let url = try PostgresURL("postgresql://ana:s%40cret@db.example:6543/tracking?pool=4&retry_seconds=5&sslmode=disable")
        #expect(url.user == "ana" && url.password == "s@cret" && url.host == "db.example" && url.port == 6543 && url.database == "tracking")
        #expect(url.poolSize == 4 && url.retrySeconds == 5 && url.sslMode == "disable")
        #expect(url.description == "postgresql://ana@db.example:6543/tracking")
        for bad in ["postgresql://ana:pw@db/x?pool=0", "postgresql://ana:pw@db/x?pool=abc", "postgresql://ana:pw@db/x?colour=red",
                    "postgresql://ana:pw@/x", "postgresql://:pw@db/x", "postgresql://ana:pw@db:99999/x", "postgresql://ana:pw@db/x?sslmode=maybe"] {
            let refused = #expect(throws: ToolboxError.self, "\(bad)") { try PostgresURL(bad) }
            #expect(refused?.code == .invalidParameter && refused?.message.contains("pw") == false, "\(bad): \(String(describing: refused))")
        }
    }

    @Test("a wrong password is unauthorized, an unreachable server unavailable after the retry budget")
    func connectionFailures() async throws {
        let good = try PostgresURL(try #require(PostgresTesting.serverURL))
        let wrong = "postgresql://\(good.user):wrong@\(good.host):\(good.port)/\(good.database)?sslmode=disable"
        let refused = await #expect(throws: ToolboxError.self) { _ = try await PostgresTrackingStore(url: wrong) }
        #expect(refused?.code == .unauthorized, "\(String(describing: refused))")
        let started = Date()
        let closed = await #expect(throws: ToolboxError.self) {
            _ = try await PostgresTrackingStore(url: "postgresql://u:p@127.0.0.1:1/db?retry_seconds=1&connect_timeout=1")
        }
        #expect(closed?.code == .unavailable && closed?.message.contains("retry_seconds") == true, "\(String(describing: closed))")
        #expect(Date().timeIntervalSince(started) < 20)
    }
}
