import Glibc
import Logging
import Metrics
import Prometheus
import StrataCardinality
import StrataCompactor
import StrataDeletes
import StrataDistributor
import StrataHATracker
import StrataHTTP
import StrataIngester
import StrataLimits
import StrataCache
import StrataModel
import StrataObjstore
import StrataQuerier
import StrataQueryFrontend
import StrataRing
import StrataStoreGateway
import StrataTSDB
import Synchronization

/// The roles of one process, built from its configuration and wired to each other.
///
/// The server runs them; in-process tests build the same object so they exercise the exact
/// wiring the binary uses.
public struct ServerComponents: Sendable {
    /// The effective configuration.
    public let config: StrataConfig
    /// Which roles run.
    public let targets: Targets
    /// Defaults plus runtime overrides.
    public let overrides: Overrides
    /// The ingester, when `-target` includes it.
    public let ingester: Ingester?
    /// The distributor, when `-target` includes it.
    public let distributor: Distributor?
    /// The store-gateway, when `-target` includes it.
    public let storeGateway: StoreGateway?
    /// The object store of blocks, when a role that uses it runs.
    public let bucket: (any Bucket)?
    /// The KV store of the ingester ring (in-memory or etcd), when an ingester runs.
    public let ringKV: (any RingKV)?
    /// This ingester's membership of the ring: registers, heartbeats, leaves.
    public let ingesterLifecycler: RingLifecycler?
    /// The ingester ring as this process sees it (replication sets, status page).
    public let ingesterRing: Ring?
    /// The store-gateway ring, when a store-gateway runs here or a querier reads from remote ones.
    public let storeGatewayRing: Ring?
    /// This store-gateway's membership of its ring.
    public let storeGatewayLifecycler: RingLifecycler?
    /// The distributor ring, when a distributor runs.
    public let distributorRing: Ring?
    /// This distributor's membership of its ring.
    public let distributorLifecycler: RingLifecycler?
    /// Every distinct KV store the rings of this process use (closed at shutdown).
    public let kvStores: [any RingKV]
    /// Connections to other processes' ingesters and store-gateways, when a role reaches them.
    public let peers: RemotePeers?
    /// The compactor, when `-target` includes it.
    public let compactor: Compactor?
    /// The compactor ring: which compactor owns which tenant.
    public let compactorRing: Ring?
    /// This compactor's membership of its ring.
    public let compactorLifecycler: RingLifecycler?
    /// The query-frontend, when `-target` includes it.
    public let frontend: QueryFrontend?
    /// The frontend's results cache (nil when caching is off).
    public let resultsCache: (any Cache)?
    /// The queriers of this process pulling from its frontend (`-target=all`), once the API is built.
    public let localQueriers = LocalQueriersSlot()
    /// The store-gateway's memcached caches, when configured.
    public let storeGatewayRemoteCaches: RemoteCaches
    /// The HA tracker, when a distributor runs with `-distributor.ha-tracker.enable`.
    public let haTracker: HATracker?
    /// The ingester runs here and its ring lives only in this process's memory (`-target=all`'s
    /// default): distributor and querier call it directly, with no ring lookup and no RPC.
    public let ingesterInProcess: Bool
    /// The store-gateway runs here with a ring private to this process: queriers call it directly
    /// and it loads every block.
    public let storeGatewayInProcess: Bool
    /// What the querier reads, when a querier runs: recent data from the ingesters, older data
    /// from the store-gateways, each in-process or over the ring.
    public let queryable: (any Queryable)?
    /// Set when the store-gateway's sync loop runs in this process: from then on `/ready` waits
    /// for its first sync. In-process tests that never start the loop are ready at once.
    public let storeGatewaySyncExpected = ReadinessFlag()
    /// Set when the ingester's ring membership is run by this process (`IngesterService`).
    public let ringMembershipExpected = ReadinessFlag()
    /// Self-metrics registry behind `/metrics`.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory writing into `registry`.
    public let metricsFactory: PrometheusMetricsFactory
    /// The `process_*` metrics, read from `/proc` at each scrape of `/metrics`.
    let processMetrics = ProcessMetrics()
    /// The runtime-config reloader, when `-runtime-config.file` is set.
    public let runtimeConfig: RuntimeConfigLoader?
    /// The server logger.
    public let logger: Logger
    /// The tenants' delete requests as this process's querier and frontend apply them.
    public let deleteRequests: DeleteRequestsCache?
    /// The query log of metric names (`cardinality/unused`): recorded by a querier, read wherever
    /// the bucket is (`ServerComponents+Cardinality.swift`).
    public let queryLog: QueriedMetricsLog?
    /// Exemplars and metric metadata from remote write, when the ingester runs here.
    public let exemplarsAndMetadata: ExemplarMetadataStore?

