public import Foundation
import GRDB
public import ToolboxCore

/// Artifact paths: relative, `/`-separated, confined to the run (no absolute path, no `.` or
/// `..` component, no empty component, no NUL or backslash).
package enum ArtifactPath {
    /// The regular files under `directory` (links followed only to regular files inside it), in
    /// order, with the artifact path each is logged at (under `path` when given).
    package static func files(in directory: String, under path: String?) throws -> [(source: String, target: String)] {
        var info = stat()
        guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ToolboxError(.ioError, "not a directory", context: ErrorContext(path: directory))
        }
        let base = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        var files: [(source: String, target: String)] = []
        func walk(_ folder: String, _ relative: [String]) throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            for name in names {
                let full = folder + "/" + name
                guard lstat(full, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: try walk(full, relative + [name])
                case S_IFREG: files.append((full, (relative + [name]).joined(separator: "/")))
                case S_IFLNK:
                    // A link is followed only to a regular file inside the directory logged.
                    let resolved = URL(fileURLWithPath: full).resolvingSymlinksInPath().path
                    var target = stat()
                    guard resolved.hasPrefix(base + "/"), stat(resolved, &target) == 0, (target.st_mode & S_IFMT) == S_IFREG else {
                        throw ToolboxError(.invalidParameter, "symbolic link points outside \(directory) or not to a regular file",
                                           context: ErrorContext(path: full, parameter: "directory"))
                    }
                    files.append((resolved, (relative + [name]).joined(separator: "/")))
                default:
                    throw ToolboxError(.ioError, "\(fileKind(info.st_mode)) is not a regular file; only regular files are logged", context: ErrorContext(path: full))
                }
            }
        }
        try walk(directory, [])
        return try files.map { file in
            let target = path.map { $0 + "/" + file.target } ?? file.target
            _ = try validate(target)
            return (file.source, target)
        }
    }

    package static func validate(_ path: String, parameter: String = "artifact_path") throws -> [String] {
        let components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let bad = path.isEmpty || path.hasPrefix("/") || path.utf8.count > 1_024 || path.contains("\0") || path.contains("\\")
            || components.contains { $0.isEmpty || $0 == "." || $0 == ".." }
        guard !bad else {
            throw ToolboxError(.invalidParameter, "artifact path \"\(path.prefix(200))\" must be relative and stay inside the run (no absolute path, '.', '..', empty part or backslash)",
                               context: ErrorContext(path: path, parameter: parameter))
        }
        return components
    }
}

/// What a file mode is, in words.
func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: "a directory"
    case S_IFIFO: "a FIFO"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFSOCK: "a socket"
    case S_IFLNK: "a symbolic link"
    case S_IFREG: "a regular file"
    default: "a special file"
    }
}

extension SQLiteTrackingStore {
    /// Where content lives: `artifacts/sha256/ab/abcdef...` under the store's root.
    func blobPath(_ sha256: String) -> String {
        root.appendingPathComponent("artifacts/sha256/\(sha256.prefix(2))/\(sha256)").path
    }

