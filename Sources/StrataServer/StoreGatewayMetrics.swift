import Metrics
import StrataStoreGateway
import Synchronization

/// Publishes the store-gateway's statistics as self-metrics when `/metrics` is scraped, with
/// Mimir's names under the `strata_` prefix (`cortex_bucket_store_*`, `cortex_store_index_cache_*`).
/// Counters advance by the difference since the previous scrape.
final class StoreGatewayMetrics: Sendable {
    private let factory: any MetricsFactory
    private let previous = Mutex<StoreGatewayStats?>(nil)

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Reads `stats` into gauges and counters.
    func publish(_ s: StoreGatewayStats) {
        let before = previous.withLock { p -> StoreGatewayStats? in
            let old = p
            p = s
            return old
        }
        gauge("strata_bucket_store_blocks_loaded", s.blocksLoaded)
        gauge("strata_bucket_store_tenants", s.tenants)
        gauge("strata_bucket_store_index_headers_on_disk", s.indexHeadersOnDisk)
        gauge("strata_bucket_store_index_headers_loaded", s.indexHeadersInMemory)
        advance("strata_bucket_store_index_header_builds_total", s.indexHeaderBuilds, before?.indexHeaderBuilds)
        advance("strata_bucket_store_index_header_rebuilds_total", s.indexHeaderRebuilds, before?.indexHeaderRebuilds)
        advance("strata_bucket_store_index_header_lazy_load_total", s.indexHeaderLoads, before?.indexHeaderLoads)
        advance("strata_bucket_store_index_header_lazy_unload_total", s.indexHeaderUnloads, before?.indexHeaderUnloads)
        advance("strata_blocks_meta_syncs_total", s.syncs, before?.syncs)
        advance("strata_blocks_meta_sync_failures_total", s.syncFailures, before?.syncFailures)
        advance("strata_bucket_store_bucket_requests_total", s.bucketRequests, before?.bucketRequests)
        advance("strata_bucket_store_bucket_request_failures_total", s.bucketRequestFailures, before?.bucketRequestFailures)
        advance("strata_bucket_store_bucket_read_bytes_total", s.bucketBytesRead, before?.bucketBytesRead)
        for (item, cache, old) in [("Postings", s.postingsCache, before?.postingsCache),
                                   ("Series", s.seriesCache, before?.seriesCache),
                                   ("chunks", s.chunksCache, before?.chunksCache)] {
            let dims = [("item_type", item)]
            advance("strata_store_index_cache_hits_total", cache.hits, old?.hits, dims)
            advance("strata_store_index_cache_requests_total", cache.hits + cache.misses, old.map { $0.hits + $0.misses }, dims)
            advance("strata_store_index_cache_evicted_total", cache.evictions, old?.evictions, dims)
            gauge("strata_store_index_cache_items", cache.items, dims)
            gauge("strata_store_index_cache_total_size_bytes", cache.bytes, dims)
        }
    }

    private func gauge(_ name: String, _ value: Int, _ dims: [(String, String)] = []) {
        Gauge(label: name, dimensions: dims, factory: factory).record(value)
    }

    private func advance(_ name: String, _ now: Int, _ before: Int?, _ dims: [(String, String)] = []) {
        let counter = Counter(label: name, dimensions: dims, factory: factory)
        let delta = now - (before ?? 0)
        if delta > 0 { counter.increment(by: delta) }
    }
}
