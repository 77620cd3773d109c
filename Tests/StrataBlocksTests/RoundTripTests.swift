import Foundation
@testable import StrataBlocks
import StrataModel
import Testing

@Suite("round trips")
struct RoundTripTests {
    /// Writes `data` to a fresh directory and returns (parent, meta).
    static func writeBlock(_ data: [TestSeries], tag: String, maxSegmentSize: Int = BlockFormat.defaultMaxSegmentSize) throws -> (String, BlockMeta) {
        let parent = try makeTempDir(tag)
        let meta = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries(data), maxSegmentSize: maxSegmentSize)
        return (parent, meta)
    }

    @Test("ULID text, time and monotonicity")
    func ulid() throws {
        let u = ULID(timestamp: 1_700_000_000_123, random: 0x1234_5678_9abc_def0_1234)
        #expect(u.description.count == 26)
        #expect(ULID(u.description) == u)
        #expect(ULID(u.description.lowercased()) == u)
        #expect(u.timestamp == 1_700_000_000_123)
        #expect(ULID("01M8APXZ4MB6ZXQSB6QYETMRGW")?.description == "01M8APXZ4MB6ZXQSB6QYETMRGW")
        #expect(ULID("81M8APXZ4MB6ZXQSB6QYETMRGW") == nil, "first character above 7 overflows 128 bits")
        #expect(ULID("01M8APXZ4MB6ZXQSB6QYETMRGU") == nil, "U is not Crockford base32")
        #expect(ULID("short") == nil)
        var last = ULID.make(timestamp: 5)
        for _ in 0..<1000 {
            let next = ULID.make(timestamp: 5)
            #expect(next > last)
            last = next
        }
        #expect(ULID(timestamp: 0, random: 0).description == "00000000000000000000000000")
        #expect(ULID(rawValue: .max).description == "7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
    }

    @Test("meta.json round-trips, including the Thanos section and the tenant")
    func meta() throws {
        let meta = BlockMeta(ulid: "01M8APXZ4MB6ZXQSB6QYETMRGW", minTime: 1, maxTime: 10,
                             stats: .init(numSamples: 5, numSeries: 2, numChunks: 3),
                             compaction: .init(level: 1, sources: ["01M8APXZ4MB6ZXQSB6QYETMRGW"]),
                             thanos: .init(labels: [BlockMeta.tenantLabel: "team-a", "z": "<&é>"], source: "strata"))
        let bytes = meta.encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\t\"thanos\": {\n\t\t\"labels\": {\n\t\t\t\"__org_id__\": \"team-a\",\n\t\t\t\"z\": \"\\u003c\\u0026é\\u003e\""))
        let back = try BlockMeta.decode(bytes, path: "meta.json")
        #expect(back == meta)
        #expect(back.tenant == "team-a")
        // A Prometheus meta.json without the Thanos section (and with fields we ignore).
        let prom = #"{"ulid":"01M8APXZ4MB6ZXQSB6QYETMRGW","minTime":0,"maxTime":2,"stats":{"numSamples":1,"numSeries":1,"numChunks":1,"numTombstones":0},"compaction":{"level":2,"sources":["01M8APXZ4MB6ZXQSB6QYETMRGW"],"parents":[]},"version":1}"#
        let parsed = try BlockMeta.decode(Array(prom.utf8), path: "m")
        #expect(parsed.thanos == nil && parsed.compaction.level == 2)
        #expect(throws: BlockError.self) { try BlockMeta.decode(Array(prom.replacingOccurrences(of: "\"version\":1", with: "\"version\":3").utf8), path: "m") }
        #expect(throws: BlockError.self) { try BlockMeta.decode(Array("{".utf8), path: "m") }
        #expect(throws: BlockError.self) { try BlockMeta.decode(Array(prom.replacingOccurrences(of: "01M8", with: "xx").utf8), path: "m") }
    }

    @Test("every index section, the chunks and the tombstones read back as written")
    func sections() throws {
        let data = TestData.series(count: 90, samplesPerSeries: 400, seed: 11)
        let (parent, meta) = try Self.writeBlock(data, tag: "sections", maxSegmentSize: 16 * 1024)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let block = try Block(directory: parent + "/" + meta.ulid)
        #expect(block.meta == meta)
        #expect(meta.minTime == TestData.start)
        #expect(meta.maxTime == TestData.start + 399 * TestData.step + 1)
        #expect(meta.stats.numChunks == UInt64(90 * 4))
        #expect(block.chunks.segmentCount > 1)

        // Symbols: exactly the label strings and "" (as Prometheus), byte-ordered.
        var strings: Set<String> = [""]
        for s in data { for l in s.labels { strings.insert(l.name); strings.insert(l.value) } }
        #expect(block.index.symbols == strings.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // TOC sections are in file order.
        let t = block.index.toc
        #expect(t.symbols == 5 && t.symbols < t.series && t.series < t.labelIndices && t.labelIndices < t.postings && t.postings < t.labelIndicesTable && t.labelIndicesTable < t.postingsTable)

        // Series, in label order, with their chunks.
        let all = try block.index.allPostings()
        #expect(all.count == data.count)
        for (ref, s) in zip(all, data) {
            let entry = try block.index.series(ref)
            #expect(entry.labels == s.labels)
            let chunks = TestData.chunks(s.samples)
            #expect(entry.chunks.map(\.minTime) == chunks.map(\.minTime))
            #expect(entry.chunks.map(\.maxTime) == chunks.map(\.maxTime))
            for (m, c) in zip(entry.chunks, chunks) { #expect(try block.chunks.chunk(m) == c) }
        }

        // Postings and label values / label indices per name.
        let names = Set(data.flatMap { $0.labels.map(\.name) })
        #expect(block.index.labelNames == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for name in names {
            let values = Set(data.compactMap { $0.labels[name] }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            #expect(block.index.labelValues(name) == values)
            #expect(try block.index.labelIndex(name) == values)
            for v in values {
                let want = zip(all, data).filter { $0.1.labels[name] == v }.map(\.0)
                #expect(try block.index.postings(name: name, value: v) == want)
            }
        }
        #expect(try block.index.postings(name: "job", value: "nope").isEmpty)
        #expect(try block.index.labelIndex("nope") == nil)

        // The same index through an in-memory source.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: parent + "/" + meta.ulid + "/index")))
        let mem = try IndexReader(source: MemoryByteSource(name: "index", bytes: bytes))
        #expect(mem.toc == block.index.toc && mem.symbols == block.index.symbols)

        let tomb = try [UInt8](Data(contentsOf: URL(fileURLWithPath: parent + "/" + meta.ulid + "/tombstones")))
        #expect(tomb == [0x01, 0x30, 0xBA, 0x30, 0x01, 0, 0, 0, 0])
        #expect(try Tombstones.validate(tomb, path: "t") == 0)
    }

    @Test("select clips to chunks overlapping the range and answers label queries")
    func select() async throws {
        let data = TestData.series(count: 30, samplesPerSeries: 500, seed: 5)
        let (parent, meta) = try Self.writeBlock(data, tag: "select")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let block = try Block(directory: parent + "/" + meta.ulid)
        let mint = TestData.start + 130 * TestData.step
        let maxt = TestData.start + 200 * TestData.step
        let m = try LabelMatcher(.equal, "job", "api")
        let result = try await block.select(SelectRequest(tenant: .anonymous, minTime: mint, maxTime: maxt, matchers: [m]))
        let want = data.filter { $0.labels["job"] == "api" }
        #expect(result.map(\.labels) == want.map(\.labels))
        for (r, w) in zip(result, want) {
            #expect(r.chunks.count == 1, "only the chunk covering samples 120…239 overlaps")
            expectSameSamples(TestData.samples(r.chunks, minTime: mint, maxTime: maxt),
                              w.samples.filter { $0.timestamp >= mint && $0.timestamp <= maxt }, "\(r.labels)")
        }
        #expect(try await block.select(SelectRequest(tenant: .anonymous, minTime: meta.maxTime, maxTime: meta.maxTime + 10, matchers: [m])).isEmpty)
        #expect(try await block.select(SelectRequest(tenant: .anonymous, minTime: .min, maxTime: .max, matchers: [])).isEmpty)
        let names = try await block.labelNames(tenant: .anonymous, minTime: .min, maxTime: .max, matchers: [])
        #expect(names == ["__name__", "env", "instance", "job", "region"])
        let regions = try await block.labelValues(tenant: .anonymous, name: "region", minTime: .min, maxTime: .max, matchers: [m])
        #expect(regions == Set(want.compactMap { $0.labels["region"] }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let envNames = try await block.labelNames(tenant: .anonymous, minTime: .min, maxTime: .max, matchers: [try LabelMatcher(.equal, "env", "prod")])
        #expect(envNames == ["__name__", "env", "instance", "job", "region"])
        #expect(try await block.labelValues(tenant: .anonymous, name: "job", minTime: meta.maxTime, maxTime: .max, matchers: []).isEmpty)
    }

    /// The index of the example in docs/format/block.md, as promtool 2.42 writes it.
    static let goldenIndex = [
        "baaad70002000000180000000600085f5f6e616d655f5f016103666f6f01780179040fa0820000000000000000000000",
        "0f02010302040180c0b884fa629875084abb16c50000000000000000000000000e02010302050180c0b884fa62002352",
        "21c2ce000000000c000000010000000100000003f41fff4d00000010000000010000000200000004000000054a87d242",
        "0000000c000000020000000300000005bb33cbd40000000c000000020000000300000005bb33cbd40000000800000001",
        "00000003a7692ed200000008000000010000000581c8c93a000000130000000201085f5f6e616d655f5f640101617885",
        "17d2d30000002700000004020000900102085f5f6e616d655f5f03666f6fa4010201610178b8010201610179c801a8a8",
        "54e500000000000000050000000000000025000000000000006300000000000000d80000000000000090000000000000",
        "00f3ca650709",
    ].joined()

    @Test("the documented example index is reproduced byte for byte")
    func golden() throws {
        let parent = try makeTempDir("golden")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let x = TestData.chunks([Sample(timestamp: 1_700_006_400_000, value: 1), Sample(timestamp: 1_700_006_415_000, value: 2)])
        let y = TestData.chunks([Sample(timestamp: 1_700_006_400_000, value: 3)])
        let meta = try BlockWriter.write(parentDirectory: parent, series: [
            BlockSeries(labels: Labels(["__name__": "foo", "a": "x"]), chunks: x),
            BlockSeries(labels: Labels(["__name__": "foo", "a": "y"]), chunks: y),
        ])
        let index = try [UInt8](Data(contentsOf: URL(fileURLWithPath: parent + "/" + meta.ulid + "/index")))
        let hex = index.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(hex == Self.goldenIndex)
        #expect(meta.maxTime == 1_700_006_415_001)
        let block = try Block(directory: parent + "/" + meta.ulid)
        #expect(try block.index.allPostings() == [3, 5])
        #expect(try block.index.series(5).chunks.first?.ref == ChunkRef(segment: 0, offset: 35))
    }

    @Test("the writer rejects input that would make an invalid block")
    func writerRejects() throws {
        let parent = try makeTempDir("reject")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let a = Labels(["__name__": "a"]), b = Labels(["__name__": "b"])
        var c = XORChunkBuilder()
        let chunk = c.chunk([(1, 1), (2, 2)])
        let w = try BlockWriter(parentDirectory: parent, symbols: ["__name__", "a", "b"])
        try w.addSeries(b, chunks: [chunk])
        #expect(throws: BlockError.self) { try w.addSeries(a, chunks: [chunk]) }
        #expect(throws: BlockError.self) { try w.addSeries(b, chunks: [chunk]) }
        #expect(throws: BlockError.self) { try w.addSeries(Labels(["__name__": "c"]), chunks: [chunk]) }
        #expect(throws: BlockError.self) { try w.addSeries(Labels(["__name__": "b", "x": "y"]), chunks: [chunk, chunk]) }
        #expect(throws: BlockError.self) { try w.addSeries(Labels.empty, chunks: [chunk]) }
        #expect(throws: BlockError.self) { try w.finish(minTime: 5) }
    }

    @Test("an abandoned writer leaves no temporary directory")
    func abandoned() throws {
        let parent = try makeTempDir("abandon")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        do {
            let w = try BlockWriter(parentDirectory: parent, symbols: ["__name__", "a"])
            try w.addSeries(Labels(["__name__": "a"]), chunks: TestData.chunks([Sample(timestamp: 1, value: 1)]))
            #expect(try FileManager.default.contentsOfDirectory(atPath: parent).count == 1)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty)
    }
}

/// Builds a chunk from (timestamp, value) pairs.
struct XORChunkBuilder {
    mutating func chunk(_ samples: [(Int64, Double)]) -> EncodedChunk {
        TestData.chunks(samples.map { Sample(timestamp: $0.0, value: $0.1) })[0]
    }
}
