import Foundation
import MetricsTestKit
import StrataBlocks
import StrataBucketIndex
import StrataChunks
@testable import StrataCompactor
import StrataModel
import StrataObjstore
import StrataTestSupport
import Testing

@Suite("Compactor over a filesystem bucket")
struct CompactorTests {
    typealias F = CompactorFixture
    static let h = F.hour

    /// Three replicas of 24 h of 2 h blocks, as three ingesters ship them: replica 2 misses some
    /// samples, replica 3 has one series the others lack.
    static func uploadReplicas(_ f: F, tenant: String, series: Range<Int> = 0..<12, windows: Int = 12) async throws -> [Labels: [Sample]] {
        var expected: [Labels: [Int64: Double]] = [:]
        for w in 0..<windows {
            let lo = F.start + Int64(w) * 2 * h, hi = lo + 2 * h
            for replica in 0..<3 {
                var data = F.series(series, from: lo, to: hi, skip: { i, t in replica == 1 && (t / F.scrape) % 7 == i % 7 })
                if replica == 2 { data += F.series(100..<101, from: lo, to: hi) }
                for (labels, samples) in data {
                    for s in samples { expected[labels, default: [:]][s.timestamp] = s.value }
                }
                try await f.upload(data, tenant: tenant, minTime: lo, maxTime: hi)
            }
        }
        return expected.mapValues { $0.sorted { $0.key < $1.key }.map { Sample(timestamp: $0.key, value: $0.value) } }
    }

    @Test("replicas' 2h blocks become one copy in one 24h block; sources are deleted after the delay")
    func replicasBecomeOneCopy() async throws {
        let f = try F()
        let expected = try await Self.uploadReplicas(f, tenant: "t1")
        let before = try await f.liveSamples("t1")
        #expect(before.stored > 2 * expected.values.reduce(0) { $0 + $1.count })

        let compactor = f.compactor()
        let report = await compactor.runOnce()
        #expect(report.failures.isEmpty, "\(report.failures)")
        let live = try await f.liveBlocks("t1")
        #expect(live.count == 1, "\(live.map { ($0.minTime, $0.maxTime, $0.compactionLevel) })")
        #expect(live.first?.minTime == F.start && live.first?.maxTime == F.start + 24 * Self.h)
        #expect((live.first?.compactionLevel ?? 0) >= 3)
        let after = try await f.liveSamples("t1")
        #expect(after.samples == expected)
        #expect(after.stored == expected.values.reduce(0) { $0 + $1.count }, "one copy of each sample")
        let meta = try await f.open("t1", live[0].id).meta
        #expect(meta.compaction.sources.count == 36)
        #expect(meta.thanos?.source == "compactor")
        #expect(meta.thanos?.labels[BlockMeta.tenantLabel] == "t1")

        // Sources stay (marked) for the deletion delay, then go.
        #expect(try await f.index("t1").blocks.count > 1)
        f.advance(seconds: 3601)
        _ = await compactor.runOnce()
        let index = try await f.index("t1")
        #expect(index.blocks.map(\.id) == [live[0].id])
        #expect(index.blockDeletionMarks.isEmpty)
        let leftovers = try await f.bucket.list(prefix: "t1/", delimiter: "/").commonPrefixes
        #expect(Set(leftovers).subtracting(["t1/markers/"]) == ["t1/\(live[0].id)/"])
        #expect(try await f.bucket.list(prefix: "t1/markers/", delimiter: nil).keys.isEmpty)
    }

    @Test("where replicas disagree at one timestamp, the block with the smallest ID wins")
    func disagreementRule() async throws {
        let f = try F()
        let lo = F.start, hi = F.start + 2 * Self.h
        let first = ULID(timestamp: 1_000, random: 1), second = ULID(timestamp: 2_000, random: 1)
        try await f.upload(F.series(0..<2, from: lo, to: hi, value: { _, _ in 2 }), tenant: "t", minTime: lo, maxTime: hi, ulid: second)
        try await f.upload(F.series(0..<2, from: lo, to: hi, value: { _, _ in 1 }), tenant: "t", minTime: lo, maxTime: hi, ulid: first)
        _ = await f.compactor().runOnce()
        let samples = try await f.liveSamples("t").samples
        #expect(samples.count == 2)
        #expect(samples.values.allSatisfy { $0.allSatisfy { $0.value == 1 } })
    }

    @Test("split-and-merge: outputs are shards by series hash, each series in exactly one")
    func splitAndMerge() async throws {
        let f = try F()
        let expected = try await Self.uploadReplicas(f, tenant: "big", series: 0..<40, windows: 6)
        let compactor = f.compactor(settings: CompactorTenantSettings(shards: 3))
        let report = await compactor.runOnce()
        #expect(report.failures.isEmpty, "\(report.failures)")
        let live = try await f.liveBlocks("big")
        #expect(Set(live.map(\.compactorShardID)) == ["1_of_3", "2_of_3", "3_of_3"])
        #expect(live.count == 3, "one 12h block per shard: \(live.map { ($0.compactorShardID, $0.minTime, $0.maxTime) })")
        for block in live {
            let opened = try await f.open("big", block.id)
            for ref in try opened.index.allPostings() {
                let labels = try opened.index.series(ref).labels
                #expect(BlockCompactor.shardID(BlockCompactor.shard(of: labels, count: 3), of: 3) == block.compactorShardID)
            }
        }
        let after = try await f.liveSamples("big")
        #expect(after.samples == expected)
        #expect(after.stored == expected.values.reduce(0) { $0 + $1.count })
    }

