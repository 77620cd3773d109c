import Foundation
import StrataBlocks
import StrataModel
import Testing
@testable import StrataTSDB

@Suite("Head block cuts across restarts")
struct HeadCutRestartTests {
    static let range = CutTestData.range

    /// What the ingester passes at start: the newest block end on local disk.
    func minValidTime(fromBlocksIn directory: String) throws -> Int64 {
        var out = Int64.min
        for id in try blockDirectories(directory) {
            out = max(out, try Block(directory: directory + "/" + id).meta.maxTime)
        }
        return out
    }

    /// Appends the batches of `data` in `[from, to)`; returns the end of the last batch.
    @discardableResult
    func append(_ data: SeriesSamples, to head: Head, from: Int64, until to: Int64) throws -> Int64 {
        var end = from
        for (e, b, count) in CutTestData.batches(data, from: from, to: to, window: 5 * 60_000) {
            let out = try head.append(b, limits: .unlimited)
            #expect(out.appended == count, "batch ending \(e): \(out)")
            end = e
        }
        return end
    }

    @Test("a head reopened after a cut holds the newer data and none of the cut data")
    func restartAfterCut() throws {
        let dir = HeadTempDir()
        let headDir = dir.path + "/head", blocks = dir.path + "/blocks"
        let span = 3 * Self.range + Self.range / 2
        let data = CutTestData.series(count: 200, span: span, seed: 21)
        let options = HeadOptions(walSegmentSize: WAL.pageSize * 8)
        let head = try Head(directory: headDir, options: options, logger: headTestLogger)
        let mid = CutTestData.start + 3 * Self.range
        try append(data, to: head, from: CutTestData.start, until: mid)
        let metas = try head.cutBlocks(into: blocks, thanos: nil, force: false)
        #expect(!metas.isEmpty)
        // Newer data after the cut goes to WAL segments after the checkpoint.
        let end = try append(data, to: head, from: mid, until: CutTestData.start + span)
        let before = try headSamples(head)
        let minValid = try minValidTime(fromBlocksIn: blocks)
        #expect(minValid == head.stats.minValidTime)
        expectSameSamples(before, CutTestData.slice(data, from: minValid, to: end), "head before the restart")
        let seriesBefore = head.stats.numSeries
        try head.close()

        var reopenOptions = options
        reopenOptions.minValidTime = minValid
        let reopened = try Head(directory: headDir, options: reopenOptions, logger: headTestLogger)
        expectSameSamples(try headSamples(reopened), before, "reopened head")
        let stats = reopened.stats
        #expect(stats.minValidTime == minValid)
        #expect(stats.numSeries == seriesBefore)
        #expect(stats.minTime >= minValid)
        // The checkpoint written by the cut already dropped the cut data from the WAL.
        #expect(stats.replayBelowMinValidTimeSamples == 0)
        let refused = try reopened.append(batch(L(("__name__", "late")), [(minValid - 1, 1)]), limits: .unlimited)
        #expect(refused.rejected == [.sampleTimestampTooOld: 1])
        #expect(refused.firstRejection?.message.contains("minValidTime") == true)
        try reopened.close()

        // Even without minValidTime the WAL no longer resurrects cut data.
        let unbounded = try Head(directory: headDir, options: options, logger: headTestLogger)
        expectSameSamples(try headSamples(unbounded), before, "reopened without minValidTime")
        // Blocks and head still hold every sample exactly once.
        var parts = [try headSamples(unbounded)]
        for id in try blockDirectories(blocks) { parts.append(try blockSamples(blocks + "/" + id)) }
        expectSameSamples(union(parts), CutTestData.slice(data, from: .min, to: end), "blocks + reopened head")
    }

