import StrataModel

/// The head's share of a tenant's cardinality as the querier merges it over the ingester ring
/// (`CardinalityIndex`). Without a selector it is read from the inverted index under the lock (one
/// entry per `name=value` pair, never one per series); with one, the matching series' label sets
/// are copied under the lock and counted after it is released, checking the deadline.
extension Head {
    /// Series per `name=value` pair among the series matching `matchers` (every series when
    /// empty), for `labelNames` (every name when empty), with the head's chunk count and bounds.
    public func cardinalityIndex(matchers: [LabelMatcher], labelNames: [String],
                                 deadline: ContinuousClock.Instant) throws(CardinalityError) -> CardinalityIndex {
        let wanted = Set(labelNames)
        var index = state.withLock { s -> CardinalityIndex in
            let empty = s.numSeries == 0 || s.minTime > s.maxTime
            var out = CardinalityIndex(numSeries: s.numSeries, chunkCount: s.numChunks,
                                       minTime: empty ? 0 : s.minTime, maxTime: empty ? 0 : s.maxTime)
            guard matchers.isEmpty else { return out }
            if wanted.isEmpty {
                out.labels.reserveCapacity(s.postings.index.count)
                for (name, values) in s.postings.index { out.labels[name] = values.mapValues(\.count) }
            } else {
                for name in wanted {
                    if let values = s.postings.index[name] { out.labels[name] = values.mapValues(\.count) }
                }
            }
            return out
        }
        guard !matchers.isEmpty else { return index }
        let series = seriesLabels(matching: matchers)
        var counts: [String: [String: Int]] = [:]
        for (n, labels) in series.enumerated() {
            if n % CardinalityStatistics.checkInterval == 0 { try CardinalityError.check(deadline) }
            for label in labels where wanted.isEmpty || wanted.contains(label.name) {
                counts[label.name, default: [:]][label.value, default: 0] += 1
            }
        }
        index.numSeries = series.count
        index.labels = counts
        return index
    }
}