    @Test("a corrupt block is marked no-compact with its reason; the rest of it and other tenants are compacted")
    func quarantine() async throws {
        let f = try F()
        let lo = F.start, hi = F.start + 2 * Self.h
        var ids: [String] = []
        for r in 0..<3 { ids.append(try await f.upload(F.series(0..<5, from: lo, to: hi), tenant: "sick", minTime: lo, maxTime: hi, ulid: ULID(timestamp: UInt64(1000 + r), random: 7))) }
        _ = try await Self.uploadReplicas(f, tenant: "healthy", windows: 1)
        // Flip a byte inside the first chunk of the middle replica: its CRC no longer matches.
        let path = f.root + "/bucket/sick/\(ids[1])/chunks/000001"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[20] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let metrics = TestMetrics()
        let report = await f.compactor(metrics: metrics).runOnce()
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.tenants[try TenantID(validating: "sick")]?.blocksMarkedNoCompact == 1)
        let mark = try await NoCompactMarker.read(bucket: f.bucket, tenant: TenantID(validating: "sick"), block: ids[1])
        #expect(mark?.reason == NoCompactMarker.compactionFailedReason)
        #expect(mark?.details?.contains("checksum") == true || mark?.details?.contains("CRC") == true, "\(mark?.details ?? "")")
        let sick = try await f.liveBlocks("sick")
        #expect(Set(sick.map(\.id)).contains(ids[1]))
        #expect(sick.count == 2, "the two good replicas merged, the bad one left alone")
        #expect(try await f.liveBlocks("healthy").count == 1)
        // The lag gauge points at the stuck block's range.
        let gauge = try metrics.expectGauge("strata_compactor_oldest_uncompacted_block_timestamp_seconds", [("user", "sick")])
        #expect(gauge.lastValue == Double(lo) / 1000)
        #expect(try metrics.expectGauge("strata_compactor_no_compact_blocks", [("user", "sick")]).lastValue == 1)
        // Marked blocks are not retried.
        let again = await f.compactor().runOnce()
        #expect(again.tenants[try TenantID(validating: "sick")]?.jobs == 0)
    }

    @Test("an upload that fails before meta.json leaves no visible block and no marked source; the next run completes")
    func interruptedUploadLeavesNothingVisible() async throws {
        let f = try F()
        let expected = try await Self.uploadReplicas(f, tenant: "t", windows: 1)
        // As a compactor killed just before its last upload: `meta.json` never arrives.
        let failing = WriteFailingBucket(f.bucket, failing: { $0.hasSuffix("/" + BlockFormat.metaFileName) })
        let report = await f.compactor(bucket: failing).runOnce()
        #expect(report.failures.count == 1)
        let index = try await f.index("t")
        #expect(index.blocks.count == 3)
        #expect(index.blockDeletionMarks.isEmpty)
        // The partial upload's objects are there, but no reader lists a block without meta.json.
        #expect(try await f.bucket.list(prefix: "t/", delimiter: "/").commonPrefixes.count > 3)
        let report2 = await f.compactor().runOnce()
        #expect(report2.failures.isEmpty, "\(report2.failures)")
        #expect(try await f.liveBlocks("t").count == 1)
        #expect(try await f.liveSamples("t").samples == expected)
        // A day after its last object was written, the partial upload is deleted.
        f.advance(seconds: WallClock.nowMilliseconds() / 1000 + 2 * 86_400 - f.clock())
        let report3 = await f.compactor().runOnce()
        #expect(report3.tenants[try TenantID(validating: "t")]?.partialBlocksDeleted == 1)
        let dirs = try await f.bucket.list(prefix: "t/", delimiter: "/").commonPrefixes.filter { !$0.hasSuffix("/markers/") }
        #expect(dirs.count == 1, "\(dirs)")
    }

    @Test("raw blocks past retention are marked; 5m and 1h keep their own retention")
    func retention() async throws {
        let f = try F()
        let lo = F.start, hi = F.start + 2 * Self.h
        let old = try await f.upload(F.series(0..<2, from: lo, to: hi), tenant: "t", minTime: lo, maxTime: hi)
        let nowMs = f.clock() * 1000
        let recent = try await f.upload(F.series(0..<2, from: nowMs - 2 * Self.h, to: nowMs), tenant: "t", minTime: nowMs - 2 * Self.h, maxTime: nowMs)
        let report = await f.compactor(settings: CompactorTenantSettings(rawRetention: .seconds(7 * 86_400))).runOnce()
        #expect(report.failures.isEmpty)
        let live = try await f.liveBlocks("t").map(\.id)
        #expect(live == [recent])
        #expect(try await f.index("t").deletionMark(of: old) != nil)
    }
}
