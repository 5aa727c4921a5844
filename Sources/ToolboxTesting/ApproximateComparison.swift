public import ToolboxCore

/// Where two arrays differ beyond a tolerance.
public struct Mismatch: Sendable, CustomStringConvertible {
    /// The first differing index.
    public var index: Int
    public var actual: Double
    public var expected: Double
    /// How many elements differ in all.
    public var count: Int
    public var description: String {
        "\(count) value(s) differ; first at index \(index): \(actual) vs expected \(expected) (difference \(abs(actual - expected)))"
    }
}

/// NumPy's `allclose` rule: `|actual − expected| ≤ absoluteTolerance + relativeTolerance · |expected|`,
/// with NaN equal to NaN and infinities equal when their signs match.
///
/// Not symmetric and not transitive (the tolerance scales with `expected`); compare against the
/// reference value, not the other way around.
public func isClose(_ actual: Double, _ expected: Double, relativeTolerance: Double = 1e-7, absoluteTolerance: Double = 0) -> Bool {
    if actual.isNaN || expected.isNaN { return actual.isNaN && expected.isNaN }
    if actual.isInfinite || expected.isInfinite { return actual == expected }
    return abs(actual - expected) <= absoluteTolerance + relativeTolerance * abs(expected)
}

/// The first element-wise mismatch of two arrays under ``isClose(_:_:relativeTolerance:absoluteTolerance:)``,
/// or `nil` when they agree. A length difference is reported at the shorter length.
public func mismatch(_ actual: [Double], _ expected: [Double], relativeTolerance: Double = 1e-7, absoluteTolerance: Double = 0) -> Mismatch? {
    guard actual.count == expected.count else {
        let index = min(actual.count, expected.count)
        return Mismatch(index: index, actual: .nan, expected: .nan, count: abs(actual.count - expected.count))
    }
    var first: Mismatch?
    var count = 0
    for k in actual.indices where !isClose(actual[k], expected[k], relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance) {
        count += 1
        if first == nil { first = Mismatch(index: k, actual: actual[k], expected: expected[k], count: 0) }
    }
    first?.count = count
    return first
}

/// Matrix form of ``mismatch(_:_:relativeTolerance:absoluteTolerance:)``; a shape difference is a mismatch.
public func mismatch(_ actual: Matrix<Double>, _ expected: Matrix<Double>, relativeTolerance: Double = 1e-7, absoluteTolerance: Double = 0) -> Mismatch? {
    guard actual.rows == expected.rows, actual.columns == expected.columns else {
        return Mismatch(index: 0, actual: Double(actual.rows * 1_000_000 + actual.columns),
                        expected: Double(expected.rows * 1_000_000 + expected.columns), count: 1)
    }
    return mismatch(actual.values, expected.values, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
}
