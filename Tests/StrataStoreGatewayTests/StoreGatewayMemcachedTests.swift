import Foundation
import StrataCache
import StrataModel
import StrataObjstore
import StrataStoreGateway
import StrataTestSupport
import Testing

/// The store-gateway's memcached caches (`-blocks-storage.bucket-store.{index,chunks}-cache.backend=memcached`)
/// against a real memcached: a second store-gateway reads postings and chunks that the first one
/// read from memcached instead of the bucket, answers the same, and keeps answering when
/// memcached is killed.
@Suite("StoreGateway with memcached caches")
struct StoreGatewayMemcachedTests {
    @Test("a fresh store-gateway reads postings and chunks from memcached, not the bucket; a dead memcached is a miss")
    func sharedCaches() async throws {
        try await withMemcached { server in
            let f = try await StoreGatewayFilesystemTests.Fixture.make()
            defer { f.cleanup() }
            func gateway(_ remote: RemoteCaches) throws -> StoreGateway {
                StoreGateway(bucket: f.bucket, config: StoreGateway.Config(syncDirectory: try makeTempDir("sync-mc")),
                             logger: testLogger(), remoteCaches: remote)
            }
            func memcached() throws -> MemcachedCache {
                try MemcachedCache(config: MemcachedConfig(addresses: [server.address], timeout: .seconds(2)), logger: testLogger())
            }
            let index = try memcached(), chunks = try memcached()
            defer { Task { await index.shutdown(); await chunks.shutdown() } }
            let remote = RemoteCaches(index: index, chunks: chunks)

            // Baseline: what a store-gateway without memcached reads from the bucket for the queries.
            let plain = try gateway(.none)
            try await plain.sync()
            let plainBefore = plain.stats.bucketBytesRead
            try await f.scenario.verify(plain, "plain")
            let plainBytes = plain.stats.bucketBytesRead - plainBefore

            // The first store-gateway with memcached fills it.
            let first = try gateway(remote)
            try await first.sync()
            try await f.scenario.verify(first, "first")
            // A fresh one (empty memory caches, own sync dir) reads far less from the bucket. The
            // first one's stores run in the background, so a busy machine may need a few tries.
            var secondBytes = plainBytes
            for attempt in 0..<20 where secondBytes >= plainBytes / 2 {
                if attempt > 0 { try await Task.sleep(for: .milliseconds(500)) }
                let second = try gateway(remote)
                try await second.sync()
                let before = second.stats.bucketBytesRead
                try await f.scenario.verify(second, "second")
                secondBytes = second.stats.bucketBytesRead - before
            }
            #expect(secondBytes < plainBytes / 2, "with memcached warm: \(secondBytes) bytes from the bucket, without: \(plainBytes)")

            // memcached gone: a miss, the queries still answer from the bucket.
            server.kill()
            let third = try gateway(remote)
            try await third.sync()
            try await f.scenario.verify(third, "memcached down")
        }
    }
}
