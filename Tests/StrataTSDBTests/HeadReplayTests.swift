import Foundation
import Testing
import StrataModel
@testable import StrataTSDB

@Suite("Head replay and checkpoints")
struct HeadReplayTests {
    /// Smallest segment the WAL accepts, so a few hundred appends span several segments.
    static let smallSegment = WAL.pageSize

    /// Series per workload call, besides the one new series each call creates.
    static let perCall = 20

    /// Append number `i` of a deterministic workload: `perCall` series of a fixed set, plus one
    /// new series, with timestamps that keep increasing.
    static func workload(_ i: Int) -> SeriesBatch {
        var b = SeriesBatch()
        for k in 0..<perCall {
            let labels = L(("__name__", "metric_\(k)"), ("instance", "host-\(i % 7)"), ("job", "node"))
            b.append(labels: labels, samples: [Sample(timestamp: Int64(i) * 10_000 + Int64(k), value: Double(i * perCall + k))])
        }
        b.append(labels: L(("__name__", "new_every_call"), ("call", "\(i)")), samples: [Sample(timestamp: Int64(i) * 10_000, value: 1)])
        return b
    }

    func copyDirectory(_ from: String, _ to: String) throws {
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    @Test("a reopened head equals the head before the restart")
    func restart() throws {
        let dir = HeadTempDir()
        let options = HeadOptions(walSegmentSize: Self.smallSegment)
        let head = try Head(directory: dir.path, options: options, logger: headTestLogger)
        for i in 0..<300 { _ = try head.append(Self.workload(i), limits: .unlimited) }
        let before = try dump(head)
        let statsBefore = head.stats
        #expect(statsBefore.walSegmentsCurrent >= 2)
        try head.close()

        let reopened = try Head(directory: dir.path, options: options, logger: headTestLogger)
        #expect(try dump(reopened) == before)
        let stats = reopened.stats
        #expect(stats.numSeries == statsBefore.numSeries)
        #expect(stats.numChunks == statsBefore.numChunks)
        #expect(stats.minTime == statsBefore.minTime)
        #expect(stats.maxTime == statsBefore.maxTime)
        #expect(stats.replayedSamples == 300 * (Self.perCall + 1))
        #expect(stats.walRepairs == 0)
        // Replayed state keeps enforcing order, and new series get fresh refs.
        let old = try reopened.append(Self.workload(5), limits: .unlimited)
        #expect(old.appended == 0)
        #expect(old.rejectedCount + old.duplicatesIgnored == Self.perCall + 1)
        let next = try reopened.append(Self.workload(300), limits: .unlimited)
        #expect(next.appended == Self.perCall + 1)
        #expect(next.seriesCreated == 1)
        #expect(reopened.stats.numSeries == statsBefore.numSeries + 1)
        let expected = try dump(reopened)
        try reopened.close()
        let third = try Head(directory: dir.path, options: options, logger: headTestLogger)
        #expect(try dump(third) == expected)
    }

    @Test("replay after a checkpoint and more appends; the checkpoint deletes covered segments")
    func checkpointThenAppends() throws {
        let dir = HeadTempDir()
        let options = HeadOptions(walSegmentSize: Self.smallSegment, checkpointMinSegments: 2)
        let head = try Head(directory: dir.path, options: options, logger: headTestLogger)
        #expect(try head.checkpointIfNeeded() == false)
        for i in 0..<400 { _ = try head.append(Self.workload(i), limits: .unlimited) }
        #expect(try head.checkpointIfNeeded() == true)
        #expect(try head.checkpointIfNeeded() == false)
        let stats = head.stats
        #expect(stats.checkpoints == 1)
        #expect(stats.lastCheckpointIndex == stats.walSegmentsCurrent - 1)
        #expect(try WAL.segments(in: dir.path + "/wal") == [stats.walSegmentsCurrent])
        for i in 400..<500 { _ = try head.append(Self.workload(i), limits: .unlimited) }
        let before = try dump(head)
        try head.close()

        let reopened = try Head(directory: dir.path, options: options, logger: headTestLogger)
        #expect(try dump(reopened) == before)
        #expect(reopened.stats.numSeries == head.stats.numSeries)
        #expect(reopened.stats.numChunks == head.stats.numChunks)
        // Appends continue in the resumed open chunks.
        let next = try reopened.append(Self.workload(500), limits: .unlimited)
        #expect(next.appended == Self.perCall + 1)
        try reopened.checkpoint()
        let afterSecond = try dump(reopened)
        try reopened.close()
        let third = try Head(directory: dir.path, options: options, logger: headTestLogger)
        #expect(try dump(third) == afterSecond)
    }

    @Test("a crash at any point of a checkpoint replays to the same head")
    func crashDuringCheckpoint() throws {
        let dir = HeadTempDir()
        let options = HeadOptions(walSegmentSize: Self.smallSegment)
        let wal = dir.path + "/wal"
        let head = try Head(directory: dir.path, options: options, logger: headTestLogger)
        for i in 0..<200 { _ = try head.append(Self.workload(i), limits: .unlimited) }
        let expected = try dump(head)
        let beforeCheckpoint = dir.path + "/before"
        try copyDirectory(wal, beforeCheckpoint)
        try head.checkpoint()
        let index = head.stats.lastCheckpointIndex
        #expect(index >= 0)

        // 1. Crash while the checkpoint was being written: a partial `.tmp` directory.
        let crashWriting = HeadTempDir()
        try copyDirectory(beforeCheckpoint, crashWriting.path + "/wal")
        try copyDirectory(Checkpoint.path(walDirectory: wal, index: index),
                          Checkpoint.path(walDirectory: crashWriting.path + "/wal", index: index) + ".tmp")
        #expect(try dump(Head(directory: crashWriting.path, options: options, logger: headTestLogger)) == expected)

        // 2. Crash after the checkpoint was renamed into place, before segments were deleted.
        let crashDeleting = HeadTempDir()
        try copyDirectory(beforeCheckpoint, crashDeleting.path + "/wal")
        try copyDirectory(Checkpoint.path(walDirectory: wal, index: index),
                          Checkpoint.path(walDirectory: crashDeleting.path + "/wal", index: index))
        let recovered = try Head(directory: crashDeleting.path, options: options, logger: headTestLogger)
        #expect(try dump(recovered) == expected)
        // The leftover segments it covers are removed on open.
        #expect(try WAL.segments(in: crashDeleting.path + "/wal").allSatisfy { $0 > index })

        // 3. After the checkpoint completed.
        try head.close()
        #expect(try dump(Head(directory: dir.path, options: options, logger: headTestLogger)) == expected)
    }

    @Test("a torn WAL tail is repaired and the head holds a prefix of the appends")
    func tornTail() throws {
        let dir = HeadTempDir()
        let wal = dir.path + "/wal"
        let head = try Head(directory: dir.path, logger: headTestLogger)
        var states: [[String: [UInt64]]] = [[:]]
        for i in 0..<40 {
            _ = try head.append(Self.workload(i), limits: .unlimited)
            states.append(try dump(head))
        }
        // No close: the process is "killed" with the WAL as write(2) left it.
        let segment = try #require(try WAL.segments(in: wal).last)
        let size = try #require(try FileManager.default.attributesOfItem(
            atPath: WAL.segmentPath(directory: wal, index: segment))[.size] as? Int)
        #expect(size > 0)
        var rng = SystemRandomNumberGenerator()
        var offsets = [0, 1, size - 1, size]
        for _ in 0..<12 { offsets.append(Int.random(in: 0...size, using: &rng)) }
        var sawRepair = false
        for offset in offsets {
            let copy = HeadTempDir()
            try copyDirectory(wal, copy.path + "/wal")
            let path = WAL.segmentPath(directory: copy.path + "/wal", index: segment)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: UInt64(offset))
            try handle.close()
            let reopened = try Head(directory: copy.path, logger: headTestLogger)
            let got = try dump(reopened)
            #expect(states.contains(got), "truncated at \(offset) of \(size)")
            if offset == size { #expect(got == states.last) }
            if reopened.stats.walRepairs > 0 { sawRepair = true }
            // The repaired head keeps working.
            let more = try reopened.append(Self.workload(1000), limits: .unlimited)
            #expect(more.appended == Self.perCall + 1)
        }
        #expect(sawRepair)
        try head.close()
    }

    @Test("the byte threshold triggers a checkpoint with few segments")
    func checkpointByBytes() throws {
        let dir = HeadTempDir()
        let options = HeadOptions(checkpointMinSegments: 0, checkpointMaxWALBytes: 4096)
        let head = try Head(directory: dir.path, options: options, logger: headTestLogger)
        _ = try head.append(Self.workload(0), limits: .unlimited)
        #expect(try head.checkpointIfNeeded() == false)
        for i in 1..<40 { _ = try head.append(Self.workload(i), limits: .unlimited) }
        #expect(try head.checkpointIfNeeded() == true)
        #expect(head.stats.checkpoints == 1)
        #expect(try head.checkpointIfNeeded() == false)
        try head.close()
        #expect(try head.checkpointIfNeeded() == false)
    }

    @Test("replay skips and counts samples of unknown series")
    func unknownRefs() throws {
        let dir = HeadTempDir()
        let walDir = dir.path + "/wal"
        let wal = try WAL(directory: walDir, logger: headTestLogger)
        var series: [UInt8] = [], samples: [UInt8] = []
        RecordEncoder.series([RefSeries(ref: 7, labels: L(("__name__", "a")))], into: &series)
        RecordEncoder.samples([RefSample(ref: 7, timestamp: 10, value: 1), RefSample(ref: 99, timestamp: 10, value: 2),
                               RefSample(ref: 7, timestamp: 5, value: 3)], into: &samples)
        try wal.log([series, samples])
        try wal.close()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let stats = head.stats
        #expect(stats.numSeries == 1)
        #expect(stats.replayedSamples == 1)
        #expect(stats.replayUnknownRefSamples == 1)
        #expect(stats.replayedRecords == 2)
        // New series continue after the largest replayed ref.
        _ = try head.append(batch(L(("__name__", "b")), [(20, 1)]), limits: .unlimited)
        #expect(head.state.withLock { $0.nextRef } == 9)
    }

    @Test("a WAL write failure applies nothing")
    func walFailure() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        _ = try head.append(Self.workload(0), limits: .unlimited)
        let before = try dump(head)
        // Close the WAL underneath the head: the next write fails.
        try head.state.withLock { s in try s.wal?.close() }
        #expect(throws: HeadError.self) { try head.append(Self.workload(1), limits: .unlimited) }
        #expect(try dump(head) == before)
        #expect(head.stats.numSeries == Self.perCall + 1)
    }
}
