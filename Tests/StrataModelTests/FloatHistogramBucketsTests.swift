import StrataModel
import Testing

@Suite struct FloatHistogramBucketsTests {
    @Test func exponentialBucketBoundaries() {
        let h = FloatHistogram(schema: 0, zeroThreshold: 0.7, zeroCount: 3, count: 6,
                               positiveSpans: [fhSpan(0, 2)], positiveBuckets: [1, 1],
                               negativeSpans: [fhSpan(0, 1)], negativeBuckets: [1])
        #expect(h.positiveBucketList() == [
            HistogramBucket(lower: 0.5, upper: 1, lowerInclusive: false, upperInclusive: true, count: 1, index: 0),
            HistogramBucket(lower: 1, upper: 2, lowerInclusive: false, upperInclusive: true, count: 1, index: 1),
        ])
        #expect(h.negativeBucketList() == [
            HistogramBucket(lower: -1, upper: -0.5, lowerInclusive: true, upperInclusive: false, count: 1, index: 0),
        ])
        // Buckets overlapping the zero bucket end at its threshold.
        #expect(h.allBuckets().map { [$0.lower, $0.upper, $0.count] } == [
            [-1, -0.7, 1], [-0.7, 0.7, 3], [0.7, 1, 1], [1, 2, 1],
        ])
        #expect(h.allBucketsDescending().map { $0.upper } == [2, 1, 0.7, -0.7])
    }

    @Test func finerSchemasUseTheTabulatedBoundaries() {
        let h = FloatHistogram(schema: 3, positiveSpans: [fhSpan(-1, 3)], positiveBuckets: [1, 1, 1])
        #expect(h.positiveBucketList().map(\.upper) == [0.9170040432046711, 1, 1.0905077326652577])
        let coarse = FloatHistogram(schema: -2, positiveSpans: [fhSpan(1, 1)], positiveBuckets: [1])
        #expect(coarse.positiveBucketList().map { [$0.lower, $0.upper] } == [[1, 16]])
        // The last finite bucket ends at the largest double, the one above it at +Inf.
        let top = FloatHistogram(schema: 0, positiveSpans: [fhSpan(1024, 2)], positiveBuckets: [1, 1])
        #expect(top.positiveBucketList().map(\.upper) == [Double.greatestFiniteMagnitude, .infinity])
    }

    @Test func customBucketBoundaries() {
        let h = FloatHistogram(schema: -53, positiveSpans: [fhSpan(0, 3)], positiveBuckets: [1, 2, 3], customValues: [5, 10])
        #expect(h.allBuckets() == [
            HistogramBucket(lower: -.infinity, upper: 5, lowerInclusive: true, upperInclusive: true, count: 1, index: 0),
            HistogramBucket(lower: 5, upper: 10, lowerInclusive: false, upperInclusive: true, count: 2, index: 1),
            HistogramBucket(lower: 10, upper: .infinity, lowerInclusive: false, upperInclusive: true, count: 3, index: 2),
        ])
    }

    @Test func zeroBucketOnlyWhenPopulated() {
        let h = FloatHistogram(schema: 0, zeroThreshold: 0.1, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1])
        #expect(h.allBuckets().count == 1)
        #expect(h.zeroBucket == HistogramBucket(lower: -0.1, upper: 0.1, lowerInclusive: true, upperInclusive: true, count: 0, index: 0))
    }
}
