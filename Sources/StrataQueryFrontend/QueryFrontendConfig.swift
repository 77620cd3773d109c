/// The query-frontend's settings (`-query-frontend.*`), the same in every process that runs one.
public struct QueryFrontendConfig: Sendable {
    /// Range queries are split into parts of this length (`-query-frontend.split-queries-by-interval`); zero disables.
    public var splitQueriesByInterval: Duration = .seconds(24 * 3600)
    /// Moves start and end to multiples of the step (`-query-frontend.align-queries-with-step`),
    /// so that dashboards refreshed at any moment hit the same cache entries; changes answers slightly.
    public var alignQueriesWithStep = false
    /// Whether range results are cached (`-query-frontend.cache-results`).
    public var cacheResults = false
    /// Whether shardable queries run as shard queries (`-query-frontend.parallelize-shardable-queries`);
    /// the shard count is the tenant's `query_sharding_total_shards`.
    public var parallelizeShardableQueries = false
    /// Queries queued per tenant before 429 (`-query-frontend.max-outstanding-requests-per-tenant`).
    ///
    /// 1000, not Mimir's 100: the queue holds split and shard parts, up to `max_query_parallelism`
    /// (14) per client query, so with 100 a Grafana dashboard of 8 long-range panels already
    /// overflows it.
    public var maxOutstandingPerTenant = 1000
    /// Attempts per queued request when a querier fails or disappears (`-query-frontend.max-retries-per-request`).
    public var maxRetries = 5
    /// Queries slower than this are logged at warning level as slow queries; zero disables
    /// (`-query-frontend.log-queries-longer-than`).
    public var logQueriesLongerThan: Duration = .zero
    /// How long a request may wait in the queue and run (`-querier.timeout` plus queueing).
    public var timeout: Duration = .seconds(120)

    /// The defaults.
    public init() {}
}
