import StrataBucketIndex
import StrataModel
import StrataObjstore

/// One day of `cardinality/history`.
public struct CardinalityHistoryDay: Sendable, Equatable {
    /// The UTC day.
    public var day: UTCDay
    /// The tenant's series that day.
    public var seriesCountTotal: Int
    /// The largest metric names that day (or the one asked for), most series first.
    public var metrics: [NamedCount]

    /// Creates a day.
    public init(day: UTCDay, seriesCountTotal: Int, metrics: [NamedCount]) {
        self.day = day
        self.seriesCountTotal = seriesCountTotal
        self.metrics = metrics
    }
}

/// `cardinality/unused`: metrics ingested in the window that no query touched.
public struct UnusedMetrics: Sendable, Equatable {
    /// The metrics with their series counts, most series first, then by name.
    public var metrics: [NamedCount]
    /// Distinct metric names the query log holds for the window.
    public var queriedMetricsTracked: Int
    /// The query log dropped names on some day of the window (over its per-day bound).
    public var queryLogTruncated: Bool

    /// Creates an answer.
    public init(metrics: [NamedCount], queriedMetricsTracked: Int, queryLogTruncated: Bool = false) {
        self.metrics = metrics
        self.queriedMetricsTracked = queriedMetricsTracked
        self.queryLogTruncated = queryLogTruncated
    }
}

/// Why the history could not be read.
public enum CardinalityHistoryError: Error, Sendable, CustomStringConvertible {
    /// The bucket index could not be read.
    case bucketIndex(tenant: TenantID, reason: String)
    /// The query log could not be read.
    case queryLog(QueryStatsError)

    public var description: String {
        switch self {
        case .bucketIndex(let tenant, let reason): return "reading the bucket index of tenant \(tenant) failed: \(reason)"
        case .queryLog(let error): return "reading the query log of metric names failed: \(error)"
        }
    }
}

/// Cardinality over days: the bucket index's per-day history (`SeriesHistory`, from the blocks'
/// statistics) joined with the in-memory series of today, and the query log of metric names.
///
/// Each part is optional: without a bucket only today's in-memory series are known; without an
/// in-process `CardinalitySource` (a querier of a microservices deployment) only the history.
public struct CardinalityHistoryReader: Sendable {
    /// Where the bucket indexes and query-stats files are.
    public let bucket: (any Bucket)?
    /// Today's in-memory series (the ingester's heads), when this process has them.
    public let source: (any CardinalitySource)?
    /// The query log, when this process runs a querier.
    public let log: QueriedMetricsLog?
    /// Now, Unix ms.
    public let now: @Sendable () -> Int64

    /// Creates a reader.
    public init(bucket: (any Bucket)?, source: (any CardinalitySource)?, log: QueriedMetricsLog?,
                now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() }) {
        self.bucket = bucket
        self.source = source
        self.log = log
        self.now = now
    }

    /// The `days` days ending today, oldest first, each with its total and its `limit` largest
    /// metrics (only `metric` when given, listed when its count that day is known). Today also
    /// counts the in-memory series, so a metric ingested minutes ago shows at once. Days without
    /// data have zero series and no metrics.
    public func history(tenant: TenantID, days: Int, metric: String?, limit: Int) async throws -> [CardinalityHistoryDay] {
        let today = UTCDay(milliseconds: now())
        let first = today.adding(days: -Int64(max(1, days)) + 1)
        let stored = try await storedHistory(tenant: tenant)
        var out: [CardinalityHistoryDay] = []
        out.reserveCapacity(max(1, days))
        var day = first
        while day <= today {
            var entry = stored.day(day) ?? SeriesHistory.Day(day: day)
            if day == today, let source {
                let live = try await source.seriesCountByMetricName(tenant: tenant)
                entry.seriesTotal = max(entry.seriesTotal, live.values.reduce(0, +))
                for (name, count) in live where count > entry.metrics[name] ?? -1 { entry.metrics[name] = count }
            }
            let metrics: [NamedCount]
            if let metric {
                metrics = entry.metrics[metric].map { [NamedCount(name: metric, value: $0)] } ?? []
            } else {
                metrics = CardinalityStatistics.top(entry.metrics.lazy.map { NamedCount(name: $0.key, value: $0.value) }, limit: limit)
            }
            out.append(CardinalityHistoryDay(day: day, seriesCountTotal: entry.seriesTotal, metrics: metrics))
            day = day.adding(days: 1)
        }
        return out
    }

    /// Metrics with series in the `days` days ending today (in memory now, or in the history's
    /// per-day lists) that no query of the window touched, with their largest series count of the
    /// window; the `limit` largest.
    public func unused(tenant: TenantID, days: Int, limit: Int) async throws -> UnusedMetrics {
        let today = UTCDay(milliseconds: now())
        let first = today.adding(days: -Int64(max(1, days)) + 1)
        var ingested: [String: Int] = [:]
        if let source {
            ingested = try await source.seriesCountByMetricName(tenant: tenant)
        }
        for day in try await storedHistory(tenant: tenant).days where day.day >= first && day.day <= today {
            for (name, count) in day.metrics where count > ingested[name] ?? -1 { ingested[name] = count }
        }
        var queried = Set<String>()
        var truncated = false
        if let log {
            do throws(QueryStatsError) {
                (queried, truncated) = try await log.queriedNames(tenant: tenant, from: first, through: today)
            } catch {
                throw CardinalityHistoryError.queryLog(error)
            }
        }
        let unused = ingested.lazy.filter { !queried.contains($0.key) }.map { NamedCount(name: $0.key, value: $0.value) }
        return UnusedMetrics(metrics: CardinalityStatistics.top(unused, limit: limit), queriedMetricsTracked: queried.count,
                             queryLogTruncated: truncated)
    }

    /// The bucket index's history (empty without a bucket or an index).
    private func storedHistory(tenant: TenantID) async throws(CardinalityHistoryError) -> SeriesHistory {
        guard let bucket else { return SeriesHistory() }
        do {
            return try await BucketIndex.read(bucket: bucket, tenant: tenant)?.seriesHistory ?? SeriesHistory()
        } catch {
            throw .bucketIndex(tenant: tenant, reason: "\(error)")
        }
    }
}
