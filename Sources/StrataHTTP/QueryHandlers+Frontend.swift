import HTTPTypes
import Hummingbird
import StrataModel
import StrataPromQL
import StrataQueryFrontend

/// `/query` and `/query_range` through the query-frontend: the parameters checked as for the
/// engine, then the query split, cached, sharded and queued for queriers.
extension PromAPIHandler {
    /// Whether the request asked for statistics (`stats=all`, or any non-empty value, as Prometheus).
    static func wantsStats(_ params: PromAPIParams) -> Bool { !params.value("stats").isEmpty }

    /// The frontend's request for already validated parameters.
    func frontendRequest(_ kind: QueryRequest.Kind, params: PromAPIParams, tenants: [TenantID], query: String,
                         start: Int64, end: Int64, step: Int64) throws(PromAPIError) -> QueryRequest {
        var timeoutMs: Int64 = 0
        if !params.value("timeout").isEmpty, let nanos = try? PromAPITime.parseDuration(params.value("timeout")) {
            // A timeout of zero has run out before the query is queued, as in Prometheus (whose
            // engine finds the context done at its queue); `timeoutMs` 0 would mean "none".
            if nanos <= 0 { throw Self.apiError(QueryError.timeout("query queue")) }
            timeoutMs = max(1, nanos / 1_000_000)
        }
        var lookbackMs: Int64 = 0
        if !params.value("lookback_delta").isEmpty, let nanos = try? PromAPITime.parseDuration(params.value("lookback_delta")) {
            lookbackMs = max(0, nanos / 1_000_000)
        }
        // The engine refuses a bad query text with Prometheus's wording before anything is queued.
        do {
            _ = try Engine(options: engineOptions).parse(query)
        } catch {
            throw Self.apiError(error)
        }
        return QueryRequest(kind: kind, tenants: tenants, query: query, start: start, end: end, step: step,
                            timeoutMs: timeoutMs, lookbackDeltaMs: lookbackMs,
                            maxSourceResolution: params.value(Self.maxSourceResolutionParameter),
                            stats: Self.wantsStats(params))
    }

    /// Runs `r` through the frontend and writes the answer as the engine's would be written.
    func respond(frontend: QueryFrontend, _ r: QueryRequest, limit: Int, request: Request) async throws(PromAPIError) -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        let response: QueryResponse
        do {
            response = try await frontend.run(r)
        } catch {
            throw PromAPIError(errorType: error.errorType, status: error.status, message: error.message)
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let result = QueryResult(value: response.value, samplesLoaded: response.stats.samplesProcessed,
                                 resolutions: response.stats.resolutions)
        return respondFromFrontend(result, response: response, query: r.query, limit: limit, request: request,
                                   stats: r.stats ? response.stats : nil, wallSeconds: seconds)
    }
}

/// Refuses malformed `__query_shard__` matchers in a query before it is queued, with the
/// matcher's problem as a 400.
enum QueryShardCheck {
    static func validate(_ query: String) throws(PromAPIError) {
        guard query.contains(QueryShard.labelName), let expr = try? PromQL.parse(query) else { return }
        for v in QueryInspection.selectors(in: expr) { try check(v) }
    }

    private static func check(_ v: VectorSelector) throws(PromAPIError) {
        do {
            _ = try QueryShard.extract(from: v.matchers)
        } catch {
            throw .invalidParam("query", error.description)
        }
    }
}
