import StrataCardinality
import StrataModel

/// An answer of the cardinality API and its JSON: Mimir's shapes for `label_names`,
/// `label_values` and `active_series` (no Prometheus envelope, as Mimir answers them),
/// Prometheus's envelope for `status/tsdb`, and Strata's shapes for `history` and `unused`.
enum CardinalityAnswer: Sendable {
    case labelNames(LabelNamesCardinality)
    case labelValues(LabelValuesCardinality)
    case activeSeries(ActiveSeries)
    case tsdbStatus(TSDBStatus)
    case history([CardinalityHistoryDay])
    case unused(UnusedMetrics)

    /// The answer's JSON.
    var json: JSONWriter {
        switch self {
        case .labelNames(let r): return Self.labelNames(r)
        case .labelValues(let r): return Self.labelValues(r)
        case .activeSeries(let r): return Self.activeSeries(r)
        case .tsdbStatus(let r): return Self.tsdbStatus(r)
        case .history(let r): return Self.history(r)
        case .unused(let r): return Self.unused(r)
        }
    }

    /// `{"label_values_count_total":N,"label_names_count":N,"cardinality":[{"label_name":"…","label_values_count":N}]}`
    static func labelNames(_ r: LabelNamesCardinality) -> JSONWriter {
        var json = JSONWriter(capacity: 128 + r.cardinality.count * 64)
        json.raw("{\"label_values_count_total\":")
        json.int(Int64(r.labelValuesCountTotal))
        json.raw(",\"label_names_count\":")
        json.int(Int64(r.labelNamesCount))
        json.raw(",\"cardinality\":")
        counts(r.cardinality, nameKey: "label_name", countKey: "label_values_count", into: &json)
        json.byte(UInt8(ascii: "}"))
        return json
    }

    /// `{"series_count_total":N,"labels":[{"label_name":"…","label_values_count":N,"series_count":N,"cardinality":[{"label_value":"…","series_count":N}]}]}`
    static func labelValues(_ r: LabelValuesCardinality) -> JSONWriter {
        var json = JSONWriter(capacity: 128 + r.labels.reduce(0) { $0 + 96 + $1.cardinality.count * 64 })
        json.raw("{\"series_count_total\":")
        json.int(Int64(r.seriesCountTotal))
        json.raw(",\"labels\":[")
        for (i, label) in r.labels.enumerated() {
            if i > 0 { json.byte(UInt8(ascii: ",")) }
            json.raw("{\"label_name\":")
            json.string(label.labelName)
            json.raw(",\"label_values_count\":")
            json.int(Int64(label.labelValuesCount))
            json.raw(",\"series_count\":")
            json.int(Int64(label.seriesCount))
            json.raw(",\"cardinality\":")
            counts(label.cardinality, nameKey: "label_value", countKey: "series_count", into: &json)
            json.byte(UInt8(ascii: "}"))
        }
        json.raw("]}")
        return json
    }

    /// `{"data":[{"__name__":"…","job":"…"},…]}`
    static func activeSeries(_ r: ActiveSeries) -> JSONWriter {
        var json = JSONWriter(capacity: 16 + r.series.count * 96)
        json.raw("{\"data\":[")
        for (i, labels) in r.series.enumerated() {
            if i > 0 { json.byte(UInt8(ascii: ",")) }
            json.labels(labels)
        }
        json.byte(UInt8(ascii: "]"))
        if r.truncated { json.raw(",\"truncated\":true") }
        json.byte(UInt8(ascii: "}"))
        return json
    }

    /// Prometheus's `{"status":"success","data":{"headStats":{…},"seriesCountByMetricName":[…],…}}`.
    static func tsdbStatus(_ r: TSDBStatus) -> JSONWriter {
        var json = PromAPIHandler.beginSuccess(capacity: 512)
        json.raw("{\"headStats\":{\"numSeries\":")
        json.int(Int64(r.numSeries))
        json.raw(",\"numLabelPairs\":")
        json.int(Int64(r.numLabelPairs))
        json.raw(",\"chunkCount\":")
        json.int(Int64(r.chunkCount))
        json.raw(",\"minTime\":")
        json.int(r.minTime)
        json.raw(",\"maxTime\":")
        json.int(r.maxTime)
        json.raw("},\"seriesCountByMetricName\":")
        counts(r.seriesCountByMetricName, nameKey: "name", countKey: "value", into: &json)
        json.raw(",\"labelValueCountByLabelName\":")
        counts(r.labelValueCountByLabelName, nameKey: "name", countKey: "value", into: &json)
        json.raw(",\"memoryInBytesByLabelName\":")
        counts(r.memoryInBytesByLabelName, nameKey: "name", countKey: "value", into: &json)
        json.raw(",\"seriesCountByLabelValuePair\":")
        counts(r.seriesCountByLabelValuePair, nameKey: "name", countKey: "value", into: &json)
        json.raw("}}")
        return json
    }

    /// `{"days":[{"date":"2026-12-01","series_count_total":N,"metrics":[{"name":"…","series_count":N}]}]}`
    static func history(_ days: [CardinalityHistoryDay]) -> JSONWriter {
        var json = JSONWriter(capacity: 32 + days.reduce(0) { $0 + 64 + $1.metrics.count * 64 })
        json.raw("{\"days\":[")
        for (i, day) in days.enumerated() {
            if i > 0 { json.byte(UInt8(ascii: ",")) }
            json.raw("{\"date\":")
            json.string(day.day.description)
            json.raw(",\"series_count_total\":")
            json.int(Int64(day.seriesCountTotal))
            json.raw(",\"metrics\":")
            counts(day.metrics, nameKey: "name", countKey: "series_count", into: &json)
            json.byte(UInt8(ascii: "}"))
        }
        json.raw("]}")
        return json
    }

    /// `{"metrics":[{"name":"…","series_count":N}],"queried_metrics_tracked":N}`
    static func unused(_ r: UnusedMetrics) -> JSONWriter {
        var json = JSONWriter(capacity: 64 + r.metrics.count * 64)
        json.raw("{\"metrics\":")
        counts(r.metrics, nameKey: "name", countKey: "series_count", into: &json)
        json.raw(",\"queried_metrics_tracked\":")
        json.int(Int64(r.queriedMetricsTracked))
        if r.queryLogTruncated { json.raw(",\"query_log_truncated\":true") }
        json.byte(UInt8(ascii: "}"))
        return json
    }

    /// `[{"<nameKey>":"…","<countKey>":N},…]`: every list of named counts the cardinality
    /// answers hold, under the key names of the API that defines it.
    private static func counts(_ items: [NamedCount], nameKey: StaticString, countKey: StaticString, into json: inout JSONWriter) {
        json.byte(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            json.raw(i == 0 ? "{\"" : ",{\"")
            json.raw(nameKey)
            json.raw("\":")
            json.string(item.name)
            json.raw(",\"")
            json.raw(countKey)
            json.raw("\":")
            json.int(Int64(item.value))
            json.byte(UInt8(ascii: "}"))
        }
        json.byte(UInt8(ascii: "]"))
    }
}
