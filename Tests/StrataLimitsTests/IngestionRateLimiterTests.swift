import StrataLimits
import StrataModel
import Synchronization
import Testing

@Suite struct IngestionRateLimiterTests {
    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        private let current = Mutex(ContinuousClock.now)
        func now() -> ContinuousClock.Instant { current.withLock { $0 } }
        func advance(_ d: Duration) { current.withLock { $0 = $0.advanced(by: d) } }
    }

    private func limiter(rate: Double, burst: Int) -> (IngestionRateLimiter, ManualClock, Overrides) {
        var limits = Limits()
        limits.ingestionRate = rate
        limits.ingestionBurstSize = burst
        let overrides = Overrides(defaults: limits)
        let clock = ManualClock()
        return (IngestionRateLimiter(overrides: overrides, now: { clock.now() }), clock, overrides)
    }

    @Test func burstThenRefill() throws {
        let (limiter, clock, _) = limiter(rate: 100, burst: 1_000)
        let t = TenantID.anonymous
        #expect(limiter.allow(tenant: t, count: 600))
        #expect(limiter.allow(tenant: t, count: 400))
        #expect(!limiter.allow(tenant: t, count: 1))
        clock.advance(.seconds(1))  // +100 tokens
        #expect(!limiter.allow(tenant: t, count: 101))
        #expect(limiter.allow(tenant: t, count: 100))
        #expect(!limiter.allow(tenant: t, count: 1))
        clock.advance(.milliseconds(500))  // +50
        #expect(limiter.allow(tenant: t, count: 50))
        clock.advance(.seconds(3_600))  // refill caps at the burst
        #expect(limiter.allow(tenant: t, count: 1_000))
        #expect(!limiter.allow(tenant: t, count: 1))
    }

    /// With 4 distributors each refills at a quarter of the tenant's rate; the burst stays whole.
    @Test func rateIsSharedByTheDistributors() {
        var limits = Limits()
        limits.ingestionRate = 400
        limits.ingestionBurstSize = 1_000
        let clock = ManualClock()
        let distributors = Mutex(4)
        let limiter = IngestionRateLimiter(overrides: Overrides(defaults: limits), now: { clock.now() },
                                           rateShare: { 1 / Double(distributors.withLock { $0 }) })
        #expect(limiter.allow(tenant: .anonymous, count: 1_000))
        clock.advance(.seconds(1))  // +100, a quarter of 400
        #expect(!limiter.allow(tenant: .anonymous, count: 101))
        #expect(limiter.allow(tenant: .anonymous, count: 100))
        distributors.withLock { $0 = 1 }
        clock.advance(.seconds(1))  // +400 once this distributor is alone
        #expect(limiter.allow(tenant: .anonymous, count: 400))
        #expect(!limiter.allow(tenant: .anonymous, count: 1))
    }

    @Test func requestBiggerThanBurstIsAlwaysRefused() {
        let (limiter, clock, _) = limiter(rate: 1_000_000, burst: 10)
        clock.advance(.seconds(60))
        #expect(!limiter.allow(tenant: .anonymous, count: 11))
        #expect(limiter.allow(tenant: .anonymous, count: 10))
    }

    @Test func refusedRequestTakesNoTokens() {
        let (limiter, _, _) = limiter(rate: 1, burst: 10)
        #expect(limiter.allow(tenant: .anonymous, count: 6))
        #expect(!limiter.allow(tenant: .anonymous, count: 5))
        #expect(limiter.allow(tenant: .anonymous, count: 4))
    }

    @Test func tenantsHaveSeparateBuckets() throws {
        let (limiter, _, _) = limiter(rate: 1, burst: 10)
        #expect(limiter.allow(tenant: try TenantID(validating: "a"), count: 10))
        #expect(limiter.allow(tenant: try TenantID(validating: "b"), count: 10))
        #expect(!limiter.allow(tenant: try TenantID(validating: "a"), count: 1))
    }

    @Test func emptyRequestIsAlwaysAllowed() {
        let (limiter, _, _) = limiter(rate: 0, burst: 0)
        #expect(limiter.allow(tenant: .anonymous, count: 0))
        #expect(!limiter.allow(tenant: .anonymous, count: 1))
    }

    @Test func runtimeChangeAppliesToNextRequest() throws {
        let (limiter, clock, overrides) = limiter(rate: 10, burst: 100)
        let t = try TenantID(validating: "team-a")
        #expect(limiter.allow(tenant: t, count: 100))
        try overrides.apply(runtimeConfigYAML: "overrides:\n  team-a:\n    ingestion_rate: 1000\n    ingestion_burst_size: 5000\n", source: "r")
        clock.advance(.seconds(1))  // +1000 at the new rate
        #expect(limiter.allow(tenant: t, count: 1_000))
        #expect(!limiter.allow(tenant: t, count: 1))
        // Lowering the burst caps the tokens already in the bucket.
        clock.advance(.seconds(5))
        try overrides.apply(runtimeConfigYAML: "overrides:\n  team-a:\n    ingestion_rate: 1000\n    ingestion_burst_size: 50\n", source: "r")
        #expect(!limiter.allow(tenant: t, count: 51))
        #expect(limiter.allow(tenant: t, count: 50))
    }
}
