import StrataPromQL

/// The splitting stage: a range query longer than one interval
/// (`-query-frontend.split-queries-by-interval`, 24h) runs as one query per interval, in
/// parallel, each evaluating the original's steps that fall in its interval; the parts' series
/// are joined.
///
/// Each step's value depends only on its own timestamp, so the joined answer equals the
/// unsplit one. Queries using `@ start()` / `@ end()` would see a different start and end per
/// part, so they are not split.
public struct IntervalSplitter: QueryRunner {
    /// The next stage (results cache, sharding, queue).
    public let next: any QueryRunner
    /// Interval length in ms; 0 disables splitting.
    public let interval: Int64
    /// Parts in flight at once for one query (`max_query_parallelism`).
    public let parallelism: @Sendable (QueryRequest) -> Int

    /// Creates the stage.
    public init(next: any QueryRunner, interval: Int64, parallelism: @escaping @Sendable (QueryRequest) -> Int) {
        self.next = next
        self.interval = interval
        self.parallelism = parallelism
    }

    /// The parts of `[start, end]` at `step`: consecutive ranges of evaluation times, each
    /// within one interval, together holding every time `start + k*step <= end`.
    public static func parts(start: Int64, end: Int64, step: Int64, interval: Int64) -> [(start: Int64, end: Int64)] {
        guard step > 0, interval > 0, end >= start else { return [(start, end)] }
        let (span, o1) = end.subtractingReportingOverflow(start)
        guard !o1 else { return [(start, end)] }
        let last = start + (span / step) * step
        var parts: [(start: Int64, end: Int64)] = []
        var s = start
        while s <= last {
            // The first interval boundary after s (floor division also for negative times).
            let q = s >= 0 ? s / interval : -((-s + interval - 1) / interval)
            let (boundary, o2) = (q + 1).multipliedReportingOverflow(by: interval)
            var e = last
            if !o2, boundary <= last {
                e = s + ((boundary - 1 - s) / step) * step
            }
            parts.append((s, e))
            let (n, o3) = e.addingReportingOverflow(step)
            if o3 { break }
            s = n
        }
        return parts
    }

    /// Runs the request split by interval.
    public func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
        guard request.kind == .range, interval > 0, !QueryInspection.usesAtModifier(request.query) else {
            return try await next.run(request)
        }
        let ranges = Self.parts(start: request.start, end: request.end, step: request.step, interval: interval)
        guard ranges.count > 1 else {
            var r = try await next.run(request)
            r.stats.splitQueries += 1
            return r
        }
        let parts = ranges.map { request.with(start: $0.start, end: $0.end) }
        let responses = try await RunAll.run(parts, parallelism: max(1, parallelism(request)), on: next)
        var merged = QueryResponse(value: MatrixMerge.merge(responses.map(\.value), start: request.start, end: request.end))
        for r in responses { merged.mergeAnnotations(of: r) }
        merged.stats.splitQueries = ranges.count
        return merged
    }
}
