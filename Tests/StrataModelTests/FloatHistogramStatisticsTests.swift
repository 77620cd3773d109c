import StrataModel
import Testing

@Suite struct FloatHistogramStatisticsTests {
    /// One observation in (1,2] and one in (2,4], sum 3: they count as √2 and √8 around the
    /// mean 1.5, so the variance is ((√2-1.5)² + (√8-1.5)²)/2 = (14.5 - 9√2)/2.
    @Test func simpleHistogram() {
        let h = FloatHistogram(schema: 0, count: 2, sum: 3, positiveSpans: [fhSpan(1, 2)], positiveBuckets: [1, 1])
        let expected = (14.5 - 9 * 2.0.squareRoot()) / 2
        #expect(abs(h.stdvar() - expected) < 1e-12)
        #expect(abs(h.stddev() - expected.squareRoot()) < 1e-12)
    }

    /// From the PromQL corpus: {{schema:2 count:4 sum:10 buckets:[1 0 0 0 1 0 0 1 1]}}.
    @Test func corpusValues() {
        let h = FloatHistogram(schema: 2, count: 4, sum: 10, positiveSpans: [fhSpan(0, 9)],
                               positiveBuckets: [1, 0, 0, 0, 1, 0, 0, 1, 1])
        #expect(abs(h.stdvar() - 1.163807968526718) < 1e-12)
        #expect(abs(h.stddev() - 1.0787993180043811) < 1e-12)
        // {{schema:0 count:10 sum:-100 n_buckets:[0 0 0 0 10]}}: all in [-16, -8).
        let negative = FloatHistogram(schema: 0, count: 10, sum: -100, negativeSpans: [fhSpan(0, 5)],
                                      negativeBuckets: [0, 0, 0, 0, 10])
        #expect(abs(negative.stdvar() - 1.725830020304794) < 1e-12)
    }

    @Test func zeroBucketAndCustomBuckets() {
        // The zero bucket counts as 0: values {0, 0} around mean 1 → variance 1.
        let zero = FloatHistogram(schema: 0, zeroThreshold: 0.01, zeroCount: 2, count: 2, sum: 2)
        #expect(zero.stdvar() == 1)
        // Custom buckets use midpoints: (5, 10] → 7.5, twice, mean 7.5 → 0.
        let custom = FloatHistogram(schema: -53, count: 2, sum: 15, positiveSpans: [fhSpan(1, 1)], positiveBuckets: [2],
                                    customValues: [5, 10])
        #expect(custom.stdvar() == 0)
        #expect(FloatHistogram(schema: 0, count: 1, sum: .nan, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1]).stdvar().isNaN)
    }
}
