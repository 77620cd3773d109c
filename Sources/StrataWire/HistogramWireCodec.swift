import StrataModel

/// Decodes and encodes one native histogram sample (`prometheus.Histogram`, and
/// `io.prometheus.write.v2.Histogram`, which has the same layout).
///
/// Structure is checked as strictly as the rest of the remote-write decoders: wrong wire types,
/// truncated fields, a reset hint outside the enum, and a histogram that mixes integer fields
/// (`count_int`, `zero_count_int`, `*_deltas`) with float ones (`count_float`,
/// `zero_count_float`, `*_counts`) are refused. Every repeated field is bounded by
/// `ProtoLimits.maxHistogramItems`, so a histogram cannot make the decoder allocate more than
/// a fixed multiple of the bytes it occupies. Semantic checks (schema, spans against bucket
/// counts, negative counts) are the distributor's, which answers them with an error ID.
enum HistogramWireCodec {
    /// Decodes one Histogram message (the reader spans exactly its payload).
    static func decode(_ r: inout ProtoReader) throws(WireError) -> HistogramPoint {
        let start = r.position
        var countInt: UInt64? = nil
        var countFloat: Double? = nil
        var zeroCountInt: UInt64? = nil
        var zeroCountFloat: Double? = nil
        var sum = 0.0
        var schema: Int32 = 0
        var zeroThreshold = 0.0
        var negativeSpans: [HistogramSpan] = []
        var positiveSpans: [HistogramSpan] = []
        var negativeDeltas: [Int64] = []
        var positiveDeltas: [Int64] = []
        var negativeCounts: [Double] = []
        var positiveCounts: [Double] = []
        var customValues: [Double] = []
        var hint = CounterResetHint.unknown
        var timestamp: Int64 = 0
        while !r.isAtEnd {
            let tag = try r.readTag(.histogram)
            switch tag.field {
            case HistogramField.countInt:
                // oneof: a later member replaces an earlier one, as protobuf decoders do.
                countInt = try r.varintField(tag, .histogram)
                countFloat = nil
            case HistogramField.countFloat:
                countFloat = Double(bitPattern: try r.fixed64Field(tag, .histogram))
                countInt = nil
            case HistogramField.sum:
                sum = Double(bitPattern: try r.fixed64Field(tag, .histogram))
            case HistogramField.schema:
                schema = zigZag32(try r.varintField(tag, .histogram))
            case HistogramField.zeroThreshold:
                zeroThreshold = Double(bitPattern: try r.fixed64Field(tag, .histogram))
            case HistogramField.zeroCountInt:
                zeroCountInt = try r.varintField(tag, .histogram)
                zeroCountFloat = nil
            case HistogramField.zeroCountFloat:
                zeroCountFloat = Double(bitPattern: try r.fixed64Field(tag, .histogram))
                zeroCountInt = nil
            case HistogramField.negativeSpans:
                try appendSpan(&r, tag, to: &negativeSpans)
            case HistogramField.positiveSpans:
                try appendSpan(&r, tag, to: &positiveSpans)
            case HistogramField.negativeDeltas:
                try appendSInt64s(&r, tag, to: &negativeDeltas)
            case HistogramField.positiveDeltas:
                try appendSInt64s(&r, tag, to: &positiveDeltas)
            case HistogramField.negativeCounts:
                try appendDoubles(&r, tag, to: &negativeCounts)
            case HistogramField.positiveCounts:
                try appendDoubles(&r, tag, to: &positiveCounts)
            case HistogramField.customValues:
                try appendDoubles(&r, tag, to: &customValues)
            case HistogramField.resetHint:
                let raw = try r.varintField(tag, .histogram)
                guard raw <= 3, let h = CounterResetHint(rawValue: UInt8(raw)) else {
                    throw .invalidEnumValue(r.location(.histogram, tag.field, tag.offset), value: Int64(bitPattern: raw))
                }
                hint = h
            case HistogramField.timestamp:
                timestamp = Int64(bitPattern: try r.varintField(tag, .histogram))
            default:
                try r.skip(tag, .histogram)
            }
        }
        let hasInt = countInt != nil || zeroCountInt != nil || !negativeDeltas.isEmpty || !positiveDeltas.isEmpty
        let hasFloat = countFloat != nil || zeroCountFloat != nil || !negativeCounts.isEmpty || !positiveCounts.isEmpty
        if hasInt && hasFloat { throw .mixedHistogramKinds(r.location(.histogram, 0, start)) }
        if hasFloat {
            return HistogramPoint(timestamp: timestamp, value: .float(FloatHistogram(
                counterResetHint: hint, schema: schema, zeroThreshold: zeroThreshold, zeroCount: zeroCountFloat ?? 0,
                count: countFloat ?? 0, sum: sum, positiveSpans: positiveSpans, positiveBuckets: positiveCounts,
                negativeSpans: negativeSpans, negativeBuckets: negativeCounts, customValues: customValues)))
        }
        // A histogram with neither count is an integer histogram, as Prometheus reads it.
        return HistogramPoint(timestamp: timestamp, value: .integer(Histogram(
            counterResetHint: hint, schema: schema, zeroThreshold: zeroThreshold, zeroCount: zeroCountInt ?? 0,
            count: countInt ?? 0, sum: sum, positiveSpans: positiveSpans, positiveBuckets: positiveDeltas,
            negativeSpans: negativeSpans, negativeBuckets: negativeDeltas, customValues: customValues)))
    }

