import Testing
import StrataModel
@testable import StrataTSDB

@Suite("Head queries")
struct HeadQueryTests {
    /// Five series of two metrics; `env` is missing on two of them.
    static let fixture: [Labels] = [
        L(("__name__", "http_requests"), ("env", "prod"), ("job", "api"), ("status", "200")),
        L(("__name__", "http_requests"), ("env", "dev"), ("job", "api"), ("status", "500")),
        L(("__name__", "http_requests"), ("job", "web"), ("status", "200")),
        L(("__name__", "cpu"), ("env", "prod"), ("job", "node")),
        L(("__name__", "cpu"), ("job", "nodeexp")),
    ]

    func makeHead(_ dir: HeadTempDir) throws -> Head {
        let head = try Head(directory: dir.path, logger: headTestLogger)
        var b = SeriesBatch()
        for (i, labels) in Self.fixture.enumerated() {
            // Series i has samples at 1000·i … 1000·i + 500.
            b.append(labels: labels, samples: [Sample(timestamp: Int64(i) * 1000, value: 1),
                                               Sample(timestamp: Int64(i) * 1000 + 500, value: 2)])
        }
        let out = try head.append(b, limits: .unlimited)
        #expect(out.appended == 10)
        return head
    }

    func names(_ head: Head, _ matchers: [LabelMatcher], minTime: Int64 = .min, maxTime: Int64 = .max) -> [String] {
        head.select(minTime: minTime, maxTime: maxTime, matchers: matchers).map(\.labels.description)
    }

    @Test("every matcher kind selects what Prometheus selects")
    func matcherKinds() throws {
        let dir = HeadTempDir()
        let head = try makeHead(dir)
        let f = Self.fixture.map(\.description)
        #expect(names(head, [try m(.equal, "job", "api")]) == [f[1], f[0]])
        #expect(names(head, [try m(.equal, "__name__", "cpu"), try m(.notEqual, "job", "node")]) == [f[4]])
        #expect(names(head, [try m(.regexMatch, "job", "api|web")]) == [f[1], f[0], f[2]])
        #expect(names(head, [try m(.regexMatch, "job", "node.*")]) == [f[3], f[4]])
        #expect(names(head, [try m(.regexMatch, "job", "n[aeiou]de(exp)?")]) == [f[3], f[4]])
        #expect(names(head, [try m(.regexNoMatch, "job", "api|node")]) == [f[4], f[2]])
        #expect(names(head, [try m(.equal, "__name__", "http_requests"), try m(.regexMatch, "status", "5..")]) == [f[1]])
        // Empty-matching matchers select series lacking the label.
        #expect(names(head, [try m(.equal, "env", "")]) == [f[4], f[2]])
        #expect(names(head, [try m(.equal, "__name__", "cpu"), try m(.notEqual, "env", "prod")]) == [f[4]])
        #expect(names(head, [try m(.regexMatch, "env", "|dev")]) == [f[4], f[1], f[2]])
        #expect(names(head, [try m(.regexMatch, "env", ".*"), try m(.equal, "job", "web")]) == [f[2]])
        #expect(names(head, [try m(.regexMatch, "env", ".+")]) == [f[3], f[1], f[0]])
        #expect(names(head, [try m(.regexNoMatch, "env", ".+")]) == [f[4], f[2]])
        #expect(names(head, [try m(.equal, "nosuchlabel", "")]).count == 5)
        #expect(names(head, [try m(.equal, "nosuchlabel", "x")]).isEmpty)
        #expect(names(head, [try m(.equal, "job", "api"), try m(.equal, "job", "web")]).isEmpty)
        // No matcher selects nothing (Prometheus requires one).
        #expect(names(head, []).isEmpty)
    }

    @Test("time range filters series and chunks")
    func timeRange() throws {
        let dir = HeadTempDir()
        let head = try makeHead(dir)
        let all = try m(.regexMatch, "__name__", ".+")
        #expect(names(head, [all], minTime: 1200, maxTime: 1900).count == 1)
        #expect(names(head, [all], minTime: 1500, maxTime: 2000).count == 2)
        #expect(names(head, [all], minTime: 10_000, maxTime: 20_000).isEmpty)
        #expect(names(head, [all], minTime: 2000, maxTime: 1000).isEmpty)
    }

    @Test("label names and values honour matchers and range")
    func labelNamesValues() throws {
        let dir = HeadTempDir()
        let head = try makeHead(dir)
        #expect(head.labelNames(minTime: .min, maxTime: .max, matchers: []) == ["__name__", "env", "job", "status"])
        #expect(head.labelNames(minTime: .min, maxTime: .max, matchers: [try m(.equal, "__name__", "cpu")]) == ["__name__", "env", "job"])
        #expect(head.labelNames(minTime: 4000, maxTime: 5000, matchers: []) == ["__name__", "job"])
        #expect(head.labelValues(name: "job", minTime: .min, maxTime: .max, matchers: []) == ["api", "node", "nodeexp", "web"])
        #expect(head.labelValues(name: "job", minTime: .min, maxTime: .max, matchers: [try m(.equal, "env", "prod")]) == ["api", "node"])
        #expect(head.labelValues(name: "env", minTime: 0, maxTime: 1600, matchers: []) == ["dev", "prod"])
        #expect(head.labelValues(name: "env", minTime: 1600, maxTime: 2600, matchers: []) == [])
        #expect(head.labelValues(name: "nosuch", minTime: .min, maxTime: .max, matchers: []) == [])
        #expect(head.labelNames(minTime: 100_000, maxTime: 200_000, matchers: []) == [])
    }

    @Test("postings set operations")
    func postingsOps() {
        #expect(Postings.intersect([1, 3, 5, 7], [2, 3, 4, 7, 9]) == [3, 7])
        #expect(Postings.subtract([1, 3, 5, 7], [3, 4, 7]) == [1, 5])
        #expect(Postings.unionDisjoint([[5, 9], [1, 7], [2]]) == [1, 2, 5, 7, 9])
        var p = Postings()
        p.add(ref: 3, labels: L(("a", "x")))
        p.add(ref: 1, labels: L(("a", "x")))
        p.add(ref: 2, labels: L(("a", "y")))
        #expect(p.all == [1, 2, 3])
        #expect(p.index["a"]?["x"] == [1, 3])
    }
}
