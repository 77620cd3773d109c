extension StoreGateway {
    /// Store-gateway settings. Names follow Mimir's `blocks_storage.bucket_store` keys (flag in
    /// each comment); the ones marked Strata-only have no Mimir equivalent.
    public struct Config: Sendable, Equatable {
        /// `-blocks-storage.bucket-store.sync-dir`: where index-headers are kept.
        public var syncDirectory: String
        /// `-blocks-storage.bucket-store.sync-interval`: how often `run()` re-reads bucket indexes.
        public var syncInterval: Duration
        /// `-blocks-storage.bucket-store.tenant-sync-concurrency`: tenants synced at once.
        public var tenantSyncConcurrency: Int
        /// `-blocks-storage.bucket-store.block-sync-concurrency`: index-headers built at once.
        public var blockSyncConcurrency: Int
        /// `-blocks-storage.bucket-store.ignore-deletion-marks-delay`: a block marked for deletion
        /// is still served for this long, so queries planned before the mark still find it.
        public var ignoreDeletionMarksDelay: Duration
        /// `-blocks-storage.bucket-store.index-cache.inmemory.max-size-bytes`: postings lists and
        /// series entries kept in memory.
        public var indexCacheBytes: Int
        /// `-blocks-storage.bucket-store.chunks-cache.inmemory.max-size-bytes` (Strata-only: Mimir
        /// caches chunks in memcached only): chunks kept in memory.
        public var chunksCacheBytes: Int
        /// `-blocks-storage.bucket-store.series-hash-cache-max-size-bytes`: label-set hashes of
        /// series kept for shard queries (`SeriesHashCache`), about 24 bytes each.
        public var seriesHashCacheBytes: Int
        /// Strata-only: most index-headers held in memory; the least recently used is unloaded
        /// past it, so memory stays bounded however many blocks the bucket holds. 0: no limit.
        public var maxLoadedIndexHeaders: Int
        /// `-blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout`: an index-header
        /// not used for this long is unloaded from memory (its file stays). `.zero` disables it.
        public var indexHeaderIdleTimeout: Duration
        /// `-blocks-storage.bucket-store.partitioner-max-gap-bytes`: two ranges of one object
        /// closer than this are fetched with one GET.
        public var partitionerMaxGapBytes: Int
        /// Strata-only: ranged GETs in flight for one block of one query.
        public var rangeReadConcurrency: Int
        /// Strata-only: blocks of one query read at once.
        public var blockQueryConcurrency: Int

        /// Mimir's defaults (15 minute sync, 1 hour idle unload and deletion delay, 512 KiB gap).
        public init(syncDirectory: String = "./data/tsdb-sync",
                    syncInterval: Duration = .seconds(15 * 60),
                    tenantSyncConcurrency: Int = 1,
                    blockSyncConcurrency: Int = 4,
                    ignoreDeletionMarksDelay: Duration = .seconds(60 * 60),
                    indexCacheBytes: Int = 1 << 30,
                    chunksCacheBytes: Int = 256 << 20,
                    seriesHashCacheBytes: Int = 1 << 30,
                    maxLoadedIndexHeaders: Int = 1000,
                    indexHeaderIdleTimeout: Duration = .seconds(60 * 60),
                    partitionerMaxGapBytes: Int = 512 * 1024,
                    rangeReadConcurrency: Int = 16,
                    blockQueryConcurrency: Int = 4) {
            self.syncDirectory = syncDirectory
            self.syncInterval = syncInterval
            self.tenantSyncConcurrency = tenantSyncConcurrency
            self.blockSyncConcurrency = blockSyncConcurrency
            self.ignoreDeletionMarksDelay = ignoreDeletionMarksDelay
            self.indexCacheBytes = indexCacheBytes
            self.chunksCacheBytes = chunksCacheBytes
            self.seriesHashCacheBytes = seriesHashCacheBytes
            self.maxLoadedIndexHeaders = maxLoadedIndexHeaders
            self.indexHeaderIdleTimeout = indexHeaderIdleTimeout
            self.partitionerMaxGapBytes = partitionerMaxGapBytes
            self.rangeReadConcurrency = rangeReadConcurrency
            self.blockQueryConcurrency = blockQueryConcurrency
        }
    }
}
