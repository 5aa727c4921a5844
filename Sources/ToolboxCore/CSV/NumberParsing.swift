import Foundation

/// Parses decimal text to `Double` with correct rounding.
///
/// The common case (at most 19 significant digits, value exactly representable by a mantissa
/// ≤ 2⁵³ scaled by 10^±22) uses Clinger's fast path, exact because both operands and the
/// single IEEE operation are exact or correctly rounded (Clinger, "How to Read Floating Point
/// Numbers Accurately", PLDI 1990). Everything else falls back to `strtod`.
enum NumberParsing {
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The value of `bytes[start..<end]`, or `nil` when it is not a number. Leading and trailing
    /// spaces are allowed; `nan`, `inf` and `infinity` (any case, signed) are accepted.
    @inline(__always)
    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var p = start, e = end
        while p < e && bytes[p] == 0x20 { p += 1 }
        while e > p && bytes[e - 1] == 0x20 { e -= 1 }
        guard p < e else { return nil }
        let begin = p
        var negative = false
        if bytes[p] == UInt8(ascii: "-") { negative = true; p += 1 }
        else if bytes[p] == UInt8(ascii: "+") { p += 1 }

        var mantissa: UInt64 = 0
        var digits = 0          // significant digits kept in the mantissa
        var exponent = 0
        var sawDigit = false
        var truncated = false
        while p < e {
            let d = bytes[p] &- 0x30
            if d > 9 { break }
            sawDigit = true
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { digits += 1 }
            } else {
                exponent += 1
                if d != 0 { truncated = true }
            }
            p += 1
        }
        if p < e && bytes[p] == UInt8(ascii: ".") {
            p += 1
            while p < e {
                let d = bytes[p] &- 0x30
                if d > 9 { break }
                sawDigit = true
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else if d != 0 {
                    truncated = true
                }
                p += 1
            }
        }
        guard sawDigit else { return parseSpecial(bytes, begin, e) }
        if p < e && (bytes[p] | 0x20) == UInt8(ascii: "e") {
            p += 1
            var exponentNegative = false
            if p < e && (bytes[p] == UInt8(ascii: "-") || bytes[p] == UInt8(ascii: "+")) {
                exponentNegative = bytes[p] == UInt8(ascii: "-")
                p += 1
            }
            var value = 0
            var sawExponentDigit = false
            while p < e {
                let d = bytes[p] &- 0x30
                if d > 9 { break }
                sawExponentDigit = true
                if value < 100_000 { value = value * 10 + Int(d) }
                p += 1
            }
            guard sawExponentDigit else { return nil }
            exponent += exponentNegative ? -value : value
        }
        guard p == e else { return nil }
        if mantissa == 0 && !truncated { return negative ? -0.0 : 0.0 }
        if !truncated && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            let m = Double(mantissa)
            let value = exponent >= 0 ? m * powersOfTen[exponent] : m / powersOfTen[-exponent]
            return negative ? -value : value
        }
        return strtodFallback(bytes, begin, e)
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

    /// Parses a whole string (used by tests and by callers outside the CSV reader).
    static func parseDouble(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parseDouble($0, 0, $0.count) }
    }
}
