#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Metrics
import StrataHATracker
import StrataIngester
import StrataLimits
import StrataModel

/// The write path's front door: validates, rate-limits and forwards one decoded remote-write
/// request to the ingester, in Mimir's order.
///
/// 0. With the HA tracker on for the tenant, a push from a Prometheus HA replica that is not the
///    elected one of its cluster is dropped with 202; an accepted one loses its replica label.
/// 1. Every series is validated against the tenant's limits; invalid series are dropped whole,
///    samples outside the time window alone.
/// 2. What remains (samples + exemplars + metadata) is charged to the tenant's token bucket; over
///    the limit, the whole request is refused with 429 and nothing is stored.
/// 3. The valid series go to the ingester in one push. Refusals from validation and from the
///    ingester are merged: if anything was refused the client gets a 400 naming the first
///    problem, but the valid samples are stored regardless (Prometheus does not retry a 400).
public final class Distributor: Sendable {
    let overrides: Overrides
    let ingester: any IngesterClient
    private let rateLimiter: IngestionRateLimiter
    private let metrics: DistributorMetrics
    private let logger: Logger
    let now: @Sendable () -> Int64
    let haTracker: HATracker?

    /// Creates a distributor.
    ///
    /// - Parameters:
    ///   - now: the wall clock in ms since the epoch, for the grace-period checks.
    ///   - rateLimiter: the ingestion rate limiter; by default one private to this distributor
    ///     reading its limits from `overrides`.
    ///   - haTracker: deduplicates Prometheus HA pairs for tenants with `accept_ha_samples`.
    public init(overrides: Overrides, ingester: any IngesterClient, metricsFactory: any MetricsFactory, logger: Logger,
                now: @escaping @Sendable () -> Int64 = Distributor.wallClockMilliseconds,
                rateLimiter: IngestionRateLimiter? = nil, haTracker: HATracker? = nil) {
        self.haTracker = haTracker
        self.overrides = overrides
        self.ingester = ingester
        self.rateLimiter = rateLimiter ?? IngestionRateLimiter(overrides: overrides)
        self.metrics = DistributorMetrics(factory: metricsFactory)
        self.logger = logger
        self.now = now
    }

    /// Validates, rate-limits and forwards one decoded remote-write request.
    public func push(tenant: TenantID, batch incoming: SeriesBatch) async throws(PushError) -> PushSummary {
        var exemplarsWritten = 0
        return try await push(tenant: tenant, batch: incoming, forwarding: nil, exemplarsWritten: &exemplarsWritten)
    }

    /// `push(tenant:batch:)`, with `extras` (when given) sent to the ingesters in the same
    /// pushes as the samples of their series (`Distributor+Extras.swift`); `exemplarsWritten`
    /// is set to the exemplars the ingesters report stored, also when the push throws.
    func push(tenant: TenantID, batch incoming: SeriesBatch, forwarding extras: WriteExtras?,
              exemplarsWritten: inout Int) async throws(PushError) -> PushSummary {
        let limits = overrides.limits(for: tenant)
        let batch = try await deduplicateHAReplicas(tenant: tenant, batch: incoming, limits: limits)
        let counters = metrics.counters(for: tenant)

        var receivedSamples = 0
        var receivedExemplars = 0
        for entry in batch.series {
            receivedSamples += Int(entry.sampleCount) + Int(entry.histogramCount)
            receivedExemplars += Int(entry.exemplarCount)
        }
        counters.requestsIn.increment()
        counters.samplesIn.increment(by: receivedSamples)
        counters.exemplarsIn.increment(by: receivedExemplars)
        counters.metadataIn.increment(by: batch.metadataCount)

        let validation = SeriesValidator(limits: limits, now: now()).validate(batch)
        metrics.discardSamples(tenant: tenant, counts: validation.rejectedByID)
        counters.receivedSamples.increment(by: validation.validSamples)
        counters.receivedExemplars.increment(by: validation.validExemplars)
        counters.receivedMetadata.increment(by: batch.metadataCount)

        let items = validation.validSamples + validation.validExemplars + batch.metadataCount
        if !rateLimiter.allow(tenant: tenant, count: items, limits: limits) {
            let reason = ErrorID.tenantMaxIngestionRate.discardReason
            metrics.discard("strata_discarded_samples_total", tenant: tenant, reason: reason, count: validation.validSamples)
            metrics.discard("strata_discarded_exemplars_total", tenant: tenant, reason: reason, count: validation.validExemplars)
            metrics.discard("strata_discarded_metadata_total", tenant: tenant, reason: reason, count: batch.metadataCount)
            throw .rateLimited(message: ValidationError.ingestionRateLimited(rate: limits.ingestionRate, burst: limits.ingestionBurstSize))
        }

        var result = IngestResult()
        let aligned = extras.map { forwardedExtras($0, batch: validation.batch, limits: limits) } ?? BatchExtras()
        if !validation.batch.series.isEmpty || !aligned.isEmpty {
            do {
                result = aligned.isEmpty ? try await ingester.push(tenant: tenant, batch: validation.batch)
                                         : try await ingester.push(tenant: tenant, batch: validation.batch, extras: aligned)
                exemplarsWritten = result.appendedExemplars
            } catch {
                logger.warning("push to ingester failed", metadata: ["user": "\(tenant)", "err": "\(error)"])
                throw .unavailable(message: error.description)
            }
            metrics.discardSamples(tenant: tenant, counts: result.rejectedSamples)
        }

        let rejected = validation.rejectedSamples + result.rejectedCount
        let histogramsWritten = Self.histogramsWritten(validation: validation, result: result)
        guard rejected > 0 else {
            return PushSummary(receivedSamples: receivedSamples, acceptedSamples: result.appendedSamples,
                               acceptedHistograms: histogramsWritten)
        }
        let first: (id: ErrorID, message: String)
        if let error = validation.firstError {
            first = (error.id, error.message)
        } else if let error = result.firstError {
            first = (error.id, error.message)
        } else {
            // An ingester that counted refusals without describing one: name the biggest reason.
            let id = result.rejectedSamples.max { $0.value < $1.value }?.key ?? .invalidRequestBody
            first = (id, "the ingester rejected samples (\(id.id))")
        }
        logger.debug("push partially rejected", metadata: [
            "user": "\(tenant)", "rejected": "\(rejected)", "received": "\(receivedSamples)", "first": "\(first.message)",
        ])
        throw .invalid(message: "\(first.message) (\(rejected) of \(receivedSamples) samples in the request were rejected)",
                       id: first.id, rejectedSamples: rejected, acceptedSamples: result.appendedSamples,
                       acceptedHistograms: histogramsWritten)
    }

    /// How many of the appended samples are native histograms: the ingester counts them
    /// separately (`IngestResult.appendedHistograms`), so the count stays exact when it refused
    /// some samples. Bounded by the valid histograms sent and by the samples appended, so a
    /// sender is never told more histograms were written than it sent.
    static func histogramsWritten(validation: ValidationOutcome, result: IngestResult) -> Int {
        max(0, min(validation.validHistograms, result.appendedHistograms, result.appendedSamples))
    }

    /// Milliseconds since the Unix epoch from the system's real-time clock.
    @Sendable
    public static func wallClockMilliseconds() -> Int64 {
        WallClock.nowMilliseconds()
    }
}
