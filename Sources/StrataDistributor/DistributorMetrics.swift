import Metrics
import StrataModel
import Synchronization

/// The distributor's counters, with Mimir's names (`cortex_` → `strata_`) and labels.
///
/// Counters are created once per tenant (and per tenant and reason) and cached, so a push takes
/// this type's lock once instead of going through the metrics factory's lock for every counter.
final class DistributorMetrics: Sendable {
    /// The per-tenant counters every push touches.
    struct TenantCounters: Sendable {
        let requestsIn: Counter
        let samplesIn: Counter
        let exemplarsIn: Counter
        let metadataIn: Counter
        let receivedSamples: Counter
        let receivedExemplars: Counter
        let receivedMetadata: Counter
    }

    private struct DiscardKey: Hashable {
        let metric: String
        let tenant: TenantID
        let reason: String
    }

    private let factory: any MetricsFactory
    private let tenants = Mutex<[TenantID: TenantCounters]>([:])
    private let discarded = Mutex<[DiscardKey: Counter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func counters(for tenant: TenantID) -> TenantCounters {
        tenants.withLock { cache in
            if let hit = cache[tenant] { return hit }
            let user = [("user", tenant.rawValue)]
            let made = TenantCounters(
                requestsIn: Counter(label: "strata_distributor_requests_in_total", dimensions: user, factory: factory),
                samplesIn: Counter(label: "strata_distributor_samples_in_total", dimensions: user, factory: factory),
                exemplarsIn: Counter(label: "strata_distributor_exemplars_in_total", dimensions: user, factory: factory),
                metadataIn: Counter(label: "strata_distributor_metadata_in_total", dimensions: user, factory: factory),
                receivedSamples: Counter(label: "strata_distributor_received_samples_total", dimensions: user, factory: factory),
                receivedExemplars: Counter(label: "strata_distributor_received_exemplars_total", dimensions: user, factory: factory),
                receivedMetadata: Counter(label: "strata_distributor_received_metadata_total", dimensions: user, factory: factory)
            )
            cache[tenant] = made
            return made
        }
    }

    /// Adds to `strata_discarded_samples_total{reason, user}` for each entry of `counts`.
    func discardSamples(tenant: TenantID, counts: [ErrorID: Int]) {
        for (id, count) in counts where count > 0 {
            discard("strata_discarded_samples_total", tenant: tenant, reason: id.discardReason, count: count)
        }
    }

    /// Adds to `metric{reason, user}` (`strata_discarded_samples_total`,
    /// `strata_discarded_exemplars_total` or `strata_discarded_metadata_total`).
    func discard(_ metric: String, tenant: TenantID, reason: String, count: Int) {
        guard count > 0 else { return }
        let key = DiscardKey(metric: metric, tenant: tenant, reason: reason)
        let counter = discarded.withLock { cache in
            if let hit = cache[key] { return hit }
            let made = Counter(label: metric, dimensions: [("reason", reason), ("user", tenant.rawValue)], factory: factory)
            cache[key] = made
            return made
        }
        counter.increment(by: count)
    }
}

extension ErrorID {
    /// The `reason` label of `strata_discarded_samples_total` for samples refused with this ID.
    ///
    /// Mimir's spellings: the validation reasons are the ID with `_` for `-`; rate limiting is
    /// `rate_limited`; the ingester's reasons are its own historical names (Mimir counts
    /// `err-mimir-sample-timestamp-too-old` as `sample-out-of-bounds` and a duplicate timestamp as
    /// `new-value-for-timestamp`).
    var discardReason: String {
        switch self {
        case .tenantMaxIngestionRate: return "rate_limited"
        case .maxSeriesPerUser: return "per_user_series_limit"
        case .maxSeriesPerMetric: return "per_metric_series_limit"
        case .sampleOutOfOrder: return "sample-out-of-order"
        case .sampleDuplicateTimestamp: return "new-value-for-timestamp"
        case .sampleTimestampTooOld: return "sample-out-of-bounds"
        case .sampleTooOld: return "sample-too-old"
        default: return String(rawValue.map { $0 == "-" ? "_" : $0 })
        }
    }
}
