extension FloatHistogram {
    /// The histogram in the notation of PromQL test files and promtool rule tests, as
    /// Prometheus's `TestExpression` prints it, e.g. `{{schema:1 count:3 sum:5 z_bucket:1
    /// z_bucket_w:0.001 counter_reset_hint:gauge offset:2 buckets:[1 1] n_buckets:[1]}}`.
    ///
    /// The histogram is compacted into one span per side first; fields at their default
    /// (schema 0, zero counts, an unknown hint, offset 0) are left out; floats use Go's `%g`.
    public var testNotation: String {
        let h = compacted(maxEmptyBuckets: .max)
        var fields: [String] = []
        if h.schema != 0 { fields.append("schema:\(h.schema)") }
        if h.count != 0 { fields.append("count:\(Self.g(h.count))") }
        if h.sum != 0 { fields.append("sum:\(Self.g(h.sum))") }
        if h.zeroCount != 0 { fields.append("z_bucket:\(Self.g(h.zeroCount))") }
        if h.zeroThreshold != 0 { fields.append("z_bucket_w:\(Self.g(h.zeroThreshold))") }
        if h.usesCustomBuckets {
            fields.append("custom_values:[" + h.customValues.map(Self.g).joined(separator: " ") + "]")
        }
        switch h.counterResetHint {
        case .unknown: break
        case .counterReset: fields.append("counter_reset_hint:reset")
        case .notCounterReset: fields.append("counter_reset_hint:not_reset")
        case .gauge: fields.append("counter_reset_hint:gauge")
        }
        Self.appendSide(&fields, bucketsKey: "buckets", offsetKey: "offset", h.positiveSpans, h.positiveBuckets)
        Self.appendSide(&fields, bucketsKey: "n_buckets", offsetKey: "n_offset", h.negativeSpans, h.negativeBuckets)
        return "{{" + fields.joined(separator: " ") + "}}"
    }

    /// Go's `%g` for a float64.
    private static func g(_ v: Double) -> String { GoFloat.format(v, .shortest) }

    /// One side's offset and buckets. After compaction there is at most one span, unless a gap
    /// was too large to fill (see `compact`); then the notation cannot express the layout and
    /// the buckets are listed after the first span's offset.
    private static func appendSide(_ fields: inout [String], bucketsKey: String, offsetKey: String,
                                   _ spans: [HistogramSpan], _ counts: [Double]) {
        if let first = spans.first, first.offset != 0 { fields.append("\(offsetKey):\(first.offset)") }
        if !counts.isEmpty {
            fields.append("\(bucketsKey):[" + counts.map(g).joined(separator: " ") + "]")
        }
    }
}
