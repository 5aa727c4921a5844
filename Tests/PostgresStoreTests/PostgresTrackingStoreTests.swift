import Foundation
@testable import PostgresStore
import StoreConformance
import Synchronization
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

    @Test("a deadlock between two writers is retried, not reported")
    func deadlocksAreRetried() async throws {
        let store = try await PostgresTrackingStore(url: try await PostgresTesting.freshDatabase())
        let experiment = try await store.experiment(named: "locks")
        let a = try await store.createRun(experimentID: experiment.id, name: "a", parentRunID: nil, source: nil, user: nil)
        let b = try await store.createRun(experimentID: experiment.id, name: "b", parentRunID: nil, source: nil, user: nil)
        final class Counter: Sendable { let value = Mutex(0) }
        let attempts = Counter()
        // Two transactions take the two runs' rows in opposite orders: PostgreSQL aborts one
        // with a deadlock (40P01), which is run again and then succeeds.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (first, second) in [(a.id, b.id), (b.id, a.id)] {
                group.addTask {
                    try await store.database.transaction("test") { db in
                        attempts.value.withLock { $0 += 1 }
                        try await db.execute("UPDATE runs SET name = name || '+' WHERE id = ?", [.text(first)])
                        try await Task.sleep(nanoseconds: 300_000_000)
                        try await db.execute("UPDATE runs SET name = name || '+' WHERE id = ?", [.text(second)])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(attempts.value.withLock { $0 } == 3, "one of the two was run again")
        let names = (try await store.run(id: a.id).name, try await store.run(id: b.id).name)
        #expect(names.0 == "a++" && names.1 == "b++")
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
        #expect(Date().timeIntervalSince(started) < 60, "bounded by retry_seconds (1 s), however loaded the machine")
    }
}

@Suite("PostgreSQL and SQLite search alike", .enabled(if: PostgresTesting.available))
struct SearchParityTests {
    /// The same 400 runs (missing keys, NaN and ±∞ metrics, mixed-case text) in both stores:
    /// every filter and order gives the same runs in the same order, page by page.
    @Test func filtersAndOrdersMeanTheSame() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parity-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sqlite = try SQLiteTrackingStore(folder: folder)
        let postgres = try await PostgresTrackingStore(url: try await PostgresTesting.freshDatabase())
        var seed: UInt64 = 42
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        let models = ["Forest", "forest", "linear", "boost_ing", "50%"], stages = ["dev", "prod", "Prod"]
        let specials: [Double] = [.nan, .infinity, -.infinity, 0, -0.0]
        let runs = (0..<400).map { index -> ImportedRun in
            var params: [String: String] = [:], tags: [String: String] = [:], metrics: [RunMetric] = []
            if next(5) > 0 { params["model"] = models[next(models.count)] }
            if next(4) > 0 { params["lr"] = "\(Double(next(100)) / 1000)" }
            if next(3) > 0 { tags["stage"] = stages[next(stages.count)] }
            if next(6) > 0 { metrics.append(RunMetric(key: "rmse", value: next(10) == 0 ? specials[next(specials.count)] : Double(next(1000)) / 1000, step: 0, timestamp: 1)) }
            if next(2) > 0 { metrics.append(RunMetric(key: "acc", value: Double(next(50)) / 50, step: Int64(next(3)), timestamp: 1)) }
            return ImportedRun(name: "run-\(index)", status: index % 7 == 0 ? .failed : .finished, startTime: 1.7e9 + Double((index * 7_919) % 400),
                               user: index % 3 == 0 ? "Ana" : "bo", params: params, metrics: metrics, tags: tags)
        }
        let experiments = (try sqlite.experiment(named: "parity").id, try await postgres.experiment(named: "parity").id)
        try sqlite.importRuns(experimentID: experiments.0, runs)
        try await postgres.importRuns(experimentID: experiments.1, runs)
        let filters: [String?] = [
            nil, "metrics.rmse < 0.3", "metrics.rmse >= 0.5 AND params.model = 'forest'", "metrics.rmse != 0.25", "metrics.rmse = 0",
            "params.model LIKE 'F%'", "params.model ILIKE 'f%'", "params.model LIKE '%\\_%'", "params.model LIKE '50%'", "params.model LIKE 'boost_ing'",
            "tags.stage = 'prod' OR metrics.acc > 0.8", "(params.lr > '0.05' AND tags.stage ILIKE 'PROD') OR attributes.status = 'FAILED'",
            "attributes.user = 'Ana' AND metrics.acc <= 0.5", "attributes.run_name LIKE 'run-1%'", "attributes.start_time > 1700000150",
            "metrics.rmse > -1 AND metrics.rmse < 2 AND metrics.acc >= 0", "params.lr != '0.01'", "tags.stage != 'dev' AND params.model != 'linear'",
        ]
        let orders: [[String]] = [[], ["metrics.rmse DESC"], ["metrics.rmse ASC"], ["params.model ASC"], ["tags.stage DESC", "metrics.acc ASC"],
                                  ["attributes.run_name ASC"], ["attributes.start_time ASC"]]
        for filter in filters {
            for order in orders {
                for (size, offset) in [(400, 0), (17, 0), (17, 34), (50, 150)] {
                    let parsed = try filter.map { try RunFilter(parsing: $0) }, ordered = try order.map { try RunOrder(parsing: $0) }
                    let a = try sqlite.searchRuns(experimentIDs: [experiments.0], filter: parsed, orderBy: ordered, maxResults: size, offset: offset).map(\.name)
                    let b = try await postgres.searchRuns(experimentIDs: [experiments.1], filter: parsed, orderBy: ordered, maxResults: size, offset: offset).map(\.name)
                    // (Start times are distinct: ties would fall to run ids, which differ between the stores.)
                    let first = Array(zip(a, b)).firstIndex { $0 != $1 }, same = a == b
                    #expect(same, "filter \(filter ?? "none"), order \(order), page \(size) from \(offset): SQLite \(a.count) runs, PostgreSQL \(b.count), first difference at \(first.map(String.init) ?? "the end")")
                }
            }
        }
    }
}
