import Foundation
import ToolboxCore

/// Sorting a node's feature values with their samples (insertion sort or radix sort).
extension TreeBuilder {
    /// Sorts `sortBuffer[lo..<hi]` ascending, moving `samples` with it. Short spans use
    /// insertion sort; longer ones pack (order-preserving key bits, sample) into 64-bit words and
    /// radix-sort the key bytes, O(n) per node and feature, skipping bytes that do not vary.
    mutating func sortSpan(_ lo: Int, _ hi: Int) {
        let count = hi - lo
        if count <= 48 {
            sortBuffer.withUnsafeMutableBufferPointer { keys in
                samples.withUnsafeMutableBufferPointer { items in
                    for i in (lo + 1)..<hi {
                        let key = keys[i], item = items[i]
                        var j = i - 1
                        while j >= lo && keys[j] > key {
                            keys[j + 1] = keys[j]
                            items[j + 1] = items[j]
                            j -= 1
                        }
                        keys[j + 1] = key
                        items[j + 1] = item
                    }
                }
            }
            return
        }
        if packed.count < count {
            packed = [UInt64](repeating: 0, count: count)
            scratch = [UInt64](repeating: 0, count: count)
        }
        sortBuffer.withUnsafeMutableBufferPointer { keys in
            samples.withUnsafeMutableBufferPointer { items in
                packed.withUnsafeMutableBufferPointer { a in
                    scratch.withUnsafeMutableBufferPointer { b in
                        var source = a.baseAddress!, target = b.baseAddress!
                        for k in 0..<count {
                            let bits = keys[lo + k].bitPattern
                            // Flip so unsigned order is float order (negative values reversed).
                            let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
                            source[k] = UInt64(ordered) << 32 | UInt64(UInt32(bitPattern: items[lo + k]))
                        }
                        var histogram = [Int](repeating: 0, count: 256)
                        for shift in stride(from: UInt64(32), to: 64, by: 8) {
                            for v in 0..<256 { histogram[v] = 0 }
                            for k in 0..<count { histogram[Int((source[k] >> shift) & 0xFF)] += 1 }
                            if histogram.contains(count) { continue }     // every key shares this byte
                            var offset = 0
                            for v in 0..<256 {
                                let size = histogram[v]
                                histogram[v] = offset
                                offset += size
                            }
                            for k in 0..<count {
                                let bucket = Int((source[k] >> shift) & 0xFF)
                                target[histogram[bucket]] = source[k]
                                histogram[bucket] += 1
                            }
                            swap(&source, &target)
                        }
                        for k in 0..<count {
                            let word = source[k]
                            let ordered = UInt32(truncatingIfNeeded: word >> 32)
                            let bits = ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered
                            keys[lo + k] = Float(bitPattern: bits)
                            items[lo + k] = Int32(bitPattern: UInt32(truncatingIfNeeded: word))
                        }
                    }
                }
            }
        }
    }
}
