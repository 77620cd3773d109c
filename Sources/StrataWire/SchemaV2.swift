// Field numbers of remote write 2.0 (`io.prometheus.write.v2`, Prometheus's
// `prompb/io/prometheus/write/v2/types.proto`) and of the remote write 1.0 messages that only the
// exemplar and metadata decoder reads.

/// `io.prometheus.write.v2.Request`. Fields 1–3 are reserved so a 1.0 body decodes as empty.
enum V2RequestField {
    static let symbols = 4
    static let timeseries = 5
}

/// `io.prometheus.write.v2.TimeSeries`.
enum V2TimeSeriesField {
    /// repeated uint32, packed by every proto3 sender (unpacked accepted too).
    static let labelsRefs = 1
    static let samples = 2
    static let histograms = 3
    static let exemplars = 4
    static let metadata = 5
    /// int64 ms; 0 = not set.
    static let createdTimestamp = 6
}

/// `io.prometheus.write.v2.Exemplar`.
enum V2ExemplarField {
    static let labelsRefs = 1
    static let value = 2
    static let timestamp = 3
}

/// `io.prometheus.write.v2.Metadata`. Field 2 is unused upstream.
enum V2MetadataField {
    static let type = 1
    static let helpRef = 3
    static let unitRef = 4
}

/// `prometheus.Exemplar` (remote write 1.0).
enum ExemplarField {
    static let labels = 1
    static let value = 2
    static let timestamp = 3
}

/// `prometheus.MetricMetadata` (remote write 1.0). Field 3 is unused upstream.
enum MetricMetadataField {
    static let type = 1
    static let metricFamilyName = 2
    static let help = 4
    static let unit = 5
}
