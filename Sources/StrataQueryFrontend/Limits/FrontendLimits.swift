import StrataLimits
import StrataModel

/// The per-tenant limits the frontend applies, read from the overrides for a request's tenants.
/// For a federated query (`a|b`) each limit is the strictest of the tenants' values.
public struct FrontendLimits: Sendable {
    /// Split or shard queries in flight at once for one query (`max_query_parallelism`).
    public var maxQueryParallelism: Int
    /// Queriers that may serve the tenant (`max_queriers_per_tenant`, 0 = all).
    public var maxQueriersPerTenant: Int
    /// Shards per shardable leg (`query_sharding_total_shards`, 0 or 1 = off).
    public var queryShardingTotalShards: Int
    /// Shard queries per split part (`query_sharding_max_sharded_queries`, 0 = no limit).
    public var queryShardingMaxShardedQueries: Int
    /// Results-cache entry lifetime (`results_cache_ttl`).
    public var resultsCacheTTL: Duration
    /// Results newer than this are not cached (`max_cache_freshness`).
    public var maxCacheFreshness: Duration
    /// Queries refused outright (`blocked_queries`), every tenant's.
    public var blockedQueries: [BlockedQuery]

    /// The limits of `tenants` from `overrides`.
    public init(overrides: Overrides, tenants: [TenantID]) {
        let all = (tenants.isEmpty ? [TenantID.anonymous] : tenants).map { overrides.limits(for: $0) }
        maxQueryParallelism = all.map(\.maxQueryParallelism).min() ?? 1
        let queriers = all.map(\.maxQueriersPerTenant).filter { $0 > 0 }
        maxQueriersPerTenant = queriers.min() ?? 0
        queryShardingTotalShards = all.map(\.queryShardingTotalShards).min() ?? 0
        let sharded = all.map(\.queryShardingMaxShardedQueries).filter { $0 > 0 }
        queryShardingMaxShardedQueries = sharded.min() ?? 0
        resultsCacheTTL = all.map(\.resultsCacheTTL).min() ?? .zero
        maxCacheFreshness = all.map(\.maxCacheFreshness).max() ?? .zero
        blockedQueries = all.flatMap(\.blockedQueries)
    }

    /// Throws when a `blocked_queries` entry matches `query`.
    public func checkBlocked(_ query: String, tenantKey: String) throws(QueryFailure) {
        guard !blockedQueries.isEmpty else { return }
        for b in blockedQueries where b.blocks(query) {
            throw .badData("the request has been blocked by the cluster administrator: tenant \(tenantKey)'s blocked_queries entry \(quoteLabelValue(b.pattern))\(b.regex ? " (regex)" : "") matches it (\(ErrorID.queryBlocked.id))")
        }
    }
}
