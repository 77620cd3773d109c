import Synchronization

/// Counters of one in-memory cache.
public struct CacheStats: Sendable, Equatable {
    /// Lookups answered from the cache.
    public var hits = 0
    /// Lookups that had to go to the bucket.
    public var misses = 0
    /// Entries held now.
    public var items = 0
    /// Bytes held now (approximate for decoded entries).
    public var bytes = 0
    /// Entries dropped to stay within the byte bound.
    public var evictions = 0

    /// Zeroed stats.
    public init() {}
}

/// A snapshot of what a store-gateway holds and has done, for `/metrics`.
public struct StoreGatewayStats: Sendable, Equatable {
    /// Tenants with at least one served block.
    public var tenants = 0
    /// Blocks being served (known from bucket indexes, index-header on disk).
    public var blocksLoaded = 0
    /// Index-header files under the sync directory.
    public var indexHeadersOnDisk = 0
    /// Index-headers loaded in memory.
    public var indexHeadersInMemory = 0
    /// Index-headers built from the bucket (new blocks and rebuilds).
    public var indexHeaderBuilds = 0
    /// Index-header files found corrupt or unreadable and rebuilt.
    public var indexHeaderRebuilds = 0
    /// Index-headers loaded from disk into memory.
    public var indexHeaderLoads = 0
    /// Index-headers unloaded from memory (idle or over the limit).
    public var indexHeaderUnloads = 0
    /// Syncs run.
    public var syncs = 0
    /// Syncs that ended with an error (partial or total).
    public var syncFailures = 0
    /// Syncs that have finished, successfully or not (readiness waits for the first).
    public var syncsCompleted = 0
    /// Postings lists cache (shares the index cache bound with series).
    public var postingsCache = CacheStats()
    /// Series entries cache.
    public var seriesCache = CacheStats()
    /// Chunks cache.
    public var chunksCache = CacheStats()
    /// Series label-set hashes kept for shard queries (`SeriesHashCache`), over every open block.
    public var seriesHashesCached = 0
    /// Requests sent to the bucket (GET, ranged GET, HEAD, list pages).
    public var bucketRequests = 0
    /// Bucket requests that failed (after the client's retries).
    public var bucketRequestFailures = 0
    /// Object bytes received from the bucket.
    public var bucketBytesRead = 0

    /// Zeroed stats.
    public init() {}
}

/// The store-gateway's running totals; snapshotted into `StoreGatewayStats`. Updated once per
/// bucket request or index-header event, never per series, so one lock is cheap enough.
final class Counters: Sendable {
    struct Totals {
        var indexHeaderBuilds = 0
        var indexHeaderRebuilds = 0
        var indexHeaderLoads = 0
        var indexHeaderUnloads = 0
        var syncs = 0
        var syncFailures = 0
        var syncsCompleted = 0
        var bucketRequests = 0
        var bucketRequestFailures = 0
        var bucketBytesRead = 0
    }

    private let totals = Mutex(Totals())

    func update(_ body: (inout Totals) -> Void) {
        totals.withLock { body(&$0) }
    }

    var snapshot: Totals { totals.withLock { $0 } }
}
