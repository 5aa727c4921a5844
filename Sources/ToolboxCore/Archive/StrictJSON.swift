import CToolboxSupport

/// A strict JSON reader for requests from the network (RFC 8259 and nothing more): it refuses
/// duplicate keys, invalid UTF-8, numbers outside a double's range (`1e999`), nesting past a
/// depth limit and anything after the document, each with an error naming the byte offset and
/// the JSON path (`instances[2].age`). It never recurses deeper than the limit, so a document
/// nested 100,000 deep is an error, not a crash.
public enum StrictJSON {
    /// The deepest nesting accepted by default.
    public static let defaultDepthLimit = 64

    /// The value of the JSON document in `bytes`.
    /// - Parameter depthLimit: the most arrays and objects one inside another.
    /// - Parameter bytes: the document, UTF-8.
    /// - Throws: ``ToolboxError/Code/parseError`` with the byte offset and JSON path.
    public static func parse(_ bytes: some Collection<UInt8>, depthLimit: Int = defaultDepthLimit) throws -> JSONValue {
        if let value = try bytes.withContiguousStorageIfAvailable({ try parse(buffer: UnsafeRawBufferPointer($0), depthLimit: depthLimit) }) {
            return value
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBytes { try parse(buffer: $0, depthLimit: depthLimit) }
    }

    /// The value of the JSON document in `buffer`.
    public static func parse(buffer: UnsafeRawBufferPointer, depthLimit: Int = defaultDepthLimit) throws -> JSONValue {
        var reader = Reader(bytes: buffer, depthLimit: depthLimit)
        reader.skipSpace()
        guard reader.offset < buffer.count else { throw reader.error("the body is empty; a JSON document was expected") }
        let value = try reader.value()
        reader.skipSpace()
        guard reader.offset == buffer.count else { throw reader.error("unexpected \(reader.describeHere()) after the JSON document") }
        return value
    }

    private enum PathItem {
        case key(String)
        case index(Int)
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        let depthLimit: Int
        var offset = 0
        var path: [PathItem] = []

        init(bytes: UnsafeRawBufferPointer, depthLimit: Int) {
            self.bytes = bytes
            self.depthLimit = depthLimit
        }

        var pathText: String {
            var out = ""
            for item in path {
                switch item {
                case .key(let key):
                    let plain = !key.isEmpty && key.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) || $0 == 0x5f }
                    if plain { out += out.isEmpty ? key : ".\(key)" } else { out += "[\(JSONValue.string(key).compactDescription)]" }
                case .index(let index): out += "[\(index)]"
                }
            }
            return out.isEmpty ? "$" : out
        }

        func error(_ message: String) -> ToolboxError {
            ToolboxError(.parseError, "invalid JSON at byte \(offset) (\(pathText)): \(message)", context: ErrorContext(byteOffset: offset, parameter: pathText))
        }

        func describeHere() -> String {
            guard offset < bytes.count else { return "end of input" }
            let byte = bytes[offset]
            if byte >= 0x20 && byte < 0x7f { return "'\(Character(Unicode.Scalar(byte)))'" }
            return "byte 0x\(String(byte, radix: 16))"
        }

        mutating func skipSpace() {
            while offset < bytes.count {
                switch bytes[offset] {
                case 0x20, 0x0a, 0x0d, 0x09: offset += 1
                default: return
                }
            }
        }

        mutating func expect(_ literal: StaticString, _ value: JSONValue) throws -> JSONValue {
            let count = literal.utf8CodeUnitCount
            guard offset + count <= bytes.count else { throw error("unexpected end of input in a literal") }
            for index in 0..<count where bytes[offset + index] != literal.utf8Start[index] {
                offset += index
                throw error("unexpected \(describeHere()); expected \(literal)")
            }
            offset += count
            return value
        }

