import StrataModel
import Testing

/// A span, shorter to write in test tables.
func fhSpan(_ offset: Int32, _ length: UInt32) -> HistogramSpan { HistogramSpan(offset: offset, length: length) }

@Suite struct FloatHistogramArithmeticTests {
    @Test func addWithSameSchemaInsertsMissingBuckets() throws {
        var a = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 3, sum: 5,
                               positiveSpans: [fhSpan(0, 2)], positiveBuckets: [1, 1])
        let b = FloatHistogram(schema: 0, zeroThreshold: 0.001, count: 2, sum: 3,
                               positiveSpans: [fhSpan(1, 2)], positiveBuckets: [1, 1],
                               negativeSpans: [fhSpan(3, 1)], negativeBuckets: [4])
        let reconciled = try a.add(b)
        #expect(!reconciled)
        #expect(a.count == 5 && a.sum == 8 && a.zeroCount == 1 && a.zeroThreshold == 0.001)
        #expect(a.positiveSpans == [fhSpan(0, 3)] && a.positiveBuckets == [1, 2, 1])
        #expect(a.negativeSpans == [fhSpan(3, 1)] && a.negativeBuckets == [4])
    }

    /// Schema 1 buckets 0…3 are (2^-½,1], (1,2^½], (2^½,2], (2,2^1.5]; at schema 0 they land in
    /// buckets 0, 1, 1, 2.
    @Test func addWithDifferentSchemasUsesTheLowerOne() throws {
        let fine = FloatHistogram(schema: 1, count: 10, sum: 20, positiveSpans: [fhSpan(0, 4)], positiveBuckets: [1, 2, 3, 4])
        let coarse = FloatHistogram(schema: 0, count: 30, sum: 40, positiveSpans: [fhSpan(0, 2)], positiveBuckets: [10, 20])
        var a = fine
        try a.add(coarse)
        var b = coarse
        try b.add(fine)
        for h in [a, b] {
            #expect(h.schema == 0 && h.count == 40 && h.sum == 60)
            #expect(h.positiveSpans == [fhSpan(0, 3)] && h.positiveBuckets == [11, 25, 4])
        }
    }

    /// The wider zero bucket [-0.5, 0.5] swallows the other side's (0.25, 0.5] bucket.
    @Test func addWidensTheZeroBucket() throws {
        var narrow = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 2, count: 14, sum: 10,
                                    positiveSpans: [fhSpan(-1, 3)], positiveBuckets: [3, 4, 5])
        let wide = FloatHistogram(schema: 0, zeroThreshold: 0.5, zeroCount: 1, count: 2, sum: 2,
                                  positiveSpans: [fhSpan(1, 1)], positiveBuckets: [1])
        try narrow.add(wide)
        #expect(narrow.zeroThreshold == 0.5 && narrow.zeroCount == 6)
        #expect(narrow.positiveSpans == [fhSpan(0, 2)] && narrow.positiveBuckets == [4, 6])
        #expect(narrow.count == 16 && narrow.sum == 12)

        // The other way round: the narrow side's bucket inside the wide zero bucket is dropped.
        var wideFirst = wide
        try wideFirst.add(FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 2, count: 14, sum: 10,
                                         positiveSpans: [fhSpan(-1, 3)], positiveBuckets: [3, 4, 5]))
        #expect(wideFirst.zeroThreshold == 0.5 && wideFirst.zeroCount == 6)
        #expect(wideFirst.positiveSpans == [fhSpan(0, 2)] && wideFirst.positiveBuckets == [4, 6])
    }

    /// A threshold of 0.7 would cut the populated bucket (0.5, 1]; the zero bucket grows to 1.
    @Test func zeroThresholdInsidePopulatedBucketMovesToItsBoundary() throws {
        var a = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 7, sum: 3,
                               positiveSpans: [fhSpan(0, 2)], positiveBuckets: [4, 2])
        let b = FloatHistogram(schema: 0, zeroThreshold: 0.7, zeroCount: 1, count: 1, sum: 0.1)
        try a.add(b)
        #expect(a.zeroThreshold == 1 && a.zeroCount == 6)
        #expect(a.positiveSpans == [fhSpan(1, 1)] && a.positiveBuckets == [2])
    }

    @Test func subtractProducesNegativeBuckets() throws {
        var a = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 3, sum: 5,
                               positiveSpans: [fhSpan(0, 2)], positiveBuckets: [1, 1])
        let b = FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: 3, count: 4, sum: 7,
                               positiveSpans: [fhSpan(0, 1), fhSpan(1, 1)], positiveBuckets: [2, 1])
        try a.subtract(b)
        #expect(a.count == -1 && a.sum == -2 && a.zeroCount == -2)
        #expect(a.positiveSpans == [fhSpan(0, 3)] && a.positiveBuckets == [-1, 1, -1])
    }

    @Test func customBucketsWithEqualBoundsAddBucketByBucket() throws {
        var a = FloatHistogram(schema: -53, count: 4, sum: 5, positiveSpans: [fhSpan(0, 3)], positiveBuckets: [1, 2, 1],
                               customValues: [5, 10])
        let b = FloatHistogram(schema: -53, count: 1, sum: 12, positiveSpans: [fhSpan(2, 1)], positiveBuckets: [1],
                               customValues: [5, 10])
        #expect(try a.add(b) == false)
        #expect(a.positiveBuckets == [1, 2, 2] && a.customValues == [5, 10] && a.count == 5 && a.sum == 17)
    }

    /// [1,2,5] and [2,5,10] share 2 and 5: a's buckets ≤1 and ≤2 go to ≤2; b's ≤10 and +Inf go
    /// to +Inf.
    @Test func customBucketsWithDifferentBoundsAreReconciled() throws {
        var a = FloatHistogram(schema: -53, count: 10, sum: 20, positiveSpans: [fhSpan(0, 4)], positiveBuckets: [1, 2, 3, 4],
                               customValues: [1, 2, 5])
        let b = FloatHistogram(schema: -53, count: 100, sum: 200, positiveSpans: [fhSpan(0, 4)],
                               positiveBuckets: [10, 20, 30, 40], customValues: [2, 5, 10])
        let report = try a.combine(b, subtracting: false)
        #expect(report.customBoundsReconciled && !report.counterResetCollision)
        #expect(a.customValues == [2, 5])
        #expect(a.positiveSpans == [fhSpan(0, 3)] && a.positiveBuckets == [13, 23, 74])
        #expect(a.count == 110 && a.sum == 220)

        // Subtracting the same thing leaves only empty buckets, which are dropped.
        var c = FloatHistogram(schema: -53, count: 1, sum: 1, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1], customValues: [10])
        #expect(try c.subtract(FloatHistogram(schema: -53, count: 1, sum: 1, positiveSpans: [fhSpan(0, 1)],
                                              positiveBuckets: [1], customValues: [5, 10])))
        #expect(c.customValues == [10] && c.positiveBuckets.isEmpty && c.positiveSpans.isEmpty && c.count == 0)
    }

    @Test func mixingExponentialAndCustomBucketsFails() {
        var a = FloatHistogram(schema: 0, count: 1, sum: 1, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1])
        let b = FloatHistogram(schema: -53, count: 1, sum: 1, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [1], customValues: [1])
        #expect(throws: HistogramOperationError.mixedExponentialAndCustom) { try a.add(b) }
        #expect(throws: HistogramOperationError.incompatibleSchema) {
            try a.add(FloatHistogram(schema: 40, count: 1))
        }
        #expect(a.count == 1)
    }

    @Test(arguments: [
        // (receiver, other, result hint, collision)
        (CounterResetHint.unknown, CounterResetHint.unknown, CounterResetHint.unknown, false),
        (.gauge, .counterReset, .gauge, false),
        (.notCounterReset, .gauge, .gauge, false),
        (.unknown, .counterReset, .unknown, false),
        (.notCounterReset, .unknown, .unknown, false),
        (.counterReset, .notCounterReset, .unknown, true),
        (.notCounterReset, .notCounterReset, .notCounterReset, false),
    ])
    func counterResetHintOfSums(receiver: CounterResetHint, other: CounterResetHint, expected: CounterResetHint,
                                collision: Bool) throws {
        var a = FloatHistogram(counterResetHint: receiver, count: 1)
        let report = try a.combine(FloatHistogram(counterResetHint: other, count: 1), subtracting: false)
        #expect(a.counterResetHint == expected && report.counterResetCollision == collision)
    }

    @Test func multiplyAndDivideScaleEverything() {
        let h = FloatHistogram(counterResetHint: .notCounterReset, schema: 1, zeroThreshold: 0.01, zeroCount: 2, count: 6,
                               sum: 9, positiveSpans: [fhSpan(0, 2)], positiveBuckets: [1, 2],
                               negativeSpans: [fhSpan(1, 1)], negativeBuckets: [1])
        let doubled = h.multiplied(by: 2)
        #expect(doubled.zeroCount == 4 && doubled.count == 12 && doubled.sum == 18)
        #expect(doubled.positiveBuckets == [2, 4] && doubled.negativeBuckets == [2])
        #expect(doubled.counterResetHint == .notCounterReset && doubled.zeroThreshold == 0.01)
        #expect(h.multiplied(by: -1).counterResetHint == .gauge)

        let halved = h.divided(by: 2)
        #expect(halved.count == 3 && halved.sum == 4.5 && halved.zeroCount == 1 && halved.positiveBuckets == [0.5, 1])
        #expect(h.divided(by: -2).counterResetHint == .gauge)
        let byZero = h.divided(by: 0)
        #expect(byZero.count == .infinity && byZero.positiveBuckets.isEmpty && byZero.negativeSpans.isEmpty)
    }

    /// Client-controlled input must not hang or trap: NaN thresholds never converge, spans
    /// promise more buckets than there are, and offsets run backwards.
    @Test func malformedHistogramsDoNotTrapOrHang() throws {
        var a = FloatHistogram(schema: 0, zeroThreshold: .nan, zeroCount: 1, count: 3,
                               positiveSpans: [fhSpan(0, 4_000_000_000)], positiveBuckets: [1, 2])
        let b = FloatHistogram(schema: 0, zeroThreshold: 1, zeroCount: 1, count: 2,
                               positiveSpans: [fhSpan(5, 1), fhSpan(-9, 2)], positiveBuckets: [1, 1])
        try a.add(b)
        #expect(a.count == 5)
        var c = FloatHistogram(schema: 0, count: 1, positiveSpans: [fhSpan(Int32.max, 2), fhSpan(Int32.min, 1)],
                               positiveBuckets: [1, 1, 1])
        try c.add(c)
        #expect(c.count == 2 && c.positiveBuckets.count == 3)
        for schema in [Int32.min, -100, 9, Int32.max] {
            let odd = FloatHistogram(schema: schema, count: 2, sum: 1, positiveSpans: [fhSpan(-3, 2)], positiveBuckets: [1, 1],
                                     negativeSpans: [fhSpan(Int32.max, 1)], negativeBuckets: [1])
            #expect(odd.allBuckets().count == 3)
            _ = (odd.quantile(0.5), odd.fraction(lower: 0, upper: 1), odd.stdvar(), odd.testNotation)
            _ = (odd.detectReset(previous: odd), odd.reducedResolution(to: 0), odd.compacted(maxEmptyBuckets: 5))
        }
    }
}
