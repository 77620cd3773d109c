import Foundation
import StrataBlocks
import StrataModel
import Testing

@Suite("matcher semantics")
struct MatcherTests {
    static let series: [Labels] = [
        Labels(["__name__": "up", "job": "api", "env": "prod"]),
        Labels(["__name__": "up", "job": "api", "env": "dev"]),
        Labels(["__name__": "up", "job": "web"]),
        Labels(["__name__": "up", "job": "api-canary", "zone": "日本"]),
        Labels(["__name__": "errors_total", "job": "web", "env": "prod"]),
        Labels(["__name__": "errors_total", "zone": "café"]),
        Labels(["__name__": "temp"]),
    ].sorted()

    /// Prometheus semantics by brute force: a missing label is the empty string.
    static func expected(_ matchers: [LabelMatcher]) -> [Labels] {
        if matchers.isEmpty { return [] }
        return series.filter { s in matchers.allSatisfy { $0.matches(s[$0.name] ?? "") } }
    }

    @Test("index evaluation equals brute force for every matcher kind, including empty values")
    func semantics() async throws {
        let parent = try makeTempDir("matchers")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let data = Self.series.enumerated().map { i, l in
            BlockSeries(labels: l, chunks: TestData.chunks([Sample(timestamp: Int64(i), value: 1)]))
        }
        let meta = try BlockWriter.write(parentDirectory: parent, series: data)
        let block = try Block(directory: parent + "/" + meta.ulid)

        let single: [(MatchType, String, String)] = [
            (.equal, "job", "api"), (.equal, "job", ""), (.equal, "nope", ""), (.equal, "nope", "x"),
            (.notEqual, "job", "api"), (.notEqual, "job", ""), (.notEqual, "nope", "x"), (.notEqual, "nope", ""),
            (.regexMatch, "job", "api.*"), (.regexMatch, "job", "api|web"), (.regexMatch, "job", ".*"),
            (.regexMatch, "job", ".+"), (.regexMatch, "job", "|api"), (.regexMatch, "job", "ap"),
            (.regexMatch, "env", "(prod|)"), (.regexMatch, "zone", "日.*"), (.regexMatch, "nope", ".*"),
            (.regexMatch, "nope", ".+"), (.regexNoMatch, "job", "api.*"), (.regexNoMatch, "env", ".+"),
            (.regexNoMatch, "env", ""), (.regexNoMatch, "nope", "x"), (.regexNoMatch, "job", "(?i)WEB"),
            (.equal, "__name__", "up"), (.regexMatch, "__name__", "up|temp"), (.notEqual, "zone", "café"),
        ]
        var sets: [[LabelMatcher]] = []
        for s in single { sets.append([try LabelMatcher(s.0, s.1, s.2)]) }
        for a in single.prefix(12) {
            for b in single.suffix(14) { sets.append([try LabelMatcher(a.0, a.1, a.2), try LabelMatcher(b.0, b.1, b.2)]) }
        }
        sets.append([])
        for ms in sets {
            let got = try block.select(matchers: ms, minTime: .min, maxTime: .max).map(\.labels)
            #expect(got == Self.expected(ms), "matchers \(ms)")
        }
    }

    @Test("postings set operations")
    func postingsOps() {
        #expect(Postings.intersect([1, 3, 5, 7], [3, 4, 5, 8]) == [3, 5])
        let big = Array(SeriesRef(0)..<SeriesRef(10_000))
        #expect(Postings.intersect([5, 77, 9_999, 20_000], big) == [5, 77, 9_999])
        #expect(Postings.intersect(big, []) == [])
        #expect(Postings.subtract([1, 2, 3, 4], [2, 4, 6]) == [1, 3])
        #expect(Postings.union([[1, 4], [2, 4, 9], [], [0]]) == [0, 1, 2, 4, 9])
    }
}
