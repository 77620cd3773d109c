import Foundation
import StrataChunks
import StrataModel
import StrataTSDB
import Testing

@Suite("WAL checkpoints")
struct WALCheckpointTests {
    @Test("write, latest and replay of a checkpoint")
    func writeAndReplay() throws {
        try withWALTestDirectory { dir in
            let wal = try WAL(directory: dir, logger: walTestLogger)
            try wal.log([1])
            try wal.cutSegment()
            #expect(try Checkpoint.latest(in: dir) == nil)
            var records: [[UInt8]] = []
            var buffer: [UInt8] = []
            RecordEncoder.series([RefSeries(ref: 1, labels: Labels(["__name__": "up"]))], into: &buffer)
            records.append(buffer)
            buffer = []
            var chunk = XORChunk()
            chunk.append(timestamp: 1000, value: 1)
            chunk.append(timestamp: 16000, value: 2)
            RecordEncoder.seriesChunks([RefChunks(ref: 1, chunks: [chunk.encoded()])], into: &buffer)
            records.append(buffer)
            var rng = WALTestRNG(seed: 2)
            for _ in 0..<200 { records.append(rng.bytes(Int.random(in: 0...20_000, using: &rng))) }
            let path = try Checkpoint.write(walDirectory: dir, index: 0, records: records, logger: walTestLogger)
            #expect(path == dir + "/checkpoint.00000000")
            let latest = try Checkpoint.latest(in: dir)
            #expect(latest?.index == 0 && latest?.path == path)
            expectSameRecords(try replayAll(path).records, records)
            // Checkpoint directories are not segments.
            #expect(try WAL.segments(in: dir) == [0, 1])
            try wal.removeSegments(before: 1)
            #expect(try WAL.segments(in: dir) == [1])
            try wal.close()
        }
    }

    @Test("a leftover .tmp is ignored by latest and cleaned, older checkpoints are deleted")
    func atomicity() throws {
        try withWALTestDirectory { dir in
            _ = try Checkpoint.write(walDirectory: dir, index: 3, records: [[1, 2, 3]], logger: walTestLogger)
            // A crash mid-write leaves only the .tmp directory of a newer checkpoint.
            let tmp = dir + "/checkpoint.00000005.tmp"
            try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
            try Data([0xFF, 0x00, 0x12]).write(to: URL(fileURLWithPath: tmp + "/00000000"))
            #expect(try Checkpoint.latest(in: dir)?.index == 3)
            expectSameRecords(try replayAll(dir + "/checkpoint.00000003").records, [[1, 2, 3]])
            // Writing the next checkpoint replaces the .tmp of the same index and removes the rest.
            _ = try Checkpoint.write(walDirectory: dir, index: 5, records: [[4], [5]], logger: walTestLogger)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(names == ["checkpoint.00000005"])
            #expect(try Checkpoint.latest(in: dir)?.index == 5)
            expectSameRecords(try replayAll(dir + "/checkpoint.00000005").records, [[4], [5]])
            // Rewriting the same index replaces it.
            _ = try Checkpoint.write(walDirectory: dir, index: 5, records: [[6]], logger: walTestLogger)
            expectSameRecords(try replayAll(dir + "/checkpoint.00000005").records, [[6]])
            // Names that only look like checkpoints are ignored.
            try FileManager.default.createDirectory(atPath: dir + "/checkpoint.abc", withIntermediateDirectories: true)
            try Data().write(to: URL(fileURLWithPath: dir + "/checkpoint.00000009"))  // a file, not a dir
            #expect(try Checkpoint.latest(in: dir)?.index == 5)
        }
    }

    @Test("a WAL directory that does not exist yet has no checkpoint and replays nothing")
    func missingDirectory() throws {
        try withWALTestDirectory { dir in
            #expect(try Checkpoint.latest(in: dir + "/absent") == nil)
            let (records, stats) = try replayAll(dir + "/absent")
            #expect(records.isEmpty && stats.segments == 0 && !stats.repaired)
        }
    }

    @Test("an empty checkpoint is valid")
    func empty() throws {
        try withWALTestDirectory { dir in
            let path = try Checkpoint.write(walDirectory: dir, index: 12, records: [[UInt8]](), logger: walTestLogger)
            #expect(try replayAll(path).records.isEmpty)
            #expect(try Checkpoint.latest(in: dir)?.index == 12)
        }
    }
}