    @Test("after a forced cut mid-range, a reopened head takes appends right after the newest cut sample, also after a crash before truncation")
    func restartAfterForcedCut() throws {
        let dir = HeadTempDir()
        let headDir = dir.path + "/head", blocks = dir.path + "/blocks", crashed = dir.path + "/crashed"
        let span = 2 * Self.range
        let data = CutTestData.series(count: 150, span: span, seed: 55)
        let options = HeadOptions(walSegmentSize: WAL.pageSize * 8)
        let head = try Head(directory: headDir, options: options, logger: headTestLogger)
        let range0 = CutPlan.floor(CutTestData.start, Self.range)
        let flush = range0 + Self.range / 2 + Self.range / 8 // 11:15
        try append(data, to: head, from: CutTestData.start, until: flush)
        let maxT = head.stats.maxTime
        // Also keep the disk as a crash between publishing the block and truncating would leave it.
        head.cutHooks.withLock { hooks in
            hooks.beforeTruncate = {
                do {
                    try copyTree(headDir, crashed)
                } catch {
                    Issue.record("copying the head directory failed: \(error)")
                }
            }
        }
        let metas = try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(metas.map { [$0.minTime, $0.maxTime] } == [[range0, maxT + 1]])
        try head.close()
        let minValid = try minValidTime(fromBlocksIn: blocks)
        #expect(minValid == maxT + 1)
        let cut = try blockSamples(blocks + "/" + (metas.first?.ulid ?? ""))
        expectSameSamples(cut, CutTestData.slice(data, from: .min, to: flush), "the forced cut's block")

        for (name, path) in [("clean restart", headDir), ("crash before truncation", crashed)] {
            var reopenOptions = options
            reopenOptions.minValidTime = minValid
            let reopened = try Head(directory: path, options: reopenOptions, logger: headTestLogger)
            let stats = reopened.stats
            #expect(stats.minValidTime == minValid, "\(name)")
            #expect(stats.numSeries == 0 && stats.numChunks == 0, "\(name): nothing of the cut is left")
            #expect(try headSamples(reopened).isEmpty, "\(name)")
            if path == crashed {
                #expect(stats.replayBelowMinValidTimeSamples == sampleCount(cut), "\(name): replay dropped the cut samples")
            } else {
                #expect(stats.replayBelowMinValidTimeSamples == 0, "\(name): the cut's checkpoint already dropped them")
            }
            // The newest cut timestamp is refused; everything after it is taken at once, in the
            // same block range.
            let late = try reopened.append(batch(L(("__name__", "late")), [(maxT, 1)]), limits: .unlimited)
            #expect(late.rejected == [.sampleTimestampTooOld: 1], "\(name)")
            try append(data, to: reopened, from: flush, until: CutTestData.start + span)
            // The next cut of the range starts at minValidTime: no overlap with the first block.
            let more = dir.path + "/more-blocks-" + (path == crashed ? "crashed" : "clean")
            let next = try reopened.cutBlocks(into: more, thanos: nil, force: true)
            #expect(next.first.map { [$0.minTime, $0.maxTime] } == [minValid, range0 + Self.range], "\(name)")
            var parts = [cut]
            for id in try blockDirectories(more) { parts.append(try blockSamples(more + "/" + id)) }
            expectSameSamples(union(parts), data, "\(name): every block")
            try reopened.close()
        }
    }

    @Test("a crash after the blocks are published but before truncation and checkpoint does not resurrect cut data")
    func crashBeforeTruncation() throws {
        let dir = HeadTempDir()
        let headDir = dir.path + "/head", blocks = dir.path + "/blocks"
        let crashed = dir.path + "/crashed", crashedCopy = dir.path + "/crashed-copy"
        let span = 3 * Self.range + Self.range / 2
        let data = CutTestData.series(count: 200, span: span, seed: 33)
        let options = HeadOptions(walSegmentSize: WAL.pageSize * 8)
        let head = try Head(directory: headDir, options: options, logger: headTestLogger)
        // A checkpoint first, so replay meets cut data both in checkpoint chunks and WAL samples.
        try append(data, to: head, from: CutTestData.start, until: CutTestData.start + Self.range + Self.range / 3)
        try head.checkpoint()
        let end = try append(data, to: head, from: CutTestData.start + Self.range + Self.range / 3, until: CutTestData.start + span)
        let everything = try headSamples(head)

        // The disk as a crash would leave it: blocks published, head neither truncated nor
        // checkpointed (truncation is in memory only, so the WAL is the same until the checkpoint).
        head.cutHooks.withLock { hooks in
            hooks.beforeTruncate = {
                do {
                    try copyTree(headDir, crashed)
                    try copyTree(headDir, crashedCopy)
                } catch {
                    Issue.record("copying the head directory failed: \(error)")
                }
            }
        }
        let metas = try head.cutBlocks(into: blocks, thanos: nil, force: false)
        #expect(!metas.isEmpty)
        let after = try headSamples(head)
        let minValid = try minValidTime(fromBlocksIn: blocks)
        expectSameSamples(after, CutTestData.slice(data, from: minValid, to: end), "head after the cut")

        var reopenOptions = options
        reopenOptions.minValidTime = minValid
        let recovered = try Head(directory: crashed, options: reopenOptions, logger: headTestLogger)
        expectSameSamples(try headSamples(recovered), after, "head recovered from the crash")
        let stats = recovered.stats
        #expect(stats.numSeries == head.stats.numSeries)
        #expect(stats.numChunks == head.stats.numChunks)
        #expect(stats.replayBelowMinValidTimeSamples > 0)
        #expect(stats.minTime >= minValid)
        #expect(recovered.labelNames(minTime: .min, maxTime: .max, matchers: []) == head.labelNames(minTime: .min, maxTime: .max, matchers: []))
        // The recovered head cuts again from where the blocks end: no block is written twice.
        let again = try recovered.cutBlocks(into: dir.path + "/blocks-after-crash", thanos: nil, force: true)
        #expect(again.allSatisfy { $0.minTime >= minValid })
        try recovered.close()

        // The same crash state replayed without minValidTime still holds the cut data: the bound
        // is what keeps it out.
        let unbounded = try Head(directory: crashedCopy, options: options, logger: headTestLogger)
        let resurrected = try headSamples(unbounded)
        #expect(sampleCount(resurrected) > sampleCount(after))
        expectSameSamples(resurrected, everything, "crash state replayed without minValidTime")
    }
}
