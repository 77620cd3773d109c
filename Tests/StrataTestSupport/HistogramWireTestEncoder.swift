import StrataModel

/// A series carrying native histograms (and optionally floats) for `HistogramWireTestEncoder`.
public struct HistogramTestSeries: Sendable {
    public var labels: [(name: String, value: String)]
    public var samples: [(timestamp: Int64, value: Double)]
    public var histograms: [HistogramPoint]

    public init(labels: [(name: String, value: String)], samples: [(timestamp: Int64, value: Double)] = [],
                histograms: [HistogramPoint] = []) {
        self.labels = labels
        self.samples = samples
        self.histograms = histograms
    }
}

/// Writes remote write bodies with native histograms byte by byte from the specifications'
/// protos, independently of Strata's encoder and decoders: 1.0's `prometheus.WriteRequest`
/// (`prompb/types.proto`, `TimeSeries.histograms` = 4) and 2.0's `io.prometheus.write.v2.Request`
/// (`TimeSeries.histograms` = 3). Both use the same `Histogram` message: `count_int` 1 /
/// `count_float` 2 (a oneof, so written even when zero, as Go's encoder does), `sum` 3, `schema` 4
/// (sint32), `zero_threshold` 5, `zero_count_int` 6 / `zero_count_float` 7, `negative_spans` 8,
/// `negative_deltas` 9 (packed sint64), `negative_counts` 10 (packed double), `positive_spans` 11,
/// `positive_deltas` 12, `positive_counts` 13, `reset_hint` 14, `timestamp` 15, `custom_values` 16;
/// a `BucketSpan` is `offset` 1 (sint32) and `length` 2.
public enum HistogramWireTestEncoder {
    typealias E = RemoteWriteV2TestEncoder

    /// A remote write 1.0 `WriteRequest` body (not compressed).
    public static func encodeV1(_ series: [HistogramTestSeries]) -> [UInt8] {
        var body: [UInt8] = []
        for s in series {
            var ts: [UInt8] = []
            for label in s.labels {
                ts += E.lengthDelimited(1, E.lengthDelimited(1, Array(label.name.utf8)) + E.lengthDelimited(2, Array(label.value.utf8)))
            }
            for sample in s.samples { ts += E.lengthDelimited(2, sampleMessage(sample)) }
            for h in s.histograms { ts += E.lengthDelimited(4, histogramMessage(h)) }
            body += E.lengthDelimited(1, ts)
        }
        return body
    }

    /// A remote write 2.0 `Request` body (not compressed): symbols de-duplicated in first-use
    /// order after the required "", packed `labels_refs`.
    public static func encodeV2(_ series: [HistogramTestSeries]) -> [UInt8] {
        var symbols: [String] = [""]
        var index: [String: UInt64] = ["": 0]
        func ref(_ s: String) -> UInt64 {
            if let i = index[s] { return i }
            let i = UInt64(symbols.count)
            symbols.append(s)
            index[s] = i
            return i
        }
        var encoded: [[UInt8]] = []
        for s in series {
            var ts = E.refsField(1, s.labels.flatMap { [ref($0.name), ref($0.value)] }, packed: true)
            for sample in s.samples { ts += E.lengthDelimited(2, sampleMessage(sample)) }
            for h in s.histograms { ts += E.lengthDelimited(3, histogramMessage(h)) }
            encoded.append(ts)
        }
        var body: [UInt8] = []
        for s in symbols { body += E.lengthDelimited(4, Array(s.utf8)) }
        for ts in encoded { body += E.lengthDelimited(5, ts) }
        return body
    }

    /// `Sample { double value = 1; int64 timestamp = 2; }` (same in 1.0 and 2.0).
    static func sampleMessage(_ sample: (timestamp: Int64, value: Double)) -> [UInt8] {
        var m: [UInt8] = []
        if sample.value.bitPattern != 0 { m += E.fixed64Field(1, sample.value.bitPattern) }
        if sample.timestamp != 0 { m += E.varintField(2, UInt64(bitPattern: sample.timestamp)) }
        return m
    }

    /// The `Histogram` message of one sample.
    public static func histogramMessage(_ point: HistogramPoint) -> [UInt8] {
        var m: [UInt8] = []
        switch point.value {
        case .integer(let h):
            m += E.varintField(1, h.count)
            m += common(sum: h.sum, schema: h.schema, zeroThreshold: h.zeroThreshold)
            m += E.varintField(6, h.zeroCount)
            m += spans(8, h.negativeSpans)
            m += packedSInt64(9, h.negativeBuckets)
            m += spans(11, h.positiveSpans)
            m += packedSInt64(12, h.positiveBuckets)
            m += trailer(hint: h.counterResetHint, timestamp: point.timestamp, customValues: h.customValues)
        case .float(let h):
            m += E.fixed64Field(2, h.count.bitPattern)
            m += common(sum: h.sum, schema: h.schema, zeroThreshold: h.zeroThreshold)
            m += E.fixed64Field(7, h.zeroCount.bitPattern)
            m += spans(8, h.negativeSpans)
            m += packedDoubles(10, h.negativeBuckets)
            m += spans(11, h.positiveSpans)
            m += packedDoubles(13, h.positiveBuckets)
            m += trailer(hint: h.counterResetHint, timestamp: point.timestamp, customValues: h.customValues)
        }
        return m
    }

    private static func common(sum: Double, schema: Int32, zeroThreshold: Double) -> [UInt8] {
        var m: [UInt8] = []
        if sum.bitPattern != 0 { m += E.fixed64Field(3, sum.bitPattern) }
        if schema != 0 { m += E.varintField(4, UInt64(zigzag(Int64(schema)))) }
        if zeroThreshold.bitPattern != 0 { m += E.fixed64Field(5, zeroThreshold.bitPattern) }
        return m
    }

    private static func trailer(hint: CounterResetHint, timestamp: Int64, customValues: [Double]) -> [UInt8] {
        var m: [UInt8] = []
        if hint != .unknown { m += E.varintField(14, UInt64(hint.rawValue)) }
        if timestamp != 0 { m += E.varintField(15, UInt64(bitPattern: timestamp)) }
        m += packedDoubles(16, customValues)
        return m
    }

    private static func spans(_ field: Int, _ spans: [HistogramSpan]) -> [UInt8] {
        spans.flatMap { span -> [UInt8] in
            var m: [UInt8] = []
            if span.offset != 0 { m += E.varintField(1, zigzag(Int64(span.offset))) }
            if span.length != 0 { m += E.varintField(2, UInt64(span.length)) }
            return E.lengthDelimited(field, m)
        }
    }

    private static func packedSInt64(_ field: Int, _ values: [Int64]) -> [UInt8] {
        values.isEmpty ? [] : E.lengthDelimited(field, values.flatMap { E.varint(zigzag($0)) })
    }

    private static func packedDoubles(_ field: Int, _ values: [Double]) -> [UInt8] {
        values.isEmpty ? [] : E.lengthDelimited(field, values.flatMap { v in
            (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) }
        })
    }

    /// Protobuf's zigzag encoding of a signed integer.
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
}
