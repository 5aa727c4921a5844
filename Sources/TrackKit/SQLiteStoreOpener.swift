import Foundation
package import GRDB
import ToolboxCore

/// Opening a DS Toolbox SQLite database in a store folder, the one way every SQLite store opens
/// (tracking today, TuneKit's studies next):
///
/// - the folder is created when missing (a caller that only reads checks first: reading never
///   creates a store), a path that is not a folder is refused;
/// - a file that is not SQLite, or a SQLite database that is not this store's (no migrations of
///   ours, other tables), is refused *untouched*: nothing is written to a foreign database;
/// - processes opening a new store at once take turns under a file lock to create its schema;
/// - a schema newer than this build's is refused (`unsupported`);
/// - on read-only storage (a read-only mount, a snapshot) the database opens read-only
///   (`immutable`), so it can be read; writes then fail with a typed "read-only" error;
/// - every failure is a typed error with the path, in words (``StoreErrors``).
package struct SQLiteStoreOpener {
    /// What the store is called in messages (`tracking store`).
    package var kind: String
    /// The database file's name in the folder (`tracking.sqlite`).
    package var databaseName: String
    /// The lock file's name in the folder (`tracking.lock`).
    package var lockName: String
    /// The store's migrations; its first one identifies a database as this store's.
    package var migrator: DatabaseMigrator
    /// The identifier of the store's first migration.
    package var firstMigration: String

    /// An opener of the database `databaseName` in a store folder, locked by `lockName`, whose
    /// first migration (`firstMigration`) marks a database as this store's.
    package init(kind: String, databaseName: String, lockName: String, migrator: DatabaseMigrator, firstMigration: String) {
        self.kind = kind
        self.databaseName = databaseName
        self.lockName = lockName
        self.migrator = migrator
        self.firstMigration = firstMigration
    }

    /// The opened database, and whether it is read-only.
    package func open(folder: String) throws -> (database: any DatabaseWriter, readOnly: Bool) {
        let root = URL(fileURLWithPath: folder, isDirectory: true)
        let databasePath = root.appendingPathComponent(databaseName).path
        do {
            var info = stat()
            if stat(folder, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR {
                throw ToolboxError(.ioError, "the \(kind) must be a folder; this is \(fileKind(info.st_mode))", context: ErrorContext(path: folder))
            }
            do {
                try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            } catch {
                throw StoreErrors.typed(error, doing: "cannot create the \(kind)", path: folder)
            }
            let exists = lstat(databasePath, &info) == 0
            if exists, (info.st_mode & S_IFMT) != S_IFREG {
                throw ToolboxError(.ioError, "the \(kind)'s database is not a regular file", context: ErrorContext(path: databasePath))
            }
            if exists, info.st_size >= 16, let head = try? RegularFile.head(databasePath, count: 16), head != Array("SQLite format 3\0".utf8) {
                throw ToolboxError(.corruptStore, "not a SQLite database (no SQLite header)", context: ErrorContext(path: databasePath))
            }
            let readOnlyStorage = !FileManager.default.isWritableFile(atPath: folder) || isReadOnlyMount(folder)
            if exists, info.st_size > 0 { try refuseForeign(databasePath, immutable: readOnlyStorage) }
            if readOnlyStorage {
                guard exists else {
                    throw ToolboxError(.ioError, "the \(kind) is on read-only storage and has no database yet", context: ErrorContext(path: folder))
                }
                return (try openImmutable(databasePath), true)
            }
            // Processes opening a new store at once take turns to create its schema: the
            // migrator's check-then-create is not atomic across connections, a file lock is.
            let lockPath = root.appendingPathComponent(lockName).path
            let lock = Foundation.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard lock >= 0 else {
                throw ToolboxError(.ioError, "cannot open the \(kind)'s lock file: \(String(cString: strerror(errno)))", context: ErrorContext(path: lockPath))
            }
            defer { close(lock) }
            while flock(lock, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    throw ToolboxError(.ioError, "cannot lock the \(kind): \(String(cString: strerror(errno)))", context: ErrorContext(path: lockPath))
                }
            }
            var configuration = Configuration()
            configuration.busyMode = .timeout(60)
            let pool = try DatabasePool(path: databasePath, configuration: configuration)
            let migrator = self.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw ToolboxError(.unsupported, "the \(kind) was written by a newer DSToolbox (schema \(try pool.read { try migrator.appliedIdentifiers($0) }.sorted().last ?? "?")); upgrade to open it",
                                   context: ErrorContext(path: databasePath))
            }
            try migrator.migrate(pool)
            return (pool, false)
        } catch let error as ToolboxError {
            throw error
        } catch {
            throw StoreErrors.typed(error, doing: "cannot open the \(kind)", path: folder)
        }
    }

    /// Refuses, without writing to it, a SQLite database that holds tables but none of this
    /// store's migrations.
    /// A read-only connection sees what other processes committed (WAL included); on read-only
    /// storage, where no `-shm` file can be made, an immutable one sees the database file.
    private func refuseForeign(_ path: String, immutable: Bool) throws {
        let database = try immutable ? openImmutable(path) : openReadOnly(path)
        let (tables, migrations) = try database.read { db -> ([String], [String]) in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            let migrations = tables.contains("grdb_migrations") ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
            return (tables, migrations)
        }
        // A store another process is creating shows GRDB's migrations table before its first
        // migration commits: only other tables without our migrations mark a foreign database.
        let others = tables.filter { $0 != "grdb_migrations" }
        guard !others.isEmpty, !migrations.contains(firstMigration) else { return }
        throw ToolboxError(.corruptStore,
                           "this SQLite database is not a DS Toolbox \(kind) (it holds \(DataTable.listing(others, limit: 8))); it was left untouched",
                           context: ErrorContext(path: path))
    }

    private func openReadOnly(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(60)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// A read-only connection that writes nothing, not even WAL files: SQLite's `immutable` URI.
    private func openImmutable(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let escaped = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return try DatabaseQueue(path: "file:\(escaped)?immutable=1", configuration: configuration)
    }

    /// Whether the file system holding `path` is mounted read-only (root can write to
    /// read-only files, not to read-only mounts).
    private func isReadOnlyMount(_ path: String) -> Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return false }
        return info.f_flag & UInt(ST_RDONLY) != 0
    }
}
