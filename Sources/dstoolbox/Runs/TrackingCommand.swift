import ArgumentParser
import DSToolbox
import Foundation
import Hummingbird
import Logging
import ToolboxHTTP
import TrackServer

/// `dstoolbox tracking ...`: the MLflow-compatible tracking server and its API keys.
struct TrackingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracking",
        abstract: "Serve a store over MLflow's REST API, so Python's mlflow client logs into it; manage the server's API keys.",
        subcommands: [TrackingServeCommand.self, KeysCommand.self]
    )
}

/// `dstoolbox tracking serve [--store S] [--host 127.0.0.1] [--port 5000] (--api-keys KEYS | --open)`
struct TrackingServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the store's runs, artifacts and registry over MLflow's REST API (/api/2.0/mlflow).",
        discussion: """
            Point Python's client at it with MLFLOW_TRACKING_URI=http://HOST:PORT and, with --api-keys, \
            MLFLOW_TRACKING_TOKEN=KEY (scopes: read; write for logging; admin for registry aliases). \
            Without keys the server runs only with --open on a loopback address. Prints `listening on http://HOST:PORT` once serving.
            """
    )

    @Option(help: "The store folder (default: DSTOOLBOX_STORE, then ./dstoolbox-store).") var store: String?
    @Option(help: "The address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "The port (0 picks a free one).") var port: Int = 5000
    @Option(name: .customLong("api-keys"), help: "The API key file (make keys with `dstoolbox tracking keys add`).") var apiKeys: String?
    @Flag(help: "Serve without authentication (loopback addresses only).") var open = false
    @Option(name: .customLong("max-body"), help: "The largest request body, in bytes (artifacts included).") var maxBody: Int = 256 << 20

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard maxBody >= 1 else { throw ValidationError("--max-body must be at least 1, got \(maxBody)") }
    }

    func run() async throws {
        try HTTPSupport.checkAccess(host: host, keys: apiKeys, open: open)
        let keys = try apiKeys.map { try APIKeyring(path: $0) }
        let tracking = try await RunsCommand.store(store)
        if open {
            FileHandle.standardError.write(Data("warning: serving without authentication (--open): anyone who can reach \(host) can read and write the store\n".utf8))
        }
        let host = self.host
        let app = Application(
            responder: MLflowServer(store: tracking, keys: keys, maxBody: maxBody),
            server: HTTPSupport.server(headerTimeout: 10),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "dstoolbox-tracking"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                // Written straight to the descriptor: a pipe reading the line sees it at once.
                FileHandle.standardOutput.write(Data("listening on http://\(host):\(bound)\n".utf8))
            },
            logger: {
                var logger = Logger(label: "dstoolbox.tracking")
                logger.logLevel = .warning
                return logger
            }()
        )
        try await app.runService()
    }
}

/// `dstoolbox tracking keys add|revoke|list --file KEYS`
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "API keys: each stored as its SHA-256 with scopes and a rate; added, listed, revoked without restarting a server.",
        subcommands: [KeysAddCommand.self, KeysRevokeCommand.self, KeysListCommand.self]
    )
}

struct KeysAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Make a key; it is printed once, alone on the last line, and stored only as its hash.")
    @Option(help: "The key file (created if missing).") var file: String
    @Option(name: .customLong("scope"), help: "A scope (repeatable): read, write, admin for the tracking server; predict:NAME (predict:* for all), explain:NAME, metrics, admin for the model server.") var scopes: [String] = []
    @Option(help: "The key's request rate: N/s, N/m or N/h.") var rate: String?

    func run() throws {
        let (key, record) = try APIKeyFile.add(to: file, scopes: scopes, rate: rate)
        print("added key \(record.id) with scopes \(record.scopes.joined(separator: ","))\(rate.map { " at \($0)" } ?? "") to \(file); it is shown once:")
        print(key)
    }
}

struct KeysRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by its id (or the key itself); running servers stop accepting it.")
    @Option(help: "The key file.") var file: String
    @Argument(help: "The key's id.") var id: String

    func run() throws {
        try APIKeyFile.revoke(id, in: file)
        print("revoked \(id.hasPrefix("dst_") ? "the key" : id)")
    }
}

struct KeysListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the keys' ids, scopes, rates and states (never the keys).")
    @Option(help: "The key file.") var file: String

    func run() throws {
        for record in try APIKeyFile.load(file) {
            print("\(record.id)  \(record.scopes.joined(separator: ","))  \(record.ratePerSecond.map { "\($0)/s" } ?? "unlimited")  \(record.revoked == nil ? "active" : "revoked")")
        }
    }
}
