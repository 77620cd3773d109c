import StrataModel
import Testing

@Suite struct FloatHistogramResolutionTests {
    /// Schema 3 bucket i lands in schema 0 bucket ((i-1) >> 3) + 1: -8 → -1, -7 → 0, 1…8 → 1,
    /// 9 → 2.
    @Test func reduceFromSchema3To0() {
        let h = FloatHistogram(schema: 3, count: 21, sum: 30,
                               positiveSpans: [fhSpan(-8, 2), fhSpan(7, 2), fhSpan(5, 2)], positiveBuckets: [1, 2, 3, 4, 5, 6],
                               negativeSpans: [fhSpan(1, 1), fhSpan(8, 1)], negativeBuckets: [7, 8])
        let r = h.reducedResolution(to: 0)
        #expect(r.schema == 0 && r.count == 21 && r.sum == 30)
        #expect(r.positiveSpans == [fhSpan(-1, 4)] && r.positiveBuckets == [1, 2, 12, 6])
        #expect(r.negativeSpans == [fhSpan(1, 2)] && r.negativeBuckets == [7, 8])
    }

    @Test func reductionThatIsNotOneIsANoOp() {
        let h = FloatHistogram(schema: 0, count: 1, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1])
        #expect(h.reducedResolution(to: 2) == h)
        let custom = FloatHistogram(schema: -53, count: 1, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1], customValues: [1])
        #expect(custom.reducedResolution(to: 0) == custom)
    }

    /// Buckets 0,1,2 and 5,6 hold [0 1 0] and [0 2]: only 1 (at index 1) and 2 (at index 6)
    /// are populated, four buckets apart.
    @Test func compactionRemovesEmptyBucketsAndMergesSpans() {
        let h = FloatHistogram(schema: 0, count: 3, positiveSpans: [fhSpan(0, 3), fhSpan(2, 2)], positiveBuckets: [0, 1, 0, 0, 2],
                               negativeSpans: [fhSpan(0, 5)], negativeBuckets: [1, 0, 0, 1, 0])
        let tight = h.compacted()
        #expect(tight.positiveSpans == [fhSpan(1, 1), fhSpan(4, 1)] && tight.positiveBuckets == [1, 2])
        #expect(tight.negativeSpans == [fhSpan(0, 1), fhSpan(2, 1)] && tight.negativeBuckets == [1, 1])
        let loose = h.compacted(maxEmptyBuckets: 4)
        #expect(loose.positiveSpans == [fhSpan(1, 6)] && loose.positiveBuckets == [1, 0, 0, 0, 0, 2])
        #expect(loose.negativeSpans == [fhSpan(0, 4)] && loose.negativeBuckets == [1, 0, 0, 1])
        let notEnough = h.compacted(maxEmptyBuckets: 3)
        #expect(notEnough.positiveSpans == [fhSpan(1, 1), fhSpan(4, 1)])
        #expect(h.compacted(maxEmptyBuckets: 2).negativeSpans == [fhSpan(0, 4)])
        #expect(tight.count == 3)
    }

    @Test func compactionOfEmptyAndZeroLengthSpans() {
        let h = FloatHistogram(positiveSpans: [fhSpan(2, 0), fhSpan(3, 2), fhSpan(0, 1)], positiveBuckets: [0, 5, 6])
        let c = h.compacted()
        #expect(c.positiveSpans == [fhSpan(6, 2)] && c.positiveBuckets == [5, 6])
        #expect(FloatHistogram(positiveSpans: [fhSpan(0, 2)], positiveBuckets: [0, 0]).compacted().positiveSpans.isEmpty)
    }

    /// Buckets at the two ends of the index range must not turn into four billion empty ones.
    @Test func compactionBoundsTheFilledGaps() {
        let h = FloatHistogram(count: 2, positiveSpans: [fhSpan(Int32.min, 1), fhSpan(Int32.max - 1, 1)], positiveBuckets: [1, 1])
        let c = h.compacted(maxEmptyBuckets: .max)
        #expect(c.positiveBuckets == [1, 1] && c.positiveSpans.count == 2)
    }
}
