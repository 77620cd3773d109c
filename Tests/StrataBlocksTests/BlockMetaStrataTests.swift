import Foundation
import StrataBlocks
import StrataModel
import StrataTestSupport
import Testing

/// The `strata` section of `meta.json`: per-metric series counts the bucket index folds into its
/// cardinality history.
@Suite("meta.json strata section")
struct BlockMetaStrataTests {
    static let thanos = BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: "team-a"], source: "receive")

    @Test("encoded after the Thanos section, sorted by name, and read back")
    func roundTrip() throws {
        let meta = BlockMeta(ulid: "01M8APXZ4MB6ZXQSB6QYETMRGW", minTime: 1, maxTime: 10,
                             stats: .init(numSamples: 5, numSeries: 3, numChunks: 3),
                             compaction: .init(level: 1, sources: ["01M8APXZ4MB6ZXQSB6QYETMRGW"]), thanos: Self.thanos,
                             strata: BlockMeta.Strata(seriesPerMetric: ["up": 2, "a<b": 1]))
        let text = String(decoding: meta.encoded(), as: UTF8.self)
        #expect(text.hasSuffix("\t},\n\t\"strata\": {\n\t\t\"metricNames\": 2,\n\t\t\"seriesByMetricName\": {\n\t\t\t\"a\\u003cb\": 1,\n\t\t\t\"up\": 2\n\t\t}\n\t}\n}"))
        #expect(try BlockMeta.decode(meta.encoded(), path: "m") == meta)
        var empty = meta
        empty.strata = BlockMeta.Strata(seriesPerMetric: [:])
        #expect(String(decoding: empty.encoded(), as: UTF8.self).contains("\"seriesByMetricName\": {}\n"))
        #expect(try BlockMeta.decode(empty.encoded(), path: "m") == empty)
    }

    @Test("a damaged section reads as empty instead of making the block unreadable")
    func lenientDecoding() throws {
        let base = #"{"ulid":"01M8APXZ4MB6ZXQSB6QYETMRGW","minTime":0,"maxTime":2,"stats":{"numSamples":1,"numSeries":1,"numChunks":1},"compaction":{"level":1,"sources":[]},"version":1"#
        for section in [#""strata":"x""#, #""strata":{"metricNames":"many","seriesByMetricName":[1]}"#, #""strata":{}"#] {
            let meta = try BlockMeta.decode(Array((base + "," + section + "}").utf8), path: "m")
            #expect(meta.strata == BlockMeta.Strata(metricNames: 0, seriesByMetricName: [:]), "\(section)")
        }
        #expect(try BlockMeta.decode(Array((base + "}").utf8), path: "m").strata == nil)
    }

    @Test("a block with many metric names lists the largest")
    func bounded() {
        var counts: [String: UInt64] = [:]
        for i in 0..<1000 { counts["metric_\(i)"] = UInt64(i % 250) }
        let strata = BlockMeta.Strata(seriesPerMetric: counts)
        #expect(strata.metricNames == 1000)
        #expect(strata.seriesByMetricName.count == BlockMeta.Strata.maxMetricNames)
        #expect(strata.seriesByMetricName.values.min() == 200)
    }

    @Test("BlockWriter counts series per metric for object-storage blocks only; promtool reads such a block")
    func writerAndPromtool() throws {
        try Promtool.require()
        let parent = try makeTempDir("strata-section")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let data = TestData.series(count: 30, samplesPerSeries: 20)
        let meta = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries(data), thanos: Self.thanos)
        #expect(meta.strata == BlockMeta.Strata(metricNames: 3, seriesByMetricName: [
            "http_requests_total": 10, "node_memory_usage_bytes": 10, "cpu_ratio": 10,
        ]))
        #expect(try Block(directory: parent + "/" + meta.ulid).meta == meta)
        let analyze = try Promtool.run(["tsdb", "analyze", parent, meta.ulid])
        #expect(analyze.contains("Block ID: \(meta.ulid)") && analyze.contains("Series: 30"))
        #expect(try Promtool.run(["tsdb", "list", parent]).contains(meta.ulid))
        let dump = try Promtool.run(["tsdb", "dump", "--min-time=\(meta.minTime)", "--max-time=\(meta.maxTime - 1)", parent])
        #expect(try Promtool.parseDump(dump).count == 30)

        let plain = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries(data))
        #expect(plain.strata == nil)
        #expect(!String(decoding: try Data(contentsOf: URL(fileURLWithPath: parent + "/" + plain.ulid + "/meta.json")), as: UTF8.self).contains("strata"))
    }
}
