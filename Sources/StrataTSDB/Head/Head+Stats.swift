import StrataModel

/// Cardinality statistics of the head's series, for the cardinality API and `status/tsdb`.
///
/// Without a selector they are read from the inverted index (one entry per label name or
/// `name=value` pair, never one per series). With one, the matching series' label sets are
/// copied under the lock (references, not strings) and counted after it is released, checking
/// the deadline as they go, so appends wait only for the index lookup.
extension Head {
    /// Label names of the series matching `matchers` (every series when empty) with their
    /// distinct value counts; the `limit` names with the most values.
    public func labelNamesCardinality(matchers: [LabelMatcher], limit: Int,
                                      deadline: ContinuousClock.Instant) throws(CardinalityError) -> LabelNamesCardinality {
        if matchers.isEmpty {
            let counts = state.withLock { s in s.postings.index.map { NamedCount(name: $0.key, value: $0.value.count) } }
            return CardinalityStatistics.labelNames(valueCounts: counts, limit: limit)
        }
        return try CardinalityStatistics.labelNames(series: seriesLabels(matching: matchers), limit: limit, deadline: deadline)
    }

    /// For each of `names`: series and distinct values among the series matching `matchers`
    /// (every series when empty), and the `limit` values with the most series.
    public func labelValuesCardinality(names: [String], matchers: [LabelMatcher], limit: Int,
                                       deadline: ContinuousClock.Instant) throws(CardinalityError) -> LabelValuesCardinality {
        if matchers.isEmpty {
            let (total, perName) = state.withLock { s -> (Int, [String: [NamedCount]]) in
                var out: [String: [NamedCount]] = [:]
                for name in names {
                    guard let values = s.postings.index[name] else { continue }
                    out[name] = values.map { NamedCount(name: $0.key, value: $0.value.count) }
                }
                return (s.numSeries, out)
            }
            return CardinalityStatistics.labelValues(seriesTotal: total, names: names, limit: limit) { perName[$0] ?? [] }
        }
        return try CardinalityStatistics.labelValues(series: seriesLabels(matching: matchers), names: names, limit: limit,
                                                     deadline: deadline)
    }

    /// Label sets of the series matching `matchers` (every series when empty), sorted, at most
    /// `limit` (0: all).
    public func activeSeries(matchers: [LabelMatcher], limit: Int,
                             deadline: ContinuousClock.Instant) throws(CardinalityError) -> ActiveSeries {
        var series = seriesLabels(matching: matchers)
        try CardinalityError.check(deadline)
        series.sort()
        var truncated = false
        if limit > 0, series.count > limit {
            series.removeLast(series.count - limit)
            truncated = true
        }
        return ActiveSeries(series: series, truncated: truncated)
    }

    /// Prometheus's `status/tsdb` figures: head size and bounds, and the `limit` largest entries
    /// of each list, from the inverted index (one pass over its `name=value` pairs).
    public func tsdbStatus(limit: Int) -> TSDBStatus {
        state.withLock { s in
            let lists = CardinalityStatistics.tsdbLists(limit: limit) { body in
                for (name, values) in s.postings.index {
                    for (value, refs) in values { body(name, value, refs.count) }
                }
            }
            let empty = s.numSeries == 0 || s.minTime > s.maxTime
            return TSDBStatus(numSeries: s.numSeries, numLabelPairs: lists.pairs, chunkCount: s.numChunks,
                              minTime: empty ? 0 : s.minTime, maxTime: empty ? 0 : s.maxTime,
                              seriesCountByMetricName: lists.byMetric, labelValueCountByLabelName: lists.valuesByName,
                              memoryInBytesByLabelName: lists.memoryByName, seriesCountByLabelValuePair: lists.byPair)
        }
    }

    /// Series per metric name (the head keeps the count for the per-metric limit).
    public func seriesCountByMetricName() -> [String: Int] {
        state.withLock { $0.seriesPerMetric }
    }

    /// Label sets of the series matching `matchers` (every series when empty), in ref order.
    /// Copies are references to the head's interned strings; nothing is decoded.
    func seriesLabels(matching matchers: [LabelMatcher]) -> [Labels] {
        state.withLock { s in
            let refs = matchers.isEmpty ? s.postings.all : s.postings.refs(matching: matchers)
            var out: [Labels] = []
            out.reserveCapacity(refs.count)
            for ref in refs {
                if let series = s.series(ref: ref) { out.append(series.labels) }
            }
            return out
        }
    }
}
