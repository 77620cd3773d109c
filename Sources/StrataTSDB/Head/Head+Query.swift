import StrataChunks
import StrataModel

extension Head {
    /// Series matching every matcher with a sample in `[minTime, maxTime]`, sorted by labels, each
    /// with its chunks overlapping the range (the open chunk as an encoded snapshot). Chunks may
    /// extend past the range. An empty matcher list selects nothing.
    ///
    /// With a `shard`, only the series whose label hash falls in it (`QueryShard.contains`).
    /// `matchers` must not hold the `__query_shard__` matcher itself: the caller takes it out with
    /// `QueryShard.extract`, which is also where a malformed one is refused.
    ///
    /// The index is evaluated and chunk bytes are referenced under the lock; sorting happens
    /// after it is released.
    public func select(minTime: Int64, maxTime: Int64, matchers: [LabelMatcher], shard: QueryShard? = nil) -> [QuerySeries] {
        guard !matchers.isEmpty, minTime <= maxTime else { return [] }
        var out = state.withLock { s -> [QuerySeries] in
            guard s.combinedMinTime <= maxTime, s.combinedMaxTime >= minTime else { return [] }
            var out: [QuerySeries] = []
            for ref in s.postings.refs(matching: matchers) {
                guard let series = s.series(ref: ref), Self.inShard(series, shard),
                      series.overlaps(minTime: minTime, maxTime: maxTime) else { continue }
                var chunks = series.chunks(minTime: minTime, maxTime: maxTime)
                if let ooo = series.ooo {
                    // Out-of-order chunks overlap the in-order ones: readers merge chunks ordered
                    // by minTime (`ChunkSeriesIterator`), keeping each timestamp once.
                    chunks += ooo.chunks(minTime: minTime, maxTime: maxTime)
                    chunks.sort { $0.minTime < $1.minTime }
                }
                if !chunks.isEmpty { out.append(QuerySeries(labels: series.labels, chunks: chunks)) }
            }
            return out
        }
        out.sort { $0.labels < $1.labels }
        return out
    }

    /// Sorted label names of the series matching `matchers` (every series when empty) that have a
    /// sample in `[minTime, maxTime]`, restricted to `shard` when given (see `select`).
    public func labelNames(minTime: Int64, maxTime: Int64, matchers: [LabelMatcher], shard: QueryShard? = nil) -> [String] {
        guard minTime <= maxTime else { return [] }
        // Names are collected under the lock and sorted after it is released.
        let names = state.withLock { s -> [String] in
            guard s.combinedMinTime <= maxTime, s.combinedMaxTime >= minTime else { return [] }
            // Whole head in range, no matcher and no shard: the index already holds the answer.
            if matchers.isEmpty, shard == nil, minTime <= s.combinedMinTime, maxTime >= s.combinedMaxTime { return Array(s.postings.index.keys) }
            var names = Set<String>()
            Self.forEachSeries(s, matchers: matchers, shard: shard, minTime: minTime, maxTime: maxTime) { series in
                for label in series.labels { names.insert(label.name) }
            }
            return Array(names)
        }
        return names.sorted(by: utf8Less)
    }

    /// Sorted values of label `name` among the series matching `matchers` (every series when
    /// empty) that have a sample in `[minTime, maxTime]`, restricted to `shard` when given (see
    /// `select`).
    public func labelValues(name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher], shard: QueryShard? = nil) -> [String] {
        guard minTime <= maxTime else { return [] }
        let values = state.withLock { s -> [String] in
            guard s.combinedMinTime <= maxTime, s.combinedMaxTime >= minTime else { return [] }
            if matchers.isEmpty, shard == nil, minTime <= s.combinedMinTime, maxTime >= s.combinedMaxTime {
                return s.postings.index[name].map { Array($0.keys) } ?? []
            }
            var values = Set<String>()
            Self.forEachSeries(s, matchers: matchers, shard: shard, minTime: minTime, maxTime: maxTime) { series in
                if let v = series.labels[name], !v.isEmpty { values.insert(v) }
            }
            return Array(values)
        }
        return values.sorted(by: utf8Less)
    }

    /// Calls `body` for each series matching `matchers` (all when empty) and `shard` with a
    /// sample in range.
    private static func forEachSeries(_ s: HeadState, matchers: [LabelMatcher], shard: QueryShard?, minTime: Int64, maxTime: Int64,
                                      _ body: (MemSeries) -> Void) {
        let refs = matchers.isEmpty ? s.postings.all : s.postings.refs(matching: matchers)
        for ref in refs {
            guard let series = s.series(ref: ref), inShard(series, shard),
                  series.overlaps(minTime: minTime, maxTime: maxTime) else { continue }
            body(series)
        }
    }

    /// Whether `series` belongs to `shard` (every series when there is none). Tested before the
    /// time bounds and any chunk: the cached hash makes it a modulo, and it drops (N-1)/N of the
    /// series of a shard query.
    @inline(__always)
    private static func inShard(_ series: MemSeries, _ shard: QueryShard?) -> Bool {
        guard let shard else { return true }
        return shard.contains(hash: series.shardHash)
    }
}
