import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import Testing
@testable import StrataTSDB

/// Samples of one query result as a single series would read: chunks merged by timestamp, each
/// timestamp once (out-of-order chunks overlap the in-order ones).
func mergedSamples(_ head: Head, _ labels: Labels, minTime: Int64 = .min, maxTime: Int64 = .max) throws -> [(Int64, Double)] {
    let matchers = try labels.map { try LabelMatcher(.equal, $0.name, $0.value) }
    let result = head.select(minTime: minTime, maxTime: maxTime, matchers: matchers)
    guard let series = result.first(where: { $0.labels == labels }) else { return [] }
    var it = ChunkSeriesIterator(chunks: series.chunks, minTime: minTime, maxTime: maxTime)
    var out: [(Int64, Double)] = []
    while let s = it.next() { out.append((s.timestamp, s.value)) }
    return out
}

func sameSamples(_ a: [(Int64, Double)], _ b: [(Int64, Double)]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1.bitPattern == $1.1.bitPattern }
}

/// Limits with an out-of-order window of `window` ms.
func oooLimits(_ window: Int64) -> SeriesLimits {
    var limits = SeriesLimits.unlimited
    limits.outOfOrderTimeWindow = window
    return limits
}

@Suite("Head out-of-order window")
struct HeadOutOfOrderTests {
    let series = L(("__name__", "late"), ("job", "edge"))
    /// 2026-11-25T10:00:00Z, a block-range bound.
    let t0: Int64 = 1_795_600_800_000
    let minute: Int64 = 60_000

