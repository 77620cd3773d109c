import StrataModel
import Synchronization

/// A token bucket per tenant (`golang.org/x/time/rate` semantics).
///
/// The tenant's `ingestion_rate` is cluster-wide, as Mimir's global strategy: with `rateShare`,
/// each distributor refills at its share of it (1 / the healthy distributors of the ring), while
/// the burst size stays whole, as in Mimir.
///
/// A bucket holds at most `ingestionBurstSize` tokens and refills at `ingestionRate` per second; a
/// request of `n` items takes `n` tokens or is refused without taking any. Rate and burst are read
/// from the tenant's current limits on every call, so a runtime config change applies to the next
/// request.
public final class IngestionRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var last: ContinuousClock.Instant
        var rate: Double
        var burst: Int
    }

    private let overrides: Overrides
    private let now: @Sendable () -> ContinuousClock.Instant
    private let rateShare: (@Sendable () -> Double)?
    private let buckets = Mutex<[TenantID: Bucket]>([:])

    /// Creates a limiter; `now` is injectable so tests can move time. `rateShare` is this
    /// distributor's fraction of every tenant's rate (nil: all of it).
    public init(overrides: Overrides, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                rateShare: (@Sendable () -> Double)? = nil) {
        self.overrides = overrides
        self.now = now
        self.rateShare = rateShare
    }

    /// Takes `count` tokens from `tenant`'s bucket; false (and nothing taken) when there are not
    /// enough, including when `count` exceeds the burst size and could never fit.
    public func allow(tenant: TenantID, count: Int) -> Bool {
        if count <= 0 { return true }
        return allow(tenant: tenant, count: count, limits: overrides.limits(for: tenant))
    }

    /// As `allow(tenant:count:)`, with the tenant's limits already looked up by the caller (the
    /// distributor has them in hand, and this saves a second lookup per request).
    public func allow(tenant: TenantID, count: Int, limits: Limits) -> Bool {
        if count <= 0 { return true }
        let rate = limits.ingestionRate * min(1, max(0, rateShare?() ?? 1))
        let burst = limits.ingestionBurstSize
        if rate.isInfinite { return true }
        if count > burst { return false }
        let instant = now()
        return buckets.withLock { buckets in
            // A new tenant starts with a full bucket, as x/time/rate does.
            var bucket = buckets[tenant] ?? Bucket(tokens: Double(burst), last: instant, rate: rate, burst: burst)
            if bucket.rate != rate || bucket.burst != burst {
                bucket.tokens = Swift.min(bucket.tokens, Double(burst))
                bucket.rate = rate
                bucket.burst = burst
            }
            let elapsed = instant - bucket.last
            if elapsed > .zero {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                bucket.tokens = Swift.min(Double(burst), bucket.tokens + seconds * rate)
                bucket.last = instant
            }
            let allowed = bucket.tokens >= Double(count)
            if allowed { bucket.tokens -= Double(count) }
            buckets[tenant] = bucket
            return allowed
        }
    }
}
