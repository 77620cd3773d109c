// Field numbers of the native histogram messages, from Prometheus's `prompb/types.proto`
// (`prometheus.Histogram`, remote write 1.0 and remote read) and
// `prompb/io/prometheus/write/v2/types.proto` (`io.prometheus.write.v2.Histogram`): both
// versions use the same layout, so one codec serves them.

/// `prometheus.Histogram` / `io.prometheus.write.v2.Histogram`.
enum HistogramField {
    /// oneof count: uint64 (integer histogram).
    static let countInt = 1
    /// oneof count: double (float histogram).
    static let countFloat = 2
    /// double.
    static let sum = 3
    /// sint32 (zig-zag).
    static let schema = 4
    /// double.
    static let zeroThreshold = 5
    /// oneof zero_count: uint64.
    static let zeroCountInt = 6
    /// oneof zero_count: double.
    static let zeroCountFloat = 7
    /// repeated BucketSpan.
    static let negativeSpans = 8
    /// repeated sint64, packed or not.
    static let negativeDeltas = 9
    /// repeated double, packed or not.
    static let negativeCounts = 10
    static let positiveSpans = 11
    static let positiveDeltas = 12
    static let positiveCounts = 13
    /// enum ResetHint.
    static let resetHint = 14
    /// int64 ms.
    static let timestamp = 15
    /// repeated double, packed or not.
    static let customValues = 16
}

/// `prometheus.BucketSpan`.
enum BucketSpanField {
    /// sint32 (zig-zag).
    static let offset = 1
    /// uint32.
    static let length = 2
}
