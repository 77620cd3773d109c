import Foundation
import StrataTSDB
import Testing

/// Small segments (4 pages) so that tests cross segment boundaries quickly.
private let smallSegment = 4 * WAL.pageSize

private func randomRecords(_ rng: inout WALTestRNG, count: Int, maxSize: Int) -> [[UInt8]] {
    (0..<count).map { _ in
        // Mostly small records, some around and above a page, a few above a segment.
        let size: Int
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: size = Int.random(in: WAL.pageSize - 20...WAL.pageSize + 20, using: &rng)
        case 1: size = Int.random(in: 0...maxSize, using: &rng)
        case 2: size = 0
        default: size = Int.random(in: 1...300, using: &rng)
        }
        return rng.bytes(size)
    }
}

@Suite("WAL write and replay")
struct WALTests {
    @Test("records of random sizes round-trip across pages and segments")
    func roundTrip() throws {
        try withWALTestDirectory { dir in
            var rng = WALTestRNG(seed: 1)
            var records = randomRecords(&rng, count: 400, maxSize: 3 * smallSegment)
            records.append(rng.bytes(2 * smallSegment + 5))  // larger than a segment
            let wal = try WAL(directory: dir, segmentSize: smallSegment, logger: walTestLogger)
            #expect(wal.currentSegment == 0)
            var i = 0
            while i < records.count {
                let n = min(Int.random(in: 1...8, using: &rng), records.count - i)
                if n == 1 { try wal.log(records[i]) } else { try wal.log(Array(records[i..<i + n])) }
                i += n
            }
            try wal.close()
            let segments = try WAL.segments(in: dir)
            #expect(segments.count > 5)
            #expect(segments == Array(0..<segments.count))
            let total = segments.reduce(0) { $0 + fileSize(WAL.segmentPath(directory: dir, index: $1)) }
            #expect(UInt64(total) == wal.bytesWritten)
            let (replayed, stats) = try replayAll(dir)
            expectSameRecords(replayed, records)
            #expect(stats.records == records.count && stats.segments == segments.count && !stats.repaired)
            // A record never spans segments: replaying segment by segment yields the same records.
            var perSegment: [[UInt8]] = []
            for s in segments { perSegment += try replayAll(dir, from: s, through: s).records }
            expectSameRecords(perSegment, records)
        }
    }

