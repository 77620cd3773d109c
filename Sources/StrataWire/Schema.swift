// Field numbers of the Prometheus protobuf messages Strata speaks, from `prompb/remote.proto`
// and `prompb/types.proto` (remote write 1.0 and remote read). Named so codecs read like the
// schema and a field-number typo cannot hide behind a literal.

/// `prometheus.WriteRequest`.
enum WriteRequestField {
    static let timeseries = 1
    // 2 is reserved upstream.
    static let metadata = 3
}

/// `prometheus.TimeSeries` (shared by remote write and remote read responses).
enum TimeSeriesField {
    static let labels = 1
    static let samples = 2
    static let exemplars = 3
    static let histograms = 4
}

/// `prometheus.Label`.
enum LabelField {
    static let name = 1
    static let value = 2
}

/// `prometheus.Sample`.
enum SampleField {
    /// double, wire type fixed64.
    static let value = 1
    /// int64 milliseconds, wire type varint.
    static let timestamp = 2
}

/// `prometheus.ReadRequest`.
enum ReadRequestField {
    static let queries = 1
    static let acceptedResponseTypes = 2
}

/// `prometheus.Query`.
enum QueryField {
    static let startTimestampMs = 1
    static let endTimestampMs = 2
    static let matchers = 3
    static let hints = 4
}

/// `prometheus.LabelMatcher`.
enum LabelMatcherField {
    static let type = 1
    static let name = 2
    static let value = 3
}

/// `prometheus.ReadResponse`.
enum ReadResponseField {
    static let results = 1
}

/// `prometheus.QueryResult`.
enum QueryResultField {
    static let timeseries = 1
}

/// `prometheus.ChunkedReadResponse` (remote read, `STREAMED_XOR_CHUNKS`).
enum ChunkedReadResponseField {
    static let chunkedSeries = 1
    static let queryIndex = 2
}

/// `prometheus.ChunkedSeries`.
enum ChunkedSeriesField {
    static let labels = 1
    static let chunks = 2
}

/// `prometheus.Chunk`.
enum ChunkField {
    static let minTimeMs = 1
    static let maxTimeMs = 2
    /// enum Encoding: UNKNOWN 0, XOR 1, HISTOGRAM 2, FLOAT_HISTOGRAM 3 (`chunkenc.Encoding`).
    static let type = 3
    static let data = 4
}
