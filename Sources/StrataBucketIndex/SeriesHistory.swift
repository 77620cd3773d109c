import StrataBlocks
import StrataModel

/// A tenant's cardinality over time, kept in its bucket index (`strata_series_history`): per UTC
/// day, the series of the tenant and of its largest metric names, folded from the `strata`
/// section of each block's `meta.json` when the block enters the index.
///
/// A day's figure for a metric is the largest count of any raw block overlapping the day:
/// blocks of one day from several ingesters (replicas), their compacted successor and a block
/// folded twice by racing index writers all give a maximum, never a sum, so folding is
/// idempotent and order-free, and history outlives the blocks it came from (compaction,
/// retention). Bounded: `maxDays` days (the newest), `topMetricsPerDay` names per day.
/// See docs/format/bucket-index.md.
public struct SeriesHistory: Sendable, Equatable {
    /// Metric names kept per day: the largest by series count (ties by name).
    public static let topMetricsPerDay = 50
    /// Days kept: the newest 400 (a year and a month, enough for "the same day last year").
    public static let maxDays = 400

    /// One UTC day.
    public struct Day: Sendable, Equatable {
        /// The day.
        public var day: UTCDay
        /// The tenant's series that day: the largest series count of a block of the day.
        public var seriesTotal: Int
        /// Series per metric name that day (at most `topMetricsPerDay` names).
        public var metrics: [String: Int]

        /// Creates a day.
        public init(day: UTCDay, seriesTotal: Int = 0, metrics: [String: Int] = [:]) {
            self.day = day
            self.seriesTotal = seriesTotal
            self.metrics = metrics
        }
    }

    /// The days, oldest first, each once.
    public private(set) var days: [Day]

    /// A history of `days` (in any order): sorted, merged by day (largest counts), bounded.
    public init(days: [Day] = []) {
        self.days = []
        for d in days { merge(d) }
    }

    /// No day recorded.
    public var isEmpty: Bool { days.isEmpty }

    /// The entry of `day`, if recorded.
    public func day(_ day: UTCDay) -> Day? {
        let i = index(of: day)
        return i < days.count && days[i].day == day ? days[i] : nil
    }

    /// Folds one block in, if it is a raw block with a `strata` section: every UTC day its range
    /// `[minTime, maxTime)` touches takes the block's counts where they are larger.
    public mutating func fold(_ meta: BlockMeta) {
        guard let stats = meta.strata, (meta.thanos?.downsample.resolution ?? 0) == 0 else { return }
        let first = UTCDay(milliseconds: meta.minTime)
        let last = UTCDay(milliseconds: max(meta.minTime, meta.maxTime - 1))
        // A block spanning more than the kept window only counts for its newest days.
        let start = max(first.number, last.number - Int64(Self.maxDays) + 1)
        let metrics = stats.seriesByMetricName.mapValues { Int(clamping: $0) }
        for n in start...last.number {
            merge(Day(day: UTCDay(number: n), seriesTotal: Int(clamping: meta.stats.numSeries), metrics: metrics))
        }
    }

    /// Merges `day` in: largest counts win, then the day is cut to `topMetricsPerDay` names and
    /// the history to the newest `maxDays` days.
    public mutating func merge(_ day: Day) {
        let i = index(of: day.day)
        if i < days.count, days[i].day == day.day {
            var existing = days[i]
            existing.seriesTotal = max(existing.seriesTotal, day.seriesTotal)
            for (name, count) in day.metrics where count > existing.metrics[name] ?? -1 { existing.metrics[name] = count }
            existing.metrics = Self.bounded(existing.metrics)
            days[i] = existing
        } else {
            var fresh = day
            fresh.metrics = Self.bounded(day.metrics)
            days.insert(fresh, at: i)
        }
        if days.count > Self.maxDays { days.removeFirst(days.count - Self.maxDays) }
    }

    /// The `topMetricsPerDay` largest entries of `metrics`.
    static func bounded(_ metrics: [String: Int]) -> [String: Int] {
        guard metrics.count > topMetricsPerDay else { return metrics }
        let top = CardinalityStatistics.top(metrics.lazy.map { NamedCount(name: $0.key, value: $0.value) }, limit: topMetricsPerDay)
        return Dictionary(uniqueKeysWithValues: top.map { ($0.name, $0.value) })
    }

    /// Where `day` is or would be inserted (binary search).
    private func index(of day: UTCDay) -> Int {
        var lo = 0, hi = days.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if days[mid].day < day { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