    /// Writes content to a temporary file in the store, hashing it as it goes, then renames it
    /// to its content address (an existing blob of that hash is kept).
    private func storeBlob(_ fill: (AtomicFileWriter, inout ContentSHA256) throws -> Int) throws -> (sha256: String, size: Int) {
        let staging = root.appendingPathComponent("artifacts/staging")
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw StoreErrors.typed(error, doing: "cannot store the artifact", path: staging.path)
        }
        let temporary = staging.appendingPathComponent(UUID().uuidString).path
        let writer = try AtomicFileWriter(path: temporary)
        var hasher = ContentSHA256()
        let size: Int
        do {
            size = try fill(writer, &hasher)
            try writer.commit()
        } catch {
            writer.discard()
            throw error
        }
        let sha256 = hasher.finalize().hexString
        let destination = blobPath(sha256)
        do {
            try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if rename(temporary, destination) != 0 {
                throw ToolboxError(.ioError, "cannot store the artifact: \(String(cString: strerror(errno)))", context: ErrorContext(path: destination))
            }
        } catch {
            unlink(temporary)
            throw StoreErrors.typed(error, doing: "cannot store the artifact", path: destination)
        }
        return (sha256, size)
    }

    private func record(runID: String, path: String, sha256: String, size: Int) throws -> ArtifactInfo {
        try database {
            try pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [runID]) == true else {
                    throw ToolboxError(.notFound, "no run \(runID)", context: ErrorContext(parameter: "run"))
                }
                if let existing = try String.fetchOne(db, sql: "SELECT sha256 FROM artifacts WHERE run_id = ? AND path = ?", arguments: [runID, path]) {
                    guard existing == sha256 else {
                        throw ToolboxError(.invalidParameter, "artifact \(path) of run \(runID) already holds other content (sha256 \(existing)); artifacts are written once",
                                           context: ErrorContext(path: path, parameter: "artifact_path"))
                    }
                    return
                }
                try db.execute(sql: "INSERT INTO artifacts (run_id, path, sha256, size) VALUES (?, ?, ?, ?)", arguments: [runID, path, sha256, size])
            }
        }
        return ArtifactInfo(path: path, sha256: sha256, size: size)
    }

    private func checkRun(_ runID: String) throws {
        _ = try run(id: runID)
    }

    /// Stores `bytes` as the run's artifact at `path` (a relative path inside the run), content
    /// addressed by SHA-256. Paths are written once: the same content again is fine, other
    /// content is an error (a registered version keeps naming what it named).
    @discardableResult
    public func logArtifact(runID: String, bytes: [UInt8], path: String) throws -> ArtifactInfo {
        _ = try ArtifactPath.validate(path)
        try checkRun(runID)
        let (sha256, size) = try storeBlob { writer, hasher in
            hasher.update(bytes)
            try writer.write(bytes)
            return bytes.count
        }
        return try record(runID: runID, path: path, sha256: sha256, size: size)
    }

    /// Stores the regular file at `file` as the run's artifact at `path` (default: its name).
    @discardableResult
    public func logArtifact(runID: String, file: String, path: String? = nil) throws -> ArtifactInfo {
        let target = path ?? (file as NSString).lastPathComponent
        _ = try ArtifactPath.validate(target)
        try checkRun(runID)
        let (sha256, size) = try storeBlob { writer, hasher in try Self.copy(file, to: writer, hashing: &hasher) }
        return try record(runID: runID, path: target, sha256: sha256, size: size)
    }

    /// Streams a regular file into a writer in 1 MiB pieces.
    private static func copy(_ file: String, to writer: AtomicFileWriter, hashing hasher: inout ContentSHA256) throws -> Int {
        let (descriptor, _) = try RegularFile.openForReading(file)
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ToolboxError(.ioError, "cannot read: \(String(cString: strerror(errno)))", context: ErrorContext(path: file))
            }
            if count == 0 { return total }
            let piece = buffer[0..<count]
            piece.withUnsafeBytes { hasher.update($0) }
            try writer.write(piece)
            total += count
        }
    }

    /// Stores every file under `directory` as artifacts under `path` (default: the run's root).
    @discardableResult
    public func logArtifacts(runID: String, directory: String, path: String? = nil) throws -> [ArtifactInfo] {
        if let path { _ = try ArtifactPath.validate(path) }
        try checkRun(runID)
        return try ArtifactPath.files(in: directory, under: path).map { file in
            try logArtifact(runID: runID, file: file.source, path: file.target)
        }
    }

    /// A run's artifacts under `path` (all when nil), by path.
    public func artifacts(runID: String, under path: String? = nil) throws -> [ArtifactInfo] {
        if let path { _ = try ArtifactPath.validate(path) }
        try checkRun(runID)
        return try database {
            try pool.read { db in
                var sql = "SELECT path, sha256, size FROM artifacts WHERE run_id = ?"
                var arguments: StatementArguments = [runID]
                if let path {
                    sql += " AND (path = ? OR substr(path, 1, ?) = ?)"
                    arguments += [path, path.count + 1, path + "/"]
                }
                return try Row.fetchAll(db, sql: sql + " ORDER BY path", arguments: arguments).map {
                    ArtifactInfo(path: $0["path"], sha256: $0["sha256"], size: $0["size"])
                }
            }
        }
    }

    /// An artifact's bytes, checked against the recorded SHA-256.
    public func readArtifact(runID: String, path: String) throws -> [UInt8] {
        _ = try ArtifactPath.validate(path)
        let recorded = try database {
            try pool.read { db -> Row in
                guard let row = try Row.fetchOne(db, sql: "SELECT sha256, size FROM artifacts WHERE run_id = ? AND path = ?", arguments: [runID, path]) else {
                    let known = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [runID]) == true
                    throw ToolboxError(.notFound, known ? "run \(runID) has no artifact \(path)" : "no run \(runID)",
                                       context: ErrorContext(path: path, parameter: known ? "artifact_path" : "run"))
                }
                return row
            }
        }
        let sha256: String = recorded["sha256"], size: Int = recorded["size"]
        let blob = blobPath(sha256)
        // The blob must be a regular file in the store, not a link out of it.
        var info = stat()
        guard lstat(blob, &info) == 0 else {
            throw ToolboxError(.corruptStore, "the content of artifact \(path) (sha256 \(sha256)) is missing from the store", context: ErrorContext(path: blob))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ToolboxError(.corruptStore, "the content of artifact \(path) is a \(fileKind(info.st_mode)), not a regular file in the store",
                               context: ErrorContext(path: blob))
        }
        guard Int(info.st_size) == size else {
            throw ToolboxError(.corruptStore, "artifact \(path) is \(info.st_size) bytes in the store but \(size) were recorded", context: ErrorContext(path: blob))
        }
        let bytes = try RegularFile.read(blob, limit: size)
        let actual = ContentSHA256.hash(bytes).hexString
        guard actual == sha256 else {
            throw ToolboxError(.corruptStore, "artifact \(path) of run \(runID) does not match its hash (recorded \(sha256), stored content \(actual))",
                               context: ErrorContext(path: blob))
        }
        return bytes
    }

    /// Copies a run's artifacts under `path` (all when nil) into `destination`, each file
    /// written atomically and checked against its hash; returns the files written.
    @discardableResult
    public func downloadArtifacts(runID: String, path: String? = nil, to destination: String) throws -> [String] {
        var written: [String] = []
        for artifact in try artifacts(runID: runID, under: path) {
            let components = try ArtifactPath.validate(artifact.path)
            let target = URL(fileURLWithPath: destination).appendingPathComponent(components.joined(separator: "/")).path
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try RegularFile.replace(target, with: readArtifact(runID: runID, path: artifact.path))
            written.append(target)
        }
        return written
    }

    /// Records the data sets a run read (a fingerprint each); the same digest again is ignored.
    public func logInputs(runID: String, inputs: [DatasetInput]) throws {
        try database {
            try pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?)", arguments: [runID]) == true else {
                    throw ToolboxError(.notFound, "no run \(runID)", context: ErrorContext(parameter: "run"))
                }
                for input in inputs {
                    try db.execute(sql: "INSERT OR IGNORE INTO inputs (run_id, digest, name, source, rows, columns) VALUES (?, ?, ?, ?, ?, ?)",
                                   arguments: [runID, input.digest, input.name, input.source, input.rows, input.columns])
                }
            }
        }
    }

    /// The data sets a run read.
    public func inputs(runID: String) throws -> [DatasetInput] {
        try database {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM inputs WHERE run_id = ? ORDER BY rowid", arguments: [runID]).map {
                    DatasetInput(name: $0["name"], digest: $0["digest"], source: $0["source"], rows: $0["rows"], columns: $0["columns"])
                }
            }
        }
    }

    /// Every experiment, by id.
    public func experiments() throws -> [Experiment] {
        try database {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT id, name, creation_time FROM experiments ORDER BY id").map {
                    Experiment(id: $0["id"], name: $0["name"], creationTime: $0["creation_time"])
                }
            }
        }
    }
}

