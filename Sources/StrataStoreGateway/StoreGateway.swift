import Foundation
import Logging
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore
import Synchronization

/// The store-gateway role (Mimir's): serves the series of the blocks in the bucket.
///
/// `sync()` reads every tenant's bucket index (rebuilding it from a listing when it is missing
/// or corrupt), builds an index-header on local disk for each new block from ranged reads of its
/// index, and forgets blocks that left the index or were marked for deletion longer than
/// `ignoreDeletionMarksDelay` ago. Queries (`Queryable`) load index-headers lazily, read
/// postings, series and chunks by range (through in-memory LRU caches) and merge the blocks'
/// answers. Idle index-headers are unloaded, so memory holds only block metadata, the caches
/// and the index-headers in use.
public final class StoreGateway: Queryable, Sendable {
    /// A block being served: what the bucket index says of it and where its index-header is.
    struct KnownBlock: Sendable {
        let keys: BlockKeys
        let entry: BucketIndex.Block
        /// Numbers the block in cache keys; unique for the life of the store-gateway.
        let cacheID: Int
        let headerPath: String
    }

    /// An index-header in memory and when a query last used it.
    struct Loaded {
        var opened: OpenedBlock
        var lastUsed: ContinuousClock.Instant
    }

    struct State {
        var tenants: [TenantID: [String: KnownBlock]] = [:]
        var loaded: [Int: Loaded] = [:]
        /// Loads in progress, so concurrent queries of one block share one load.
        var loading: [Int: Task<Result<OpenedBlock, StoreGatewayError>, Never>] = [:]
        /// The sync in progress; another `sync()` call waits for it instead of racing it.
        var syncing: Task<Result<Void, StoreGatewayError>, Never>? = nil
        /// Numbers syncs, so a finished sync clears `syncing` only if it is still its own.
        var syncGeneration = 0
        var nextCacheID = 1
    }

    let bucket: any Bucket
    let config: Config
    let logger: Logger
    let counters: Counters
    let fetcher: RangeFetcher
    let caches: QueryCaches
    let state = Mutex(State())
    /// Whether this store-gateway serves a block (tenant, block ID); nil: every block.
    let ownsBlock: BlockOwnership?
    /// The tenant's retention of each resolution; data older than it is not served.
    let retention: Retention?

    /// How long `tenant`'s data of `resolution` (ms; 0 raw) is kept, in ms; nil: forever. The
    /// compactor deletes expired blocks later; queries stop seeing the data at once.
    public typealias Retention = @Sendable (_ tenant: TenantID, _ resolution: Int64) -> Int64?

    /// Decides whether this store-gateway serves block `id` of `tenant`; the store-gateway ring's
    /// sharding in a cluster.
    public typealias BlockOwnership = @Sendable (_ tenant: TenantID, _ id: String) -> Bool

    /// A store-gateway over `bucket`; call `sync()` (or `run()`) before querying. With
    /// `ownsBlock`, each sync loads only the blocks it accepts and drops those it no longer does;
    /// with `remoteCaches`, postings and chunks missing from memory are looked up there first.
    public init(bucket: any Bucket, config: Config, logger: Logger, ownsBlock: BlockOwnership? = nil, retention: Retention? = nil,
                remoteCaches: RemoteCaches = .none) {
        self.ownsBlock = ownsBlock
        self.retention = retention
        let counters = Counters()
        let instrumented = InstrumentedBucket(inner: bucket, counters: counters)
        self.bucket = instrumented
        self.config = config
        self.logger = logger
        self.counters = counters
        fetcher = RangeFetcher(bucket: instrumented, concurrency: max(1, config.rangeReadConcurrency),
                               maxGap: max(0, config.partitionerMaxGapBytes))
        caches = QueryCaches(indexBytes: config.indexCacheBytes, chunkBytes: config.chunksCacheBytes,
                             seriesHashBytes: config.seriesHashCacheBytes, remote: remoteCaches)
    }

    /// Syncs every `syncInterval` until the calling task is cancelled, and unloads idle
    /// index-headers every tenth of the idle timeout. Errors are logged; the loop keeps going.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    do {
                        try await sync()
                    } catch {
                        logger.error("store-gateway sync failed", metadata: ["error": "\(error)"])
                    }
                    do {
                        try await Task.sleep(for: config.syncInterval)
                    } catch {
                        return
                    }
                }
            }
            let idle = config.indexHeaderIdleTimeout
            if idle > .zero {
                group.addTask { [self] in
                    while !Task.isCancelled {
                        do {
                            try await Task.sleep(for: idle / Self.idleChecksPerTimeout)
                        } catch {
                            return
                        }
                        let n = unloadIdleIndexHeaders()
                        if n > 0 { logger.debug("unloaded idle index-headers", metadata: ["count": "\(n)"]) }
                    }
                }
            }
        }
    }

    /// How often, per idle timeout, idle index-headers are looked for (as Mimir).
    static let idleChecksPerTimeout = 10

    /// Unloads index-headers from memory that no query used for `idleFor` (the configured
    /// idle timeout when nil); their files stay and are loaded again on demand. Returns how many.
    @discardableResult
    public func unloadIdleIndexHeaders(idleFor: Duration? = nil) -> Int {
        let timeout = idleFor ?? config.indexHeaderIdleTimeout
        let now = ContinuousClock.now
        let n = state.withLock { s -> Int in
            let idle = s.loaded.filter { now - $0.value.lastUsed >= timeout }.map(\.key)
            for id in idle { s.loaded[id] = nil }
            return idle.count
        }
        counters.update { $0.indexHeaderUnloads += n }
        return n
    }

    /// A snapshot of the counters and of what is held now.
    public var stats: StoreGatewayStats {
        let totals = counters.snapshot
        var out = StoreGatewayStats()
        state.withLock { s in
            out.tenants = s.tenants.count
            out.blocksLoaded = s.tenants.values.reduce(0) { $0 + $1.count }
            out.indexHeadersInMemory = s.loaded.count
        }
        // Every served block has its index-header on disk: sync does not serve one without it.
        out.indexHeadersOnDisk = out.blocksLoaded
        out.indexHeaderBuilds = totals.indexHeaderBuilds
        out.indexHeaderRebuilds = totals.indexHeaderRebuilds
        out.indexHeaderLoads = totals.indexHeaderLoads
        out.indexHeaderUnloads = totals.indexHeaderUnloads
        out.syncs = totals.syncs
        out.syncFailures = totals.syncFailures
        out.syncsCompleted = totals.syncsCompleted
        out.bucketRequests = totals.bucketRequests
        out.bucketRequestFailures = totals.bucketRequestFailures
        out.bucketBytesRead = totals.bucketBytesRead
        out.postingsCache = caches.index.stats(kind: QueryCaches.postingsKind)
        out.seriesCache = caches.index.stats(kind: QueryCaches.seriesKind)
        out.chunksCache = caches.chunks.stats(kind: QueryCaches.chunkKind)
        out.seriesHashesCached = caches.seriesHashes.used
        return out
    }

    /// IDs of the blocks served for `tenant`, sorted.
    public func blockIDs(tenant: TenantID) -> [String] {
        state.withLock { ($0.tenants[tenant] ?? [:]).keys.sorted() }
    }

    /// The current time in Unix seconds (bucket index and deletion mark times are in seconds).
    static func unixNow() -> Int64 {
        Int64(Date().timeIntervalSince1970.rounded(.down))
    }
}
