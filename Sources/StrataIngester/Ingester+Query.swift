import StrataModel

extension Ingester: Queryable {
    /// Series of the tenant's head matching the request.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        guard let head = head(for: request.tenant), !request.matchers.isEmpty else { return [] }
        return head.select(minTime: request.minTime, maxTime: request.maxTime, matchers: request.matchers)
    }

    /// Label names present in the tenant's head.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        guard let head = head(for: tenant) else { return [] }
        return head.labelNames(minTime: minTime, maxTime: maxTime, matchers: matchers)
    }

    /// Values of one label in the tenant's head.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        guard let head = head(for: tenant) else { return [] }
        return head.labelValues(name: name, minTime: minTime, maxTime: maxTime, matchers: matchers)
    }
}
