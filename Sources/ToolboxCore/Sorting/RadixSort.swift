import Foundation

/// Sorting of finite Doubles by their bits: an LSD radix sort (six passes of 11 bits, passes
/// whose digit is the same for every value skipped), several times faster than a comparison
/// sort for large samples (drift tests, histogram bin edges).
public enum RadixSort {
    /// Below this many values a comparison sort is faster.
    public static let threshold = 4_096

    /// `values` sorted ascending. NaN must not occur; −0 sorts before +0 (they compare equal).
    public static func sorted(_ values: [Double]) -> [Double] {
        let n = values.count
        guard n >= threshold else { return values.sorted() }
        var keys = [UInt64](repeating: 0, count: n)
        var scratch = [UInt64](repeating: 0, count: n)
        let digits = 6, radix = 1 << 11, mask = UInt64(radix - 1)
        var counts = [Int](repeating: 0, count: digits * radix)
        values.withUnsafeBufferPointer { source in
            keys.withUnsafeMutableBufferPointer { keys in
                counts.withUnsafeMutableBufferPointer { counts in
                    for i in 0..<n {
                        let bits = source[i].bitPattern
                        // Negative numbers: every bit flipped; positive: the sign bit set.
                        let key = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
                        keys[i] = key
                        for d in 0..<digits { counts[d * radix + Int((key >> UInt64(11 * d)) & mask)] += 1 }
                    }
                }
            }
        }
        var inKeys = true
        for d in 0..<digits {
            // A digit every key shares leaves the order as it is.
            let base = d * radix
            if counts[base..<(base + radix)].contains(n) { continue }
            var offsets = [Int](repeating: 0, count: radix)
            var running = 0
            for bucket in 0..<radix {
                offsets[bucket] = running
                running += counts[base + bucket]
            }
            let shift = UInt64(11 * d)
            keys.withUnsafeMutableBufferPointer { keys in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    offsets.withUnsafeMutableBufferPointer { offsets in
                        let (from, to) = inKeys ? (keys, scratch) : (scratch, keys)
                        for i in 0..<n {
                            let key = from[i]
                            let bucket = Int((key >> shift) & mask)
                            to[offsets[bucket]] = key
                            offsets[bucket] += 1
                        }
                    }
                }
            }
            inKeys.toggle()
        }
        let sortedKeys = inKeys ? keys : scratch
        return sortedKeys.map { key in
            Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
        }
    }
}
