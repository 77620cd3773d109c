import Metrics
import Synchronization

/// The query-frontend's self-metrics, with Mimir's names under the `strata_` prefix:
///
/// - `strata_query_frontend_queries_total{op, user}`: client requests (`op` is `query`,
///   `query_range`, `series`, `labels` or `label_values`).
/// - `strata_query_frontend_queue_length{user}`: requests waiting in each tenant's queue (set
///   when `/metrics` is scraped; 0 for a tenant seen before whose queue is empty).
/// - `strata_query_frontend_queue_duration_seconds`: how long each queued request waited for a
///   querier.
/// - `strata_query_frontend_discarded_requests_total{user}`: queued requests refused with 429
///   because the tenant's queue was full.
/// - `strata_query_frontend_connected_clients`: queriers pulling from the queue.
/// - `strata_frontend_split_queries_total`: the parts range queries were split into by interval.
/// - `strata_frontend_query_sharding_rewrites_attempted_total` / `_succeeded_total` and
///   `strata_frontend_sharded_queries_total`: queries sharding was tried on, those that ran
///   sharded, and the shard queries they ran.
/// - `strata_frontend_query_result_cache_requests_total{request_type}` / `_hits_total`: results
///   cache lookups of split parts and those answered (wholly or partly) from the cache.
///
/// Most figures come from the statistics each answered query already carries (`QueryStats`),
/// so the stages themselves do not change; the queue's figures are read at scrape time.
public final class FrontendMetrics: Sendable {
    private let factory: any MetricsFactory
    private let splitQueries: Counter
    private let shardingAttempted: Counter
    private let shardingSucceeded: Counter
    private let shardedQueries: Counter
    private let cacheRequests: Counter
    private let cacheHits: Counter
    private let queueDuration: Timer
    private let connectedClients: Gauge
    /// Per (op, tenant) and per tenant counters, made once each.
    private let queries = Mutex<[String: Counter]>([:])
    private let discarded = Mutex<[String: Counter]>([:])
    /// Tenants whose queue length was published: an emptied queue is published as 0, not left
    /// at its last value.
    private let queueTenants = Mutex<Set<String>>([])

    /// The `request_type` of the results cache counters (Mimir's value for range queries).
    static let cacheRequestType = [("request_type", "query_range")]

    /// Creates the metrics in `factory`. The counters that have no tenant exist from the start
    /// (at 0), so that their rates are defined before the first query.
    public init(factory: any MetricsFactory) {
        self.factory = factory
        splitQueries = Counter(label: "strata_frontend_split_queries_total", factory: factory)
        shardingAttempted = Counter(label: "strata_frontend_query_sharding_rewrites_attempted_total", factory: factory)
        shardingSucceeded = Counter(label: "strata_frontend_query_sharding_rewrites_succeeded_total", factory: factory)
        shardedQueries = Counter(label: "strata_frontend_sharded_queries_total", factory: factory)
        cacheRequests = Counter(label: "strata_frontend_query_result_cache_requests_total", dimensions: Self.cacheRequestType,
                                factory: factory)
        cacheHits = Counter(label: "strata_frontend_query_result_cache_hits_total", dimensions: Self.cacheRequestType,
                            factory: factory)
        queueDuration = Timer(label: "strata_query_frontend_queue_duration_seconds", factory: factory)
        connectedClients = Gauge(label: "strata_query_frontend_connected_clients", factory: factory)
    }

    /// The `op` label of a request kind, as Mimir names its routes.
    static func op(_ kind: QueryRequest.Kind) -> String {
        switch kind {
        case .instant: return "query"
        case .range: return "query_range"
        case .series: return "series"
        case .labelNames: return "labels"
        case .labelValues: return "label_values"
        case .exemplars: return "query_exemplars"
        case .metadata: return "metadata"
        }
    }

    /// Counts one client request and, once answered, how the frontend cut it up and what the
    /// results cache answered. `shardingEnabled`: whether sharding was tried on PromQL queries.
    func finished(_ request: QueryRequest, response: QueryResponse?, shardingEnabled: Bool) {
        let key = Self.op(request.kind) + "\u{0}" + request.tenantKey
        let counter = queries.withLock { cache in
            if let hit = cache[key] { return hit }
            let made = Counter(label: "strata_query_frontend_queries_total",
                               dimensions: [("op", Self.op(request.kind)), ("user", request.tenantKey)], factory: factory)
            cache[key] = made
            return made
        }
        counter.increment()
        noteTenant(request.tenantKey)
        let promQL = request.kind == .instant || request.kind == .range
        if promQL, shardingEnabled { shardingAttempted.increment() }
        guard let stats = response?.stats else { return }
        splitQueries.increment(by: stats.splitQueries)
        if stats.shards > 0 { shardingSucceeded.increment() }
        shardedQueries.increment(by: stats.shardedQueries)
        cacheRequests.increment(by: stats.resultsCacheHits + stats.resultsCacheMisses)
        cacheHits.increment(by: stats.resultsCacheHits)
    }

    /// Records how long a queued request waited before a querier took it.
    func waited(seconds: Double) {
        queueDuration.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// Counts a queued request refused because its tenant's queue was full.
    func discarded(tenantKey: String) {
        discardedCounter(tenantKey).increment()
    }

    private func discardedCounter(_ tenantKey: String) -> Counter {
        discarded.withLock { cache in
            if let hit = cache[tenantKey] { return hit }
            let made = Counter(label: "strata_query_frontend_discarded_requests_total", dimensions: [("user", tenantKey)],
                               factory: factory)
            cache[tenantKey] = made
            return made
        }
    }

    /// Publishes a tenant's queue length and refusals at 0 the first time it is seen, so that
    /// its series exist (and their rates are defined) before anything is queued or refused.
    private func noteTenant(_ tenantKey: String) {
        let isNew = queueTenants.withLock { $0.insert(tenantKey).inserted }
        guard isNew else { return }
        Gauge(label: "strata_query_frontend_queue_length", dimensions: [("user", tenantKey)], factory: factory).record(0)
        _ = discardedCounter(tenantKey)
    }

    /// Publishes the queue's current figures (called when `/metrics` is scraped).
    public func collect(queue: RequestQueue) {
        let lengths = queue.tenantLengths
        for tenant in lengths.keys { noteTenant(tenant) }
        let tenants = queueTenants.withLock { $0 }
        for tenant in tenants {
            Gauge(label: "strata_query_frontend_queue_length", dimensions: [("user", tenant)], factory: factory)
                .record(lengths[tenant] ?? 0)
        }
        connectedClients.record(queue.connectedQueriers)
    }
}