        mutating func value() throws -> JSONValue {
            guard offset < bytes.count else { throw error("unexpected end of input; a value was expected") }
            switch bytes[offset] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected \(describeHere()); a value was expected (NaN and Infinity are not JSON)")
            }
        }

        mutating func enter() throws {
            guard path.count < depthLimit else { throw error("nested deeper than \(depthLimit) levels") }
        }

        mutating func object() throws -> JSONValue {
            try enter()
            offset += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw error("unexpected \(describeHere()); an object key (a string) was expected") }
                let keyOffset = offset
                let key = try string()
                skipSpace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw error("unexpected \(describeHere()); ':' was expected after a key") }
                offset += 1
                skipSpace()
                path.append(.key(key))
                let item = try value()
                if members.updateValue(item, forKey: key) != nil {
                    offset = keyOffset
                    throw error("duplicate key \(JSONValue.string(key).compactDescription)")
                }
                path.removeLast()
                skipSpace()
                guard offset < bytes.count else { throw error("unexpected end of input in an object") }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                if bytes[offset] == UInt8(ascii: "}") { offset += 1; return .object(members) }
                throw error("unexpected \(describeHere()); ',' or '}' was expected")
            }
        }

        mutating func array() throws -> JSONValue {
            try enter()
            offset += 1
            var items: [JSONValue] = []
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return .array(items)
            }
            while true {
                skipSpace()
                path.append(.index(items.count))
                items.append(try value())
                path.removeLast()
                skipSpace()
                guard offset < bytes.count else { throw error("unexpected end of input in an array") }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                if bytes[offset] == UInt8(ascii: "]") { offset += 1; return .array(items) }
                throw error("unexpected \(describeHere()); ',' or ']' was expected")
            }
        }

        /// A string literal at `offset` (its opening quote), its UTF-8 checked.
        mutating func string() throws -> String {
            let start = offset + 1
            var index = start
            // The common case: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                    guard let text = String(validating: slice, as: UTF8.self) else {
                        offset = start + Self.invalidUTF8Offset(slice)
                        throw error("the string is not valid UTF-8")
                    }
                    offset = index + 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 {
                    offset = index
                    throw error("a control character (0x\(String(byte, radix: 16))) inside a string must be escaped")
                }
                index += 1
            }
            var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            while true {
                guard index < bytes.count else {
                    offset = index
                    throw error("unexpected end of input in a string")
                }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 {
                    offset = index
                    throw error("a control character (0x\(String(byte, radix: 16))) inside a string must be escaped")
                }
                guard byte == UInt8(ascii: "\\") else {
                    out.append(byte)
                    index += 1
                    continue
                }
                guard index + 1 < bytes.count else {
                    offset = index
                    throw error("unexpected end of input in an escape")
                }
                let escaped = bytes[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5c)
                case UInt8(ascii: "/"): out.append(0x2f)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    offset = index - 2
                    var scalar = try hex4(at: index)
                    index += 4
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("a lone high surrogate \\u\(String(scalar, radix: 16)) is not a character")
                        }
                        let low = try hex4(at: index + 2)
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("a high surrogate must be followed by a low one") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("a lone low surrogate \\u\(String(scalar, radix: 16)) is not a character")
                    }
                    UTF8.encode(Unicode.Scalar(scalar)!) { out.append($0) }
                default:
                    offset = index - 2
                    throw error("unknown escape \\\(Character(Unicode.Scalar(escaped)))")
                }
            }
            guard let text = String(validating: out, as: UTF8.self) else {
                offset = start
                throw error("the string is not valid UTF-8")
            }
            offset = index + 1
            return text
        }

        func hex4(at index: Int) throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
            var value: UInt32 = 0
            for k in 0..<4 {
                let byte = bytes[index + k]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
                default: throw error("a \\u escape needs four hex digits")
                }
                value = value << 4 | digit
            }
            return value
        }

        static func invalidUTF8Offset(_ slice: UnsafeRawBufferPointer) -> Int {
            var low = 0, high = slice.count
            // The longest valid prefix, by bisection (the bytes are already known to be invalid).
            while low < high {
                let middle = (low + high + 1) / 2
                if String(validating: UnsafeRawBufferPointer(rebasing: slice[0..<middle]), as: UTF8.self) != nil { low = middle } else { high = middle - 1 }
            }
            return low
        }

        /// A number as RFC 8259 spells it, correctly rounded; out of a double's range is an error.
        mutating func number() throws -> Double {
            let start = offset
            var index = offset
            var negative = false
            if bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
            func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
            guard isDigit(index) else { offset = index; throw error("a number needs digits after '-'") }
            var mantissa: UInt64 = 0, digits = 0
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if isDigit(index) { offset = index; throw error("a number may not have leading zeros") }
            } else {
                while isDigit(index) {
                    if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[index] - 0x30) }
                    digits += 1
                    index += 1
                }
            }
            var simple = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                simple = false
                index += 1
                guard isDigit(index) else { offset = index; throw error("a number needs digits after '.'") }
                while isDigit(index) { index += 1 }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                simple = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard isDigit(index) else { offset = index; throw error("a number needs digits in its exponent") }
                while isDigit(index) { index += 1 }
            }
            offset = index
            // Integers of up to 15 digits are exact as doubles.
            if simple && digits <= 15 {
                let value = Double(mantissa)
                return negative ? -value : value
            }
            let length = index - start
            let value: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text in
                for k in 0..<length { text[k] = CChar(bitPattern: bytes[start + k]) }
                text[length] = 0
                return Self.cStrtod(text.baseAddress!)
            }
            guard value.isFinite else {
                offset = start
                throw error("the number \(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<min(index, start + 40)]), as: UTF8.self)) is out of the range of a double")
            }
            return value
        }

        /// `strtod` in the C locale, whatever the process's locale.
        static func cStrtod(_ text: UnsafePointer<CChar>) -> Double {
            toolbox_strtod_c(text)
        }
    }
}
