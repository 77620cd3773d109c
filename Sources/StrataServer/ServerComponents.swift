import Glibc
import Logging
import Metrics
import Prometheus
import StrataDistributor
import StrataHTTP
import StrataIngester
import StrataLimits
import StrataModel
import StrataObjstore
import StrataQuerier
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
    /// The ingester ring as this process sees it (status page, and replication sets later).
    public let ingesterRing: Ring?
    /// Set when the store-gateway's sync loop runs in this process: from then on `/ready` waits
    /// for its first sync. In-process tests that never start the loop are ready at once.
    public let storeGatewaySyncExpected = ReadinessFlag()
    /// Set when the ingester's ring membership is run by this process (`IngesterService`).
    public let ringMembershipExpected = ReadinessFlag()
    /// Self-metrics registry behind `/metrics`.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory writing into `registry`.
    public let metricsFactory: PrometheusMetricsFactory
    /// The runtime-config reloader, when `-runtime-config.file` is set.
    public let runtimeConfig: RuntimeConfigLoader?
    /// The server logger.
    public let logger: Logger

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
        if targets.runs(.ingester) || targets.runs(.storeGateway) {
            bucket = try config.bucket.makeBucket()
        } else {
            bucket = nil
        }
        if targets.runs(.storeGateway), let bucket {
            storeGateway = StoreGateway(bucket: bucket, config: Self.storeGatewayConfig(config), logger: logger)
        } else {
            storeGateway = nil
        }
        if targets.runs(.ingester) {
            var head = HeadOptions()
            head.chunkRange = Int64(config.tsdb.blockRangesPeriod.components.seconds) * 1000
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
                                blockStorage: storage, metricsFactory: factory, logger: logger)
        } else {
            ingester = nil
        }
        if targets.runs(.ingester) {
            let r = config.ingesterRing
            let kv: any RingKV
            if r.store == "etcd" {
                let endpoints = r.etcdEndpoints.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
                kv = try EtcdKV(config: EtcdConfig(endpoints: endpoints, dialTimeout: r.etcdDialTimeout, maxRetries: r.etcdMaxRetries,
                                                   prefix: r.prefix), logger: logger)
            } else {
                kv = InMemoryKV()
            }
            let id = r.instanceID.isEmpty ? Self.hostname() : r.instanceID
            let host = !r.instanceAddr.isEmpty ? r.instanceAddr
                : (config.server.httpListenAddress.isEmpty || config.server.httpListenAddress == "0.0.0.0" ? "127.0.0.1" : config.server.httpListenAddress)
            let port = r.instancePort > 0 ? r.instancePort : config.server.grpcListenPort
            ringKV = kv
            ingesterLifecycler = RingLifecycler(kv: kv, config: LifecyclerConfig(
                instanceID: id, address: "\(host):\(port)", zone: r.zone, ringKey: RingKey.ingester, numTokens: r.numTokens,
                heartbeatPeriod: r.heartbeatPeriod, tokensFilePath: r.tokensFilePath.isEmpty ? nil : r.tokensFilePath,
                unregisterOnShutdown: r.unregisterOnShutdown), logger: logger)
            ingesterRing = Ring(kv: kv, key: RingKey.ingester, config: RingConfig(
                replicationFactor: r.replicationFactor, heartbeatTimeout: r.heartbeatTimeout,
                zoneAwarenessEnabled: r.zoneAwarenessEnabled), logger: logger)
        } else {
            ringKV = nil
            ingesterLifecycler = nil
            ingesterRing = nil
        }
        if targets.runs(.distributor), let ingester {
            distributor = Distributor(overrides: overrides, ingester: ingester, metricsFactory: factory, logger: logger)
        } else {
            distributor = nil
        }
    }

    /// Prometheus's default histogram buckets, in seconds (Mimir's request-duration buckets).
    static let requestDurationBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        .map { Duration.nanoseconds(Int64($0 * 1e9)) }

    /// The machine's host name, the default instance ID in rings (as Mimir).
    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "strata" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "strata" : name
    }

    /// The store-gateway settings from `blocks_storage.bucket_store`.
    static func storeGatewayConfig(_ c: StrataConfig) -> StoreGateway.Config {
        var g = StoreGateway.Config()
        g.syncDirectory = c.bucketStore.syncDir
        g.syncInterval = c.bucketStore.syncInterval
        g.indexCacheBytes = c.bucketStore.indexCacheBytes
        g.chunksCacheBytes = c.bucketStore.chunksCacheBytes
        g.indexHeaderIdleTimeout = c.bucketStore.indexHeaderIdleTimeout
        return g
    }

    /// What queries read: recent data from the ingester, older data from the store-gateway.
    public var queryable: (any Queryable)? {
        guard ingester != nil || storeGateway != nil else { return nil }
        if storeGateway == nil { return ingester }
        return SplitQueryable(ingesters: ingester, store: storeGateway,
                              queryIngestersWithin: config.querier.queryIngestersWithin,
                              queryStoreAfter: config.querier.queryStoreAfter)
    }

    /// The HTTP API over these components.
    public func api() -> StrataAPI {
        let ingester = self.ingester
        let config = self.config
        let registry = self.registry
        let runtimeConfig = self.runtimeConfig
        let gatewayMetrics = storeGateway.map { _ in StoreGatewayMetrics(factory: metricsFactory) }
        let gateway = storeGateway
        let tenant = (try? TenantID(validating: config.noAuthTenant)) ?? .anonymous
        var api = StrataAPI(
            tenants: TenantResolver(multitenancyEnabled: config.multitenancyEnabled, noAuthTenant: tenant),
            overrides: overrides,
            distributor: distributor,
            queryable: queryable,
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
                             experimentalFunctions: querier.promqlExperimentalFunctionsEnabled)
        api.buildInfo = PromBuildInfo(version: strataVersion)
        if let ingester, bucket != nil {
            api.flush = { tenants in try await ingester.flush(tenants: tenants) }
        }
        if let ring = ingesterRing {
            let timeout = config.ingesterRing.heartbeatTimeout
            api.ringPage = { json in
                let page = RingStatusPage(ring: ring.desc, now: UnixClock.now(), heartbeatTimeout: timeout)
                return json ? try page.json() : Array(page.html(title: "Ingester ring", formAction: "").utf8)
            }
            api.ringForget = { id in try await ring.forget(instanceID: id) }
        }
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
