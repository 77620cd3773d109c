import Foundation
import StrataBlocks
import StrataModel
import StrataTestSupport
import Testing
@testable import StrataTSDB

@Suite("Head block cuts read by promtool")
struct HeadCutPromtoolTests {
    /// With `blockSamplesPerChunk` 480 (the server's default) the head's chunks are merged and
    /// re-encoded before they reach the block; with 0 they go as they are.
    @Test("promtool tsdb dump of each cut block prints exactly the samples appended for its range; analyze accepts it",
          arguments: [0, HeadOptions.serverBlockSamplesPerChunk])
    func promtoolReadsCutBlocks(blockSamplesPerChunk: Int) throws {
        try Promtool.require()
        let dir = HeadTempDir()
        let blocks = dir.path + "/blocks"
        let range = CutTestData.range
        let span = 3 * range + range / 2
        let data = CutTestData.series(count: 200, span: span, seed: 77)
        let head = try Head(directory: dir.path + "/head", options: HeadOptions(blockSamplesPerChunk: blockSamplesPerChunk),
                            logger: headTestLogger)
        var metas: [BlockMeta] = []
        for (_, b, count) in CutTestData.batches(data, from: CutTestData.start, to: CutTestData.start + span, window: 5 * 60_000) {
            let out = try head.append(b, limits: .unlimited)
            #expect(out.appended == count)
            metas += try head.cutBlocks(into: blocks, thanos: BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: "team-a"], source: "strata"),
                                        force: false)
        }
        metas += try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(metas.count == 4)
        #expect(head.stats.numSeries == 0)

        let chunks = metas.reduce(0) { $0 + Int($1.stats.numChunks) }, series = metas.reduce(0) { $0 + Int($1.stats.numSeries) }
        if blockSamplesPerChunk > 0 {
            // Under 480 samples per series and range: the merge leaves one chunk each.
            #expect(chunks == series)
        } else {
            #expect(chunks > series, "head chunks of 120 split some series")
        }

        let dumped = try checkWithPromtool(metas, blocks: blocks, in: dir.path, data: data)
        #expect(dumped == sampleCount(data))
    }

    @Test("promtool reads the partial blocks of forced cuts in the middle of a range and the block that completes the range")
    func promtoolReadsPartialBlocks() throws {
        try Promtool.require()
        let dir = HeadTempDir()
        let blocks = dir.path + "/blocks"
        let range = CutTestData.range
        let span = 2 * range + range / 2
        let data = CutTestData.series(count: 150, span: span, seed: 78)
        let head = try Head(directory: dir.path + "/head", logger: headTestLogger)
        let range0 = CutPlan.floor(CutTestData.start, range)
        // Flushes after the batches ending 75 and 100 minutes in (11:15 and 11:40), periodic cuts
        // otherwise, a last flush at the end.
        let flushAfter: Set<Int64> = [range / 2 + range / 8, range / 2 + range / 3]
        var metas: [BlockMeta] = []
        for (end, b, count) in CutTestData.batches(data, from: CutTestData.start, to: CutTestData.start + span, window: 5 * 60_000) {
            let out = try head.append(b, limits: .unlimited)
            #expect(out.appended == count, "batch ending \(end): \(out)")
            metas += try head.cutBlocks(into: blocks, thanos: nil, force: flushAfter.contains(end - CutTestData.start))
        }
        metas += try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(head.stats.numSeries == 0)
        // [10:00, 11:15+), [11:15+, 11:40+), [11:40+, 12:00), [12:00, 14:00), [14:00, newest + 1).
        #expect(metas.count == 5)
        #expect(metas.filter { $0.minTime % range != 0 || ($0.maxTime - $0.minTime) < range }.count == 4,
                "\(metas.map { [$0.minTime - range0, $0.maxTime - range0] })")
        let dumped = try checkWithPromtool(metas, blocks: blocks, in: dir.path, data: data)
        #expect(dumped == sampleCount(data))
    }

    /// Runs `promtool tsdb dump` on each block alone and checks it prints exactly the samples of
    /// `data` in the block's time span, runs `promtool tsdb analyze` on each, then dumps the
    /// whole directory; returns the number of samples dumped block by block.
    func checkWithPromtool(_ metas: [BlockMeta], blocks: String, in dir: String, data: SeriesSamples,
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        var dumped = 0
        for meta in metas {
            // Each block alone in a data directory, so the dump covers that block only. promtool
            // 2.42's dump opens the directory as a read-only TSDB and needs its `wal` directory.
            let alone = dir + "/alone-" + meta.ulid
            try FileManager.default.createDirectory(atPath: alone + "/wal", withIntermediateDirectories: true)
            try copyTree(blocks + "/" + meta.ulid, alone + "/" + meta.ulid)
            let text = try Promtool.run(["tsdb", "dump", alone])
            let got = try Promtool.parseDump(text)
            let want = CutTestData.slice(data, from: meta.minTime, to: meta.maxTime)
            expectSameDump(got, want, "promtool tsdb dump of block [\(meta.minTime), \(meta.maxTime))", sourceLocation: sourceLocation)
            dumped += sampleCount(got)

            let analyze = try Promtool.run(["tsdb", "analyze", blocks, meta.ulid])
            #expect(analyze.contains("Block ID: \(meta.ulid)"), "\(analyze.prefix(300))", sourceLocation: sourceLocation)
            #expect(analyze.contains("Series: \(want.count)"), "\(analyze.prefix(300))", sourceLocation: sourceLocation)
            if meta.ulid == metas.first?.ulid {
                print("promtool tsdb dump, first lines of \(meta.ulid):\n" + text.split(separator: "\n").prefix(3).joined(separator: "\n"))
                print("promtool tsdb analyze (first lines):\n" + analyze.split(separator: "\n").prefix(6).joined(separator: "\n"))
            }
        }
        // The blocks' directory as a whole, as Prometheus would open it.
        try FileManager.default.createDirectory(atPath: blocks + "/wal", withIntermediateDirectories: true)
        expectSameDump(try Promtool.parseDump(try Promtool.run(["tsdb", "dump", blocks])), data, "promtool tsdb dump of every block",
                       sourceLocation: sourceLocation)
        return dumped
    }
}
