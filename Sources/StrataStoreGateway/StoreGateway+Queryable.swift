import StrataBlocks
import StrataBucketIndex
import StrataModel

extension StoreGateway {
    /// `Queryable.select`: the tenant's series matching the request, from raw blocks or, where the
    /// request allows (`maxResolution`), from the coarsest downsampled blocks that cover each part
    /// of the range (finer data elsewhere; `ResolutionCoverage`). Downsampled chunks come as
    /// `.aggregate` chunks and each series carries the coarsest resolution it was read at. One
    /// `QuerySeries` per label set, chunks of every block sorted by `minTime`, in label order.
    /// An empty matcher list selects nothing.
    ///
    /// A `__query_shard__` matcher (a query-frontend shard query) keeps only the series whose
    /// label hash falls in the shard, dropped before their chunks are fetched; a malformed one
    /// throws `QueryShardError`.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        let (shard, matchers) = try QueryShard.extract(from: request.matchers)
        var request = request
        request.matchers = matchers
        return try await selectCovering(request, shard: shard)
    }

    /// See `select(_:)`; typed errors. `request.matchers` must not hold the `__query_shard__`
    /// matcher: `select(_:)` takes it out and passes it as `shard`.
    public func selectCovering(_ request: SelectRequest, shard: QueryShard? = nil) async throws(StoreGatewayError) -> [QuerySeries] {
        guard !request.matchers.isEmpty else { return [] }
        let blocks = servedBlocks(request.tenant, minTime: request.minTime, maxTime: request.maxTime) { $0.resolution <= request.maxResolution }
        let byID = Dictionary(uniqueKeysWithValues: blocks.map { ($0.keys.id, $0) })
        // Expired data is cut off here, before the compactor deletes it: a block is seen only
        // from its resolution's retention cutoff on (and a coarser one answers before that).
        var entries = blocks.map(\.entry)
        if let retention {
            let now = WallClock.nowMilliseconds()
            entries = entries.compactMap { entry in
                guard let keep = retention(request.tenant, entry.resolution) else { return entry }
                let cutoff = now &- keep
                guard entry.maxTime > cutoff else { return nil }
                var clipped = entry
                clipped.minTime = max(entry.minTime, cutoff)
                return clipped
            }
        }
        let parts = ResolutionCoverage.plan(entries, minTime: request.minTime, maxTime: request.maxTime,
                                            maxResolution: request.maxResolution)
        var chosen: [KnownBlock] = []
        var rangesOf: [Int: (ranges: [ClosedRange<Int64>], resolution: Int64)] = [:]
        for part in parts {
            guard let block = byID[part.block] else { continue }
            chosen.append(block)
            rangesOf[block.cacheID] = (part.ranges, block.entry.resolution)
        }
        let matchers = request.matchers
        let plan = rangesOf
        let perBlock = try await eachBlock(chosen) { query throws(StoreGatewayError) in
            let (ranges, resolution) = plan[query.cacheID] ?? ([], 0)
            var lists: [[QuerySeries]] = []
            for range in ranges {
                var series = try await query.select(matchers: matchers, minTime: range.lowerBound, maxTime: range.upperBound, shard: shard)
                if resolution != 0 {
                    for i in series.indices { series[i].resolution = resolution }
                }
                lists.append(series)
            }
            return SeriesMerge.merge(lists)
        }
        return SeriesMerge.merge(perBlock)
    }

    /// `Queryable.labelNames` over the tenant's blocks (every resolution) overlapping the range;
    /// of one shard's series when the matchers hold a `__query_shard__` matcher.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (shard, matchers) = try QueryShard.extract(from: matchers)
        let blocks = servedBlocks(tenant, minTime: minTime, maxTime: maxTime) { _ in true }
        let perBlock = try await eachBlock(blocks) { query throws(StoreGatewayError) in
            try await query.labelNames(matchers: matchers, shard: shard)
        }
        return SeriesMerge.mergeStrings(perBlock)
    }

    /// `Queryable.labelValues` over the tenant's blocks (every resolution) overlapping the range;
    /// of one shard's series when the matchers hold a `__query_shard__` matcher.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (shard, matchers) = try QueryShard.extract(from: matchers)
        let blocks = servedBlocks(tenant, minTime: minTime, maxTime: maxTime) { _ in true }
        let perBlock = try await eachBlock(blocks) { query throws(StoreGatewayError) in
            try await query.labelValues(name: name, matchers: matchers, shard: shard)
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
