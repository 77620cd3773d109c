import StrataCompactor
import StrataTSDB
import StrataLimits
import StrataObjstore
import StrataQueryFrontend

/// The whole effective configuration of one Strata process.
///
/// Field names follow Mimir's YAML blocks (`server`, `distributor`, `limits`, `blocks_storage`,
/// `runtime_config`); `ConfigRegistry` maps each field to its YAML key and its flag.
public struct StrataConfig: Sendable {
    /// Roles to run: `all`, or a comma-separated list of role names.
    public var target: String = "all"
    /// When true, every request must carry `X-Scope-OrgID`.
    public var multitenancyEnabled = true
    /// The tenant used for every request when multitenancy is disabled.
    public var noAuthTenant = "anonymous"
    /// HTTP/gRPC listeners, logging, shutdown.
    public var server = ServerConfig()
    /// Ingester TSDB storage.
    public var tsdb = TSDBConfig()
    /// `blocks_storage:` object storage (backend, filesystem, s3).
    public var bucket = BucketConfig()
    /// `blocks_storage.bucket_store:` the store-gateway.
    public var bucketStore = BucketStoreConfig()
    /// Per-tenant limits' defaults (overridden per tenant by the runtime config file).
    public var limits = Limits()
    /// The runtime config (per-tenant overrides) file and its reload period.
    public var runtimeConfig = RuntimeConfig()
    /// The PromQL engine behind the query API.
    public var querier = QuerierConfig()
    /// `ingester.ring:` the ingesters' hash ring and this ingester's place in it.
    public var ingesterRing = RingSettings()
    /// `store_gateway.sharding_ring:` the store-gateways' ring.
    public var storeGatewayRing = StrataConfig.defaultStoreGatewayRing
    /// `distributor.ring:` the distributors' ring.
    public var distributorRing = RingSettings()
    /// `distributor:` the cluster write path.
    public var distributor = DistributorConfig()
    /// `compactor:` merging, downsampling, retention and cleanup of blocks in the bucket.
    public var compactor = CompactorConfig()
    /// `compactor.sharding_ring:` the compactors' ring (one owner per tenant).
    public var compactorRing = StrataConfig.defaultCompactorRing
    /// `frontend:` the query-frontend (queue, splitting, sharding, results cache).
    public var frontend = FrontendSettings()
    /// `frontend_worker:` how a querier reaches query-frontends.
    public var frontendWorker = FrontendWorkerSettings()

    /// Mimir's store-gateway ring defaults: 512 tokens per instance.
    static var defaultStoreGatewayRing: RingSettings {
        var ring = RingSettings()
        ring.numTokens = 512
        return ring
    }

    /// Mimir's compactor ring: one owner per tenant.
    static var defaultCompactorRing: RingSettings {
        var ring = RingSettings()
        ring.replicationFactor = 1
        return ring
    }

    /// The defaults.
    public init() {}

    /// `server:` block.
    public struct ServerConfig: Sendable {
        public var httpListenAddress = ""
        public var httpListenPort = 8080
        public var grpcListenAddress = ""
        public var grpcListenPort = 9095
        public var logLevel = "info"
        public var logFormat = "logfmt"
        public var gracefulShutdownTimeout: Duration = .seconds(30)
    }

    /// `blocks_storage.tsdb:` block.
    public struct TSDBConfig: Sendable {
        public var dir = "./data/tsdb"
        public var blockRangesPeriod: Duration = .seconds(2 * 3600)
        public var samplesPerChunk = HeadOptions.defaultSamplesPerChunk
        public var blockSamplesPerChunk = HeadOptions.serverBlockSamplesPerChunk
        public var walSegmentSizeBytes = 128 * 1024 * 1024
        public var walCheckpointInterval: Duration = .seconds(60)
        public var headCompactionInterval: Duration = .seconds(60)
        public var shipInterval: Duration = .seconds(60)
        public var retentionPeriod: Duration = .seconds(13 * 3600)
        public var flushBlocksOnShutdown = false
    }

    /// `blocks_storage.bucket_store:` block.
    public struct BucketStoreConfig: Sendable {
        public var syncDir = "./data/tsdb-sync"
        public var syncInterval: Duration = .seconds(15 * 60)
        public var ignoreDeletionMarksDelay: Duration = .seconds(3600)
        public var indexCacheBytes = 256 * 1024 * 1024
        public var chunksCacheBytes = 256 * 1024 * 1024
        public var seriesHashCacheBytes = 1024 * 1024 * 1024
        public var indexHeaderIdleTimeout: Duration = .seconds(60 * 60)
        public var indexCacheBackend = "inmemory"
        public var indexCacheMemcached = MemcachedSettings()
        public var chunksCacheBackend = "inmemory"
        public var chunksCacheMemcached = MemcachedSettings()
    }

