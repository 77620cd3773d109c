import StrataDistributor
import StrataIngester
import StrataLimits
import StrataModel
import Synchronization
import Testing

@Suite struct DistributorTests {
    final class ManualClock: Sendable {
        private let current = Mutex(ContinuousClock.now)
        func now() -> ContinuousClock.Instant { current.withLock { $0 } }
        func advance(_ d: Duration) { current.withLock { $0 = $0.advanced(by: d) } }
    }

    private static func rateLimits(rate: Double, burst: Int) -> Limits {
        var l = Limits()
        l.ingestionRate = rate
        l.ingestionBurstSize = burst
        return l
    }

    static let rateLimitedMessage = "the request has been rejected because the tenant exceeded the ingestion rate limit, set to 10 items/s with a maximum allowed burst of 100. This limit is applied on the total number of samples, exemplars and metadata received across all distributors (err-strata-tenant-max-ingestion-rate). To adjust the related per-tenant limits, configure -distributor.ingestion-rate-limit and -distributor.ingestion-burst-size, or contact your service administrator."

    @Test func rateLimitRefusesWith429AndRefills() async throws {
        let clock = ManualClock()
        let harness = Harness(limits: Self.rateLimits(rate: 10, burst: 100), clock: { clock.now() })
        _ = try await harness.distributor.push(tenant: .anonymous, batch: makeBatch([validSeries("a", count: 60)]))
        let error = await harness.pushExpectingError(makeBatch([validSeries("b", count: 50)]))
        guard case .rateLimited(let message) = error else {
            Issue.record("expected .rateLimited, got \(String(describing: error))")
            return
        }
        #expect(message == Self.rateLimitedMessage)
        #expect(error?.httpStatus == 429)
        #expect(error?.errorID == .tenantMaxIngestionRate)
        // Nothing of the refused request reached the ingester.
        #expect(harness.ingester.receivedMetricNames == ["a"])
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", "rate_limited"), ("user", "anonymous")]) == 50)

        clock.advance(.seconds(1))  // 40 left + 10 refilled
        let summary = try await harness.distributor.push(tenant: .anonymous, batch: makeBatch([validSeries("b", count: 50)]))
        #expect(summary.acceptedSamples == 50)
        #expect(harness.ingester.receivedMetricNames == ["a", "b"])
    }

    @Test func rateLimitCountsExemplarsAndMetadata() async throws {
        let harness = Harness(limits: Self.rateLimits(rate: 1, burst: 10))
        let batch = makeBatch([validSeries("a", count: 5)], exemplars: [3], metadata: 3)
        let error = await harness.pushExpectingError(batch)
        guard case .rateLimited = error else {
            Issue.record("expected .rateLimited, got \(String(describing: error))")
            return
        }
        #expect(harness.metrics.value("strata_discarded_exemplars_total", [("reason", "rate_limited"), ("user", "anonymous")]) == 3)
        #expect(harness.metrics.value("strata_discarded_metadata_total", [("reason", "rate_limited"), ("user", "anonymous")]) == 3)
        #expect(harness.ingester.received.isEmpty)
    }

    @Test func invalidSamplesAreNotChargedToTheRateLimit() async throws {
        let harness = Harness(limits: Self.rateLimits(rate: 1, burst: 10))
        let batch = makeBatch([validSeries("ok", count: 10), ([("job", "no-name")], Array(repeating: testNow, count: 5))])
        let error = await harness.pushExpectingError(batch)
        guard case .invalid(_, let id, let rejected, let accepted, _) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(id == .missingMetricName)
        #expect(rejected == 5)
        #expect(accepted == 10)
    }

    @Test func rateLimitTakesPrecedenceOverValidationErrors() async throws {
        let harness = Harness(limits: Self.rateLimits(rate: 1, burst: 1))
        let batch = makeBatch([validSeries("ok", count: 2), ([("job", "no-name")], [testNow])])
        let error = await harness.pushExpectingError(batch)
        guard case .rateLimited = error else {
            Issue.record("expected .rateLimited, got \(String(describing: error))")
            return
        }
        #expect(harness.ingester.received.isEmpty)
    }

    @Test func ingesterSoftRejectionsAreReported() async throws {
        let ingester = FakeIngester(.reject(id: .sampleOutOfOrder, count: 2, message: "the sample has been rejected because another sample with a more recent timestamp has already been ingested and out-of-order samples are not allowed (err-strata-sample-out-of-order)"))
        let harness = Harness(ingester: ingester)
        let error = await harness.pushExpectingError(makeBatch([validSeries("a", count: 5)]))
        guard case .invalid(let message, let id, let rejected, let accepted, _) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(id == .sampleOutOfOrder)
        #expect(message.hasSuffix("(err-strata-sample-out-of-order) (2 of 5 samples in the request were rejected)"))
        #expect(rejected == 2)
        #expect(accepted == 3)
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", "sample-out-of-order"), ("user", "anonymous")]) == 2)
    }

