import Foundation

/// Reading and replacing files the way every kit must: only regular files are read (a FIFO,
/// device, socket or directory is refused at once, never waited on), and an output is replaced
/// atomically or not at all (written beside it, flushed, then renamed over it); a directory or
/// other special file at an output path is never replaced.
public enum RegularFile {
    /// Opens `path` for reading without blocking and checks that it is a regular file.
    /// - Returns: the open descriptor (the caller closes it) and the file's size.
    /// - Throws: ``ToolboxError/Code/ioError`` naming the path and what it is.
    public static func openForReading(_ path: String) throws -> (descriptor: Int32, size: Int) {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ToolboxError(.ioError, "cannot open: \(String(cString: strerror(errno)))", context: ErrorContext(path: path))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw ToolboxError(.ioError, "cannot stat: \(message)", context: ErrorContext(path: path))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw ToolboxError(.ioError, "\(kind(info.st_mode)) is not a regular file; only regular files are read",
                               context: ErrorContext(path: path))
        }
        // Reads through the descriptor should block normally (O_NONBLOCK only kept open() from waiting).
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return (descriptor, Int(info.st_size))
    }

    /// The whole contents of the regular file at `path`.
    /// - Parameter limit: the largest size accepted, checked before anything is allocated.
    /// - Parameter path: the file.
    public static func read(_ path: String, limit: Int = Int.max) throws -> [UInt8] {
        let (descriptor, size) = try openForReading(path)
        defer { close(descriptor) }
        guard size <= limit else {
            throw ToolboxError(.invalidData, "the file is \(size) bytes, more than the \(limit) accepted", context: ErrorContext(path: path))
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, size - filled, off_t(filled)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw ToolboxError(.ioError, "cannot read: \(count < 0 ? String(cString: strerror(errno)) : "the file shrank while read")",
                                   context: ErrorContext(path: path, byteOffset: filled))
            }
            filled += count
        }
        return bytes
    }

    /// The first `count` bytes (fewer for a shorter file) of the regular file at `path`: enough to
    /// tell a file's format by its content.
    public static func head(_ path: String, count: Int) throws -> [UInt8] {
        let (descriptor, size) = try openForReading(path)
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: max(0, min(size, count)))
        var filled = 0
        while filled < bytes.count {
            let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, $0.count - filled, off_t(filled)) }
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else { break }
            filled += read
        }
        return Array(bytes.prefix(filled))
    }

    /// Throws unless `path` is absent or a regular file (or a link, which is replaced, not followed).
    public static func checkReplaceable(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let mode = info.st_mode & S_IFMT
        guard mode == S_IFREG || mode == S_IFLNK else {
            throw ToolboxError(.ioError, "the output path is \(kind(info.st_mode)); refusing to replace it",
                               context: ErrorContext(path: path))
        }
    }

    /// Writes `bytes` to `path` atomically: to a new file beside it, flushed to disk, then
    /// renamed over `path`. An interrupted write leaves `path` as it was.
    public static func replace(_ path: String, with bytes: some Collection<UInt8>) throws {
        try checkReplaceable(path)
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ToolboxError(.ioError, "cannot create a file beside the output: \(String(cString: strerror(errno)))",
                               context: ErrorContext(path: path))
        }
        var succeeded = false
        defer {
            if !succeeded { unlink(temporary) }
        }
        let contiguous = Array(bytes)
        var written = 0
        while written < contiguous.count {
            let count = contiguous.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, contiguous.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let message = String(cString: strerror(errno))
                close(descriptor)
                throw ToolboxError(.ioError, "cannot write: \(message)", context: ErrorContext(path: path, byteOffset: written))
            }
            written += count
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            throw ToolboxError(.ioError, "cannot flush: \(String(cString: strerror(errno)))", context: ErrorContext(path: path))
        }
        try checkReplaceable(path)
        guard rename(temporary, path) == 0 else {
            throw ToolboxError(.ioError, "cannot move the new file into place: \(String(cString: strerror(errno)))",
                               context: ErrorContext(path: path))
        }
        succeeded = true
    }

    /// What a file mode is, in words.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "a special file"
        }
    }
}

/// A file written in pieces and put in place atomically: the pieces go to a new file beside the
/// output; ``commit()`` flushes it and renames it over the output. A writer dropped or
/// ``discard()``ed before committing removes its file and leaves the output as it was. A
/// directory or special file at the output path is refused before anything is written.
///
/// ```swift
/// let writer = try AtomicFileWriter(path: "features.csv")
/// try writer.write(header)
/// for chunk in chunks { try writer.write(render(chunk)) }
/// try writer.commit()
/// ```
public final class AtomicFileWriter {
    /// The output path.
    public let path: String
    private let temporary: String
    private var descriptor: Int32
    private var finished = false

    /// Opens a temporary file beside `path`, which is replaced only by `commit()`.
    /// - Throws: ``ToolboxError`` when `path` is a directory or special file, or its folder is not writable.
    public init(path: String) throws {
        try RegularFile.checkReplaceable(path)
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ToolboxError(.ioError, "cannot create a file beside the output: \(String(cString: strerror(errno)))",
                               context: ErrorContext(path: path))
        }
    }

    deinit { discard() }

    /// Appends bytes.
    public func write(_ bytes: some Collection<UInt8>) throws {
        guard !finished else { throw ToolboxError(.ioError, "the writer is finished", context: ErrorContext(path: path)) }
        let contiguous = Array(bytes)
        var written = 0
        while written < contiguous.count {
            let count = contiguous.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, contiguous.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw ToolboxError(.ioError, "cannot write: \(String(cString: strerror(errno)))", context: ErrorContext(path: path))
            }
            written += count
        }
    }

    /// Appends text as UTF-8.
    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Flushes the file and renames it over the output.
    public func commit() throws {
        guard !finished else { return }
        guard fsync(descriptor) == 0 else {
            throw ToolboxError(.ioError, "cannot flush: \(String(cString: strerror(errno)))", context: ErrorContext(path: path))
        }
        close(descriptor)
        finished = true
        do {
            try RegularFile.checkReplaceable(path)
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw ToolboxError(.ioError, "cannot move the new file into place: \(message)", context: ErrorContext(path: path))
        }
    }

    /// Abandons the file; the output is left as it was.
    public func discard() {
        guard !finished else { return }
        close(descriptor)
        unlink(temporary)
        finished = true
    }
}