    /// Protobuf `sint32`: zig-zag over the low 32 bits (higher bits are dropped, as Go's
    /// generated decoders do).
    @inline(__always)
    static func zigZag32(_ v: UInt64) -> Int32 {
        let u = UInt32(truncatingIfNeeded: v)
        return Int32(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// Protobuf `sint64`.
    @inline(__always)
    static func zigZag64(_ v: UInt64) -> Int64 {
        Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    @inline(__always)
    static func checkRoom(_ count: Int, _ r: ProtoReader, _ tag: ProtoTag) throws(WireError) {
        guard count < ProtoLimits.maxHistogramItems else {
            throw .tooManyItems(r.location(.histogram, tag.field, tag.offset), limit: ProtoLimits.maxHistogramItems)
        }
    }

    static func appendSpan(_ r: inout ProtoReader, _ tag: ProtoTag, to spans: inout [HistogramSpan]) throws(WireError) {
        try checkRoom(spans.count, r, tag)
        var sub = try r.subMessage(tag, .histogram)
        var span = HistogramSpan(offset: 0, length: 0)
        while !sub.isAtEnd {
            let inner = try sub.readTag(.bucketSpan)
            switch inner.field {
            case BucketSpanField.offset:
                span.offset = zigZag32(try sub.varintField(inner, .bucketSpan))
            case BucketSpanField.length:
                span.length = UInt32(truncatingIfNeeded: try sub.varintField(inner, .bucketSpan))
            default:
                try sub.skip(inner, .bucketSpan)
            }
        }
        spans.append(span)
    }

    /// A repeated `sint64`, packed (length-delimited) or one varint per element.
    static func appendSInt64s(_ r: inout ProtoReader, _ tag: ProtoTag, to values: inout [Int64]) throws(WireError) {
        if tag.wireType == WireType.varint {
            try checkRoom(values.count, r, tag)
            values.append(zigZag64(try r.readVarint(.histogram, field: tag.field)))
            return
        }
        var packed = try r.subMessage(tag, .histogram)
        while !packed.isAtEnd {
            try checkRoom(values.count, r, tag)
            values.append(zigZag64(try packed.readVarint(.histogram, field: tag.field)))
        }
    }

    /// A repeated `double`, packed (length-delimited) or one fixed64 per element.
    static func appendDoubles(_ r: inout ProtoReader, _ tag: ProtoTag, to values: inout [Double]) throws(WireError) {
        if tag.wireType == WireType.fixed64 {
            try checkRoom(values.count, r, tag)
            values.append(Double(bitPattern: try r.fixed64Field(tag, .histogram)))
            return
        }
        var packed = try r.subMessage(tag, .histogram)
        guard (packed.end - packed.position) % 8 == 0 else {
            throw .truncated(r.location(.histogram, tag.field, tag.offset))
        }
        while !packed.isAtEnd {
            try checkRoom(values.count, r, tag)
            let bits = packed.bytes.loadUnaligned(fromByteOffset: packed.position, as: UInt64.self)
            packed.position += 8
            values.append(Double(bitPattern: UInt64(littleEndian: bits)))
        }
    }

    // MARK: - encoding

    /// Size of a Histogram message's payload. Fields are written as Prometheus's
    /// `prompb.FromIntHistogram` / `FromFloatHistogram` write them: both oneofs always present,
    /// repeated scalars packed, other zero values left out.
    static func payloadSize(_ point: HistogramPoint) -> Int {
        var size = 0
        switch point.value {
        case .integer(let h):
            size += tagSize(HistogramField.countInt) + varintSize(h.count)
            size += tagSize(HistogramField.zeroCountInt) + varintSize(h.zeroCount)
            size += common(h.sum, h.schema, h.zeroThreshold, h.counterResetHint, point.timestamp)
            size += spansSize(HistogramField.negativeSpans, h.negativeSpans) + spansSize(HistogramField.positiveSpans, h.positiveSpans)
            size += packedSInt64Size(HistogramField.negativeDeltas, h.negativeBuckets)
            size += packedSInt64Size(HistogramField.positiveDeltas, h.positiveBuckets)
            size += packedDoubleSize(HistogramField.customValues, h.customValues.count)
        case .float(let h):
            size += tagSize(HistogramField.countFloat) + 8
            size += tagSize(HistogramField.zeroCountFloat) + 8
            size += common(h.sum, h.schema, h.zeroThreshold, h.counterResetHint, point.timestamp)
            size += spansSize(HistogramField.negativeSpans, h.negativeSpans) + spansSize(HistogramField.positiveSpans, h.positiveSpans)
            size += packedDoubleSize(HistogramField.negativeCounts, h.negativeBuckets.count)
            size += packedDoubleSize(HistogramField.positiveCounts, h.positiveBuckets.count)
            size += packedDoubleSize(HistogramField.customValues, h.customValues.count)
        }
        return size
    }

    private static func common(_ sum: Double, _ schema: Int32, _ zeroThreshold: Double, _ hint: CounterResetHint,
                               _ timestamp: Int64) -> Int {
        (sum.bitPattern != 0 ? tagSize(HistogramField.sum) + 8 : 0)
            + (schema != 0 ? tagSize(HistogramField.schema) + varintSize(zigZagEncode32(schema)) : 0)
            + (zeroThreshold.bitPattern != 0 ? tagSize(HistogramField.zeroThreshold) + 8 : 0)
            + (hint != .unknown ? tagSize(HistogramField.resetHint) + 1 : 0)
            + (timestamp != 0 ? tagSize(HistogramField.timestamp) + varintSize(UInt64(bitPattern: timestamp)) : 0)
    }

    @inline(__always)
    static func zigZagEncode32(_ v: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: (v << 1) ^ (v >> 31)))
    }

    @inline(__always)
    static func zigZagEncode64(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v << 1) ^ (v >> 63))
    }

    static func spanPayloadSize(_ s: HistogramSpan) -> Int {
        (s.offset != 0 ? tagSize(BucketSpanField.offset) + varintSize(zigZagEncode32(s.offset)) : 0)
            + (s.length != 0 ? tagSize(BucketSpanField.length) + varintSize(UInt64(s.length)) : 0)
    }

    private static func spansSize(_ field: Int, _ spans: [HistogramSpan]) -> Int {
        spans.reduce(0) { $0 + lengthDelimitedSize(field: field, length: spanPayloadSize($1)) }
    }

    static func packedSInt64Payload(_ values: [Int64]) -> Int {
        values.reduce(0) { $0 + varintSize(zigZagEncode64($1)) }
    }

    private static func packedSInt64Size(_ field: Int, _ values: [Int64]) -> Int {
        values.isEmpty ? 0 : lengthDelimitedSize(field: field, length: packedSInt64Payload(values))
    }

    private static func packedDoubleSize(_ field: Int, _ count: Int) -> Int {
        count == 0 ? 0 : lengthDelimitedSize(field: field, length: 8 * count)
    }
}

