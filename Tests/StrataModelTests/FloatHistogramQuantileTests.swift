import StrataModel
import Testing

/// Expectations are the ones of Prometheus's PromQL test corpus (native_histograms.test) where
/// it has them, otherwise computed by hand in the comments.
@Suite struct FloatHistogramQuantileTests {
    private func close(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        return abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    }

    /// {{schema:0 count:12 sum:100 z_bucket:2 z_bucket_w:0.001 buckets:[2 3 0 1 4]}}
    private let positive = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 2, count: 12, sum: 100,
                                          positiveSpans: [fhSpan(0, 5)], positiveBuckets: [2, 3, 0, 1, 4])

    @Test(arguments: [
        (1.0, 16.0), (0.99, 15.67072476139083), (0.9, 12.99603834169977), (0.6, 4.594793419988138),
        // 0.5: the 6th of 12 from the top is 2/3 into (1,2] → 2^(2/3).
        (0.5, 1.5874010519681994),
        // 0.1: rank 1.2 of the 2 in the zero bucket, which starts at 0 (no negative buckets).
        (0.1, 0.0006), (0.0, 0.0), (-1.0, -Double.infinity), (1.001, Double.infinity), (Double.nan, Double.nan),
    ])
    func positiveBucketsWithZeroBucket(q: Double, expected: Double) {
        #expect(close(positive.quantile(q), expected))
    }

    /// {{schema:0 count:12 sum:100 z_bucket:2 z_bucket_w:0.001 n_buckets:[2 3 0 1 4]}}
    @Test func mirroredForNegativeBuckets() {
        let negative = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 2, count: 12, sum: 100,
                                      negativeSpans: [fhSpan(0, 5)], negativeBuckets: [2, 3, 0, 1, 4])
        #expect(close(negative.quantile(0), -16))
        #expect(close(negative.quantile(0.5), -1.5874010519681994))
        #expect(close(negative.quantile(0.9), -0.0006))
        #expect(close(negative.quantile(1), 0))
    }

    @Test func corpusSingleHistograms() {
        let single = FloatHistogram(schema: 0, count: 4, sum: 5, positiveSpans: [fhSpan(0, 3)], positiveBuckets: [1, 2, 1])
        #expect(close(single.quantile(0.5), 1.414213562373095))
        #expect(close(single.fraction(lower: 1, upper: 2), 0.5))
        #expect(close(single.fraction(lower: 0, upper: 8), 1))
        let negative = FloatHistogram(schema: 0, count: 4, sum: -5, negativeSpans: [fhSpan(0, 3)], negativeBuckets: [1, 2, 1])
        #expect(close(negative.quantile(0.5), -1.414213562373095))
        #expect(close(negative.fraction(lower: -2, upper: -1), 0.5))
        let zeroOnly = FloatHistogram(schema: 0, zeroThreshold: 0.5, zeroCount: 1, count: 1, sum: 0.25)
        #expect(close(zeroOnly.quantile(0.5), 0))
        #expect(close(zeroOnly.fraction(lower: -0.5, upper: 0.5), 1))
        // Both sides: the median is the lower bound of the first populated bucket above it.
        let balanced = FloatHistogram(schema: 0, count: 8, sum: 0, positiveSpans: [fhSpan(0, 3)], positiveBuckets: [1, 2, 1],
                                      negativeSpans: [fhSpan(0, 3)], negativeBuckets: [1, 2, 1])
        #expect(close(balanced.quantile(0.5), 0.5))
        #expect(close(balanced.fraction(lower: 0, upper: 4), 0.5))
        #expect(FloatHistogram(schema: 0).quantile(0.5).isNaN)
        #expect(FloatHistogram(schema: -53, customValues: [-2, 3]).fraction(lower: 0, upper: 8).isNaN)
    }

    /// Custom bounds [5, 10] with [1 2 1]: the first bucket counts from 0, the +Inf bucket
    /// answers with its lower bound, everything else is linear.
    @Test func customBuckets() {
        let h = FloatHistogram(schema: -53, count: 4, sum: 20, positiveSpans: [fhSpan(0, 3)], positiveBuckets: [1, 2, 1],
                               customValues: [5, 10])
        #expect(close(h.quantile(0.1), 2))     // rank 0.4 of 1 in (0, 5]
        #expect(close(h.quantile(0.5), 7.5))   // rank 2: 1 of 2 into (5, 10]
        #expect(close(h.quantile(0.9), 10))    // in (10, +Inf]
        #expect(close(h.fraction(lower: 5, upper: 7.5), 0.25))
        #expect(close(h.fraction(lower: 2, upper: 10), 0.65))  // 0.6 of (0, 5], then all of (5, 10]
        #expect(close(h.fraction(lower: 0, upper: .infinity), 1))
        let negativeFirst = FloatHistogram(schema: -53, count: 1, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1],
                                           customValues: [-3])
        #expect(close(negativeFirst.quantile(0.3), -3))
    }

    /// {{schema:0 count:15 sum:NaN buckets:[12]}}: three NaN observations above everything.
    @Test func nanObservations() {
        let h = FloatHistogram(schema: 0, count: 15, sum: .nan, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [12])
        #expect(h.quantileDetail(0.8) == (1, .resultSkewedHigher))
        #expect(close(h.quantileDetail(0.4).value, 0.7071067811865475))
        #expect(h.quantileDetail(0.4).nanEffect == .resultSkewedHigher)
        let above = h.quantileDetail(0.81)
        #expect(above.value.isNaN && above.nanEffect == .resultIsNaN)
        #expect(close(h.fractionDetail(lower: -.infinity, upper: 0.7071067811865475).value, 0.4))
        #expect(h.fractionDetail(lower: -.infinity, upper: .infinity) == (0.8, true))
        let onlyNaN = FloatHistogram(schema: 0, count: 3, sum: .nan)
        #expect(onlyNaN.quantileDetail(0.4).nanEffect == .resultIsNaN)
        #expect(onlyNaN.fractionDetail(lower: -.infinity, upper: .infinity) == (0, true))
        // -Inf and +Inf observed: a NaN sum but nothing missing from the buckets.
        let infinities = FloatHistogram(schema: 0, count: 2, sum: .nan, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [2])
        #expect(infinities.quantileDetail(0.5).nanEffect == .none)
    }

    /// Zero bucket [-0.001, 0.001] with 2 of 12 and only positive buckets: it spans [0, 0.001].
    @Test func fractionWithZeroBucket() {
        #expect(close(positive.fraction(lower: 0, upper: 0.0005), 1.0 / 12))
        #expect(close(positive.fraction(lower: -1, upper: 0.001), 2.0 / 12))
        // (1, 2] holds 3; half of it on the log scale ends at 2^0.5.
        #expect(close(positive.fraction(lower: 1, upper: 2.0.squareRoot()), 1.5 / 12))
        #expect(positive.fraction(lower: 3, upper: 3) == 0)
        #expect(positive.fraction(lower: .nan, upper: 3).isNaN)
        #expect(close(positive.fraction(lower: -.infinity, upper: .infinity), 1))
    }
}
