import StrataModel
import Testing

@Suite struct FloatHistogramTextTests {
    @Test func testNotationAsPrometheusPrintsIt() {
        let h = FloatHistogram(schema: 1, zeroThreshold: 0.001, zeroCount: 1, count: 3, sum: 5,
                               positiveSpans: [fhSpan(1, 1), fhSpan(0, 1), fhSpan(2, 2)], positiveBuckets: [0, 1, 1, 0])
        #expect(h.testNotation == "{{schema:1 count:3 sum:5 z_bucket:1 z_bucket_w:0.001 offset:2 buckets:[1 0 0 1]}}")
        let gauge = FloatHistogram(counterResetHint: .gauge, count: 1e6, sum: -0.5,
                                   negativeSpans: [fhSpan(-2, 1)], negativeBuckets: [1e6])
        #expect(gauge.testNotation == "{{count:1e+06 sum:-0.5 counter_reset_hint:gauge n_offset:-2 n_buckets:[1e+06]}}")
        let custom = FloatHistogram(schema: -53, count: 4, sum: 5, positiveSpans: [fhSpan(0, 3)], positiveBuckets: [1, 2, 1],
                                    customValues: [5, 10])
        #expect(custom.testNotation == "{{schema:-53 count:4 sum:5 custom_values:[5 10] buckets:[1 2 1]}}")
        #expect(FloatHistogram().testNotation == "{{}}")
        #expect(FloatHistogram(counterResetHint: .notCounterReset, sum: .nan).testNotation == "{{sum:NaN counter_reset_hint:not_reset}}")
        #expect(FloatHistogram(counterResetHint: .counterReset, count: .infinity).testNotation == "{{count:+Inf counter_reset_hint:reset}}")
    }
}
