import Foundation
import Testing

/// The README and `docs/` must stand alone for a user who has only this repository: every
/// relative Markdown link resolves to a file inside it.
@Suite("Documentation links stay inside the repository")
struct DocsLinksTests {
    /// The repository root, found from this file's path (`Tests/StrataServerTests/…`).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .standardizedFileURL

    /// The Markdown files a user reads: README.md, loadtest/README.md and everything under docs/.
    static func markdownFiles() throws -> [URL] {
        var files = [root.appendingPathComponent("README.md"), root.appendingPathComponent("loadtest/README.md")]
        let docs = root.appendingPathComponent("docs")
        guard let walker = FileManager.default.enumerator(at: docs, includingPropertiesForKeys: nil) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: docs.path])
        }
        for case let url as URL in walker where url.pathExtension == "md" { files.append(url) }
        return files
    }

    /// The targets of `[text](target)` links, without `#fragment`, skipping URLs with a scheme.
    static func relativeLinks(in text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "](") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: ")") else { break }
            let target = String(after[..<close])
            rest = after[close...]
            if target.contains("://") || target.hasPrefix("mailto:") || target.hasPrefix("#") || target.isEmpty { continue }
            out.append(String(target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]))
        }
        return out
    }

    @Test("every relative link in README.md and docs/ points to a file inside the repository")
    func linksResolveInside() throws {
        let files = try Self.markdownFiles()
        #expect(files.count > 10, "expected the docs folder to hold the documentation")
        let rootPath = Self.root.path + "/"
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for link in Self.relativeLinks(in: text) {
                let target = URL(fileURLWithPath: link, relativeTo: file.deletingLastPathComponent()).standardizedFileURL
                #expect(target.path.hasPrefix(rootPath), "\(file.lastPathComponent) links outside the repository: \(link)")
                #expect(FileManager.default.fileExists(atPath: target.path), "\(file.lastPathComponent) links to a missing file: \(link)")
            }
        }
    }

    @Test("the link reader finds relative links and skips URLs and anchors")
    func linkReader() {
        let links = Self.relativeLinks(in: "see [a](docs/a.md#x), [b](https://x.y/z), [c](#top) and [d](../shared/D.md)")
        #expect(links == ["docs/a.md", "../shared/D.md"])
    }
}
