import Foundation
import Testing
import ToolboxCore

/// The strict reader for network JSON: RFC 8259 exactly, hostile input refused with the byte
/// offset and JSON path, numbers correctly rounded.
@Suite("Strict JSON")
struct StrictJSONTests {
    func parse(_ text: String) throws -> JSONValue { try StrictJSON.parse(Array(text.utf8)) }

    func failure(_ bytes: [UInt8]) -> ToolboxError? {
        do {
            _ = try StrictJSON.parse(bytes)
            return nil
        } catch {
            return error as? ToolboxError
        }
    }

    @Test func readsDocuments() throws {
        let value = try parse(#" {"a": [1, -2.5, 1e3, true, false, null], "b": {"c": "x\"y\u00e9\ud83d\ude00\n"}, "": 0} "#)
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members["a"] == .array([.number(1), .number(-2.5), .number(1000), .bool(true), .bool(false), .null]))
        #expect(members["b"] == .object(["c": .string("x\"y\u{e9}😀\n")]))
        #expect(members[""] == .number(0))
        #expect(try parse("[]") == .array([]) && (try parse("{}")) == .object([:]) && (try parse(#""é""#)) == .string("é"))
    }

    /// Numbers read back as the same double Swift's (correctly rounded) parser gives.
    @Test func numbersAreCorrectlyRounded() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "0.1", "1e-320", "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "9007199254740993", "123456789012345678901234567890",
                     "0.30000000000000004", "-1.5E+10", "1e-999"]
        for _ in 0..<2_000 {
            let value = Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &generator))
            texts.append("\(value)")
            texts.append(String(format: "%.17g", value))
            texts.append(String(Int64.random(in: -9_000_000_000_000_000...9_000_000_000_000_000, using: &generator)))
        }
        for text in texts where !text.contains("inf") && !text.contains("nan") {
            #expect(try parse(text) == .number(Double(text)!), "\(text)")
        }
    }

    @Test func hostileInputIsRefusedWithItsPlace() {
        let cases: [([UInt8], String)] = [
            (Array(#"{"a": 1, "a": 2}"#.utf8), "duplicate key \"a\""),
            (Array(#"{"rows": [{"x": 1, "x": 1}]}"#.utf8), "rows[0].x"),
            (Array(#"["#.utf8) + [0xFF] + Array("]".utf8), "byte 0xff"),
            (Array(#"[""#.utf8) + [0xC3, 0x28] + Array(#""]"#.utf8), "not valid UTF-8"),
            (Array(#"[""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""]"#.utf8), "not valid UTF-8"),
            (Array(#"["\ud800"]"#.utf8), "surrogate"),
            (Array(String(repeating: "[", count: 100_000).utf8), "nested deeper than 64"),
            (Array(String(repeating: #"{"a":"#, count: 100_000).utf8), "nested deeper than 64"),
            (Array("[1e999]".utf8), "out of the range"),
            (Array("[-1e400]".utf8), "out of the range"),
            (Array("[NaN]".utf8), "not JSON"),
            (Array("[Infinity]".utf8), "not JSON"),
            (Array("[01]".utf8), "leading zeros"),
            (Array("[1.]".utf8), "digits after '.'"),
            (Array("[.5]".utf8), "a value was expected"),
            (Array("[1,]".utf8), "a value was expected"),
            (Array(#"{"a" 1}"#.utf8), "':' was expected"),
            (Array(#"{a: 1}"#.utf8), "an object key"),
            (Array("[\"a\u{01}\"]".utf8), "control character"),
            (Array(#"["\x"]"#.utf8), "unknown escape"),
            (Array("[1] [2]".utf8), "after the JSON document"),
            (Array("".utf8), "empty"),
            (Array("   ".utf8), "empty"),
            (Array("[tru]".utf8), "expected true"),
            (Array(#"{"a": [1, 2"#.utf8), "end of input"),
        ]
        for (bytes, says) in cases {
            let error = failure(bytes)
            #expect(error?.code == .parseError && error?.message.contains(says) == true, "\(String(decoding: bytes.prefix(40), as: UTF8.self)): \(String(describing: error))")
        }
        // The offset and path are in the error's context.
        let error = failure(Array(#"{"instances": [{"age": 1}, {"age": 1e999}]}"#.utf8))
        #expect(error?.context.byteOffset == 35 && error?.context.parameter == "instances[1].age", "\(String(describing: error))")
    }
}
