/// The byte order of a SEG-Y file's headers and samples.
public enum ByteOrder: String, Sendable, Hashable, Codable, CaseIterable {
    /// Most significant byte first: the SEG-Y standard's order.
    case bigEndian = "big"
    /// Least significant byte first: common in files written on x86 machines.
    case littleEndian = "little"
}

/// Reads and writes fixed-width integers at byte offsets in either order.
@usableFromInline
struct ByteReader {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline let order: ByteOrder

    @inlinable init(_ base: UnsafeRawPointer, _ order: ByteOrder) {
        self.base = base
        self.order = order
    }

    @inlinable func load<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        let raw = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        return order == .bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
    }

    /// A field of `width` bytes (1, 2, 3, 4 or 8), signed or not, widened to Int64.
    @inlinable func field(at offset: Int, width: Int, signed: Bool) -> Int64 {
        switch (width, signed) {
        case (1, true): Int64(load(Int8.self, at: offset))
        case (1, false): Int64(load(UInt8.self, at: offset))
        case (2, true): Int64(load(Int16.self, at: offset))
        case (2, false): Int64(load(UInt16.self, at: offset))
        case (4, true): Int64(load(Int32.self, at: offset))
        case (4, false): Int64(load(UInt32.self, at: offset))
        case (8, _): Int64(bitPattern: load(UInt64.self, at: offset))
        default: 0
        }
    }
}

extension Array where Element == UInt8 {
    /// Stores `value` at `offset` in `order`, truncated to the integer type's width.
    mutating func store<T: FixedWidthInteger>(_ value: T, at offset: Int, order: ByteOrder) {
        let ordered = order == .bigEndian ? value.bigEndian : value.littleEndian
        Swift.withUnsafeBytes(of: ordered) { bytes in
            for k in 0..<bytes.count { self[offset + k] = bytes[k] }
        }
    }
}
