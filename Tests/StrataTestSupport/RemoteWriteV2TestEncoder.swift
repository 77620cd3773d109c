import StrataModel

/// A remote write 2.0 series for `RemoteWriteV2TestEncoder`, as plain values.
public struct RW2TestSeries: Sendable {
    public var labels: [(name: String, value: String)]
    public var samples: [(timestamp: Int64, value: Double)]
    public var exemplars: [(labels: [(name: String, value: String)], value: Double, timestamp: Int64)]
    /// `Metadata.MetricType` number, help and unit; nil sends no metadata field.
    public var metadata: (type: UInt64, help: String, unit: String)?
    /// 0 = not set (the field is left out, as proto3 does).
    public var createdTimestamp: Int64
    /// Number of (minimal) native histogram samples to attach.
    public var histograms: Int
    /// Native histogram samples to attach (after the minimal ones), written field by field.
    public var nativeHistograms: [HistogramPoint]

    public init(labels: [(name: String, value: String)], samples: [(timestamp: Int64, value: Double)] = [],
                exemplars: [(labels: [(name: String, value: String)], value: Double, timestamp: Int64)] = [],
                metadata: (type: UInt64, help: String, unit: String)? = nil, createdTimestamp: Int64 = 0, histograms: Int = 0,
                nativeHistograms: [HistogramPoint] = []) {
        self.labels = labels
        self.samples = samples
        self.exemplars = exemplars
        self.metadata = metadata
        self.createdTimestamp = createdTimestamp
        self.histograms = histograms
        self.nativeHistograms = nativeHistograms
    }
}

/// Writes `io.prometheus.write.v2.Request` bodies byte by byte from the specification's proto
/// (`prompb/io/prometheus/write/v2/types.proto`), independently of Strata's decoder: a symbols
/// table starting with "" and de-duplicated in first-use order, packed `labels_refs`, fields
/// in field-number order, zero values left out as proto3 encoders do.
public enum RemoteWriteV2TestEncoder {
    public static func encode(_ series: [RW2TestSeries], packedRefs: Bool = true) -> [UInt8] {
        var symbols: [String] = [""]
        var index: [String: UInt64] = ["": 0]
        func ref(_ s: String) -> UInt64 {
            if let i = index[s] { return i }
            let i = UInt64(symbols.count)
            symbols.append(s)
            index[s] = i
            return i
        }
        var encodedSeries: [[UInt8]] = []
        for s in series {
            var ts: [UInt8] = []
            let refs = s.labels.flatMap { [ref($0.name), ref($0.value)] }
            ts += refsField(1, refs, packed: packedRefs)
            for sample in s.samples {
                var m: [UInt8] = []
                if sample.value.bitPattern != 0 { m += fixed64Field(1, sample.value.bitPattern) }
                if sample.timestamp != 0 { m += varintField(2, UInt64(bitPattern: sample.timestamp)) }
                ts += lengthDelimited(2, m)
            }
            for _ in 0..<s.histograms {
                // count_int = 1, schema 0, timestamp 1: a minimal histogram the receiver skips.
                ts += lengthDelimited(3, varintField(1, 1) + varintField(15, 1))
            }
            for h in s.nativeHistograms { ts += lengthDelimited(3, histogram(h)) }
            for e in s.exemplars {
                var m: [UInt8] = []
                m += refsField(1, e.labels.flatMap { [ref($0.name), ref($0.value)] }, packed: packedRefs)
                if e.value.bitPattern != 0 { m += fixed64Field(2, e.value.bitPattern) }
                if e.timestamp != 0 { m += varintField(3, UInt64(bitPattern: e.timestamp)) }
                ts += lengthDelimited(4, m)
            }
            if let md = s.metadata {
                var m: [UInt8] = []
                if md.type != 0 { m += varintField(1, md.type) }
                let help = ref(md.help), unit = ref(md.unit)
                if help != 0 { m += varintField(3, help) }
                if unit != 0 { m += varintField(4, unit) }
                ts += lengthDelimited(5, m)
            }
            if s.createdTimestamp != 0 { ts += varintField(6, UInt64(bitPattern: s.createdTimestamp)) }
            encodedSeries.append(ts)
        }
        var body: [UInt8] = []
        for s in symbols { body += lengthDelimited(4, Array(s.utf8)) }
        for ts in encodedSeries { body += lengthDelimited(5, ts) }
        return body
    }

