import Testing
@testable import SEGYKit

@Suite("SEG-Y lint")
struct LintTests {
    func checks(_ name: String) -> [String: SEGYLintReport.Finding] {
        Dictionary(SEGYLint.check(path: TestData.path(name)).findings.map { ($0.check, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func cleanFileHasNoWarnings() {
        let report = SEGYLint.check(path: TestData.path("small.sgy"))
        #expect(!report.hasErrors)
        #expect(report.findings.allSatisfy { $0.severity == .info })
        #expect(report.findings.contains { $0.check == "layout" && $0.message.contains("25 traces of 50 samples") })
    }

    @Test func brokenFileIsAnError() {
        let broken = checks("broken.sgy")
        let finding = broken["inconsistent_size"]
        #expect(finding?.severity == .error && finding?.byteOffset == 10_768 && finding?.segyioRejects == true)
    }

    @Test func longFileHasInconsistentTraceHeaders() {
        let long = checks("long.sgy")
        #expect(long["sample-count-mismatch"]?.severity == .error)
        #expect(long["sample-count-mismatch"]?.byteOffset == 3_600 + 240_240 + 114)
        #expect(long["trace-sample-count-zero"]?.byteOffset == 3_600 + 114)
        #expect(long["no-regular-geometry"] != nil)
    }

    @Test func intervalsAndEncodings() {
        #expect(checks("interval-neg-bin-pos-trace.sgy")["interval-sign"]?.byteOffset == 3_216)
        #expect(checks("interval-pos-bin-neg-trace.sgy")["interval-sign"]?.byteOffset == 3_600 + 116)
        #expect(checks("delay-scalar.sgy")["ascii-text"] != nil)
        #expect(checks("small-lsb.sgy")["little-endian"] != nil)
        #expect(checks("multiformats/Format7msb.sgy")["24-bit-format"] != nil)
        #expect(checks("multiformats/Format4msb.sgy")["obsolete-format"]?.severity == .warning)
        #expect(checks("stanzas-unknown-count.sgy")["variable-extended-headers"]?.segyioRejects == true)
        #expect(checks("decrement.sgy")["revision"] != nil)
    }

    @Test func missingFileIsAnErrorNotAThrow() {
        #expect(SEGYLint.check(path: "/nonexistent.sgy").hasErrors)
    }
}
