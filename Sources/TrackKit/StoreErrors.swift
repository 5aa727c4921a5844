import Foundation
import GRDB
package import ToolboxCore

/// SQLite's and Foundation's failures as the typed errors a user reads: "no space left on
/// device" rather than "SQLite error 13" or an NSError dump, with the store's path.
package enum StoreErrors {
    package static func typed(_ error: any Error, doing what: String, path: String) -> ToolboxError {
        if let error = error as? ToolboxError { return error }
        if let error = error as? DatabaseError {
            let (code, reason): (ToolboxError.Code, String) = switch error.resultCode {
            case .SQLITE_FULL: (.ioError, "no space left on device")
            case .SQLITE_READONLY: (.ioError, "the store is on read-only storage or not writable by this user")
            case .SQLITE_CANTOPEN: (.ioError, "the database file cannot be opened")
            case .SQLITE_PERM, .SQLITE_AUTH: (.ioError, "permission denied")
            case .SQLITE_BUSY, .SQLITE_LOCKED: (.unavailable, "the store is locked by another writer for too long; try again")
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: (.corruptStore, "the database is corrupt or not a SQLite database")
            case .SQLITE_CONSTRAINT: (.conflict, error.message ?? "a constraint of the store refused the write")
            case .SQLITE_IOERR: (.ioError, "input/output error" + (errno != 0 ? " (\(String(cString: strerror(errno))))" : ""))
            case .SQLITE_NOMEM: (.ioError, "out of memory")
            default: (.ioError, "SQLite error \(error.extendedResultCode.rawValue): \(error.message ?? "\(error.resultCode)")")
            }
            return ToolboxError(code, "\(what): \(reason)", context: ErrorContext(path: path))
        }
        let ns = error as NSError
        let posix = (ns.domain == NSPOSIXErrorDomain ? ns.code : nil)
            ?? (ns.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? $0.code : nil }
        if let posix {
            return ToolboxError(.ioError, "\(what): \(String(cString: strerror(Int32(posix))).lowercased())", context: ErrorContext(path: path))
        }
        if let cocoa = error as? CocoaError {
            let reason: String = switch cocoa.code {
            case .fileWriteOutOfSpace: "no space left on device"
            case .fileWriteNoPermission, .fileReadNoPermission: "permission denied"
            case .fileWriteVolumeReadOnly: "read-only file system"
            case .fileNoSuchFile, .fileReadNoSuchFile: "no such file or directory"
            case .fileWriteFileExists: "a file is in the way"
            default: "file system error \(cocoa.code.rawValue)"
            }
            return ToolboxError(.ioError, "\(what): \(reason)", context: ErrorContext(path: path))
        }
        return ToolboxError(.ioError, "\(what): \(ns.localizedDescription)", context: ErrorContext(path: path))
    }
}
