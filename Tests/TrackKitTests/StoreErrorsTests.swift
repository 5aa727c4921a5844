import Foundation
import GRDB
import Testing
import ToolboxCore
@testable import TrackKit

/// SQLite's and Foundation's failures reach users as words they act on.
@Suite("Store errors in words")
struct StoreErrorsTests {
    @Test(arguments: [
        (ResultCode.SQLITE_FULL, "no space left on device", ToolboxError.Code.ioError),
        (ResultCode.SQLITE_READONLY, "read-only", ToolboxError.Code.ioError),
        (ResultCode.SQLITE_BUSY, "locked", ToolboxError.Code.unavailable),
        (ResultCode.SQLITE_CORRUPT, "corrupt", ToolboxError.Code.corruptStore),
        (ResultCode.SQLITE_CONSTRAINT, "UNIQUE", ToolboxError.Code.conflict),
    ])
    func sqliteFailures(code: ResultCode, words: String, expected: ToolboxError.Code) {
        let error = StoreErrors.typed(DatabaseError(resultCode: code, message: "UNIQUE constraint failed", sql: "INSERT INTO runs VALUES (?)"),
                                      doing: "tracking store", path: "/data/store")
        #expect(error.code == expected && error.message.contains(words) && error.context.path == "/data/store", "\(error)")
        #expect(!error.message.contains("INSERT"), "the statement is not the user's business: \(error)")
    }

    @Test func foundationFailures() {
        let full = StoreErrors.typed(CocoaError(.fileWriteOutOfSpace), doing: "cannot store the artifact", path: "/data/a")
        #expect(full.message == "cannot store the artifact: no space left on device")
        let posix = StoreErrors.typed(NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)), doing: "x", path: "/p")
        #expect(posix.message == "x: no space left on device")
        let wrapped = StoreErrors.typed(NSError(domain: NSCocoaErrorDomain, code: 642, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))]),
                                        doing: "x", path: "/p")
        #expect(wrapped.message == "x: read-only file system")
    }
}
