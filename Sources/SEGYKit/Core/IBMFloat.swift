/// Conversions between IBM System/360 single precision and IEEE 754 binary32.
///
/// IBM float: sign bit, 7-bit base-16 exponent biased by 64, 24-bit fraction;
/// value = (−1)^s · 0.F · 16^(E−64). These are the branch-light integer conversions segyio
/// uses (after Hoang, "IBM/IEEE floating point conversion"), kept bit-for-bit identical so that
/// samples read here equal segyio's: the fraction is truncated, not rounded; values beyond
/// binary32's range become NaN with the sign kept; values below its normal range become 0.
public enum IBMFloat {
    /// The IEEE bit pattern for the IBM word `ibm` (native integer, already byte-swapped).
    ///
    /// Branch-free: the normalization shift is the fraction's leading zero bits (0–3), so the
    /// loop over a trace has no data-dependent branches to mispredict.
    @inlinable @inline(__always)
    public static func ieeeBits(fromIBM ibm: UInt32) -> UInt32 {
        let fraction = ibm & 0x00FF_FFFF
        // Leading zeros of the 24-bit fraction, at most 3 (a zero fraction also gives 3), from
        // comparisons only: the loop over a trace then vectorizes.
        let shift: UInt32 = (fraction < 0x20_0000 ? 1 : 0) + (fraction < 0x40_0000 ? 1 : 0) + (fraction < 0x80_0000 ? 1 : 0)
        let exponent = ((ibm & 0x7F00_0000) &- (0x20C0_0000 &+ (shift &<< 22))) &<< 1
        let magnitude = ibm & 0x7FFF_FFFF
        let bits = (magnitude > 0x611F_FFFF ? 0x7FFF_FFFF : (fraction &<< shift) &+ exponent) | (ibm & 0x8000_0000)
        return magnitude < 0x2120_0000 ? 0 : bits
    }

    /// The IBM word for the IEEE bit pattern `ieee` (native integer).
    @inlinable @inline(__always)
    public static func ibmBits(fromIEEE ieee: UInt32) -> UInt32 {
        let index = (ieee & 0x0180_0000) >> 23
        let exponentBias: UInt32
        let multiplier: UInt32
        switch index {
        case 0: (exponentBias, multiplier) = (0x2120_0000, 2)
        case 1: (exponentBias, multiplier) = (0x2140_0000, 4)
        case 2: (exponentBias, multiplier) = (0x2180_0000, 8)
        default: (exponentBias, multiplier) = (0x2210_0000, 1)
        }
        let exponent = ((ieee & 0x7E00_0000) >> 1) &+ exponentBias
        let fraction = (multiplier &* (ieee & 0x007F_FFFF)) >> 3
        let result = (fraction &+ exponent) | (ieee & 0x8000_0000)
        return (ieee & 0x7FFF_FFFF) != 0 ? result : 0
    }

    /// The Float value of the IBM word `ibm`.
    @inlinable public static func float(fromIBM ibm: UInt32) -> Float {
        Float(bitPattern: ieeeBits(fromIBM: ibm))
    }
}