    /// Builds every role named by `config.target`.
    public init(config: StrataConfig, logger: Logger, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) throws {
        self.config = config
        self.logger = logger
        self.registry = registry
        targets = try Targets(config.target)
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.requestDurationBuckets
        metricsFactory = factory
        overrides = Overrides(defaults: config.limits)
        if !config.runtimeConfig.file.isEmpty {
            let loader = RuntimeConfigLoader(path: config.runtimeConfig.file, period: config.runtimeConfig.period,
                                             overrides: overrides, logger: logger)
            try loader.loadInitial()
            runtimeConfig = loader
        } else {
            runtimeConfig = nil
        }
        // Queriers and frontends read the tenants' delete requests from the bucket.
        if targets.runs(.ingester) || targets.runs(.storeGateway) || targets.runs(.compactor) || targets.runs(.querier)
            || targets.runs(.queryFrontend) {
            bucket = try config.bucket.makeBucket()
        } else {
            bucket = nil
        }
        if let bucket, targets.runs(.querier) || targets.runs(.queryFrontend) {
            deleteRequests = DeleteRequestsCache(store: DeleteRequestStore(bucket: bucket),
                                                 ttl: config.querier.deleteRequestsRefreshInterval, logger: logger)
        } else {
            deleteRequests = nil
        }
        queryLog = Self.makeQueryLog(config: config, targets: targets, bucket: bucket, logger: logger)
        let ingesterInProcess = targets.runs(.ingester) && config.ingesterRing.store == RingStoreKind.inMemory.rawValue
        let storeGatewayInProcess = targets.runs(.storeGateway) && config.storeGatewayRing.store == RingStoreKind.inMemory.rawValue
        self.ingesterInProcess = ingesterInProcess
        self.storeGatewayInProcess = storeGatewayInProcess
        var rings = RingFactory(config: config, logger: logger)
        let needsIngesterRing = targets.runs(.ingester) || ((targets.runs(.distributor) || targets.runs(.querier))
            && !ingesterInProcess)
        // A querier reads remote store-gateways only through a shared ring; with an in-memory one
        // and no store-gateway of its own it reads the ingesters alone.
        let needsStoreGatewayRing = targets.runs(.storeGateway) || (targets.runs(.querier)
            && config.storeGatewayRing.store != RingStoreKind.inMemory.rawValue)
        ingesterRing = needsIngesterRing ? try rings.ring(.ingester, key: RingKey.ingester) : nil
        ingesterLifecycler = targets.runs(.ingester) ? try rings.lifecycler(.ingester, key: RingKey.ingester) : nil
        ringKV = needsIngesterRing ? try rings.kv(for: .ingester) : nil
        // This ingester's part of a tenant's global series and exemplar limits in a shared ring.
        let limitShare = ingesterInProcess ? nil : ingesterRing.map {
            Self.ingesterLimitShare(ring: $0, replicationFactor: config.ingesterRing.replicationFactor)
        }
        exemplarsAndMetadata = targets.runs(.ingester) ? ExemplarMetadataStore(overrides: overrides, limitShare: limitShare) : nil
        storeGatewayRing = needsStoreGatewayRing ? try rings.ring(.storeGateway, key: RingKey.storeGateway) : nil
        storeGatewayLifecycler = targets.runs(.storeGateway) ? try rings.lifecycler(.storeGateway, key: RingKey.storeGateway) : nil
        distributorRing = targets.runs(.distributor) ? try rings.ring(.distributor, key: RingKey.distributor) : nil
        distributorLifecycler = targets.runs(.distributor) ? try rings.lifecycler(.distributor, key: RingKey.distributor) : nil

        compactorRing = targets.runs(.compactor) ? try rings.ring(.compactor, key: RingKey.compactor) : nil
        compactorLifecycler = targets.runs(.compactor) ? try rings.lifecycler(.compactor, key: RingKey.compactor) : nil
        if targets.runs(.compactor), let bucket {
            compactor = Self.makeCompactor(config: config, bucket: bucket, overrides: overrides, ring: compactorRing,
                                           lifecycler: compactorLifecycler, metricsFactory: factory, logger: logger)
        } else {
            compactor = nil
        }

        if targets.runs(.queryFrontend) {
            (frontend, resultsCache) = try Self.makeQueryFrontend(config: config, overrides: overrides, deleteRequests: deleteRequests,
                                                                  metricsFactory: factory, logger: logger)
        } else {
            frontend = nil
            resultsCache = nil
        }

        if targets.runs(.storeGateway), let bucket {
            var ownsBlock: StoreGateway.BlockOwnership? = nil
            if let ring = storeGatewayRing, let lifecycler = storeGatewayLifecycler, !storeGatewayInProcess {
                ownsBlock = Self.blockOwnership(ring: ring, instanceID: lifecycler.config.instanceID)
            }
            let limits = overrides
            let bs = config.bucketStore
            let remote = RemoteCaches(
                index: bs.indexCacheBackend == "memcached"
                    ? try Self.makeCache(backend: "memcached", inMemoryBytes: 0, memcached: bs.indexCacheMemcached, name: "index-cache",
                                         flag: "-blocks-storage.bucket-store.index-cache.memcached", metricsFactory: factory, logger: logger) : nil,
                chunks: bs.chunksCacheBackend == "memcached"
                    ? try Self.makeCache(backend: "memcached", inMemoryBytes: 0, memcached: bs.chunksCacheMemcached, name: "chunks-cache",
                                         flag: "-blocks-storage.bucket-store.chunks-cache.memcached", metricsFactory: factory, logger: logger) : nil)
            storeGatewayRemoteCaches = remote
            storeGateway = StoreGateway(bucket: bucket, config: Self.storeGatewayConfig(config), logger: logger, ownsBlock: ownsBlock,
                                        retention: { tenant, resolution in
                                            Self.compactorSettings(limits.limits(for: tenant)).retention(resolution: resolution)
                                        }, remoteCaches: remote)
        } else {
            storeGateway = nil
            storeGatewayRemoteCaches = .none
        }
        if targets.runs(.ingester) {
            var head = HeadOptions()
            head.chunkRange = Int64(config.tsdb.blockRangesPeriod.components.seconds) * 1000
            head.samplesPerChunk = config.tsdb.samplesPerChunk
            head.blockSamplesPerChunk = config.tsdb.blockSamplesPerChunk
            head.walSegmentSize = config.tsdb.walSegmentSizeBytes
            let gateway = storeGateway
            let log = logger
            let retention = config.tsdb.retentionPeriod
            let storage = bucket.map { bucket in
                BlockStorage(bucket: bucket, retentionPeriod: retention) { _ in
                    // The in-process store-gateway sees shipped blocks at once, not at its next sync.
                    do { try await gateway?.sync() } catch {
                        log.warning("store-gateway sync after shipping failed", metadata: ["err": "\(error)"])
                    }
                }
            }
            ingester = Ingester(config: .init(directory: config.tsdb.dir, headOptions: head), overrides: overrides,
                                blockStorage: storage, metricsFactory: factory, logger: logger, seriesLimitShare: limitShare)
        } else {
            ingester = nil
        }
        let remoteIngesters = ingesterRing != nil && !ingesterInProcess && (targets.runs(.distributor) || targets.runs(.querier))
        let remoteStoreGateways = storeGatewayRing != nil && targets.runs(.querier) && !storeGatewayInProcess
        let peers = remoteIngesters || remoteStoreGateways
            ? RemotePeers(pushTimeout: config.distributor.remoteTimeout, readTimeout: config.querier.timeout, logger: logger) : nil
        self.peers = peers

        if targets.runs(.distributor) && config.distributor.haTracker.enabled {
            let ha = config.distributor.haTracker
            // The tracker adds its own prefix to the keys (Mimir's ha-tracker/<tenant>/<cluster>).
            let kv = ha.store == RingStoreKind.etcd.rawValue
                ? try rings.etcd(endpoints: ha.etcdEndpoints, dialTimeout: ha.etcdDialTimeout, maxRetries: ha.etcdMaxRetries, prefix: "")
                : rings.inMemory()
            haTracker = try HATracker(kv: kv, config: HATrackerConfig(
                enabled: true, updateTimeout: ha.updateTimeout, updateTimeoutJitterMax: ha.updateTimeoutJitterMax,
                failoverTimeout: ha.failoverTimeout, keyPrefix: ha.prefix),
                logger: logger, metricsFactory: factory)
        } else {
            haTracker = nil
        }
        kvStores = rings.stores

        if targets.runs(.distributor) {
            let client: any IngesterClient
            if let ingester, ingesterInProcess {
                client = ingester
            } else if let ring = ingesterRing, let peers {
                client = RingIngesterClient(ring: ring, clients: { peers.ingester(at: $0.address) }, metricsFactory: factory, logger: logger)
            } else {
                throw ConfigError.invalid("-target=distributor has no ingester to write to: configure -ingester.ring.store")
            }
            var rateShare: (@Sendable () -> Double)? = nil
            if let ring = distributorRing, config.distributorRing.store != RingStoreKind.inMemory.rawValue {
                // Mimir's global strategy: the tenant's rate is shared by the healthy distributors.
                rateShare = { 1 / Double(max(1, ring.healthyInstances(for: .read).count)) }
            }
            distributor = Distributor(overrides: overrides, ingester: client, metricsFactory: factory, logger: logger,
                                      rateLimiter: IngestionRateLimiter(overrides: overrides, rateShare: rateShare),
                                      haTracker: haTracker)
        } else {
            distributor = nil
        }

        if targets.runs(.querier) {
            var recent: (any Queryable)? = nil
            if let ingester, ingesterInProcess {
                recent = ingester
            } else if let ring = ingesterRing, let peers {
                recent = RingReplicasQueryable(ring: ring, coverage: .writeQuorum, clients: { peers.queryable(at: $0.address, role: .ingester) }, logger: logger)
            }
            var store: (any Queryable)? = nil
            if let storeGateway, storeGatewayInProcess {
                store = storeGateway
            } else if let ring = storeGatewayRing, let peers {
                store = RingReplicasQueryable(ring: ring, coverage: .everyReplica, clients: { peers.queryable(at: $0.address, role: .storeGateway) }, logger: logger)
            }
            let merged: any Queryable
            if let recent, store == nil {
                merged = recent
            } else {
                merged = SplitQueryable(ingesters: recent, store: store,
                                        queryIngestersWithin: config.querier.queryIngestersWithin,
                                        queryStoreAfter: config.querier.queryStoreAfter)
            }
            // Delete requests apply to whatever the querier reads, before PromQL sees it.
            queryable = deleteRequests.map { DeletionMaskingQueryable(inner: merged, requests: $0) } ?? merged
        } else {
            queryable = nil
        }
    }

