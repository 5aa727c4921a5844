/// Decodes and encodes trace samples of every format, in either byte order.
public enum SampleCodec {
    /// Decodes `count` samples of `format` at `source` into `target` as Float.
    ///
    /// Integers convert to the nearest Float; IBM floats as ``IBMFloat`` does; 8-byte IEEE
    /// floats round to Float. Format 4 (obsolete fixed point with gain) is passed through as
    /// 4-byte IEEE float, which is what segyio does and what files carrying that code hold.
    @inlinable
    public static func decode(_ format: SampleFormat, _ order: ByteOrder, from source: UnsafeRawPointer, count: Int,
                              into target: UnsafeMutablePointer<Float>) {
        let big = order == .bigEndian
        @inline(__always) func u16(_ i: Int) -> UInt16 {
            let v = source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
            return big ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
        }
        @inline(__always) func u32(_ i: Int, stride: Int = 4) -> UInt32 {
            let v = source.loadUnaligned(fromByteOffset: i * stride, as: UInt32.self)
            return big ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
        }
        @inline(__always) func u64(_ i: Int) -> UInt64 {
            let v = source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            return big ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
        }
        @inline(__always) func u24(_ i: Int) -> UInt32 {
            let b = source.advanced(by: i * 3).assumingMemoryBound(to: UInt8.self)
            return big ? UInt32(b[0]) << 16 | UInt32(b[1]) << 8 | UInt32(b[2])
                       : UInt32(b[2]) << 16 | UInt32(b[1]) << 8 | UInt32(b[0])
        }
        switch format {
        case .ibmFloat32:
            // Hoisted byte-order branch: the hot loop of whole-file reads.
            if big {
                for i in 0..<count {
                    let word = UInt32(bigEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    target[i] = Float(bitPattern: IBMFloat.ieeeBits(fromIBM: word))
                }
            } else {
                for i in 0..<count {
                    let word = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    target[i] = Float(bitPattern: IBMFloat.ieeeBits(fromIBM: word))
                }
            }
        case .ieeeFloat32:
            for i in 0..<count { target[i] = Float(bitPattern: u32(i)) }
        case .ieeeFloat64:
            for i in 0..<count { target[i] = Float(Double(bitPattern: u64(i))) }
        case .int32:
            for i in 0..<count { target[i] = Float(Int32(bitPattern: u32(i))) }
        case .uint32:
            for i in 0..<count { target[i] = Float(u32(i)) }
        case .int16:
            for i in 0..<count { target[i] = Float(Int16(bitPattern: u16(i))) }
        case .uint16:
            for i in 0..<count { target[i] = Float(u16(i)) }
        case .int64:
            for i in 0..<count { target[i] = Float(Int64(bitPattern: u64(i))) }
        case .uint64:
            for i in 0..<count { target[i] = Float(u64(i)) }
        case .int8:
            let bytes = source.assumingMemoryBound(to: Int8.self)
            for i in 0..<count { target[i] = Float(bytes[i]) }
        case .uint8:
            let bytes = source.assumingMemoryBound(to: UInt8.self)
            for i in 0..<count { target[i] = Float(bytes[i]) }
        case .int24:
            for i in 0..<count { target[i] = Float(Int32(bitPattern: u24(i) << 8) >> 8) }
        case .uint24:
            for i in 0..<count { target[i] = Float(u24(i)) }
        case .fixedPointWithGain32:
            for i in 0..<count { target[i] = Float(bitPattern: u32(i)) }
        }
    }

    /// Encodes `count` Float samples as `format` in `order` at `target`. Integers are rounded
    /// to nearest and clamped to the format's range; NaN becomes 0 in integer formats.
    public static func encode(_ format: SampleFormat, _ order: ByteOrder, from source: UnsafePointer<Float>, count: Int,
                              into target: UnsafeMutableRawPointer) {
        let big = order == .bigEndian
        func store<T: FixedWidthInteger>(_ value: T, _ i: Int) {
            target.storeBytes(of: big ? value.bigEndian : value.littleEndian, toByteOffset: i * MemoryLayout<T>.size, as: T.self)
        }
        func clamp<T: FixedWidthInteger>(_ value: Float, _ type: T.Type) -> T {
            if value.isNaN { return 0 }
            let rounded = Double(value).rounded()
            if rounded <= Double(T.min) { return T.min }
            if rounded >= Double(T.max) { return T.max }
            return T(rounded)
        }
        func store24(_ value: UInt32, _ i: Int) {
            let b = target.advanced(by: i * 3).assumingMemoryBound(to: UInt8.self)
            let (hi, mid, lo) = (UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
            if big { (b[0], b[1], b[2]) = (hi, mid, lo) } else { (b[0], b[1], b[2]) = (lo, mid, hi) }
        }
        for i in 0..<count {
            let value = source[i]
            switch format {
            case .ibmFloat32: store(IBMFloat.ibmBits(fromIEEE: value.bitPattern), i)
            case .ieeeFloat32: store(value.bitPattern, i)
            case .ieeeFloat64: store(Double(value).bitPattern, i)
            case .int32: store(clamp(value, Int32.self), i)
            case .uint32: store(clamp(value, UInt32.self), i)
            case .int16: store(clamp(value, Int16.self), i)
            case .uint16: store(clamp(value, UInt16.self), i)
            case .int64: store(clamp(value, Int64.self), i)
            case .uint64: store(clamp(value, UInt64.self), i)
            case .int8: store(clamp(value, Int8.self), i)
            case .uint8: store(clamp(value, UInt8.self), i)
            case .int24:
                let v = max(-8_388_608, min(8_388_607, Int32(clamp(value, Int32.self))))
                store24(UInt32(bitPattern: v) & 0xFF_FFFF, i)
            case .uint24:
                store24(min(16_777_215, clamp(value, UInt32.self)), i)
            case .fixedPointWithGain32: store(value.bitPattern, i)
            }
        }
    }
}
