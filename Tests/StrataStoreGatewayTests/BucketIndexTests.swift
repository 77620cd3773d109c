import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore
import StrataTestSupport
import Testing

@Suite("Bucket index")
struct BucketIndexTests {
    static let tenant = TestBlocks.tenant

    /// A filesystem bucket in a temp dir with a local block directory next to it.
    struct Fixture {
        let local: String
        let root: String
        let bucket: FilesystemBucket

        static func make() throws -> Fixture {
            let root = try makeTempDir("bi-bucket")
            return Fixture(local: try makeTempDir("bi-local"), root: root, bucket: try FilesystemBucket(root: root))
        }

        func block(seed: UInt64, from: Int64 = TestBlocks.start, segmentSize: Int = BlockFormat.defaultMaxSegmentSize) throws -> BlockMeta {
            try TestBlocks.write(TestBlocks.series(count: 5, samples: 130, from: from, seed: seed), local: local, maxSegmentSize: segmentSize)
        }

        func cleanup() {
            try? FileManager.default.removeItem(atPath: local)
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    static func sample() -> BucketIndex {
        BucketIndex(
            blocks: [
                BucketIndex.Block(id: "01HX0000000000000000000001", minTime: 1000, maxTime: 2000, uploadedAt: 1_700_000_000,
                                  source: "strata", segmentsFormat: "1b6d", segmentsNum: 2, compactionLevel: 1,
                                  labels: ["__org_id__": "team-a"]),
                BucketIndex.Block(id: "01HX0000000000000000000002", minTime: 2000, maxTime: 3000, uploadedAt: 1_700_000_100,
                                  source: "compactor", resolution: 300_000, compactionLevel: 2,
                                  compactorShardID: "1_of_4", labels: ["__compactor_shard_id__": "1_of_4"]),
            ],
            blockDeletionMarks: [BucketIndex.DeletionMark(id: "01HX0000000000000000000002", deletionTime: 1_700_000_500)],
            updatedAt: 1_700_000_600)
    }

    @Test("write then read gives the same index; an absent index reads as nil")
    func roundTrip() async throws {
        let f = try Fixture.make()
        defer { f.cleanup() }
        #expect(try await BucketIndex.read(bucket: f.bucket, tenant: Self.tenant) == nil)
        let index = Self.sample()
        try await index.write(bucket: f.bucket, tenant: Self.tenant)
        #expect(BucketIndex.key(tenant: Self.tenant) == "team-a/bucket-index.json.gz")
        #expect(try await BucketIndex.read(bucket: f.bucket, tenant: Self.tenant) == index)
    }

    @Test("gzip -d of the written object is JSON with Mimir's field names")
    func gzipInterop() async throws {
        let f = try Fixture.make()
        defer { f.cleanup() }
        try await Self.sample().write(bucket: f.bucket, tenant: Self.tenant)
        let path = f.root + "/" + BucketIndex.key(tenant: Self.tenant)
        let json = try runTool("/usr/bin/gzip", ["-dc", path])
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect(object?["version"] as? Int == 1)
        #expect(object?["updated_at"] as? Int == 1_700_000_600)
        let blocks = object?["blocks"] as? [[String: Any]] ?? []
        #expect(blocks.count == 2)
        let first = blocks.first ?? [:]
        #expect(first["block_id"] as? String == "01HX0000000000000000000001")
        #expect(first["min_time"] as? Int == 1000)
        #expect(first["max_time"] as? Int == 2000)
        #expect(first["uploaded_at"] as? Int == 1_700_000_000)
        #expect(first["segments_format"] as? String == "1b6d")
        #expect(first["segments_num"] as? Int == 2)
        #expect(first["source"] as? String == "strata")
        #expect(first["compaction_level"] as? Int == 1)
        #expect(first["resolution"] == nil, "raw blocks carry no resolution field, exactly as Mimir writes them")
        #expect((blocks.last ?? [:])["compactor_shard_id"] as? String == "1_of_4")
        #expect((blocks.last ?? [:])["resolution"] as? Int == 300_000)
        let marks = object?["block_deletion_marks"] as? [[String: Any]] ?? []
        #expect(marks.first?["block_id"] as? String == "01HX0000000000000000000002")
        #expect(marks.first?["deletion_time"] as? Int == 1_700_000_500)

        // And the other way: an index gzipped by the gzip tool reads back.
        let plain = f.local + "/bucket-index.json"
        try json.write(to: URL(fileURLWithPath: plain))
        let compressed = try runTool("/usr/bin/gzip", ["-c", plain])
        try await f.bucket.put(BucketIndex.key(tenant: Self.tenant), [UInt8](compressed))
        #expect(try await BucketIndex.read(bucket: f.bucket, tenant: Self.tenant) == Self.sample())
    }

    @Test("update lists new blocks, reuses known entries, ignores partial uploads")
    func updatePicksUpBlocks() async throws {
        let f = try Fixture.make()
        defer { f.cleanup() }
        let a = try f.block(seed: 1)
        let b = try f.block(seed: 2, from: TestBlocks.start + 7_200_000, segmentSize: 1024)
        let partial = try f.block(seed: 3)
        try await TestBlocks.upload(a, local: f.local, to: f.bucket)
        try await TestBlocks.upload(partial, local: f.local, to: f.bucket, includeMeta: false)

        let first = try await BucketIndex.update(bucket: f.bucket, tenant: Self.tenant, old: nil, now: 100)
        #expect(first.blocks.map(\.id) == [a.ulid])
        #expect(first.updatedAt == 100)
        let entry = try #require(first.blocks.first)
        #expect(entry.minTime == a.minTime && entry.maxTime == a.maxTime)
        #expect(entry.source == "strata" && entry.resolution == 0 && entry.compactionLevel == 1)
        #expect(entry.segmentsFormat == "1b6d" && entry.segmentsNum == 1)
        #expect(entry.labels == ["__org_id__": "team-a"])
        #expect(abs(entry.uploadedAt - Int64(Date().timeIntervalSince1970)) < 300, "uploaded_at is meta.json's modification time")

        try await TestBlocks.upload(b, local: f.local, to: f.bucket)
        var old = first
        old.blocks[0].uploadedAt = 42 // a marker: known entries are reused, not re-read
        let second = try await BucketIndex.update(bucket: f.bucket, tenant: Self.tenant, old: old, now: 200)
        #expect(second.blocks.map(\.id) == [a.ulid, b.ulid].sorted())
        #expect(second.blocks.first { $0.id == a.ulid }?.uploadedAt == 42)
        let bEntry = try #require(second.blocks.first { $0.id == b.ulid })
        #expect(bEntry.segmentsNum > 1, "a block with several chunk files counts them")
        #expect(!second.blocks.contains { $0.id == partial.ulid })

        // A block that lost its meta.json (being deleted) leaves the index.
        try await f.bucket.delete("\(Self.tenant.rawValue)/\(a.ulid)/meta.json")
        let third = try await BucketIndex.update(bucket: f.bucket, tenant: Self.tenant, old: second, now: 300)
        #expect(third.blocks.map(\.id) == [b.ulid])
    }

    @Test("update sees deletion marks in markers/ and in the block directory")
    func updateSeesDeletionMarks() async throws {
        let f = try Fixture.make()
        defer { f.cleanup() }
        let a = try f.block(seed: 1)
        let b = try f.block(seed: 2)
        let c = try f.block(seed: 3)
        for meta in [a, b, c] { try await TestBlocks.upload(meta, local: f.local, to: f.bucket) }
        try await BlockDeletionMarker.mark(bucket: f.bucket, tenant: Self.tenant, block: a.ulid, deletionTime: 1000, details: "retention")
        #expect(try await f.bucket.exists("team-a/markers/\(a.ulid)-deletion-mark.json"))
        #expect(try await f.bucket.exists("team-a/\(a.ulid)/deletion-mark.json"))
        // A Thanos-style mark, only in the block directory.
        let thanosMark = "{\"id\":\"\(b.ulid)\",\"deletion_time\":2000,\"version\":1}"
        try await f.bucket.put("team-a/\(b.ulid)/deletion-mark.json", Array(thanosMark.utf8))

        let index = try await BucketIndex.update(bucket: f.bucket, tenant: Self.tenant, old: nil, now: 5000)
        #expect(index.blocks.map(\.id) == [a.ulid, b.ulid, c.ulid].sorted(), "marked blocks stay listed")
        let marks = Dictionary(uniqueKeysWithValues: index.blockDeletionMarks.map { ($0.id, $0.deletionTime) })
        #expect(marks == [a.ulid: 1000, b.ulid: 2000])
        #expect(index.deletionMark(of: c.ulid) == nil)

        // A corrupt mark is skipped, not fatal.
        try await f.bucket.put("team-a/markers/\(c.ulid)-deletion-mark.json", Array("{".utf8))
        let again = try await BucketIndex.update(bucket: f.bucket, tenant: Self.tenant, old: index, now: 6000)
        #expect(Set(again.blockDeletionMarks.map(\.id)) == [a.ulid, b.ulid])
    }

    @Test("a corrupt index object is an error naming its key")
    func corruptIndex() async throws {
        let f = try Fixture.make()
        defer { f.cleanup() }
        let key = BucketIndex.key(tenant: Self.tenant)
        let cases: [(String, [UInt8])] = [
            ("not gzip", Array("plain text".utf8)),
            ("truncated gzip", Array(try Gzip.compress(Array(String(repeating: "{\"version\":1}", count: 50).utf8)).prefix(20))),
            ("not JSON", try Gzip.compress(Array("]]]".utf8))),
            ("unknown version", try Gzip.compress(Array("{\"version\":9,\"blocks\":[],\"block_deletion_marks\":[],\"updated_at\":1}".utf8))),
            ("bad block id", try Gzip.compress(Array("{\"version\":1,\"blocks\":[{\"block_id\":\"nope\",\"min_time\":1,\"max_time\":2,\"uploaded_at\":3}],\"updated_at\":1}".utf8))),
            ("inverted range", try Gzip.compress(Array("{\"version\":1,\"blocks\":[{\"block_id\":\"01HX0000000000000000000001\",\"min_time\":5,\"max_time\":2,\"uploaded_at\":3}],\"updated_at\":1}".utf8))),
        ]
        for (what, bytes) in cases {
            try await f.bucket.put(key, bytes)
            do {
                _ = try await BucketIndex.read(bucket: f.bucket, tenant: Self.tenant)
                Issue.record("\(what): read succeeded")
            } catch {
                guard case .corrupt(let k, _) = error else {
                    Issue.record("\(what): \(error)")
                    continue
                }
                #expect(k == key, "\(what)")
                #expect(error.description.contains(key))
            }
        }
    }

    @Test("tenants are the top-level prefixes that are valid tenant IDs")
    func tenants() async throws {
        let f = try Fixture.make()
        defer { f.cleanup() }
        try await f.bucket.put("team-a/x", [1])
        try await f.bucket.put("team-b/y/z", [1])
        try await f.bucket.put("bad+name/x", [1])
        try await f.bucket.put("stray-file", [1])
        #expect(try await BucketTenants.list(bucket: f.bucket).map(\.rawValue) == ["team-a", "team-b"])
    }
}

@Suite("Gzip")
struct GzipTests {
    @Test("round trip of empty, small and large inputs")
    func roundTrip() throws {
        var rng = SeededRandom(seed: 7)
        for size in [0, 1, 100, 200_000] {
            let input = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next() % 16) }
            let compressed = try Gzip.compress(input)
            #expect(compressed.prefix(2) == [0x1F, 0x8B], "a gzip header")
            #expect(try Gzip.decompress(compressed, maxSize: size + 1) == input)
        }
    }

