import StrataModel
import Testing

@Suite struct FloatHistogramEqualityTests {
    private let h = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 3, sum: .nan,
                                   positiveSpans: [fhSpan(0, 2)], positiveBuckets: [1, 1])

    @Test func equalDataEqualsBitForBit() {
        #expect(h.equals(h))
        var hinted = h
        hinted.counterResetHint = .gauge
        #expect(h.equals(hinted))
        var stale = FloatHistogram.staleMarker
        #expect(stale.equals(FloatHistogram.staleMarker))
        stale.sum = .nan
        #expect(!stale.equals(FloatHistogram.staleMarker))
    }

    @Test func zeroLengthSpansDoNotMatterButLayoutsDo() {
        var withEmptySpan = h
        withEmptySpan.positiveSpans = [fhSpan(0, 0), fhSpan(0, 2), fhSpan(3, 0)]
        #expect(h.equals(withEmptySpan))
        var split = h
        split.positiveSpans = [fhSpan(0, 1), fhSpan(0, 1)]
        #expect(!h.equals(split))
        var extraEmptyBucket = h
        extraEmptyBucket.positiveSpans = [fhSpan(0, 3)]
        extraEmptyBucket.positiveBuckets = [1, 1, 0]
        #expect(!h.equals(extraEmptyBucket))
        var otherThreshold = h
        otherThreshold.zeroThreshold = 0.01
        #expect(!h.equals(otherThreshold))
    }

    @Test func customBoundsCountOnlyForCustomBuckets() {
        let a = FloatHistogram(schema: -53, count: 1, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1], customValues: [5])
        var b = a
        b.customValues = [6]
        #expect(!a.equals(b))
        #expect(a.equals(a))
    }
}
