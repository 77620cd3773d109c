import Logging
import Metrics
import StrataCache
import StrataLimits
import StrataModel

/// The query-frontend: checks a query against its tenants' limits, then splits it by interval,
/// answers what it can from the results cache, shards the rest by series and queues the pieces
/// for queriers, which pull them fairly across tenants.
///
/// Each stage is a `QueryRunner` wrapping the next, so the same chain serves `-target=all`
/// (queriers in-process) and a cluster (queriers pulling over gRPC).
public struct QueryFrontend: Sendable {
    /// The settings.
    public let config: QueryFrontendConfig
    /// The queue queriers pull from.
    public let queue: RequestQueue
    /// The first stage of the chain (splitting).
    public let pipeline: any QueryRunner
    /// The last stage (the queue), which series and label requests go to directly.
    let queueStage: QueueRunner
    /// The frontend's self-metrics (`FrontendMetrics`); `collectMetrics()` publishes the queue's.
    public let metrics: FrontendMetrics
    let overrides: Overrides
    let logger: Logger

    /// Builds the chain over `queue`, with `cache` as the results cache (nil: no caching) and
    /// its metrics in `metricsFactory`.
    public init(config: QueryFrontendConfig, overrides: Overrides, cache: (any Cache)?, queue: RequestQueue = RequestQueue(),
                now: @escaping @Sendable () -> Int64, cacheGeneration: (@Sendable (QueryRequest) async -> String)? = nil,
                metricsFactory: any MetricsFactory = MetricsSystem.factory, logger: Logger) {
        let metrics = FrontendMetrics(factory: metricsFactory)
        self.metrics = metrics
        self.config = config
        self.queue = queue
        self.overrides = overrides
        self.logger = logger
        let limits: @Sendable (QueryRequest) -> FrontendLimits = { FrontendLimits(overrides: overrides, tenants: $0.tenants) }
        let outstanding = config.maxOutstandingPerTenant
        var queueStage = QueueRunner(
            queue: queue,
            limits: { r in
                let l = limits(r)
                return .init(maxOutstanding: outstanding, maxQueriers: l.maxQueriersPerTenant)
            },
            maxAttempts: config.maxRetries, timeout: config.timeout, logger: logger)
        queueStage.metrics = metrics
        self.queueStage = queueStage
        var stage: any QueryRunner = queueStage
        if config.parallelizeShardableQueries {
            let byKey: @Sendable (String) -> FrontendLimits = { key in
                FrontendLimits(overrides: overrides, tenants: key.split(separator: "|").compactMap { try? TenantID(validating: String($0)) })
            }
            stage = ShardingRunner(
                downstream: queueStage,
                totalShards: { byKey($0).queryShardingTotalShards },
                maxShardedQueries: { byKey($0).queryShardingMaxShardedQueries },
                maxParallelism: { byKey($0).maxQueryParallelism },
                logger: logger)
        }
        let interval = config.splitQueriesByInterval.inMilliseconds
        if config.cacheResults, let cache {
            var cacheStage = ResultsCacheStage(
                next: stage, cache: cache, interval: interval,
                settings: { r in
                    let l = limits(r)
                    return .init(maxCacheFreshness: l.maxCacheFreshness, ttl: l.resultsCacheTTL)
                },
                now: now, logger: logger)
            cacheStage.generation = cacheGeneration
            stage = cacheStage
        }
        pipeline = IntervalSplitter(next: stage, interval: interval, parallelism: { limits($0).maxQueryParallelism })
    }

    /// Answers one client query: limits first, then the chain; logs the query's line.
    public func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
        let clock = ContinuousClock()
        let started = clock.now
        let limits = FrontendLimits(overrides: overrides, tenants: request.tenants)
        var request = request
        if config.alignQueriesWithStep, request.kind == .range, request.step > 0 {
            request.start = Self.alignDown(request.start, request.step)
            request.end = Self.alignDown(request.end, request.step)
        }
        var response: QueryResponse? = nil
        var failure: QueryFailure? = nil
        do {
            try limits.checkBlocked(request.query, tenantKey: request.tenantKey)
            let permits = QueryParallelism(permits: limits.maxQueryParallelism)
            var budget = config.timeout
            if request.timeoutMs > 0, .milliseconds(request.timeoutMs) < budget { budget = .milliseconds(request.timeoutMs) }
            let deadline = started + budget
            let r = request
            let first: any QueryRunner = r.kind == .instant || r.kind == .range ? pipeline : queueStage
            response = try await QueryParallelism.$current.withValue(permits) {
                try await QueryDeadline.$current.withValue(deadline) { try await first.run(r) }
            }
        } catch let error as QueryFailure {
            failure = error
        } catch {
            failure = .internal("query-frontend: \(error)")
        }
        let elapsed = clock.now - started
        metrics.finished(request, response: response, shardingEnabled: config.parallelizeShardableQueries)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let metadata = QueryLogLine.metadata(request: request, response: response, failure: failure, wallSeconds: seconds)
        if config.logQueriesLongerThan > .zero, elapsed >= config.logQueriesLongerThan {
            logger.warning("slow query detected", metadata: metadata)
        } else {
            logger.info("query stats", metadata: metadata)
        }
        if let failure { throw failure }
        return response ?? QueryResponse(value: .matrix([]))
    }

    /// Publishes the queue's length per tenant and its connected queriers (at scrape time).
    public func collectMetrics() {
        metrics.collect(queue: queue)
    }

    private static func alignDown(_ t: Int64, _ step: Int64) -> Int64 {
        let r = t % step
        if r >= 0 { return t - r }
        let (v, o) = (t - r).subtractingReportingOverflow(step)
        return o ? t - r : v
    }
}
