import Metrics
import StrataModel
import StrataTSDB
import Synchronization

/// The ingester's self-metrics, with Mimir's names under the `strata_` prefix.
///
/// Per-append counters are cached per tenant so the push path does not look them up in the
/// factory every time. Head and WAL figures are read from each head's stats when `/metrics` is
/// scraped; counters among them advance by the difference since the previous scrape.
final class IngesterMetrics: Sendable {
    private struct TenantCounters {
        let ingestedSamples: Counter
        let seriesCreated: Counter
    }

    private struct ScrapeState {
        var lastStats: [TenantID: HeadStats] = [:]
    }

    private let factory: any MetricsFactory
    private let tenants = Mutex<[TenantID: TenantCounters]>([:])
    private let scrape = Mutex<ScrapeState>(ScrapeState())

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func recordAppend(tenant: TenantID, appended: Int, seriesCreated: Int) {
        let counters = tenants.withLock { map -> TenantCounters in
            if let c = map[tenant] { return c }
            let dims = [("user", tenant.rawValue)]
            let c = TenantCounters(
                ingestedSamples: Counter(label: "strata_ingester_ingested_samples_total", dimensions: dims, factory: factory),
                seriesCreated: Counter(label: "strata_ingester_memory_series_created_total", dimensions: dims, factory: factory)
            )
            map[tenant] = c
            return c
        }
        if appended > 0 { counters.ingestedSamples.increment(by: appended) }
        if seriesCreated > 0 { counters.seriesCreated.increment(by: seriesCreated) }
    }

    /// Counts blocks cut from a tenant's head (Mimir: `cortex_ingester_tsdb_compactions_total`).
    func recordBlocksCut(tenant: TenantID, count: Int) {
        Counter(label: "strata_ingester_tsdb_compactions_total", factory: factory).increment(by: count)
    }

    /// Counts shipped and failed block uploads (Mimir's `*_ingester_shipper_*` counters); failures
    /// carry the tenant (`user`), so the one tenant whose blocks do not ship can be found.
    func recordShipment(tenant: TenantID, uploaded: Int, failed: Int) {
        if uploaded > 0 { Counter(label: "strata_ingester_shipper_uploads_total", factory: factory).increment(by: uploaded) }
        if failed > 0 {
            Counter(label: "strata_ingester_shipper_upload_failures_total", dimensions: [("user", tenant.rawValue)], factory: factory)
                .increment(by: failed)
        }
    }

    /// Publishes head and WAL figures of every tenant.
    func publish(_ stats: [TenantID: HeadStats]) {
        var totalSeries = 0
        let previous = scrape.withLock { state -> [TenantID: HeadStats] in
            let p = state.lastStats
            state.lastStats = stats
            return p
        }
        for (tenant, s) in stats {
            let dims = [("user", tenant.rawValue)]
            totalSeries += s.numSeries
            Gauge(label: "strata_ingester_tsdb_head_series", dimensions: dims, factory: factory).record(s.numSeries)
            Gauge(label: "strata_ingester_tsdb_head_chunks", dimensions: dims, factory: factory).record(s.numChunks)
            if s.numSeries > 0 {
                Gauge(label: "strata_ingester_tsdb_head_min_timestamp_seconds", dimensions: dims, factory: factory)
                    .record(Double(s.minTime) / 1000)
                Gauge(label: "strata_ingester_tsdb_head_max_timestamp_seconds", dimensions: dims, factory: factory)
                    .record(Double(s.maxTime) / 1000)
            }
            let before = previous[tenant]
            advance("strata_ingester_tsdb_wal_written_bytes_total", dims, Int(s.walBytesWritten), Int(before?.walBytesWritten ?? 0))
            advance("strata_ingester_tsdb_wal_fsyncs_total", dims, Int(s.walFsyncs), Int(before?.walFsyncs ?? 0))
            advance("strata_ingester_tsdb_checkpoint_creations_total", dims, s.checkpoints, before?.checkpoints ?? 0)
            advance("strata_ingester_tsdb_wal_corruptions_total", dims, s.walRepairs, before?.walRepairs ?? 0)
        }
        Gauge(label: "strata_ingester_memory_series", factory: factory).record(totalSeries)
        Gauge(label: "strata_ingester_memory_users", factory: factory).record(stats.count)
    }

    private func advance(_ name: String, _ dims: [(String, String)], _ now: Int, _ before: Int) {
        let delta = now - before
        let counter = Counter(label: name, dimensions: dims, factory: factory)
        if delta > 0 { counter.increment(by: delta) }
    }
}

extension Ingester {
    /// Refreshes the head and WAL metrics; called before `/metrics` is rendered.
    public func collectMetrics() {
        let snapshot = heads.withLock { $0 }.mapValues { $0.stats }
        metrics.publish(snapshot)
    }

    /// Head statistics per tenant (for status pages and tests).
    public func tenantStats() -> [TenantID: HeadStats] {
        heads.withLock { $0 }.mapValues { $0.stats }
    }
}
