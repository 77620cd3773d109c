import StrataModel

/// Lowers the resolution (schema) of exponential native histograms by merging neighbouring
/// buckets, as Prometheus's `ReduceResolution`: used by the distributor to bring a histogram
/// under `max_native_histogram_buckets`, and by the OTLP translator for scales above 8.
///
/// Callers pass histograms whose spans agree with their bucket counts and whose spans after the
/// first have non-negative offsets (the distributor's validation checks both first); anything
/// else is still handled without trapping, but the layout is then meaningless.
public enum HistogramResolution {
    /// The bucket that bucket `index` of schema `from` falls into at the coarser schema `to`
    /// (Prometheus `targetIdx`: bucket `i` covers `(base^(i-1), base^i]`).
    @inline(__always)
    static func targetIndex(_ index: Int64, from: Int32, to: Int32) -> Int64 {
        ((index &- 1) >> Int64(from &- to)) &+ 1
    }

    /// Merges buckets given as spans and absolute counts into the schema `to`; buckets that
    /// land in the same target bucket are added, empty buckets are kept (as Prometheus does).
    static func merge<Count: AdditiveArithmetic>(spans: [HistogramSpan], counts: [Count], from: Int32, to: Int32,
                                                 add: (Count, Count) -> Count) -> ([HistogramSpan], [Count]) {
        var outSpans: [HistogramSpan] = []
        var outCounts: [Count] = []
        var index: Int64 = 0
        var last: Int64 = 0
        var bucket = 0
        for (i, span) in spans.enumerated() {
            index = i == 0 ? Int64(span.offset) : index &+ Int64(span.offset)
            for _ in 0..<span.length {
                guard bucket < counts.count else { return (outSpans, outCounts) }
                let target = targetIndex(index, from: from, to: to)
                if outSpans.isEmpty {
                    outSpans.append(HistogramSpan(offset: Int32(truncatingIfNeeded: target), length: 1))
                    outCounts.append(counts[bucket])
                } else if target == last {
                    outCounts[outCounts.count - 1] = add(outCounts[outCounts.count - 1], counts[bucket])
                } else if target == last &+ 1 {
                    outSpans[outSpans.count - 1].length &+= 1
                    outCounts.append(counts[bucket])
                } else {
                    outSpans.append(HistogramSpan(offset: Int32(truncatingIfNeeded: target &- last &- 1), length: 1))
                    outCounts.append(counts[bucket])
                }
                last = target
                index &+= 1
                bucket += 1
            }
        }
        return (outSpans, outCounts)
    }

    /// The integer histogram at the coarser exponential schema `target`; unchanged when
    /// `target` is not below the current schema or either schema is custom buckets.
    public static func reduced(_ h: Histogram, to target: Int32) -> Histogram {
        guard !HistogramSchema.isCustom(h.schema), !HistogramSchema.isCustom(target), target < h.schema else { return h }
        var out = h
        let (ps, pc) = merge(spans: h.positiveSpans, counts: Histogram.absolute(h.positiveBuckets), from: h.schema, to: target, add: &+)
        let (ns, nc) = merge(spans: h.negativeSpans, counts: Histogram.absolute(h.negativeBuckets), from: h.schema, to: target, add: &+)
        out.positiveSpans = ps
        out.positiveBuckets = Histogram.deltas(pc)
        out.negativeSpans = ns
        out.negativeBuckets = Histogram.deltas(nc)
        out.schema = target
        return out
    }

    /// The float histogram at the coarser exponential schema `target` (see the integer one).
    public static func reduced(_ h: FloatHistogram, to target: Int32) -> FloatHistogram {
        guard !HistogramSchema.isCustom(h.schema), !HistogramSchema.isCustom(target), target < h.schema else { return h }
        var out = h
        (out.positiveSpans, out.positiveBuckets) = merge(spans: h.positiveSpans, counts: h.positiveBuckets, from: h.schema, to: target, add: +)
        (out.negativeSpans, out.negativeBuckets) = merge(spans: h.negativeSpans, counts: h.negativeBuckets, from: h.schema, to: target, add: +)
        out.schema = target
        return out
    }

    /// The histogram at the coarser schema `target`, of either kind.
    public static func reduced(_ value: HistogramValue, to target: Int32) -> HistogramValue {
        switch value {
        case .integer(let h): return .integer(reduced(h, to: target))
        case .float(let h): return .float(reduced(h, to: target))
        }
    }
}
