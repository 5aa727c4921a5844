/// One bin of a node's histogram: the sums of the gradients and hessians of the node's samples
/// whose feature value falls in the bin (16 bytes, so bins never straddle cache lines).
struct HistogramBin {
    var gradient: Double = 0
    var hessian: Double = 0
}

/// A node's histogram: gradient and hessian sums per feature and bin, and, apart, the sample
/// counts (a quarter of the bytes, so the counts a thread updates stay in its L1 cache).
struct Histogram {
    var bins: [HistogramBin]
    var counts: [UInt32]
}

/// Histogram buffers kept between nodes and trees: a node's histogram is several hundred
/// kilobytes, and allocating each afresh costs page faults and zeroing by the kernel.
final class HistogramPool {
    private var free: [Histogram] = []
    let size: Int

    init(size: Int) { self.size = size }

    /// A buffer, zeroed unless `zeroed` is false (then its user zeroes what it fills).
    func take(zeroed: Bool = true) -> Histogram {
        guard var buffer = free.popLast() else {
            return Histogram(bins: [HistogramBin](repeating: HistogramBin(), count: size), counts: [UInt32](repeating: 0, count: size))
        }
        if zeroed {
            buffer.bins.withUnsafeMutableBufferPointer { $0.update(repeating: HistogramBin()) }
            buffer.counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        return buffer
    }

    func give(_ buffer: consuming Histogram) {
        if free.count < 64 { free.append(buffer) }
    }
}

/// A set of bins (at most 256: 255 categories and the missing-value bin).
struct BinSet: Sendable, Hashable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    @inline(__always) func contains(_ bin: Int) -> Bool {
        let word: UInt64
        switch bin >> 6 {
        case 0: word = words.0
        case 1: word = words.1
        case 2: word = words.2
        default: word = words.3
        }
        return (word >> UInt64(bin & 63)) & 1 == 1
    }

    mutating func insert(_ bin: Int) {
        let bit = UInt64(1) << UInt64(bin & 63)
        switch bin >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    var array: [UInt64] { [words.0, words.1, words.2, words.3] }

    static func == (a: BinSet, b: BinSet) -> Bool { a.array == b.array }
    func hash(into hasher: inout Hasher) { hasher.combine(array) }
}
