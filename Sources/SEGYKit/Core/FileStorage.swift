import Foundation

/// The bytes of an open SEG-Y file: a read-only memory map of a file, or bytes in memory.
final class FileStorage: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?
    private let owned: UnsafeMutableRawBufferPointer?
    /// The open file, kept for scattered small reads (`copy(_:count:at:)`).
    private let descriptor: Int32

    /// Maps `path` read-only. Only regular files are opened: a FIFO, device, socket or
    /// directory is refused at once (opened without blocking, then checked), never waited on.
    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SEGYError(.io, "cannot open: \(String(cString: strerror(errno)))", path: path)
        }
        var keep = false
        defer { if !keep { close(descriptor) } }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw SEGYError(.io, "cannot stat: \(String(cString: strerror(errno)))", path: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SEGYError(.io, "not a regular file (\(Self.kind(info.st_mode))): SEG-Y is read from regular files only", path: path)
        }
        let length = Int(info.st_size)
        owned = nil
        if length == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            self.descriptor = -1
            return
        }
        guard let pointer = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0), pointer != MAP_FAILED else {
            throw SEGYError(.io, "cannot map: \(String(cString: strerror(errno)))", path: path)
        }
        mapping = pointer
        bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        // Blocking reads again (O_NONBLOCK only kept open() from waiting on a FIFO).
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        self.descriptor = descriptor
        keep = true
    }

    /// A file type's name, for errors.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }

    /// Copies `data` into memory owned by this storage.
    init(copying data: [UInt8]) {
        mapping = nil
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
        data.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.baseAddress!.copyMemory(from: base, byteCount: data.count) }
        }
        owned = buffer
        bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: data.count)
        descriptor = -1
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
        if descriptor >= 0 { close(descriptor) }
        owned?.deallocate()
    }

    /// Copies `count` bytes at `offset` (which must lie in the file) into `target`. A few bytes
    /// from far-apart places (header words of every hundredth trace) are read with `pread`:
    /// cheaper than a page fault on a fresh mapping, which maps a whole run of pages.
    func copy(into target: UnsafeMutableRawPointer, count: Int, at offset: Int) {
        if descriptor >= 0 {
            var done = 0
            while done < count {
                let n = pread(descriptor, target + done, count - done, off_t(offset + done))
                if n > 0 { done += n; continue }
                if n < 0 && errno == EINTR { continue }
                break
            }
            if done == count { return }
        }
        target.copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
    }

    /// Tells the kernel a region will be read soon (whole-file reads).
    func willRead(offset: Int, count: Int) {
        guard let mapping, count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page
        _ = madvise(mapping + start, min(count + offset - start, bytes.count - start), MADV_WILLNEED)
    }
}
