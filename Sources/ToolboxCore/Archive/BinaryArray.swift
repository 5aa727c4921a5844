import Synchronization

/// An element type that can be stored as raw little-endian bytes in a model archive.
public protocol BinaryArrayElement: BitwiseCopyable, Codable, Sendable, Hashable {
    /// The short type code written to the archive manifest (`f64`, `f32`, `i64`, ...).
    static var binaryTypeCode: String { get }
}

extension Double: BinaryArrayElement { public static var binaryTypeCode: String { "f64" } }
extension Float: BinaryArrayElement { public static var binaryTypeCode: String { "f32" } }
extension Int64: BinaryArrayElement { public static var binaryTypeCode: String { "i64" } }
extension Int32: BinaryArrayElement { public static var binaryTypeCode: String { "i32" } }
extension UInt8: BinaryArrayElement { public static var binaryTypeCode: String { "u8" } }
extension UInt32: BinaryArrayElement { public static var binaryTypeCode: String { "u32" } }
extension UInt64: BinaryArrayElement { public static var binaryTypeCode: String { "u64" } }

/// An array that a model archive stores as a binary block rather than as JSON text.
///
/// Encoded by ``ModelArchive``, a `BinaryArray` of more than ``inlineLimit`` elements becomes a
/// reference `{"$blob": n}` into the archive's binary section; encoded by any other encoder it is
/// a plain JSON array. Use it for the large arrays of a fitted model (coefficients, tree nodes,
/// centroids); ``Matrix`` uses it for its values.
public struct BinaryArray<Element: BinaryArrayElement>: Sendable, Hashable, Codable {
    /// The elements.
    public var elements: [Element]

    /// Arrays this short stay inline in the JSON, where they are readable.
    public static var inlineLimit: Int { 32 }

    /// Wraps `elements`.
    public init(_ elements: [Element]) { self.elements = elements }

    private enum CodingKeys: String, CodingKey { case blob = "$blob" }

    public func encode(to encoder: any Encoder) throws {
        if elements.count > Self.inlineLimit, let sink = encoder.userInfo[.archiveBlobSink] as? BlobSink {
            let index = sink.append(elements)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .blob)
        } else {
            var container = encoder.singleValueContainer()
            try container.encode(elements)
        }
    }

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: CodingKeys.self), keyed.contains(.blob) {
            let index = try keyed.decode(Int.self, forKey: .blob)
            guard let source = decoder.userInfo[.archiveBlobSource] as? BlobSource else {
                throw DecodingError.dataCorruptedError(forKey: .blob, in: keyed,
                    debugDescription: "a binary block reference needs a model archive to read from")
            }
            elements = try source.elements(Element.self, at: index, codingPath: decoder.codingPath)
        } else {
            elements = try decoder.singleValueContainer().decode([Element].self)
        }
    }
}

extension CodingUserInfoKey {
    static let archiveBlobSink = CodingUserInfoKey(rawValue: "DSToolbox.archiveBlobSink")!
    static let archiveBlobSource = CodingUserInfoKey(rawValue: "DSToolbox.archiveBlobSource")!
    /// The registry that nested models (pipeline steps) are resolved in while an archive loads.
    /// The ``ModelRegistry`` a model archive is decoded with (models that hold other models look it up).
    public static let modelRegistry = CodingUserInfoKey(rawValue: "DSToolbox.modelRegistry")!
}

/// One binary block of an archive, as listed in its manifest.
public struct ArchiveBlob: Codable, Sendable, Hashable {
    /// The element type code (see ``BinaryArrayElement/binaryTypeCode``).
    public var type: String
    /// The number of elements.
    public var count: Int
    /// Byte offset of the block within the archive's binary section.
    public var offset: Int
    /// Byte length of the block.
    public var length: Int
}

/// Collects binary blocks while a model is encoded.
final class BlobSink: Sendable {
    private let state = Mutex<(table: [ArchiveBlob], bytes: [UInt8])>(([], []))

    func append<Element: BinaryArrayElement>(_ elements: [Element]) -> Int {
        state.withLock { state in
            let offset = state.bytes.count
            elements.withUnsafeBytes { state.bytes.append(contentsOf: $0) }
            // Keep every block 8-byte aligned.
            while state.bytes.count % 8 != 0 { state.bytes.append(0) }
            state.table.append(ArchiveBlob(type: Element.binaryTypeCode, count: elements.count,
                                           offset: offset, length: elements.count * MemoryLayout<Element>.stride))
            return state.table.count - 1
        }
    }

    var contents: (table: [ArchiveBlob], bytes: [UInt8]) { state.withLock { $0 } }
}

/// Serves binary blocks while a model is decoded, after the table has been validated.
final class BlobSource: Sendable {
    let table: [ArchiveBlob]
    let bytes: [UInt8]

    init(table: [ArchiveBlob], bytes: [UInt8]) {
        self.table = table
        self.bytes = bytes
    }

    func elements<Element: BinaryArrayElement>(_ type: Element.Type, at index: Int, codingPath: [any CodingKey]) throws -> [Element] {
        guard index >= 0 && index < table.count else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath,
                debugDescription: "binary block \(index) does not exist (the archive has \(table.count))"))
        }
        let blob = table[index]
        guard blob.type == Element.binaryTypeCode else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath,
                debugDescription: "binary block \(index) holds \(blob.type), expected \(Element.binaryTypeCode)"))
        }
        // Offsets and lengths were checked against the section when the archive was opened.
        return [Element](unsafeUninitializedCapacity: blob.count) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source[blob.offset..<blob.offset + blob.length]))
            }
            initialized = blob.count
        }
    }
}
