import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore
import StrataStoreGateway
import Testing

@Suite("Range-read economy")
struct RangeReadEconomyTests {
    @Test("opening a block never downloads the index, and a selective query reads a small fraction of it")
    func selectiveQueryReadsLittle() async throws {
        let local = try makeTempDir("economy")
        let root = try makeTempDir("economy-bucket")
        let syncDir = try makeTempDir("economy-sync")
        defer {
            for dir in [local, root, syncDir] { try? FileManager.default.removeItem(atPath: dir) }
        }
        // 4000 series: 10 metrics × 400 instances, two chunks each.
        let series = TestBlocks.series(count: 4000, samples: 240, from: TestBlocks.start, seed: 9, metrics: 10, instances: 400)
        let meta = try TestBlocks.write(series, local: local)
        let recording = RecordingBucket(try FilesystemBucket(root: root))
        try await TestBlocks.upload(meta, local: local, to: recording)
        let tenant = TestBlocks.tenant
        try await BucketIndex.update(bucket: recording, tenant: tenant, old: nil, now: 1_700_000_000).write(bucket: recording, tenant: tenant)
        let indexKey = "\(tenant.rawValue)/\(meta.ulid)/index"
        let indexSize = try await recording.attributes(indexKey).size
        let segmentKey = "\(tenant.rawValue)/\(meta.ulid)/chunks/000001"

        recording.reset()
        let gateway = StoreGateway(bucket: recording, config: StoreGateway.Config(syncDirectory: syncDir), logger: testLogger())
        try await gateway.sync()
        let syncCalls = recording.recorded
        #expect(!syncCalls.contains(.get(indexKey)) && !syncCalls.contains(.download(indexKey)), "the index is never downloaded whole")
        #expect(!syncCalls.contains { if case .download = $0 { return true } else { return false } })
        let headerBytes = try await recording.bytesRequested(key: indexKey)
        #expect(headerBytes < indexSize / 3, "building the index-header read \(headerBytes) of \(indexSize) index bytes")
        for call in syncCalls {
            if case .getRange(let key, let range) = call, key == indexKey {
                #expect(range.count < indexSize / 3, "no single read covers most of the index (\(range))")
            }
        }

        recording.reset()
        let before = gateway.stats.bucketBytesRead
        let matchers = [try m(.equal, "__name__", "metric_3"), try m(.equal, "instance", "host-17.example.org:9100")]
        let request = SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: matchers)
        let got = try await gateway.select(request)
        let want = try TestBlocks.reference([meta], local: local, matchers: matchers, minTime: .min, maxTime: .max)
        #expect(got == want)
        #expect(got.count == 1)
        let queryBytes = gateway.stats.bucketBytesRead - before
        let queryIndexBytes = try await recording.bytesRequested(key: indexKey)
        let segmentSize = try await recording.attributes(segmentKey).size
        let queryChunkBytes = try await recording.bytesRequested(key: segmentKey)
        // Mimir's default 512 KiB gap merges the two postings lists and what lies between them.
        #expect(queryIndexBytes * 10 < indexSize, "selective query read \(queryIndexBytes) of \(indexSize) index bytes")
        #expect(queryChunkBytes * 100 < segmentSize, "selective query read \(queryChunkBytes) of \(segmentSize) chunk bytes")
        #expect(queryBytes == queryIndexBytes + queryChunkBytes, "stats count exactly the bytes read (\(queryBytes))")

        // The same query again is answered from the caches.
        recording.reset()
        #expect(try await gateway.select(request) == want)
        #expect(recording.recorded.isEmpty, "a repeated query makes no bucket request")

        // A query over a few scattered series still reads far less than the index, with a gap
        // small enough not to merge their entries.
        let narrow = StoreGateway(bucket: recording, config: StoreGateway.Config(syncDirectory: syncDir, partitionerMaxGapBytes: 1024), logger: testLogger())
        try await narrow.sync()
        recording.reset()
        #expect(try await narrow.select(request) == want)
        let narrowBytes = try await recording.bytesRequested(key: indexKey)
        #expect(narrowBytes * 50 < indexSize, "with a 1 KiB gap the selective query read \(narrowBytes) of \(indexSize) index bytes")
        recording.reset()
        let spread = [try m(.equal, "__name__", "metric_7"), try m(.regexMatch, "instance", "host-(5|150|300|399)\\.example\\.org:9100")]
        let spreadGot = try await narrow.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: spread))
        #expect(spreadGot == (try TestBlocks.reference([meta], local: local, matchers: spread, minTime: .min, maxTime: .max)))
        #expect(spreadGot.count == 4)
        let spreadBytes = try await recording.bytesRequested(key: indexKey)
        #expect(spreadBytes * 10 < indexSize, "four scattered series read \(spreadBytes) of \(indexSize) index bytes")
        print("range-read economy: index \(indexSize) B, index-header build read \(headerBytes) B; selective query read \(queryIndexBytes) B of index (512 KiB gap), \(narrowBytes) B (1 KiB gap), \(queryChunkBytes) B of \(segmentSize) B chunks; 4 scattered series \(spreadBytes) B")
    }
}
