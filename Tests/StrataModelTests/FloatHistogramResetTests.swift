import StrataModel
import Testing

@Suite struct FloatHistogramResetTests {
    private let base = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 5, sum: 10,
                                      positiveSpans: [fhSpan(0, 2)], positiveBuckets: [2, 2])

    @Test func hintsAreBelieved() {
        var h = base
        h.counterResetHint = .counterReset
        #expect(h.detectReset(previous: base))
        var smaller = base
        smaller.count = 1
        smaller.counterResetHint = .notCounterReset
        #expect(!smaller.detectReset(previous: base))
        smaller.counterResetHint = .gauge
        #expect(smaller.detectReset(previous: base))
    }

    @Test func growingCountsAreNoReset() {
        var h = base
        h.count = 7
        h.positiveBuckets = [3, 3]
        #expect(!h.detectReset(previous: base))
        #expect(!base.detectReset(previous: base))
    }

    @Test func decreasesAreResets() {
        var lowerCount = base
        lowerCount.count = 4
        #expect(lowerCount.detectReset(previous: base))
        var lowerBucket = base
        lowerBucket.positiveBuckets = [1, 3]
        #expect(lowerBucket.detectReset(previous: base))
        var lowerZero = base
        lowerZero.zeroCount = 0
        #expect(lowerZero.detectReset(previous: base))
    }

    @Test func missingBucketsAreResetsOnlyWhenTheyWerePopulated() {
        var previous = base
        previous.positiveSpans = [fhSpan(0, 3)]
        previous.positiveBuckets = [2, 2, 1]
        #expect(base.detectReset(previous: previous))
        previous.positiveBuckets = [2, 2, 0]
        #expect(!base.detectReset(previous: previous))
    }

    @Test func resolutionChanges() {
        var finer = base
        finer.schema = 1
        #expect(finer.detectReset(previous: base))
        // Schema 1 buckets 1 and 2 are schema 0 bucket 1 together.
        let previous = FloatHistogram(schema: 1, zeroThreshold: 0.001, zeroCount: 1, count: 5,
                                      positiveSpans: [fhSpan(1, 2)], positiveBuckets: [1, 1])
        let current = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 5,
                                     positiveSpans: [fhSpan(1, 1)], positiveBuckets: [2])
        #expect(!current.detectReset(previous: previous))
        var lower = current
        lower.positiveBuckets = [1]
        #expect(lower.detectReset(previous: previous))
    }

    @Test func zeroThresholdChanges() {
        let previous = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 4,
                                      positiveSpans: [fhSpan(-1, 2)], positiveBuckets: [2, 1])
        // (0.25, 0.5] joins the zero bucket [-0.5, 0.5].
        let wider = FloatHistogram(schema: 0, zeroThreshold: 0.5, zeroCount: 3, count: 4,
                                   positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1])
        #expect(!wider.detectReset(previous: previous))
        var lessInZero = wider
        lessInZero.zeroCount = 2
        #expect(lessInZero.detectReset(previous: previous))
        var cutting = wider
        cutting.zeroThreshold = 0.7
        #expect(cutting.detectReset(previous: previous))
        var narrower = previous
        narrower.zeroThreshold = 0.0001
        #expect(narrower.detectReset(previous: previous))
    }

    @Test func customBuckets() {
        let previous = FloatHistogram(schema: -53, count: 4, positiveSpans: [fhSpan(0, 4)], positiveBuckets: [1, 1, 1, 1],
                                      customValues: [1, 2, 5])
        // Bounds [2, 5]: up to 2 there were 2 observations, up to 5 one more, above one more.
        let same = FloatHistogram(schema: -53, count: 4, positiveSpans: [fhSpan(0, 3)], positiveBuckets: [2, 1, 1],
                                  customValues: [2, 5])
        #expect(!same.detectReset(previous: previous))
        var fewer = same
        fewer.positiveBuckets = [1, 2, 1]
        #expect(fewer.detectReset(previous: previous))
        let exponential = FloatHistogram(schema: 0, count: 4)
        #expect(FloatHistogram(schema: -53, count: 4, customValues: [1]).detectReset(previous: exponential))
        #expect(exponential.detectReset(previous: previous))
    }
}
