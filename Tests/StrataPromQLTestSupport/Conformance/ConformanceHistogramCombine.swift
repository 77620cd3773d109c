import StrataModel

/// The histogram arithmetic the series notation `{{a}}+{{b}}xN` needs (upstream calls
/// `FloatHistogram.Add`/`Sub`): buckets added index by index after bringing both to the lower
/// of the two schemas. Only what load lines use: the zero threshold of the first operand is
/// kept, custom-bucket histograms must have the same bounds.
enum ConformanceHistogramCombine {
    static func combine(_ a: FloatHistogram, _ b: FloatHistogram, add: Bool, _ c: ConformanceCursor) throws(ConformanceScriptError) -> FloatHistogram {
        let sign = add ? 1.0 : -1.0
        if HistogramSchema.isCustom(a.schema) != HistogramSchema.isCustom(b.schema) {
            throw c.error("cannot combine a custom-bucket histogram with an exponential one")
        }
        if HistogramSchema.isCustom(a.schema) && a.customValues != b.customValues {
            throw c.error("cannot combine custom-bucket histograms with different bounds")
        }
        let schema = min(a.schema, b.schema)
        var out = a
        out.schema = schema
        out.count = a.count + sign * b.count
        out.sum = a.sum + sign * b.sum
        out.zeroCount = a.zeroCount + sign * b.zeroCount
        switch (a.counterResetHint, b.counterResetHint) {
        case let (x, y) where x == y: break
        case (.gauge, _): break
        case (_, .gauge): out.counterResetHint = .gauge
        default: out.counterResetHint = .unknown
        }
        var pos = buckets(a.positiveSpans, a.positiveBuckets, from: a.schema, to: schema)
        for (i, v) in buckets(b.positiveSpans, b.positiveBuckets, from: b.schema, to: schema) { pos[i, default: 0] += sign * v }
        var neg = buckets(a.negativeSpans, a.negativeBuckets, from: a.schema, to: schema)
        for (i, v) in buckets(b.negativeSpans, b.negativeBuckets, from: b.schema, to: schema) { neg[i, default: 0] += sign * v }
        (out.positiveSpans, out.positiveBuckets) = spans(pos)
        (out.negativeSpans, out.negativeBuckets) = spans(neg)
        return out
    }

    /// Absolute bucket index → count, with indexes mapped from schema `from` down to `to`.
    static func buckets(_ spans: [HistogramSpan], _ counts: [Double], from: Int32, to: Int32) -> [Int32: Double] {
        var out: [Int32: Double] = [:]
        let delta = HistogramSchema.isCustom(from) ? 0 : from - to
        for (i, index) in HistogramSpan.bucketIndexes(spans).enumerated() where i < counts.count {
            let target = delta > 0 ? ((index - 1) >> delta) + 1 : index
            out[target, default: 0] += counts[i]
        }
        return out
    }

    /// Spans (one per run of consecutive indexes) and counts of `buckets`.
    static func spans(_ buckets: [Int32: Double]) -> ([HistogramSpan], [Double]) {
        var spans: [HistogramSpan] = []
        var counts: [Double] = []
        var previous: Int32? = nil
        for index in buckets.keys.sorted() {
            if let p = previous, index == p + 1 {
                spans[spans.count - 1].length += 1
            } else {
                spans.append(HistogramSpan(offset: previous.map { index - $0 - 1 } ?? index, length: 1))
            }
            counts.append(buckets[index] ?? 0)
            previous = index
        }
        return (spans, counts)
    }
}