    @Test("fragments never cross a page and pages are padded where a header cannot fit")
    func pageLayout() throws {
        try withWALTestDirectory { dir in
            let wal = try WAL(directory: dir, logger: walTestLogger)
            // 32768 - 7 - 32755 = 6 bytes left: too small for a header, so padded.
            try wal.log([UInt8](repeating: 0xAB, count: WAL.pageSize - 7 - 6))
            try wal.log([1, 2, 3])
            try wal.log([UInt8](repeating: 0xCD, count: 2 * WAL.pageSize))
            try wal.close()
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: WAL.segmentPath(directory: dir, index: 0))))
            #expect(bytes[0] == 1)  // full
            #expect(bytes[WAL.pageSize - 6..<WAL.pageSize].allSatisfy { $0 == 0 })
            #expect(bytes[WAL.pageSize] == 1 && bytes[WAL.pageSize + 2] == 3)  // full, length 3
            #expect(bytes[WAL.pageSize + 10] == 2)  // first fragment of the big record
            #expect(bytes[2 * WAL.pageSize] == 3)  // middle
            #expect(bytes[3 * WAL.pageSize] == 4)  // last
            #expect(try replayAll(dir).records.count == 3)
        }
    }

    @Test("with exactly a header's room left in a page, the record starts with an empty fragment")
    func emptyFirstFragment() throws {
        try withWALTestDirectory { dir in
            let wal = try WAL(directory: dir, logger: walTestLogger)
            let records: [[UInt8]] = [[UInt8](repeating: 1, count: WAL.pageSize - 14), [UInt8](repeating: 2, count: 10), [3]]
            try wal.log(records)
            try wal.close()
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: WAL.segmentPath(directory: dir, index: 0))))
            #expect(Array(bytes[WAL.pageSize - 7..<WAL.pageSize]) == [2, 0, 0, 0, 0, 0, 0])  // first, empty
            #expect(bytes[WAL.pageSize] == 4 && bytes[WAL.pageSize + 2] == 10)  // last, 10 bytes
            expectSameRecords(try replayAll(dir).records, records)
        }
    }

    @Test("re-opening starts a new segment; cutSegment and replay from: select segments")
    func segmentsAndFrom() throws {
        try withWALTestDirectory { dir in
            let wal = try WAL(directory: dir, logger: walTestLogger)
            try wal.log([[0], [1]])
            #expect(try wal.cutSegment() == 1)
            try wal.log([2])
            #expect(wal.fsyncCount >= 1)
            try wal.close()
            let again = try WAL(directory: dir, logger: walTestLogger)
            #expect(again.currentSegment == 2)
            try again.log([3])
            try again.sync()
            #expect(try replayAll(dir).records == [[0], [1], [2], [3]])
            #expect(try replayAll(dir, from: 1).records == [[2], [3]])
            #expect(try replayAll(dir, from: 1, through: 1).records == [[2]])
            #expect(try replayAll(dir, from: 7).records.isEmpty)
            try again.removeSegments(before: 2)
            #expect(try WAL.segments(in: dir) == [2])
            try again.removeSegments(before: 100)  // never the open segment
            #expect(try WAL.segments(in: dir) == [2])
            try again.close()
        }
    }

    @Test("a closed WAL refuses calls; a bad segment size is refused")
    func closedAndInvalid() throws {
        try withWALTestDirectory { dir in
            let wal = try WAL(directory: dir + "/nested/wal", logger: walTestLogger)
            try wal.close()
            #expect(throws: WALError.closed(directory: dir + "/nested/wal")) { try wal.log([1]) }
            #expect(throws: WALError.self) { try wal.close() }
            #expect(throws: WALError.invalidSegmentSize(1000)) { try WAL(directory: dir, segmentSize: 1000, logger: walTestLogger) }
            #expect(WALError.invalidSegmentSize(1000).description.contains("multiple of the page size"))
        }
    }

    @Test("a torn tail replays every complete record and is repaired so logging can continue", arguments: 0..<6)
    func tornTail(seed: UInt64) throws {
        try withWALTestDirectory { dir in
            var rng = WALTestRNG(seed: 100 + seed)
            let records = randomRecords(&rng, count: 120, maxSize: WAL.pageSize * 3)
            let wal = try WAL(directory: dir, segmentSize: 64 * WAL.pageSize, logger: walTestLogger)
            var ends: [Int] = []  // size of segment 0 after each record
            let path = WAL.segmentPath(directory: dir, index: 0)
            for r in records {
                try wal.log(r)
                ends.append(fileSize(path))
            }
            try wal.close()
            #expect(try WAL.segments(in: dir) == [0])
            let cut = Int.random(in: 0...ends[ends.count - 1], using: &rng)
            truncateFile(path, to: cut)
            let complete = ends.filter { $0 <= cut }.count
            let (replayed, stats) = try replayAll(dir)
            expectSameRecords(replayed, Array(records.prefix(replayed.count)))
            #expect(replayed.count >= complete && replayed.count <= complete + 1)
            #expect(fileSize(path) <= cut)
            // Repair cuts exactly when the cut left part of a record (or of its page padding).
            #expect(stats.repaired == (fileSize(path) < cut))
            // Re-open, log more, replay everything.
            let reopened = try WAL(directory: dir, segmentSize: 64 * WAL.pageSize, logger: walTestLogger)
            try reopened.log([[9, 9, 9], rng.bytes(WAL.pageSize + 3)])
            try reopened.close()
            let (after, afterStats) = try replayAll(dir)
            expectSameRecords(Array(after.prefix(replayed.count)), replayed)
            #expect(after.count == replayed.count + 2 && after[replayed.count] == [9, 9, 9])
            #expect(!afterStats.repaired)
        }
    }

    @Test("garbage appended to the last segment is cut off")
    func garbageTail() throws {
        try withWALTestDirectory { dir in
            var rng = WALTestRNG(seed: 8)
            let records = randomRecords(&rng, count: 50, maxSize: WAL.pageSize)
            let wal = try WAL(directory: dir, logger: walTestLogger)
            try wal.log(records)
            try wal.close()
            let path = WAL.segmentPath(directory: dir, index: 0)
            let size = fileSize(path)
            for trial in 0..<20 {
                try modifyFile(path) { bytes in
                    bytes.removeLast(bytes.count - size)
                    bytes += rng.bytes(Int.random(in: 1...100, using: &rng))
                    if trial == 0 { bytes[size] = 0 }  // zeros that do not reach a page end
                }
                let (replayed, stats) = try replayAll(dir)
                expectSameRecords(replayed, records)
                // Garbage may by chance be zeros only up to the page end, a valid padding.
                #expect(stats.repaired || fileSize(path) > size)
                #expect(fileSize(path) >= size)
            }
        }
    }

    @Test("a flipped byte in the last record drops only that record")
    func flippedByte() throws {
        try withWALTestDirectory { dir in
            var rng = WALTestRNG(seed: 9)
            for last in [rng.bytes(500), rng.bytes(3 * WAL.pageSize)] {
                let records = randomRecords(&rng, count: 30, maxSize: WAL.pageSize) + [last]
                let wal = try WAL(directory: dir, logger: walTestLogger)
                try wal.log(records)
                try wal.close()
                let path = WAL.segmentPath(directory: dir, index: wal.currentSegment)
                try modifyFile(path) { bytes in bytes[bytes.count - 100] ^= 0x10 }
                let (replayed, stats) = try replayAll(dir, from: wal.currentSegment)
                expectSameRecords(replayed, Array(records.dropLast()))
                #expect(stats.repaired)
                #expect(stats.repairDescription?.contains("checksum") == true)
                expectSameRecords(try replayAll(dir, from: wal.currentSegment).records, Array(records.dropLast()))
            }
        }
    }

    @Test("corruption in a middle segment ends replay there and deletes later segments")
    func middleCorruption() throws {
        try withWALTestDirectory { dir in
            let wal = try WAL(directory: dir, logger: walTestLogger)
            for s in 0..<5 {
                try wal.log((0..<10).map { [UInt8(s), UInt8($0)] + [UInt8](repeating: 7, count: 40) })
                if s < 4 { try wal.cutSegment() }
            }
            try wal.close()
            // Corrupt the 4th record of segment 2: each record is a 7-byte header + 42 bytes.
            try modifyFile(WAL.segmentPath(directory: dir, index: 2)) { $0[3 * 49 + 20] ^= 0xFF }
            let error = #expect(throws: WALError.self) { _ = try replayAll(dir, repair: false) }
            if case .corrupt(let segment, let offset, let reason)? = error {
                #expect(segment == 2 && offset == 3 * 49 && reason.contains("checksum"))
            } else {
                Issue.record("expected a corrupt error, got \(String(describing: error))")
            }
            #expect(try WAL.segments(in: dir) == [0, 1, 2, 3, 4])
            let (replayed, stats) = try replayAll(dir)
            #expect(replayed.count == 23)
            #expect(stats.repaired && stats.segments == 3)
            #expect(try WAL.segments(in: dir) == [0, 1, 2])
            #expect(fileSize(WAL.segmentPath(directory: dir, index: 2)) == 3 * 49)
        }
    }

    @Test("arbitrary segment contents never crash replay, and repair always leaves a clean log")
    func fuzzSegments() throws {
        try withWALTestDirectory { dir in
            var rng = WALTestRNG(seed: 21)
            let valid = randomRecords(&rng, count: 20, maxSize: WAL.pageSize)
            for iteration in 0..<150 {
                let path = WAL.segmentPath(directory: dir, index: 0)
                try? FileManager.default.removeItem(atPath: path)
                if iteration % 2 == 0 {
                    // Random bytes, biased towards plausible fragment types and zeros.
                    var bytes = rng.bytes(Int.random(in: 0...(3 * WAL.pageSize), using: &rng))
                    for i in stride(from: 0, to: bytes.count, by: Int.random(in: 1...50, using: &rng)) {
                        bytes[i] = UInt8.random(in: 0...5, using: &rng)
                    }
                    try Data(bytes).write(to: URL(fileURLWithPath: path))
                } else {
                    let wal = try WAL(directory: dir, logger: walTestLogger)
                    try wal.log(valid)
                    try wal.close()
                    try modifyFile(path) { bytes in
                        for _ in 0..<Int.random(in: 1...5, using: &rng) {
                            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                        }
                    }
                }
                let first = try replayAll(dir)
                if iteration % 2 == 1 {
                    expectSameRecords(first.records, Array(valid.prefix(first.records.count)))
                }
                // After repair, a second replay reads the same records and needs no repair.
                let second = try replayAll(dir, repair: false)
                #expect(second.records.count == first.records.count)
                #expect(!second.stats.repaired)
                for extra in try WAL.segments(in: dir) where extra > 0 {
                    try FileManager.default.removeItem(atPath: WAL.segmentPath(directory: dir, index: extra))
                }
            }
        }
    }

    @Test("a missing segment in the middle is reported, not skipped")
    func gap() throws {
        try withWALTestDirectory { dir in
            let wal = try WAL(directory: dir, logger: walTestLogger)
            try wal.log([1])
            try wal.cutSegment()
            try wal.cutSegment()
            try wal.close()
            try FileManager.default.removeItem(atPath: WAL.segmentPath(directory: dir, index: 1))
            #expect(throws: WALError.nonSequentialSegments(directory: dir, after: 0, found: 2)) { _ = try replayAll(dir) }
        }
    }

    @Test("errors thrown by the replay body propagate")
    func bodyErrors() throws {
        struct Stop: Error {}
        try withWALTestDirectory { dir in
            let wal = try WAL(directory: dir, logger: walTestLogger)
            try wal.log([[1], [2]])
            try wal.close()
            #expect(throws: Stop.self) {
                try WALReader.replay(directory: dir, logger: walTestLogger) { _ in throw Stop() }
            }
            #expect(try replayAll(dir).records.count == 2)
        }
    }

    @Test("throughput sanity: 2 000 sample-sized batches")
    func throughput() throws {
        try withWALTestDirectory { dir in
            let wal = try WAL(directory: dir, segmentSize: 256 * WAL.pageSize, logger: walTestLogger)
            var rng = WALTestRNG(seed: 4)
            let record = rng.bytes(20 * 1000)
            let start = ContinuousClock.now
            for _ in 0..<2000 { try wal.log([record, [2, 1]]) }
            try wal.sync()
            let elapsed = ContinuousClock.now - start
            try wal.close()
            #expect(wal.bytesWritten > 40_000_000)
            let stats = try WALReader.replay(directory: dir, logger: walTestLogger) { _ in }
            #expect(stats.records == 4000)
            print("WAL throughput: \(Double(wal.bytesWritten) / 1e6) MB in \(elapsed)")
        }
    }
}
