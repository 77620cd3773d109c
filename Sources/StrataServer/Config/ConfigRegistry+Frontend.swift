import StrataModel

/// The query-frontend's settings and the querier's side of its queue (Mimir's `frontend:` and
/// `frontend_worker:` blocks).
extension ConfigRegistry {
    static let frontendFields: [ConfigField] = [
        .duration("query-frontend.split-queries-by-interval", ["frontend", "split_queries_by_interval"], \.frontend.splitQueriesByInterval,
                  "Split range queries by an interval and execute in parallel. You should use a multiple of 24 hours to optimize querying blocks. 0 to disable it."),
        .bool("query-frontend.align-queries-with-step", ["frontend", "align_queries_with_step"], \.frontend.alignQueriesWithStep,
              "Mutate incoming queries to align their start and end with their step, so that dashboards refreshed at any moment share cache entries."),
        .bool("query-frontend.cache-results", ["frontend", "cache_results"], \.frontend.cacheResults,
              "Cache query results (range queries; extents per tenant, query and step)."),
        .bool("query-frontend.parallelize-shardable-queries", ["frontend", "parallelize_shardable_queries"], \.frontend.parallelizeShardableQueries,
              "True to enable query sharding: shardable parts of a query run as query_sharding_total_shards queries over disjoint series, merged by the frontend."),
        .string("query-frontend.results-cache.backend", ["frontend", "results_cache", "backend"], \.frontend.resultsCacheBackend,
                "Backend for the query-frontend results cache: inmemory (this process, bounded in bytes) or memcached (shared by every frontend).",
                allowed: ["inmemory", "memcached"]),
        .int("query-frontend.results-cache.inmemory.max-size-bytes", ["frontend", "results_cache", "inmemory", "max_size_bytes"],
             \.frontend.resultsCacheInMemoryBytes, "Maximum size in bytes of the in-process results cache.", kind: .bytes),
    ] + memcachedFields(flag: "query-frontend.results-cache.memcached", yaml: ["frontend", "results_cache", "memcached"],
                        \.frontend.resultsCacheMemcached, what: "results cache") + [
        .int("query-frontend.max-outstanding-requests-per-tenant", ["frontend", "max_outstanding_per_tenant"], \.frontend.maxOutstandingPerTenant,
             "Maximum number of outstanding requests per tenant per frontend; requests beyond this error with HTTP 429."),
        .int("query-frontend.max-retries-per-request", ["frontend", "max_retries"], \.frontend.maxRetries,
             "Maximum number of times a request is tried (a querier that fails or disappears mid-query is retried on another)."),
        .duration("query-frontend.log-queries-longer-than", ["frontend", "log_queries_longer_than"], \.frontend.logQueriesLongerThan,
                  "Log queries that are slower than the specified duration. Set to 0 to disable."),

        .string("querier.frontend-address", ["frontend_worker", "frontend_address"], \.frontendWorker.frontendAddress,
                "Comma-separated gRPC addresses (host:port) of the query-frontends this querier pulls queries from. Empty: the querier serves only its own HTTP API."),
        .int("querier.max-concurrent", ["querier", "max_concurrent"], \.frontendWorker.maxConcurrent,
             "The number of queries this querier runs at once, per query-frontend (in -target=all: queriers in the process)."),
        .string("querier.id", ["frontend_worker", "id"], \.frontendWorker.querierID,
                "Querier ID, sent to the query-frontend to identify requests from the same querier (shuffle sharding). Defaults to the hostname."),
    ]

    /// The store-gateway's shared caches (Mimir's `blocks_storage.bucket_store.{index,chunks}_cache`).
    static let bucketStoreCacheFields: [ConfigField] = [
        .string("blocks-storage.bucket-store.index-cache.backend", ["blocks_storage", "bucket_store", "index_cache", "backend"],
                \.bucketStore.indexCacheBackend,
                "The index cache backend: inmemory, or memcached (shared by every store-gateway, behind the in-memory cache).",
                allowed: ["inmemory", "memcached"]),
    ] + memcachedFields(flag: "blocks-storage.bucket-store.index-cache.memcached", yaml: ["blocks_storage", "bucket_store", "index_cache", "memcached"],
                        \.bucketStore.indexCacheMemcached, what: "store-gateway index cache") + [
        .string("blocks-storage.bucket-store.chunks-cache.backend", ["blocks_storage", "bucket_store", "chunks_cache", "backend"],
                \.bucketStore.chunksCacheBackend,
                "The chunks cache backend: inmemory, or memcached (shared by every store-gateway, behind the in-memory cache).",
                allowed: ["inmemory", "memcached"]),
    ] + memcachedFields(flag: "blocks-storage.bucket-store.chunks-cache.memcached", yaml: ["blocks_storage", "bucket_store", "chunks_cache", "memcached"],
                        \.bucketStore.chunksCacheMemcached, what: "store-gateway chunks cache")

    /// The fields of one memcached client under `flag` / `yaml` (Mimir's `memcached` block).
    static func memcachedFields(flag: String, yaml: [String], _ kp: any WritableKeyPath<StrataConfig, StrataConfig.MemcachedSettings> & Sendable,
                                what: String) -> [ConfigField] {
        func int(_ name: String, _ key: String, _ field: any WritableKeyPath<StrataConfig.MemcachedSettings, Int> & Sendable,
                 _ help: String, kind: ConfigField.Kind = .int) -> ConfigField {
            ConfigField(flag: "\(flag).\(name)", yamlPath: yaml + [key], help: help, kind: kind,
                        get: { String($0[keyPath: kp][keyPath: field]) }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
                guard let n = Int(v.trimmingSpaces), n >= 0 else { throw ConfigValueError(reason: "not a non-negative integer") }
                c[keyPath: kp][keyPath: field] = n
            }
        }
        return [
            ConfigField(flag: "\(flag).addresses", yamlPath: yaml + ["addresses"],
                        help: "Comma-separated list of memcached addresses (host:port) of the \(what).", kind: .string,
                        get: { $0[keyPath: kp].addresses }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
                c[keyPath: kp].addresses = v.trimmingSpaces
            },
            ConfigField(flag: "\(flag).timeout", yamlPath: yaml + ["timeout"],
                        help: "The socket read/write timeout of the \(what)'s memcached operations; a timeout is a cache miss, never a failed query.",
                        kind: .duration, get: { GoDuration.format($0[keyPath: kp].timeout) }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
                guard let d = GoDuration.parse(v.trimmingSpaces), d > .zero else {
                    throw ConfigValueError(reason: "not a positive duration (examples: 200ms, 1s)")
                }
                c[keyPath: kp].timeout = d
            },
            int("max-idle-connections", "max_idle_connections", \.maxIdleConnections,
                "The maximum number of idle connections kept open per memcached server of the \(what)."),
            int("max-item-size", "max_item_size", \.maxItemSize,
                "The maximum size of an item stored in memcached for the \(what); bigger items are not stored.", kind: .bytes),
            int("max-get-multi-batch-size", "max_get_multi_batch_size", \.maxGetMultiBatchSize,
                "The maximum number of keys a single get-multi operation of the \(what) asks for."),
        ]
    }
}