    /// `frontend:` block (Mimir's names).
    public struct FrontendSettings: Sendable {
        // The frontend's own defaults, so that they are stated once.
        private static let defaults = QueryFrontendConfig()
        public var splitQueriesByInterval = defaults.splitQueriesByInterval
        public var alignQueriesWithStep = defaults.alignQueriesWithStep
        public var cacheResults = defaults.cacheResults
        public var parallelizeShardableQueries = defaults.parallelizeShardableQueries
        public var resultsCacheBackend = "inmemory"
        public var resultsCacheInMemoryBytes = 256 * 1024 * 1024
        public var resultsCacheMemcached = MemcachedSettings()
        public var maxOutstandingPerTenant = defaults.maxOutstandingPerTenant
        public var maxRetries = defaults.maxRetries
        public var logQueriesLongerThan = defaults.logQueriesLongerThan
    }

    /// One memcached client's settings (`*.memcached.*`).
    public struct MemcachedSettings: Sendable {
        public var addresses = ""
        public var timeout: Duration = .milliseconds(200)
        public var maxIdleConnections = 4
        public var maxItemSize = 1024 * 1024
        public var maxGetMultiBatchSize = 100
    }

    /// `frontend_worker:` block.
    public struct FrontendWorkerSettings: Sendable {
        public var frontendAddress = ""
        public var maxConcurrent = 8
        public var querierID = ""
    }

    /// `querier:` block.
    public struct QuerierConfig: Sendable {
        public var lookbackDelta: Duration = .seconds(5 * 60)
        public var maxSamples = 50_000_000
        public var timeout: Duration = .seconds(120)
        public var promqlExperimentalFunctionsEnabled = false
        /// Most tasks one query evaluates on at once (0: one per core, up to 8).
        public var evaluationParallelism = 0
        public var queryIngestersWithin: Duration = .seconds(13 * 3600)
        public var queryStoreAfter: Duration = .seconds(12 * 3600)
        /// How long a tenant's delete requests are used before they are read from the bucket again.
        public var deleteRequestsRefreshInterval: Duration = .seconds(10)
        /// Most pending delete requests per tenant.
        public var maxPendingDeleteRequests = 100
    }

    /// One hash ring's KV store and this instance's place in it (`ingester.ring:`,
    /// `store_gateway.sharding_ring:`, `distributor.ring:`).
    public struct RingSettings: Sendable {
        public var store = "inmemory"
        public var etcdEndpoints = ""
        public var etcdDialTimeout: Duration = .seconds(10)
        public var etcdMaxRetries = 10
        public var prefix = "collectors/"
        public var replicationFactor = 3
        public var heartbeatPeriod: Duration = .seconds(15)
        public var heartbeatTimeout: Duration = .seconds(60)
        public var instanceID = ""
        public var instanceAddr = ""
        public var instancePort = 0
        public var zone = ""
        public var numTokens = 128
        public var tokensFilePath = ""
        public var unregisterOnShutdown = true
        public var zoneAwarenessEnabled = false
    }

    /// The rings a process can take part in.
    public enum RingName: String, Sendable, Hashable, CaseIterable {
        case ingester
        case storeGateway = "store-gateway"
        case distributor
        case compactor
    }

    /// The settings of ring `name`; key paths through this subscript are `Sendable`, which lets
    /// the flag table declare every ring's flags once.
    public subscript(ring name: RingName) -> RingSettings {
        get {
            switch name {
            case .ingester: ingesterRing
            case .storeGateway: storeGatewayRing
            case .distributor: distributorRing
            case .compactor: compactorRing
            }
        }
        set {
            switch name {
            case .ingester: ingesterRing = newValue
            case .storeGateway: storeGatewayRing = newValue
            case .distributor: distributorRing = newValue
            case .compactor: compactorRing = newValue
            }
        }
    }

    /// `distributor:` settings of the cluster write path.
    public struct DistributorConfig: Sendable {
        public var remoteTimeout: Duration = .seconds(2)
        public var haTracker = HATrackerSettings()
    }

    /// `distributor.ha_tracker:` Prometheus HA-pair deduplication.
    public struct HATrackerSettings: Sendable {
        public var enabled = false
        public var updateTimeout: Duration = .seconds(15)
        public var updateTimeoutJitterMax: Duration = .seconds(5)
        public var failoverTimeout: Duration = .seconds(30)
        public var store = "inmemory"
        public var etcdEndpoints = ""
        public var etcdDialTimeout: Duration = .seconds(10)
        public var etcdMaxRetries = 10
        public var prefix = "ha-tracker/"
    }

    /// `runtime_config:` block.
    public struct RuntimeConfig: Sendable {
        public var file = ""
        public var period: Duration = .seconds(10)
    }
}

extension BucketConfig {
    /// `backend` as the string flags and YAML use.
    var backendName: String {
        get { backend.rawValue }
        set { backend = Backend(rawValue: newValue) ?? backend }
    }
}

extension S3Config {
    /// `bucket_lookup_type` as the string flags and YAML use.
    var lookupTypeName: String {
        get { bucketLookupType.rawValue }
        set { bucketLookupType = BucketLookupType(rawValue: newValue) ?? bucketLookupType }
    }
}
