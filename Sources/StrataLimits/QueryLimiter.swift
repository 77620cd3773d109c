import StrataModel
import Synchronization

/// The per-query limits of a query over one or more tenants.
///
/// A federated query (`X-Scope-OrgID: a|b`) gets, for each limit, the smallest non-zero value among
/// its tenants (0 only when every tenant has it disabled), as Mimir's
/// `SmallestPositiveNonZero…PerTenant` does: no tenant's limit is widened by reading it with another.
public struct QueryLimits: Sendable, Equatable {
    /// Unique series one query may fetch; 0 = unlimited.
    public var maxFetchedSeries = 0
    /// Bytes of chunks one query may fetch; 0 = unlimited.
    public var maxFetchedChunkBytes = 0
    /// Data older than now minus this is not read; zero = no limit.
    public var maxQueryLookback: Duration = .zero
    /// Longest storage range one selector may read; zero = no limit.
    public var maxPartialQueryLength: Duration = .zero
    /// Longest end − start of a range query; zero = no limit.
    public var maxTotalQueryLength: Duration = .zero

    /// No limits.
    public init() {}

    /// The limits of a query reading the tenants whose limits are `limits`.
    public init(_ limits: [Limits]) {
        maxFetchedSeries = Self.smallestPositive(limits.map(\.maxFetchedSeriesPerQuery), zero: 0)
        maxFetchedChunkBytes = Self.smallestPositive(limits.map(\.maxFetchedChunkBytesPerQuery), zero: 0)
        maxQueryLookback = Self.smallestPositive(limits.map(\.maxQueryLookback), zero: .zero)
        maxPartialQueryLength = Self.smallestPositive(limits.map(\.maxPartialQueryLength), zero: .zero)
        maxTotalQueryLength = Self.smallestPositive(limits.map(\.maxTotalQueryLength), zero: .zero)
    }

    /// Whether any limit that counts fetched data is set (otherwise nothing needs counting).
    public var countsFetchedData: Bool { maxFetchedSeries > 0 || maxFetchedChunkBytes > 0 }

    private static func smallestPositive<T: Comparable>(_ values: [T], zero: T) -> T {
        values.filter { $0 > zero }.min() ?? zero
    }

    /// The start of a range query as the total length limit sees it: clamped to the lookback
    /// (as Mimir's query-frontend clamps it before checking the length), then
    /// `maxTotalQueryLength` checked on `end − start`. Times in ms; `now` is the query's wall clock.
    public func checkTotalLength(start: Int64, end: Int64, now: Int64) throws(QueryLimitError) {
        guard maxTotalQueryLength > .zero else { return }
        let from = Swift.max(start, lookbackStart(now: now) ?? start)
        guard end > from else { return }
        let (span, overflow) = end.subtractingReportingOverflow(from)
        let length: Duration = overflow ? .milliseconds(Int64.max) : .milliseconds(span)
        if length > maxTotalQueryLength { throw .maxTotalQueryLength(length: length, limit: maxTotalQueryLength) }
    }

    /// The oldest timestamp (ms) a query may read at wall-clock `now`, or nil without a lookback limit.
    public func lookbackStart(now: Int64) -> Int64? {
        guard maxQueryLookback > .zero else { return nil }
        let (oldest, overflow) = now.subtractingReportingOverflow(GoDuration.totalNanoseconds(maxQueryLookback) / 1_000_000)
        return overflow ? .min : oldest
    }

    /// The storage range `[minTime, maxTime]` (ms) a selector may read at wall clock `now`:
    /// clamped to the lookback (nil when nothing of it is left, which reads as no data, as in
    /// Mimir's querier), then checked against `maxPartialQueryLength`.
    public func window(minTime: Int64, maxTime: Int64, now: Int64, checkLength: Bool) throws(QueryLimitError) -> (minTime: Int64, maxTime: Int64)? {
        var lo = minTime
        if let oldest = lookbackStart(now: now) { lo = Swift.max(lo, oldest) }
        guard lo <= maxTime else { return nil }
        if checkLength, maxPartialQueryLength > .zero {
            let (span, overflow) = maxTime.subtractingReportingOverflow(lo)
            let length: Duration = overflow ? .milliseconds(Int64.max) : .milliseconds(span)
            if length > maxPartialQueryLength { throw .maxQueryLength(length: length, limit: maxPartialQueryLength) }
        }
        return (lo, maxTime)
    }
}

/// Counts what one query fetched, across every select it makes, against its `QueryLimits`.
///
/// One instance per query. Series are counted once per label set however many selects, tenants'
/// stores or replicas return them (Mimir counts unique series the same way); chunk bytes are the
/// raw bytes of every chunk returned, summed over all selects and, because replicas' answers are
/// merged without re-encoding, over every ingester and store-gateway that sent them, as Mimir
/// counts the bytes fetched from each. Safe to use from concurrent selects.
public final class QueryLimiter: Sendable {
    private struct State {
        var series: Set<Labels> = []
        var chunkBytes = 0
    }

    /// The limits counted against.
    public let limits: QueryLimits
    private let state = Mutex(State())

    /// Creates a limiter for one query.
    public init(limits: QueryLimits) {
        self.limits = limits
    }

    /// Unique series counted so far (only counted while `max_fetched_series_per_query` is set).
    public var fetchedSeries: Int { state.withLock { $0.series.count } }

    /// Chunk bytes counted so far (only counted while `max_fetched_chunk_bytes_per_query` is set).
    public var fetchedChunkBytes: Int { state.withLock { $0.chunkBytes } }

    /// Adds one select's answer; throws once the query is over a limit.
    public func add(_ answer: [QuerySeries]) throws(QueryLimitError) {
        let maxSeries = limits.maxFetchedSeries
        let maxBytes = limits.maxFetchedChunkBytes
        guard maxSeries > 0 || maxBytes > 0 else { return }
        var bytes = 0
        if maxBytes > 0 {
            for series in answer {
                for chunk in series.chunks {
                    let (sum, overflow) = bytes.addingReportingOverflow(chunk.data.count)
                    bytes = overflow ? .max : sum
                }
            }
        }
        let exceeded: QueryLimitError? = state.withLock { state in
            if maxSeries > 0 {
                for series in answer {
                    state.series.insert(series.labels)
                    if state.series.count > maxSeries { return .maxSeries(limit: maxSeries) }
                }
            }
            if maxBytes > 0 {
                let (sum, overflow) = state.chunkBytes.addingReportingOverflow(bytes)
                state.chunkBytes = overflow ? .max : sum
                if state.chunkBytes > maxBytes { return .maxChunkBytes(limit: maxBytes) }
            }
            return nil
        }
        if let exceeded { throw exceeded }
    }
}
