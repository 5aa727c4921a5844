/// NumPy's summation of float64, reproduced so totals scikit-learn computes with `np.sum`
/// (a boosting root's gradients, `np.mean` and `np.std` of permutation importances) round the
/// same way.
package enum NumPySum {
    /// NumPy's pairwise summation (`np.sum` of float64): below 8 values in order; up to 128 in
    /// eight interleaved partial sums added as a tree, then the rest; above, the two halves
    /// (the first a multiple of 8) summed apart and added.
    package static func pairwise(count n: Int, offset: Int = 0, _ value: (Int) -> Double) -> Double {
        if n < 8 {
            var total = 0.0
            for i in 0..<n { total += value(offset + i) }
            return total
        }
        if n <= 128 {
            var r = (0..<8).map { value(offset + $0) }
            var i = 8
            while i < n - n % 8 {
                for j in 0..<8 { r[j] += value(offset + i + j) }
                i += 8
            }
            var total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n { total += value(offset + i); i += 1 }
            return total
        }
        var half = n / 2
        half -= half % 8
        return pairwise(count: half, offset: offset, value) + pairwise(count: n - half, offset: offset + half, value)
    }

    /// ``pairwise(count:offset:_:)`` of a buffer, without a closure per value.
    package static func pairwise(_ values: UnsafeBufferPointer<Double>) -> Double {
        guard let base = values.baseAddress, !values.isEmpty else { return 0 }
        return pairwise(base, values.count)
    }

    private static func pairwise(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
        if n < 8 {
            var total = 0.0
            for i in 0..<n { total += a[i] }
            return total
        }
        if n <= 128 {
            var r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7]
            var i = 8
            while i < n - n % 8 {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3]
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7]
                i += 8
            }
            var total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n { total += a[i]; i += 1 }
            return total
        }
        var half = n / 2
        half -= half % 8
        return pairwise(a, half) + pairwise(a + half, n - half)
    }
}
