import Foundation
import Testing

/// Every ```swift snippet in README.md, Documentation/ and the DocC catalogs is compiled: each is
/// copied into `Generated/` as a function (its declarations beside it), which this target builds.
/// This test fails when a document's snippets and the compiled copies differ; to update the
/// copies after editing a document, run `DSTOOLBOX_UPDATE_SNIPPETS=1 swift test --filter SnippetTests`
/// and build again.
@Suite("Documentation snippets")
struct SnippetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let generated = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Generated")

    /// The documents whose snippets are compiled, relative to the package root.
    static func documents() throws -> [String] {
        var found = ["README.md"]
        let manager = FileManager.default
        for folder in ["Documentation", "Sources"] {
            guard let walker = manager.enumerator(atPath: root.appendingPathComponent(folder).path) else { continue }
            for case let path as String in walker where path.hasSuffix(".md") && (folder == "Documentation" || path.contains(".docc/")) {
                found.append("\(folder)/\(path)")
            }
        }
        return found.sorted()
    }

    /// The ```swift blocks of a Markdown text, in order.
    static func snippets(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil, trimmed == "```swift" {
                current = []
            } else if current != nil, trimmed == "```" {
                blocks.append((current ?? []).joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current?.append(line)
            }
        }
        return blocks
    }

    static let declarationKeywords = ["struct ", "enum ", "final class ", "class ", "extension ", "protocol ", "actor ", "func "]

    /// A snippet as a compilable file: its imports at the top, its type and function declarations
    /// at file scope (private, so snippets may reuse names), its statements in an async throwing function.
    static func source(_ snippet: String, name: String, origin: String) -> String {
        var imports: [String] = [], declarations: [String] = [], statements: [String] = []
        var inDeclaration = false
        for line in snippet.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("import ") || line.hasPrefix("@testable import ") || line.hasPrefix("public import ") {
                imports.append(line)
                continue
            }
            // An attributed declaration (`@Test func`) keeps its access, so Swift Testing runs it.
            let attributed = line.hasPrefix("@") && declarationKeywords.contains { line.contains(" " + $0) }
            if !inDeclaration, attributed || declarationKeywords.contains(where: { line.hasPrefix($0) }) {
                inDeclaration = !(line.hasSuffix("}") && line.contains("{"))
                declarations.append(attributed ? line : "private " + line)
                continue
            }
            if inDeclaration {
                declarations.append(line)
                if line.hasPrefix("}") { inDeclaration = false }
                continue
            }
            statements.append(line)
        }
        if imports.isEmpty { imports = ["import DSToolbox"] }
        var out = "// Generated from \(origin) by SnippetTests; do not edit (see SnippetTests.swift).\n"
        out += (imports + ["import Foundation"]).joined(separator: "\n") + "\n\n"
        if !declarations.isEmpty { out += declarations.joined(separator: "\n") + "\n\n" }
        let body = statements.drop { $0.trimmingCharacters(in: .whitespaces).isEmpty }
        out += "func \(name)() async throws {\n" + body.map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n") + "\n}\n"
        return out
    }

    /// Every generated file: name and contents.
    static func expected() throws -> [String: String] {
        var files: [String: String] = [:]
        for document in try documents() {
            let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
            for (index, snippet) in snippets(text).enumerated() where !snippet.contains("import PackageDescription") {
                let stem = document.replacingOccurrences(of: ".md", with: "").map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
                let name = "snippet_\(stem)_\(index + 1)"
                files[name + ".swift"] = source(snippet, name: name, origin: "\(document), snippet \(index + 1)")
            }
        }
        return files
    }

    /// A manifest snippet (README's "Add DS Toolbox to your package") is not compiled here: every
    /// product it names must be one of the package's.
    @Test func manifestSnippetsNameRealProducts() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let snippet = try #require(Self.snippets(readme).first { $0.contains("import PackageDescription") })
        let named = snippet.matches(of: /\.product\(name: "([A-Za-z]+)", package: "dstoolbox"\)/).map { String($0.1) }
        #expect(named.count >= 3)
        for product in named { #expect(manifest.contains(".library(name: \"\(product)\""), "\(product) is a product") }
    }

    @Test func theCompiledCopiesAreTheDocumentsSnippets() throws {
        let expected = try Self.expected()
        #expect(expected.count >= 20, "snippets found: \(expected.count)")
        let manager = FileManager.default
        let present = Set(try manager.contentsOfDirectory(atPath: Self.generated.path).filter { $0.hasSuffix(".swift") })
        if ProcessInfo.processInfo.environment["DSTOOLBOX_UPDATE_SNIPPETS"] == "1" {
            for stale in present where expected[stale] == nil { try manager.removeItem(at: Self.generated.appendingPathComponent(stale)) }
            for (name, text) in expected { try text.write(to: Self.generated.appendingPathComponent(name), atomically: true, encoding: .utf8) }
            return
        }
        #expect(present == Set(expected.keys), "snippet files differ from the documents': run DSTOOLBOX_UPDATE_SNIPPETS=1 swift test --filter SnippetTests")
        for (name, text) in expected where present.contains(name) {
            let copy = try String(contentsOf: Self.generated.appendingPathComponent(name), encoding: .utf8)
            #expect(copy == text, "\(name) is out of date: run DSTOOLBOX_UPDATE_SNIPPETS=1 swift test --filter SnippetTests")
        }
    }
}
