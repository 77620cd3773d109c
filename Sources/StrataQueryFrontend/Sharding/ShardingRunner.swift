import Logging
import StrataModel
import StrataPromQL

/// The query-frontend's sharding stage: splits each shardable aggregation of a query into
/// shard queries (`__query_shard__="i_of_N"`) run by the next runner, and merges their results
/// with its own PromQL engine, as Mimir's query-frontend does with `-query-frontend.query-sharding`.
///
/// Per tenant: `query_sharding_total_shards` shards (0 or 1: off), fewer when the plan's legs
/// times the shards would exceed `query_sharding_max_sharded_queries` (unsharded when even 2
/// shards would), and at most `max_query_parallelism` leg queries in flight. A query with
/// nothing shardable, an `@` modifier, an experimental function or a parse error goes to the
/// next runner as it is (which then reports any error).
public struct ShardingRunner: QueryRunner {
    /// The runner of the leg queries (the queue to the queriers, or a querier's engine).
    public let downstream: any QueryRunner
    /// Shards per sharded aggregation for a tenant key (`QueryRequest.tenantKey`); below 2 is off.
    public let totalShards: @Sendable (String) -> Int
    /// Most shard queries one query may be split into for a tenant key; 0 or less: no limit.
    public let maxShardedQueries: @Sendable (String) -> Int
    /// Most leg queries in flight at once for a tenant key; below 1 counts as 1.
    public let maxParallelism: @Sendable (String) -> Int
    private let logger: Logger

    /// Longest the frontend's own merge evaluation may take: the legs already ran under the
    /// request's limits, and the merge reads only their results.
    static let mergeTimeout: Duration = .seconds(3600)

    /// Creates the stage in front of `downstream`.
    public init(downstream: any QueryRunner,
                totalShards: @escaping @Sendable (String) -> Int,
                maxShardedQueries: @escaping @Sendable (String) -> Int,
                maxParallelism: @escaping @Sendable (String) -> Int,
                logger: Logger) {
        self.downstream = downstream
        self.totalShards = totalShards
        self.maxShardedQueries = maxShardedQueries
        self.maxParallelism = maxParallelism
        self.logger = logger
    }

    /// The plan for `request`, or nil when it should run unsharded.
    public func plan(for request: QueryRequest) -> ShardingPlan? {
        let tenant = request.tenantKey
        let shards = min(totalShards(tenant), QueryShard.maxShards)
        guard shards >= 2, let expr = try? PromQL.parse(request.query) else { return nil }
        guard var plan = ShardingRewriter.rewrite(expr, totalShards: shards) else { return nil }
        let limit = maxShardedQueries(tenant)
        let legs = plan.shardedLegCount
        if limit > 0, legs * shards > limit {
            // The legs do not depend on the shard count: fewer shards for the same legs.
            let fewer = limit / legs
            guard fewer >= 2, let smaller = ShardingRewriter.rewrite(expr, totalShards: fewer) else { return nil }
            plan = smaller
        }
        // The merge adds a few levels; keep within what every pass over an Expr is proven for.
        guard ExprWalk.depth(plan.expr) <= PromQL.maxDepth else { return nil }
        return plan
    }

    /// Runs `request` sharded when it can be, else through `downstream` unchanged.
    public func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
        // Series and label lookups are not PromQL: they pass through.
        guard request.kind == .instant || request.kind == .range, let plan = plan(for: request) else {
            return try await downstream.run(request)
        }
        let display = plan.displayQuery
        logger.debug("query sharded", metadata: [
            "tenant": "\(request.tenantKey)",
            "query": "\(request.query)",
            "rewritten": "\(display)",
            "shards": "\(plan.totalShards)",
            "legs": "\(plan.legs.count)",
            "queries": "\(plan.queryCount)",
        ])

        let responses = try await runLegs(plan, request: request)

        var results: [[QueryValue]] = plan.legs.map { [QueryValue](repeating: .vector([]), count: $0.queries.count) }
        var merged = QueryResponse(value: .vector([]))
        for (k, leg) in responses.enumerated() {
            for (i, response) in leg.enumerated() {
                results[k][i] = response.value
                merged.mergeAnnotations(of: response)
            }
        }
        let storage: EmbeddedQueryable
        do {
            storage = try EmbeddedQueryable(plan: plan, results: results, step: request.kind == .range ? request.step : 0)
        } catch {
            throw .internal(error.description)
        }

        var options = EngineOptions()
        options.timeout = Self.mergeTimeout
        options.maxSamples = Int.max / 4
        if request.lookbackDeltaMs > 0 { options.lookbackDelta = request.lookbackDeltaMs }
        let engine = Engine(options: options)
        let tenant = request.tenants.first ?? .anonymous
        let result: QueryResult
        do {
            switch request.kind {
            case .instant:
                result = try await engine.instantQuery(plan.expr, at: request.start, tenant: tenant, storage: storage)
            case .range, .series, .labelNames, .labelValues, .exemplars, .metadata:
                result = try await engine.rangeQuery(plan.expr, start: request.start, end: request.end, step: request.step,
                                                     tenant: tenant, storage: storage)
            }
        } catch {
            throw QueryFailure(error)
        }

        // The merge's own annotations concern nodes of the user's query (the rewrite keeps
        // their positions), so they render against its text.
        let texts = result.annotations.texts(query: request.query)
        merged.mergeAnnotations(of: QueryResponse(value: .vector([]), warnings: texts.warnings, infos: texts.infos))
        merged.value = result.value
        merged.stats.shards = plan.totalShards
        merged.stats.shardedQueries += plan.shardedQueryCount
        merged.stats.rewrittenQuery = display
        return merged
    }

    /// Runs every query of every leg through `downstream`, at most `maxParallelism` at once;
    /// the responses by leg and query. The first failure cancels the rest and is thrown.
    func runLegs(_ plan: ShardingPlan, request: QueryRequest) async throws(QueryFailure) -> [[QueryResponse]] {
        let requests = plan.legs.flatMap { leg in leg.queries.map { request.with(query: $0) } }
        let responses = try await RunAll.run(requests, parallelism: maxParallelism(request.tenantKey), on: downstream)
        var out: [[QueryResponse]] = []
        out.reserveCapacity(plan.legs.count)
        var first = 0
        for leg in plan.legs {
            out.append(Array(responses[first..<first + leg.queries.count]))
            first += leg.queries.count
        }
        return out
    }
}
