/// Decodes OTLP/HTTP protobuf bodies (`opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest`).
///
/// Hand-written on the same `ProtoReader` as the remote-write decoder: strict about wire types,
/// lengths and varints, lenient as protobuf is about unknown fields and field order. Every
/// repeated field is bounded by the body (itself bounded by the tenant's `max_recv_msg_size`),
/// and the only recursive message, `AnyValue`, by `OTLPLimits.maxNestingDepth`.
public enum OTLPProtobufDecoder {
    /// Decodes a decompressed body, refusing more than `maxDataPoints` data points (the handler
    /// passes the tenant's `ingestion_burst_size`: every point becomes at least one sample, so a
    /// request with more could not be stored, and decoding stops before building them).
    public static func decode(_ body: [UInt8], maxDataPoints: Int = .max) throws(WireError) -> OTLPMetricsRequest {
        guard body.count <= ProtoLimits.maxBodySize else {
            throw .bodyTooLarge(size: body.count, limit: ProtoLimits.maxBodySize)
        }
        let result: Result<OTLPMetricsRequest, WireError> = body.withUnsafeBytes { raw in
            do throws(WireError) {
                var r = ProtoReader(raw, codec: .otlpMetrics)
                var points = PointBudget(remaining: maxDataPoints)
                var request = OTLPMetricsRequest()
                while !r.isAtEnd {
                    let tag = try r.readTag(.otlpExportRequest)
                    if tag.field == 1 {
                        var sub = try r.subMessage(tag, .otlpExportRequest)
                        request.resources.append(try resourceMetrics(&sub, &points))
                    } else {
                        try r.skip(tag, .otlpExportRequest)
                    }
                }
                return .success(request)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Data points still allowed.
    struct PointBudget {
        var remaining: Int
        let limit: Int

        init(remaining: Int) {
            self.remaining = remaining
            limit = remaining
        }

        mutating func take(_ r: ProtoReader, _ tag: ProtoTag) throws(WireError) {
            guard remaining > 0 else { throw .tooManyItems(r.location(.otlpDataSet, tag.field, tag.offset), limit: limit) }
            remaining -= 1
        }
    }

    private static func resourceMetrics(_ r: inout ProtoReader, _ points: inout PointBudget) throws(WireError) -> OTLPResourceMetrics {
        var out = OTLPResourceMetrics()
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpResourceMetrics)
            switch tag.field {
            case 1:
                var res = try r.subMessage(tag, .otlpResourceMetrics)
                while !res.isAtEnd {
                    let t = try res.readTag(.otlpResource)
                    if t.field == 1 {
                        var kv = try res.subMessage(t, .otlpResource)
                        out.attributes.append(OTLPAttribute(pair: try keyValue(&kv)))
                    } else {
                        try res.skip(t, .otlpResource)
                    }
                }
            case 2:
                var sub = try r.subMessage(tag, .otlpResourceMetrics)
                out.scopes.append(try scopeMetrics(&sub, &points))
            default:
                try r.skip(tag, .otlpResourceMetrics)
            }
        }
        return out
    }

    private static func scopeMetrics(_ r: inout ProtoReader, _ points: inout PointBudget) throws(WireError) -> OTLPScopeMetrics {
        var out = OTLPScopeMetrics()
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpScopeMetrics)
            switch tag.field {
            case 1:
                var scope = try r.subMessage(tag, .otlpScopeMetrics)
                while !scope.isAtEnd {
                    let t = try scope.readTag(.otlpScopeMetrics)
                    if t.field == 1 { out.name = try scope.stringField(t, .otlpScopeMetrics) } else { try scope.skip(t, .otlpScopeMetrics) }
                }
            case 2:
                var sub = try r.subMessage(tag, .otlpScopeMetrics)
                out.metrics.append(try metric(&sub, &points))
            default:
                try r.skip(tag, .otlpScopeMetrics)
            }
        }
        return out
    }

    private static func metric(_ r: inout ProtoReader, _ points: inout PointBudget) throws(WireError) -> OTLPMetric {
        var out = OTLPMetric(name: "", data: .none)
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpMetric)
            switch tag.field {
            case 1: out.name = try r.stringField(tag, .otlpMetric)
            case 3: out.unit = try r.stringField(tag, .otlpMetric)
            case 5, 7, 9, 10, 11:
                var sub = try r.subMessage(tag, .otlpMetric)
                out.data = try dataSet(&sub, kind: tag.field, &points)
            default:
                try r.skip(tag, .otlpMetric)
            }
        }
        return out
    }

    /// Gauge (5), Sum (7), Histogram (9), ExponentialHistogram (10), Summary (11).
    private static func dataSet(_ r: inout ProtoReader, kind: Int, _ points: inout PointBudget) throws(WireError) -> OTLPMetric.Data {
        var numbers: [OTLPNumberPoint] = []
        var histograms: [OTLPHistogramPoint] = []
        var summaries: [OTLPSummaryPoint] = []
        var exponentials: [OTLPExponentialHistogramPoint] = []
        var temporality = OTLPTemporality.unspecified
        var monotonic = false
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpDataSet)
            if tag.field == 1 { try points.take(r, tag) }
            switch (kind, tag.field) {
            case (5, 1), (7, 1):
                var p = try r.subMessage(tag, .otlpDataSet)
                numbers.append(try numberPoint(&p))
            case (9, 1):
                var p = try r.subMessage(tag, .otlpDataSet)
                histograms.append(try histogramPoint(&p))
            case (10, 1):
                var p = try r.subMessage(tag, .otlpDataSet)
                exponentials.append(try exponentialPoint(&p))
            case (11, 1):
                var p = try r.subMessage(tag, .otlpDataSet)
                summaries.append(try summaryPoint(&p))
            case (7, 2), (9, 2), (10, 2):
                let raw = try r.varintField(tag, .otlpDataSet)
                guard let t = OTLPTemporality(rawValue: Int(truncatingIfNeeded: raw)), raw <= 2 else {
                    throw .invalidEnumValue(r.location(.otlpDataSet, tag.field, tag.offset), value: Int64(bitPattern: raw))
                }
                temporality = t
            case (7, 3):
                monotonic = try r.varintField(tag, .otlpDataSet) != 0
            default:
                try r.skip(tag, .otlpDataSet)
            }
        }
        switch kind {
        case 5: return .gauge(numbers)
        case 7: return .sum(numbers, temporality: temporality, monotonic: monotonic)
        case 9: return .histogram(histograms, temporality: temporality)
        case 10: return .exponentialHistogram(exponentials, temporality: temporality)
        default: return .summary(summaries)
        }
    }

    private static func numberPoint(_ r: inout ProtoReader) throws(WireError) -> OTLPNumberPoint {
        var p = OTLPNumberPoint(timeNanos: 0, value: 0)
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpDataPoint)
            switch tag.field {
            case 7:
                var kv = try r.subMessage(tag, .otlpDataPoint)
                p.attributes.append(OTLPAttribute(pair: try keyValue(&kv)))
            case 2: p.startTimeNanos = try r.fixed64Field(tag, .otlpDataPoint)
            case 3: p.timeNanos = try r.fixed64Field(tag, .otlpDataPoint)
            case 4: p.value = Double(bitPattern: try r.fixed64Field(tag, .otlpDataPoint))
            case 6: p.value = Double(Int64(bitPattern: try r.fixed64Field(tag, .otlpDataPoint)))
            case 8: p.flags = UInt32(truncatingIfNeeded: try r.varintField(tag, .otlpDataPoint))
            default: try r.skip(tag, .otlpDataPoint)
            }
        }
        return p
    }

    private static func histogramPoint(_ r: inout ProtoReader) throws(WireError) -> OTLPHistogramPoint {
        var p = OTLPHistogramPoint(timeNanos: 0, count: 0, sum: nil, bucketCounts: [], explicitBounds: [])
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpDataPoint)
            switch tag.field {
            case 9:
                var kv = try r.subMessage(tag, .otlpDataPoint)
                p.attributes.append(OTLPAttribute(pair: try keyValue(&kv)))
            case 2: p.startTimeNanos = try r.fixed64Field(tag, .otlpDataPoint)
            case 3: p.timeNanos = try r.fixed64Field(tag, .otlpDataPoint)
            case 4: p.count = try r.fixed64Field(tag, .otlpDataPoint)
            case 5: p.sum = Double(bitPattern: try r.fixed64Field(tag, .otlpDataPoint))
            case 6: try repeatedFixed64(&r, tag) { p.bucketCounts.append($0) }
            case 7: try repeatedFixed64(&r, tag) { p.explicitBounds.append(Double(bitPattern: $0)) }
            case 10: p.flags = UInt32(truncatingIfNeeded: try r.varintField(tag, .otlpDataPoint))
            default: try r.skip(tag, .otlpDataPoint)
            }
        }
        return p
    }

    /// `ExponentialHistogramDataPoint`.
    private static func exponentialPoint(_ r: inout ProtoReader) throws(WireError) -> OTLPExponentialHistogramPoint {
        var p = OTLPExponentialHistogramPoint(timeNanos: 0, count: 0, sum: nil, scale: 0)
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpDataPoint)
            switch tag.field {
            case 1:
                var kv = try r.subMessage(tag, .otlpDataPoint)
                p.attributes.append(OTLPAttribute(pair: try keyValue(&kv)))
            case 2: p.startTimeNanos = try r.fixed64Field(tag, .otlpDataPoint)
            case 3: p.timeNanos = try r.fixed64Field(tag, .otlpDataPoint)
            case 4: p.count = try r.fixed64Field(tag, .otlpDataPoint)
            case 5: p.sum = Double(bitPattern: try r.fixed64Field(tag, .otlpDataPoint))
            case 6: p.scale = HistogramWireCodec.zigZag32(try r.varintField(tag, .otlpDataPoint))
            case 7: p.zeroCount = try r.fixed64Field(tag, .otlpDataPoint)
            case 8, 9:
                var sub = try r.subMessage(tag, .otlpDataPoint)
                let buckets = try exponentialBuckets(&sub)
                if tag.field == 8 { p.positive = buckets } else { p.negative = buckets }
            case 10: p.flags = UInt32(truncatingIfNeeded: try r.varintField(tag, .otlpDataPoint))
            case 14: p.zeroThreshold = Double(bitPattern: try r.fixed64Field(tag, .otlpDataPoint))
            default: try r.skip(tag, .otlpDataPoint)
            }
        }
        return p
    }

    /// `ExponentialHistogramDataPoint.Buckets`: sint32 offset, repeated uint64 counts (packed
    /// or not), at most `ProtoLimits.maxHistogramItems` of them.
    private static func exponentialBuckets(_ r: inout ProtoReader) throws(WireError) -> OTLPExponentialBuckets {
        var out = OTLPExponentialBuckets()
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpDataPoint)
            switch tag.field {
            case 1: out.offset = HistogramWireCodec.zigZag32(try r.varintField(tag, .otlpDataPoint))
            case 2:
                if tag.wireType == WireType.varint {
                    try checkBuckets(out.bucketCounts.count, r, tag)
                    out.bucketCounts.append(try r.readVarint(.otlpDataPoint, field: tag.field))
                } else {
                    var packed = try r.subMessage(tag, .otlpDataPoint)
                    while !packed.isAtEnd {
                        try checkBuckets(out.bucketCounts.count, r, tag)
                        out.bucketCounts.append(try packed.readVarint(.otlpDataPoint, field: tag.field))
                    }
                }
            default: try r.skip(tag, .otlpDataPoint)
            }
        }
        return out
    }

    private static func checkBuckets(_ count: Int, _ r: ProtoReader, _ tag: ProtoTag) throws(WireError) {
        guard count < ProtoLimits.maxHistogramItems else {
            throw .tooManyItems(r.location(.otlpDataPoint, tag.field, tag.offset), limit: ProtoLimits.maxHistogramItems)
        }
    }

    private static func summaryPoint(_ r: inout ProtoReader) throws(WireError) -> OTLPSummaryPoint {
        var p = OTLPSummaryPoint(timeNanos: 0, count: 0, sum: 0, quantiles: [])
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpDataPoint)
            switch tag.field {
            case 7:
                var kv = try r.subMessage(tag, .otlpDataPoint)
                p.attributes.append(OTLPAttribute(pair: try keyValue(&kv)))
            case 2: p.startTimeNanos = try r.fixed64Field(tag, .otlpDataPoint)
            case 3: p.timeNanos = try r.fixed64Field(tag, .otlpDataPoint)
            case 4: p.count = try r.fixed64Field(tag, .otlpDataPoint)
            case 5: p.sum = Double(bitPattern: try r.fixed64Field(tag, .otlpDataPoint))
            case 6:
                var q = try r.subMessage(tag, .otlpDataPoint)
                var value = OTLPQuantile(quantile: 0, value: 0)
                while !q.isAtEnd {
                    let t = try q.readTag(.otlpQuantile)
                    switch t.field {
                    case 1: value.quantile = Double(bitPattern: try q.fixed64Field(t, .otlpQuantile))
                    case 2: value.value = Double(bitPattern: try q.fixed64Field(t, .otlpQuantile))
                    default: try q.skip(t, .otlpQuantile)
                    }
                }
                p.quantiles.append(value)
            case 8: p.flags = UInt32(truncatingIfNeeded: try r.varintField(tag, .otlpDataPoint))
            default: try r.skip(tag, .otlpDataPoint)
            }
        }
        return p
    }

    /// A `repeated fixed64`/`double` field, packed (the proto3 default) or one value per tag.
    private static func repeatedFixed64(_ r: inout ProtoReader, _ tag: ProtoTag, _ add: (UInt64) -> Void) throws(WireError) {
        if tag.wireType == WireType.fixed64 {
            add(try r.fixed64Field(tag, .otlpDataPoint))
            return
        }
        let (offset, length) = try r.bytesField(tag, .otlpDataPoint)
        guard length % 8 == 0 else {
            throw .truncated(r.location(.otlpDataPoint, tag.field, tag.offset))
        }
        var at = offset
        while at < offset + length {
            add(UInt64(littleEndian: r.bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            at += 8
        }
    }

    /// `KeyValue`.
    private static func keyValue(_ r: inout ProtoReader, depth: Int = 0) throws(WireError) -> (key: String, value: OTLPAnyValue) {
        var key = ""
        var value = OTLPAnyValue.empty
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpKeyValue)
            switch tag.field {
            case 1: key = try r.stringField(tag, .otlpKeyValue)
            case 2:
                var sub = try r.subMessage(tag, .otlpKeyValue)
                value = try anyValue(&sub, depth: depth)
            default: try r.skip(tag, .otlpKeyValue)
            }
        }
        return (key, value)
    }

    /// `AnyValue`, nested at most `OTLPLimits.maxNestingDepth` deep.
    private static func anyValue(_ r: inout ProtoReader, depth: Int) throws(WireError) -> OTLPAnyValue {
        var value = OTLPAnyValue.empty
        while !r.isAtEnd {
            let tag = try r.readTag(.otlpAnyValue)
            switch tag.field {
            case 1: value = .string(try r.stringField(tag, .otlpAnyValue))
            case 2: value = .bool(try r.varintField(tag, .otlpAnyValue) != 0)
            case 3: value = .int(Int64(bitPattern: try r.varintField(tag, .otlpAnyValue)))
            case 4: value = .double(Double(bitPattern: try r.fixed64Field(tag, .otlpAnyValue)))
            case 7:
                let (offset, length) = try r.bytesField(tag, .otlpAnyValue)
                value = .bytes(OTLPValueFormat.base64(UnsafeRawBufferPointer(rebasing: r.bytes[offset..<offset + length])))
            case 5, 6:
                guard depth < OTLPLimits.maxNestingDepth else {
                    throw .nestingTooDeep(r.location(.otlpAnyValue, tag.field, tag.offset), limit: OTLPLimits.maxNestingDepth)
                }
                var list = try r.subMessage(tag, .otlpAnyValue)
                var items: [OTLPAnyValue] = []
                var pairs: [(String, OTLPAnyValue)] = []
                while !list.isAtEnd {
                    let t = try list.readTag(.otlpAnyValue)
                    guard t.field == 1 else { try list.skip(t, .otlpAnyValue); continue }
                    var sub = try list.subMessage(t, .otlpAnyValue)
                    if tag.field == 5 {
                        items.append(try anyValue(&sub, depth: depth + 1))
                    } else {
                        let kv = try keyValue(&sub, depth: depth + 1)
                        pairs.append((kv.key, kv.value))
                    }
                }
                value = tag.field == 5 ? .array(items) : .kvlist(pairs)
            default: try r.skip(tag, .otlpAnyValue)
            }
        }
        return value
    }
}

extension OTLPAttribute {
    /// The attribute of a decoded key and value, the value rendered as label text.
    init(pair kv: (key: String, value: OTLPAnyValue)) { self.init(kv.key, kv.value.text) }
}
