import Foundation
import NIOCore
import ToolboxCore
public import TrackKit

extension PostgresTrackingStore {
    /// Bytes per stored part of an artifact.
    static let partSize = 1 << 20

    /// Stores content in parts under a staging key while hashing it, then files it under its
    /// SHA-256 (content already stored is kept, the new copy dropped) and records the artifact,
    /// all in one transaction: an interrupted upload leaves nothing behind.
    private func store(runID: String, path: String, _ fill: @escaping @Sendable (_ part: (ArraySlice<UInt8>) async throws -> Void) async throws -> Void) async throws -> ArtifactInfo {
        try await transaction("storing artifact \(path)") { db in
            try await Self.requireRun(db, runID)
            let staging = "staging-" + UUID().uuidString
            var hasher = ContentSHA256()
            var part = 0, size = 0
            try await fill { piece in
                piece.withUnsafeBytes { hasher.update($0) }
                try await db.execute("INSERT INTO blob_parts (sha256, part, bytes) VALUES (?, ?, ?)", [.text(staging), .int(Int64(part)), .bytes(Array(piece))])
                part += 1
                size += piece.count
            }
            let sha256 = hasher.finalize().hexString
            let inserted = try await db.rows("INSERT INTO blobs (sha256, size) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
                                             [.text(sha256), .int(Int64(size))])
            if inserted.isEmpty {
                try await db.execute("DELETE FROM blob_parts WHERE sha256 = ?", [.text(staging)])
            } else {
                try await db.execute("UPDATE blob_parts SET sha256 = ? WHERE sha256 = ?", [.text(sha256), .text(staging)])
            }
            if let existing = try await db.scalar("SELECT sha256 FROM artifacts WHERE run_id = ? AND path = ?", [.text(runID), .text(path)], as: String.self) {
                guard existing == sha256 else {
                    throw ToolboxError(.invalidParameter, "artifact \(path) of run \(runID) already holds other content (sha256 \(existing)); artifacts are written once",
                                       context: ErrorContext(path: path, parameter: "artifact_path"))
                }
            } else {
                try await db.execute("INSERT INTO artifacts (run_id, path, sha256, size) VALUES (?, ?, ?, ?)",
                                     [.text(runID), .text(path), .text(sha256), .int(Int64(size))])
            }
            return ArtifactInfo(path: path, sha256: sha256, size: size)
        }
    }

    /// Stores `bytes` as the run's artifact at `path`, content addressed by SHA-256; a path is
    /// written once (the same content again is fine, other content is an error).
    @discardableResult
    public func logArtifact(runID: String, bytes: [UInt8], path: String) async throws -> ArtifactInfo {
        _ = try ArtifactPath.validate(path)
        return try await store(runID: runID, path: path) { part in
            var start = 0
            repeat {
                let end = min(bytes.count, start + Self.partSize)
                try await part(bytes[start..<end])
                start = end
            } while start < bytes.count
        }
    }

    /// Stores the regular file at `file` as the run's artifact at `path` (default: its name),
    /// read in 1 MiB parts.
    @discardableResult
    public func logArtifact(runID: String, file: String, path: String?) async throws -> ArtifactInfo {
        let target = path ?? (file as NSString).lastPathComponent
        _ = try ArtifactPath.validate(target)
        return try await store(runID: runID, path: target) { part in
            let (descriptor, _) = try RegularFile.openForReading(file)
            defer { close(descriptor) }
            var buffer = [UInt8](repeating: 0, count: Self.partSize)
            var sent = false
            while true {
                var filled = 0
                while filled < buffer.count {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw ToolboxError(.ioError, "cannot read: \(String(cString: strerror(errno)))", context: ErrorContext(path: file))
                    }
                    if count == 0 { break }
                    filled += count
                }
                if filled > 0 || !sent { try await part(buffer[0..<filled]) }
                sent = true
                if filled < buffer.count { return }
            }
        }
    }

    /// Stores every file under `directory` as artifacts under `path` (default: the run's root).
    @discardableResult
    public func logArtifacts(runID: String, directory: String, path: String?) async throws -> [ArtifactInfo] {
        if let path { _ = try ArtifactPath.validate(path) }
        _ = try await run(id: runID)
        var stored: [ArtifactInfo] = []
        for file in try ArtifactPath.files(in: directory, under: path) {
            stored.append(try await logArtifact(runID: runID, file: file.source, path: file.target))
        }
        return stored
    }

    /// A run's artifacts under `path` (all when nil), by path.
    public func artifacts(runID: String, under path: String?) async throws -> [ArtifactInfo] {
        if let path { _ = try ArtifactPath.validate(path) }
        return try await transaction("tracking store") { db in
            try await Self.requireRun(db, runID)
            var sql = "SELECT path, sha256, size FROM artifacts WHERE run_id = ?"
            var arguments: [SQLValue] = [.text(runID)]
            if let path {
                sql += " AND (path = ? OR left(path, ?::int) = ?)"
                arguments += [.text(path), .int(Int64(path.count + 1)), .text(path + "/")]
            }
            return try await db.rows(sql + " ORDER BY path", arguments).map {
                let size: Int64 = try $0["size"]
                return ArtifactInfo(path: try $0["path"], sha256: try $0["sha256"], size: Int(size))
            }
        }
    }

    /// An artifact's bytes, checked against the recorded size and SHA-256.
    public func readArtifact(runID: String, path: String) async throws -> [UInt8] {
        _ = try ArtifactPath.validate(path)
        return try await transaction("reading artifact \(path)") { db in
            guard let row = try await db.rows("SELECT sha256, size FROM artifacts WHERE run_id = ? AND path = ?", [.text(runID), .text(path)]).first else {
                let known = try await db.exists("SELECT 1 FROM runs WHERE id = ?", [.text(runID)])
                throw ToolboxError(.notFound, known ? "run \(runID) has no artifact \(path)" : "no run \(runID)",
                                   context: ErrorContext(path: path, parameter: known ? "artifact_path" : "run"))
            }
            let sha256: String = try row["sha256"], size: Int64 = try row["size"]
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(size))
            var part = 0
            while true {
                guard let piece = try await db.scalar("SELECT bytes FROM blob_parts WHERE sha256 = ? AND part = ?", [.text(sha256), .int(Int64(part))],
                                                      as: ByteBuffer.self) else { break }
                bytes += piece.readableBytesView
                guard bytes.count <= size else { break }
                part += 1
            }
            guard bytes.count == size else {
                throw ToolboxError(.corruptStore, "artifact \(path) is \(bytes.count) bytes in the store but \(size) were recorded", context: ErrorContext(path: path))
            }
            let actual = ContentSHA256.hash(bytes).hexString
            guard actual == sha256 else {
                throw ToolboxError(.corruptStore, "artifact \(path) of run \(runID) does not match its hash (recorded \(sha256), stored content \(actual))",
                                   context: ErrorContext(path: path))
            }
            return bytes
        }
    }
}
