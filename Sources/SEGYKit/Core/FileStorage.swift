import Foundation

/// The bytes of an open SEG-Y file: a read-only memory map of a file, or bytes in memory.
final class FileStorage: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?
    private let owned: UnsafeMutableRawBufferPointer?

    /// Maps `path` read-only.
    init(path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw SEGYError(.io, "cannot open: \(String(cString: strerror(errno)))", path: path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw SEGYError(.io, "not a regular file", path: path)
        }
        let length = Int(info.st_size)
        owned = nil
        if length == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let pointer = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0), pointer != MAP_FAILED else {
            throw SEGYError(.io, "cannot map: \(String(cString: strerror(errno)))", path: path)
        }
        mapping = pointer
        bytes = UnsafeRawBufferPointer(start: pointer, count: length)
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
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
        owned?.deallocate()
    }

    /// Tells the kernel a region will be read soon (whole-file reads).
    func willRead(offset: Int, count: Int) {
        guard let mapping, count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page
        _ = madvise(mapping + start, min(count + offset - start, bytes.count - start), MADV_WILLNEED)
    }
}
