import Glibc
import Logging
import Metrics
import ServiceLifecycle
import StrataCache
import StrataDeletes
import StrataHTTP
import StrataLimits
import StrataModel
import StrataQueryFrontend
import StrataRPC
import Synchronization

extension ServerComponents {
    /// The query-frontend of `-target=query-frontend` (or `all`), with its results cache:
    /// in-process LRU or memcached.
    static func makeQueryFrontend(config: StrataConfig, overrides: Overrides, deleteRequests: DeleteRequestsCache?,
                                  metricsFactory: any MetricsFactory, logger: Logger) throws(ConfigError) -> (QueryFrontend, (any Cache)?) {
        var fc = QueryFrontendConfig()
        let f = config.frontend
        fc.splitQueriesByInterval = f.splitQueriesByInterval
        fc.alignQueriesWithStep = f.alignQueriesWithStep
        fc.cacheResults = f.cacheResults
        fc.parallelizeShardableQueries = f.parallelizeShardableQueries
        fc.maxOutstandingPerTenant = f.maxOutstandingPerTenant
        fc.maxRetries = f.maxRetries
        fc.logQueriesLongerThan = f.logQueriesLongerThan
        fc.timeout = config.querier.timeout
        var cache: (any Cache)? = nil
        if f.cacheResults {
            cache = try makeCache(backend: f.resultsCacheBackend, inMemoryBytes: f.resultsCacheInMemoryBytes,
                                  memcached: f.resultsCacheMemcached, name: "frontend-results", flag: "-query-frontend.results-cache.memcached",
                                  metricsFactory: metricsFactory, logger: logger)
        }
        var generation: (@Sendable (QueryRequest) async -> String)? = nil
        if let deleteRequests {
            generation = { request in
                var parts: [String] = []
                for tenant in request.tenants { parts.append(await deleteRequests.generation(tenant)) }
                return parts.allSatisfy(\.isEmpty) ? "" : parts.joined(separator: "|")
            }
        }
        let frontend = QueryFrontend(config: fc, overrides: overrides, cache: cache, now: { WallClock.nowMilliseconds() },
                                     cacheGeneration: generation, metricsFactory: metricsFactory, logger: logger)
        return (frontend, cache)
    }

    /// A cache of `backend`: `inmemory` bounded by `inMemoryBytes`, or memcached at the
    /// configured addresses, counting into `metricsFactory` (the components' factory: the
    /// cache is built before `MetricsSystem.bootstrap`, so the global one would drop its metrics).
    static func makeCache(backend: String, inMemoryBytes: Int, memcached: StrataConfig.MemcachedSettings, name: String, flag: String,
                          metricsFactory: any MetricsFactory, logger: Logger) throws(ConfigError) -> any Cache {
        if backend == "memcached" {
            do {
                return try MemcachedCache(config: memcachedConfig(memcached), name: name, logger: logger, metricsFactory: metricsFactory)
            } catch {
                throw .invalid("\(flag).*: \(error)")
            }
        }
        return LRUByteCache(maxBytes: inMemoryBytes)
    }

    /// The memcached client settings of one `*.memcached.*` block.
    static func memcachedConfig(_ m: StrataConfig.MemcachedSettings) -> MemcachedConfig {
        var c = MemcachedConfig(addresses: m.addresses.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty })
        c.timeout = m.timeout
        c.maxIdleConnections = max(1, m.maxIdleConnections)
        c.maxItemSize = m.maxItemSize
        c.maxGetMultiBatchSize = max(1, m.maxGetMultiBatchSize)
        return c
    }

    /// This querier's ID for the frontends: `-querier.id`, else the hostname.
    static func querierID(_ config: StrataConfig) -> String {
        if !config.frontendWorker.querierID.isEmpty { return config.frontendWorker.querierID }
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count) == 0 else { return "querier" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Where a process keeps its in-process queriers once started (at most one set).
public final class LocalQueriersSlot: Sendable {
    private let value = Mutex<LocalQueriers?>(nil)

    /// An empty slot.
    public init() {}

    /// The queriers, once started.
    public var current: LocalQueriers? { value.withLock { $0 } }

    /// Creates and starts the queriers the first time; later calls do nothing.
    func startOnce(_ make: () -> LocalQueriers) {
        let started: LocalQueriers? = value.withLock { held in
            guard held == nil else { return nil }
            let q = make()
            held = q
            return q
        }
        started?.start()
    }
}

/// Stops the in-process queriers of `-target=all` at shutdown (they start with the HTTP API,
/// `ServerComponents.api()`): the queue stops and waiting queries fail as unavailable.
struct LocalQueriersService: Service {
    let queriers: LocalQueriers

    func run() async throws {
        try? await gracefulShutdown()
        await queriers.stop()
    }
}

/// Runs a querier's worker: streams to every `-querier.frontend-address`, answering the
/// queries it pulls until shutdown.
struct FrontendWorkerService: Service {
    let worker: FrontendWorker
    let pool: RPCClientPool

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await worker.run()
        }
        await pool.shutdown()
    }
}

/// Closes the results cache's connections at shutdown.
struct CacheShutdownService: Service {
    let cache: MemcachedCache

    func run() async throws {
        try? await gracefulShutdown()
        await cache.shutdown()
    }
}