    @Test("decompression stops at the size bound and refuses damaged input")
    func bounded() throws {
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 8 << 20))
        #expect(bomb.count < 64 * 1024)
        #expect(throws: GzipError.tooLarge(limit: 1 << 20)) { try Gzip.decompress(bomb, maxSize: 1 << 20) }
        #expect(throws: GzipError.self) { try Gzip.decompress([], maxSize: 10) }
        var damaged = try Gzip.compress(Array("hello, bucket index".utf8))
        damaged[damaged.count - 6] ^= 0xFF // inside the CRC32 trailer
        #expect(throws: GzipError.self) { try Gzip.decompress(damaged, maxSize: 100) }
        var rng = SeededRandom(seed: 3)
        for _ in 0..<200 {
            let junk = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? Gzip.decompress(junk, maxSize: 1024)
        }
    }
}

/// Runs a tool and returns its stdout; fails with its stderr when it exits non-zero.
func runTool(_ executable: String, _ args: [String]) throws -> Data {
    struct Failure: Error, CustomStringConvertible { var description: String }
    guard FileManager.default.isExecutableFile(atPath: executable) else {
        throw Failure(description: "\(executable) not found; install it (Debian package providing it) to run this test")
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw Failure(description: "\(executable) \(args) exited \(p.terminationStatus): \(String(decoding: errData, as: UTF8.self))")
    }
    return data
}