extension DatasetInput {
    /// A fingerprint of a matrix: SHA-256 over its shape and values' bits.
    public init(name: String, matrix: Matrix<Double>, source: String? = nil) {
        var hasher = ContentSHA256()
        hasher.update(elements: [Int64(matrix.rows), Int64(matrix.columns)])
        hasher.update(elements: matrix.values)
        self.init(name: name, digest: hasher.finalize().hexString, source: source, rows: matrix.rows, columns: matrix.columns)
    }
}

/// A run given whole, for ``SQLiteTrackingStore/importRuns(experimentID:_:)``.
public struct ImportedRun: Sendable, Hashable {
    /// A name for people.
    public var name: String?
    /// Its final status.
    public var status: RunStatus
    /// Seconds since 1970 when it started.
    public var startTime: Double
    /// Seconds since 1970 when it ended.
    public var endTime: Double?
    /// Who ran it.
    public var user: String?
    /// Its parameters.
    public var params: [String: String]
    /// Its metric histories, every value.
    public var metrics: [RunMetric]
    /// Its tags.
    public var tags: [String: String]

    /// A run to import whole.
    public init(name: String? = nil, status: RunStatus = .finished, startTime: Double = Date().timeIntervalSince1970, endTime: Double? = nil,
                user: String? = nil, params: [String: String] = [:], metrics: [RunMetric] = [], tags: [String: String] = [:]) {
        self.name = name
        self.status = status
        self.startTime = startTime
        self.endTime = endTime
        self.user = user
        self.params = params
        self.metrics = metrics
        self.tags = tags
    }
}

extension SQLiteTrackingStore {
    /// Writes many whole runs in one transaction (a backfill, an import from another tracker):
    /// all of them or none. Returns the new runs' ids, in order.
    @discardableResult
    public func importRuns(experimentID: Int64, _ runs: [ImportedRun]) throws -> [String] {
        for run in runs {
            try StoreChecks.keys(Array(run.params.keys) + run.metrics.map(\.key) + Array(run.tags.keys))
        }
        return try database {
            try pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM experiments WHERE id = ?)", arguments: [experimentID]) == true else {
                    throw ToolboxError(.notFound, "no experiment with id \(experimentID)", context: ErrorContext(parameter: "experiment"))
                }
                let insertRun = try db.makeStatement(sql: "INSERT INTO runs (id, experiment_id, name, status, start_time, end_time, user) VALUES (?, ?, ?, ?, ?, ?, ?)")
                let insertParam = try db.makeStatement(sql: "INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)")
                let insertTag = try db.makeStatement(sql: "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)")
                var ids: [String] = []
                ids.reserveCapacity(runs.count)
                for run in runs {
                    let id = StoreChecks.newRunID()
                    try insertRun.execute(arguments: [id, experimentID, run.name, run.status.rawValue, run.startTime, run.endTime, run.user])
                    for (key, value) in run.params { try insertParam.execute(arguments: [id, key, value]) }
                    try Self.insert(run.metrics, runID: id, db)
                    for (key, value) in run.tags { try insertTag.execute(arguments: [id, key, value]) }
                    ids.append(id)
                }
                return ids
            }
        }
    }
}
