import StrataBlocks
import StrataModel

extension Ingester: Queryable {
    /// Series of the tenant's head and local blocks matching the request, merged by labels.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        guard !request.matchers.isEmpty else { return [] }
        var parts: [[QuerySeries]] = []
        for block in localBlocks(for: request.tenant, minTime: request.minTime, maxTime: request.maxTime) {
            parts.append(try block.select(matchers: request.matchers, minTime: request.minTime, maxTime: request.maxTime))
        }
        if let head = head(for: request.tenant) {
            parts.append(head.select(minTime: request.minTime, maxTime: request.maxTime, matchers: request.matchers))
        }
        return SeriesMerge.merge(parts)
    }

    /// Label names present in the tenant's head and local blocks.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        var parts: [[String]] = []
        for block in localBlocks(for: tenant, minTime: minTime, maxTime: maxTime) {
            parts.append(try block.reader.labelNames(minTime: minTime, maxTime: maxTime, matchers: matchers))
        }
        if let head = head(for: tenant) {
            parts.append(head.labelNames(minTime: minTime, maxTime: maxTime, matchers: matchers))
        }
        return parts.count == 1 ? parts[0] : SeriesMerge.mergeStrings(parts)
    }

    /// Values of one label in the tenant's head and local blocks.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        var parts: [[String]] = []
        for block in localBlocks(for: tenant, minTime: minTime, maxTime: maxTime) {
            parts.append(try block.reader.labelValues(name: name, minTime: minTime, maxTime: maxTime, matchers: matchers))
        }
        if let head = head(for: tenant) {
            parts.append(head.labelValues(name: name, minTime: minTime, maxTime: maxTime, matchers: matchers))
        }
        return parts.count == 1 ? parts[0] : SeriesMerge.mergeStrings(parts)
    }
}