    @Test func validationAndIngesterRejectionsAreMerged() async throws {
        let ingester = FakeIngester(.reject(id: .maxSeriesPerUser, count: 1, message: "per-user series limit of 1 exceeded (err-strata-max-series-per-user)"))
        let harness = Harness(ingester: ingester)
        let batch = makeBatch([validSeries("a", count: 2), ([("__name__", "bad name")], [testNow])])
        let error = await harness.pushExpectingError(batch)
        guard case .invalid(let message, let id, let rejected, let accepted, _) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        // The validation error comes first, as it happened first.
        #expect(id == .metricNameInvalid)
        #expect(message == "received a series with invalid metric name: 'bad name' (err-strata-metric-name-invalid) (2 of 3 samples in the request were rejected)")
        #expect(rejected == 2)
        #expect(accepted == 1)
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", "per_user_series_limit"), ("user", "anonymous")]) == 1)
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", "metric_name_invalid"), ("user", "anonymous")]) == 1)
    }

    @Test func ingesterUnavailableMapsTo503() async throws {
        let harness = Harness(ingester: FakeIngester(.fail(.unavailable("replaying WAL"))))
        let error = await harness.pushExpectingError(makeBatch([validSeries("a")]))
        guard case .unavailable(let message) = error else {
            Issue.record("expected .unavailable, got \(String(describing: error))")
            return
        }
        #expect(message == "ingester is unavailable: replaying WAL (err-strata-ingester-unavailable)")
        #expect(error?.httpStatus == 503)
        #expect(error?.errorID == .ingesterUnavailable)
    }

    @Test func ingesterStorageFailureMapsTo500() async throws {
        let harness = Harness(ingester: FakeIngester(.fail(.storage("disk full"))))
        let error = await harness.pushExpectingError(makeBatch([validSeries("a")]))
        guard case .unavailable(let message) = error else {
            Issue.record("expected .unavailable, got \(String(describing: error))")
            return
        }
        #expect(message == "ingester failed to store the samples: disk full")
        #expect(error?.httpStatus == 500)
        #expect(error?.errorID == nil)
    }

    @Test func metricsAreCountedPerTenant() async throws {
        let harness = Harness()
        let tenant = try TenantID(validating: "team-a")
        let batch = makeBatch([validSeries("a", count: 3), ([("job", "x")], [testNow, testNow])], exemplars: [2, 1], metadata: 4)
        _ = await harness.pushExpectingError(batch, tenant: tenant)
        _ = try await harness.distributor.push(tenant: tenant, batch: makeBatch([validSeries("b", count: 1)]))
        let user = [("user", "team-a")]
        #expect(harness.metrics.value("strata_distributor_requests_in_total", user) == 2)
        #expect(harness.metrics.value("strata_distributor_samples_in_total", user) == 6)
        #expect(harness.metrics.value("strata_distributor_exemplars_in_total", user) == 3)
        #expect(harness.metrics.value("strata_distributor_metadata_in_total", user) == 4)
        #expect(harness.metrics.value("strata_distributor_received_samples_total", user) == 4)
        #expect(harness.metrics.value("strata_distributor_received_exemplars_total", user) == 2)
        #expect(harness.metrics.value("strata_distributor_received_metadata_total", user) == 4)
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", "missing_metric_name"), ("user", "team-a")]) == 2)
        #expect(harness.metrics.value("strata_distributor_requests_in_total", [("user", "anonymous")]) == 0)
    }

    @Test func countersAreCachedAcrossPushes() async throws {
        let harness = Harness()
        _ = try await harness.distributor.push(tenant: .anonymous, batch: makeBatch([validSeries("a")]))
        let afterFirst = harness.metrics.handlersMade
        for _ in 0..<5 {
            _ = try await harness.distributor.push(tenant: .anonymous, batch: makeBatch([validSeries("a")]))
        }
        #expect(harness.metrics.handlersMade == afterFirst)
        #expect(harness.metrics.value("strata_distributor_requests_in_total", [("user", "anonymous")]) == 6)
    }

    @Test func runtimeOverridesApplyToTheNextPush() async throws {
        let harness = Harness()
        let tenant = try TenantID(validating: "team-a")
        let batch = makeBatch([([("__name__", "up"), ("a", "1"), ("b", "2")], [testNow])])
        _ = try await harness.distributor.push(tenant: tenant, batch: batch)
        try harness.overrides.apply(runtimeConfigYAML: "overrides:\n  team-a:\n    max_label_names_per_series: 2\n", source: "r")
        let error = await harness.pushExpectingError(batch, tenant: tenant)
        #expect(error?.errorID == .maxLabelNamesPerSeries)
        // Other tenants keep the defaults.
        _ = try await harness.distributor.push(tenant: .anonymous, batch: batch)
    }

    @Test func emptyRequestSucceedsWithoutCallingTheIngester() async throws {
        let harness = Harness()
        let summary = try await harness.distributor.push(tenant: .anonymous, batch: SeriesBatch())
        #expect(summary == PushSummary(receivedSamples: 0, acceptedSamples: 0))
        #expect(harness.ingester.received.isEmpty)
    }
}
