import Foundation
import Logging
import StrataBlocks
import StrataChunks
import StrataCompactor
import StrataModel
import StrataPromQL
import StrataStoreGateway
import Testing

/// Retention takes effect in queries at once: the store-gateway serves a block only from its
/// resolution's retention cutoff on, long before the compactor deletes it, and older data is
/// answered from a coarser resolution that is still kept.
@Suite("Retention in queries")
struct QueryRetentionTests {
    typealias F = CompactorFixture

    @Test("raw data past retention disappears from answers; 5m data kept longer answers for it")
    func expiredDataDisappears() async throws {
        let f = try F()
        let day: Int64 = 24 * F.hour
        let now = WallClock.nowMilliseconds()
        let today = now - now % day
        let oldLo = today - 10 * day, recentLo = today - day
        let series = { (lo: Int64) in F.series(0..<1, from: lo, to: lo + day, step: 60_000, value: { _, _ in 1 }) }
        try await f.upload(series(oldLo), tenant: "t", minTime: oldLo, maxTime: oldLo + day)
        try await f.upload(series(recentLo), tenant: "t", minTime: recentLo, maxTime: recentLo + day)
        try await f.upload(series(oldLo), tenant: "t", minTime: oldLo, maxTime: oldLo + day, resolution: Resolution.fiveMinutes) { samples in
            Downsampler.downsample(raw: samples, resolution: Resolution.fiveMinutes).map {
                EncodedChunk(minTime: $0.minTime, maxTime: $0.maxTime, encoding: .aggregate, data: $0.chunk.encoded())
            }
        }
        var logger = Logger(label: "retention")
        logger.logLevel = .warning
        let settings = CompactorTenantSettings(rawRetention: .seconds(5 * 86_400), fiveMinuteRetention: .seconds(30 * 86_400))
        let gateway = StoreGateway(bucket: f.bucket, config: StoreGateway.Config(syncDirectory: f.root + "/sync"), logger: logger,
                                   retention: { _, resolution in settings.retention(resolution: resolution) })
        try await gateway.sync()
        let tenant = try TenantID(validating: "t")

        func count(maxResolution: SourceResolution) async throws -> Double {
            var options = EngineOptions()
            options.sourceResolution = maxResolution
            let result = try await Engine(options: options).instantQuery("sum(count_over_time(metric[12d]))", at: now, tenant: tenant,
                                                                        storage: gateway as any Queryable)
            guard case .vector(let v) = result.value else { return -1 }
            return v.first?.f ?? 0
        }
        // Raw only: the old day is past the 5-day raw retention, though its block is still in the bucket.
        #expect(try await count(maxResolution: .maximum(0)) == 1440)
        // With 5m allowed, the old day is answered from its 5m block (kept 30 days).
        #expect(try await count(maxResolution: .maximum(Resolution.fiveMinutes)) == 2880)
    }
}
