import HTTPTypes
import Hummingbird
import Logging
import Metrics
import StrataDistributor
import StrataIngester
import StrataLimits
import StrataModel
import StrataPromQL
import StrataQueryFrontend

/// Everything the HTTP layer serves, wired by the server from whichever roles run here.
///
/// The HTTP layer knows roles only through these values: a distributor for writes, a
/// `Queryable` for reads, and closures for the operational pages.
public struct StrataAPI: Sendable {
    /// Readiness as `/ready` reports it.
    public struct Readiness: Sendable {
        public var ready: Bool
        public var message: String
        public init(ready: Bool, message: String) {
            self.ready = ready
            self.message = message
        }
    }

    /// How tenants are found.
    public var tenants: TenantResolver
    /// Per-tenant limits (body size limits are read here before the body is).
    public var overrides: Overrides
    /// The write path, when this process runs a distributor.
    public var distributor: Distributor?
    /// The read path over stored samples, when this process runs an ingester.
    public var queryable: (any Queryable)?
    /// `/ready`.
    public var readiness: @Sendable () -> Readiness
    /// `/config?mode=…` as YAML; nil for an unknown mode.
    public var configYAML: @Sendable (String) -> String?
    /// `/metrics` in Prometheus text format.
    public var metricsText: @Sendable () -> [UInt8]
    /// Where request metrics go.
    public var metricsFactory: any MetricsFactory
    /// The server logger.
    public var logger: Logger
    /// Settings of the PromQL engine behind `/query` and `/query_range` (`-querier.*`).
    public var engineOptions = EngineOptions()
    /// What `/api/v1/status/buildinfo` reports.
    public var buildInfo = PromBuildInfo(version: "unknown")
    /// The current time in ms, the default `time` of instant queries (replaceable in tests).
    public var now: @Sendable () -> Int64 = { PromAPIClock.nowMilliseconds() }
    /// Cuts and ships the heads of the given tenants (all when nil); behind `/ingester/flush`.
    /// Returns why each tenant that failed failed (the others are shipped all the same). Nil when
    /// this process has no ingester with object storage.
    public var flush: (@Sendable (Set<TenantID>?) async throws -> [TenantID: String])?
    /// The status pages of the rings this process takes part in (`/ingester/ring`, …).
    public var ringPages: [RingPage] = []
    /// The query-frontend, when this process runs one: `/query` and `/query_range` go through it,
    /// and without a local querier the series and label endpoints are forwarded through its queue.
    public var frontend: QueryFrontend?
    /// Delete requests, redactions and tenant deletion, when this process can reach the bucket
    /// and serves queries.
    public var deletes: DeletesAPI?
    /// The bucket behind the admin endpoints (`/api/v1/admin/…`) and the block-upload API, when
    /// this process has bucket access.
    public var admin: (any AdminStorage)?
    /// The cardinality API (`cardinality/…`, `status/tsdb`), when this process serves it.
    public var cardinality: CardinalityAPI?
    /// Exemplars and metadata: written by the push path, read by `query_exemplars` and
    /// `metadata`. Set when the ingester runs in this process; without it pushes still count
    /// exemplars and metadata, and the two endpoints answer empty.
    public var exemplarsAndMetadata: (any ExemplarMetadataSink & ExemplarQueryable & MetadataQueryable)?
    /// Where `query_exemplars` and `metadata` read when the store is not in this process: the
    /// ingesters of the ring, over RPC (a querier of a cluster), or the queriers behind this
    /// process's query-frontend (`FrontendExemplarMetadataReader`). Unused when
    /// `exemplarsAndMetadata` is set.
    public var exemplarsAndMetadataReader: (any ExemplarQueryable & MetadataQueryable)?

    /// Creates the API description.
    public init(tenants: TenantResolver, overrides: Overrides, distributor: Distributor?, queryable: (any Queryable)?,
                readiness: @escaping @Sendable () -> Readiness, configYAML: @escaping @Sendable (String) -> String?,
                metricsText: @escaping @Sendable () -> [UInt8], metricsFactory: any MetricsFactory, logger: Logger) {
        self.tenants = tenants
        self.overrides = overrides
        self.distributor = distributor
        self.queryable = queryable
        self.readiness = readiness
        self.configYAML = configYAML
        self.metricsText = metricsText
        self.metricsFactory = metricsFactory
        self.logger = logger
    }

    /// Sets the PromQL engine's `-querier.*` settings.
    public mutating func configureQuerier(lookbackDelta: Duration, maxSamples: Int, timeout: Duration, experimentalFunctions: Bool,
                                          evaluationParallelism: Int = 0) {
        engineOptions.lookbackDelta = lookbackDelta.inMilliseconds
        engineOptions.maxSamples = maxSamples
        engineOptions.timeout = timeout
        engineOptions.experimentalFunctions = experimentalFunctions
        engineOptions.parallelism = evaluationParallelism
    }

