import Foundation
import CToolboxSupport

/// Parses decimal text to `Double` with correct rounding.
///
/// The common case (at most 19 significant digits, value exactly representable by a mantissa
/// ≤ 2⁵³ scaled by 10^±22) uses Clinger's fast path, exact because both operands and the
/// single IEEE operation are exact or correctly rounded (Clinger, "How to Read Floating Point
/// Numbers Accurately", PLDI 1990). Everything else falls back to `strtod`.
package enum NumberParsing {
    /// 10^e for 0 ≤ e ≤ 22, every one exact in a Double. A switch compiles to a constant
    /// table with no lazy-initialization check on the hot path.
    @inline(__always)
    static func powerOfTen(_ e: Int) -> Double {
        switch e {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// The value of four ASCII digits at `p`, or `nil` if any of them is not a digit
    /// (SWAR: one load, one check, two multiplies).
    @inline(__always)
    static func fourDigits(_ bytes: UnsafeBufferPointer<UInt8>, _ p: Int) -> UInt64? {
        let word = UnsafeRawPointer(bytes.baseAddress! + p).loadUnaligned(as: UInt32.self).littleEndian
        let digits = word &- 0x3030_3030
        // Every byte was '0'...'9' iff no byte borrowed and every byte is now below 10.
        guard (word & 0xF0F0_F0F0) == 0x3030_3030, ((digits &+ 0x7676_7676) & 0x8080_8080) == 0 else { return nil }
        let pairs = (digits &* 10) &+ (digits >> 8)                 // bytes 0 and 2 hold two-digit values
        let value = ((pairs & 0x0000_00FF) &* 100) &+ ((pairs >> 16) & 0x0000_00FF)
        return UInt64(value)
    }

    /// The value of `bytes[start..<end]`, or `nil` when it is not a number. Leading and trailing
    /// spaces are allowed; `nan`, `inf` and `infinity` (any case, signed) are accepted.
    package static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var p = start, e = end
        while p < e && bytes[p] == 0x20 { p += 1 }
        while e > p && bytes[e - 1] == 0x20 { e -= 1 }
        guard p < e else { return nil }
        if let (value, stop) = parseSimplePrefix(bytes, p, e), stop == e { return value }
        return isDecimal(bytes, p, e) ? strtodFallback(bytes, p, e) : parseSpecial(bytes, p, e)
    }

    /// Whether the text is `[sign] digits [. digits] [e [sign] digits]` with at least one
    /// mantissa digit: the only shapes handed to `strtod` (which would also take hex and more).
    private static func isDecimal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var p = start
        func digits() -> Int {
            let from = p
            while p < end && bytes[p] &- 0x30 <= 9 { p += 1 }
            return p - from
        }
        if bytes[p] == UInt8(ascii: "-") || bytes[p] == UInt8(ascii: "+") { p += 1 }
        var mantissaDigits = digits()
        if p < end && bytes[p] == UInt8(ascii: ".") {
            p += 1
            mantissaDigits += digits()
        }
        guard mantissaDigits > 0 else { return false }
        if p < end && (bytes[p] | 0x20) == UInt8(ascii: "e") {
            p += 1
            if p < end && (bytes[p] == UInt8(ascii: "-") || bytes[p] == UInt8(ascii: "+")) { p += 1 }
            guard digits() > 0 else { return false }
        }
        return p == end
    }

    private static func parseSpecial(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var p = start
        var negative = false
        if p < end && (bytes[p] == UInt8(ascii: "-") || bytes[p] == UInt8(ascii: "+")) {
            negative = bytes[p] == UInt8(ascii: "-")
            p += 1
        }
        let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[p..<end]), as: UTF8.self).lowercased()
        switch word {
        case "nan": return .nan
        case "inf", "infinity": return negative ? -.infinity : .infinity
        default: return nil
        }
    }

    private static func strtodFallback(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let count = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
            for k in 0..<count { buffer[k] = CChar(bitPattern: bytes[start + k]) }
            buffer[count] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &endPointer)
            guard let endPointer, endPointer - buffer.baseAddress! == count else { return nil }
            return value
        }
    }

    /// The number at the start of `bytes[start..<end]` and where it ends, for the common shape
    /// `[sign] digits [. digits] [e [sign] digits]` with at most 19 digits and a result the fast
    /// path computes exactly; `nil` for anything else, which the caller parses the slow way.
    @inline(__always)
    static func parseSimplePrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (value: Double, end: Int)? {
        var p = start
        var negative = false
        let first = bytes[p]
        if first == UInt8(ascii: "-") {
            negative = true
            p += 1
        } else if first == UInt8(ascii: "+") {
            p += 1
        }
        var mantissa: UInt64 = 0
        let integerStart = p
        while p < end {
            let d = bytes[p] &- 0x30
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            p += 1
        }
        var digitCount = p - integerStart
        var exponent = 0
        if p < end && bytes[p] == UInt8(ascii: ".") {
            p += 1
            let fractionStart = p
            while p + 4 <= end, let four = fourDigits(bytes, p) {
                mantissa = mantissa &* 10_000 &+ four
                p += 4
            }
            while p < end {
                let d = bytes[p] &- 0x30
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                p += 1
            }
            exponent = fractionStart - p
            digitCount += p - fractionStart
        }
        guard digitCount > 0 && digitCount <= 19 else { return nil }
        if p < end && (bytes[p] | 0x20) == UInt8(ascii: "e") {
            p += 1
            var exponentNegative = false
            if p < end && (bytes[p] == UInt8(ascii: "-") || bytes[p] == UInt8(ascii: "+")) {
                exponentNegative = bytes[p] == UInt8(ascii: "-")
                p += 1
            }
            let exponentStart = p
            var value = 0
            while p < end {
                let d = bytes[p] &- 0x30
                if d > 9 { break }
                if value < 100_000 { value = value &* 10 &+ Int(d) }
                p += 1
            }
            guard p > exponentStart else { return nil }
            exponent += exponentNegative ? -value : value
        }
        if mantissa == 0 { return (negative ? -0.0 : 0.0, p) }
        guard mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 else { return nil }
        let m = Double(mantissa)
        let value = exponent >= 0 ? m * powerOfTen(exponent) : m / powerOfTen(-exponent)
        return (negative ? -value : value, p)
    }

    /// Parses a whole string (used by tests and by callers outside the CSV reader).
    static func parseDouble(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parseDouble($0, 0, $0.count) }
    }
}

/// One number through C's `printf` formats (`%.4g`, `%.1f`, `%.3e`, ...), without Foundation's
/// `String(format:)`, which costs microseconds a call: tables and reports of 100,000 rows print
/// with it.
package enum CFormat {
    /// `value` as `vsnprintf(format, value)` prints it; `"\(value)"` if that does not fit 64 bytes.
    package static func string(_ format: String, _ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let written = toolbox_format_double(buffer.baseAddress!, 64, format, value)
            return written > 0 && written < 64 ? String(cString: buffer.baseAddress!) : "\(value)"
        }
    }
}
