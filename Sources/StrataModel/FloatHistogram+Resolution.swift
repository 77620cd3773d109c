extension FloatHistogram {
    /// The most empty buckets `compacted` fills into gaps between populated buckets, over the
    /// whole histogram side. Bucket indexes come from the network; without a limit, two buckets
    /// at the far ends of the index range would make a span of four billion explicit empty
    /// buckets. Once the budget is spent, gaps stay gaps. Real histograms never get near it: at
    /// schema 8 all finite values fit in about 530,000 buckets.
    static let maxFilledGap: Int64 = 1 << 20

    /// The histogram with the same buckets in the coarser exponential `schema` (Prometheus
    /// `ReduceResolution`): each target bucket holds the sum of the buckets it covers. A
    /// histogram with custom buckets, a custom target, or a target not below the current
    /// schema comes back unchanged (Prometheus refuses those as programming errors).
    public func reducedResolution(to targetSchema: Int32) -> FloatHistogram {
        guard !usesCustomBuckets, !HistogramSchema.isCustom(targetSchema), targetSchema < schema else { return self }
        var h = self
        h.setPositive(Self.reduced(Self.indexedBuckets(positiveSpans, positiveBuckets), from: schema, to: targetSchema))
        h.setNegative(Self.reduced(Self.indexedBuckets(negativeSpans, negativeBuckets), from: schema, to: targetSchema))
        h.schema = targetSchema
        return h
    }

    /// The histogram without empty buckets at the edges of its spans (Prometheus `Compact`):
    /// runs of more than `maxEmptyBuckets` empty buckets are cut out, and spans separated by at
    /// most `maxEmptyBuckets` missing buckets are joined, the gap filled with empty buckets.
    /// The buckets' counts and the histogram's totals do not change.
    public func compacted(maxEmptyBuckets: Int = 0) -> FloatHistogram {
        var h = self
        h.compact(maxEmptyBuckets: maxEmptyBuckets)
        return h
    }

    /// `compacted(maxEmptyBuckets:)` in place.
    public mutating func compact(maxEmptyBuckets: Int = 0) {
        let allowedGap = Int64(max(0, maxEmptyBuckets))
        (positiveSpans, positiveBuckets) = Self.compactedLayout(Self.indexedBuckets(positiveSpans, positiveBuckets), allowedGap)
        (negativeSpans, negativeBuckets) = Self.compactedLayout(Self.indexedBuckets(negativeSpans, negativeBuckets), allowedGap)
    }

    /// Prometheus's compaction, stated by its result: only populated buckets (NaN counts as
    /// populated) decide the layout; a gap of at most `allowedGap` missing or empty buckets
    /// between two populated ones becomes explicit empty buckets, a larger gap separates spans.
    static func compactedLayout(_ buckets: [IndexedBucket], _ allowedGap: Int64) -> ([HistogramSpan], [Double]) {
        var spans: [HistogramSpan] = []
        var counts: [Double] = []
        var previous: Int64 = 0
        var fillBudget = maxFilledGap
        for b in buckets where b.count != 0 {
            let index = Int64(b.index)
            if spans.isEmpty {
                spans.append(HistogramSpan(offset: b.index, length: 1))
            } else {
                let gap = index - previous - 1
                if gap <= allowedGap && gap <= fillBudget {
                    fillBudget -= gap
                    counts.append(contentsOf: repeatElement(0, count: Int(gap)))
                    spans[spans.count - 1].length += UInt32(gap) + 1
                } else {
                    spans.append(HistogramSpan(offset: Int32(truncatingIfNeeded: gap), length: 1))
                }
            }
            counts.append(b.count)
            previous = index
        }
        return (spans, counts)
    }
}
