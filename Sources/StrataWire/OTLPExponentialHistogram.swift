import StrataModel

/// OTLP exponential histograms to Prometheus native histograms, as Prometheus's translator
/// (`otlptranslator/prometheusremotewrite`, `exponentialToNativeHistogram`) does it:
///
/// - scale becomes the schema; a scale above 8 is brought down to 8 by merging 2^(scale−8)
///   neighbouring buckets, a scale below −4 is refused (no native schema is that coarse);
/// - bucket `i` of OTLP covers `(base^i, base^(i+1)]`, native bucket `i` covers
///   `(base^(i−1), base^i]`, so offsets shift by one;
/// - the bucket runs become spans; empty buckets inside a run of more than two are left out
///   (a new span), as Prometheus's client library lays them out;
/// - counts become integer deltas, the zero bucket keeps its count and threshold (Prometheus's
///   default threshold of 1e-128 when the point has none);
/// - a point flagged "no recorded value" becomes the staleness marker.
enum OTLPExponentialHistogram {
    /// Prometheus's `defaultZeroThreshold` for points without one.
    static let defaultZeroThreshold = 1e-128

    /// The native histogram of `p`, or why it cannot be one.
    static func native(_ p: OTLPExponentialHistogramPoint) -> Result<Histogram, Refusal> {
        guard p.scale >= HistogramSchema.minExponential else { return .failure(Refusal(scale: p.scale)) }
        if p.flags & otlpFlagNoRecordedValue != 0 { return .success(.staleMarker) }
        let scaleDown = p.scale > HistogramSchema.maxExponential ? p.scale - HistogramSchema.maxExponential : 0
        let (positiveSpans, positiveDeltas) = layout(p.positive, scaleDown: scaleDown)
        let (negativeSpans, negativeDeltas) = layout(p.negative, scaleDown: scaleDown)
        return .success(Histogram(
            counterResetHint: .unknown, schema: p.scale - scaleDown,
            zeroThreshold: p.zeroThreshold > 0 ? p.zeroThreshold : defaultZeroThreshold,
            zeroCount: p.zeroCount, count: p.count, sum: p.sum ?? 0,
            positiveSpans: positiveSpans, positiveBuckets: positiveDeltas,
            negativeSpans: negativeSpans, negativeBuckets: negativeDeltas))
    }

    /// A scale no native schema can hold.
    struct Refusal: Error {
        let scale: Int32
    }

    /// Spans and delta-encoded counts of one side (Prometheus `convertBucketsLayout`), merging
    /// 2^scaleDown buckets into one. Index arithmetic is 64-bit, so extreme offsets cannot trap.
    static func layout(_ buckets: OTLPExponentialBuckets, scaleDown: Int32) -> ([HistogramSpan], [Int64]) {
        let counts = buckets.bucketCounts
        guard !counts.isEmpty else { return ([], []) }
        let shift = Int64(scaleDown)
        let offset = Int64(buckets.offset)
        var spans: [HistogramSpan] = []
        var deltas: [Int64] = []
        var previous: Int64 = 0
        func appendDelta(_ count: Int64) {
            spans[spans.count - 1].length &+= 1
            deltas.append(count &- previous)
            previous = count
        }
        var bucketIndex = (offset >> shift) &+ 1
        spans.append(HistogramSpan(offset: Int32(truncatingIfNeeded: bucketIndex), length: 0))
        var count: Int64 = 0
        for (i, raw) in counts.enumerated() {
            let c = Int64(truncatingIfNeeded: raw)
            let next = ((Int64(i) &+ offset) >> shift) &+ 1
            if next == bucketIndex {
                // Still inside the same (merged) bucket.
                count &+= c
                continue
            }
            if count == 0 {
                // Nothing to write yet: empty buckets before the first populated one are skipped.
                count = c
                continue
            }
            let gap = next &- bucketIndex &- 1
            if gap > 2 {
                spans.append(HistogramSpan(offset: Int32(truncatingIfNeeded: gap), length: 0))
            } else {
                for _ in 0..<max(0, gap) { appendDelta(0) }
            }
            appendDelta(count)
            count = c
            bucketIndex = next
        }
        let gap = ((Int64(counts.count) &+ offset &- 1) >> shift) &+ 1 &- bucketIndex
        if gap > 2 {
            spans.append(HistogramSpan(offset: Int32(truncatingIfNeeded: gap), length: 0))
        } else {
            for _ in 0..<max(0, gap) { appendDelta(0) }
        }
        appendDelta(count)
        return (spans, deltas)
    }
}
