import Foundation

/// A read-only memory map of a whole file: the CSV reader parses the page cache in place
/// instead of copying the file into the heap first.
final class MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>
    private let mapping: UnsafeMutableRawPointer?
    private let length: Int

    init(path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ToolboxError(.ioError, "cannot open file: \(String(cString: strerror(errno)))", context: ErrorContext(path: path))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw ToolboxError(.ioError, "cannot read file size: \(String(cString: strerror(errno)))", context: ErrorContext(path: path))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ToolboxError(.ioError, "not a regular file", context: ErrorContext(path: path))
        }
        length = Int(info.st_size)
        if length == 0 {
            mapping = nil
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            return
        }
        guard let pointer = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), pointer != MAP_FAILED else {
            throw ToolboxError(.ioError, "cannot map file: \(String(cString: strerror(errno)))", context: ErrorContext(path: path))
        }
        _ = madvise(pointer, length, MADV_WILLNEED)
        mapping = pointer
        bytes = UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: length)
    }

    deinit {
        if let mapping { munmap(mapping, length) }
    }
}
