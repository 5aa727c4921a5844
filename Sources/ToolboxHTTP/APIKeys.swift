public import Foundation
import ToolboxCore
import Synchronization

/// One API key as the key file keeps it: its public id, the SHA-256 of the key (never the key),
/// its scopes and its request rate.
public struct APIKeyRecord: Codable, Sendable, Hashable {
    /// The key's public id (also inside the key), for listing and revoking.
    public var id: String
    /// The SHA-256 of the whole key, hexadecimal.
    public var sha256: String
    /// What the key may do (`read`, `write`, `admin`; `predict:NAME`, `metrics`, ...).
    public var scopes: [String]
    /// Requests per second the key may make on average (`nil`: no limit).
    public var ratePerSecond: Double?
    /// When the key was made (seconds since 1970).
    public var created: Double
    /// When it was revoked, if it was.
    public var revoked: Double?

    enum CodingKeys: String, CodingKey {
        case id, sha256, scopes, ratePerSecond = "rate_per_second", created, revoked
    }

    /// Whether the key holds `scope`.
    public func has(_ scope: String) -> Bool { scopes.contains(scope) }
}

/// A file of API keys (JSON, `{"keys": [...]}`), written atomically with owner-only
/// permissions; it holds hashes only, so the file never reveals a key.
public enum APIKeyFile {
    /// The records in the file at `path` (none when it does not exist).
    /// - Throws: ``ToolboxError/Code/parseError`` for a file that is not a key file.
    public static func load(_ path: String) throws -> [APIKeyRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let bytes = try RegularFile.read(path, limit: 64 << 20)
        struct File: Decodable { var keys: [APIKeyRecord] }
        do {
            return try JSONDecoder().decode(File.self, from: Data(bytes)).keys
        } catch {
            throw ToolboxError(.parseError, "\(path) is not an API key file: \(error)", context: ErrorContext(path: path))
        }
    }

    /// Writes `records` to `path`, replacing it atomically, readable by its owner only.
    public static func save(_ records: [APIKeyRecord], to path: String) throws {
        struct File: Encodable { var keys: [APIKeyRecord] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(File(keys: records))
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw ToolboxError(.ioError, "cannot write \(temporary.path)", context: ErrorContext(path: path))
            }
            guard rename(temporary.path, path) == 0 else {
                try? FileManager.default.removeItem(at: temporary)
                throw ToolboxError(.ioError, "cannot replace \(path): \(String(cString: strerror(errno)))", context: ErrorContext(path: path))
            }
        }
    }

    /// Adds a new key with `scopes` and an optional rate (`100/s`, `6000/m`, `1000/h`) to the
    /// file at `path` (created if missing); returns the key, which is shown once and stored
    /// only as its hash.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` for no scope, an empty scope or a bad rate.
    public static func add(to path: String, scopes: [String], rate: String? = nil) throws -> (key: String, record: APIKeyRecord) {
        guard !scopes.isEmpty, scopes.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw ToolboxError(.invalidParameter, "a key needs at least one scope (without spaces)", context: ErrorContext(parameter: "scope"))
        }
        let perSecond = try rate.map(parseRate)
        var records = try load(path)
        var generator = SystemRandomNumberGenerator()
        let id = (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let key = "dst_\(id)_\(secret)"
        let record = APIKeyRecord(id: id, sha256: digest(key), scopes: scopes, ratePerSecond: perSecond, created: Date().timeIntervalSince1970, revoked: nil)
        records.append(record)
        try save(records, to: path)
        return (key, record)
    }

    /// Revokes the key with `id` (its public id, or the key itself).
    /// - Throws: ``ToolboxError/Code/notFound`` when no key has that id.
    public static func revoke(_ id: String, in path: String) throws {
        var records = try load(path)
        let wanted = id.hasPrefix("dst_") ? digest(id) : nil
        guard let index = records.firstIndex(where: { $0.id == id || $0.sha256 == wanted }) else {
            throw ToolboxError(.notFound, "no key \(id) in \(path)", context: ErrorContext(path: path, parameter: "id"))
        }
        if records[index].revoked == nil { records[index].revoked = Date().timeIntervalSince1970 }
        try save(records, to: path)
    }

    /// Requests per second from `N/s`, `N/m` or `N/h`.
    public static func parseRate(_ text: String) throws -> Double {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let seconds: Double? = parts.count == 2 ? ["s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600][String(parts[1])] : nil
        guard let seconds, let count = Double(parts[0]), count.isFinite, count > 0 else {
            throw ToolboxError(.invalidParameter, "a rate is N/s, N/m or N/h with N > 0, got \(text)", context: ErrorContext(parameter: "rate"))
        }
        return count / seconds
    }

    /// The SHA-256 of a key, hexadecimal.
    public static func digest(_ key: String) -> String { ContentSHA256.hash(Array(key.utf8)).hexString }
}

