import StrataModel
import StrataPromQL
import Synchronization

/// The querier's side of the seam: runs a `QueryRequest` with the PromQL engine over the
/// storage of its tenants.
///
/// Queriers run it for requests they pull from a frontend; `-target=all` runs it in-process
/// behind the frontend's queue.
public struct EngineQueryRunner: QueryRunner {
    /// The engine settings from `-querier.*`; a request may shorten the timeout, change the
    /// lookback and choose the source resolution.
    public let options: EngineOptions
    /// The storage a request of these tenants reads (federation and per-query limits applied).
    public let storage: @Sendable ([TenantID]) -> any Queryable
    /// Where exemplars requests read: the querier's own exemplar source, the one its HTTP API
    /// reads. Nil: they answer empty.
    public var exemplars: (any ExemplarQueryable)? = nil
    /// Where metadata requests read, as `exemplars`. Nil: they answer empty.
    public var metadata: (any MetadataQueryable)? = nil

    /// The threads queries are evaluated on.
    public var threads: EvaluationThreads = .shared

    /// Creates a runner over `storage`.
    public init(options: EngineOptions, storage: @escaping @Sendable ([TenantID]) -> any Queryable) {
        self.options = options
        self.storage = storage
    }

    /// The engine settings `request` is evaluated with: a shorter timeout, another lookback or
    /// source resolution where it asks for them, and one task only while its tenant's jobs run
    /// on the background threads (`EvaluationThreads.runsInBackground`).
    public func engineOptions(for request: QueryRequest) throws(QueryFailure) -> EngineOptions {
        var options = self.options
        if request.timeoutMs > 0 {
            let requested = Duration.milliseconds(request.timeoutMs)
            if requested < options.timeout { options.timeout = requested }
        }
        if request.lookbackDeltaMs > 0 { options.lookbackDelta = request.lookbackDeltaMs }
        if !request.maxSourceResolution.isEmpty {
            guard let policy = SourceResolution(parameter: request.maxSourceResolution) else {
                throw .badData("invalid parameter \"max_source_resolution\": \"\(request.maxSourceResolution)\" is not a resolution: use auto, 0 (raw), 5m or 1h")
            }
            options.sourceResolution = policy
        }
        if options.parallelism != 1, threads.runsInBackground(request.tenantKey) { options.parallelism = 1 }
        return options
    }

    /// Evaluates the request.
    public func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
        let options = try engineOptions(for: request)
        if request.kind == .exemplars || request.kind == .metadata {
            return try await ExemplarMetadataRequest.run(request, exemplars: exemplars, metadata: metadata)
        }
        let counting = CountingQueryable(inner: storage(request.tenants))
        let tenant = request.tenants.first ?? .anonymous
        if request.kind != .instant && request.kind != .range {
            return try await MetadataRequest.run(request, storage: counting, tenant: tenant)
        }
        let engine = Engine(options: options)
        let result: QueryResult
        do throws(QueryError) {
            // On the evaluation threads, child tasks included, queued as this tenant's (see
            // `EvaluationThreads`).
            let executor = threads.executor(for: request.tenantKey)
            result = try await withTaskExecutorPreference(executor) { () async throws(QueryError) -> QueryResult in
                if request.kind == .instant {
                    return try await engine.instantQuery(request.query, at: request.start, tenant: tenant, storage: counting)
                }
                return try await engine.rangeQuery(request.query, start: request.start, end: request.end, step: request.step,
                                                   tenant: tenant, storage: counting)
            }
        } catch {
            throw Self.failure(error)
        }
        let texts = result.annotations.texts(query: request.query)
        var stats = QueryStats()
        stats.seriesFetched = counting.seriesCount
        stats.chunkBytesFetched = counting.chunkBytes
        stats.samplesProcessed = result.samplesLoaded
        stats.resolutions = result.resolutions
        stats.querierRequests = 1
        return QueryResponse(value: result.value, warnings: texts.warnings, infos: texts.infos, stats: stats)
    }

    /// The engine's error as the API reports it: anything refused before evaluation is about the
    /// `query` parameter, as Prometheus words it.
    public static func failure(_ error: QueryError) -> QueryFailure {
        if case .badData(let message) = error { return .badData("invalid parameter \"query\": \(message)") }
        return QueryFailure(error)
    }
}

/// Counts the series and chunk bytes a query reads, for its statistics.
final class CountingQueryable: Queryable {
    private let inner: any Queryable
    private let counts = Mutex<(series: Int, bytes: Int)>((0, 0))

    init(inner: any Queryable) { self.inner = inner }

    var seriesCount: Int { counts.withLock { $0.series } }
    var chunkBytes: Int { counts.withLock { $0.bytes } }

    func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        let series = try await inner.select(request)
        var bytes = 0
        for s in series {
            for c in s.chunks { bytes += c.data.count }
        }
        counts.withLock {
            $0.series += series.count
            $0.bytes += bytes
        }
        return series
    }

    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await inner.labelNames(tenant: tenant, minTime: minTime, maxTime: maxTime, matchers: matchers)
    }

    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await inner.labelValues(tenant: tenant, name: name, minTime: minTime, maxTime: maxTime, matchers: matchers)
    }
}
