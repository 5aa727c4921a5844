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

extension TreeBuilder {
    /// Sorts `sortBuffer[lo..<hi]` with `samples` exactly as scikit-learn's splitter does
    /// (`simultaneous_sort` with three-way partitioning: introsort from a median of three,
    /// heapsort past depth 2·log₂ n, insertion sort below 16), so tied values end in
    /// scikit-learn's sample order and sums over a node's samples round as scikit-learn's do.
    mutating func scikitLearnSort(_ lo: Int, _ hi: Int) {
        let n = hi - lo
        guard n > 0 else { return }
        let depth = 2 * Int(Foundation.log2(Double(n)))
        sortBuffer.withUnsafeMutableBufferPointer { keys in
            samples.withUnsafeMutableBufferPointer { items in
                Self.introsort3(keys.baseAddress! + lo, items.baseAddress! + lo, n, depth)
            }
        }
    }

    @inline(__always)
    private static func exchange(_ v: UnsafeMutablePointer<Float>, _ s: UnsafeMutablePointer<Int32>, _ i: Int, _ j: Int) {
        let value = v[i]; v[i] = v[j]; v[j] = value
        let sample = s[i]; s[i] = s[j]; s[j] = sample
    }

    private static func introsort3(_ values: UnsafeMutablePointer<Float>, _ samples: UnsafeMutablePointer<Int32>, _ count: Int, _ depth: Int) {
        var v = values, s = samples, n = count, maxd = depth
        while n > 15 {
            if maxd <= 0 {
                heapsort(v, s, n)
                return
            }
            maxd -= 1
            // Median of three (Bentley and McIlroy).
            let a = v[0], b = v[n / 2], c = v[n - 1]
            let pivot: Float = a < b ? (b < c ? b : (a < c ? c : a)) : (b < c ? (a < c ? a : c) : b)
            var i = 0, l = 0, r = n
            while i < r {
                if v[i] < pivot {
                    exchange(v, s, i, l)
                    i += 1
                    l += 1
                } else if v[i] > pivot {
                    r -= 1
                    exchange(v, s, i, r)
                } else {
                    i += 1
                }
            }
            introsort3(v, s, l, maxd)
            v += r
            s += r
            n -= r
        }
        // Insertion sort.
        if n < 2 { return }
        for i in 1..<n {
            let value = v[i], sample = s[i]
            var j = i
            while j > 0 && v[j - 1] > value {
                v[j] = v[j - 1]
                s[j] = s[j - 1]
                j -= 1
            }
            v[j] = value
            s[j] = sample
        }
    }

    private static func heapsort(_ v: UnsafeMutablePointer<Float>, _ s: UnsafeMutablePointer<Int32>, _ n: Int) {
        func siftDown(_ start: Int, _ end: Int) {
            var root = start
            while true {
                let child = root * 2 + 1
                var largest = root
                if child < end && v[largest] < v[child] { largest = child }
                if child + 1 < end && v[largest] < v[child + 1] { largest = child + 1 }
                if largest == root { return }
                exchange(v, s, root, largest)
                root = largest
            }
        }
        var start = (n - 2) / 2
        while true {
            siftDown(start, n)
            if start == 0 { break }
            start -= 1
        }
        var end = n - 1
        while end > 0 {
            exchange(v, s, 0, end)
            siftDown(0, end)
            end -= 1
        }
    }
}
