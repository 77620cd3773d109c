import Foundation
import StrataBlocks
import StrataModel
import Testing
@testable import StrataTSDB

/// The head's cardinality statistics: from the inverted index without a selector, from the
/// selected series with one, and the same numbers both ways.
@Suite("Head statistics")
struct HeadStatsTests {
    static let far = ContinuousClock.now + .seconds(3600)

    func makeHead(_ dir: HeadTempDir) throws -> Head {
        let head = try Head(directory: dir.path, logger: headTestLogger)
        var series: [(Labels, [Sample])] = []
        for (i, labels) in HeadQueryTests.fixture.enumerated() {
            series.append((labels, [Sample(timestamp: 1000 + Int64(i), value: 1), Sample(timestamp: 2000 + Int64(i), value: 2)]))
        }
        _ = try head.append(batch(series), limits: .unlimited)
        return head
    }

    @Test("label names and values: index and series walk agree; a selector narrows")
    func namesAndValues() throws {
        let dir = HeadTempDir()
        let head = try makeHead(dir)
        let all = HeadQueryTests.fixture
        // No selector: from the index. A selector matching everything: from the series.
        let everything = [try m(.regexMatch, "__name__", ".+")]
        let fromIndex = try head.labelNamesCardinality(matchers: [], limit: 10, deadline: Self.far)
        let fromSeries = try head.labelNamesCardinality(matchers: everything, limit: 10, deadline: Self.far)
        #expect(fromIndex == fromSeries)
        #expect(fromIndex == (try CardinalityStatistics.labelNames(series: all, limit: 10, deadline: Self.far)))
        // job: api, web, node, nodeexp; status: 200, 500; env: prod, dev; __name__: http_requests, cpu.
        #expect(fromIndex.labelNamesCount == 4 && fromIndex.labelValuesCountTotal == 10)
        #expect(fromIndex.cardinality.first == NamedCount(name: "job", value: 4))

        let names = ["job", "env", "absent"]
        let valuesIndex = try head.labelValuesCardinality(names: names, matchers: [], limit: 2, deadline: Self.far)
        let valuesSeries = try head.labelValuesCardinality(names: names, matchers: everything, limit: 2, deadline: Self.far)
        #expect(valuesIndex == valuesSeries)
        #expect(valuesIndex.seriesCountTotal == 5)
        #expect(valuesIndex.labels.map(\.labelName) == ["job", "env", "absent"])
        #expect(valuesIndex.labels[0].cardinality == [NamedCount(name: "api", value: 2), NamedCount(name: "node", value: 1)])
        #expect(valuesIndex.labels[1].seriesCount == 3 && valuesIndex.labels[1].labelValuesCount == 2)

        let cpu = try head.labelValuesCardinality(names: ["job"], matchers: [try m(.equal, "__name__", "cpu")], limit: 5, deadline: Self.far)
        #expect(cpu.seriesCountTotal == 2)
        #expect(cpu.labels[0].cardinality.map(\.name) == ["node", "nodeexp"])
    }

    @Test("active series are sorted, limited and flagged when cut short")
    func activeSeries() throws {
        let dir = HeadTempDir()
        let head = try makeHead(dir)
        let http = [try m(.equal, "__name__", "http_requests")]
        let got = try head.activeSeries(matchers: http, limit: 10, deadline: Self.far)
        #expect(got.series == HeadQueryTests.fixture.prefix(3).sorted() && !got.truncated)
        let cut = try head.activeSeries(matchers: http, limit: 2, deadline: Self.far)
        #expect(cut.series == Array(HeadQueryTests.fixture.prefix(3).sorted().prefix(2)) && cut.truncated)
        #expect(try head.activeSeries(matchers: [try m(.equal, "job", "none")], limit: 10, deadline: Self.far).series.isEmpty)
    }

    @Test("status/tsdb: head figures and Prometheus's lists")
    func tsdbStatus() throws {
        let dir = HeadTempDir()
        let head = try makeHead(dir)
        let status = head.tsdbStatus(limit: 3)
        #expect(status.numSeries == 5)
        #expect(status.numLabelPairs == 10)
        #expect(status.chunkCount == 5)
        #expect(status.minTime == 1000 && status.maxTime == 2004)
        #expect(status.seriesCountByMetricName == [NamedCount(name: "http_requests", value: 3), NamedCount(name: "cpu", value: 2)])
        #expect(status.labelValueCountByLabelName.first == NamedCount(name: "job", value: 4))
        #expect(status.seriesCountByLabelValuePair.first == NamedCount(name: "__name__=http_requests", value: 3))
        // __name__: 13 bytes × 3 + 3 × 2.
        #expect(status.memoryInBytesByLabelName.first == NamedCount(name: "__name__", value: 45))
        #expect(head.seriesCountByMetricName() == ["http_requests": 3, "cpu": 2])

        let emptyDir = HeadTempDir()
        let empty = try Head(directory: emptyDir.path, logger: headTestLogger)
        #expect(empty.tsdbStatus(limit: 3) == TSDBStatus())
    }

    @Test("a selector over many series stops at the deadline")
    func deadline() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let series = (0..<20_000).map { (L(("__name__", "bomb"), ("id", "\($0)")), [Sample(timestamp: 1, value: 1)]) }
        _ = try head.append(batch(series), limits: .unlimited)
        let past = ContinuousClock.now - .seconds(1)
        let sel = [try m(.equal, "__name__", "bomb")]
        #expect(throws: CardinalityError.timeout) { try head.labelNamesCardinality(matchers: sel, limit: 5, deadline: past) }
        #expect(throws: CardinalityError.timeout) { try head.activeSeries(matchers: sel, limit: 5, deadline: past) }
        // Without a selector the index answers at once.
        #expect(try head.labelNamesCardinality(matchers: [], limit: 5, deadline: past).cardinality.first == NamedCount(name: "id", value: 20_000))
    }

    @Test("a cut block carries its per-metric series counts, and the head's counts drop with the truncation")
    func cutBlockStatistics() throws {
        let dir = HeadTempDir()
        let head = try makeHead(dir)
        let blocks = dir.path + "/blocks"
        try FileManager.default.createDirectory(atPath: blocks, withIntermediateDirectories: true)
        let metas = try head.cutBlocks(into: blocks, thanos: BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: "t"], source: "receive"), force: true)
        #expect(metas.count == 1)
        let meta = try #require(metas.first)
        #expect(meta.strata == BlockMeta.Strata(metricNames: 2, seriesByMetricName: ["http_requests": 3, "cpu": 2]))
        #expect(try Block(directory: blocks + "/" + meta.ulid).meta == meta)
        #expect(head.seriesCountByMetricName().isEmpty)
        #expect(head.tsdbStatus(limit: 3).numSeries == 0)
    }
}
