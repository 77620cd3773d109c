import StrataModel

/// How many samples a native histogram counts as against `max-samples`, as Prometheus counts
/// it: its size in memory in units of a float point (16 bytes), so a histogram with many
/// buckets weighs as much as the floats it replaces.
enum HistogramSampleCost {
    /// The cost of one histogram (at least 1).
    @inline(__always)
    static func of(_ h: FloatHistogram) -> Int {
        // The fixed fields (hint, schema, threshold, counts, sum, slice headers), then
        // 8 bytes per span and per bucket count or custom bound, plus the point's timestamp.
        let bytes = 112 &+ 8 &* (h.positiveSpans.count &+ h.negativeSpans.count)
            &+ 8 &* (h.positiveBuckets.count &+ h.negativeBuckets.count &+ h.customValues.count) &+ 8
        return max(1, bytes / 16)
    }

    /// The cost of histogram points.
    static func of(_ points: some Collection<HPoint>) -> Int {
        var n = 0
        for p in points { n &+= of(p.h) }
        return n
    }
}
