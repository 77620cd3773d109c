import StrataModel

/// The binary form of one native histogram (`FloatHistogram`) inside query responses and
/// results-cache entries (docs/format/query-messages.md, "histogram").
///
/// Layout: hint byte, schema `varint`, zero threshold, zero count, count and sum as doubles,
/// positive spans, positive buckets, negative spans, negative buckets, custom values. Spans are
/// a count then `varint` offset and `uvarint` length each; bucket and custom-value lists are a
/// count then doubles. The reader refuses what the engine could trap on: an unknown hint or
/// schema, a span field out of its type's range, or a bucket list whose length is not what the
/// spans cover.
enum HistogramCodec {
    /// Bytes of the smallest histogram: hint, schema, four doubles, five empty counts.
    static let minBytes = 1 + 1 + 4 * 8 + 5

    /// Appends `h`.
    static func write(_ h: FloatHistogram, into w: inout BinaryWriter) {
        w.byte(h.counterResetHint.rawValue)
        w.varint(Int64(h.schema))
        w.double(h.zeroThreshold)
        w.double(h.zeroCount)
        w.double(h.count)
        w.double(h.sum)
        writeSpans(h.positiveSpans, into: &w)
        writeDoubles(h.positiveBuckets, into: &w)
        writeSpans(h.negativeSpans, into: &w)
        writeDoubles(h.negativeBuckets, into: &w)
        writeDoubles(h.customValues, into: &w)
    }

    /// Reads one histogram, validated (see the type's comment).
    static func read(_ r: inout BinaryReader) throws(QueryCodecError) -> FloatHistogram {
        guard let hint = CounterResetHint(rawValue: try r.byte()) else { throw .malformed("unknown counter-reset hint") }
        let rawSchema = try r.varint()
        guard let schema = Int32(exactly: rawSchema),
              HistogramSchema.isCustom(schema)
                || (HistogramSchema.minExponential...HistogramSchema.maxExponential).contains(schema) else {
            throw .malformed("histogram schema \(rawSchema)")
        }
        var h = FloatHistogram(counterResetHint: hint, schema: schema)
        h.zeroThreshold = try r.double()
        h.zeroCount = try r.double()
        h.count = try r.double()
        h.sum = try r.double()
        h.positiveSpans = try readSpans(&r)
        h.positiveBuckets = try readDoubles(&r)
        guard h.positiveBuckets.count == HistogramSpan.bucketCount(h.positiveSpans) else {
            throw .malformed("histogram has \(h.positiveBuckets.count) positive buckets for spans covering \(HistogramSpan.bucketCount(h.positiveSpans))")
        }
        h.negativeSpans = try readSpans(&r)
        h.negativeBuckets = try readDoubles(&r)
        guard h.negativeBuckets.count == HistogramSpan.bucketCount(h.negativeSpans) else {
            throw .malformed("histogram has \(h.negativeBuckets.count) negative buckets for spans covering \(HistogramSpan.bucketCount(h.negativeSpans))")
        }
        h.customValues = try readDoubles(&r)
        return h
    }

    private static func writeSpans(_ spans: [HistogramSpan], into w: inout BinaryWriter) {
        w.count(spans.count)
        for s in spans {
            w.varint(Int64(s.offset))
            w.uvarint(UInt64(s.length))
        }
    }

    private static func readSpans(_ r: inout BinaryReader) throws(QueryCodecError) -> [HistogramSpan] {
        let n = try r.count(minBytesEach: 2)
        var spans: [HistogramSpan] = []
        spans.reserveCapacity(n)
        for _ in 0..<n {
            let offset = try r.varint(), length = try r.uvarint()
            guard let o = Int32(exactly: offset), let l = UInt32(exactly: length) else {
                throw .malformed("histogram span offset \(offset) or length \(length) out of range")
            }
            spans.append(HistogramSpan(offset: o, length: l))
        }
        return spans
    }

    private static func writeDoubles(_ values: [Double], into w: inout BinaryWriter) {
        w.count(values.count)
        for v in values { w.double(v) }
    }

    private static func readDoubles(_ r: inout BinaryReader) throws(QueryCodecError) -> [Double] {
        let n = try r.count(minBytesEach: 8)
        var out: [Double] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try r.double()) }
        return out
    }
}
