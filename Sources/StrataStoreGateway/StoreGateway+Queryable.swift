import StrataBlocks
import StrataBucketIndex
import StrataModel

extension StoreGateway {
    /// `Queryable.select` over the tenant's raw (resolution 0) blocks overlapping the range.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        try await select(request, resolution: 0)
    }

    /// Series of the tenant's blocks of downsampling `resolution` (ms; 0 is raw) matching the
    /// request, one `QuerySeries` per label set with the chunks of every block sorted by
    /// `minTime`, in label order. An empty matcher list selects nothing.
    public func select(_ request: SelectRequest, resolution: Int64) async throws(StoreGatewayError) -> [QuerySeries] {
        guard !request.matchers.isEmpty else { return [] }
        let blocks = servedBlocks(request.tenant, minTime: request.minTime, maxTime: request.maxTime) { $0.resolution == resolution }
        let perBlock = try await eachBlock(blocks) { query throws(StoreGatewayError) in
            try await query.select(matchers: request.matchers, minTime: request.minTime, maxTime: request.maxTime)
        }
        return SeriesMerge.merge(perBlock)
    }

    /// `Queryable.labelNames` over the tenant's blocks (every resolution) overlapping the range.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let blocks = servedBlocks(tenant, minTime: minTime, maxTime: maxTime) { _ in true }
        let perBlock = try await eachBlock(blocks) { query throws(StoreGatewayError) in
            try await query.labelNames(matchers: matchers)
        }
        return SeriesMerge.mergeStrings(perBlock)
    }

    /// `Queryable.labelValues` over the tenant's blocks (every resolution) overlapping the range.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let blocks = servedBlocks(tenant, minTime: minTime, maxTime: maxTime) { _ in true }
        let perBlock = try await eachBlock(blocks) { query throws(StoreGatewayError) in
            try await query.labelValues(name: name, matchers: matchers)
        }
        return SeriesMerge.mergeStrings(perBlock)
    }

    /// The tenant's served blocks overlapping `[minTime, maxTime]` that pass `filter`, by ID.
    private func servedBlocks(_ tenant: TenantID, minTime: Int64, maxTime: Int64,
                              where filter: (BucketIndex.Block) -> Bool) -> [KnownBlock] {
        state.withLock { s in
            (s.tenants[tenant] ?? [:]).values
                .filter { $0.entry.overlaps(minTime: minTime, maxTime: maxTime) && filter($0.entry) }
                .sorted { $0.keys.id < $1.keys.id }
        }
    }

    /// Runs `body` on each block (`blockQueryConcurrency` at a time); the first error fails the
    /// whole request, since a partial answer would look like missing data.
    private func eachBlock<R: Sendable>(_ blocks: [KnownBlock],
                                        _ body: @escaping @Sendable (BlockQuery) async throws(StoreGatewayError) -> R) async throws(StoreGatewayError) -> [R] {
        let results = await BoundedConcurrency.map(blocks, limit: max(1, config.blockQueryConcurrency)) { [self] block -> Result<R, StoreGatewayError> in
            do throws(StoreGatewayError) {
                let opened = try await opened(block)
                let query = try BlockQuery(cacheID: block.cacheID, opened: opened, fetcher: fetcher, caches: caches)
                return .success(try await body(query))
            } catch {
                return .failure(error)
            }
        }
        var out: [R] = []
        out.reserveCapacity(results.count)
        for r in results {
            switch r {
            case .success(let value): out.append(value)
            case .failure(let error): throw error
            }
        }
        return out
    }
}
