// Generated from Sources/SEGYKit/SEGYKit.docc/GettingStarted.md, snippet 5 by SnippetTests; do not edit (see SnippetTests.swift).
import SEGYKit
import Foundation

func snippet_Sources_SEGYKit_SEGYKit_docc_GettingStarted_5() async throws {
    for finding in SEGYLint.check(path: "survey.sgy").findings {
        print(finding.severity, finding.check, finding.message, finding.byteOffset ?? -1)
    }
}
