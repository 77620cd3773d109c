/// Merging the answers of the ingesters of a ring and deriving the cardinality API's answers from
/// the merged index, as Mimir's distributor does: counts are summed and divided by the
/// replication factor, label names and values are united, active series de-duplicated.
extension CardinalityIndex {
    /// The index of the whole tenant from every replica's: series counts summed per pair and
    /// divided by `replicationFactor` (rounded to the nearest, and at least 1 for a pair some
    /// replica holds, so a series that reached only part of its replicas still counts and its
    /// values still show). Head bounds are the widest of the replicas holding series.
    public static func merged(_ parts: [CardinalityIndex], replicationFactor: Int) -> CardinalityIndex {
        let rf = max(1, replicationFactor)
        var sum = CardinalityIndex()
        var minTime = Int64.max
        var maxTime = Int64.min
        for part in parts {
            sum.numSeries += part.numSeries
            sum.chunkCount += part.chunkCount
            if part.numSeries > 0 || part.chunkCount > 0 {
                minTime = min(minTime, part.minTime)
                maxTime = max(maxTime, part.maxTime)
            }
            for (name, values) in part.labels {
                sum.labels[name, default: [:]].merge(values, uniquingKeysWith: +)
            }
        }
        var out = CardinalityIndex(numSeries: divide(sum.numSeries, rf), chunkCount: divide(sum.chunkCount, rf),
                                   minTime: minTime <= maxTime ? minTime : 0, maxTime: minTime <= maxTime ? maxTime : 0)
        out.labels.reserveCapacity(sum.labels.count)
        for (name, values) in sum.labels {
            out.labels[name] = values.mapValues { divide($0, rf) }
        }
        return out
    }

    /// `count / rf` rounded to the nearest, never 0 for a positive count.
    static func divide(_ count: Int, _ rf: Int) -> Int {
        guard count > 0 else { return 0 }
        return max(1, (count + rf / 2) / rf)
    }

    /// `cardinality/label_names` over the index.
    public func labelNames(limit: Int) -> LabelNamesCardinality {
        CardinalityStatistics.labelNames(valueCounts: labels.lazy.map { NamedCount(name: $0.key, value: $0.value.count) },
                                         limit: limit)
    }

    /// `cardinality/label_values` over the index for the label names asked for.
    public func labelValues(names: [String], limit: Int) -> LabelValuesCardinality {
        CardinalityStatistics.labelValues(seriesTotal: numSeries, names: names, limit: limit) { name in
            (labels[name] ?? [:]).lazy.map { NamedCount(name: $0.key, value: $0.value) }
        }
    }

    /// `status/tsdb` over the index (which must hold every label name).
    public func tsdbStatus(limit: Int) -> TSDBStatus {
        let lists = CardinalityStatistics.tsdbLists(limit: limit) { body in
            for (name, values) in labels {
                for (value, series) in values { body(name, value, series) }
            }
        }
        return TSDBStatus(numSeries: numSeries, numLabelPairs: lists.pairs, chunkCount: chunkCount,
                          minTime: minTime, maxTime: maxTime,
                          seriesCountByMetricName: lists.byMetric, labelValueCountByLabelName: lists.valuesByName,
                          memoryInBytesByLabelName: lists.memoryByName, seriesCountByLabelValuePair: lists.byPair)
    }
}

extension ActiveSeries {
    /// The union of every replica's active series, each once, sorted, at most `limit` (0: all).
    /// Each replica sends its first `limit` series in sort order, so the first `limit` of the
    /// union are exact; the answer is truncated when the union or any replica was.
    public static func merged(_ parts: [ActiveSeries], limit: Int) -> ActiveSeries {
        var seen = Set<Labels>()
        var series: [Labels] = []
        var truncated = false
        for part in parts {
            truncated = truncated || part.truncated
            for labels in part.series where seen.insert(labels).inserted { series.append(labels) }
        }
        series.sort()
        if limit > 0, series.count > limit {
            series.removeLast(series.count - limit)
            truncated = true
        }
        return ActiveSeries(series: series, truncated: truncated)
    }
}
