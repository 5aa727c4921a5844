import Foundation

/// A read-only memory map of a whole file: the CSV reader parses the page cache in place
/// instead of copying the file into the heap first.
final class MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>
    private let mapping: UnsafeMutableRawPointer?
    private let length: Int

    init(path: String) throws {
        let (descriptor, size) = try RegularFile.openForReading(path)
        defer { close(descriptor) }
        length = size
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