/// The keys a server accepts, read from a key file and read again when the file changes, so a
/// key added or revoked takes effect without a restart; each key's requests pass a token bucket
/// at its rate.
public final class APIKeyring: Sendable {
    /// The key file.
    public let path: String
    private struct State {
        var byDigest: [String: APIKeyRecord] = [:]
        var stamp: (Date, Int)?
        var checked = Date.distantPast
        var buckets: [String: TokenBucket] = [:]
    }
    private let state = Mutex(State())

    /// The keys in the file at `path`, which must exist and hold at least one key.
    /// - Throws: ``ToolboxError/Code/notFound`` for a missing file, ``ToolboxError/Code/invalidParameter``
    ///   for a file without an active key.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ToolboxError(.notFound, "no API key file at \(path) (make one with `keys add --file \(path) --scope ...`)", context: ErrorContext(path: path))
        }
        try reload(force: true)
        guard state.withLock({ $0.byDigest.values.contains { $0.revoked == nil } }) else {
            throw ToolboxError(.invalidParameter, "\(path) holds no active key", context: ErrorContext(path: path))
        }
    }

    private func reload(force: Bool = false) throws {
        let now = Date()
        let due = state.withLock { force || now.timeIntervalSince($0.checked) >= 0.5 }
        guard due else { return }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let stamp = ((attributes?[.modificationDate] as? Date) ?? .distantPast, (attributes?[.size] as? Int) ?? -1)
        let unchanged = state.withLock { state in
            state.checked = now
            return !force && state.stamp.map { $0.0 == stamp.0 && $0.1 == stamp.1 } == true
        }
        guard !unchanged else { return }
        let records = try APIKeyFile.load(path)
        state.withLock { state in
            state.byDigest = Dictionary(records.map { ($0.sha256, $0) }, uniquingKeysWith: { a, _ in a })
            state.stamp = stamp
        }
    }

    /// The active key matching `token`, or `nil`.
    public func authenticate(_ token: String) -> APIKeyRecord? {
        try? reload()
        let wanted = APIKeyFile.digest(token)
        return state.withLock { state in
            guard let record = state.byDigest[wanted], record.revoked == nil else { return nil }
            return record
        }
    }

    /// Takes one request from the key's bucket: `nil` when allowed, else the seconds to wait.
    public func admit(_ record: APIKeyRecord, now: Double = Date().timeIntervalSince1970) -> Double? {
        guard let rate = record.ratePerSecond else { return nil }
        return state.withLock { state in
            var bucket = state.buckets[record.id] ?? TokenBucket(rate: rate, burst: Swift.max(1, rate), now: now)
            let wait = bucket.take(now: now)
            state.buckets[record.id] = bucket
            return wait
        }
    }
}

/// A token bucket: `burst` tokens at most, refilled at `rate` per second; a request takes one.
public struct TokenBucket: Sendable {
    /// Tokens added per second.
    public let rate: Double
    /// The most tokens the bucket holds.
    public let burst: Double
    private var tokens: Double
    private var last: Double

    /// A full bucket at time `now` (seconds).
    public init(rate: Double, burst: Double, now: Double) {
        self.rate = rate
        self.burst = burst
        tokens = burst
        last = now
    }

    /// Takes a token at `now`: `nil` when one was there, else the seconds until one is.
    public mutating func take(now: Double) -> Double? {
        tokens = Swift.min(burst, tokens + Swift.max(0, now - last) * rate)
        last = Swift.max(last, now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / rate
    }
}
