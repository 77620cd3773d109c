import Foundation
@testable import StrataBlocks
import StrataModel
import StrataTestSupport
import Testing

@Suite("corruption")
struct CorruptionTests {
    struct Fixture {
        var parent: String
        var dir: String
        var index: [UInt8]
        var segment: [UInt8]
    }

    static func fixture() throws -> Fixture {
        let parent = try makeTempDir("corrupt")
        let data = TestData.series(count: 12, samplesPerSeries: 150, seed: 9)
        let meta = try BlockWriter.write(parentDirectory: parent, series: TestData.blockSeries(data))
        let dir = parent + "/" + meta.ulid
        let index = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/index")))
        let segment = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/chunks/000001")))
        return Fixture(parent: parent, dir: dir, index: index, segment: segment)
    }

    /// Opens the index and reads everything a query would; returns the labels and chunk metas.
    static func readAll(index: [UInt8]) throws(BlockError) -> [IndexSeries] {
        let reader = try IndexReader(source: MemoryByteSource(name: "index", bytes: index))
        var out: [IndexSeries] = []
        _ = try reader.allPostings()
        let m = try? LabelMatcher(.regexMatch, "job", "api|web")
        for ref in try reader.postings(matching: m.map { [$0] } ?? []) { out.append(try reader.series(ref)) }
        for name in reader.labelNames {
            _ = try reader.labelIndex(name)
            for value in reader.labelValues(name) { _ = try reader.postings(name: name, value: value) }
        }
        return out
    }

    @Test("flipping any byte of the index gives a BlockError or, in padding, the same result")
    func indexBitFlips() throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.parent) }
        let good = try Self.readAll(index: f.index)
        var errors = 0
        var unchanged = 0
        for i in 0..<f.index.count {
            var bad = f.index
            bad[i] ^= 0x5A
            do {
                let got = try Self.readAll(index: bad)
                if got == good {
                    // Only alignment padding is unchecked (as in Prometheus).
                    #expect(f.index[i] == 0, "byte \(i) changed without error or effect")
                    unchanged += 1
                } else { Issue.record("byte \(i): corrupt index read without error") }
            } catch {
                errors += 1
            }
        }
        #expect(errors > f.index.count * 8 / 10)
        #expect(errors + unchanged == f.index.count)
    }

    @Test("a truncated index is rejected at every length")
    func indexTruncation() throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.parent) }
        for n in stride(from: 0, to: f.index.count, by: 7) {
            #expect(throws: BlockError.self, "truncated to \(n)") { try Self.readAll(index: Array(f.index.prefix(n))) }
        }
    }

    @Test("flipped or truncated chunk bytes give a BlockError")
    func chunkCorruption() throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.parent) }
        let index = try IndexReader(source: MemoryByteSource(name: "index", bytes: f.index))
        var metas: [ChunkMeta] = []
        for ref in try index.allPostings() { metas += try index.series(ref).chunks }
        let goodReader = try ChunkReader(segments: [MemoryByteSource(name: "000001", bytes: f.segment)])
        let good = try metas.map { try goodReader.chunk($0) }
        for i in stride(from: 0, to: f.segment.count, by: 3) {
            var bad = f.segment
            bad[i] ^= 0x81
            do {
                let reader = try ChunkReader(segments: [MemoryByteSource(name: "000001", bytes: bad)])
                let got = try metas.map { try reader.chunk($0) }
                #expect(got == good && (5..<8).contains(i), "byte \(i): corrupt chunk read without error")
            } catch is BlockError {
            }
        }
        for n in [0, 4, 8, 100, f.segment.count - 1] {
            #expect(throws: BlockError.self) {
                let reader = try ChunkReader(segments: [MemoryByteSource(name: "000001", bytes: Array(f.segment.prefix(n)))])
                for m in metas { _ = try reader.chunk(m) }
            }
        }
        #expect(throws: BlockError.self) { try goodReader.chunk(ChunkMeta(minTime: 0, maxTime: 0, ref: ChunkRef(segment: 1, offset: 8))) }
        #expect(throws: BlockError.self) { try goodReader.chunk(ChunkMeta(minTime: 0, maxTime: 0, ref: ChunkRef(segment: 0, offset: 3))) }
        #expect(throws: BlockError.self) { try index.series(SeriesRef.max) }
        #expect(throws: BlockError.self) { try index.series(1) }
    }

    @Test("broken meta.json, tombstones or missing files fail Block.init with a BlockError")
    func directoryDamage() throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.parent) }
        let meta = f.dir + "/meta.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: meta))
        try Data("{\"ulid\": 1".utf8).write(to: URL(fileURLWithPath: meta))
        #expect(throws: BlockError.self) { try Block(directory: f.dir) }
        try original.write(to: URL(fileURLWithPath: meta))
        _ = try Block(directory: f.dir)

        let tomb = f.dir + "/tombstones"
        try Data([0x01, 0x30, 0xBA, 0x30, 0x01, 0, 0, 0, 1]).write(to: URL(fileURLWithPath: tomb))
        #expect(throws: BlockError.self) { try Block(directory: f.dir) }
        try Data([0x01, 0x30, 0xBA, 0x30]).write(to: URL(fileURLWithPath: tomb))
        #expect(throws: BlockError.self) { try Block(directory: f.dir) }
        try Data(Tombstones.emptyFile()).write(to: URL(fileURLWithPath: tomb))

        try FileManager.default.removeItem(atPath: f.dir + "/index")
        do {
            _ = try Block(directory: f.dir)
            Issue.record("opened a block without an index")
        } catch {
            #expect(error.description.contains("index"))
        }
        #expect(throws: BlockError.self) { try Block(directory: f.parent + "/nope") }
    }

    @Test("random multi-byte damage to the index never traps")
    func indexFuzz() throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.parent) }
        var rng = SeededRandom(seed: 77)
        var errors = 0
        let rounds = 3000
        for _ in 0..<rounds {
            var bad = f.index
            switch rng.next() % 4 {
            case 0:
                // Scribble a few random bytes.
                for _ in 0..<(1 + rng.next() % 8) { bad[Int(rng.next() % UInt64(bad.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 1:
                // A huge length or count somewhere.
                let at = Int(rng.next() % UInt64(bad.count - 4))
                for k in 0..<4 { bad[at + k] = 0xFF }
            case 2:
                // Cut out a slice.
                let at = Int(rng.next() % UInt64(bad.count))
                bad.removeSubrange(at..<min(bad.count, at + 1 + Int(rng.next() % 64)))
            default:
                // Insert garbage.
                let at = Int(rng.next() % UInt64(bad.count))
                bad.insert(contentsOf: (0..<(1 + rng.next() % 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            }
            do { _ = try Self.readAll(index: bad) } catch { errors += 1 }
        }
        #expect(errors > rounds * 9 / 10)
    }
}
