import StrataBlocks
import StrataModel

extension Ingester: Queryable {
    /// Series of the tenant's head and local blocks matching the request, merged by labels.
    ///
    /// A `__query_shard__` matcher (a query-frontend shard query) is taken out and applied by
    /// series hash in the head and each block, before chunks are read; a malformed one throws
    /// `QueryShardError`.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        let (shard, matchers) = try QueryShard.extract(from: request.matchers)
        guard !matchers.isEmpty else { return [] }
        var parts: [[QuerySeries]] = []
        for block in localBlocks(for: request.tenant, minTime: request.minTime, maxTime: request.maxTime) {
            parts.append(try block.select(matchers: matchers, minTime: request.minTime, maxTime: request.maxTime, shard: shard))
        }
        if let head = head(for: request.tenant) {
            parts.append(head.select(minTime: request.minTime, maxTime: request.maxTime, matchers: matchers, shard: shard))
        }
        return SeriesMerge.merge(parts)
    }

    /// Label names present in the tenant's head and local blocks (of one shard's series when the
    /// matchers hold a `__query_shard__` matcher).
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (shard, matchers) = try QueryShard.extract(from: matchers)
        var parts: [[String]] = []
        for block in localBlocks(for: tenant, minTime: minTime, maxTime: maxTime) {
            parts.append(try block.reader.labelNames(minTime: minTime, maxTime: maxTime, matchers: matchers, shard: shard))
        }
        if let head = head(for: tenant) {
            parts.append(head.labelNames(minTime: minTime, maxTime: maxTime, matchers: matchers, shard: shard))
        }
        return parts.count == 1 ? parts[0] : SeriesMerge.mergeStrings(parts)
    }

    /// Values of one label in the tenant's head and local blocks (of one shard's series when the
    /// matchers hold a `__query_shard__` matcher).
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (shard, matchers) = try QueryShard.extract(from: matchers)
        var parts: [[String]] = []
        for block in localBlocks(for: tenant, minTime: minTime, maxTime: maxTime) {
            parts.append(try block.reader.labelValues(name: name, minTime: minTime, maxTime: maxTime, matchers: matchers, shard: shard))
        }
        if let head = head(for: tenant) {
            parts.append(head.labelValues(name: name, minTime: minTime, maxTime: maxTime, matchers: matchers, shard: shard))
        }
        return parts.count == 1 ? parts[0] : SeriesMerge.mergeStrings(parts)
    }
}
