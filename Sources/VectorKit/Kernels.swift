internal import CBLAS

/// The distance and product loops the indexes share.
enum Kernels {
    /// Σ a[i]·b[i] over `count` values, in eight independent partial sums.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0, s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var i = 0
        while i + 8 <= count {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            s4 += a[i + 4] * b[i + 4]; s5 += a[i + 5] * b[i + 5]; s6 += a[i + 6] * b[i + 6]; s7 += a[i + 7] * b[i + 7]
            i += 8
        }
        var tail: Float = 0
        while i < count { tail += a[i] * b[i]; i += 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + tail
    }

    /// Σ (a[i] − b[i])² over `count` values.
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0, s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var i = 0
        while i + 8 <= count {
            let d0 = a[i] - b[i], d1 = a[i + 1] - b[i + 1], d2 = a[i + 2] - b[i + 2], d3 = a[i + 3] - b[i + 3]
            let d4 = a[i + 4] - b[i + 4], d5 = a[i + 5] - b[i + 5], d6 = a[i + 6] - b[i + 6], d7 = a[i + 7] - b[i + 7]
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3; s4 += d4 * d4; s5 += d5 * d5; s6 += d6 * d6; s7 += d7 * d7
            i += 8
        }
        var tail: Float = 0
        while i < count { let d = a[i] - b[i]; tail += d * d; i += 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + tail
    }

    /// The squared norm of each of the n rows of `values`.
    static func squaredNorms(_ values: UnsafePointer<Float>, rows n: Int, dimension d: Int) -> [Float] {
        (0..<n).map { row in dot(values + row * d, values + row * d, d) }
    }

    /// C (m × n) = A (m × d) · Bᵀ (n × d ↦ d × n), row-major, by BLAS `sgemm`.
    static func productTransposed(_ a: UnsafePointer<Float>, _ m: Int, _ b: UnsafePointer<Float>, _ n: Int, _ d: Int,
                                  into c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(d), 1, a, Int32(d), b, Int32(d), 0, c, Int32(n))
    }
}
