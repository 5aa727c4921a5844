internal import CBLAS
import ToolboxCore

/// The distance and product loops the indexes share.
enum Kernels {
    /// Σ a[i]·b[i] over `count` values: 16 lanes at a time (SIMD), then the rest.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var accumulator = SIMD16<Float>(repeating: 0)
        let (rawA, rawB) = (UnsafeRawPointer(a), UnsafeRawPointer(b))
        var i = 0
        while i + 16 <= count {
            let x = rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let y = rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            accumulator += x * y
            i += 16
        }
        var total = accumulator.sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// Σ (a[i] − b[i])² over `count` values: 16 lanes at a time (SIMD), then the rest.
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var accumulator = SIMD16<Float>(repeating: 0)
        let (rawA, rawB) = (UnsafeRawPointer(a), UnsafeRawPointer(b))
        var i = 0
        while i + 16 <= count {
            let difference = rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            accumulator += difference * difference
            i += 16
        }
        var total = accumulator.sum()
        while i < count { let difference = a[i] - b[i]; total += difference * difference; i += 1 }
        return total
    }

    /// The squared norm of each of the n rows of `values`.
    static func squaredNorms(_ values: UnsafePointer<Float>, rows n: Int, dimension d: Int) -> [Float] {
        (0..<n).map { row in dot(values + row * d, values + row * d, d) }
    }

    /// C (m × n) = A (m × d) · Bᵀ (n × d ↦ d × n), row-major, by BLAS `sgemm`.
    static func productTransposed(_ a: UnsafePointer<Float>, _ m: Int, _ b: UnsafePointer<Float>, _ n: Int, _ d: Int,
                                  into c: UnsafeMutablePointer<Float>) {
        BLASThreads.prepare()
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(d), 1, a, Int32(d), b, Int32(d), 0, c, Int32(n))
    }
}
