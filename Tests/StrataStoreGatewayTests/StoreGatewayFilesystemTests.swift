import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore
import StrataStoreGateway
import Synchronization
import Testing

@Suite("StoreGateway over a filesystem bucket")
struct StoreGatewayFilesystemTests {
    /// A scenario uploaded to a fresh filesystem bucket, and a sync directory.
    struct Fixture {
        let scenario: Scenario
        let bucket: FilesystemBucket
        let root: String
        let syncDir: String

        static func make() async throws -> Fixture {
            let scenario = try Scenario.make()
            let root = try makeTempDir("bucket")
            let bucket = try FilesystemBucket(root: root)
            try await scenario.upload(to: bucket)
            return Fixture(scenario: scenario, bucket: bucket, root: root, syncDir: try makeTempDir("sync"))
        }

        func gateway(_ configure: (inout StoreGateway.Config) -> Void = { _ in }) -> StoreGateway {
            var config = StoreGateway.Config(syncDirectory: syncDir)
            configure(&config)
            return StoreGateway(bucket: bucket, config: config, logger: testLogger())
        }

        func cleanup() {
            scenario.cleanup()
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: syncDir)
        }

        func headerPath(_ meta: BlockMeta) -> String {
            "\(syncDir)/\(TestBlocks.tenant.rawValue)/\(meta.ulid)/index-header"
        }
    }

    @Test("select, labelNames and labelValues equal the blocks opened locally; a partial block is invisible")
    func answersMatchLocalBlocks() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let gateway = f.gateway()
        try await gateway.sync()
        #expect(gateway.blockIDs(tenant: TestBlocks.tenant) == f.scenario.blocks.map(\.ulid).sorted())
        #expect(!gateway.blockIDs(tenant: TestBlocks.tenant).contains(f.scenario.partial.ulid))
        let stats = gateway.stats
        #expect(stats.tenants == 2)
        #expect(stats.blocksLoaded == 5)
        #expect(stats.indexHeaderBuilds == 5)
        #expect(stats.indexHeadersInMemory == 0, "index-headers are loaded lazily")
        for meta in f.scenario.blocks { #expect(FileManager.default.fileExists(atPath: f.headerPath(meta))) }

        try await f.scenario.verify(gateway, "cold")
        let afterCold = gateway.stats
        #expect(afterCold.indexHeadersInMemory == 5)
        // A second pass is served from the caches: no bucket reads at all.
        try await f.scenario.verify(gateway, "warm")
        let afterWarm = gateway.stats
        #expect(afterWarm.bucketBytesRead == afterCold.bucketBytesRead, "warm queries read nothing from the bucket")
        #expect(afterWarm.chunksCache.hits > 0 && afterWarm.seriesCache.hits > 0 && afterWarm.postingsCache.hits > 0)
        #expect(afterWarm.chunksCache.bytes > 0 && afterWarm.chunksCache.items > 0)
    }

    @Test("with an ownership filter only the owned blocks are loaded, and a block no longer owned is dropped at the next sync")
    func shardedByOwnership() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let tenant = TestBlocks.tenant
        let all = f.scenario.blocks.map(\.ulid).sorted()
        let owned = Mutex(Set(all.prefix(2)))
        let gateway = StoreGateway(bucket: f.bucket, config: StoreGateway.Config(syncDirectory: f.syncDir), logger: testLogger(),
                                   ownsBlock: { t, id in t != tenant || owned.withLock { $0.contains(id) } })
        try await gateway.sync()
        #expect(gateway.blockIDs(tenant: tenant) == Array(all.prefix(2)))
        try await f.scenario.verify(gateway, expected: f.scenario.blocks.filter { all.prefix(2).contains($0.ulid) }, "owned")
        // The ring changed: the second block moved to another store-gateway, the third came here.
        owned.withLock { $0 = [all[0], all[2]] }
        try await gateway.sync()
        #expect(gateway.blockIDs(tenant: tenant) == [all[0], all[2]])
        #expect(!FileManager.default.fileExists(atPath: f.headerPath(f.scenario.blocks.first { $0.ulid == all[1] }!)))
    }

    @Test("a block marked for deletion, and a block deleted from the bucket, disappear after sync")
    func deletedBlocksDisappear() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let gateway = f.gateway()
        try await gateway.sync()
        try await f.scenario.verify(gateway, "before")
        let tenant = TestBlocks.tenant
        let (a, b, c, d) = (f.scenario.blocks[0], f.scenario.blocks[1], f.scenario.blocks[2], f.scenario.blocks[3])

        // Marked two hours ago: past the default 1 h ignore-deletion-marks delay.
        let now = Int64(Date().timeIntervalSince1970)
        try await BlockDeletionMarker.mark(bucket: f.bucket, tenant: tenant, block: c.ulid, deletionTime: now - 7200)
        // Marked just now: still served for the delay.
        try await BlockDeletionMarker.mark(bucket: f.bucket, tenant: tenant, block: d.ulid, deletionTime: now)
        // B deleted outright (its objects removed, as the compactor does after the delay).
        for key in try await f.bucket.list(prefix: "\(tenant.rawValue)/\(b.ulid)/", delimiter: nil).keys { try await f.bucket.delete(key) }
        let old = try await BucketIndex.read(bucket: f.bucket, tenant: tenant)
        let index = try await BucketIndex.update(bucket: f.bucket, tenant: tenant, old: old, now: now)
        try await index.write(bucket: f.bucket, tenant: tenant)

        try await gateway.sync()
        #expect(gateway.blockIDs(tenant: tenant) == [a.ulid, d.ulid].sorted())
        #expect(!FileManager.default.fileExists(atPath: f.headerPath(b)), "a dropped block's index-header is deleted")
        #expect(!FileManager.default.fileExists(atPath: f.headerPath(c)))
        try await f.scenario.verify(gateway, expected: [a, d], "after deletion")
    }

    @Test("a corrupt index-header file is rebuilt, at startup and when loaded lazily")
    func corruptIndexHeaderIsRebuilt() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let first = f.gateway()
        try await first.sync()
        let target = f.scenario.blocks[1]
        let original = try Data(contentsOf: URL(fileURLWithPath: f.headerPath(target)))

        // Restart: a new store-gateway over the same sync dir finds the damage while syncing.
        try flipByte(f.headerPath(target), at: original.count / 2)
        let restarted = f.gateway()
        try await restarted.sync()
        #expect(restarted.stats.indexHeaderRebuilds == 1)
        #expect(restarted.stats.indexHeaderBuilds == 1, "only the damaged index-header is rebuilt")
        #expect(try Data(contentsOf: URL(fileURLWithPath: f.headerPath(target))) == original, "rebuilding gives the same bytes")
        try await f.scenario.verify(restarted, "after restart")

        // Lazy loading: the file is damaged while the index-header is not in memory.
        #expect(restarted.unloadIdleIndexHeaders(idleFor: .zero) == 5)
        #expect(restarted.stats.indexHeadersInMemory == 0)
        try flipByte(f.headerPath(target), at: 7)
        try await f.scenario.verify(restarted, "after lazy rebuild")
        #expect(restarted.stats.indexHeaderRebuilds == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: f.headerPath(target))) == original)

        // A truncated file and a deleted one are rebuilt too.
        restarted.unloadIdleIndexHeaders(idleFor: .zero)
        try Data(original.prefix(10)).write(to: URL(fileURLWithPath: f.headerPath(target)))
        try FileManager.default.removeItem(atPath: f.headerPath(f.scenario.blocks[0]))
        try await f.scenario.verify(restarted, "after truncation and removal")
        #expect(restarted.stats.indexHeaderRebuilds == 3)
    }

    @Test("a missing or corrupt bucket index falls back to scanning the bucket")
    func bucketIndexFallback() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let tenant = TestBlocks.tenant
        try await f.bucket.delete(BucketIndex.key(tenant: tenant))
        let gateway = f.gateway()
        try await gateway.sync()
        #expect(gateway.blockIDs(tenant: tenant) == f.scenario.blocks.map(\.ulid).sorted())
        try await f.scenario.verify(gateway, "missing index")

        try await f.bucket.put(BucketIndex.key(tenant: tenant), Array("not gzip".utf8))
        let second = StoreGateway(bucket: f.bucket, config: StoreGateway.Config(syncDirectory: try makeTempDir("sync2")), logger: testLogger())
        try await second.sync()
        #expect(second.blockIDs(tenant: tenant) == f.scenario.blocks.map(\.ulid).sorted())
        try await f.scenario.verify(second, "corrupt index")
    }

    @Test("memory stays bounded: past maxLoadedIndexHeaders the least recently used index-header is unloaded")
    func loadedIndexHeadersAreBounded() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let gateway = f.gateway { $0.maxLoadedIndexHeaders = 2 }
        try await gateway.sync()
        try await f.scenario.verify(gateway, "bounded")
        let stats = gateway.stats
        #expect(stats.indexHeadersInMemory <= 2)
        #expect(stats.indexHeaderUnloads > 0)
        #expect(stats.indexHeaderLoads > 5, "unloaded index-headers are loaded again on demand")
    }

    @Test("concurrent queries and syncs: one load per cold block, answers unchanged")
    func concurrency() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let gateway = f.gateway()
        try await gateway.sync()
        let query = try Scenario.queries()[4]
        let request = SelectRequest(tenant: TestBlocks.tenant, minTime: query.minTime, maxTime: query.maxTime, matchers: query.matchers)
        let want = try TestBlocks.reference(f.scenario.blocks, local: f.scenario.local, matchers: query.matchers, minTime: query.minTime, maxTime: query.maxTime)
        try await withThrowingTaskGroup(of: [QuerySeries].self) { group in
            for _ in 0..<8 { group.addTask { try await gateway.select(request) } }
            group.addTask {
                try await gateway.sync()
                return want
            }
            for try await got in group { #expect(got == want) }
        }
        #expect(gateway.stats.indexHeaderLoads == 4, "concurrent queries of a cold block share one load")
        #expect(gateway.stats.indexHeaderBuilds == 5, "a sync during queries rebuilds nothing")
    }

    @Test("run() syncs in the background until cancelled")
    func runLoop() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let gateway = f.gateway { $0.syncInterval = .milliseconds(50) }
        let task = Task { await gateway.run() }
        var synced = false
        for _ in 0..<200 {
            if gateway.stats.syncs >= 2 && gateway.blockIDs(tenant: TestBlocks.tenant).count == 4 {
                synced = true
                break
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        task.cancel()
        await task.value
        #expect(synced, "run() synced at least twice")
        #expect(gateway.stats.syncFailures == 0)
    }

    @Test("a block whose index is damaged is left out and reported; the others are served")
    func damagedBlockIsReported() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let tenant = TestBlocks.tenant
        let victim = f.scenario.blocks[2]
        let key = "\(tenant.rawValue)/\(victim.ulid)/index"
        var bytes = try await f.bucket.get(key)
        // Damage the postings offset table's CRC region (just before the 52-byte TOC).
        bytes[bytes.count - 60] ^= 0xFF
        try await f.bucket.put(key, bytes)
        let gateway = f.gateway()
        await #expect(throws: StoreGatewayError.self) { try await gateway.sync() }
        #expect(gateway.blockIDs(tenant: tenant) == f.scenario.blocks.filter { $0.ulid != victim.ulid }.map(\.ulid).sorted())
        #expect(gateway.stats.syncFailures == 1)
        do {
            try await gateway.sync()
            Issue.record("sync with a damaged block succeeded")
        } catch {
            #expect(error.description.contains(victim.ulid), "the error names the block: \(error)")
        }
    }
}

/// Inverts one byte of a file.
func flipByte(_ path: String, at offset: Int) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data[offset] ^= 0xFF
    try data.write(to: URL(fileURLWithPath: path))
}