extension ProtoWriter {
    /// Writes one Histogram field (tag, length, payload) of a TimeSeries.
    mutating func writeHistogramField(_ field: Int, _ point: HistogramPoint) {
        writeLengthPrefix(field, HistogramWireCodec.payloadSize(point))
        switch point.value {
        case .integer(let h):
            writeTag(HistogramField.countInt, WireType.varint)
            writeVarint(h.count)
            writeHistogramCommon(h.sum, h.schema, h.zeroThreshold)
            writeTag(HistogramField.zeroCountInt, WireType.varint)
            writeVarint(h.zeroCount)
            writeSpans(HistogramField.negativeSpans, h.negativeSpans)
            writePackedSInt64(HistogramField.negativeDeltas, h.negativeBuckets)
            writeSpans(HistogramField.positiveSpans, h.positiveSpans)
            writePackedSInt64(HistogramField.positiveDeltas, h.positiveBuckets)
            writeHistogramTail(h.counterResetHint, point.timestamp, h.customValues)
        case .float(let h):
            writeTag(HistogramField.countFloat, WireType.fixed64)
            writeFixed64(h.count.bitPattern)
            writeHistogramCommon(h.sum, h.schema, h.zeroThreshold)
            writeTag(HistogramField.zeroCountFloat, WireType.fixed64)
            writeFixed64(h.zeroCount.bitPattern)
            writeSpans(HistogramField.negativeSpans, h.negativeSpans)
            writePackedDoubles(HistogramField.negativeCounts, h.negativeBuckets)
            writeSpans(HistogramField.positiveSpans, h.positiveSpans)
            writePackedDoubles(HistogramField.positiveCounts, h.positiveBuckets)
            writeHistogramTail(h.counterResetHint, point.timestamp, h.customValues)
        }
    }