    /// Store-gateway sharding, as Mimir: a block belongs to the `replication-factor` store-gateways
    /// that follow the FNV-1a hash of its ID on the store-gateway ring (JOINING ones included, so
    /// a new store-gateway loads its blocks before it turns ACTIVE).
    static func blockOwnership(ring: Ring, instanceID: String) -> StoreGateway.BlockOwnership {
        { _, blockID in
            guard let set = try? ring.replicationSet(forKey: FNV1a32.hash(blockID), operation: .blocksSync) else { return false }
            return set.instances.contains { $0.id == instanceID }
        }
    }

    /// The fraction of a tenant's series (and exemplars) one ingester of a shared ring holds, as
    /// Mimir: each series is on RF of the N ingesters, so one holds RF/N of them. Read at each
    /// push, so it follows the ring as ingesters join and leave.
    static func ingesterLimitShare(ring: Ring, replicationFactor rf: Int) -> @Sendable () -> Double {
        {
            let n = ring.instances.count
            return n > 0 ? Double(min(rf, n)) / Double(n) : 1
        }
    }

    /// Whether this process serves an ingester to other processes over gRPC: it runs one whose
    /// ring is shared.
    public var servesIngesterRPC: Bool { ingester != nil && !ingesterInProcess }

    /// Whether this process serves a store-gateway to other processes over gRPC.
    public var servesStoreGatewayRPC: Bool { storeGateway != nil && !storeGatewayInProcess }

