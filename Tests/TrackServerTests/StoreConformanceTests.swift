import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import ToolboxCore
import ToolboxHTTP
@testable import TrackServer
import TrackKit
import StoreConformance

@Suite("Store conformance: SQLite and remote")
struct StoreConformanceTests {
    @Test func sqliteStore() async throws {
        let dir = TranscriptReplayTests.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await StoreConformance.check(try SQLiteTrackingStore(folder: dir), label: "SQLite")
    }

    /// The remote store over real HTTP on 127.0.0.1 to DS Toolbox's server (with a key): the
    /// same checks pass, and what it wrote is in the server's own store.
    @Test func remoteStoreAgainstTheServer() async throws {
        let dir = TranscriptReplayTests.folder()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let backing = try SQLiteTrackingStore(folder: dir + "/store")
        let key = try APIKeyFile.add(to: dir + "/keys.json", scopes: ["admin"]).key
        let app = Application(responder: MLflowServer(store: backing, keys: try APIKeyring(path: dir + "/keys.json")),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let remote = try RemoteTrackingStore(url: URL(string: "http://127.0.0.1:\(port)")!, token: key, attempts: 2)
            try await StoreConformance.check(remote, label: "remote", promotionRules: false)
            let wrong = try RemoteTrackingStore(url: URL(string: "http://127.0.0.1:\(port)")!, token: "dst_nope_nope", attempts: 1)
            let refused = await #expect(throws: ToolboxError.self) { try await wrong.experiments() }
            #expect(refused?.code == .unauthorized)
        }
        #expect(try backing.registeredModel(name: "churn").latestVersion == 3)
        #expect(try backing.auditLog(model: "churn", alias: "champion", limit: 10).allSatisfy { $0.actor.hasPrefix("key:") })
        let unreachable = try RemoteTrackingStore(url: URL(string: "http://127.0.0.1:9")!, token: nil, attempts: 2)
        let down = await #expect(throws: ToolboxError.self) { try await unreachable.experiments() }
        #expect(down?.code == .unavailable)
    }
}
