import StrataModel

/// The storage a query-frontend without a querier of its own offers its series and label
/// endpoints: each call becomes a series or label request in the tenant's queue, answered by
/// whichever querier pulls it. Series come back with labels only (no chunks), which is all
/// those endpoints read.
public struct FrontendQueryable: Queryable {
    let frontend: QueryFrontend

    /// Forwards through `frontend`'s queue.
    public init(frontend: QueryFrontend) {
        self.frontend = frontend
    }

    /// The label sets of matching series (no chunks).
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        var r = QueryRequest(kind: .series, tenants: [request.tenant], query: "", start: request.minTime, end: request.maxTime, step: 0)
        r.selectors = [Self.selector(request.matchers)]
        let response = try await frontend.run(r)
        return MetadataRequest.labelSets(response).map { QuerySeries(labels: $0, chunks: []) }
    }

    /// Label names among matching series.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        var r = QueryRequest(kind: .labelNames, tenants: [tenant], query: "", start: minTime, end: maxTime, step: 0)
        if !matchers.isEmpty { r.selectors = [Self.selector(matchers)] }
        return MetadataRequest.strings(try await frontend.run(r))
    }

    /// Values of one label among matching series.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        var r = QueryRequest(kind: .labelValues, tenants: [tenant], query: "", start: minTime, end: maxTime, step: 0)
        r.labelName = name
        if !matchers.isEmpty { r.selectors = [Self.selector(matchers)] }
        return MetadataRequest.strings(try await frontend.run(r))
    }

    /// Matchers as a PromQL series selector, `{a="b",c=~"d"}`.
    static func selector(_ matchers: [LabelMatcher]) -> String {
        "{" + matchers.map(\.description).joined(separator: ",") + "}"
    }
}
