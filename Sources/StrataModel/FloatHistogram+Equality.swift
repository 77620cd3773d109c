extension FloatHistogram {
    /// Prometheus `Equals`: the same data, bit for bit (NaN equals NaN, stale markers equal
    /// each other), in the same bucket layout. Explicit empty buckets count, so a histogram
    /// with an extra empty bucket is different; zero-length spans do not, as long as the
    /// buckets sit at the same indexes. The counter-reset hint is not compared, custom bounds
    /// only for custom-bucket histograms.
    public func equals(_ other: FloatHistogram) -> Bool {
        guard schema == other.schema, count.bitPattern == other.count.bitPattern,
              sum.bitPattern == other.sum.bitPattern else { return false }
        if usesCustomBuckets && !Self.customBoundsMatch(customValues, other.customValues) { return false }
        guard zeroThreshold == other.zeroThreshold, zeroCount.bitPattern == other.zeroCount.bitPattern else { return false }
        return Self.spansMatch(negativeSpans, other.negativeSpans)
            && Self.bitsMatch(negativeBuckets, other.negativeBuckets)
            && Self.spansMatch(positiveSpans, other.positiveSpans)
            && Self.bitsMatch(positiveBuckets, other.positiveBuckets)
    }

    private static func bitsMatch(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    /// True when both span lists describe the same layout once every zero-length span is
    /// folded into the next one (Prometheus `spansMatch`).
    static func spansMatch(_ a: [HistogramSpan], _ b: [HistogramSpan]) -> Bool {
        let x = foldingEmptySpans(a), y = foldingEmptySpans(b)
        return x == y
    }

    /// `spans` with every zero-length span's offset added to the following span; trailing
    /// zero-length spans disappear.
    private static func foldingEmptySpans(_ spans: [HistogramSpan]) -> [HistogramSpan] {
        var out: [HistogramSpan] = []
        var carried: Int32 = 0
        for span in spans {
            if span.length == 0 {
                carried &+= span.offset
                continue
            }
            out.append(HistogramSpan(offset: carried &+ span.offset, length: span.length))
            carried = 0
        }
        return out
    }
}