    /// A `Histogram` message (1.0 and 2.0 share the layout) from the proto, independently of
    /// Strata's encoder: both oneofs present as Prometheus writes them, repeated scalars packed,
    /// other zero values left out.
    public static func histogram(_ point: HistogramPoint) -> [UInt8] {
        func zz32(_ v: Int32) -> UInt64 { UInt64(UInt32(bitPattern: (v << 1) ^ (v >> 31))) }
        func zz64(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
        func spans(_ field: Int, _ spans: [HistogramSpan]) -> [UInt8] {
            spans.flatMap { s in
                lengthDelimited(field, (s.offset != 0 ? varintField(1, zz32(s.offset)) : [])
                                + (s.length != 0 ? varintField(2, UInt64(s.length)) : []))
            }
        }
        func doubles(_ field: Int, _ values: [Double]) -> [UInt8] {
            values.isEmpty ? [] : lengthDelimited(field, values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } })
        }
        func common(_ sum: Double, _ schema: Int32, _ zt: Double) -> [UInt8] {
            (sum.bitPattern != 0 ? fixed64Field(3, sum.bitPattern) : []) + (schema != 0 ? varintField(4, zz32(schema)) : [])
                + (zt.bitPattern != 0 ? fixed64Field(5, zt.bitPattern) : [])
        }
        var m: [UInt8] = []
        let hint: UInt8
        let custom: [Double]
        switch point.value {
        case .integer(let h):
            m += varintField(1, h.count) + common(h.sum, h.schema, h.zeroThreshold) + varintField(6, h.zeroCount)
            m += spans(8, h.negativeSpans)
            if !h.negativeBuckets.isEmpty { m += lengthDelimited(9, h.negativeBuckets.flatMap { varint(zz64($0)) }) }
            m += spans(11, h.positiveSpans)
            if !h.positiveBuckets.isEmpty { m += lengthDelimited(12, h.positiveBuckets.flatMap { varint(zz64($0)) }) }
            hint = h.counterResetHint.rawValue
            custom = h.customValues
        case .float(let h):
            m += fixed64Field(2, h.count.bitPattern) + common(h.sum, h.schema, h.zeroThreshold) + fixed64Field(7, h.zeroCount.bitPattern)
            m += spans(8, h.negativeSpans) + doubles(10, h.negativeBuckets)
            m += spans(11, h.positiveSpans) + doubles(13, h.positiveBuckets)
            hint = h.counterResetHint.rawValue
            custom = h.customValues
        }
        if hint != 0 { m += varintField(14, UInt64(hint)) }
        if point.timestamp != 0 { m += varintField(15, UInt64(bitPattern: point.timestamp)) }
        return m + doubles(16, custom)
    }

    public static func varint(_ v: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        var v = v
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    public static func tag(_ field: Int, _ wireType: UInt8) -> [UInt8] { varint(UInt64(field) << 3 | UInt64(wireType)) }

    public static func varintField(_ field: Int, _ v: UInt64) -> [UInt8] { tag(field, 0) + varint(v) }

    public static func fixed64Field(_ field: Int, _ bits: UInt64) -> [UInt8] {
        tag(field, 1) + (0..<8).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
    }

    public static func lengthDelimited(_ field: Int, _ payload: [UInt8]) -> [UInt8] {
        tag(field, 2) + varint(UInt64(payload.count)) + payload
    }

    /// A repeated uint32: one packed field, or one varint field per element.
    public static func refsField(_ field: Int, _ refs: [UInt64], packed: Bool) -> [UInt8] {
        if refs.isEmpty { return [] }
        if packed { return lengthDelimited(field, refs.flatMap(varint)) }
        return refs.flatMap { varintField(field, $0) }
    }
}
