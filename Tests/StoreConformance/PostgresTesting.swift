import Foundation
public import PostgresStore
import Testing

/// The throwaway PostgreSQL server the tests use: `DSTOOLBOX_TEST_POSTGRES` (which `make test`
/// sets from `Scripts/postgres start`), else one started here with the same script. Each test
/// gets a database of its own.
public enum PostgresTesting {
    public static let serverURL: String? = {
        if let url = ProcessInfo.processInfo.environment["DSTOOLBOX_TEST_POSTGRES"], !url.isEmpty { return url }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/postgres").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = ["start"]
        // Output to a file, not a pipe: the server it starts may inherit a pipe's descriptor and
        // keep it open, so reading to its end would wait forever.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-postgres-\(UUID().uuidString).out").path
        FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        guard let handle = try? FileHandle(forWritingTo: URL(fileURLWithPath: log)) else { return nil }
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        try? handle.close()
        let url = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && PostgresURL.isPostgres(url) ? url : nil
    }()

    /// Whether a server is at hand; when not, the tests say why they are skipped.
    public static var available: Bool {
        if serverURL == nil {
            print("◇ PostgreSQL store tests skipped: no PostgreSQL server (Scripts/postgres start failed: is Debian's postgresql package installed? Scripts/bootstrap installs it)")
        }
        return serverURL != nil
    }

    /// A new, empty database on the server, and its URL (with `options` appended).
    public static func freshDatabase(_ options: String = "") async throws -> String {
        let server = try PostgresURL(try #require(serverURL))
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await PostgresDatabase(url: server).createDatabase(named: String(name))
        let base = try #require(serverURL)
        let url = String(base[..<base.index(base.endIndex, offsetBy: -server.database.count)]) + name
        return options.isEmpty ? url : url + "?" + options
    }
}
