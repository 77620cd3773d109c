import Foundation
import StrataModel
import Testing

/// Every error ID is documented, and every ID the docs or the sources name exists: docs/errors.md
/// has a section per `ErrorID` case, and no `err-strata-…` string anywhere names an unknown ID.
@Suite struct ErrorIDDocsTests {
    /// The repository root, found from this file's path (Tests/StrataModelTests/<file>).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Every `err-strata-<reason>` in `text` (a reason is lowercase letters, digits and inner dashes).
    static func mentionedIDs(in text: String) -> Set<String> {
        var ids: Set<String> = []
        var rest = Substring(text)
        while let range = rest.range(of: "err-strata-") {
            let tail = rest[range.upperBound...]
            var reason = String(tail.prefix { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" })
            while reason.hasSuffix("-") { reason.removeLast() }
            if !reason.isEmpty { ids.insert("err-strata-" + reason) }
            rest = tail
        }
        return ids
    }

    static let known = Set(ErrorID.allCases.map(\.id))

    @Test func everyErrorIDHasASectionInErrorsMD() throws {
        let doc = try Self.read("docs/errors.md")
        let headings = Set(doc.split(separator: "\n").filter { $0.hasPrefix("### ") }.map { String($0.dropFirst(4)) })
        for id in ErrorID.allCases {
            #expect(headings.contains(id.id), "docs/errors.md has no section \"### \(id.id)\"")
            #expect(doc.contains("| `\(id.id)` |"), "the summary table of docs/errors.md has no row for \(id.id)")
        }
    }

    @Test func everyDocumentedIDExists() throws {
        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }
        #expect(docs.contains("errors.md"))
        for file in docs {
            let unknown = Self.mentionedIDs(in: try Self.read("docs/" + file)).subtracting(Self.known)
            #expect(unknown.isEmpty, "docs/\(file) names IDs that ErrorID lacks: \(unknown.sorted())")
        }
    }

    @Test func sourcesNameOnlyKnownIDs() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let enumerator = FileManager.default.enumerator(atPath: sources.path)
        var files = 0
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix(".swift") else { continue }
            files += 1
            let text = try String(contentsOf: sources.appendingPathComponent(path), encoding: .utf8)
            let unknown = Self.mentionedIDs(in: text).subtracting(Self.known)
            #expect(unknown.isEmpty, "Sources/\(path) names IDs that ErrorID lacks: \(unknown.sorted())")
        }
        #expect(files > 100)
    }

    @Test func mentionedIDsFindsReasonsAndIgnoresPlaceholders() {
        #expect(Self.mentionedIDs(in: "a (err-strata-max-series-per-query). b `err-strata-<reason>` err-strata-… err-strata-x-")
            == ["err-strata-max-series-per-query", "err-strata-x"])
    }
}