    @Test("with the window at 0, late samples are refused as before")
    func disabled() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        _ = try head.append(batch(series, [(t0 + 10 * minute, 1)]), limits: .unlimited)
        let late = try head.append(batch(series, [(t0 + 5 * minute, 2)]), limits: .unlimited)
        #expect(late.rejected == [.sampleOutOfOrder: 1])
        #expect(head.stats.oooSamples == 0)
    }

    @Test("late samples within the window are stored, queryable merged with in-order ones")
    func acceptedWithinWindow() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let limits = oooLimits(30 * minute)
        let inOrder = (0..<10).map { (t0 + Int64($0) * 2 * minute, Double($0)) }
        #expect(try head.append(batch(series, inOrder), limits: limits).appended == 10)
        // In between the in-order ones, in reverse and with a repeat in the same batch.
        let late = (0..<9).reversed().map { (t0 + Int64($0) * 2 * minute + minute, 100 + Double($0)) }
        let out = try head.append(batch(series, late + [late[0]]), limits: limits)
        #expect(out.appended == 9)
        #expect(out.rejected.isEmpty)
        #expect(out.duplicatesIgnored == 1)
        #expect(head.stats.oooSamples == 9)
        #expect(head.stats.oooSamplesAppended == 9)
        let want = (inOrder + late).sorted { $0.0 < $1.0 }
        #expect(sameSamples(try mergedSamples(head, series), want))
        // A range inside the out-of-order data only.
        let inner = try mergedSamples(head, series, minTime: t0 + 3 * minute, maxTime: t0 + 5 * minute)
        #expect(inner.map(\.0) == [t0 + 3 * minute, t0 + 4 * minute, t0 + 5 * minute])
        // Label lookups see series of out-of-order samples too.
        #expect(head.labelValues(name: "job", minTime: t0 + minute, maxTime: t0 + minute, matchers: []) == ["edge"])
    }

    @Test("beyond the window: 400 err-strata-sample-too-old; a new series of late samples only is created")
    func refusedBeyondWindow() throws {
        let dir = HeadTempDir()
        // A short block range so the in-order window (range/2 = 5 m) is smaller than the
        // out-of-order one (30 m).
        let head = try Head(directory: dir.path, options: HeadOptions(chunkRange: 10 * minute), logger: headTestLogger)
        let limits = oooLimits(30 * minute)
        _ = try head.append(batch(series, [(t0 + 60 * minute, 1)]), limits: limits)
        let old = try head.append(batch(series, [(t0 + 29 * minute, 2), (t0 + 31 * minute, 3)]), limits: limits)
        #expect(old.rejected == [.sampleTooOld: 1])
        #expect(old.appended == 1)
        let message = try #require(old.firstRejection?.message)
        #expect(message.contains("err-strata-sample-too-old"))
        #expect(message.contains("out-of-order time window of 30m"))
        #expect(message.contains("2026-11-25T10:29:00Z"))
        // A series the head never saw, older than the in-order window but within the OOO one.
        let other = L(("__name__", "late"), ("job", "backfill"))
        let fresh = try head.append(batch(other, [(t0 + 40 * minute, 7), (t0 + 20 * minute, 8)]), limits: limits)
        #expect(fresh.seriesCreated == 1)
        #expect(fresh.appended == 1)
        #expect(fresh.rejected == [.sampleTooOld: 1])
        #expect(sameSamples(try mergedSamples(head, other), [(t0 + 40 * minute, 7)]))
    }

    @Test("a new value for a held timestamp is refused, an exact repeat ignored, in-order and out-of-order")
    func duplicates() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, options: HeadOptions(samplesPerChunk: 4), logger: headTestLogger)
        let limits = oooLimits(60 * minute)
        let inOrder = (0..<20).map { (t0 + Int64($0) * 2 * minute, Double($0)) }
        _ = try head.append(batch(series, inOrder), limits: limits)
        _ = try head.append(batch(series, [(t0 + 3 * minute, 33)]), limits: limits)
        // In-order sample in a closed chunk, in the open chunk, the out-of-order one.
        for (t, stored) in [(t0 + 2 * minute, 1.0), (t0 + 38 * minute, 19.0), (t0 + 3 * minute, 33.0)] {
            let same = try head.append(batch(series, [(t, stored)]), limits: limits)
            #expect(same.duplicatesIgnored == 1 && same.appended == 0 && same.rejected.isEmpty, "\(t)")
            let other = try head.append(batch(series, [(t, stored + 0.5)]), limits: limits)
            #expect(other.rejected == [.sampleDuplicateTimestamp: 1], "\(t)")
        }
        // Within one batch: an in-order sample and then a different late value for it.
        let mixed = try head.append(batch(series, [(t0 + 50 * minute, 1), (t0 + 52 * minute, 2), (t0 + 50 * minute, 9)]), limits: limits)
        #expect(mixed.appended == 2)
        #expect(mixed.rejected == [.sampleDuplicateTimestamp: 1])
        // The same series twice in one batch: the second entry's late sample repeats the first's.
        var b = SeriesBatch()
        b.append(labels: series, samples: [Sample(timestamp: t0 + 60 * minute, value: 5)])
        b.append(labels: series, samples: [Sample(timestamp: t0 + 70 * minute, value: 6), Sample(timestamp: t0 + 60 * minute, value: 7)])
        let twice = try head.append(b, limits: limits)
        #expect(twice.appended == 2)
        #expect(twice.rejected == [.sampleDuplicateTimestamp: 1])
        #expect(head.stats.oooSamples == 1)
    }

    @Test("memory is bounded: the buffer never exceeds out_of_order_cap, full buffers become chunks")
    func memoryBound() throws {
        let dir = HeadTempDir()
        var options = HeadOptions()
        options.outOfOrderCapacity = 32
        let head = try Head(directory: dir.path, options: options, logger: headTestLogger)
        let limits = oooLimits(60 * minute)
        _ = try head.append(batch(series, [(t0 + 60 * minute, 0)]), limits: limits)
        // 3,000 late samples, one second apart, newest first, in batches of 100.
        let n = 3000
        var maxBuffered = 0
        for start in stride(from: 0, to: n, by: 100) {
            let late = (start..<start + 100).map { (t0 + 59 * minute - Int64($0) * 1000, Double($0)) }
            #expect(try head.append(batch(series, late), limits: limits).appended == 100)
            let buffered = head.state.withLock { s in s.byRef.compactMap { $0?.ooo?.buffer.count }.max() ?? 0 }
            maxBuffered = max(maxBuffered, buffered)
        }
        #expect(maxBuffered < 32)
        let stats = head.stats
        #expect(stats.oooSamples == n)
        #expect(stats.oooChunks == n / 32)
        // Sealed chunks are compressed: far fewer than 16 bytes per sample.
        let bytes = head.state.withLock { s in s.byRef.compactMap { $0?.ooo?.chunks.reduce(0) { $0 + $1.data.count } }.reduce(0, +) }
        #expect(bytes < n * 4, "\(bytes) bytes for \(n) samples")
        #expect(try mergedSamples(head, series).count == n + 1)
    }

    @Test("close and reopen: WAL and WBL replay restore every out-of-order sample; after a checkpoint too")
    func replay() throws {
        let dir = HeadTempDir()
        let limits = oooLimits(60 * minute)
        var want: [(Int64, Double)] = []
        do {
            let head = try Head(directory: dir.path, options: HeadOptions(samplesPerChunk: 8), logger: headTestLogger)
            let inOrder = (0..<30).map { (t0 + Int64($0) * 2 * minute, Double($0)) }
            let late = (0..<29).map { (t0 + Int64($0) * 2 * minute + minute, 0.5 + Double($0)) }
            _ = try head.append(batch(series, inOrder), limits: limits)
            _ = try head.append(batch(series, Array(late[..<10])), limits: limits)
            // A series created by a batch of late samples only (its definition goes to the WAL).
            let other = L(("__name__", "late"), ("job", "other"))
            _ = try head.append(batch(other, [(t0 + 10 * minute, 1)]), limits: limits)
            try head.close()
            want = (inOrder + Array(late[..<10])).sorted { $0.0 < $1.0 }
            // Reopen, add more, checkpoint (the WBL is truncated), add more, close.
            let again = try Head(directory: dir.path, options: HeadOptions(samplesPerChunk: 8), logger: headTestLogger)
            #expect(again.stats.oooSamples == 10)
            #expect(sameSamples(try mergedSamples(again, series), want))
            #expect(try mergedSamples(again, other).count == 1)
            _ = try again.append(batch(series, Array(late[10..<20])), limits: limits)
            try again.checkpoint()
            _ = try again.append(batch(series, Array(late[20...])), limits: limits)
            try again.close()
            want = (inOrder + late).sorted { $0.0 < $1.0 }
        }
        let head = try Head(directory: dir.path, options: HeadOptions(samplesPerChunk: 8), logger: headTestLogger)
        #expect(head.stats.oooSamples == 29)
        #expect(sameSamples(try mergedSamples(head, series), want))
        // The restored out-of-order head still refuses new values for its timestamps.
        let dup = try head.append(batch(series, [(t0 + minute, 99)]), limits: limits)
        #expect(dup.rejected == [.sampleDuplicateTimestamp: 1])
    }

    @Test("a torn WBL tail (kill -9 mid-write) is repaired; the complete records replay")
    func tornWBLTail() throws {
        let dir = HeadTempDir()
        let limits = oooLimits(60 * minute)
        do {
            let head = try Head(directory: dir.path, logger: headTestLogger)
            _ = try head.append(batch(series, [(t0 + 30 * minute, 0)]), limits: limits)
            for i in 0..<5 {
                _ = try head.append(batch(series, [(t0 + Int64(i) * minute, Double(i))]), limits: limits)
            }
            // No close: the process is "killed" with the WBL as write(2) left it.
        }
        // Cut the newest WBL segment inside its last record.
        let wbl = dir.path + "/wbl"
        let segments = try WAL.segments(in: wbl)
        let newestWithData = try #require(segments.map { WAL.segmentPath(directory: wbl, index: $0) }.last { fileSize($0) > 0 })
        truncateFile(newestWithData, to: fileSize(newestWithData) - 3)
        let head = try Head(directory: dir.path, logger: headTestLogger)
        #expect(head.stats.walRepairs >= 1)
        #expect(head.stats.oooSamples == 4)
        #expect(try mergedSamples(head, series).map(\.0) == [0, 1, 2, 3].map { t0 + Int64($0) * minute } + [t0 + 30 * minute])
        // Appends continue after the repair, and survive another reopen.
        _ = try head.append(batch(series, [(t0 + 4 * minute, 4)]), limits: limits)
        try head.close()
        let again = try Head(directory: dir.path, logger: headTestLogger)
        #expect(again.stats.oooSamples == 5)
    }

    @Test("a cut writes out-of-order samples into blocks (merged, non-overlapping chunks), also below earlier cuts")
    func cut() throws {
        let dir = HeadTempDir()
        let blocks = dir.path + "/blocks"
        let limits = oooLimits(60 * minute)
        let head = try Head(directory: dir.path + "/head", logger: headTestLogger)
        let inOrder = (0..<30).map { (t0 + Int64($0) * 2 * minute, Double($0)) }
        let late = (0..<29).map { (t0 + Int64($0) * 2 * minute + minute, 0.5 + Double($0)) }
        _ = try head.append(batch(series, inOrder), limits: limits)
        _ = try head.append(batch(series, late), limits: limits)
        let first = try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(first.count == 1)
        #expect(head.stats.oooSamples == 0)
        #expect(head.stats.numSeries == 0)
        var got = union(try blockDirectories(blocks).map { try blockSamples(blocks + "/" + $0) })
        #expect(got[series]?.map(\.timestamp) == (inOrder + late).map(\.0).sorted())
        // Chunks of the block never overlap.
        let block = try Block(directory: blocks + "/" + (try #require(blockDirectories(blocks).first)))
        let chunks = try #require(try block.select(matchers: [try allSeriesMatcher()], minTime: .min, maxTime: .max).first).chunks
        for pair in zip(chunks, chunks.dropFirst()) { #expect(pair.0.maxTime < pair.1.minTime) }

        // After the flush: a late sample before the cut end (within the window) goes to the
        // out-of-order head, and the next forced cut writes an overlapping block for it.
        let after = try head.append(batch(series, [(t0 + 30 * minute + 30_000, 7)]), limits: limits)
        #expect(after.appended == 1)
        let second = try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(second.count == 1)
        #expect(second[0].minTime == t0 + 30 * minute + 30_000)
        #expect(second[0].maxTime <= first[0].maxTime)
        got = union(try blockDirectories(blocks).map { try blockSamples(blocks + "/" + $0) })
        #expect(got[series]?.count == inOrder.count + late.count + 1)
        // Beyond the window of the newest sample ever held: refused even though the head is empty.
        let old = try head.append(batch(series, [(t0 - 3 * minute, 7)]), limits: limits)
        #expect(old.rejected == [.sampleTooOld: 1])
    }

    @Test("a periodic cut writes the late samples of the ranges it cuts; the newer ones stay in the head")
    func periodicCut() throws {
        let dir = HeadTempDir()
        let blocks = dir.path + "/blocks"
        let range = 10 * minute
        let head = try Head(directory: dir.path + "/head", options: HeadOptions(chunkRange: range), logger: headTestLogger)
        let limits = oooLimits(40 * minute)
        let inOrder = (0..<20).map { (t0 + Int64($0) * 2 * minute, Double($0)) }
        let late = (0..<19).map { (t0 + Int64($0) * 2 * minute + minute, 0.5 + Double($0)) }
        _ = try head.append(batch(series, inOrder), limits: limits)
        let out = try head.append(batch(series, late), limits: limits)
        #expect(out.appended == late.count)
        let metas = try head.cutBlocks(into: blocks, thanos: nil, force: false)
        // Newest sample t0+38m: ranges ending at or before t0+33m are cut, i.e. up to t0+30m.
        #expect(metas.map(\.minTime) == [t0, t0 + range, t0 + 2 * range])
        #expect(metas.last?.maxTime == t0 + 3 * range)
        let inBlocks = union(try blockDirectories(blocks).map { try blockSamples(blocks + "/" + $0) })[series] ?? []
        let inHead = try mergedSamples(head, series)
        let want = (inOrder + late).sorted { $0.0 < $1.0 }
        #expect(inBlocks.map(\.timestamp) == want.filter { $0.0 < t0 + 3 * range }.map(\.0))
        #expect(sameSamples(inHead, want.filter { $0.0 >= t0 + 3 * range }))
        #expect(head.stats.oooSamples == late.filter { $0.0 >= t0 + 3 * range }.count)
    }

    @Test("replay after a cut keeps late samples below the blocks' end (minValidTime)")
    func replayBelowMinValidTime() throws {
        let dir = HeadTempDir()
        let limits = oooLimits(60 * minute)
        let blocks = dir.path + "/blocks"
        var end: Int64 = 0
        do {
            let head = try Head(directory: dir.path + "/head", logger: headTestLogger)
            _ = try head.append(batch(series, [(t0 + 30 * minute, 1)]), limits: limits)
            end = try #require(try head.cutBlocks(into: blocks, thanos: nil, force: true).first).maxTime
            _ = try head.append(batch(series, [(t0 + 10 * minute, 2)]), limits: limits)
            try head.close()
        }
        let head = try Head(directory: dir.path + "/head", options: HeadOptions(minValidTime: end), logger: headTestLogger)
        #expect(sameSamples(try mergedSamples(head, series), [(t0 + 10 * minute, 2)]))
    }
}

@Suite("Out-of-order checkpoint record")
struct OOORecordCodecTests {
    @Test("type 65 round-trips with the series-chunks layout and is not taken for type 64")
    func roundTrip() throws {
        var chunk = XORChunk()
        for i in 0..<5 { chunk.append(timestamp: Int64(i) * 1000, value: Double(i)) }
        let chunks = [RefChunks(ref: 7, chunks: [chunk.encoded(), chunk.encoded()])]
        var record: [UInt8] = []
        RecordEncoder.seriesChunks(chunks, into: &record, type: .oooSeriesChunks)
        #expect(record.first == 65)
        var decoded: [RefChunks] = []
        try record.withUnsafeBytes { raw in
            #expect(RecordDecoder.type(of: raw) == .oooSeriesChunks)
            try RecordDecoder.seriesChunks(raw, into: &decoded, type: .oooSeriesChunks)
            var wrong: [RefChunks] = []
            #expect(throws: RecordError.self) { try RecordDecoder.seriesChunks(raw, into: &wrong) }
        }
        #expect(decoded == chunks)
    }
}