    /// Whether this process serves its query-frontend's queue over gRPC: the frontend runs
    /// without a querier of its own, so queriers of other processes pull from it.
    public var servesFrontendRPC: Bool { frontend != nil && !targets.runs(.querier) }

    /// Whether this process serves gRPC at all.
    public var servesRPC: Bool { servesIngesterRPC || servesStoreGatewayRPC || servesFrontendRPC }

    /// Prometheus's default histogram buckets, in seconds (Mimir's request-duration buckets).
    static let requestDurationBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        .map { Duration.nanoseconds(Int64($0 * 1e9)) }

    /// The store-gateway settings from `blocks_storage.bucket_store`.
    static func storeGatewayConfig(_ c: StrataConfig) -> StoreGateway.Config {
        var g = StoreGateway.Config()
        g.syncDirectory = c.bucketStore.syncDir
        g.syncInterval = c.bucketStore.syncInterval
        g.ignoreDeletionMarksDelay = c.bucketStore.ignoreDeletionMarksDelay
        g.indexCacheBytes = c.bucketStore.indexCacheBytes
        g.seriesHashCacheBytes = c.bucketStore.seriesHashCacheBytes
        g.chunksCacheBytes = c.bucketStore.chunksCacheBytes
        g.indexHeaderIdleTimeout = c.bucketStore.indexHeaderIdleTimeout
        return g
    }

