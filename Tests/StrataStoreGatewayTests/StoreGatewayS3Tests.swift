import StrataTestSupport
import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore
import StrataStoreGateway
import Testing

@Suite("StoreGateway over S3 (moto_server)")
struct StoreGatewayS3Tests {
    @Test("answers equal the blocks opened locally, against a real S3 API")
    func answersOverS3() async throws {
        let scenario = try Scenario.make()
        let syncDir = try makeTempDir("s3-sync")
        defer {
            scenario.cleanup()
            try? FileManager.default.removeItem(atPath: syncDir)
        }
        try await withMotoBucket { s3, _ in
            try await scenario.upload(to: s3)
            let gateway = StoreGateway(bucket: s3, config: StoreGateway.Config(syncDirectory: syncDir), logger: testLogger())
            try await gateway.sync()
            #expect(gateway.blockIDs(tenant: TestBlocks.tenant) == scenario.blocks.map(\.ulid).sorted())
            try await scenario.verify(gateway, "s3")

            // Deletion through the bucket index, as on the filesystem.
            let tenant = TestBlocks.tenant
            let gone = scenario.blocks[0]
            try await BlockDeletionMarker.mark(bucket: s3, tenant: tenant, block: gone.ulid, deletionTime: Int64(Date().timeIntervalSince1970) - 7200)
            let index = try await BucketIndex.update(bucket: s3, tenant: tenant, old: try await BucketIndex.read(bucket: s3, tenant: tenant), now: 1_700_000_100)
            #expect(index.blockDeletionMarks.map(\.id) == [gone.ulid])
            try await index.write(bucket: s3, tenant: tenant)
            try await gateway.sync()
            #expect(!gateway.blockIDs(tenant: tenant).contains(gone.ulid))
            try await scenario.verify(gateway, expected: Array(scenario.blocks.dropFirst()), "s3 after deletion")
        }
    }

    @Test("through a proxy that fails a share of requests, every answer is still exact")
    func answersThroughFaults() async throws {
        let scenario = try Scenario.make()
        let syncDir = try makeTempDir("flaky-sync")
        defer {
            scenario.cleanup()
            try? FileManager.default.removeItem(atPath: syncDir)
        }
        try await withMotoBucket { s3, moto in
            try await scenario.upload(to: s3)
            let schedule: [FlakyProxy.Fault] = [.forward, .status(503), .forward, .drop, .forward, .status(500), .forward, .status(429), .forward, .forward]
            let proxy = try await FlakyProxy.start(upstream: moto.port, schedule: schedule)
            let serving = Task { await proxy.run() }
            var config = moto.config(bucket: "strata-test", port: proxy.port)
            config.maxRetries = 10
            let flaky = try S3Bucket(config: config)
            do {
                let gateway = StoreGateway(bucket: flaky, config: StoreGateway.Config(syncDirectory: syncDir, rangeReadConcurrency: 4), logger: testLogger())
                try await gateway.sync()
                #expect(gateway.blockIDs(tenant: TestBlocks.tenant) == scenario.blocks.map(\.ulid).sorted())
                try await scenario.verify(gateway, "flaky")
                #expect(proxy.stats.injected > 10, "the proxy injected \(proxy.stats.injected) faults")
                #expect(gateway.stats.bucketRequestFailures == 0, "the S3 client's retries absorbed every fault")
            } catch {
                await flaky.shutdown()
                serving.cancel()
                await proxy.stop()
                throw error
            }
            await flaky.shutdown()
            serving.cancel()
            await proxy.stop()
        }
    }
}
