import Foundation
import StrataBlocks
import StrataModel
import StrataTestSupport
import Testing

@Suite("promtool compatibility")
struct PromtoolCompatibilityTests {
    @Test("a Strata block passes promtool analyze and dumps every sample exactly")
    func strataBlockReadByPromtool() throws {
        try Promtool.require()
        let parent = try makeTempDir("promtool")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let data = TestData.series(count: 300, samplesPerSeries: 600)
        // Small segments force several chunk files.
        let meta = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries(data),
                                         thanos: BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: "team-a"], source: "strata"),
                                         maxSegmentSize: 64 * 1024)
        #expect(meta.stats.numSeries == 300)
        #expect(meta.stats.numSamples == 300 * 600)
        #expect(FileManager.default.fileExists(atPath: parent + "/" + meta.ulid + "/chunks/000002"))

        let analyze = try Promtool.run(["tsdb", "analyze", parent, meta.ulid])
        print("promtool tsdb analyze (first lines):\n" + analyze.split(separator: "\n").prefix(8).joined(separator: "\n"))
        #expect(analyze.contains("Block ID: \(meta.ulid)"))
        #expect(analyze.contains("Series: 300"))

        let minT = TestData.start + 100 * TestData.step
        let maxT = TestData.start + 450 * TestData.step
        let dumpText = try Promtool.run(["tsdb", "dump", "--min-time=\(minT)", "--max-time=\(maxT)", parent])
        let dump = try Promtool.parseDump(dumpText)
        print("promtool tsdb dump: \(dumpText.split(separator: "\n").count) lines, e.g. \(dumpText.split(separator: "\n").first ?? "")")
        #expect(dump.count == data.count)
        for s in data {
            let want = s.samples.filter { $0.timestamp >= minT && $0.timestamp <= maxT }
            expectSameSamples(dump[s.labels] ?? [], want, "promtool dump of \(s.labels)")
        }
        // No stray files left behind by the atomic rename.
        let entries = try FileManager.default.contentsOfDirectory(atPath: parent).filter { !$0.hasPrefix(".") }
        #expect(entries.filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test("chunks in which Strata's encoder reopened a narrower XOR window dump exactly in promtool")
    func reopenedWindowsReadByPromtool() throws {
        try Promtool.require()
        let parent = try makeTempDir("promtool-window")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        // Each 10-sample stretch: small 2-bit steps, then one step flipping 52 bits, so every
        // stretch opens a wide window and then a narrow one, which Prometheus's encoder never does.
        var bits: UInt64 = 0x4000_0000_0000_0000
        var samples: [Sample] = []
        for i in 0..<600 {
            bits ^= i % 10 == 5 ? 0x000F_FFFF_FFFF_FFFF : 0x3 << 48
            samples.append(Sample(timestamp: TestData.start + Int64(i) * TestData.step, value: Double(bitPattern: bits)))
        }
        let series = TestSeries(labels: Labels(["__name__": "window_test", "job": "strata"]), samples: samples)
        let meta = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries([series]))
        #expect(try Promtool.run(["tsdb", "analyze", parent, meta.ulid]).contains("Series: 1"))
        let dump = try Promtool.parseDump(try Promtool.run(["tsdb", "dump", "--min-time=\(meta.minTime)",
                                                              "--max-time=\(meta.maxTime - 1)", parent]))
        expectSameSamples(dump[series.labels] ?? [], samples, "promtool dump of \(series.labels)")
        #expect(meta.stats.numSamples == 600)
    }

    @Test("blocks promtool builds from OpenMetrics read back exactly through Block.select")
    func promtoolBlocksReadByStrata() async throws {
        try Promtool.require()
        let dir = try makeTempDir("openmetrics")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 1000 samples at 15 s span a 2 h boundary, so promtool writes several blocks.
        let data = TestData.series(count: 60, samplesPerSeries: 1000, seed: 7)
        let input = dir + "/input.om"
        try TestData.openMetrics(data).write(toFile: input, atomically: true, encoding: .utf8)
        let out = dir + "/blocks"
        try Promtool.run(["tsdb", "create-blocks-from", "openmetrics", input, out])

        let ulids = try FileManager.default.contentsOfDirectory(atPath: out).filter { ULID($0) != nil }.sorted()
        #expect(ulids.count >= 2)
        var got: [Labels: [Sample]] = [:]
        let matcher = try LabelMatcher(.regexMatch, metricNameLabel, ".+")
        for id in ulids {
            let block = try Block(directory: out + "/" + id)
            #expect(block.meta.ulid == id)
            let request = SelectRequest(tenant: .anonymous, minTime: .min, maxTime: .max, matchers: [matcher])
            for series in try await block.select(request) {
                got[series.labels, default: []] += TestData.samples(series.chunks)
            }
        }
        #expect(got.count == data.count)
        for s in data {
            expectSameSamples((got[s.labels] ?? []).sorted { $0.timestamp < $1.timestamp }, s.samples, "Strata read of \(s.labels)")
        }
    }
}

@Suite("byte compatibility")
struct ByteCompatibilityTests {
    /// promtool builds a block; Strata reads its series and chunks and writes them again under
    /// the same ULID: every file must come out byte-identical. Chunks are taken from promtool's
    /// block so the test is about the block format, not the head's chunk cutting or encoder.
    @Test("rewriting a promtool block with BlockWriter reproduces every file byte for byte",
          arguments: [(40, 100), (200, 480)])
    func identicalToPromtool(seriesCount: Int, samplesPerSeries: Int) throws {
        try Promtool.require()
        let dir = try makeTempDir("identical")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Inside one 2 h window, so promtool writes a single block.
        let data = TestData.series(count: seriesCount, samplesPerSeries: samplesPerSeries, seed: 3)
        let input = dir + "/input.om"
        try TestData.openMetrics(data).write(toFile: input, atomically: true, encoding: .utf8)
        let theirs = dir + "/promtool"
        try Promtool.run(["tsdb", "create-blocks-from", "openmetrics", input, theirs])
        let ids = try FileManager.default.contentsOfDirectory(atPath: theirs).filter { ULID($0) != nil }
        #expect(ids.count == 1)
        let id = try #require(ids.first)

        let source = try Block(directory: theirs + "/" + id)
        var series: [BlockSeries] = []
        for ref in try source.index.allPostings() {
            let entry = try source.index.series(ref)
            series.append(BlockSeries(labels: entry.labels, chunks: try entry.chunks.map { try source.chunks.chunk($0) }))
        }
        for (s, want) in zip(series, data) {
            #expect(s.labels == want.labels)
            expectSameSamples(TestData.samples(s.chunks), want.samples, "\(s.labels)")
        }
        let ours = dir + "/strata"
        try FileManager.default.createDirectory(atPath: ours, withIntermediateDirectories: true)
        try BlockWriter.write(parentDirectory: ours, series: series, ulid: ULID(id))
        for file in ["index", "chunks/000001", "tombstones", "meta.json"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(theirs)/\(id)/\(file)"))
            let b = try Data(contentsOf: URL(fileURLWithPath: "\(ours)/\(id)/\(file)"))
            let firstDiff = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            #expect(a == b, "\(file) differs from byte \(firstDiff): promtool \(a.count) bytes, Strata \(b.count) bytes")
        }
    }
}