    /// The querier's runner of frontend requests: the engine over this process's storage, with
    /// federation and the per-query limits applied as for the HTTP API, and exemplars and
    /// metadata requests answered from the source `query_exemplars` and `metadata` read here.
    /// Nil without storage.
    public func querierRunner() -> EngineQueryRunner? {
        guard let queryable else { return nil }
        let handler = PromAPIHandler(tenants: tenants, queryable: queryable, overrides: overrides, engineOptions: engineOptions,
                                     buildInfo: buildInfo, logger: logger, now: now)
        var runner = EngineQueryRunner(options: engineOptions, storage: { handler.storage(for: $0) })
        runner.exemplars = exemplarsAndMetadata ?? exemplarsAndMetadataReader
        runner.metadata = exemplarsAndMetadata ?? exemplarsAndMetadataReader
        return runner
    }

    /// The router with every endpoint of the roles present.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(factory: metricsFactory))
        addOperationalRoutes(to: router)
        if let distributor {
            let push = PushHandler(tenants: tenants, overrides: overrides, distributor: distributor, logger: logger,
                                   extrasSink: exemplarsAndMetadata)
            router.post("/api/v1/push") { request, _ in await push.handle(request) }
            let otlp = OTLPHandler(tenants: tenants, overrides: overrides, distributor: distributor, logger: logger)
            // Mimir's path, and Prometheus's for senders configured against a Prometheus.
            router.post("/otlp/v1/metrics") { request, _ in await otlp.handle(request) }
            router.post("/api/v1/otlp/v1/metrics") { request, _ in await otlp.handle(request) }
        }
        if let queryable {
            // Remote read streams chunks, which only a process with storage access has.
            let read = RemoteReadHandler(tenants: tenants, queryable: queryable, overrides: overrides, logger: logger, now: now)
            router.post("/prometheus/api/v1/read") { request, _ in await read.handle(request) }
            router.post("/api/v1/read") { request, _ in await read.handle(request) }
        }
        UserLimitsHandler(tenants: tenants, overrides: overrides).register(on: router)
        if let admin {
            AdminHandler(tenants: tenants, storage: admin, logger: logger).register(on: router)
            BlockUploadHandler(tenants: tenants, storage: admin, logger: logger).register(on: router)
        }
        if let deletes {
            let handler = DeleteSeriesHandler(tenants: tenants, api: deletes, logger: logger)
            handler.register(on: router, prefix: "/prometheus/api/v1")
            handler.register(on: router, prefix: "/api/v1")
            TenantDeleteHandler(tenants: tenants, api: deletes, logger: logger).register(on: router)
        }
        if let cardinality {
            let handler = CardinalityHandler(api: cardinality, tenants: tenants, logger: logger)
            handler.register(on: router, prefix: "/prometheus/api/v1")
            handler.register(on: router, prefix: "/api/v1")
        }
        if let api = queryable ?? frontend.map({ FrontendQueryable(frontend: $0) }) {
            var promAPI = PromAPIHandler(tenants: tenants, queryable: api, overrides: overrides, engineOptions: engineOptions,
                                         buildInfo: buildInfo, logger: logger, now: now)
            promAPI.frontend = frontend
            promAPI.exemplarSource = exemplarsAndMetadata ?? exemplarsAndMetadataReader
            promAPI.metadataSource = exemplarsAndMetadata ?? exemplarsAndMetadataReader
            promAPI.register(on: router, prefix: "/prometheus/api/v1")
            promAPI.register(on: router, prefix: "/api/v1")
        }
        return router
    }

    private func addOperationalRoutes(to router: Router<BasicRequestContext>) {
        let readiness = self.readiness
        let configYAML = self.configYAML
        let metricsText = self.metricsText
        router.get("/ready") { _, _ -> Response in
            let r = readiness()
            return r.ready ? textResponse("ready\n") : PlainError(.serviceUnavailable, r.message).response
        }
        router.get("/config") { request, _ -> Response in
            let mode = request.uri.queryParameters.get("mode") ?? "all"
            guard let yaml = configYAML(mode) else {
                return PlainError(.badRequest, "unknown mode \"\(mode)\": use all, diff or defaults").response
            }
            return textResponse(yaml, contentType: "text/plain; charset=utf-8")
        }
        if let flush {
            let handler = FlushHandler(flush: flush, logger: logger)
            // Only POST flushes; the other methods are routed to answer 405 with `Allow: POST`.
            for method in [HTTPRequest.Method.post, .get, .put, .delete, .patch] {
                router.on("/ingester/flush", method: method) { request, _ in await handler.handle(request) }
            }
        }
        for page in ringPages {
            let handler = RingHandler(render: page.render, forget: page.forget, logger: logger)
            for path in page.paths {
                router.get(RouterPath(path)) { request, _ in await handler.handle(request) }
                router.post(RouterPath(path)) { request, _ in await handler.handle(request) }
            }
        }
        router.get("/metrics") { _, _ -> Response in
            let bytes = metricsText()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