    private mutating func writeHistogramCommon(_ sum: Double, _ schema: Int32, _ zeroThreshold: Double) {
        if sum.bitPattern != 0 {
            writeTag(HistogramField.sum, WireType.fixed64)
            writeFixed64(sum.bitPattern)
        }
        if schema != 0 {
            writeTag(HistogramField.schema, WireType.varint)
            writeVarint(HistogramWireCodec.zigZagEncode32(schema))
        }
        if zeroThreshold.bitPattern != 0 {
            writeTag(HistogramField.zeroThreshold, WireType.fixed64)
            writeFixed64(zeroThreshold.bitPattern)
        }
    }

    private mutating func writeHistogramTail(_ hint: CounterResetHint, _ timestamp: Int64, _ customValues: [Double]) {
        if hint != .unknown {
            writeTag(HistogramField.resetHint, WireType.varint)
            writeVarint(UInt64(hint.rawValue))
        }
        if timestamp != 0 {
            writeTag(HistogramField.timestamp, WireType.varint)
            writeVarint(UInt64(bitPattern: timestamp))
        }
        writePackedDoubles(HistogramField.customValues, customValues)
    }

    private mutating func writeSpans(_ field: Int, _ spans: [HistogramSpan]) {
        for s in spans {
            writeLengthPrefix(field, HistogramWireCodec.spanPayloadSize(s))
            if s.offset != 0 {
                writeTag(BucketSpanField.offset, WireType.varint)
                writeVarint(HistogramWireCodec.zigZagEncode32(s.offset))
            }
            if s.length != 0 {
                writeTag(BucketSpanField.length, WireType.varint)
                writeVarint(UInt64(s.length))
            }
        }
    }

    private mutating func writePackedSInt64(_ field: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        writeLengthPrefix(field, HistogramWireCodec.packedSInt64Payload(values))
        for v in values { writeVarint(HistogramWireCodec.zigZagEncode64(v)) }
    }

    private mutating func writePackedDoubles(_ field: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        writeLengthPrefix(field, 8 * values.count)
        for v in values { writeFixed64(v.bitPattern) }
    }
}