    /// The HTTP API over these components.
    public func api() -> StrataAPI {
        let ingester = self.ingester
        let config = self.config
        let registry = self.registry
        let runtimeConfig = self.runtimeConfig
        let gatewayMetrics = storeGateway.map { _ in StoreGatewayMetrics(factory: metricsFactory) }
        let gateway = storeGateway
        let processMetrics = self.processMetrics
        let frontend = self.frontend
        let rings = [("ingester", ingesterRing), ("store-gateway", storeGatewayRing), ("distributor", distributorRing),
                     ("compactor", compactorRing)].compactMap { name, ring in ring.map { (name: name, ring: $0) } }
        let tenant = (try? TenantID(validating: config.noAuthTenant)) ?? .anonymous
        var api = StrataAPI(
            tenants: TenantResolver(multitenancyEnabled: config.multitenancyEnabled, noAuthTenant: tenant),
            overrides: overrides,
            distributor: distributor,
            queryable: recordingQueries(queryable),
            readiness: { [storeGateway, storeGatewaySyncExpected, ingesterLifecycler, ringMembershipExpected] in
                if let ingester, ingester.currentState != .running {
                    return .init(ready: false, message: "Ingester not ready: ingester state is \(ingester.currentState.rawValue)")
                }
                if let ingesterLifecycler, ringMembershipExpected.isSet, ingesterLifecycler.currentState != .active {
                    let state = ingesterLifecycler.currentState?.rawValue ?? "not registered"
                    return .init(ready: false, message: "Ingester not ready: this instance in the ring is \(state), not ACTIVE")
                }
                // As Mimir's store-gateway, not ready before the first sync of the bucket finished.
                if let storeGateway, storeGatewaySyncExpected.isSet {
                    if storeGateway.stats.syncsCompleted == 0 {
                        return .init(ready: false, message: "Store-gateway not ready: the initial sync of the bucket has not finished")
                    }
                }
                return .init(ready: true, message: "ready")
            },
            configYAML: { mode in
                guard let m = ConfigPrinter.Mode(rawValue: mode) else { return nil }
                return ConfigPrinter.yaml(config, mode: m)
            },
            metricsText: {
                ingester?.collectMetrics()
                if let gateway, let gatewayMetrics { gatewayMetrics.publish(gateway.stats) }
                processMetrics.update(registry: registry)
                frontend?.collectMetrics()
                RingMetrics.publish(rings, registry: registry)
                if let runtimeConfig {
                    registry.makeGauge(descriptor: MetricNameDescriptor(
                        namespace: "strata", subsystem: "runtime_config", metricName: "last_reload", unitName: "successful",
                        helpText: "Whether the last runtime config reload attempt was successful."))
                        .set(to: runtimeConfig.lastReloadSuccessful ? 1.0 : 0.0)
                    registry.makeGauge(descriptor: MetricNameDescriptor(
                        namespace: "strata", subsystem: "runtime_config", metricName: "hash", unitName: "",
                        helpText: "Hash of the currently active runtime config file (low 52 bits)."))
                        .set(to: Double(runtimeConfig.lastHash & ((1 << 52) - 1)))
                }
                return registry.emitToBuffer()
            },
            metricsFactory: metricsFactory,
            logger: logger
        )
        let querier = config.querier
        api.configureQuerier(lookbackDelta: querier.lookbackDelta, maxSamples: querier.maxSamples, timeout: querier.timeout,
                             experimentalFunctions: querier.promqlExperimentalFunctionsEnabled,
                             evaluationParallelism: querier.evaluationParallelism)
        api.buildInfo = PromBuildInfo(version: strataVersion)
        // Exemplars and metadata live in the ingesters' memory: this process's, or, for a querier
        // of a cluster, those of the ring, read over RPC and merged (RingReplicasExemplarMetadataSource);
        // a query-frontend without a querier forwards them to the queriers behind it. Set before
        // the querier's runner is made, which answers the frontend's requests from the same source.
        if ingesterInProcess {
            api.exemplarsAndMetadata = exemplarsAndMetadata
        } else if targets.runs(.querier), let ring = ingesterRing, let peers {
            api.exemplarsAndMetadataReader = RingReplicasExemplarMetadataSource(
                ring: ring, clients: { peers.exemplarsAndMetadata(at: $0.address) }, logger: logger)
        } else if let frontend, !targets.runs(.querier) {
            api.exemplarsAndMetadataReader = FrontendExemplarMetadataReader(frontend: frontend)
        }
        api.frontend = frontend
        if let frontend, targets.runs(.querier), let runner = api.querierRunner() {
            // The queriers of this process pull from the frontend's queue as soon as the API exists.
            localQueriers.startOnce {
                LocalQueriers(queue: frontend.queue, runner: runner, concurrency: config.frontendWorker.maxConcurrent)
            }
        }
        if let deleteRequests {
            var drop: (@Sendable (TenantID) async throws -> Void)? = nil
            if let ingester, ingesterInProcess {
                let extras = exemplarsAndMetadata
                drop = { tenant in
                    try await ingester.deleteTenant(tenant)
                    extras?.remove(tenant: tenant)
                }
            }
            api.deletes = DeletesAPI(
                store: deleteRequests.store, cache: deleteRequests, audit: DeleteAuditLog(bucket: deleteRequests.store.bucket),
                maxPendingPerTenant: config.querier.maxPendingDeleteRequests, dropTenantHead: drop,
                now: { WallClock.nowMilliseconds() })
        }
        if let ingester, bucket != nil {
            api.flush = { tenants in try await ingester.flush(tenants: tenants).failures }
        }
        if let bucket {
            api.admin = makeBucketAdmin(bucket: bucket)
        }
        for (ring, paths, title, settings) in [
            (ingesterRing, ["/ingester/ring", "/ring"], "Ingester ring", config.ingesterRing),
            (storeGatewayRing, ["/store-gateway/ring"], "Store-gateway ring", config.storeGatewayRing),
            (distributorRing, ["/distributor/ring"], "Distributor ring", config.distributorRing),
        ] {
            guard let ring else { continue }
            let timeout = settings.heartbeatTimeout
            api.ringPages.append(RingPage(paths: paths, render: { json in
                let page = RingStatusPage(ring: ring.desc, now: UnixClock.now(), heartbeatTimeout: timeout)
                return json ? try page.json() : Array(page.html(title: title, formAction: "").utf8)
            }, forget: { id in try await ring.forget(instanceID: id) }))
        }
        api.cardinality = cardinalityAPI()
        return api
    }
}

/// A flag set once, read by the readiness check.
public final class ReadinessFlag: Sendable {
    private let value = Atomic<Bool>(false)

    /// Creates an unset flag.
    public init() {}

    /// Whether `set()` was called.
    public var isSet: Bool { value.load(ordering: .acquiring) }

    /// Sets the flag.
    public func set() { value.store(true, ordering: .releasing) }
}
