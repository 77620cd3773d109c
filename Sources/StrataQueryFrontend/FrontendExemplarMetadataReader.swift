import StrataModel

/// Where a query-frontend without an exemplar and metadata store of its own reads
/// `query_exemplars` and `metadata`: each call becomes an exemplars or metadata request in the
/// tenant's queue (`QueryRequest.Kind.exemplars`, `.metadata`), answered by whichever querier
/// pulls it from its own source, as `FrontendQueryable` does for series and labels. The requests
/// go straight to the queue (no splitting, sharding or results cache) under the frontend's
/// limits, retries and timeout.
public struct FrontendExemplarMetadataReader: ExemplarQueryable, MetadataQueryable {
    let frontend: QueryFrontend

    /// Forwards through `frontend`'s queue.
    public init(frontend: QueryFrontend) {
        self.frontend = frontend
    }

    /// Exemplars of `tenant` in `[start, end]` of series matching any of `matcherSets`, grouped
    /// by series, sorted by series labels. Throws the querier's `QueryFailure`.
    public func exemplars(tenant: TenantID, start: Int64, end: Int64, matcherSets: [[LabelMatcher]]) async throws -> [SeriesExemplars] {
        guard !matcherSets.isEmpty else { return [] }
        // A set without matchers (every series) has no selector text of its own; the API never
        // sends one, as each set comes from a selector of the client's query.
        let selectors = matcherSets.map { $0.isEmpty ? "{__name__=~\".+\"}" : FrontendQueryable.selector($0) }
        var r = QueryRequest(kind: .exemplars, tenants: [tenant], query: "", start: start, end: end, step: 0)
        r.selectors = selectors
        let response = try await frontend.run(r)
        return response.exemplars.sorted { $0.seriesLabels < $1.seriesLabels }
    }

    /// Metadata of `tenant` by metric family name, in name order, within `limit` metrics and
    /// `limitPerMetric` entries each (as `MetadataQueryable` defines them).
    public func metadata(tenant: TenantID, metric: String?, limit: Int, limitPerMetric: Int) async throws
        -> [(metric: String, entries: [MetricMetadata])] {
        var r = QueryRequest(kind: .metadata, tenants: [tenant], query: "", start: 0, end: 0, step: 0)
        r.metric = metric ?? ""
        r.limit = Int64(limit)
        r.limitPerMetric = Int64(limitPerMetric)
        return ExemplarMetadataRequest.grouped(try await frontend.run(r).metadata)
    }
}
