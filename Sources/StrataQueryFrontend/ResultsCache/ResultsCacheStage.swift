import Logging
import StrataCache
import StrataModel
import StrataPromQL

/// The results-cache stage: range queries are answered from extents cached per (tenants,
/// normalized query, step, step offset, options, split interval), and only the uncovered parts
/// of the range go to the next stage.
///
/// Nothing within `max_cache_freshness` (default 10m) of now is stored: samples may still
/// arrive for it. Keys start with the tenant key (`a|b` for federated queries), so tenants never
/// share an entry. A cache that fails or times out is a miss; the query still answers.
public struct ResultsCacheStage: QueryRunner {
    /// Per-tenant settings of the stage.
    public struct TenantSettings: Sendable {
        /// How close to now results are not cached (`max_cache_freshness`).
        public var maxCacheFreshness: Duration
        /// How long an entry lives (`results_cache_ttl`).
        public var ttl: Duration
        /// Creates settings.
        public init(maxCacheFreshness: Duration, ttl: Duration) {
            self.maxCacheFreshness = maxCacheFreshness
            self.ttl = ttl
        }
    }

    /// The next stage (sharding, queue).
    public let next: any QueryRunner
    /// The backend: in-process LRU or memcached.
    public let cache: any Cache
    /// The split interval, ms: keys carry the interval index, so an entry covers one interval.
    public let interval: Int64
    /// Settings of the request's tenants.
    public let settings: @Sendable (QueryRequest) -> TenantSettings
    /// The current time, ms.
    public let now: @Sendable () -> Int64
    /// Cortex's cache generation of the request's tenants: it changes when a tenant's delete
    /// requests change, and keys carry it, so no answer cached before a delete is served after.
    public var generation: (@Sendable (QueryRequest) async -> String)? = nil
    let logger: Logger

    /// Creates the stage.
    public init(next: any QueryRunner, cache: any Cache, interval: Int64,
                settings: @escaping @Sendable (QueryRequest) -> TenantSettings,
                now: @escaping @Sendable () -> Int64, logger: Logger) {
        self.next = next
        self.cache = cache
        self.interval = interval
        self.settings = settings
        self.now = now
        self.logger = logger
    }

    /// The key of a request: tenants, normalized query, step, start's offset on the step grid,
    /// options that change the answer, and the interval the range starts in. Nil for requests
    /// that are not cached (instant queries, `@` modifiers, unparsable text).
    public func key(for r: QueryRequest) -> String? {
        guard r.kind == .range, r.step > 0, let expr = try? PromQL.parse(r.query),
              !QueryInspection.usesAtModifier(expr) else { return nil }
        let offset = ((r.start % r.step) + r.step) % r.step
        let bucket = interval > 0 ? (r.start >= 0 ? r.start / interval : -((-r.start + interval - 1) / interval)) : 0
        return "qfe:v1:\(r.tenantKey):\(PromQL.format(expr)):\(r.step):\(offset):\(r.lookbackDeltaMs):\(r.maxSourceResolution):\(bucket)"
    }

    /// Answers the request from cached extents and the next stage.
    public func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
        guard let base = key(for: request) else { return try await next.run(request) }
        let gen = await generation?(request) ?? ""
        let key = gen.isEmpty ? base : "gen:\(gen):" + base
        let s = settings(request)
        let freshness = s.maxCacheFreshness.inMilliseconds
        let (cutoff, overflow) = now().subtractingReportingOverflow(freshness)
        guard !overflow, cutoff >= request.start else { return try await next.run(request) }
        // The last step-grid time old enough to store (no overflow: 0 <= cutoff - start).
        let (span, spanOverflow) = cutoff.subtractingReportingOverflow(request.start)
        guard !spanOverflow else { return try await next.run(request) }
        let cacheableEnd = request.start + (span / request.step) * request.step
        let stored = await cache.fetch([key])[key].flatMap { CachedExtents.decode($0, key: key) }
        let extents = (stored?.extents ?? []).sorted { $0.start < $1.start }

        // The stretches of the request no extent covers.
        var missing: [(start: Int64, end: Int64)] = []
        var used: [CachedExtents.Extent] = []
        var cursor = request.start
        for e in extents where e.end >= cursor && e.start <= request.end {
            if e.start > cursor {
                missing.append((cursor, min(request.end, Self.saturating(e.start, -request.step))))
            }
            used.append(e)
            cursor = max(cursor, Self.saturating(e.end, request.step))
            if cursor > request.end { break }
        }
        if cursor <= request.end { missing.append((cursor, request.end)) }

        let fetched = try await RunAll.run(missing.map { request.with(start: $0.start, end: $0.end) }, parallelism: missing.count, on: next)
        var response = QueryResponse(value: MatrixMerge.merge(used.map(\.response.value) + fetched.map(\.value),
                                                              start: request.start, end: request.end))
        for e in used { response.mergeAnnotations(of: QueryResponse(value: .matrix([]), warnings: e.response.warnings, infos: e.response.infos)) }
        for f in fetched { response.mergeAnnotations(of: f) }
        if used.isEmpty { response.stats.resultsCacheMisses = 1 } else if missing.isEmpty { response.stats.resultsCacheHits = 1 } else {
            // Partly answered from the cache: counted as a hit, the querier work shows in the rest of the stats.
            response.stats.resultsCacheHits = 1
        }

        // Store what is old enough: the old extents plus the newly fetched parts, merged.
        var fresh: [CachedExtents.Extent] = []
        for (range, r) in zip(missing, fetched) where range.start <= cacheableEnd {
            let end = min(range.end, cacheableEnd)
            var copy = r
            copy.value = MatrixMerge.merge([r.value], start: range.start, end: end)
            copy.stats = QueryStats()
            fresh.append(.init(start: range.start, end: end, response: copy))
        }
        if !fresh.isEmpty {
            let merged = Self.coalesce(extents + fresh, step: request.step)
            await cache.store([(key, CachedExtents(key: key, extents: merged).encoded())], ttl: s.ttl)
        }
        return response
    }

    /// Extents sorted and joined where they overlap or touch on the step grid.
    static func coalesce(_ extents: [CachedExtents.Extent], step: Int64) -> [CachedExtents.Extent] {
        var out: [CachedExtents.Extent] = []
        for e in extents.sorted(by: { $0.start < $1.start }) {
            if var last = out.last, e.start <= saturating(last.end, step) {
                let end = max(last.end, e.end)
                last.response.value = MatrixMerge.merge([last.response.value, e.response.value], start: last.start, end: end)
                for w in e.response.warnings where !last.response.warnings.contains(w) { last.response.warnings.append(w) }
                for i in e.response.infos where !last.response.infos.contains(i) { last.response.infos.append(i) }
                last.end = end
                out[out.count - 1] = last
            } else {
                out.append(e)
            }
        }
        return out
    }

    /// `a + b`, clamped to the Int64 range (times near the ends of the axis must not trap).
    static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? (b > 0 ? .max : .min) : r
    }
}
