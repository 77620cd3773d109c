import StrataModel

/// The querier's view of one tenant's data: recent samples from the ingesters, older ones from
/// the store-gateways, merged into one `Queryable` for PromQL and the series/label endpoints.
///
/// The split follows Mimir: ingesters are asked only for the part of a query newer than
/// `-querier.query-ingesters-within`, store-gateways only for the part older than
/// `-querier.query-store-after`. The two windows overlap (13h and 12h by default) so that a block
/// the store-gateways have not discovered yet is still served by the ingester that cut it; the
/// samples both return are deduplicated when the series are merged.
public struct SplitQueryable: Queryable {
    /// Where recent data lives (the ingesters), if any in this process.
    public let ingesters: (any Queryable)?
    /// Where blocks are served from (the store-gateways), if any.
    public let store: (any Queryable)?
    /// Ingesters are queried only for samples newer than now minus this; zero means always.
    public let queryIngestersWithin: Duration
    /// Store-gateways are queried only for samples older than now minus this; zero means always.
    public let queryStoreAfter: Duration
    /// Wall clock in milliseconds (a parameter so tests can fix it).
    public let now: @Sendable () -> Int64

    /// Creates the split over `ingesters` and `store`.
    public init(ingesters: (any Queryable)?, store: (any Queryable)?, queryIngestersWithin: Duration,
                queryStoreAfter: Duration, now: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds) {
        self.ingesters = ingesters
        self.store = store
        self.queryIngestersWithin = queryIngestersWithin
        self.queryStoreAfter = queryStoreAfter
        self.now = now
    }

    /// The time ranges each side is asked for; nil when a side is not asked at all.
    public func ranges(minTime: Int64, maxTime: Int64) -> (ingesters: ClosedRange<Int64>?, store: ClosedRange<Int64>?) {
        guard minTime <= maxTime else { return (nil, nil) }
        let t = now()
        var ingesterRange: ClosedRange<Int64>? = nil
        if ingesters != nil {
            var lo = minTime
            if queryIngestersWithin > .zero { lo = Swift.max(lo, t - queryIngestersWithin.inMilliseconds) }
            if lo <= maxTime { ingesterRange = lo...maxTime }
        }
        var storeRange: ClosedRange<Int64>? = nil
        if store != nil {
            var hi = maxTime
            if queryStoreAfter > .zero { hi = Swift.min(hi, t - queryStoreAfter.inMilliseconds) }
            if minTime <= hi { storeRange = minTime...hi }
        }
        return (ingesterRange, storeRange)
    }

    /// Series from both sides, merged by labels.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        // Ingester chunks first: where both hold a timestamp, the ingester's sample wins.
        SeriesMerge.merge(try await bothSides(minTime: request.minTime, maxTime: request.maxTime) { side, lo, hi in
            try await side.select(request.with(minTime: lo, maxTime: hi))
        })
    }

    /// Label names from both sides.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        SeriesMerge.mergeStrings(try await bothSides(minTime: minTime, maxTime: maxTime) { side, lo, hi in
            try await side.labelNames(tenant: tenant, minTime: lo, maxTime: hi, matchers: matchers)
        })
    }

    /// Label values from both sides.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        SeriesMerge.mergeStrings(try await bothSides(minTime: minTime, maxTime: maxTime) { side, lo, hi in
            try await side.labelValues(tenant: tenant, name: name, minTime: lo, maxTime: hi, matchers: matchers)
        })
    }

    /// Runs `call` on the ingesters and the store concurrently, each over its own window (see
    /// `ranges`); a side that is absent or not asked contributes an empty answer. Ingesters first.
    private func bothSides<T: Sendable>(
        minTime: Int64, maxTime: Int64,
        _ call: @escaping @Sendable (any Queryable, Int64, Int64) async throws -> [T]
    ) async throws -> [[T]] {
        let (ir, sr) = ranges(minTime: minTime, maxTime: maxTime)
        async let fromIngesters: [T] = {
            guard let ingesters, let ir else { return [] }
            return try await call(ingesters, ir.lowerBound, ir.upperBound)
        }()
        async let fromStore: [T] = {
            guard let store, let sr else { return [] }
            return try await call(store, sr.lowerBound, sr.upperBound)
        }()
        return [try await fromIngesters, try await fromStore]
    }
}
